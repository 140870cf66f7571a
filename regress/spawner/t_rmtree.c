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
 * spawner_rmtree.c: a build directory of the builder's shape goes, and
 * nothing outside it: a chain of directories far deeper than the walk
 * holds open (so some are moved up), directories without permissions,
 * a name the hoisting would pick (".rm-1") made beforehand, symlinks to
 * a directory outside (not followed), a fifo, a name with a newline.
 * Directories of mode 0 only as root: the spawner opens them thanks to
 * CAP_DAC_OVERRIDE, which a plain user lacks.
 */
/* link: spawner/spawner_rmtree.c */
#include <sys/stat.h>

#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../spawner/spawner.h"

#define CHAIN	200	/* directories deep */

static void
mkfile(int dirfd, const char *name)
{
	int	fd;

	if ((fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL, 0644)) ==
	    -1)
		err(1, "create %s", name);
	close(fd);
}

/* A chain of CHAIN directories, each with a file, the deepest mode 0. */
static void
mkchain(int topfd)
{
	int	fd, next, i;

	if ((fd = dup(topfd)) == -1)
		err(1, "dup");
	for (i = 0; i < CHAIN; i++) {
		if (mkdirat(fd, "d", 0755) == -1 ||
		    (next = openat(fd, "d", O_RDONLY | O_DIRECTORY)) == -1)
			err(1, "chain at %d", i);
		mkfile(next, "f");
		close(fd);
		fd = next;
	}
	if (geteuid() == 0 && fchmod(fd, 0) == -1)
		err(1, "fchmod");
	close(fd);
}

int
main(void)
{
	char		 base[] = "/tmp/rnixd-t_rmtree.XXXXXX", path[256];
	const char	*errstr = NULL;
	struct stat	 st;
	int		 basefd, topfd;

	if (mkdtemp(base) == NULL)
		err(1, "mkdtemp");
	if ((basefd = open(base, O_RDONLY | O_DIRECTORY)) == -1)
		err(1, "%s", base);
	if (mkdirat(basefd, "outside", 0755) == -1 ||
	    mkdirat(basefd, "top", 0755) == -1)
		err(1, "mkdir");
	mkfile(basefd, "outside/keep");
	if ((topfd = openat(basefd, "top", O_RDONLY | O_DIRECTORY)) == -1)
		err(1, "top");
	mkchain(topfd);
	if (mkdirat(topfd, ".rm-1", 0755) == -1 ||
	    mkdirat(topfd, "locked", geteuid() == 0 ? 0 : 0700) == -1 ||
	    mkfifoat(topfd, "fifo", 0600) == -1)
		err(1, "entries");
	mkfile(topfd, ".rm-1/x");
	mkfile(topfd, "new\nline");
	snprintf(path, sizeof(path), "%s/outside", base);
	if (symlinkat(path, topfd, "link") == -1 ||
	    symlinkat(path, topfd, "d/linkdeep") == -1)
		err(1, "symlink");
	close(topfd);

	printf("removing a %d-deep tree with traps\n", CHAIN);
	if (spawn_remove_tree(basefd, "top", &errstr) == -1)
		errx(1, "spawn_remove_tree: %s", errstr);
	if (fstatat(basefd, "top", &st, AT_SYMLINK_NOFOLLOW) == 0)
		errx(1, "top still there");
	if (fstatat(basefd, "outside/keep", &st, 0) == -1)
		errx(1, "a file outside the tree went: got removed, "
		    "expected kept");
	printf("tree gone, outside kept\n");

	printf("a name that does not exist is no error\n");
	if (spawn_remove_tree(basefd, "top", &errstr) == -1)
		errx(1, "missing top: %s", errstr);
	printf("a plain file at the top is removed\n");
	mkfile(basefd, "plain");
	if (spawn_remove_tree(basefd, "plain", &errstr) == -1 ||
	    fstatat(basefd, "plain", &st, AT_SYMLINK_NOFOLLOW) == 0)
		errx(1, "plain file: not removed");

	if (unlinkat(basefd, "outside/keep", 0) == -1 ||
	    unlinkat(basefd, "outside", AT_REMOVEDIR) == -1 ||
	    rmdir(base) == -1)
		err(1, "cleaning %s", base);
	close(basefd);
	return (0);
}
