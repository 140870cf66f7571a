# A recursive build that holds still until the test has looked at its
# socket from the host: it writes /build/ready and waits for /build/go.
{ tag ? "reach" }:
derivation {
  name = "reach-${tag}";
  system = "x86_64-linux";
  builder = "/bin/sh";
  requiredSystemFeatures = [ "recursive-nix" ];
  args = [ "-c" ''
    export HOME=/build PATH=/usr/bin:/bin
    touch /build/ready
    n=0
    while [ ! -e /build/go ]; do
      n=$((n + 1))
      [ $n -gt 600 ] && exit 1
      sleep 0.1
    done
    # The socket still serves its own build.
    nix store ping --extra-experimental-features nix-command || exit 2
    echo reached >$out
  '' ];
}
