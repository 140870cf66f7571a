# Derivations whose builder is busybox's /bin/sh (the tests bind it in
# with sandbox-paths): the attributes every such derivation of the
# tests repeats, in one place.  A derivation's attributes have no
# order, so a file that spelled them out itself gets the very same
# derivations from these.
#
# A .nix file that its test copies elsewhere (compare.nix, modes.nix,
# ...) imports it through RNIXD_TOP, which regress/run exports; one
# evaluated again inside a sandbox (nested.nix, pool.nix) cannot: no
# part of the tree is there.
rec {
  # A build that runs script with /bin/sh -c; extra adds attributes or
  # replaces these.
  sh = name: script: extra: derivation ({
    inherit name;
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" script ];
  } // extra);

  # A recursive-Nix build: it asks for the feature, and gives the Nix
  # client (the host's /usr, through sandbox-paths) a HOME and a PATH.
  recursive = name: script: extra: sh name (''
    export HOME=/build PATH=/usr/bin:/bin
  '' + script) ({ requiredSystemFeatures = [ "recursive-nix" ]; } // extra);

  # A recursive build that also runs client, a raw client of its socket
  # in python (python3 from the host's /usr), which imports wp.py.
  withClient = client: name: script: extra: recursive name (''
    mkdir /build/lib && cp $wp /build/lib/wp.py || exit 1
    export PYTHONPATH=/build/lib
  '' + script) ({ inherit client; wp = ./wp.py; } // extra);

  # A shell function, wait_for NAME, for a builder that waits (a minute
  # at most) for the test outside to create /build/NAME.
  waitFor = ''
    wait_for() {
      n=0
      while [ ! -e /build/$1 ]; do
        n=$((n + 1))
        [ $n -gt 600 ] && { echo "no /build/$1"; exit 9; }
        sleep 0.1
      done
    }
  '';

  # Shell lines that wait (a minute at most) for the test outside to
  # create /build/go, and fail the build if it does not.
  waitGo = ''
    n=0
    while [ ! -e /build/go ]; do
      n=$((n + 1))
      [ $n -gt 600 ] && exit 1
      sleep 0.1
    done
  '';
}
