# An outer recursive build of user "who" that, once the test creates
# /build/go, builds count inner derivations of secs seconds each
# through its socket; $out lists "who start" of each (seconds since
# boot, the host's clock).  See fairrec.sh.
{ who, count, secs, salt ? "" }:
derivation {
  name = "fairrec-${who}";
  system = "x86_64-linux";
  builder = "/bin/sh";
  requiredSystemFeatures = [ "recursive-nix" ];
  inherit salt;
  args = [ "-c" ''
    export HOME=/build PATH=/usr/bin:/bin
    touch /build/ready-${who}
    n=0
    while [ ! -e /build/go ]; do
      n=$((n + 1))
      [ $n -gt 600 ] && exit 1
      sleep 0.1
    done
    cat >inner.nix <<'NIX'
    { salt }: builtins.genList (i: derivation {
      name = "fairrec-${who}-''${toString i}";
      inherit salt;
      system = "x86_64-linux";
      builder = "/bin/sh";
      args = [ "-c" "read s x </proc/uptime; sleep ${toString secs}; echo ${who} $s >$out" ];
    }) ${toString count}
    NIX
    nix-build --no-out-link inner.nix --argstr salt "$salt" >outs || exit 1
    for o in $(cat outs); do cat $o; done >$out
  '' ];
}
