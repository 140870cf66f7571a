# Fixed-output builds and the host's sockets, for fodnet.sh: /bin/sh is
# busybox, /abstract regress/build/h_abstract (sandbox-paths).  name is
# the host listeners' abstract name, port their TCP port on 127.0.0.1,
# report what the probe must print (its hash is the output's).
{ salt ? "", name ? "none", port ? "0", report ? "", hash ? "" }:
let
  lib = import ../lib/sh-drv.nix;
  # drv: the derivation's name (name is the listeners').
  fixed = drv: script: extra: lib.sh drv script ({
    inherit salt;
    outputHashMode = "flat";
    outputHashAlgo = "sha256";
    outputHash = hash;
  } // extra);
in {
  # The host's abstract stream and datagram sockets, one of its own,
  # and 127.0.0.1; the report also goes to the log, for a mismatch.
  probe = fixed "fodnet-probe" ''
    /abstract stream:${name} dgram:${name}-dgram self:${name}-self \
        inet:${port} > $out
    busybox cat $out >&2
  '' {};
  # Fixed-output and recursive Nix: never started.
  recursive = fixed "fodnet-recursive" "printf '%s' '${report}' > $out"
    { requiredSystemFeatures = [ "recursive-nix" ]; };
  # Nothing but its output.
  simple = fixed "fodnet-simple" "printf '%s' '${report}' > $out" {};
  # Not fixed-output: its own network namespace, no scope needed.
  plain = lib.sh "fodnet-plain" "/abstract self:${name}-self > $out"
    { inherit salt; };
}
