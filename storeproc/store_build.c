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
 * What builds need from the store: a .drv's text (QUERY_DRV), an input
 * closure (QUERY_CLOSURE), and registering a finished build's outputs
 * (BUILD_OUTPUTS).
 *
 * Outputs are never taken over as the builder left them: the builder
 * may still hold descriptors to its files (CVE-2024-27297), and any
 * name in the build root may be a symlink it planted (CVE-2026-39860).
 * So each output is copied afresh into a temporary name in the store
 * dir that only storeproc writes to; only the copy is canonicalised,
 * hashed, scanned and registered.
 *
 * The builder's tree may still change while it is copied: its own
 * processes are dead (its pid namespace went down with the builder,
 * and the spawner killed its user before handing us the tree), but a
 * process of another user may hold a descriptor into a directory the
 * builder made world-writable.  So no name in that tree is ever
 * resolved twice or followed: each node is pinned first by an
 * O_PATH|O_NOFOLLOW descriptor, and every check and change is made
 * through that descriptor.  A name opened again to read it must lead
 * to the pinned inode, or the build fails.  Modes are changed only
 * where the build user made its own file unreadable to us, and only
 * on its own inode: nothing the builder can name makes storeproc
 * change a file it could not change itself.
 *
 * The copy, canonicalisation, hash and reference scan take time with
 * the size of the outputs (an 8 GiB output is hashed for a minute), so
 * they run in a child process forked for the build, which reports the
 * results on a pipe: the event loop goes on serving everyone else.
 * Only the child touches the copies until it is done; only the parent
 * touches the database, and it installs and registers the copies once
 * the report came.  The temporary names are chosen before the fork, so
 * whatever becomes of the child, bjob_free removes its copies.
 */
#include <sys/prctl.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/tree.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drv.h"
#include "fdio.h"
#include "hash.h"
#include "log.h"
#include "nar.h"
#include "refscan.h"
#include "storepath.h"
#include "storeproc.h"
#include "store_db.h"

/* Nix shows the arguments of its build errors in bold magenta. */
#define HL(s)		"\x1b[35;1m" s "\x1b[0m"
#define BUILD_ERR_MAX	(PATH_MAX + 1024)

/* Linux 6.6; older C library headers do not know it yet. */
#ifndef SYS_fchmodat2
#define SYS_fchmodat2	452
#endif

/* One output on its way into the store. */
struct bout {
	const struct msg_build_output	*bo_out;
	char				 bo_tmp[STORE_TMP_MAX];
	int				 bo_valid;	/* already valid */
	int				 bo_was_valid;	/* taken all the same */
	int				 bo_installed;
	int				 bo_fixed;
	enum ca_method			 bo_method;
	struct hash			 bo_want;
	struct hash			 bo_got;
	struct hash			 bo_narhash;
	uint64_t			 bo_narsize;
	char				**bo_refs;
	size_t				 bo_nrefs;
	char				 bo_narhash_str[HASH_STR_MAX];
	char				 bo_ca[CA_STR_MAX];
};

/* A build's registration. */
struct bjob {
	TAILQ_ENTRY(bjob)	 bj_entry;
	pid_t			 bj_pid;	/* the child taking outputs */
	int			 bj_repfd;	/* its report */
	struct event		 bj_ev;
	unsigned char		*bj_rep;
	size_t			 bj_replen;
	uint32_t		 bj_sid;
	struct msg_build	 bj_mb;
	int			 bj_rootfd;	/* the build root's store dir */
	struct bout		*bj_outs;
	const char		**bj_cands;	/* hash parts */
	char			**bj_candpaths;
	size_t			 bj_ncands;
	int			 bj_mismatch;
	int			 bj_not_det;	/* check: an output differs */
	char			 bj_err[BUILD_ERR_MAX];
};

/*
 * A file with more than one link, copied once: its other names in the
 * output become links to the copy, as Nix 2.8 keeps them.
 */
struct blink {
	RB_ENTRY(blink)	 bl_entry;
	dev_t		 bl_dev;
	ino_t		 bl_ino;
	char		*bl_copy;	/* relative to the store dir */
};
RB_HEAD(blinks, blink);

/* The walk that copies one output out of the build root. */
struct bcopy {
	uid_t		 bc_uid;
	char		 bc_path[PATH_MAX];	/* for messages */
	size_t		 bc_rootlen;	/* of the output's path in it */
	const char	*bc_tmp;	/* the copy's name in the store dir */
	struct blinks	 bc_links;
	char		*bc_err;
	size_t		 bc_errsz;
};

/* What the NAR of a copy feeds. */
struct bscan {
	struct hash_ctx	 bs_nar;
	struct hash_ctx	 bs_ca;
	int		 bs_caon;
	struct refscan	*bs_scan;
	uint64_t	 bs_size;
};

/*
 * What the child reports: a head, then per taken output one of these,
 * each followed by bro_nrefs indices into bj_candpaths.
 */
struct brep_head {
	int32_t		brh_rc;
	int32_t		brh_mismatch;
	char		brh_err[BUILD_ERR_MAX];
};

struct brep_out {
	char		bro_narhash[HASH_STR_MAX];
	char		bro_ca[CA_STR_MAX];
	uint64_t	bro_narsize;
	uint32_t	bro_nrefs;
};

/* A report larger than this is garbage (some MB of indices at most). */
#define BREP_MAX	(64 * 1024 * 1024)

static TAILQ_HEAD(, bjob)	bjobs = TAILQ_HEAD_INITIALIZER(bjobs);
static unsigned char		build_buf[NAR_BUFSIZE];

static int	bcopy_node(struct bcopy *, int, const char *, int,
		    const char *, int);
static int	blink_cmp(struct blink *, struct blink *);

RB_PROTOTYPE(blinks, blink, bl_entry, blink_cmp)
RB_GENERATE(blinks, blink, bl_entry, blink_cmp)

static int
blink_cmp(struct blink *a, struct blink *b)
{
	if (a->bl_dev != b->bl_dev)
		return (a->bl_dev < b->bl_dev ? -1 : 1);
	if (a->bl_ino != b->bl_ino)
		return (a->bl_ino < b->bl_ino ? -1 : 1);
	return (0);
}

static int
bjob_fail(struct bjob *bj, const char *fmt, ...)
    __attribute__((__format__(printf, 2, 3)));

static int
bjob_fail(struct bjob *bj, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(bj->bj_err, sizeof(bj->bj_err), fmt, ap);
	va_end(ap);
	return (-1);
}

