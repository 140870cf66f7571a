# A ladder of diamonds: two derivations per level, each depending on
# both of the level below, so the graph has 2 * depth + 3 derivations
# but 2^depth paths from the top to the bottom.  salt makes fresh ones.
{ depth ? 40, salt ? "" }:
import ../lib/diamond-ladder.nix { inherit depth salt; prefix = "d"; }
