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

# Install what building and testing rnixd needs, and only what is missing.
# Debian only, as root; anywhere else, say what is needed and stop.

PKGS="gcc make libc6-dev pkg-config libevent-dev libbsd-dev libseccomp-dev
libsqlite3-dev libssl-dev libjansson-dev mandoc nix-bin busybox-static sqlite3 python3
procps iproute2 util-linux passwd
clang-14 libclang-rt-14-dev llvm-14
libarchive-dev libacl1-dev liblzma-dev libzstd-dev liblz4-dev libbz2-dev
zlib1g-dev libxml2-dev nettle-dev libmd-dev"
# clang-14 builds the fuzz targets of fuzz/ (make fuzz, and their
# replay in make check); libclang-rt-14-dev holds its libFuzzer and
# sanitizer runtimes; llvm-14 gives llvm-cov and llvm-profdata for
# fuzz/coverage.sh.
# libarchive-dev: rnixd-builtin unpacks channel tarballs with it; it is
# linked statically (the sandbox has no libraries), which takes the
# static archives of every library libarchive uses (pkg-config
# --static --libs libarchive), hence the -dev packages after it.

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ ! -r /etc/debian_version ] || ! command -v apt-get >/dev/null; then
	echo "deps: not a Debian system; install the equivalents of:$missing" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing" >&2
	echo "deps: run 'make deps' as root, or: apt-get install$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q || exit 1
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing || exit 1