/* QUERY_DRV: a valid .drv that parses, as its bytes. */
void
store_handle_query_drv(struct imsg *imsg)
{
	struct drv	*d;
	const char	*errstr;
	char		*path, *text;
	size_t		 len;
	uint32_t	 sid = imsg_get_peerid(imsg);
	int		 valid;

	if (msg_recv_path(imsg, store_env.se_storedir, &path, NULL,
	    &errstr) == -1) {
		store_bad_request(imsg, errstr);
		return;
	}
	len = strlen(path);
	if (len < 4 || strcmp(path + len - 4, ".drv") != 0)
		store_reply_error(sid, "path '%s' is not a derivation", path);
	else if ((valid = store_is_valid(path, &errstr)) != 1) {
		if (valid == 0)
			store_reply_error(sid, "path '%s' is not valid", path);
		else
			store_reply_error(sid, "%s", errstr);
	} else if (store_read_file(store_env.se_storefd, store_base(path),
	    MSG_DRV_MAX, &text, &len, &errstr) == -1)
		store_reply_error(sid, "%s", errstr);
	else {
		if (drv_parse(store_env.se_storedir, text, len, &d,
		    &errstr) == -1)
			store_reply_error(sid, "error parsing derivation "
			    "'%s': %s", path, errstr);
		else {
			drv_free(d);
			msg_send_drv(store_env.se_builder, sid, text, len);
		}
		free(text);
	}
	free(path);
}

/* QUERY_CLOSURE: everything the paths reference, transitively. */
void
store_handle_query_closure(struct imsg *imsg)
{
	struct pathset		 done, todo;
	struct pathset_node	*pn;
	const char		*errstr;
	char			**paths, **refs, *p;
	size_t			 npaths, nrefs, i;
	uint32_t		 sid = imsg_get_peerid(imsg);
	int			 rc = 1;

	if (msg_recv_paths(imsg, store_env.se_storedir, 0, &paths, &npaths,
	    &errstr) == -1) {
		store_bad_request(imsg, errstr);
		return;
	}
	pathset_init(&done);
	pathset_init(&todo);
	for (i = 0; i < npaths; i++)
		pathset_add(&todo, paths[i]);
	wire_strings_free(paths, npaths);
	while (rc == 1 && (pn = RB_MIN(pathset, &todo)) != NULL) {
		if ((p = strdup(pn->pn_path)) == NULL)
			fatal("%s", __func__);
		pathset_del(&todo, p);
		pathset_add(&done, p);
		rc = db_query_references(store_env.se_db, p, &refs, &nrefs,
		    &errstr);
		if (rc == 0)
			store_reply_error(sid, "path '%s' is not valid", p);
		for (i = 0; rc == 1 && i < nrefs; i++)
			if (!pathset_has(&done, refs[i]))
				pathset_add(&todo, refs[i]);
		if (rc == 1)
			db_strings_free(refs, nrefs);
		free(p);
	}
	if (rc == -1)
		store_reply_error(sid, "%s", errstr);
	else if (rc == 1) {
		paths = pathset_array(&done, &npaths);
		msg_send_paths(store_env.se_builder, IMSG_STORE_PATHS, sid,
		    paths, npaths);
		wire_strings_free(paths, npaths);
	}
	pathset_clear(&done);
	pathset_clear(&todo);
}

/*
 * Copying out of the build root.
 */

static int
bcopy_fail(struct bcopy *bc, const char *what)
{
	snprintf(bc->bc_err, bc->bc_errsz, "%s '%s': %s", what, bc->bc_path,
	    strerror(errno));
	return (-1);
}

/*
 * Pin a node of the builder's tree: the O_PATH descriptor stays on the
 * inode the name led to, whatever the name leads to later.
 */
