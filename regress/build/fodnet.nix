# Fixed-output builds and the host's sockets, for fodnet.sh: /bin/sh is
# busybox, /abstract regress/build/h_abstract (sandbox-paths).  name is
# the host listeners' abstract name, port their TCP port on 127.0.0.1,
# report what the probe must print (its hash is the output's).
{ salt ? "", name ? "none", port ? "0", report ? "", hash ? "" }:
let
  fixed = attrs: derivation ({
    inherit salt;
    system = "x86_64-linux";
    builder = "/bin/sh";
    outputHashMode = "flat";
    outputHashAlgo = "sha256";
    outputHash = hash;
  } // attrs);
in {
  # The host's abstract stream and datagram sockets, one of its own,
  # and 127.0.0.1; the report also goes to the log, for a mismatch.
  probe = fixed {
    name = "fodnet-probe";
    args = [ "-c" ''
      /abstract stream:${name} dgram:${name}-dgram self:${name}-self \
          inet:${port} > $out
      busybox cat $out >&2
    '' ];
  };
  # Fixed-output and recursive Nix: never started.
  recursive = fixed {
    name = "fodnet-recursive";
    requiredSystemFeatures = [ "recursive-nix" ];
    args = [ "-c" "printf '%s' '${report}' > $out" ];
  };
  # Nothing but its output.
  simple = fixed {
    name = "fodnet-simple";
    args = [ "-c" "printf '%s' '${report}' > $out" ];
  };
  # Not fixed-output: its own network namespace, no scope needed.
  plain = derivation {
    inherit salt;
    name = "fodnet-plain";
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" "/abstract self:${name}-self > $out" ];
  };
}
