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


# Make, once, the roots that hold newer Nix clients for the tests
# (regress/clients): Debian trixie's and sid's nix-bin, bootstrapped
# with debootstrap from the Debian mirror the host's apt already uses,
# into DIR (default /var/cache/rnixd-test).  The host's apt sources
# are not touched.  A root that is there is reused.  When one cannot
# be made, the reason goes to DIR/<suite>.failed, where the tests read
# it to say why they skip; the next run tries again.

dir=${1:-/var/cache/rnixd-test}
suites="trixie sid"
need_kb=2000000		# two minbase roots with nix-bin, and room

# The first Debian archive of the host's sources (not security).
host_mirror() {
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
	    /etc/apt/sources.list.d/*.sources 2>/dev/null |
	    sed -n -e 's/^URIs:[[:space:]]*//p' \
	    -e 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}//p' |
	    awk '{ print $1 }' | grep -E '/debian/?$' | head -n 1
}

fail() {
	echo "nixroots: $2" >&2
	echo "$2" >"$dir/$1.failed"
}

# Newer suites may be signed with keys younger than the host's
# keyring: a root made before brings its own, newer one.
keyring() {
	for k in "$dir"/trixie/usr/share/keyrings/debian-archive-keyring.gpg \
	    /usr/share/keyrings/debian-archive-keyring.gpg; do
		if [ -r "$k" ]; then
			echo "$k"
			return
		fi
	done
}

bootstrap() {
	suite=$1
	root=$dir/$suite
	if [ -x "$root/usr/bin/nix" ] && [ -f "$root/.rnixd-complete" ]; then
		return 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		fail "$suite" "making the $suite root needs root"
		return 1
	fi
	if ! command -v debootstrap >/dev/null; then
		fail "$suite" "debootstrap is not installed"
		return 1
	fi
	avail=$(df -Pk "$dir" | awk 'NR == 2 { print $4 }')
	if [ "${avail:-0}" -lt "$need_kb" ]; then
		fail "$suite" "less than $need_kb KB free in $dir"
		return 1
	fi
	mirror=$(host_mirror)
	if [ -z "$mirror" ]; then
		fail "$suite" "no Debian mirror in the host's apt sources"
		return 1
	fi
	rm -rf "$root.tmp"
	echo "nixroots: debootstrap $suite from $mirror into $root"
	# debootstrap resolves no virtual packages: libdbi-perl provides
	# the perl-dbdabi that nix-bin's libdbd-sqlite3-perl wants.
	if ! debootstrap --variant=minbase --include=nix-bin,libdbi-perl \
	    --keyring="$(keyring)" "$suite" "$root.tmp" "$mirror" \
	    >"$dir/$suite.log" 2>&1; then
		cp "$root.tmp/debootstrap/debootstrap.log" \
		    "$dir/$suite.debootstrap.log" 2>/dev/null
		rm -rf "$root.tmp"
		fail "$suite" "debootstrap $suite from $mirror failed: $(tail -n 1 \
		    "$dir/$suite.log")"
		return 1
	fi
	touch "$root.tmp/.rnixd-complete"
	rm -rf "$root"
	mv "$root.tmp" "$root"
	rm -f "$dir/$suite.failed"
	echo "nixroots: $suite: $(unshare --mount --propagation private \
	    sh -c 'mount -t proc proc "$1/proc" && chroot "$1" nix --version' \
	    sh "$root")"
}

mkdir -p "$dir" || exit 1
# One maker at a time; a second waits and then finds the roots made.
exec 9>"$dir/.lock"
flock 9
rc=0
for s in $suites; do
	bootstrap "$s" || rc=1
done
exit $rc
