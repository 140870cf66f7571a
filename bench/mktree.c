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
 * mktree: benchmark inputs with reproducible contents.
 *
 *	mktree tree dir		16 x 16 directories of 256 entries each:
 *				files of 0..32 KiB (16 KiB on average, ~1
 *				GiB in all), some executable, some symlinks
 *	mktree file path size	one file of size MiB
 *
 * Prints the number of bytes of file data written.
 */
#include <sys/stat.h>

#include <err.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MK_FANOUT	16
#define MK_FILES	256
#define MK_MAXFILE	32768
#define MK_BUF		(1 << 20)

static uint64_t	mk_state = 0x2545f4914f6cdd1dULL;
static uint64_t	mk_buf[MK_BUF / 8];

static uint64_t
mk_rand(void)
{
	mk_state ^= mk_state << 13;
	mk_state ^= mk_state >> 7;
	mk_state ^= mk_state << 17;
	return (mk_state);
}

/* Write len random bytes to fd. */
static void
mk_fill(int fd, uint64_t len, const char *name)
{
	size_t	i, n;

	while (len > 0) {
		n = len < MK_BUF ? len : MK_BUF;
		for (i = 0; i < (n + 7) / 8; i++)
			mk_buf[i] = mk_rand();
		if (write(fd, mk_buf, n) != (ssize_t)n)
			err(1, "write %s", name);
		len -= n;
	}
}

static uint64_t
mk_entry(int dirfd, unsigned int n)
{
	char		name[32], target[64];
	uint64_t	size;
	int		fd;

	snprintf(name, sizeof(name), "f%03u", n % MK_FILES);
	if (n % 97 == 0) {
		snprintf(target, sizeof(target), "../d%02u/f%03u", n % 13,
		    n % 7);
		if (symlinkat(target, dirfd, name) == -1)
			err(1, "symlink %s", name);
		return (0);
	}
	size = mk_rand() % (MK_MAXFILE + 1);
	if ((fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL,
	    n % 61 == 0 ? 0755 : 0644)) == -1)
		err(1, "create %s", name);
	mk_fill(fd, size, name);
	close(fd);
	return (size);
}

static uint64_t
mk_tree(const char *dir)
{
	char		name[16];
	uint64_t	total = 0;
	unsigned int	a, b, f, n = 0;
	int		top, mid, leaf;

	if (mkdir(dir, 0755) == -1 ||
	    (top = open(dir, O_RDONLY | O_DIRECTORY)) == -1)
		err(1, "%s", dir);
	for (a = 0; a < MK_FANOUT; a++) {
		snprintf(name, sizeof(name), "d%02u", a);
		if (mkdirat(top, name, 0755) == -1 ||
		    (mid = openat(top, name, O_RDONLY | O_DIRECTORY)) == -1)
			err(1, "%s", name);
		for (b = 0; b < MK_FANOUT; b++) {
			snprintf(name, sizeof(name), "d%02u", b);
			if (mkdirat(mid, name, 0755) == -1 || (leaf =
			    openat(mid, name, O_RDONLY | O_DIRECTORY)) == -1)
				err(1, "%s", name);
			for (f = 0; f < MK_FILES; f++)
				total += mk_entry(leaf, n++);
			close(leaf);
		}
		close(mid);
	}
	close(top);
	return (total);
}

int
main(int argc, char *argv[])
{
	uint64_t	total;
	int		fd;

	if (argc == 3 && strcmp(argv[1], "tree") == 0)
		total = mk_tree(argv[2]);
	else if (argc == 4 && strcmp(argv[1], "file") == 0) {
		total = strtoull(argv[3], NULL, 10) << 20;
		if ((fd = open(argv[2], O_WRONLY | O_CREAT | O_EXCL,
		    0644)) == -1)
			err(1, "%s", argv[2]);
		mk_fill(fd, total, argv[2]);
		close(fd);
	} else {
		fprintf(stderr, "usage: mktree tree dir | file path MiB\n");
		return (2);
	}
	printf("%llu\n", (unsigned long long)total);
	return (0);
}
