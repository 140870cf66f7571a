# Derivations built both by rnixd and by real Nix 2.8 (compare.sh), whose
# outputs, NAR hashes, references, derivers and ca must be equal.
# hashes.nix, written by compare.sh with the real nix-hash, holds the
# fixed-output hashes: fod-<mode>-<algo>-<encoding> = "<hash>".
let
  hashes = import ./hashes.nix;
  # Its test copies this file away from regress/lib: found by RNIXD_TOP.
  lib = import (builtins.getEnv "RNIXD_TOP" + "/regress/lib/sh-drv.nix");
  inherit (lib) sh;
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

  # Attributes that change what the builder sees (sched_attrs.c).
  # passAsFile with two outputs: the values in files, not in the env.
  pass = sh "pass" (''
    busybox cat $textPath > $out; busybox mkdir $dev
    busybox cat $morePath > $dev/more
    echo "''${text-unset} ''${more-unset} $textPath $morePath $plain" >> $out
    ${lsn "/build"} >> $out
    '') { outputs = [ "out" "dev" ]; passAsFile = [ "text" "more" "none" ];
      text = "line one\nline 'two' ${a}\n\u00e9\n"; more = "more"; plain = "p"; };
  # Placeholders in the environment, the arguments and passAsFile.
  ph = sh "ph" (''
    echo "${builtins.placeholder "out"} ${builtins.placeholder "dev"}" > $out
    echo "$phenv" >> $out; busybox cat $phfilePath >> $out
    busybox mkdir ${builtins.placeholder "dev"}; echo $dev > $dev/d
    busybox env | busybox grep -c 1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9 >> $out || true
    '') { outputs = [ "out" "dev" ];
      phenv = "x${builtins.placeholder "out"}/bin:${builtins.placeholder "dev"}";
      phfile = "${builtins.placeholder "dev"}/lib"; passAsFile = [ "phfile" ]; };
  # Structured attributes: every JSON type; .attrs.sh by bash's rules.
  structured = sh "structured" (''
    o=${builtins.placeholder "out"}
    busybox mkdir ${builtins.placeholder "dev"}
    busybox cat .attrs.json > $o; echo >> $o; busybox cat .attrs.sh >> $o
    echo "''${name-unset}" >> $o
    busybox env | busybox sort | busybox grep -v ^NIX_ATTRS >> $o
    ${lsn "/build"} >> $o
    '') { __structuredAttrs = true;
      outputs = [ "out" "dev" ];
      int = 42; neg = -7; big = 5000000000; fl = 1.5; tiny = 0.0000001;
      t = true; f = false; n = null;
      str = "multi\nline 'quoted' \"dq\" tab\t ünïcödé ✓ \\ $x `y`";
      ctl = builtins.fromJSON "\"\\u0001\\u001f\\u007f\\r\\b\\f\"";
      list = [ 1 "two" true null false 3 ];
      nested = { a = { b = [ 1 [ 2 ] { c = "d"; } ]; }; e = ""; };
      flat = { x = "1"; "y z" = 2; w = true; };
      mixed = [ 1 [ 2 ] ];
      "not-a-var" = 1; _ok = "v";
      dep = "${a}"; };
  # exportReferencesGraph of a chain and a diamond, plain and structured.
  graph = sh "graph"
    "busybox cat chain > $out; busybox cat dia >> $out; ${lsn "/build"} >> $out"
    { exportReferencesGraph = [ "chain" c "dia" top ]; };
  graphsub = sh "graphsub" "busybox cat sub > $out"
    { exportReferencesGraph = [ "sub" "${self}/me" ]; };
  graphjson = sh "graphjson"
    "busybox cat .attrs.json > ${builtins.placeholder "out"}"
    { __structuredAttrs = true;
      exportReferencesGraph = { chain = [ c ]; dia = top; both = [ c top ]; }; };
  # A .drv in the graph (c.drvPath: c and b built as inputs): Nix adds
  # the closures of the outputs of each .drv of the graph.
  graphdrv = sh "graphdrv" "busybox cat g > $out"
    { exportReferencesGraph = [ "g" c.drvPath ]; };
  graphdrvjson = sh "graphdrvjson"
    "busybox cat .attrs.json > ${builtins.placeholder "out"}"
    { __structuredAttrs = true;
      exportReferencesGraph = { g = [ c.drvPath ]; }; };
  # impureEnvVars: a fixed-output build gets the daemon's value.
  impure = sh "impure" ''
    [ "$RNIXD_TEST_IMPURE" = "impure value" ] || exit 3
    [ "''${RNIXD_TEST_UNSET-x}" = "" ] || exit 4
    echo impure > $out'' {
      outputHash = hashes.impure; outputHashAlgo = "sha256";
      outputHashMode = "flat";
      impureEnvVars = [ "RNIXD_TEST_IMPURE" "RNIXD_TEST_UNSET" ]; };
  notimpure = sh "notimpure" ''
    [ "''${RNIXD_TEST_IMPURE-unset}" = unset ] || exit 3
    echo notimpure > $out'' { impureEnvVars = [ "RNIXD_TEST_IMPURE" ]; };
  # The builder path keeps its placeholder (compare.sh binds a shell
  # there); the arguments do not.
  phbuilder = sh "phbuilder" "echo ${builtins.placeholder "out"} > $out"
    { builder = "${builtins.placeholder "out"}/bin/sh"; };
  # Kept for the scheduler only: no change to the build.
  flags = sh "flags" "echo flags > $out"
    { preferLocalBuild = true; allowSubstitutes = false; };
}
