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

# Every manual page in man/ (every section) passes "mandoc -Tlint
# -Wwarning" without a word, as CI requires, and has no STYLE note but
# for pages outside the tree ("referenced manual not found") and an
# outdated system mandoc.db, as STYLE.md asks.  The pages of the tree
# must be there: rnixd(8), rnixd.conf(5), rnixd-recursive(7).

TOP=${RNIXD_TOP:-$(cd ../.. && pwd)}
if ! command -v mandoc >/dev/null 2>&1; then
	echo "mandoc is not installed"
	exit 77
fi

# What mandoc -Tlint says of page $1 that $2 counts: "warnings", as CI
# reads it, or "style", every note but the two above.
lint_page() {	# page warnings|style
	if [ "$2" = warnings ]; then
		mandoc -Tlint -Wwarning "$1" 2>&1
	else
		mandoc -Tlint "$1" 2>&1 | grep -v \
		    -e 'referenced manual not found' -e 'outdated mandoc.db'
	fi
}

# Every page of the tree by lint_page $1: ok, or what it says and FAIL;
# $2 and $3 end those lines.  The pages counted in npages.
lint_pages() {	# warnings|style fail-words ok-words
	npages=0
	for page in "$TOP"/man/*.[1-9]; do
		[ -e "$page" ] || continue
		npages=$((npages + 1))
		out=$(lint_page "$page" "$1")
		if [ -n "$out" ]; then
			echo "$out"
			echo "FAIL: $page$2"
			nfail=$((nfail + 1))
		else
			echo "ok $page$3"
		fi
	done
}

nfail=0
lint_pages warnings "" ""
[ $npages -gt 0 ] || { echo "FAIL: no pages in $TOP/man"; exit 1; }
for page in rnixd.8 rnixd.conf.5 rnixd-recursive.7; do
	[ -f "$TOP/man/$page" ] && continue
	echo "FAIL: $TOP/man/$page is missing"
	nfail=$((nfail + 1))
done

lint_pages style " has STYLE notes" ", no STYLE notes"
[ $nfail -eq 0 ]
