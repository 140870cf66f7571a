/*
 * Copyright (c) 2026 The rnixd authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/*
 * Helper for nix.sh: scan a stream for candidate hash parts and print
 * the ones found, one a line, in the order given.
 *
 *	h_refscan -p path hash...	scan the NAR of path (nar_dump_path)
 *	h_refscan -s hash...		scan standard input, read in chunks
 *					of varying size
 */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nar.h"
#include "refscan.h"

static int
scan_sink(void *arg, const void *buf, size_t len)
{
	refscan_feed(arg, buf, len);
	return (0);
}

/* Odd read sizes, so that matches fall across chunk boundaries. */
static void
scan_stdin(struct refscan *rs)
{
	static const size_t	 sizes[] = { 1, 7, 31, 32, 33, 100, 4096,
				    65536 };
	char			 buf[65536];
	ssize_t			 n;
	size_t			 i = 0;

	for (;;) {
		n = read(STDIN_FILENO, buf, sizes[i++ % 8]);
		if (n == -1)
			err(1, "read");
		if (n == 0)
			break;
		refscan_feed(rs, buf, n);
	}
}

int
main(int argc, char *argv[])
{
	struct refscan	*rs;
	const char	*errstr, *path = NULL;
	int		 ch, i, fromstdin = 0;

	while ((ch = getopt(argc, argv, "p:s")) != -1) {
		switch (ch) {
		case 'p':
			path = optarg;
			break;
		case 's':
			fromstdin = 1;
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if ((path == NULL) == !fromstdin)
		goto usage;
	for (i = 0; i < argc; i++)
		if (strlen(argv[i]) != REFSCAN_HASH_LEN)
			errx(1, "%s: not 32 characters long", argv[i]);
	if ((rs = refscan_new((const char *const *)argv, argc,
	    &errstr)) == NULL)
		errx(1, "refscan_new: %s", errstr);
	if (fromstdin)
		scan_stdin(rs);
	else if (nar_dump_path(AT_FDCWD, path, scan_sink, rs, &errstr) == -1)
		errx(1, "%s", errstr);
	for (i = 0; i < argc; i++)
		if (refscan_found(rs, i))
			printf("%s\n", argv[i]);
	refscan_free(rs);
	return (0);
 usage:
	fprintf(stderr, "usage: h_refscan -p path | -s [hash ...]\n");
	return (2);
}
