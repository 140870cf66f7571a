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
 * h_storepath: store paths computed with common/storepath.c, for
 * nixpath.sh to hold against the real Nix.
 *
 *	h_storepath [-cS] [-s storedir] [-t algo] [-r] mode arg ...
 *
 * text name file [ref ...]	builtins.toFile: sha256 of file, refs
 * fixed name file		nix-store --add-fixed [-r] algo (-t)
 * source name file [ref ...]	nix-store --add (-S: self reference)
 * name name			"ok" or the message of check_name
 * parse path			"ok" or the message of storepath_parse
 *
 * Options end at the mode (the names may start with '-').
 * -c adds the ca string after the path.  Recursive modes take a regular
 * file only: its NAR is built here, executable if the file is.
 */
#include <sys/stat.h>

#include <err.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "storepath.h"

#define READ_SIZE	(256 * 1024)

static struct content_address	make_ca;	/* the last path's ca */

static void	usage(void) __attribute__((__noreturn__));
static void	nar_str(struct hash_ctx *, const char *, size_t);
static void	nar_u64(struct hash_ctx *, uint64_t);
static void	hash_path(const char *, enum hash_algo, int, struct hash *);
static void	print_path(const char *, int,
		    const struct content_address *);
static void	make_path(const char *, const char *, enum ca_method,
		    enum hash_algo, int, int, char **, char *);

static void
usage(void)
{
	fprintf(stderr, "usage: h_storepath [-cS] [-s storedir] [-t algo] "
	    "[-r] text|fixed|source|name|parse arg ...\n");
	exit(2);
}

static void
nar_str(struct hash_ctx *ctx, const char *s, size_t len)
{
	static const unsigned char	zero[8];
	unsigned char			num[8];
	int				i;

	for (i = 0; i < 8; i++)
		num[i] = (unsigned char)((uint64_t)len >> (8 * i));
	hash_update(ctx, num, 8);
	hash_update(ctx, s, len);
	hash_update(ctx, zero, (8 - len % 8) % 8);
}

static void
nar_u64(struct hash_ctx *ctx, uint64_t v)
{
	unsigned char	num[8];
	int		i;

	for (i = 0; i < 8; i++)
		num[i] = (unsigned char)(v >> (8 * i));
	hash_update(ctx, num, 8);
}

/* Flat: the file's bytes; nar: the NAR of a single regular file. */
static void
hash_path(const char *path, enum hash_algo algo, int nar, struct hash *h)
{
	static const unsigned char	zero[8];
	static char			buf[READ_SIZE];
	struct hash_ctx			ctx;
	struct stat			st;
	uint64_t			total = 0;
	ssize_t				n;
	int				fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1)
		err(1, "%s", path);
	if (!S_ISREG(st.st_mode))
		errx(1, "%s: not a regular file", path);
	if (hash_init(&ctx, algo) == -1)
		errx(1, "hash_init");
	if (nar) {
		nar_str(&ctx, "nix-archive-1", 13);
		nar_str(&ctx, "(", 1);
		nar_str(&ctx, "type", 4);
		nar_str(&ctx, "regular", 7);
		if (st.st_mode & S_IXUSR) {
			nar_str(&ctx, "executable", 10);
			nar_str(&ctx, "", 0);
		}
		nar_str(&ctx, "contents", 8);
		nar_u64(&ctx, st.st_size);
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		hash_update(&ctx, buf, n);
		total += n;
	}
	if (n == -1)
		err(1, "%s", path);
	close(fd);
	if (total != (uint64_t)st.st_size)
		errx(1, "%s: changed while read", path);
	if (nar) {
		hash_update(&ctx, zero, (8 - total % 8) % 8);
		nar_str(&ctx, ")", 1);
	}
	hash_final(&ctx, h);
}

static void
print_path(const char *path, int withca, const struct content_address *ca)
{
	char	str[CA_STR_MAX];

	if (!withca) {
		printf("%s\n", path);
		return;
	}
	if (ca_format(ca, str, sizeof(str)) == -1)
		errx(1, "ca_format failed");
	printf("%s %s\n", path, str);
}

/* argv: name file [ref ...] */
static void
make_path(const char *storedir, const char *mode, enum ca_method method,
    enum hash_algo algo, int self, int argc, char **argv, char *path)
{
	memset(&make_ca, 0, sizeof(make_ca));
	if (strcmp(mode, "text") == 0) {
		make_ca.ca_kind = CA_TEXT;
		hash_path(argv[1], HASH_SHA256, 0, &make_ca.ca_hash);
	} else if (strcmp(mode, "fixed") == 0) {
		make_ca.ca_kind = CA_FIXED;
		make_ca.ca_method = method;
		hash_path(argv[1], algo, method == CA_RECURSIVE,
		    &make_ca.ca_hash);
	} else if (strcmp(mode, "source") == 0) {
		make_ca.ca_kind = CA_FIXED;
		make_ca.ca_method = CA_RECURSIVE;
		hash_path(argv[1], HASH_SHA256, 1, &make_ca.ca_hash);
	} else
		usage();
	if (storepath_make_ca(storedir, argv[0], &make_ca, argv + 2,
	    argc - 2, self, path, STOREPATH_MAX) == -1)
		errx(1, "cannot make a path named '%s'", argv[0]);
}

int
main(int argc, char *argv[])
{
	enum hash_algo		 algo = HASH_SHA256;
	const char		*storedir = "/nix/store", *errstr, *mode;
	char			 path[STOREPATH_MAX];
	int			 ch, withca = 0, self = 0, rec = 0, rv;

	while ((ch = getopt(argc, argv, "+crSs:t:")) != -1) {
		switch (ch) {
		case 'c':
			withca = 1;
			break;
		case 'r':
			rec = 1;
			break;
		case 'S':
			self = 1;
			break;
		case 's':
			storedir = optarg;
			break;
		case 't':
			if (hash_algo_parse(optarg, &algo) == -1)
				errx(2, "unknown hash algorithm '%s'", optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		usage();
	mode = argv[0];
	if (strcmp(mode, "name") == 0 || strcmp(mode, "parse") == 0) {
		if (strcmp(mode, "name") == 0)
			rv = storepath_check_name(argv[1], &errstr);
		else
			rv = storepath_parse(storedir, argv[1], NULL, NULL,
			    &errstr);
		printf("%s\n", rv == -1 ? errstr : "ok");
		return (rv == -1);
	}
	if (argc < 3)
		usage();
	make_path(storedir, mode, rec ? CA_RECURSIVE : CA_FLAT, algo, self,
	    argc - 1, argv + 1, path);
	print_path(path, withca, &make_ca);
	return (0);
}
