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
 * Helper for the NAR shell tests:
 *	h_nar dump PATH			NAR of PATH on stdout
 *	h_nar hash [-t algo] PATH	hash of that NAR, base16 and base32
 *	h_nar restore DIR NAME		restore stdin as DIR/NAME
 *	h_nar parse			check stdin, print its NAR size
 * Errors go to stderr with exit status 1.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "nar.h"

static void	usage(void);
static int	write_sink(void *, const void *, size_t);
static int	hash_sink(void *, const void *, size_t);
static int	cmd_dump(int, char **);
static int	cmd_hash(int, char **);
static int	cmd_restore(int, char **);
static int	cmd_parse(int, char **);

static void
usage(void)
{
	fprintf(stderr, "usage: h_nar dump path\n"
	    "       h_nar hash [-t algo] path\n"
	    "       h_nar restore dir name\n"
	    "       h_nar parse\n");
	exit(2);
}

static int
write_sink(void *arg, const void *buf, size_t len)
{
	const unsigned char	*p = buf;
	ssize_t			 n;

	(void)arg;
	while (len > 0) {
		if ((n = write(STDOUT_FILENO, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			warn("write");
			return (-1);
		}
		p += n;
		len -= n;
	}
	return (0);
}

static int
hash_sink(void *arg, const void *buf, size_t len)
{
	hash_update(arg, buf, len);
	return (0);
}

static int
cmd_dump(int argc, char **argv)
{
	const char	*errstr;

	if (argc != 2)
		usage();
	if (nar_dump_path(AT_FDCWD, argv[1], write_sink, NULL, &errstr) == -1)
		errx(1, "%s", errstr);
	return (0);
}

static int
cmd_hash(int argc, char **argv)
{
	struct hash_ctx	 ctx;
	struct hash	 h;
	enum hash_algo	 algo = HASH_SHA256;
	char		 out[HASH_STR_MAX];
	const char	*errstr;
	int		 ch;

	while ((ch = getopt(argc, argv, "t:")) != -1) {
		switch (ch) {
		case 't':
			if (hash_algo_parse(optarg, &algo) == -1)
				errx(1, "unknown hash algorithm %s", optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage();
	if (hash_init(&ctx, algo) == -1)
		errx(1, "hash_init failed");
	if (nar_dump_path(AT_FDCWD, argv[0], hash_sink, &ctx, &errstr) == -1)
		errx(1, "%s", errstr);
	hash_final(&ctx, &h);
	if (hash_format(&h, HASH_ENC_BASE16, 0, out, sizeof(out)) == -1)
		errx(1, "hash_format");
	printf("%s\n", out);
	if (hash_format(&h, HASH_ENC_BASE32, 0, out, sizeof(out)) == -1)
		errx(1, "hash_format");
	printf("%s\n", out);
	return (0);
}

static int
cmd_restore(int argc, char **argv)
{
	const char	*errstr;
	uint64_t	 size;
	int		 dirfd;

	if (argc != 3)
		usage();
	if ((dirfd = open(argv[1], O_RDONLY | O_DIRECTORY)) == -1)
		err(1, "%s", argv[1]);
	if (nar_restore_fd(STDIN_FILENO, dirfd, argv[2], NULL, NULL, &size,
	    &errstr) == -1)
		errx(1, "%s", errstr);
	close(dirfd);
	return (0);
}

static int
cmd_parse(int argc, char **argv)
{
	struct nar_parser	*np;
	unsigned char		 buf[NAR_BUFSIZE];
	const char		*errstr;
	ssize_t			 n;

	(void)argv;
	if (argc != 1)
		usage();
	if ((np = nar_parse_new(NULL, NULL)) == NULL)
		err(1, "nar_parse_new");
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			err(1, "read");
		}
		if (nar_parse_feed(np, buf, n, &errstr) == -1)
			errx(1, "%s", errstr);
	}
	if (nar_parse_finish(np, &errstr) == -1)
		errx(1, "%s", errstr);
	printf("%llu\n", (unsigned long long)nar_parse_size(np));
	nar_parse_free(np);
	return (0);
}

int
main(int argc, char *argv[])
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "dump") == 0)
		return (cmd_dump(argc - 1, argv + 1));
	if (strcmp(argv[1], "hash") == 0)
		return (cmd_hash(argc - 1, argv + 1));
	if (strcmp(argv[1], "restore") == 0)
		return (cmd_restore(argc - 1, argv + 1));
	if (strcmp(argv[1], "parse") == 0)
		return (cmd_parse(argc - 1, argv + 1));
	usage();
	return (2);
}
