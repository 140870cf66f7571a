# A channel unpacked by builtin:unpack-channel, as nix-channel makes it
# (corepkgs' unpack-channel.nix in Nix 2.8); src is a tarball given
# with --arg.  Also a built-in builder that does not exist, and
# builtin:fetchurl, which rnixd refuses.
{ src ? null, builtin ? "unpack-channel" }:
derivation {
  name = "chan";
  system = "builtin";
  builder = "builtin:${builtin}";
  channelName = "chan";
  inherit src;
  url = "file:///nonexistent";
  preferLocalBuild = true;
}
