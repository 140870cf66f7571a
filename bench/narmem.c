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
 * narmem: the ceiling for NAR hashing.  The NAR of a path is made in
 * memory first (untimed), then hashed with plain OpenSSL SHA-256, best
 * of several runs.  Prints "<base16> <NAR size> <best ns>".
 */
#include <err.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "nar.h"

struct narbuf {
	unsigned char	*nb_buf;
	size_t		 nb_len;
	size_t		 nb_cap;
};

static int
narmem_sink(void *arg, const void *buf, size_t len)
{
	struct narbuf	*nb = arg;
	unsigned char	*p;
	size_t		 cap;

	if (nb->nb_len + len > nb->nb_cap) {
		cap = nb->nb_cap == 0 ? 1 << 20 : nb->nb_cap;
		while (cap < nb->nb_len + len)
			cap *= 2;
		if ((p = realloc(nb->nb_buf, cap)) == NULL)
			return (-1);
		nb->nb_buf = p;
		nb->nb_cap = cap;
	}
	memcpy(nb->nb_buf + nb->nb_len, buf, len);
	nb->nb_len += len;
	return (0);
}

static uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

int
main(int argc, char *argv[])
{
	struct narbuf	 nb = { NULL, 0, 0 };
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen, i;
	const char	*errstr;
	uint64_t	 t, best = UINT64_MAX;
	int		 run, runs = 3;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: narmem path [runs]\n");
		return (2);
	}
	if (argc == 3 && (runs = atoi(argv[2])) < 1)
		errx(1, "bad number of runs");
	if (nar_dump_path(AT_FDCWD, argv[1], narmem_sink, &nb, &errstr) == -1)
		errx(1, "%s", errstr);
	for (run = 0; run < runs; run++) {
		t = now_ns();
		if (EVP_Digest(nb.nb_buf, nb.nb_len, md, &mdlen, EVP_sha256(),
		    NULL) != 1)
			errx(1, "EVP_Digest");
		t = now_ns() - t;
		if (t < best)
			best = t;
	}
	for (i = 0; i < mdlen; i++)
		printf("%02x", md[i]);
	printf(" %zu %llu\n", nb.nb_len, (unsigned long long)best);
	free(nb.nb_buf);
	return (0);
}
