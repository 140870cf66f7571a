# Copyright (c) 2026 The rnixd authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.

# Output checks (outchecks.sh): every check passing (ok-*) and failing
# (bad-*), with store paths and output names as values, without and
# with structured attributes.  Built by rnixd and by real Nix 2.8.
let
  # Its test copies this file away from regress/lib: found by RNIXD_TOP.
  lib = import (builtins.getEnv "RNIXD_TOP" + "/regress/lib/sh-drv.nix");
  # With structured attributes Nix 2.8 puts no output path in the
  # environment but in .attrs.json: the script takes it from there if
  # there is one.
  sh = name: script: extra: lib.sh name ''
    if [ -e .attrs.json ]; then
      for o in out dev; do
        p=$(sed -n "s/.*\"outputs\":{[^}]*\"$o\":\"\([^\"]*\)\".*/\1/p" .attrs.json)
        [ -n "$p" ] && eval "$o=\$p"
      done
    fi
    ${script}
  '' extra;
  s = name: script: extra: sh name script (extra // {
    __structuredAttrs = true;
  });

  dep = sh "dep" "echo dep > $out" {};
  dep2 = sh "dep2" "echo dep2 > $out" {};
  # Refers to dep: dep is in the closure of whatever refers to this.
  mid = sh "mid" "echo ${dep} > $out" {};
  refdep = "echo ${dep} > $out";
  refboth = "echo ${dep} ${dep2} > $out";
  refmid = "echo ${mid} > $out";
  refself = "echo $out > $out";
  twoouts = "echo x > $dev; echo $dev > $out";
  big = "i=0; while [ $i -lt 100 ]; do echo 0123456789abcdef; i=$((i+1)); done > $out";
in {
  inherit dep dep2 mid;

  ok-allowedrefs = sh "ok-allowedrefs" refboth {
    allowedReferences = [ dep dep2 ];
  };
  bad-allowedrefs = sh "bad-allowedrefs" refboth {
    allowedReferences = [ dep ];
  };
  ok-allowedrefs-none = sh "ok-allowedrefs-none" "echo x > $out" {
    allowedReferences = [];
  };
  bad-allowedrefs-self = sh "bad-allowedrefs-self" refself {
    allowedReferences = [];
  };
  ok-allowedrefs-out = sh "ok-allowedrefs-out" refself {
    allowedReferences = [ "out" ];
  };
  ok-allowedreqs = sh "ok-allowedreqs" refmid {
    allowedRequisites = [ mid dep ];
  };
  bad-allowedreqs = sh "bad-allowedreqs" refmid {
    allowedRequisites = [ mid ];
  };
  ok-allowedreqs-self = sh "ok-allowedreqs-self" refself {
    allowedRequisites = [];
  };
  ok-disallowedrefs = sh "ok-disallowedrefs" refmid {
    disallowedReferences = [ dep ];
  };
  bad-disallowedrefs = sh "bad-disallowedrefs" refboth {
    disallowedReferences = [ dep2 dep ];
  };
  ok-disallowedreqs = sh "ok-disallowedreqs" refmid {
    disallowedRequisites = [ dep2 ];
  };
  bad-disallowedreqs = sh "bad-disallowedreqs" refmid {
    disallowedRequisites = [ dep ];
  };
  ok-outnames = sh "ok-outnames" twoouts {
    outputs = [ "out" "dev" ];
    allowedReferences = [ "dev" ];
  };
  bad-outnames = sh "bad-outnames" twoouts {
    outputs = [ "out" "dev" ];
    disallowedReferences = [ "dev" ];
  };
  bad-outnames-reqs = sh "bad-outnames-reqs" twoouts {
    outputs = [ "out" "dev" ];
    allowedRequisites = [ "out" ];
  };
  bad-illegal = sh "bad-illegal" refdep {
    allowedReferences = [ "nosuchoutput" ];
  };
  # An input's path as a plain string (no context): still a path.
  bad-pathstring = sh "bad-pathstring" refmid {
    disallowedRequisites = [ (builtins.unsafeDiscardStringContext
      "${dep}") ];
  };

  s-ok-refs = s "s-ok-refs" refboth {
    outputChecks.out.allowedReferences = [ dep dep2 ];
  };
  s-bad-refs = s "s-bad-refs" refboth {
    outputChecks.out.allowedReferences = [ dep2 ];
  };
  s-bad-reqs = s "s-bad-reqs" refmid {
    outputChecks.out.allowedRequisites = [ "out" mid ];
  };
  s-ok-reqs = s "s-ok-reqs" refmid {
    outputChecks.out.allowedRequisites = [ "out" mid dep ];
  };
  s-bad-disrefs = s "s-bad-disrefs" refmid {
    outputChecks.out.disallowedReferences = [ mid ];
  };
  s-bad-disreqs = s "s-bad-disreqs" refmid {
    outputChecks.out.disallowedRequisites = [ dep ];
  };
  s-ok-maxsize = s "s-ok-maxsize" big {
    outputChecks.out.maxSize = 2000;
  };
  s-bad-maxsize = s "s-bad-maxsize" big {
    outputChecks.out.maxSize = 1000;
  };
  s-ok-maxclosure = s "s-ok-maxclosure" refmid {
    outputChecks.out.maxClosureSize = 2000;
  };
  s-bad-maxclosure = s "s-bad-maxclosure" refmid {
    outputChecks.out.maxClosureSize = 300;
  };
  # Nix 2.8 reads no ignoreSelfRefs: the output itself is a requisite.
  s-bad-selfreqs = s "s-bad-selfreqs" refself {
    outputChecks.out = { allowedRequisites = []; ignoreSelfRefs = true; };
  };
  # Checks per output: dev may refer to nothing, out only to dev.
  s-ok-perout = s "s-ok-perout" twoouts {
    outputs = [ "out" "dev" ];
    outputChecks.out.allowedReferences = [ "dev" ];
    outputChecks.dev.allowedReferences = [];
  };
  s-bad-perout = s "s-bad-perout" twoouts {
    outputs = [ "out" "dev" ];
    outputChecks.out.allowedReferences = [];
    outputChecks.dev.allowedReferences = [];
  };
  # The first output by name fails first.
  s-bad-order = s "s-bad-order" twoouts {
    outputs = [ "out" "dev" ];
    outputChecks.out.maxSize = 1;
    outputChecks.dev.maxSize = 1;
  };
  s-bad-notlist = s "s-bad-notlist" refdep {
    outputChecks.out.allowedReferences = [ 1 ];
  };
  s-ok-string = s "s-ok-string" refself {
    outputChecks.out.allowedReferences = "out";
  };
  s-bad-null = s "s-bad-null" refself {
    outputChecks.out.allowedReferences = null;
  };
  # Built by BuildDerivation (h_builddrv.py), not by nix-build.
  bd-ok = sh "bd-ok" refself { allowedReferences = [ "out" ]; };
  bd-bad = sh "bd-bad" refself { disallowedReferences = [ "out" ]; };
  # Attributes outside outputChecks mean nothing with structured attrs.
  s-ok-legacy = s "s-ok-legacy" refdep {
    allowedReferences = [];
  };
}
