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

# The client suite with each real Nix client rnixd is tested with:
# the host's 2.8 and, from roots mk/nixroots.sh made, Debian trixie's
# 2.26 and sid's 2.34 (both at protocol 1.38): store ping (the daemon's
# name; trust, for a trusted and an untrusted user; the refusal of a
# user not allowed, in the client's own words), add, build,
# path-info, copy, sign, nix profile install, gc.  Paths and hashes are
# compared with real Nix 2.8 on a local store of the same inputs.
# Without a root the test skips, saying why.
. "$RNIXD_TOP/regress/lib.sh"
. "$RNIXD_TOP/regress/clients/clients.inc"
require_root
command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
command -v unshare >/dev/null || skip "needs unshare (util-linux)"
BB=$(command -v busybox) || skip "needs busybox-static"
clients_init
[ -z "$CLIENTS_MISSING" ] || skip "no newer client:$CLIENTS_MISSING"
store_init
cat >>"$CONF" <<EOT
trusted-users = root
allowed-users = nobody
sandbox-paths = /bin/sh=$BB
EOT
store_start
export NIX_REMOTE="$RSTORE"
mkdir -p "$TROOT/work"
chmod 755 "$TROOT/work"
cd "$TROOT/work" || exit 1
cat >hello.nix <<'NIX'
{ who }: derivation {
  name = "hello-${who}";
  system = "x86_64-linux";
  builder = "/bin/sh";
  args = [ "-c" "mkdir -p $out/bin; echo 'echo hello from ${who}' >$out/bin/hello-${who}" ];
}
NIX
nix-store --generate-binary-cache-key rnixd-test sk pk || fail "key"
mkdir -p "$TROOT/home"
chmod 777 "$TROOT/home"
export HOME="$TROOT/home"

for c in $CLIENTS; do
	v=$(client_version "$c") || fail "$c: nix --version"
	echo "== $c: Nix $v"
	run() { client_run "$c" "$@"; }

	log_mark
	out=$(run nix store ping 2>&1) || fail "$c: ping: $out"
	echo "$out" | grep -q "rnixd 0.1.0" || fail "$c: ping: $out"
	if [ "$c" != host ]; then
		wait_log "protocol 1\.38 (client offered 0x126)" ||
		    fail "$c: no session at 1.38 in the log"
		echo "$out" | grep -q "Trusted: 1" ||
		    fail "$c: root not shown trusted: $out"
		out=$(run -u 65534:65534 nix store ping 2>&1) ||
		    fail "$c: ping as nobody: $out"
		echo "$out" | grep -q "Trusted: 0" ||
		    fail "$c: nobody shown trusted: $out"
	fi
	# daemon (uid 1) is not allowed: the client shows why.
	out=$(run -u 1:1 nix store ping 2>&1) && fail "$c: daemon let in: $out"
	echo "$out" | grep -q "user 'daemon' is not allowed to connect" ||
	    fail "$c: refusal: $out"
	echo "store ping: the daemon's name, trust, refusal: ok"

	echo "added by $c" >"file-$c"
	p=$(run nix-store --add "file-$c") || fail "$c: add"
	want=$(on_ref nix-store --add "file-$c") || fail "$c: ref add"
	[ "$p" = "$want" ] || fail "$c: added $p, real Nix $want"
	[ "$(cat "$p")" = "added by $c" ] || fail "$c: content of $p"
	echo "add: ok"

	b=$(run nix-build --no-out-link hello.nix --argstr who "$c") ||
	    fail "$c: build"
	[ "$(cat "$b/bin/hello-$c")" = "echo hello from $c" ] ||
	    fail "$c: built $b"
	want=$(on_ref nix-instantiate hello.nix --argstr who "$c" 2>/dev/null)
	[ "$(run nix-store -q --outputs "$want")" = "$b" ] ||
	    fail "$c: output of $want is not $b"
	echo "build: ok"

	[ "$(run nix path-info "$p")" = "$p" ] || fail "$c: path-info"
	h=$(run nix-store -q --hash "$p") || fail "$c: hash"
	[ "$h" = "$(on_ref nix-store -q --hash "$p")" ] ||
	    fail "$c: hash $h differs from real Nix's"
	echo "path-info: ok"

	run nix copy --to "file://$TROOT/work/cache-$c?store=$STORE" "$b" ||
	    fail "$c: copy"
	ls "cache-$c"/*.narinfo >/dev/null 2>&1 || fail "$c: copy: no narinfo"
	grep -q "StorePath: $b" "cache-$c"/*.narinfo ||
	    fail "$c: copy: $(cat "cache-$c"/*.narinfo)"
	echo "copy: ok"

	run nix store sign --key-file sk "$p" || fail "$c: sign"
	run nix path-info --sigs "$p" | grep -q "rnixd-test:" ||
	    fail "$c: no signature: $(run nix path-info --sigs "$p")"
	echo "sign: ok"

	run nix profile install --profile "$TROOT/work/prof-$c" "$b" ||
	    fail "$c: profile install"
	[ "$(sh "prof-$c/bin/hello-$c")" = "hello from $c" ] ||
	    fail "$c: profile: $(ls -l "prof-$c/")"
	echo "nix profile install: ok"

	echo "dead to $c" >"dead-$c"
	d=$(run nix-store --add "dead-$c") || fail "$c: add dead"
	run nix-store --gc >/dev/null 2>"gc-$c.log" ||
	    fail "$c: gc: $(cat "gc-$c.log")"
	[ -e "$d" ] && fail "$c: gc left $d"
	run nix-store --check-validity "$d" 2>/dev/null &&
	    fail "$c: $d still valid"
	[ -e "$b" ] || fail "$c: gc took $b, in the profile"
	echo "gc: ok"
done
