# Adds of one path from inside one build.  same: two nix-store --add
# of the same content at once.  squat: the builder makes an entry at
# the very path first (given by the test); the add must not take that
# for the path.
{ squat ? "" }:
let
  inherit (import ../lib/sh-drv.nix) recursive;
  rec_ = name: script: recursive name (script + "\n") {};
in {
  same = rec_ "concurrent-add" ''
    # The builder starts with no signal blocked or ignored, as in Nix.
    if grep -E '^Sig(Blk|Ign):' /proc/self/status | grep -v '[[:space:]]0*$'; then
      exit 5
    fi
    mkdir d
    echo same-content >d/f
    # Not from the builder itself: as pid 1, busybox sh misses SIGCHLD.
    cat >adds.sh <<'SH'
    for i in 0 1 2 3; do
      ( p=$(nix-store --add d) && [ "$(cat $p/f)" = same-content ] &&
        echo $p >ok.$i ) 2>err.$i &
    done
    wait
    SH
    sh adds.sh
    for i in 0 1 2 3; do
      [ -s ok.$i ] || { cat err.$i; exit 1; }
    done
    sort -u ok.* >$out
  '';
  squat = rec_ "squat-add" ''
    p=${squat}
    mkdir $p || exit 1
    echo fake >$p/f
    mkdir d
    echo real-content >d/f
    if q=$(nix-store --add d 2>err); then
      [ "$q" = "$p" ] || exit 2
      [ "$(cat $p/f)" = real-content ] || { echo "saw $(cat $p/f)"; exit 3; }
      echo added >$out
    else
      cat err
      grep -q "sandbox" err || exit 4
      echo refused >$out
    fi
  '';
}
