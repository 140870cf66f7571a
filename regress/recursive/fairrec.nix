# An outer recursive build of user "who" that, once the test creates
# /build/go, builds count inner derivations of secs seconds each
# through its socket; $out lists "who start" of each (seconds since
# boot, the host's clock).  See fairrec.sh.
{ who, count, secs, salt ? "" }:
let inherit (import ../lib/sh-drv.nix) recursive waitGo; in
recursive "fairrec-${who}" (''
  touch /build/ready-${who}
'' + waitGo + ''
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
'') { inherit salt; }
