#!/bin/sh
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

# build-users-group is read once, by the parent, and both builderproc
# (which hands users out) and mountproc (which checks them) get that
# list, at start and after SIGHUP.  Start on the usual group, reload
# onto a group of this test's own, build: the builder must run as one
# of the new group's users (before, mountproc kept the group it read
# at start and refused the new users: "not a member").

. "$RNIXD_TOP/regress/lib.sh"
build_require nix-build
test_init

# A group and two users of our own, named after this test's pid.
NEWGROUP="rnxrl$$"
groupadd --system "$NEWGROUP" || fail "groupadd"
NEWUSERS=""
# test_cleanup takes the exit status from $?: keep it across ours.
cleanup_all() {
	rc_kept=$?
	rnixd_stop
	for u in $NEWUSERS; do userdel "$u" 2>/dev/null; done
	groupdel "$NEWGROUP" 2>/dev/null
	(exit $rc_kept)
	test_cleanup
}
trap cleanup_all EXIT
for i in 1 2; do
	u="${NEWGROUP}u$i"
	useradd --system --gid "$NEWGROUP" --groups "$NEWGROUP" \
	    --no-create-home --home-dir /var/empty \
	    --shell /usr/sbin/nologin "$u" || fail "useradd $u"
	NEWUSERS="$NEWUSERS $u"
done
NEWUIDS=$(for u in $NEWUSERS; do id -u "$u"; done)

echo "sandbox-paths = /bin/sh=$BB" >>"$CONF"
export NIX_REMOTE="unix://$SOCKET?store=$TROOT/nix/store"
cat >"$TROOT/who.nix" <<'EOT'
{ salt }:
derivation {
  name = "who";
  inherit salt;
  system = "x86_64-linux";
  builder = "/bin/sh";
  args = [ "-c" "busybox sleep 2; echo done > $out" ];
}
EOT

# Build, and meanwhile find which host users the builder runs as (in
# the sandbox it is always uid 1000).  Sets seen: "old", "new" or "".
build_seen() {	# salt
	nix-build --no-out-link "$TROOT/who.nix" --argstr salt "$1" \
	    >"$TROOT/build.out" 2>"$TROOT/build.log" &
	bpid=$!
	seen=""
	n=0
	while kill -0 $bpid 2>/dev/null && [ $n -lt 100 ]; do
		for u in $NEWUSERS; do
			pgrep -u "$u" >/dev/null && seen=new
		done
		for u in $(getent group "$BUILD_GROUP" | cut -d: -f4 |
		    tr ',' ' '); do
			pgrep -u "$u" -f "busybox sleep" >/dev/null &&
			    seen=old
		done
		[ -n "$seen" ] && break
		sleep 0.1
		n=$((n + 1))
	done
	wait $bpid || fail "build $1: $(tail -n 3 "$TROOT/build.log")"
}

rnixd_start
build_seen before
[ "$seen" = new ] && fail "built as a user of $NEWGROUP before the reload"
echo "before the reload: built by a user of $BUILD_GROUP: ok"

sed -i "s/^build-users-group = .*/build-users-group = $NEWGROUP/" "$CONF"
log_mark
kill -HUP "$RNIXD_PID"
wait_log "configuration reloaded" 10 || fail "not reloaded"
build_seen after
[ "$seen" = new ] || fail "not built by a user of $NEWGROUP after the reload"
echo "after the reload: built by a user of $NEWGROUP: ok"
kill -0 "$RNIXD_PID" 2>/dev/null || fail "daemon died"
echo ok
