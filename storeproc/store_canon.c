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
 * Canonical metadata for a new store path (nix-formats.md section 6):
 * only regular files, directories and symlinks; no extended attributes
 * but the ones Nix ignores; modes 0444 or 0555; mtime 1; owned by the
 * store user.  Each file and directory is also synced, so that the
 * rename that makes the path visible comes after its data is on disk.
 * Each node is pinned by an O_PATH|O_NOFOLLOW descriptor and changed
 * only through descriptors: no name is followed or acted on by name,
 * so even a tree someone else could still change (none should be: the
 * trees are storeproc's own copies) can only make this fail.
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "nar.h"
#include "storeproc.h"

#define CANON_XATTR_MAX		65536
#define CANON_PATH_MAX		1024	/* of a path in a message */

/* Linux 6.6; older C library headers do not know it yet. */
#ifndef SYS_fchmodat2
#define SYS_fchmodat2		452
#endif

struct canon {
	char		 cn_path[CANON_PATH_MAX];
	char		 cn_err[CANON_PATH_MAX + 256];
};

static int	canon_node(struct canon *, int, const char *, int);
static int	canon_fail(struct canon *, const char *);

static int
canon_fail(struct canon *cn, const char *what)
{
	int	saved = errno;

	snprintf(cn->cn_err, sizeof(cn->cn_err), "%s '%s/%s': %s", what,
	    store_env.se_storedir, cn->cn_path, strerror(saved));
	return (-1);
}

/* Keep what Nix keeps (its ignored-acls default); drop the rest. */
static int
canon_xattrs(struct canon *cn, int fd)
{
	char	*names, *p;
	ssize_t	 len;
	int	 rc = 0;

	if ((len = flistxattr(fd, NULL, 0)) <= 0)
		return (len == -1 && errno != ENOTSUP ?
		    canon_fail(cn, "cannot list attributes of") : 0);
	if (len > CANON_XATTR_MAX || (names = malloc(len)) == NULL) {
		errno = E2BIG;
		return (canon_fail(cn, "cannot list attributes of"));
	}
	if ((len = flistxattr(fd, names, len)) == -1) {
		free(names);
		return (canon_fail(cn, "cannot list attributes of"));
	}
	for (p = names; rc == 0 && p < names + len; p += strlen(p) + 1) {
		if (strcmp(p, "security.selinux") == 0 ||
		    strcmp(p, "system.nfs4_acl") == 0)
			continue;
		if (fremovexattr(fd, p) == -1 && errno != ENODATA)
			rc = canon_fail(cn, "cannot remove attributes of");
	}
	free(names);
	return (rc);
}

static int
canon_dir_entries(struct canon *cn, int fd, int depth)
{
	DIR		*dir;
	struct dirent	*de;
	size_t		 plen = strlen(cn->cn_path);
	int		 dfd, rc = 0;

	if (depth >= NAR_DEPTH_MAX) {
		errno = ELOOP;
		return (canon_fail(cn, "cannot canonicalise"));
	}
	if ((dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1 || (dir = fdopendir(dfd)) == NULL) {
		if (dfd != -1)
			close(dfd);
		return (canon_fail(cn, "cannot read directory"));
	}
	while (rc == 0 && (errno = 0, de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(cn->cn_path + plen, sizeof(cn->cn_path) - plen,
		    "/%s", de->d_name);
		rc = canon_node(cn, fd, de->d_name, depth + 1);
		cn->cn_path[plen] = '\0';
	}
	if (rc == 0 && errno != 0)
		rc = canon_fail(cn, "cannot read directory");
	closedir(dir);
	return (rc);
}

/* Owner first: chown may clear mode bits that chmod then sets. */
static int
canon_meta(struct canon *cn, int fd, const struct stat *st)
{
	static const struct timespec	times[2] = {
		{ 0, UTIME_OMIT }, { 1, 0 }
	};
	mode_t				mode = st->st_mode & ~S_IFMT;

	if ((st->st_uid != store_env.se_uid ||
	    st->st_gid != store_env.se_gid) &&
	    fchown(fd, store_env.se_uid, store_env.se_gid) == -1)
		return (canon_fail(cn, "cannot change owner of"));
	if (mode != 0444 && mode != 0555) {
		mode = 0444 | ((st->st_mode & S_IXUSR) ? 0111 : 0);
		if (fchmod(fd, mode) == -1)
			return (canon_fail(cn, "cannot change mode of"));
	}
	if (fsync(fd) == -1)
		return (canon_fail(cn, "cannot sync"));
	if ((st->st_mtim.tv_sec != 1 || st->st_mtim.tv_nsec != 0) &&
	    futimens(fd, times) == -1)
		return (canon_fail(cn, "cannot set times of"));
	return (0);
}

/* A pinned symlink: owner and time through its O_PATH descriptor. */
static int
canon_symlink(struct canon *cn, int pfd, const struct stat *st)
{
	static const struct timespec	times[2] = {
		{ 0, UTIME_OMIT }, { 1, 0 }
	};

	if ((st->st_uid != store_env.se_uid ||
	    st->st_gid != store_env.se_gid) &&
	    fchownat(pfd, "", store_env.se_uid, store_env.se_gid,
	    AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == -1)
		return (canon_fail(cn, "cannot change owner of"));
	if ((st->st_mtim.tv_sec != 1 || st->st_mtim.tv_nsec != 0) &&
	    utimensat(pfd, "", times, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) ==
	    -1)
		return (canon_fail(cn, "cannot set times of"));
	return (0);
}

/*
 * Open the pinned node pfd (at name in dirfd) to read it; one made
 * unreadable to us is opened up through pfd first.  The name must
 * still lead to the pinned inode.
 */
static int
canon_open(struct canon *cn, int dirfd, const char *name, int pfd,
    const struct stat *st)
{
	struct stat	fst;
	int		flags, fd;

	flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
	    (S_ISDIR(st->st_mode) ? O_DIRECTORY : 0);
	fd = openat(dirfd, name, flags);
	if (fd == -1 && errno == EACCES && syscall(SYS_fchmodat2, pfd, "",
	    (st->st_mode | S_IRWXU) & 0777, AT_EMPTY_PATH) == 0)
		fd = openat(dirfd, name, flags);
	if (fd == -1)
		return (canon_fail(cn, "cannot open"));
	if (fstat(fd, &fst) == -1) {
		canon_fail(cn, "cannot stat");
		close(fd);
		return (-1);
	}
	if (fst.st_dev != st->st_dev || fst.st_ino != st->st_ino) {
		errno = ESTALE;
		canon_fail(cn, "cannot open");
		close(fd);
		return (-1);
	}
	return (fd);
}

static int
canon_node(struct canon *cn, int dirfd, const char *name, int depth)
{
	struct stat	st;
	int		pfd, fd, rc;

	if ((pfd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) ==
	    -1)
		return (canon_fail(cn, "cannot stat"));
	if (fstat(pfd, &st) == -1) {
		canon_fail(cn, "cannot stat");
		close(pfd);
		return (-1);
	}
	if (S_ISLNK(st.st_mode) || (!S_ISREG(st.st_mode) &&
	    !S_ISDIR(st.st_mode))) {
		if (S_ISLNK(st.st_mode))
			rc = canon_symlink(cn, pfd, &st);
		else {
			snprintf(cn->cn_err, sizeof(cn->cn_err),
			    "file '%s/%s' has an unsupported type",
			    store_env.se_storedir, cn->cn_path);
			rc = -1;
		}
		close(pfd);
		return (rc);
	}
	fd = canon_open(cn, dirfd, name, pfd, &st);
	close(pfd);
	if (fd == -1)
		return (-1);
	rc = canon_xattrs(cn, fd);
	if (rc == 0 && S_ISDIR(st.st_mode))
		rc = canon_dir_entries(cn, fd, depth);
	if (rc == 0 && fstat(fd, &st) == -1)
		rc = canon_fail(cn, "cannot stat");
	if (rc == 0)
		rc = canon_meta(cn, fd, &st);
	close(fd);
	return (rc);
}

/*
 * Canonicalise and sync the tree name in dirfd (the store dir, for a
 * path under its temporary name).  The error string is static.
 */
int
store_canon_path(int dirfd, const char *name, const char **errstr)
{
	static struct canon	cn;

	if (strlcpy(cn.cn_path, name, sizeof(cn.cn_path)) >=
	    sizeof(cn.cn_path)) {
		*errstr = "path name too long";
		return (-1);
	}
	if (canon_node(&cn, dirfd, name, 0) == -1) {
		*errstr = cn.cn_err;
		return (-1);
	}
	return (0);
}