static int
bcopy_pin(struct bcopy *bc, int sdir, const char *name, struct stat *st)
{
	int	pfd;

	if ((pfd = openat(sdir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return (bcopy_fail(bc, "getting attributes of path"));
	if (fstat(pfd, st) == -1) {
		bcopy_fail(bc, "getting attributes of path");
		close(pfd);
		return (-1);
	}
	return (pfd);
}

/*
 * Make a pinned node readable to us.  Only the build user's own inode
 * is changed, and only by its descriptor (fchmodat2 with AT_EMPTY_PATH:
 * an O_PATH descriptor takes no fchmod); the set-user-ID, set-group-ID
 * and sticky bits go, so no mode arises that its user could not set.
 */
static int
bcopy_unlock(struct bcopy *bc, int pfd, const struct stat *st)
{
	mode_t	mode;

	if (st->st_uid != bc->bc_uid) {
		errno = EACCES;
		return (-1);
	}
	mode = (st->st_mode & 0777) | (S_ISDIR(st->st_mode) ? 0555 : 0444);
	return (syscall(SYS_fchmodat2, pfd, "", mode, AT_EMPTY_PATH) == -1 ?
	    -1 : 0);
}

/* The same inode as pinned, still of that type: nothing swapped. */
static int
bcopy_same(struct bcopy *bc, int fd, const struct stat *st)
{
	struct stat	fst;

	if (fstat(fd, &fst) == -1)
		return (bcopy_fail(bc, "cannot stat"));
	if (fst.st_dev != st->st_dev || fst.st_ino != st->st_ino ||
	    (fst.st_mode & S_IFMT) != (st->st_mode & S_IFMT)) {
		errno = ESTALE;
		return (bcopy_fail(bc, "file changed while copying"));
	}
	return (0);
}

/*
 * Open a pinned node to read it.  A name swapped since for a symlink
 * fails (O_NOFOLLOW), for anything else bcopy_same refuses it.
 */
static int
bcopy_open(struct bcopy *bc, int sdir, const char *name, int pfd,
    const struct stat *st)
{
	int	flags, fd;

	flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
	    (S_ISDIR(st->st_mode) ? O_DIRECTORY : 0);
	fd = openat(sdir, name, flags);
	if (fd == -1 && errno == EACCES && bcopy_unlock(bc, pfd, st) == 0)
		fd = openat(sdir, name, flags);
	if (fd == -1)
		return (bcopy_fail(bc, "cannot open"));
	if (bcopy_same(bc, fd, st) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* Copy bytes [off, end) of in to the same place in out. */
static int
bcopy_range(struct bcopy *bc, int in, int out, off_t off, off_t end)
{
	ssize_t	n, w;
	size_t	want, done;

	while (off < end) {
		want = end - off < (off_t)sizeof(build_buf) ?
		    (size_t)(end - off) : sizeof(build_buf);
		if ((n = pread(in, build_buf, want, off)) == -1) {
			if (errno == EINTR)
				continue;
			return (bcopy_fail(bc, "cannot read"));
		}
		if (n == 0)
			break;	/* it shrank; the copy ends here */
		for (done = 0; done < (size_t)n; done += w)
			if ((w = pwrite(out, build_buf + done, n - done,
			    off + done)) == -1) {
				if (errno != EINTR)
					return (bcopy_fail(bc,
					    "cannot write a copy of"));
				w = 0;
			}
		off += n;
	}
	return (0);
}

/*
 * Holes stay holes: only the data regions are read and written, and
 * the size is set at the end.  An 8 GiB file of one block takes one
 * block, as in the builder's tree.
 */
static int
bcopy_data(struct bcopy *bc, int in, int out)
{
	struct stat	st;
	off_t		data, hole = 0;

	if (fstat(in, &st) == -1)
		return (bcopy_fail(bc, "cannot stat"));
	for (;;) {
		if ((data = lseek(in, hole, SEEK_DATA)) == -1) {
			if (errno == ENXIO)
				break;
			/* No SEEK_DATA here: all of it is data. */
			if (errno != EINVAL || hole != 0)
				return (bcopy_fail(bc, "cannot read"));
			data = 0;
			hole = st.st_size;
		} else if ((hole = lseek(in, data, SEEK_HOLE)) == -1)
			return (bcopy_fail(bc, "cannot read"));
		if (hole > st.st_size)
			hole = st.st_size;
		if (data >= hole)
			break;
		if (bcopy_range(bc, in, out, data, hole) == -1)
			return (-1);
		if (hole >= st.st_size)
			break;
	}
	if (ftruncate(out, st.st_size) == -1)
		return (bcopy_fail(bc, "cannot write a copy of"));
	return (0);
}

/* The copy's name relative to the store dir, for the links map. */
static char *
bcopy_relname(struct bcopy *bc)
{
	char	*rel;

	if (asprintf(&rel, "%s%s", bc->bc_tmp, bc->bc_path + bc->bc_rootlen)
	    == -1)
		fatal("%s", __func__);
	return (rel);
}

/* Another name of a file already copied: link to the copy. */
static int
bcopy_link(struct bcopy *bc, const struct stat *st, int ddir,
    const char *dname, int *done)
{
	struct blink	 key, *bl;

	*done = 0;
	if (st->st_nlink < 2)
		return (0);
	key.bl_dev = st->st_dev;
	key.bl_ino = st->st_ino;
	if ((bl = RB_FIND(blinks, &bc->bc_links, &key)) == NULL)
		return (0);
	*done = 1;
	if (linkat(store_env.se_storefd, bl->bl_copy, ddir, dname, 0) == -1)
		return (bcopy_fail(bc, "cannot link a copy of"));
	return (0);
}

static void
bcopy_link_add(struct bcopy *bc, const struct stat *st)
{
	struct blink	*bl;

	if (st->st_nlink < 2)
		return;
	if ((bl = calloc(1, sizeof(*bl))) == NULL)
		fatal("%s", __func__);
	bl->bl_dev = st->st_dev;
	bl->bl_ino = st->st_ino;
	bl->bl_copy = bcopy_relname(bc);
	RB_INSERT(blinks, &bc->bc_links, bl);
}

static void
bcopy_links_free(struct bcopy *bc)
{
	struct blink	*bl, *next;

	RB_FOREACH_SAFE(bl, blinks, &bc->bc_links, next) {
		RB_REMOVE(blinks, &bc->bc_links, bl);
		free(bl->bl_copy);
		free(bl);
	}
}

static int
bcopy_regular(struct bcopy *bc, int sdir, const char *name, int pfd,
    int ddir, const char *dname, const struct stat *st)
{
	int	in, out, rc, linked;

	if (bcopy_link(bc, st, ddir, dname, &linked) == -1 || linked)
		return (linked ? 0 : -1);
	if ((in = bcopy_open(bc, sdir, name, pfd, st)) == -1)
		return (-1);
	/* Canonicalisation turns these into 0444 or 0555. */
	if ((out = openat(ddir, dname, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, (st->st_mode & S_IXUSR) ? 0700 : 0600)) ==
	    -1) {
		close(in);
		return (bcopy_fail(bc, "cannot create a copy of"));
	}
	rc = bcopy_data(bc, in, out);
	close(in);
	if (close(out) == -1 && rc == 0)
		rc = bcopy_fail(bc, "cannot write a copy of");
	if (rc == 0)
		bcopy_link_add(bc, st);
	return (rc);
}

/* The pinned symlink's own target: readlinkat of its descriptor. */
static int
bcopy_symlink(struct bcopy *bc, int pfd, int ddir, const char *dname)
{
	char	target[NAR_TARGET_MAX + 2];
	ssize_t	n;

	if ((n = readlinkat(pfd, "", target, sizeof(target))) == -1)
		return (bcopy_fail(bc, "cannot read symlink"));
	if ((size_t)n >= sizeof(target) - 1) {
		errno = ENAMETOOLONG;
		return (bcopy_fail(bc, "cannot read symlink"));
	}
	target[n] = '\0';
	if (symlinkat(target, ddir, dname) == -1)
		return (bcopy_fail(bc, "cannot create a copy of"));
	return (0);
}

/* A directory, open as in (which this closes). */
static int
bcopy_dir(struct bcopy *bc, int in, int ddir, const char *dname, int depth)
{
	DIR		*dir;
	struct dirent	*de;
	size_t		 plen = strlen(bc->bc_path);
	int		 out, rc = 0;

	if (depth >= NAR_DEPTH_MAX) {
		close(in);
		errno = ELOOP;
		return (bcopy_fail(bc, "cannot copy"));
	}
	if ((dir = fdopendir(in)) == NULL) {
		bcopy_fail(bc, "cannot read directory");
		close(in);
		return (-1);
	}
	if (mkdirat(ddir, dname, 0700) == -1 || (out = openat(ddir, dname,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		closedir(dir);
		return (bcopy_fail(bc, "cannot create a copy of"));
	}
	while (rc == 0 && (errno = 0, de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(bc->bc_path + plen,
		    sizeof(bc->bc_path) - plen, "/%s", de->d_name) >=
		    sizeof(bc->bc_path) - plen) {
			errno = ENAMETOOLONG;
			rc = bcopy_fail(bc, "cannot copy");
			break;
		}
		rc = bcopy_node(bc, dirfd(dir), de->d_name, out, de->d_name,
		    depth + 1);
		bc->bc_path[plen] = '\0';
	}
	if (rc == 0 && errno != 0)
		rc = bcopy_fail(bc, "cannot read directory");
	closedir(dir);
	close(out);
	return (rc);
}

static int
bcopy_node(struct bcopy *bc, int sdir, const char *name, int ddir,
    const char *dname, int depth)
{
	struct stat	st;
	int		pfd, fd, rc;

	if ((pfd = bcopy_pin(bc, sdir, name, &st)) == -1)
		return (-1);
	/* Nix's canonicalisation: only the build user's files. */
	if (st.st_uid != bc->bc_uid && st.st_uid != store_env.se_uid) {
		snprintf(bc->bc_err, bc->bc_errsz, "invalid ownership on file "
		    "'" HL("%s") "'", bc->bc_path);
		rc = -1;
	} else if (S_ISLNK(st.st_mode))
		rc = bcopy_symlink(bc, pfd, ddir, dname);
	else if (S_ISREG(st.st_mode))
		rc = bcopy_regular(bc, sdir, name, pfd, ddir, dname, &st);
	else if (S_ISDIR(st.st_mode)) {
		/* Not pinned through the walk below: fds grow with depth. */
		fd = bcopy_open(bc, sdir, name, pfd, &st);
		close(pfd);
		pfd = -1;
		rc = fd == -1 ? -1 : bcopy_dir(bc, fd, ddir, dname, depth);
	} else {
		snprintf(bc->bc_err, bc->bc_errsz, "file '" HL("%s") "' has "
		    "an unsupported type", bc->bc_path);
		rc = -1;
	}
	if (pfd != -1)
		close(pfd);
	return (rc);
}

/*
 * Registering a build.
 */

static void
bjob_free(struct bjob *bj)
{
	const char	*errstr;
	size_t		 i;
	struct bout	*bo;

	for (i = 0; bj->bj_outs != NULL && i < bj->bj_mb.mb_noutputs; i++) {
		bo = &bj->bj_outs[i];
		if (bo->bo_tmp[0] != '\0' && nar_remove_tree(
		    store_env.se_storefd, bo->bo_tmp, &errstr) == -1)
			log_warnx("%s", errstr);
		if (bo->bo_installed && nar_remove_tree(store_env.se_storefd,
		    store_base(bo->bo_out->mbo_path), &errstr) == -1)
			log_warnx("%s", errstr);
		wire_strings_free(bo->bo_refs, bo->bo_nrefs);
	}
	free(bj->bj_outs);
	free(bj->bj_cands);
	wire_strings_free(bj->bj_candpaths, bj->bj_ncands);
	if (bj->bj_rootfd != -1)
		close(bj->bj_rootfd);
	msg_build_free(&bj->bj_mb);
}

/* Candidates: the given ones and every output, each once. */
static void
bjob_cands(struct bjob *bj)
{
	struct pathset	ps;
	size_t		i, skip = strlen(store_env.se_storedir) + 1;

	pathset_init(&ps);
	for (i = 0; i < bj->bj_mb.mb_nrefs; i++)
		pathset_add(&ps, bj->bj_mb.mb_refs[i]);
	for (i = 0; i < bj->bj_mb.mb_noutputs; i++)
		pathset_add(&ps, bj->bj_mb.mb_outputs[i].mbo_path);
	bj->bj_candpaths = pathset_array(&ps, &bj->bj_ncands);
	pathset_clear(&ps);
	if ((bj->bj_cands = calloc(bj->bj_ncands + 1,
	    sizeof(*bj->bj_cands))) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < bj->bj_ncands; i++)
		bj->bj_cands[i] = bj->bj_candpaths[i] + skip;
}

/* The .drv's hash fields of an output, checked by the receiver. */
static void
bout_parse_fixed(struct bout *bo)
{
	const char	*algo = bo->bo_out->mbo_algo, *errstr;
	enum hash_algo	 a;

	if (algo[0] == '\0')
		return;
	bo->bo_fixed = 1;
	bo->bo_method = CA_FLAT;
	if (strncmp(algo, "r:", 2) == 0) {
		bo->bo_method = CA_RECURSIVE;
		algo += 2;
	}
	if (hash_algo_parse(algo, &a) == -1 ||
	    hash_parse_digest(bo->bo_out->mbo_hash,
	    strlen(bo->bo_out->mbo_hash), a, &bo->bo_want, &errstr) == -1)
		fatalx("%s: unchecked fixed output", __func__);
}

static int
bscan_sink(void *arg, const void *buf, size_t len)
{
	struct bscan	*bs = arg;

	hash_update(&bs->bs_nar, buf, len);
	if (bs->bs_caon)
		hash_update(&bs->bs_ca, buf, len);
	refscan_feed(bs->bs_scan, buf, len);
	bs->bs_size += len;
	return (0);
}

/* The flat hash of a fixed output: the file's bytes. */
static int
bout_hash_flat(struct bjob *bj, struct bout *bo)
{
	struct hash_ctx	ctx;
	ssize_t		n;
	int		fd;

	if ((fd = openat(store_env.se_storefd, bo->bo_tmp, O_RDONLY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		return (bjob_fail(bj, "cannot open '%s': %s",
		    bo->bo_out->mbo_path, strerror(errno)));
	if (hash_init(&ctx, bo->bo_want.h_algo) == -1)
		fatalx("%s: hash algorithm unavailable", __func__);
	while ((n = read(fd, build_buf, sizeof(build_buf))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			hash_abort(&ctx);
			close(fd);
			return (bjob_fail(bj, "cannot read '%s': %s",
			    bo->bo_out->mbo_path, strerror(errno)));
		}
		hash_update(&ctx, build_buf, n);
	}
	close(fd);
	hash_final(&ctx, &bo->bo_got);
	return (0);
}

/* One pass over the copy's NAR: narHash, narSize, references. */
static int
bout_scan(struct bjob *bj, struct bout *bo)
{
	struct bscan	 bs;
	const char	*errstr;
	size_t		 i, n = 0;

	memset(&bs, 0, sizeof(bs));
	if ((bs.bs_scan = refscan_new(bj->bj_cands, bj->bj_ncands,
	    &errstr)) == NULL)
		return (bjob_fail(bj, "%s", errstr));
	if (hash_init(&bs.bs_nar, HASH_SHA256) == -1 || (bo->bo_fixed &&
	    bo->bo_method == CA_RECURSIVE &&
	    hash_init(&bs.bs_ca, bo->bo_want.h_algo) == -1))
		fatalx("%s: hash algorithm unavailable", __func__);
	bs.bs_caon = bo->bo_fixed && bo->bo_method == CA_RECURSIVE;
	if (nar_dump_path(store_env.se_storefd, bo->bo_tmp, bscan_sink, &bs,
	    &errstr) == -1) {
		hash_abort(&bs.bs_nar);
		if (bs.bs_caon)
			hash_abort(&bs.bs_ca);
		refscan_free(bs.bs_scan);
		return (bjob_fail(bj, "%s", errstr));
	}
	hash_final(&bs.bs_nar, &bo->bo_narhash);
	if (bs.bs_caon)
		hash_final(&bs.bs_ca, &bo->bo_got);
	bo->bo_narsize = bs.bs_size;
	if ((bo->bo_refs = calloc(refscan_nfound(bs.bs_scan) + 1,
	    sizeof(*bo->bo_refs))) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < bj->bj_ncands; i++)
		if (refscan_found(bs.bs_scan, i) &&
		    (bo->bo_refs[n++] = strdup(bj->bj_candpaths[i])) == NULL)
			fatal("%s", __func__);
	bo->bo_nrefs = n;
	refscan_free(bs.bs_scan);
	hash_format(&bo->bo_narhash, HASH_ENC_BASE16, 1, bo->bo_narhash_str,
	    sizeof(bo->bo_narhash_str));
	return (0);
}

/* Nix's checks of a fixed output, in Nix's order of precedence. */
static int
bout_check_fixed(struct bjob *bj, struct bout *bo)
{
	char	want[HASH_STR_MAX], got[HASH_STR_MAX], path[STOREPATH_MAX];
	const char	*name;

	if (bo->bo_method == CA_FLAT && bout_hash_flat(bj, bo) == -1)
		return (-1);
	if (bo->bo_nrefs > 0)
		return (bjob_fail(bj, "illegal path references in "
		    "fixed-output derivation '" HL("%s") "'",
		    bj->bj_mb.mb_drv));
	if (bo->bo_got.h_len != bo->bo_want.h_len || memcmp(bo->bo_got.h_bytes,
	    bo->bo_want.h_bytes, bo->bo_want.h_len) != 0) {
		hash_format(&bo->bo_want, HASH_ENC_SRI, 1, want, sizeof(want));
		hash_format(&bo->bo_got, HASH_ENC_SRI, 1, got, sizeof(got));
		bj->bj_mismatch = 1;
		return (bjob_fail(bj, "hash mismatch in fixed-output "
		    "derivation '" HL("%s") "':\n  specified: " HL("%s")
		    "\n     got:    " HL("%s"), bj->bj_mb.mb_drv, want, got));
	}
	name = store_base(bo->bo_out->mbo_path) + STOREPATH_HASH_LEN + 1;
	if (storepath_make_fixed(store_env.se_storedir, name, bo->bo_method,
	    &bo->bo_got, NULL, 0, 0, path, sizeof(path)) == -1 ||
	    strcmp(path, bo->bo_out->mbo_path) != 0)
		return (bjob_fail(bj, "fixed output '%s' of '%s' should be "
		    "'%s'", bo->bo_out->mbo_path, bj->bj_mb.mb_drv, path));
	ca_format_fixed(bo->bo_method, &bo->bo_got, bo->bo_ca,
	    sizeof(bo->bo_ca));
	return (0);
}

/* Copy one output out of the build root and check it. */
static int
bout_take(struct bjob *bj, struct bout *bo)
{
	struct bcopy	 bc;
	struct stat	 st;
	const char	*base = store_base(bo->bo_out->mbo_path), *errstr;
	int		 rc;

	if (fstatat(bj->bj_rootfd, base, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return (bjob_fail(bj, "builder for '" HL("%s") "' "
			    "failed to produce output path for output '"
			    HL("%s") "' at '" HL("%s") "'", bj->bj_mb.mb_drv,
			    bo->bo_out->mbo_name, bo->bo_out->mbo_path));
		return (bjob_fail(bj, "getting attributes of path '%s': %s",
		    bo->bo_out->mbo_path, strerror(errno)));
	}
	if (bo->bo_fixed && bo->bo_method == CA_FLAT &&
	    (!S_ISREG(st.st_mode) || (st.st_mode & S_IXUSR)))
		return (bjob_fail(bj, "output path '" HL("%s") "' should be a "
		    "non-executable regular file since recursive hashing is "
		    "not enabled (outputHashMode=flat)",
		    bo->bo_out->mbo_path));
	memset(&bc, 0, sizeof(bc));
	bc.bc_uid = bj->bj_mb.mb_uid;
	bc.bc_err = bj->bj_err;
	bc.bc_errsz = sizeof(bj->bj_err);
	RB_INIT(&bc.bc_links);
	strlcpy(bc.bc_path, bo->bo_out->mbo_path, sizeof(bc.bc_path));
	bc.bc_rootlen = strlen(bc.bc_path);
	bc.bc_tmp = bo->bo_tmp;
	rc = bcopy_node(&bc, bj->bj_rootfd, base, store_env.se_storefd,
	    bo->bo_tmp, 0);
	bcopy_links_free(&bc);
	if (rc == -1)
		return (-1);
	if (store_canon_path(store_env.se_storefd, bo->bo_tmp, &errstr) == -1)
		return (bjob_fail(bj, "%s", errstr));
	if (bout_scan(bj, bo) == -1)
		return (-1);
	if (bo->bo_fixed)
		return (bout_check_fixed(bj, bo));
	return (0);
}

/* Rename every new output into place; a stale unregistered tree goes. */
static int
bjob_install(struct bjob *bj)
{
	struct bout	*bo;
	struct stat	 st;
	const char	*base;
	size_t		 i;
	int		 swap;

	for (i = 0; i < bj->bj_mb.mb_noutputs; i++) {
		bo = &bj->bj_outs[i];
		if (bo->bo_valid)
			continue;
		base = store_base(bo->bo_out->mbo_path);
		swap = fstatat(store_env.se_storefd, base, &st,
		    AT_SYMLINK_NOFOLLOW) == 0;
		if (swap && !bo->bo_was_valid)
			log_info("replacing unregistered %s",
			    bo->bo_out->mbo_path);
		if (renameat2(store_env.se_storefd, bo->bo_tmp,
		    store_env.se_storefd, base, swap ? RENAME_EXCHANGE :
		    RENAME_NOREPLACE) == -1)
			return (bjob_fail(bj, "cannot move '%s' into place: %s",
			    bo->bo_out->mbo_path, strerror(errno)));
		/*
		 * A repaired path was valid before and stays so: the swap
		 * is never undone, the broken tree goes with bo_tmp.
		 */
		bo->bo_installed = !bo->bo_was_valid;
		if (bo->bo_was_valid)
			log_info("repaired %s", bo->bo_out->mbo_path);
		/* After a swap the temporary name holds the stale tree. */
		if (!swap)
			bo->bo_tmp[0] = '\0';
	}
	if (fsync(store_env.se_storefd) == -1)
		log_warn("fsync %s", store_env.se_storedir);
	return (0);
}

/* All new outputs in one transaction; db_register orders them. */
static int
bjob_register(struct bjob *bj)
{
	struct db_pathinfo	*infos;
	struct bout		*bo;
	const char		*errstr;
	size_t			 i, n = 0;
	int			 rc;

	if ((infos = calloc(bj->bj_mb.mb_noutputs, sizeof(*infos))) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < bj->bj_mb.mb_noutputs; i++) {
		bo = &bj->bj_outs[i];
		if (bo->bo_valid)
			continue;
		infos[n].dpi_path = bo->bo_out->mbo_path;
		infos[n].dpi_narhash = bo->bo_narhash_str;
		infos[n].dpi_deriver = bj->bj_mb.mb_drv;
		infos[n].dpi_narsize = bo->bo_narsize;
		infos[n].dpi_ultimate = 1;
		infos[n].dpi_ca = bo->bo_fixed ? bo->bo_ca : NULL;
		infos[n].dpi_refs = bo->bo_refs;
		infos[n].dpi_nrefs = bo->bo_nrefs;
		n++;
	}
	rc = n == 0 ? 0 : db_register(store_env.se_db, infos, n, NULL, NULL,
	    &errstr);
	free(infos);
	if (rc == -1)
		return (bjob_fail(bj, "cannot register the outputs of '%s': %s",
		    bj->bj_mb.mb_drv, errstr));
	for (i = 0; i < bj->bj_mb.mb_noutputs; i++)
		bj->bj_outs[i].bo_installed = 0;
	return (0);
}

/* BUILD_RESULT with the registered infos, in the request's order. */
static int
bjob_reply(struct bjob *bj)
{
	struct msg_build_result	 mbr;
	struct db_pathinfo	 dpi;
	const char		*errstr;
	size_t			 i;
	int			 rc = 0;

	memset(&mbr, 0, sizeof(mbr));
	if ((mbr.mbr_outputs = calloc(bj->bj_mb.mb_noutputs,
	    sizeof(*mbr.mbr_outputs))) == NULL)
		fatal("%s", __func__);
	for (i = 0; rc == 0 && i < bj->bj_mb.mb_noutputs; i++) {
		memset(&dpi, 0, sizeof(dpi));
		if (db_query_info(store_env.se_db,
		    bj->bj_mb.mb_outputs[i].mbo_path, &dpi, &errstr) != 1) {
			rc = bjob_fail(bj, "output '%s' vanished",
			    bj->bj_mb.mb_outputs[i].mbo_path);
			break;
		}
		if (store_info_to_wire(&dpi, &mbr.mbr_outputs[i].mbt_info) ==
		    -1 || (mbr.mbr_outputs[i].mbt_name =
		    strdup(bj->bj_mb.mb_outputs[i].mbo_name)) == NULL)
			fatal("%s", __func__);
		mbr.mbr_noutputs++;
		db_pathinfo_free(&dpi);
		store_temp_root_add(bj->bj_sid,
		    bj->bj_mb.mb_outputs[i].mbo_path);
	}
	if (rc == 0)
		msg_send_build_result(store_env.se_builder, bj->bj_sid, &mbr);
	msg_build_result_free(&mbr);
	return (rc);
}

/* Which outputs to take, and their temporary names. */
static int
bjob_prepare(struct bjob *bj, int *ntake)
{
	struct bout	*bo;
	const char	*errstr;
	size_t		 i;

	*ntake = 0;
	bjob_cands(bj);
	if ((bj->bj_outs = calloc(bj->bj_mb.mb_noutputs,
	    sizeof(*bj->bj_outs))) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < bj->bj_mb.mb_noutputs; i++) {
		bo = &bj->bj_outs[i];
		bo->bo_out = &bj->bj_mb.mb_outputs[i];
		bout_parse_fixed(bo);
		if ((bo->bo_valid = store_is_valid(bo->bo_out->mbo_path,
		    &errstr)) == -1)
			return (bjob_fail(bj, "%s", errstr));
		/* Checked or repaired: taken whether valid or not. */
		if (bj->bj_mb.mb_mode != WIRE_BUILD_NORMAL) {
			bo->bo_was_valid = bo->bo_valid;
			bo->bo_valid = 0;
		}
		if (!bo->bo_valid) {
			store_tmpname(bo->bo_tmp, sizeof(bo->bo_tmp),
			    "build");
			(*ntake)++;
		}
	}
	return (0);
}

static uint32_t
brep_index(struct bjob *bj, const char *path)
{
	size_t	i;

	for (i = 0; i < bj->bj_ncands; i++)
		if (strcmp(bj->bj_candpaths[i], path) == 0)
			return (i);
	fatalx("%s: a reference that is no candidate", __func__);
}

/* In the child: take every output, report, exit. */
static void __attribute__((noreturn))
bjob_child(struct bjob *bj, int fd)
{
	struct brep_head	 rh;
	struct brep_out		 ro;
	struct bout		*bo;
	size_t			 i, k;
	uint32_t		 idx;
	int			 rc = 0;

	/* No copy goes on for a storeproc that is gone. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	for (i = 0; rc == 0 && i < bj->bj_mb.mb_noutputs; i++)
		if (!bj->bj_outs[i].bo_valid)
			rc = bout_take(bj, &bj->bj_outs[i]);
	memset(&rh, 0, sizeof(rh));
	rh.brh_rc = rc;
	rh.brh_mismatch = bj->bj_mismatch;
	strlcpy(rh.brh_err, bj->bj_err, sizeof(rh.brh_err));
	if (write_all(fd, &rh, sizeof(rh)) == -1)
		_exit(1);
	for (i = 0; rc == 0 && i < bj->bj_mb.mb_noutputs; i++) {
		bo = &bj->bj_outs[i];
		if (bo->bo_valid)
			continue;
		memset(&ro, 0, sizeof(ro));
		strlcpy(ro.bro_narhash, bo->bo_narhash_str,
		    sizeof(ro.bro_narhash));
		strlcpy(ro.bro_ca, bo->bo_ca, sizeof(ro.bro_ca));
		ro.bro_narsize = bo->bo_narsize;
		ro.bro_nrefs = bo->bo_nrefs;
		if (write_all(fd, &ro, sizeof(ro)) == -1)
			_exit(1);
		for (k = 0; k < bo->bo_nrefs; k++) {
			idx = brep_index(bj, bo->bo_refs[k]);
			if (write_all(fd, &idx, sizeof(idx)) == -1)
				_exit(1);
		}
	}
	_exit(0);
}

/* The parent's side of one output of a report; -1 if malformed. */
static int
brep_parse_out(struct bjob *bj, struct bout *bo, size_t *off)
{
	struct brep_out	ro;
	uint32_t	idx;
	size_t		k;

	if (bj->bj_replen - *off < sizeof(ro))
		return (-1);
	memcpy(&ro, bj->bj_rep + *off, sizeof(ro));
	*off += sizeof(ro);
	if (ro.bro_nrefs > bj->bj_ncands || (bj->bj_replen - *off) /
	    sizeof(idx) < ro.bro_nrefs ||
	    memchr(ro.bro_narhash, '\0', sizeof(ro.bro_narhash)) == NULL ||
	    memchr(ro.bro_ca, '\0', sizeof(ro.bro_ca)) == NULL)
		return (-1);
	strlcpy(bo->bo_narhash_str, ro.bro_narhash,
	    sizeof(bo->bo_narhash_str));
	strlcpy(bo->bo_ca, ro.bro_ca, sizeof(bo->bo_ca));
	bo->bo_narsize = ro.bro_narsize;
	if ((bo->bo_refs = calloc(ro.bro_nrefs + 1,
	    sizeof(*bo->bo_refs))) == NULL)
		fatal("%s", __func__);
	for (k = 0; k < ro.bro_nrefs; k++) {
		memcpy(&idx, bj->bj_rep + *off, sizeof(idx));
		*off += sizeof(idx);
		if (idx >= bj->bj_ncands)
			return (-1);
		if ((bo->bo_refs[k] = strdup(bj->bj_candpaths[idx])) == NULL)
			fatal("%s", __func__);
		bo->bo_nrefs++;
	}
	return (0);
}

/* The report is complete: the child's results, or its error. */
static int
brep_parse(struct bjob *bj, int status)
{
	struct brep_head	rh;
	size_t			i, off = sizeof(rh);

	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    bj->bj_replen < sizeof(rh))
		return (bjob_fail(bj, "copying the outputs of '%s' failed",
		    bj->bj_mb.mb_drv));
	memcpy(&rh, bj->bj_rep, sizeof(rh));
	if (rh.brh_rc != 0) {
		rh.brh_err[sizeof(rh.brh_err) - 1] = '\0';
		bj->bj_mismatch = rh.brh_mismatch != 0;
		return (bjob_fail(bj, "%s", rh.brh_err));
	}
	for (i = 0; i < bj->bj_mb.mb_noutputs; i++)
		if (!bj->bj_outs[i].bo_valid &&
		    brep_parse_out(bj, &bj->bj_outs[i], &off) == -1)
			return (bjob_fail(bj, "bad report copying the "
			    "outputs of '%s'", bj->bj_mb.mb_drv));
	return (0);
}

/*
 * An output that became valid while the child copied (added by a
 * client meanwhile) stays as registered; our copy of it goes.
 */
static int
bjob_recheck(struct bjob *bj)
{
	struct bout	*bo;
	const char	*errstr;
	size_t		 i;
	int		 valid;

	if (bj->bj_mb.mb_mode == WIRE_BUILD_REPAIR)
		return (0);	/* valid or not, the new tree goes in */
	for (i = 0; i < bj->bj_mb.mb_noutputs; i++) {
		bo = &bj->bj_outs[i];
		if (bo->bo_valid)
			continue;
		if ((valid = store_is_valid(bo->bo_out->mbo_path,
		    &errstr)) == -1)
			return (bjob_fail(bj, "%s", errstr));
		bo->bo_valid = valid;
	}
	return (0);
}

/* The derivation's output checks, before anything is installed. */
static int
bjob_outchecks(struct bjob *bj)
{
	struct scheck_out	*outs;
	struct bout		*bo;
	size_t			 i;
	int			 rc;

	if (bj->bj_mb.mb_nchecks == 0)
		return (0);
	if ((outs = calloc(bj->bj_mb.mb_noutputs, sizeof(*outs))) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < bj->bj_mb.mb_noutputs; i++) {
		bo = &bj->bj_outs[i];
		outs[i].sco_name = bo->bo_out->mbo_name;
		outs[i].sco_path = bo->bo_out->mbo_path;
		outs[i].sco_new = !bo->bo_valid;
		outs[i].sco_narsize = bo->bo_narsize;
		outs[i].sco_refs = bo->bo_refs;
		outs[i].sco_nrefs = bo->bo_nrefs;
	}
	rc = store_check_outputs(outs, bj->bj_mb.mb_noutputs,
	    bj->bj_mb.mb_checks, bj->bj_mb.mb_nchecks, bj->bj_err,
	    sizeof(bj->bj_err));
	free(outs);
	return (rc);
}

/* Does the NAR hash bo got equal the one registered for its path? */
static int
bjob_same(struct bout *bo, int *same, const char **errstr)
{
	struct db_pathinfo	dpi;
	struct hash		want, got;
	int			rc;

	memset(&dpi, 0, sizeof(dpi));
	if ((rc = db_query_info(store_env.se_db, bo->bo_out->mbo_path, &dpi,
	    errstr)) != 1) {
		if (rc == 0)
			*errstr = "output is no longer valid";
		return (-1);
	}
	rc = 0;
	if (hash_parse(dpi.dpi_narhash, NULL, &want, errstr) == -1 ||
	    hash_parse(bo->bo_narhash_str, NULL, &got, errstr) == -1)
		rc = -1;
	else
		*same = want.h_algo == got.h_algo && want.h_len ==
		    got.h_len && memcmp(want.h_bytes, got.h_bytes,
		    got.h_len) == 0;
	db_pathinfo_free(&dpi);
	return (rc);
}

/*
 * Keep a differing output at <out>.check, as Nix does with
 * --keep-failed; whatever was there from an earlier check goes.
 */
static int
bjob_keep_check(struct bjob *bj, struct bout *bo, char *name, size_t len)
{
	const char	*errstr;

	if ((size_t)snprintf(name, len, "%s.check",
	    store_base(bo->bo_out->mbo_path)) >= len)
		return (bjob_fail(bj, "name too long"));
	if (nar_remove_tree(store_env.se_storefd, name, &errstr) == -1)
		return (bjob_fail(bj, "%s", errstr));
	if (renameat2(store_env.se_storefd, bo->bo_tmp, store_env.se_storefd,
	    name, RENAME_NOREPLACE) == -1)
		return (bjob_fail(bj, "renaming to '%s/%s': %s",
		    store_env.se_storedir, name, strerror(errno)));
	bo->bo_tmp[0] = '\0';
	return (0);
}

/* Built here again with the same result: as Nix, now ultimate. */
static int
bjob_mark_ultimate(struct bjob *bj, struct bout *bo)
{
	struct db_pathinfo	 dpi;
	const char		*errstr;
	int			 rc = 0;

	memset(&dpi, 0, sizeof(dpi));
	if (db_query_info(store_env.se_db, bo->bo_out->mbo_path, &dpi,
	    &errstr) != 1)
		return (0);	/* gone meanwhile: nothing to mark */
	if (!dpi.dpi_ultimate) {
		dpi.dpi_ultimate = 1;
		if (db_register(store_env.se_db, &dpi, 1, NULL, NULL,
		    &errstr) == -1)
			rc = bjob_fail(bj, "cannot update '%s': %s",
			    bo->bo_out->mbo_path, errstr);
	}
	db_pathinfo_free(&dpi);
	return (rc);
}

/*
 * Check mode: each rebuilt output against the valid one, nothing
 * installed or registered (Nix 2.8's registerOutputs in bmCheck).  An
 * output that was not valid is not compared, as in Nix.
 */
static int
bjob_check(struct bjob *bj)
{
	struct bout	*bo;
	const char	*errstr;
	char		 name[NAME_MAX + 1];
	size_t		 i;
	int		 same;

	for (i = 0; i < bj->bj_mb.mb_noutputs; i++) {
		bo = &bj->bj_outs[i];
		if (!bo->bo_was_valid)
			continue;
		if (bjob_same(bo, &same, &errstr) == -1)
			return (bjob_fail(bj, "checking '%s': %s",
			    bo->bo_out->mbo_path, errstr));
		if (same)
			continue;
		bj->bj_not_det = 1;
		if (!bj->bj_mb.mb_keep_failed)
			return (bjob_fail(bj, "derivation '" HL("%s") "' may "
			    "not be deterministic: output '" HL("%s") "' "
			    "differs", bj->bj_mb.mb_drv, bo->bo_out->mbo_path));
		if (bjob_keep_check(bj, bo, name, sizeof(name)) == -1)
			return (-1);
		return (bjob_fail(bj, "derivation '" HL("%s") "' may not be "
		    "deterministic: output '" HL("%s") "' differs from '"
		    HL("%s/%s") "'", bj->bj_mb.mb_drv, bo->bo_out->mbo_path,
		    store_env.se_storedir, name));
	}
	for (i = 0; i < bj->bj_mb.mb_noutputs; i++)
		if (bj->bj_outs[i].bo_was_valid &&
		    bjob_mark_ultimate(bj, &bj->bj_outs[i]) == -1)
			return (-1);
	/* As in Nix, a check that passed leaves no <out>.check behind. */
	for (i = 0; i < bj->bj_mb.mb_noutputs; i++) {
		bo = &bj->bj_outs[i];
		if ((size_t)snprintf(name, sizeof(name), "%s.check",
		    store_base(bo->bo_out->mbo_path)) < sizeof(name) &&
		    nar_remove_tree(store_env.se_storefd, name, &errstr) == -1)
			log_warnx("%s", errstr);
	}
	return (0);
}

/*
 * Output checks, install, register and answer, or answer the error;
 * then free.
 */
static void
bjob_finish(struct bjob *bj, int rc)
{
	struct msg_build_result	mbr;

	if (rc == 0 && bj->bj_mb.mb_mode == WIRE_BUILD_CHECK) {
		if (bjob_check(bj) == -1 || bjob_reply(bj) == -1)
			rc = -1;
	} else if (rc == 0)
		rc = bjob_recheck(bj);
	/* As in Nix 2.8, --check compares outputs and checks nothing else. */
	if (rc == 0 && bj->bj_mb.mb_mode != WIRE_BUILD_CHECK)
		rc = bjob_outchecks(bj);
	if (rc == 0 && bj->bj_mb.mb_mode != WIRE_BUILD_CHECK &&
	    (bjob_install(bj) == -1 || bjob_register(bj) == -1 ||
	    bjob_reply(bj) == -1))
		rc = -1;
	if (rc == -1) {
		memset(&mbr, 0, sizeof(mbr));
		mbr.mbr_error = bj->bj_err;
		mbr.mbr_hash_mismatch = bj->bj_mismatch;
		mbr.mbr_not_det = bj->bj_not_det;
		log_debug("session %u: %s", bj->bj_sid, bj->bj_err);
		msg_send_build_result(store_env.se_builder, bj->bj_sid, &mbr);
	}
	bjob_free(bj);
	free(bj->bj_rep);
	free(bj);
}

static void
bjob_read(int fd, short event, void *arg)
{
	struct bjob	*bj = arg;
	ssize_t		 n;
	int		 status, rc;

	(void)event;
	if ((bj->bj_rep = realloc(bj->bj_rep, bj->bj_replen +
	    NAR_BUFSIZE)) == NULL)
		fatal("%s", __func__);
	n = read(fd, bj->bj_rep + bj->bj_replen, NAR_BUFSIZE);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0 && bj->bj_replen + n <= BREP_MAX) {
		bj->bj_replen += n;
		return;
	}
	/* The end of the report, or garbage: the child is done. */
	event_del(&bj->bj_ev);
	close(fd);
	bj->bj_repfd = -1;
	if (n != 0)
		kill(bj->bj_pid, SIGKILL);
	while (waitpid(bj->bj_pid, &status, 0) == -1)
		if (errno != EINTR)
			fatal("waitpid");
	TAILQ_REMOVE(&bjobs, bj, bj_entry);
	if (n == 0)
		rc = brep_parse(bj, status);
	else
		rc = bjob_fail(bj, "bad report copying the outputs of '%s'",
		    bj->bj_mb.mb_drv);
	bjob_finish(bj, rc);
}

/* Fork the child that takes the outputs; its report comes later. */
static int
bjob_spawn(struct bjob *bj)
{
	int	p[2];

	if (pipe2(p, O_CLOEXEC) == -1)
		return (bjob_fail(bj, "cannot copy the outputs: pipe: %s",
		    strerror(errno)));
	if ((bj->bj_pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return (bjob_fail(bj, "cannot copy the outputs: fork: %s",
		    strerror(errno)));
	}
	if (bj->bj_pid == 0) {
		close(p[0]);
		bjob_child(bj, p[1]);
	}
	close(p[1]);
	if (fcntl(p[0], F_SETFL, O_NONBLOCK) == -1)
		fatal("%s: fcntl", __func__);
	bj->bj_repfd = p[0];
	event_set(&bj->bj_ev, p[0], EV_READ | EV_PERSIST, bjob_read, bj);
	if (event_add(&bj->bj_ev, NULL) == -1)
		fatal("%s: event_add", __func__);
	TAILQ_INSERT_TAIL(&bjobs, bj, bj_entry);
	return (0);
}

/*
 * BUILD_OUTPUTS.  Any failure leaves nothing registered and no copy
 * behind: temporary trees and outputs already renamed into place are
 * removed by bjob_free.
 */
void
store_handle_build_outputs(struct imsg *imsg)
{
	struct bjob	*bj;
	const char	*errstr;
	int		 ntake;

	if ((bj = calloc(1, sizeof(*bj))) == NULL)
		fatal("%s", __func__);
	bj->bj_sid = imsg_get_peerid(imsg);
	bj->bj_repfd = -1;
	if (msg_recv_build_outputs(imsg, store_env.se_storedir, &bj->bj_mb,
	    &bj->bj_rootfd, &errstr) == -1) {
		store_bad_request(imsg, errstr);
		free(bj);
		return;
	}
	log_debug("session %u: outputs of %s (build %llu)", bj->bj_sid,
	    bj->bj_mb.mb_drv, (unsigned long long)bj->bj_mb.mb_id);
	if (bjob_prepare(bj, &ntake) == -1)
		bjob_finish(bj, -1);
	else if (ntake == 0)
		bjob_finish(bj, 0);
	else if (bjob_spawn(bj) == -1)
		bjob_finish(bj, -1);
}
