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
 * narhash: the SHA-256 of a path's NAR the way rnixd computes it,
 * nar_dump_path() streaming into hash_update(); printed in base16 as
 * "nix-hash --type sha256" prints it, followed by the NAR size.
 */
#include <err.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>

#include "hash.h"
#include "nar.h"

int
main(int argc, char *argv[])
{
	struct hash_sum	 hs;
	struct hash	 h;
	const char	*errstr;
	char		 hex[HASH_STR_MAX];

	if (argc != 2) {
		fprintf(stderr, "usage: narhash path\n");
		return (2);
	}
	hs.hs_size = 0;
	if (hash_init(&hs.hs_ctx, HASH_SHA256) == -1)
		errx(1, "hash_init");
	if (nar_dump_path(AT_FDCWD, argv[1], hash_sum_sink, &hs,
	    &errstr) == -1)
		errx(1, "%s", errstr);
	hash_final(&hs.hs_ctx, &h);
	if (hash_format(&h, HASH_ENC_BASE16, 0, hex, sizeof(hex)) == -1)
		errx(1, "hash_format");
	printf("%s %llu\n", hex, (unsigned long long)hs.hs_size);
	return (0);
}
