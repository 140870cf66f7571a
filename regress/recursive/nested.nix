# Nested recursion: level n is a recursive build that builds level
# n + 1 through its own socket, from this very file, and links it;
# level 3, itself recursive, writes the marker.
{ n ? 0 }:
derivation {
  name = "nested-${toString n}";
  system = "x86_64-linux";
  builder = "/bin/sh";
  requiredSystemFeatures = [ "recursive-nix" ];
  src = ./nested.nix;
  level = toString n;
  args = [ "-c" ''
    export HOME=/build PATH=/usr/bin:/bin
    [ -S /build/.nix-socket ] || exit 1
    mkdir $out
    echo $level >$out/level
    if [ $level -lt 3 ]; then
      cp $src nested.nix
      next=$(nix-build --no-out-link nested.nix --arg n $((level + 1))) ||
          exit 1
      [ "$(cat $next/level)" = $((level + 1)) ] || exit 2
      ln -s $next $out/next
    else
      nix-store --check-validity $src || exit 3
      echo "deepest of $level" >$out/marker
    fi
  '' ];
}
