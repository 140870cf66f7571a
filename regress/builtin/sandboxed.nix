# builtin:buildenv over directories given by name (no context): what it
# sees of them is what the sandbox shows (hostile.sh).
{ dirs }:
derivation {
  name = "sandboxed";
  system = "builtin";
  builder = "builtin:buildenv";
  derivations = "true 5 1 ${dirs}";
  manifest = "/dev/null";
}
