# Derivations built both by rnixd and by real Nix 2.8 (compare.sh), whose
# outputs, NAR hashes, references, derivers and ca must be equal.
# hashes.nix, written by compare.sh with the real nix-hash, holds the
# fixed-output hashes: fod-<mode>-<algo>-<encoding> = "<hash>".
let
  hashes = import ./hashes.nix;
  sh = name: script: extra: derivation ({
    inherit name;
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" script ];
  } // extra);
  # What a fixed-output builder writes: "flat" a file, "recursive" a
  # tree with an executable and a symlink.
  fodScript = mode: tag:
    if mode == "flat" then "echo ${tag} > $out"
    else "busybox mkdir $out; echo ${tag} > $out/f; echo '#!/bin/sh' > $out/x;"
      + " busybox chmod 755 $out/x; busybox ln -s f $out/l";
  fod = mode: algo: enc:
    let name = "fod-${mode}-${algo}-${enc}"; in {
      inherit name;
      value = sh name (fodScript mode name) ({
        outputHash = hashes.${name};
        outputHashMode = mode;
      } // (if enc == "sri" then {} else { outputHashAlgo = algo; }));
    };
  fods = builtins.listToAttrs (builtins.concatMap (mode:
    builtins.concatMap (algo: map (fod mode algo) [ "base16" "base32" "sri" ])
      [ "md5" "sha1" "sha256" "sha512" ]) [ "flat" "recursive" ]);
  lsn = d: "busybox ls -lan ${d} | busybox awk '{ print $1, $3, $4, $NF }'";
in fods // rec {
  # A 3-step chain.
  a = sh "a" "echo hello-a; echo A > $out" {};
  b = sh "b" "echo building-b; read x < ${a}; echo $x-B > $out" {};
  c = sh "c" "read x < ${b}; echo $x-C > $out; echo ${b} >> $out" {};
  # A diamond: top needs left and right, which both need base.
  base = sh "base" "echo base > $out" {};
  left = sh "left" "echo ${base} > $out" {};
  right = sh "right" "busybox cat ${base} > $out; echo right >> $out" {};
  top = sh "top" "echo ${left} ${right} > $out" {};
  # Two outputs, out referring to dev; and dev referring to out.
  outdev = sh "outdev" "busybox mkdir $dev; echo d > $dev/d; echo $dev > $out"
    { outputs = [ "out" "dev" ]; };
  devout = sh "devout" "echo o > $out; busybox mkdir $dev; echo $out > $dev/ref"
    { outputs = [ "dev" "out" ]; };
  # Refers to one output of a multiple-output dependency only.
  usedev = sh "usedev" "echo ${devout.dev} > $out" {};
  # An output that refers to itself.
  self = sh "self" "busybox mkdir $out; echo $out > $out/me" {};
  # A reference to a dependency, and a dependency whose contents only
  # are copied: no reference.
  refdep = sh "refdep" "echo ${a} > $out" {};
  copydep = sh "copydep" "busybox cat ${a} > $out" {};
  # What the builder sees.
  env = sh "env" (''
    exec > $out 2>&1
    busybox env | busybox sort; busybox id; busybox hostname
    busybox cat /etc/passwd /etc/group /etc/hosts
    '' + "${lsn "/"} | busybox grep -v ' proc$'; ${lsn "/build"}") {};
}
