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

# The config unit test built with clang's UBSan, which (unlike gcc's)
# reports arithmetic on a null pointer, NULL + 0 included: an empty
# text passed as NULL, a bad sandbox-paths entry before any other was
# kept.  Fails on any report; skips without clang.
TOP=${RNIXD_TOP:-$(cd ../.. && pwd)}
command -v clang >/dev/null 2>&1 || { echo "clang is not installed"; exit 77; }
tmp=$(mktemp -d /tmp/rnixd-ubsan.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2046
clang -std=c11 -D_GNU_SOURCE -O1 -g -I "$TOP/common" \
    $(pkg-config --cflags libbsd-overlay libcrypto) \
    -fsanitize=undefined,nullability -fno-sanitize-recover=all \
    -o "$tmp/t_config" "$TOP/regress/config/t_config.c" \
    "$TOP"/common/*.c \
    $(pkg-config --libs libbsd-overlay libcrypto libseccomp libevent \
    jansson) ||
    exit 1
cd "$TOP/regress/config" || exit 1
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" "$tmp/t_config"
