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
 * h_config [-v] file: what "rnixd -n" and "rnixd -nv" will do.  Prints
 * "configuration OK" on stderr as rnixd -n does, or with -v the canonical
 * form on stdout; or the errors on stderr, and exits 1.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"

static void __attribute__((__noreturn__))
usage(void)
{
	fprintf(stderr, "usage: h_config [-v] file\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct rnixd_conf	conf;
	int			ch, verbose = 0;

	while ((ch = getopt(argc, argv, "v")) != -1) {
		switch (ch) {
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage();
	if (config_parse_file(argv[0], &conf, stderr) == -1)
		exit(1);
	if (verbose) {
		if (config_print(stdout, &conf) == -1)
			err(1, "stdout");
	} else
		fprintf(stderr, "configuration OK\n");
	config_free(&conf);
	return (0);
}
