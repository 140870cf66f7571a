# Nested recursion: level n is a recursive build that builds level
# n + 1 through its own socket, from this very file, and links it;
# level 3, itself recursive, writes the marker.  Level 0 adds a path
# and names it to the levels below, to whom it must stay invisible:
# each build's socket allows only its own closure and additions.
{ n ? 0, hidden ? "" }:
derivation {
  name = "nested-${toString n}";
  system = "x86_64-linux";
  builder = "/bin/sh";
  requiredSystemFeatures = [ "recursive-nix" ];
  src = ./nested.nix;
  level = toString n;
  inherit hidden;
  args = [ "-c" ''
    export HOME=/build PATH=/usr/bin:/bin
    [ -S /build/.nix-socket ] || exit 1
    mkdir $out
    echo $level >$out/level
    if [ $level -eq 0 ]; then
      echo "added at level 0" >hidden.txt
      hidden=$(nix-store --add hidden.txt) || exit 4
    else
      nix-store --check-validity $hidden 2>/dev/null && exit 5
      [ -e $hidden ] && exit 6
      echo invisible >$out/hidden
    fi
    if [ $level -lt 3 ]; then
      cp $src nested.nix
      next=$(nix-build --no-out-link nested.nix --arg n $((level + 1)) \
          --argstr hidden $hidden) || exit 1
      [ "$(cat $next/level)" = $((level + 1)) ] || exit 2
      ln -s $next $out/next
    else
      nix-store --check-validity $src || exit 3
      echo "deepest of $level" >$out/marker
    fi
  '' ];
}
