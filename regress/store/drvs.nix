# Derivations for the instantiate and gc tests: text files, path
# literals, dependencies, several outputs, fixed outputs.  Nothing here
# is built.
let
  mk = name: attrs: derivation ({
    inherit name;
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" "echo ${name} > $out" ];
  } // attrs);
  script = builtins.toFile "build.sh" "echo building\n";
  dep = mk "dep" { src = ./drvs-src/hello.txt; inherit script; };
  multi = mk "multi" {
    outputs = [ "out" "dev" "lib" ];
    deps = [ dep ];
  };
  fod = mk "fod" {
    outputHashMode = "flat";
    outputHashAlgo = "sha256";
    outputHash = "1bbydygn8aylsx7lpgplplxyhcy9qabnhyz6cvyzlxcxpsnk2kdq";
  };
  fodr = mk "fodr" {
    outputHashMode = "recursive";
    outputHashAlgo = "sha1";
    outputHash = "0000000000000000000000000000000000000000";
  };
  refsfile = builtins.toFile "refs.txt" "uses ${script} and ${./drvs-src/hello.txt}\n";
  top = mk "top" {
    inherit fod fodr refsfile;
    tree = ./drvs-src/tree;
    lib = multi.lib;
  };
  lone = mk "lone" { data = builtins.toFile "lone.txt" "alone\n"; };
in { inherit dep multi fod fodr top lone; script = script; refsfile = refsfile; }
