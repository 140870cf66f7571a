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

# The checks of "make lint", where style(9) and STYLE.md ask for them:
# trailing whitespace and spaces before a tab in the indentation in C,
# shell, Makefiles and manual pages; lines over 80 columns in C (a tab
# goes to the next multiple of 8).  Prints file:line: message for each
# and exits 1 if there is any.  Checks the files git knows, tracked or
# new (not ignored), so a file can be linted before it is committed;
# outside a git checkout, every file below the top.
cd "$(dirname "$0")/.." || exit 1

list_files() {
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files --cached --others --exclude-standard
	else
		find . -type f ! -path './obj/*' ! -path './.git/*' |
		    sed 's|^\./||'
	fi
}

files=$(list_files | sort -u | while read -r f; do
	[ -f "$f" ] || continue		# deleted, not yet committed
	case "$f" in
	*.c|*.h|*.sh|Makefile|*/Makefile|man/*.[1-9]) echo "$f" ;;
	esac
done)
[ -n "$files" ] || exit 0

# Bytes, not characters: a UTF-8 sequence counts as one column below.
echo "$files" | tr '\n' '\0' | LC_ALL=C xargs -0 awk '
function width(s,	i, n, c, w) {
	w = 0
	n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (c == "\t")
			w += 8 - w % 8
		else if (c < "\200" || c > "\277")
			w++
	}
	return w
}
function report(msg) {
	printf "%s:%d: %s\n", FILENAME, FNR, msg
	bad++
}
FNR == 1 {
	isc = FILENAME ~ /\.[ch]$/
}
/[ \t\r]$/ {
	report("trailing whitespace")
}
/^[ \t]* \t/ {
	report("space before tab in indentation")
}
isc && (w = width($0)) > 80 {
	report("line is " w " columns, over 80")
}
END {
	exit bad > 0
}' || exit 1
