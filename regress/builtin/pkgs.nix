# Packages for nix-env and nix profile (userenv.sh): files, a shared
# directory that becomes a real one, a propagated package, a file
# that collides with equal priority unless one is lowered.
let
  mk = name: script: derivation {
    inherit name;
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" script ];
  };
  dep = mk "dep-1" ''
    mkdir -p $out/bin; echo dep >$out/bin/dep
  '';
in {
  hello = mk "hello-1" ''
    mkdir -p $out/bin $out/share/doc/hello $out/nix-support
    echo hello >$out/bin/hello; echo doc >$out/share/doc/hello/README
    echo skipped >$out/nix-support/setup-hook; echo hidden >$out/.hidden
  '';
  tool = mk "tool-1" ''
    mkdir -p $out/bin $out/share/doc/tool $out/nix-support
    echo tool >$out/bin/tool; echo doc >$out/share/doc/tool/README
    echo "${dep}" >$out/nix-support/propagated-user-env-packages
  '';
  clash = mk "clash-1" ''
    mkdir -p $out/bin; echo clash >$out/bin/hello
  '';
  multi = (derivation {
    name = "multi-1";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    outputs = [ "out" "lib" ];
    args = [ "-c" ''
      mkdir -p $out/bin $lib/lib; echo m >$out/bin/multi; echo l >$lib/lib/libm
    '' ];
  });
}
