# A recursive build that adds derivations through its socket, as plain
# files with no references, and asks for each to be built
# (h_smuggle.py wrote them; see smuggle.sh).
{ texts ? null }:
let
  plain = name: script: derivation {
    inherit name;
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" script ];
  };
  nc = builtins.unsafeDiscardStringContext;
in rec {
  # An input of the build below.
  dep = plain "smug-dep" "echo dep >$out";
  # Valid, built outside, never an input of the build below.
  secret = plain "smug-secret" "echo secret-content >$out";
  # Valid as a .drv only: never built.
  unbuilt = plain "smug-unbuilt-dep" "echo never >$out";

  outer = derivation {
    name = "smug-outer";
    system = "x86_64-linux";
    builder = "/bin/sh";
    requiredSystemFeatures = [ "recursive-nix" ];
    IN = dep;
    SECRET = nc secret.outPath;
    TEXTS = texts;
    args = [ "-c" ''
      export HOME=/build PATH=/usr/bin:/bin
      mkdir $out
      say() { echo "$*" >>$out/result; }
      while read -r name drv want; do
        got=$(nix-store --add $TEXTS/$name.drv) || exit 1
        [ "$got" = "$drv" ] || { echo "$name.drv added as $got"; exit 1; }
        if o=$(nix-store -r $drv 2>r.txt); then
          say "$name: built $o"
          cat $o >>$out/outputs
        else
          say "$name: refused $(tr '\n' ' ' <r.txt)"
        fi
      done <$TEXTS/cases
      if cat $SECRET >/dev/null 2>&1; then
        say "secret: readable"
      else
        say "secret: not readable"
      fi
      # Named in $out: a reference only if the build may use it.
      echo $SECRET >$out/names
      cat $out/result
    '' ];
  };
}
