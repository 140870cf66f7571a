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
 * h_hash: hash files or normalise hash strings with common/hash.c, in
 * the output format of nix-hash and "nix hash to-*", for nixhash.sh.
 *
 *	h_hash [-t algo] [-e base16|base32|base64|sri] file ...
 *	h_hash -p [-t algo] [-e ...] string ...
 *
 * Options end at the first operand, which may start with '-'.
 * -p parses each string (with -t as the caller's algo) and prints it
 * again, or "error: <message>"; the exit status is 1 if any failed.
 */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"

#define READ_SIZE	(1024 * 1024)

static void	usage(void) __attribute__((__noreturn__));
static int	hash_file(const char *, enum hash_algo, struct hash *);
static void	print_hash(const struct hash *, enum hash_enc);

static void
usage(void)
{
	fprintf(stderr, "usage: h_hash [-p] [-t algo] "
	    "[-e base16|base32|base64|sri] file|string ...\n");
	exit(2);
}

static int
hash_file(const char *path, enum hash_algo algo, struct hash *h)
{
	static unsigned char	*buf;
	struct hash_ctx		 ctx;
	ssize_t			 n;
	int			 fd;

	if (buf == NULL && (buf = malloc(READ_SIZE)) == NULL)
		err(1, NULL);
	if ((fd = open(path, O_RDONLY)) == -1) {
		warn("%s", path);
		return (-1);
	}
	if (hash_init(&ctx, algo) == -1)
		errx(1, "hash_init %s", hash_algo_name(algo));
	while ((n = read(fd, buf, READ_SIZE)) > 0)
		hash_update(&ctx, buf, n);
	close(fd);
	if (n == -1) {
		warn("%s", path);
		hash_abort(&ctx);
		return (-1);
	}
	hash_final(&ctx, h);
	return (0);
}

static void
print_hash(const struct hash *h, enum hash_enc enc)
{
	char	buf[HASH_STR_MAX];

	if (hash_format(h, enc, 0, buf, sizeof(buf)) == -1)
		errx(1, "hash_format failed");
	printf("%s\n", buf);
}

int
main(int argc, char *argv[])
{
	enum hash_algo	 algo = HASH_SHA256;
	enum hash_enc	 enc = HASH_ENC_BASE16;
	struct hash	 h;
	const char	*errstr;
	int		 ch, parse = 0, talgo = 0, rv = 0, i;

	while ((ch = getopt(argc, argv, "+e:pt:")) != -1) {
		switch (ch) {
		case 'e':
			if (strcmp(optarg, "base16") == 0)
				enc = HASH_ENC_BASE16;
			else if (strcmp(optarg, "base32") == 0)
				enc = HASH_ENC_BASE32;
			else if (strcmp(optarg, "base64") == 0)
				enc = HASH_ENC_BASE64;
			else if (strcmp(optarg, "sri") == 0)
				enc = HASH_ENC_SRI;
			else
				usage();
			break;
		case 'p':
			parse = 1;
			break;
		case 't':
			if (hash_algo_parse(optarg, &algo) == -1)
				errx(2, "unknown hash algorithm '%s'", optarg);
			talgo = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	for (i = 0; i < argc; i++) {
		if (!parse) {
			if (hash_file(argv[i], algo, &h) == -1)
				rv = 1;
			else
				print_hash(&h, enc);
		} else if (hash_parse(argv[i], talgo ? &algo : NULL, &h,
		    &errstr) == -1) {
			printf("error: %s\n", errstr);
			rv = 1;
		} else
			print_hash(&h, enc);
	}
	return (rv);
}
