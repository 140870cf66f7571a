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
 * Removing a build directory.  Its owner, a build user, is dead by now
 * (spawn_kill_user), so the tree no longer changes, but its shape is
 * the builder's: any depth, any modes, any names.  Every directory is
 * opened relative to its parent with O_NOFOLLOW, never by path; one
 * directory is held open per level, and one deeper than RM_DEPTH is
 * first moved up to the top of the tree, so neither fds nor the stack
 * grow with the depth of a hostile tree.  The spawner has its own copy
 * of this walk so that it links no NAR code.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"
#include "spawner.h"

#define RM_DEPTH	32
#define RM_HOIST_TRIES	1000

struct rm_tree {
	int		 rt_topfd;	/* the tree's top directory */
	const char	*rt_top;	/* its name, for errors */
	unsigned int	 rt_serial;	/* names the hoisted directories */
};

static char	rm_errbuf[256];

static int	rm_fail(const struct rm_tree *, const char *);
static int	rm_open(const struct rm_tree *, int, const char *);
static int	rm_contents(struct rm_tree *, int, int);
static int	rm_entry(struct rm_tree *, int, const char *, int);
static int	rm_hoist(struct rm_tree *, int, const char *);

/* Entry names are the builder's: errors name only the tree. */
static int
rm_fail(const struct rm_tree *rt, const char *what)
{
	snprintf(rm_errbuf, sizeof(rm_errbuf), "cannot %s in tree %s: %s",
	    what, rt->rt_top, strerror(errno));
	return (-1);
}

/* A directory of the tree opened to be emptied (open_dir_to_empty). */
static int
rm_open(const struct rm_tree *rt, int dirfd, const char *name)
{
	const char	*step;
	char		 what[32];
	int		 fd, saved;

	if ((fd = open_dir_to_empty(dirfd, name, &step)) == -1) {
		saved = errno;
		snprintf(what, sizeof(what), "%s a directory", step);
		errno = saved;
		return (rm_fail(rt, what));
	}
	return (fd);
}

/*
 * Passes over the directory until one finds it empty: entries hoisted
 * into the top during a pass may or may not show in that pass.
 */
static int
rm_contents(struct rm_tree *rt, int fd, int depth)
{
	struct dirent	*de;
	DIR		*dir;
	int		 dfd, found, r = 0;

	if ((dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return (rm_fail(rt, "open a directory"));
	if ((dir = fdopendir(dfd)) == NULL) {
		close(dfd);
		return (rm_fail(rt, "read a directory"));
	}
	do {
		found = 0;
		rewinddir(dir);
		errno = 0;
		while (r == 0 && (de = readdir(dir)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			found = 1;
			r = rm_entry(rt, fd, de->d_name, depth);
			errno = 0;
		}
		if (r == 0 && errno != 0)
			r = rm_fail(rt, "read a directory");
	} while (r == 0 && found);
	closedir(dir);
	return (r);
}

static int
rm_entry(struct rm_tree *rt, int fd, const char *name, int depth)
{
	struct stat	st;
	int		subfd, r;

	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return (errno == ENOENT ? 0 : rm_fail(rt, "stat an entry"));
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(fd, name, 0) == -1 && errno != ENOENT)
			return (rm_fail(rt, "remove a file"));
		return (0);
	}
	if (depth >= RM_DEPTH)
		return (rm_hoist(rt, fd, name));
	if ((subfd = rm_open(rt, fd, name)) == -1)
		return (-1);
	r = rm_contents(rt, subfd, depth + 1);
	close(subfd);
	if (r == 0 && unlinkat(fd, name, AT_REMOVEDIR) == -1 &&
	    errno != ENOENT)
		r = rm_fail(rt, "remove a directory");
	return (r);
}

/*
 * Moves a deep directory up to the top, under a name no entry has
 * (RENAME_NOREPLACE: the builder may have made ".rm-1" itself).
 */
static int
rm_hoist(struct rm_tree *rt, int fd, const char *name)
{
	char	to[32];
	int	i;

	for (i = 0; i < RM_HOIST_TRIES; i++) {
		snprintf(to, sizeof(to), ".rm-%u", ++rt->rt_serial);
		if (renameat2(fd, name, rt->rt_topfd, to,
		    RENAME_NOREPLACE) == 0)
			return (0);
		if (errno != EEXIST)
			return (rm_fail(rt, "move up a directory"));
	}
	return (rm_fail(rt, "name a directory to move up"));
}

int
spawn_remove_tree(int dirfd, const char *name, const char **errstr)
{
	struct rm_tree	rt;
	struct stat	st;
	int		r;

	memset(&rt, 0, sizeof(rt));
	rt.rt_top = name;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return (0);
		*errstr = rm_errbuf;
		return (rm_fail(&rt, "stat the top"));
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dirfd, name, 0) == -1 && errno != ENOENT) {
			*errstr = rm_errbuf;
			return (rm_fail(&rt, "remove the top"));
		}
		return (0);
	}
	if ((rt.rt_topfd = rm_open(&rt, dirfd, name)) == -1) {
		*errstr = rm_errbuf;
		return (-1);
	}
	r = rm_contents(&rt, rt.rt_topfd, 0);
	close(rt.rt_topfd);
	if (r == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) == -1 &&
	    errno != ENOENT)
		r = rm_fail(&rt, "remove the top");
	if (r == -1)
		*errstr = rm_errbuf;
	return (r);
}
