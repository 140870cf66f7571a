# A recursive build that adds derivations through its socket, as plain
# files with no references or with the references h_smuggle.py lists,
# and asks for each that was added to be built (h_smuggle.py wrote
# them; see smuggle.sh).
{ texts ? null }:
let
  inherit (import ../lib/sh-drv.nix) sh withClient;
  plain = name: script: sh name script {};
  nc = builtins.unsafeDiscardStringContext;
in rec {
  # An input of the build below.
  dep = plain "smug-dep" "echo dep >$out";
  # Valid, built outside, never an input of the build below.
  secret = plain "smug-secret" "echo secret-content >$out";
  # Valid as a .drv only: never built.
  unbuilt = plain "smug-unbuilt-dep" "echo never >$out";

  outer = withClient ./h_smuggle.py "smug-outer" ''
    mkdir $out
    say() { echo "$*" >>$out/result; }
    while read -r name how drv want named refs; do
      if [ $how = plain ]; then
        got=$(nix-store --add $TEXTS/$name.drv 2>e.txt)
      else
        got=$(python3 $client add /build/.nix-socket $name.drv \
            $TEXTS/$name.drv $refs 2>e.txt)
      fi
      if [ -z "$got" ]; then
        say "$name: add refused $(tr '\n' ' ' <e.txt)"
        continue
      fi
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
  '' {
    IN = dep;
    SECRET = nc secret.outPath;
    TEXTS = texts;
  };
}
