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
 * Garbage collector roots and the collector itself, after Nix 2.8's
 * gc.cc: temporary roots per session (in memory: a session's roots die
 * with it), indirect roots as gcroots/auto/<b32(sha1(link))> symlinks,
 * root discovery under gcroots/ and profiles/ in the state dir, and
 * CollectGarbage's four actions with keep-derivations on and
 * keep-outputs off, Nix's defaults.
 *
 * storeproc cannot see the user's links (its view holds only the store
 * and state dirs), so a scan that meets a symlink leading outside the
 * store asks the parent (CTL_READLINKS) and finishes when the answer
 * comes.  The parent answers in order, so the scans wait in a queue.
 * Runtime roots (open files of running processes) are not looked for.
 */
#include <sys/queue.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "log.h"
#include "nar.h"
#include "storepath.h"
#include "storeproc.h"
#include "store_db.h"

#define GC_SCAN_DEPTH	64		/* directories under gcroots/ */
#define GC_ASK_MAX	(1 << 20)	/* links one scan asks about */
/* Links per CTL_READLINKS: link and target both fit MSG_STORE_MAXSIZE. */
#define GC_ASK_BATCH	1000

/* The temporary roots of one session. */
struct gc_session {
	RB_ENTRY(gc_session)	 gs_entry;
	uint32_t		 gs_sid;
	struct pathset		 gs_roots;
};
RB_HEAD(gc_sessions, gc_session);

int	gc_session_cmp(struct gc_session *, struct gc_session *);
RB_PROTOTYPE(gc_sessions, gc_session, gs_entry, gc_session_cmp)
RB_GENERATE(gc_sessions, gc_session, gs_entry, gc_session_cmp)

int
gc_session_cmp(struct gc_session *a, struct gc_session *b)
{
	return (a->gs_sid < b->gs_sid ? -1 : a->gs_sid > b->gs_sid);
}

/* A FIND_ROOTS or GC waiting for its roots. */
struct root_scan {
	TAILQ_ENTRY(root_scan)	 rs_entry;
	uint32_t		 rs_sid;
	int			 rs_gc;
	struct msg_gc		 rs_req;
	struct msg_root		*rs_roots;
	size_t			 rs_nroots;
	size_t			 rs_rootcap;
	char			**rs_ask;	/* absolute links */
	char			**rs_from;	/* its gcroots entry */
	size_t			 rs_nask;
	size_t			 rs_askcap;
	size_t			 rs_answered;	/* asks the parent answered */
};

/* One collection, once its roots are known. */
struct gc_run {
	uint32_t		 gr_sid;
	struct msg_gc		*gr_req;
	struct pathset		 gr_live;
	struct pathset		 gr_done;	/* deleted, or found dead */
	struct pathset		 gr_result;
	struct pathset		 gr_wanted;	/* delete-specific paths */
	uint64_t		 gr_bytes;
	int			 gr_stop;	/* maxFreed reached */
	char			 gr_err[1024];
};

static struct gc_sessions	gc_sessions = RB_INITIALIZER(&gc_sessions);
static TAILQ_HEAD(, root_scan)	root_scans =
    TAILQ_HEAD_INITIALIZER(root_scans);

static void	scan_finish(struct root_scan *);
static void	gc_collect(struct root_scan *);

/* A queue of strings, for the walks that must not recurse. */
struct strq {
	char	**sq_v;
	size_t	  sq_n;
	size_t	  sq_cap;
};

static void
strq_push(struct strq *sq, const char *s)
{
	if (sq->sq_n == sq->sq_cap) {
		sq->sq_cap = sq->sq_cap * 2 + 16;
		if ((sq->sq_v = reallocarray(sq->sq_v, sq->sq_cap,
		    sizeof(*sq->sq_v))) == NULL)
			fatal("%s", __func__);
	}
	if ((sq->sq_v[sq->sq_n++] = strdup(s)) == NULL)
		fatal("%s", __func__);
}

static void
strq_free(struct strq *sq)
{
	wire_strings_free(sq->sq_v, sq->sq_n);
	memset(sq, 0, sizeof(*sq));
}

static void
gc_enqueue(struct pathset *seen, struct strq *todo, const char *path)
{
	if (pathset_add(seen, path))
		strq_push(todo, path);
}

/*
 * Temporary roots.
 */
int
store_temp_root_add(uint32_t sid, const char *path)
{
	struct gc_session	key, *gs;

	key.gs_sid = sid;
	if ((gs = RB_FIND(gc_sessions, &gc_sessions, &key)) == NULL) {
		if ((gs = calloc(1, sizeof(*gs))) == NULL)
			fatal("%s", __func__);
		gs->gs_sid = sid;
		pathset_init(&gs->gs_roots);
		RB_INSERT(gc_sessions, &gc_sessions, gs);
	}
	pathset_add(&gs->gs_roots, path);
	return (0);
}

void
store_handle_temp_root(struct imsg *imsg)
{
	char	*path;

	if ((path = store_recv_path(imsg)) == NULL)
		return;
	store_temp_root_add(imsg_get_peerid(imsg), path);
	store_reply_ok(imsg_get_peerid(imsg));
	free(path);
}

/* TEMP_ROOTS: roots for a session, handed over by builderproc. */
void
store_handle_temp_roots(struct imsg *imsg)
{
	char		**paths;
	size_t		  npaths, i;
	const char	 *errstr;

	if (msg_recv_paths(imsg, store_env.se_storedir, 0, &paths, &npaths,
	    &errstr) == -1) {
		log_warnx("bad TEMP_ROOTS from builderproc: %s", errstr);
		return;
	}
	for (i = 0; i < npaths; i++)
		store_temp_root_add(imsg_get_peerid(imsg), paths[i]);
	wire_strings_free(paths, npaths);
}

void
store_handle_session_end(struct imsg *imsg)
{
	struct gc_session	 key, *gs;
	const char		*errstr;

	if (msg_recv_empty(imsg, &errstr) == -1) {
		log_warnx("bad SESSION_END from builderproc: %s", errstr);
		return;
	}
	key.gs_sid = imsg_get_peerid(imsg);
	store_add_abort_session(key.gs_sid);
	if ((gs = RB_FIND(gc_sessions, &gc_sessions, &key)) == NULL)
		return;
	RB_REMOVE(gc_sessions, &gc_sessions, gs);
	pathset_clear(&gs->gs_roots);
	free(gs);
}

/*
 * Indirect roots.
 */

/* Nix's canonPath without symlinks: no "//", ".", ".." or end '/'. */
static int
gc_canon_string(const char *in, char *out, size_t outsz)
{
	const char	*p = in, *end;
	size_t		 len = 0, n;

	if (*in != '/' || outsz < 2)
		return (-1);
	while (*p != '\0') {
		while (*p == '/')
			p++;
		if ((end = strchr(p, '/')) == NULL)
			end = p + strlen(p);
		n = end - p;
		if (n == 0 || (n == 1 && p[0] == '.'))
			;
		else if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (len > 0 && out[--len] != '/')
				;
		} else {
			if (len + 1 + n + 1 > outsz)
				return (-1);
			out[len++] = '/';
			memcpy(out + len, p, n);
			len += n;
		}
		p = end;
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return (0);
}

/*
 * mkdir -p below the state dir.  An administrator may have made
 * gcroots/ as root (Nix's daemon is root, so its users do): the state
 * dir is the store user's, so storeproc takes such a directory over
 * (CAP_CHOWN) to be able to write into it.
 */
static int
gc_mkdirs(const char *rel)
{
	struct stat	st;
	char		buf[PATH_MAX], *p;

	if (strlcpy(buf, rel, sizeof(buf)) >= sizeof(buf))
		return (-1);
	for (p = buf; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		*p = '\0';
		if (mkdirat(store_env.se_statefd, buf, 0755) == -1) {
			if (errno != EEXIST || fstatat(store_env.se_statefd,
			    buf, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
			    !S_ISDIR(st.st_mode))
				return (-1);
			if (st.st_uid != store_env.se_uid) {
				log_info("taking over %s/%s",
				    store_env.se_statedir, buf);
				if (fchownat(store_env.se_statefd, buf,
				    store_env.se_uid, store_env.se_gid,
				    AT_SYMLINK_NOFOLLOW) == -1)
					return (-1);
			}
		}
		if (p[0] == '\0' && rel[p - buf] == '\0')
			return (0);
		*p = '/';
	}
}

void
store_handle_indirect_root(struct imsg *imsg)
{
	struct hash	 h;
	const char	*errstr;
	char		*link, canon[MSG_LINKPATH_MAX + 2], b32[64];
	char		 rel[128], tmp[192];
	uint32_t	 sid = imsg_get_peerid(imsg);

	if (msg_recv_text(imsg, MSG_LINKPATH_MAX, &link, &errstr) == -1) {
		store_bad_request(imsg, errstr);
		return;
	}
	if (gc_canon_string(link, canon, sizeof(canon)) == -1) {
		store_reply_error(sid, "invalid indirect root '%s'", link);
		free(link);
		return;
	}
	free(link);
	hash_buf(HASH_SHA1, canon, strlen(canon), &h);
	base32_encode(h.h_bytes, h.h_len, b32, sizeof(b32));
	snprintf(rel, sizeof(rel), "gcroots/auto/%s", b32);
	snprintf(tmp, sizeof(tmp), "%s.tmp-%ld-%u", rel, (long)getpid(),
	    ++store_env.se_serial);
	if (gc_mkdirs("gcroots/auto") == -1 ||
	    symlinkat(canon, store_env.se_statefd, tmp) == -1 ||
	    renameat(store_env.se_statefd, tmp, store_env.se_statefd,
	    rel) == -1) {
		store_reply_error(sid, "cannot create root '%s/%s': %s",
		    store_env.se_statedir, rel, strerror(errno));
		unlinkat(store_env.se_statefd, tmp, 0);
		return;
	}
	store_reply_ok(sid);
}

/*
 * Root discovery.
 */
static void
scan_add_root(struct root_scan *rs, const char *link, const char *target)
{
	if (rs->rs_nroots == rs->rs_rootcap) {
		rs->rs_rootcap = rs->rs_rootcap * 2 + 16;
		if ((rs->rs_roots = reallocarray(rs->rs_roots,
		    rs->rs_rootcap, sizeof(*rs->rs_roots))) == NULL)
			fatal("%s", __func__);
	}
	if ((rs->rs_roots[rs->rs_nroots].mr_link = strdup(link)) == NULL ||
	    (rs->rs_roots[rs->rs_nroots].mr_target = strdup(target)) == NULL)
		fatal("%s", __func__);
	rs->rs_nroots++;
}

/* Nix's foundRoot: the store path a target lies in, if valid. */
static void
scan_found(struct root_scan *rs, const char *link, const char *target)
{
	const char	*errstr;
	char		 path[STOREPATH_MAX];
	size_t		 dirlen = strlen(store_env.se_storedir);
	int		 rc;

	if (strlcpy(path, target, sizeof(path)) >= sizeof(path))
		return;
	if (strchr(path + dirlen + 1, '/') != NULL)
		*strchr(path + dirlen + 1, '/') = '\0';
	if (storepath_parse(store_env.se_storedir, path, NULL, NULL,
	    NULL) == -1)
		return;
	if ((rc = store_is_valid(path, &errstr)) == 1)
		scan_add_root(rs, link, path);
	else if (rc == 0)
		store_log(rs->rs_sid, "skipping invalid root from '%s' to "
		    "'%s'", link, target);
	else
		log_warnx("database: %s", errstr);
}

static int
scan_in_store(const char *target)
{
	size_t	len = strlen(store_env.se_storedir);

	return (strncmp(target, store_env.se_storedir, len) == 0 &&
	    target[len] == '/' && target[len + 1] != '\0');
}

/* A link out of the store: its target's own target, from the parent. */
static void
scan_ask(struct root_scan *rs, const char *rel, const char *link,
    const char *target)
{
	char	 dir[PATH_MAX], abs[PATH_MAX], canon[PATH_MAX];

	if (target[0] == '/')
		strlcpy(abs, target, sizeof(abs));
	else {
		strlcpy(dir, link, sizeof(dir));
		*strrchr(dir, '/') = '\0';
		if ((size_t)snprintf(abs, sizeof(abs), "%s/%s", dir,
		    target) >= sizeof(abs))
			return;
	}
	if (gc_canon_string(abs, canon, sizeof(canon)) == -1 ||
	    strlen(canon) > MSG_LINKPATH_MAX || rs->rs_nask >= GC_ASK_MAX)
		return;
	if (rs->rs_nask == rs->rs_askcap) {
		rs->rs_askcap = rs->rs_askcap * 2 + 16;
		if ((rs->rs_ask = reallocarray(rs->rs_ask, rs->rs_askcap,
		    sizeof(*rs->rs_ask))) == NULL ||
		    (rs->rs_from = reallocarray(rs->rs_from, rs->rs_askcap,
		    sizeof(*rs->rs_from))) == NULL)
			fatal("%s", __func__);
	}
	if ((rs->rs_ask[rs->rs_nask] = strdup(canon)) == NULL ||
	    (rs->rs_from[rs->rs_nask] = strdup(rel)) == NULL)
		fatal("%s", __func__);
	rs->rs_nask++;
}

static void	scan_dir(struct root_scan *, const char *, int);

/* One entry below the state dir; rel is its state-relative name. */
static void
scan_entry(struct root_scan *rs, const char *rel, int depth)
{
	struct stat	 st;
	char		 link[PATH_MAX], target[PATH_MAX], path[STOREPATH_MAX];
	const char	*base;
	ssize_t		 n;

	if (fstatat(store_env.se_statefd, rel, &st,
	    AT_SYMLINK_NOFOLLOW) == -1)
		return;
	if ((size_t)snprintf(link, sizeof(link), "%s/%s",
	    store_env.se_statedir, rel) >= sizeof(link))
		return;
	if (S_ISDIR(st.st_mode))
		scan_dir(rs, rel, depth + 1);
	else if (S_ISLNK(st.st_mode)) {
		if ((n = readlinkat(store_env.se_statefd, rel, target,
		    sizeof(target) - 1)) <= 0)
			return;
		target[n] = '\0';
		if (scan_in_store(target))
			scan_found(rs, link, target);
		else
			scan_ask(rs, rel, link, target);
	} else if (S_ISREG(st.st_mode)) {
		base = strrchr(rel, '/') != NULL ? strrchr(rel, '/') + 1 : rel;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s",
		    store_env.se_storedir, base) < sizeof(path) &&
		    storepath_parse(store_env.se_storedir, path, NULL, NULL,
		    NULL) == 0 && store_is_valid(path, &base) == 1)
			scan_add_root(rs, link, path);
	}
}

static void
scan_dir(struct root_scan *rs, const char *rel, int depth)
{
	DIR		*dir;
	struct dirent	*de;
	char		 sub[PATH_MAX];
	int		 fd;

	if (depth > GC_SCAN_DEPTH)
		return;
	if ((fd = openat(store_env.se_statefd, rel, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		return;
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", rel,
		    de->d_name) >= sizeof(sub))
			continue;
		scan_entry(rs, sub, depth);
	}
	closedir(dir);
}

static void
scan_free(struct root_scan *rs)
{
	msg_roots_free(rs->rs_roots, rs->rs_nroots);
	wire_strings_free(rs->rs_ask, rs->rs_nask);
	wire_strings_free(rs->rs_from, rs->rs_nask);
	if (rs->rs_gc)
		msg_gc_free(&rs->rs_req);
	free(rs);
}

/* Look for roots; finish now, or once the parent has answered. */
static void
scan_start(struct root_scan *rs, int lookup)
{
	size_t	off, n;

	if (lookup) {
		scan_dir(rs, "gcroots", 0);
		scan_dir(rs, "profiles", 0);
	}
	if (rs->rs_nask == 0) {
		scan_finish(rs);
		return;
	}
	TAILQ_INSERT_TAIL(&root_scans, rs, rs_entry);
	for (off = 0; off < rs->rs_nask; off += n) {
		n = rs->rs_nask - off < GC_ASK_BATCH ? rs->rs_nask - off :
		    GC_ASK_BATCH;
		if (msg_send_readlinks(store_env.se_parent, rs->rs_ask + off,
		    n) == -1)
			fatalx("cannot ask the parent about root links");
	}
}

static int
scan_is_auto(const char *rel)
{
	return (strncmp(rel, "gcroots/auto/", 13) == 0);
}

/*
 * The parent could not answer a batch (msg_ctl.h: a reply too large
 * comes back as STORE_ERROR).  Those links count as unknown: no root,
 * and no stale link removed on a guess.
 */
void
store_handle_readlinks_error(struct imsg *imsg)
{
	struct root_scan	*rs;
	const char		*errstr;
	char			*text;
	size_t			 want;

	if (msg_recv_readlinks_error(imsg, &text, &errstr) == -1)
		fatalx("bad STORE_ERROR from parent: %s", errstr);
	if ((rs = TAILQ_FIRST(&root_scans)) == NULL)
		fatalx("STORE_ERROR from parent without a question");
	log_warnx("parent could not look up %zu root links: %s",
	    rs->rs_nask - rs->rs_answered, text);
	free(text);
	want = rs->rs_nask - rs->rs_answered;
	rs->rs_answered += want > GC_ASK_BATCH ? GC_ASK_BATCH : want;
	if (rs->rs_answered < rs->rs_nask)
		return;
	TAILQ_REMOVE(&root_scans, rs, rs_entry);
	scan_finish(rs);
}

/* One batch of answers, for the scan at the head of the queue. */
void
store_handle_readlinks_reply(struct imsg *imsg)
{
	struct root_scan	*rs;
	struct msg_readlink	*mrl;
	const char		*errstr;
	size_t			 n, i, want, k;

	if ((rs = TAILQ_FIRST(&root_scans)) == NULL)
		fatalx("CTL_READLINKS_REPLY without a question");
	want = rs->rs_nask - rs->rs_answered;
	if (want > GC_ASK_BATCH)
		want = GC_ASK_BATCH;
	if (msg_recv_readlinks_reply(imsg, &mrl, &n, &errstr) == -1)
		fatalx("bad CTL_READLINKS_REPLY from parent: %s", errstr);
	if (n != want)
		fatalx("bad CTL_READLINKS_REPLY from parent: %zu answers "
		    "for %zu links", n, want);
	for (i = 0; i < n; i++) {
		k = rs->rs_answered + i;
		if (mrl[i].mrl_target != NULL) {
			if (scan_in_store(mrl[i].mrl_target))
				scan_found(rs, rs->rs_ask[k],
				    mrl[i].mrl_target);
			continue;
		}
		if (!scan_is_auto(rs->rs_from[k]))
			continue;
		store_log(rs->rs_sid, "removing stale link from '%s/%s' to "
		    "'%s'", store_env.se_statedir, rs->rs_from[k],
		    rs->rs_ask[k]);
		if (unlinkat(store_env.se_statefd, rs->rs_from[k], 0) == -1)
			log_warn("unlink %s", rs->rs_from[k]);
	}
	msg_readlinks_free(mrl, n);
	rs->rs_answered += n;
	if (rs->rs_answered < rs->rs_nask)
		return;
	TAILQ_REMOVE(&root_scans, rs, rs_entry);
	scan_finish(rs);
}

static int
gc_root_cmp(const void *a, const void *b)
{
	const struct msg_root	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->mr_target, y->mr_target)) != 0)
		return (c);
	return (strcmp(x->mr_link, y->mr_link));
}

/* FindRoots: the roots found, then the temporary ones. */
static void
roots_reply(struct root_scan *rs)
{
	struct gc_session	*gs;
	struct pathset_node	*pn;
	char			 label[32];
	size_t			 i, n = 0;

	RB_FOREACH(gs, gc_sessions, &gc_sessions) {
		snprintf(label, sizeof(label), "{temp:%u}", gs->gs_sid);
		RB_FOREACH(pn, pathset, &gs->gs_roots)
			scan_add_root(rs, label, pn->pn_path);
	}
	qsort(rs->rs_roots, rs->rs_nroots, sizeof(*rs->rs_roots),
	    gc_root_cmp);
	/* A root found twice is one root, as in Nix's map of sets. */
	for (i = 0; i < rs->rs_nroots; i++) {
		if (n > 0 && gc_root_cmp(&rs->rs_roots[n - 1],
		    &rs->rs_roots[i]) == 0) {
			free(rs->rs_roots[i].mr_link);
			free(rs->rs_roots[i].mr_target);
			continue;
		}
		rs->rs_roots[n++] = rs->rs_roots[i];
	}
	rs->rs_nroots = n;
	if (n > MSG_PATHS_MAX)
		store_reply_error(rs->rs_sid, "too many roots for one reply");
	else
		msg_send_roots(store_env.se_builder, rs->rs_sid, rs->rs_roots,
		    n);
}

static void
scan_finish(struct root_scan *rs)
{
	if (rs->rs_gc)
		gc_collect(rs);
	else
		roots_reply(rs);
	scan_free(rs);
}

void
store_handle_find_roots(struct imsg *imsg)
{
	struct root_scan	*rs;
	const char		*errstr;

	if (msg_recv_empty(imsg, &errstr) == -1) {
		store_bad_request(imsg, errstr);
		return;
	}
	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		fatal("%s", __func__);
	rs->rs_sid = imsg_get_peerid(imsg);
	scan_start(rs, 1);
}

void
store_handle_gc(struct imsg *imsg)
{
	struct root_scan	*rs;
	struct msg_gc		 mg;
	const char		*errstr;

	if (msg_recv_gc(imsg, store_env.se_storedir, &mg, &errstr) == -1) {
		store_bad_request(imsg, errstr);
		return;
	}
	if (mg.mg_action > 3) {
		store_reply_error(imsg_get_peerid(imsg),
		    "invalid garbage collector action %llu",
		    (unsigned long long)mg.mg_action);
		msg_gc_free(&mg);
		return;
	}
	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		fatal("%s", __func__);
	rs->rs_sid = imsg_get_peerid(imsg);
	rs->rs_gc = 1;
	rs->rs_req = mg;
	store_log(rs->rs_sid, "finding garbage collector roots...");
	scan_start(rs, !mg.mg_ignore_liveness);
}

/*
 * The collector.
 */
static int
gc_fail(struct gc_run *gr, const char *fmt, ...)
    __attribute__((__format__(printf, 2, 3)));

static int
gc_fail(struct gc_run *gr, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(gr->gr_err, sizeof(gr->gr_err), fmt, ap);
	va_end(ap);
	return (-1);
}

/*
 * Everything reachable from the roots and temporary roots through
 * references and, as keep-derivations says, valid derivers.
 */
static int
gc_mark_live(struct gc_run *gr, struct root_scan *rs)
{
	struct gc_session	*gs;
	struct pathset_node	*pn;
	struct db_pathinfo	 dpi;
	struct strq		 todo;
	const char		*errstr;
	char			*p;
	size_t			 i;
	int			 rc = 0;

	memset(&todo, 0, sizeof(todo));
	for (i = 0; i < rs->rs_nroots; i++)
		gc_enqueue(&gr->gr_live, &todo, rs->rs_roots[i].mr_target);
	RB_FOREACH(gs, gc_sessions, &gc_sessions)
		RB_FOREACH(pn, pathset, &gs->gs_roots)
			gc_enqueue(&gr->gr_live, &todo, pn->pn_path);
	while (rc != -1 && todo.sq_n > 0) {
		p = todo.sq_v[--todo.sq_n];
		memset(&dpi, 0, sizeof(dpi));
		if ((rc = db_query_info(store_env.se_db, p, &dpi,
		    &errstr)) == 1) {
			for (i = 0; i < dpi.dpi_nrefs; i++)
				gc_enqueue(&gr->gr_live, &todo,
				    dpi.dpi_refs[i]);
			if (dpi.dpi_deriver != NULL && store_is_valid(
			    dpi.dpi_deriver, &errstr) == 1)
				gc_enqueue(&gr->gr_live, &todo,
				    dpi.dpi_deriver);
			db_pathinfo_free(&dpi);
		}
		free(p);
	}
	strq_free(&todo);
	return (rc == -1 ? gc_fail(gr, "%s", errstr) : 0);
}

/* What deleting a tree frees, as Nix counts it: files of 1-2 links. */
static uint64_t
gc_tree_size(int dirfd, const char *name, int depth)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*dir;
	uint64_t	 sum = 0;
	int		 fd;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return (0);
	if (!S_ISDIR(st.st_mode))
		return (st.st_nlink <= 2 ? (uint64_t)st.st_size : 0);
	if (depth > NAR_DEPTH_MAX || (fd = openat(dirfd, name, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return (0);
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return (0);
	}
	while ((de = readdir(dir)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			sum += gc_tree_size(fd, de->d_name, depth + 1);
	closedir(dir);
	return (sum);
}

/* Invalidate and remove one path (or junk entry) of the store dir. */
static int
gc_delete_one(struct gc_run *gr, const char *path)
{
	const char	*errstr, *base = store_base(path);
	int		 valid;

	store_log(gr->gr_sid, "deleting '%s'", path);
	pathset_add(&gr->gr_result, path);
	pathset_add(&gr->gr_done, path);
	if ((valid = store_is_valid(path, &errstr)) == -1 || (valid == 1 &&
	    db_invalidate(store_env.se_db, path, &errstr) == -1))
		return (gc_fail(gr, "%s", errstr));
	gr->gr_bytes += gc_tree_size(store_env.se_storefd, base, 0);
	if (nar_remove_tree(store_env.se_storefd, base, &errstr) == -1)
		return (gc_fail(gr, "%s", errstr));
	if (gr->gr_bytes > gr->gr_req->mg_max_freed) {
		store_log(gr->gr_sid, "deleted more than %llu bytes; stopping",
		    (unsigned long long)gr->gr_req->mg_max_freed);
		gr->gr_stop = 1;
	}
	return (0);
}

/* The first referrer of path not yet deleted, or NULL. */
static int
gc_next_referrer(struct gc_run *gr, const char *path, char **out)
{
	const char	*errstr;
	char		**refs;
	size_t		 nrefs, i;

	*out = NULL;
	if (db_query_referrers(store_env.se_db, path, &refs, &nrefs,
	    &errstr) == -1)
		return (gc_fail(gr, "%s", errstr));
	for (i = 0; i < nrefs && *out == NULL; i++)
		if (strcmp(refs[i], path) != 0 &&
		    !pathset_has(&gr->gr_done, refs[i]) &&
		    (*out = strdup(refs[i])) == NULL)
			fatal("%s", __func__);
	db_strings_free(refs, nrefs);
	return (0);
}

/*
 * Delete a dead path after every path that refers to it, as the
 * database's references demand.  Its referrers are dead too: a live
 * referrer would have made it live.
 */
static int
gc_delete_closure(struct gc_run *gr, const char *start)
{
	struct pathset	 stack;
	char		**todo = NULL, *ref;
	size_t		 ntodo = 0, cap = 0;
	int		 rc = 0;

	pathset_init(&stack);
	if ((todo = calloc(cap = 16, sizeof(*todo))) == NULL ||
	    (todo[ntodo++] = strdup(start)) == NULL)
		fatal("%s", __func__);
	pathset_add(&stack, start);
	while (rc == 0 && ntodo > 0 && !gr->gr_stop) {
		if ((rc = gc_next_referrer(gr, todo[ntodo - 1], &ref)) == -1)
			break;
		if (ref == NULL) {
			ntodo--;
			rc = gc_delete_one(gr, todo[ntodo]);
			free(todo[ntodo]);
			continue;
		}
		if (pathset_has(&gr->gr_live, ref) ||
		    !pathset_add(&stack, ref)) {
			rc = gc_fail(gr, "cannot delete '%s': it is still "
			    "referenced by '%s'", todo[ntodo - 1], ref);
			free(ref);
			break;
		}
		if (ntodo == cap && (todo = reallocarray(todo, cap *= 2,
		    sizeof(*todo))) == NULL)
			fatal("%s", __func__);
		todo[ntodo++] = ref;
	}
	while (ntodo > 0)
		free(todo[--ntodo]);
	free(todo);
	pathset_clear(&stack);
	return (rc);
}

/* The paths that make path live if they are: referrers, and outputs. */
static int
gc_specific_edges(struct gc_run *gr, const char *path, struct pathset *seen,
    struct strq *todo)
{
	struct db_pathinfo	 dpi;
	struct db_drv_output	*outs;
	const char		*errstr;
	char			**refs;
	size_t			 n, i;

	if (db_query_referrers(store_env.se_db, path, &refs, &n,
	    &errstr) == -1)
		return (gc_fail(gr, "%s", errstr));
	for (i = 0; i < n; i++)
		gc_enqueue(seen, todo, refs[i]);
	db_strings_free(refs, n);
	if (strlen(path) < 4 || strcmp(path + strlen(path) - 4, ".drv") != 0)
		return (0);
	if (db_query_drv_outputs(store_env.se_db, path, &outs, &n,
	    &errstr) == -1)
		return (gc_fail(gr, "%s", errstr));
	for (i = 0; i < n; i++) {
		memset(&dpi, 0, sizeof(dpi));
		if (db_query_info(store_env.se_db, outs[i].ddo_path, &dpi,
		    &errstr) != 1)
			continue;
		if (dpi.dpi_deriver != NULL &&
		    strcmp(dpi.dpi_deriver, path) == 0)
			gc_enqueue(seen, todo, outs[i].ddo_path);
		db_pathinfo_free(&dpi);
	}
	db_drv_outputs_free(outs, n);
	return (0);
}

/*
 * Nix's rule for deleting a path on request: every path that would
 * keep it alive (referrers, and a .drv's outputs under
 * keep-derivations) must be dead and on the list as well; then all of
 * them go, referrers first.
 */
static int
gc_delete_specific(struct gc_run *gr, const char *start)
{
	struct pathset		 seen;
	struct pathset_node	*pn;
	struct strq		 todo;
	const char		*errstr;
	size_t			 next = 0;
	int			 rc = 0, valid;

	memset(&todo, 0, sizeof(todo));
	pathset_init(&seen);
	gc_enqueue(&seen, &todo, start);
	for (next = 0; rc == 0 && next < todo.sq_n; next++) {
		const char	*p = todo.sq_v[next];

		if (pathset_has(&gr->gr_done, p))
			continue;
		if (pathset_has(&gr->gr_live, p) ||
		    !pathset_has(&gr->gr_wanted, p))
			rc = gc_fail(gr, "Cannot delete path '%s' since it is "
			    "still alive. To find out why, use: nix-store "
			    "--query --roots", start);
		else if ((valid = store_is_valid(p, &errstr)) == -1)
			rc = gc_fail(gr, "%s", errstr);
		else if (valid)
			rc = gc_specific_edges(gr, p, &seen, &todo);
	}
	RB_FOREACH(pn, pathset, &seen) {
		if (rc != 0)
			break;
		if (!pathset_has(&gr->gr_done, pn->pn_path))
			rc = gc_delete_closure(gr, pn->pn_path);
	}
	pathset_clear(&seen);
	strq_free(&todo);
	return (rc);
}

static int
gc_skip_name(const char *name)
{
	return (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strcmp(name, ".links") == 0 ||
	    strncmp(name, STORE_TMP_PREFIX, strlen(STORE_TMP_PREFIX)) == 0);
}

/*
 * Every entry of the store dir that is not live is garbage: dead
 * paths, invalid ones, and names that are no store path at all.  Our
 * own temporary names belong to adds in flight and are skipped.
 */
static int
gc_sweep(struct gc_run *gr)
{
	DIR		*dir;
	struct dirent	*de;
	char		 path[STOREPATH_MAX + NAME_MAX];
	int		 fd, rc = 0, del = gr->gr_req->mg_action == 2;

	if ((fd = openat(store_env.se_storefd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || (dir = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return (gc_fail(gr, "cannot open '%s': %s",
		    store_env.se_storedir, strerror(errno)));
	}
	while (rc == 0 && !gr->gr_stop && (de = readdir(dir)) != NULL) {
		if (gc_skip_name(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", store_env.se_storedir,
		    de->d_name);
		if (storepath_parse_base(de->d_name, NULL) == -1) {
			if (del)
				rc = gc_delete_one(gr, path);
			else
				pathset_add(&gr->gr_result, path);
		} else if (pathset_has(&gr->gr_live, path) ||
		    pathset_has(&gr->gr_done, path))
			continue;
		else if (del)
			rc = gc_delete_closure(gr, path);
		else {
			pathset_add(&gr->gr_done, path);
			if (gr->gr_req->mg_action == 1)
				pathset_add(&gr->gr_result, path);
		}
	}
	closedir(dir);
	return (rc);
}

/* print-live: the live paths that exist, valid or not. */
static void
gc_live_result(struct gc_run *gr)
{
	struct pathset_node	*pn;
	struct stat		 st;
	const char		*errstr;

	RB_FOREACH(pn, pathset, &gr->gr_live)
		if (store_is_valid(pn->pn_path, &errstr) == 1 ||
		    fstatat(store_env.se_storefd, store_base(pn->pn_path),
		    &st, AT_SYMLINK_NOFOLLOW) == 0)
			pathset_add(&gr->gr_result, pn->pn_path);
}

/*
 * Nix drops files of its hard-link farm that nothing else links; rnixd
 * does not optimise, but a store Nix made may have one.
 */
static void
gc_unused_links(struct gc_run *gr)
{
	DIR		*dir;
	struct dirent	*de;
	struct stat	 st;
	int64_t		 actual = 0, unshared = 0, overhead = 0;
	int		 fd;

	store_log(gr->gr_sid, "deleting unused links...");
	if ((fd = openat(store_env.se_storefd, ".links", O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) != -1 &&
	    (dir = fdopendir(fd)) != NULL) {
		while ((de = readdir(dir)) != NULL) {
			if (de->d_name[0] == '.' || fstatat(fd, de->d_name,
			    &st, AT_SYMLINK_NOFOLLOW) == -1)
				continue;
			if (st.st_nlink != 1) {
				actual += st.st_size;
				unshared += (st.st_nlink - 1) * st.st_size;
			} else if (unlinkat(fd, de->d_name, 0) == -1)
				log_warn("unlink .links/%s", de->d_name);
		}
		if (fstat(fd, &st) == 0)
			overhead = st.st_blocks * 512LL;
		closedir(dir);
	} else if (fd != -1)
		close(fd);
	store_log(gr->gr_sid, "note: currently hard linking saves %.2f MiB",
	    (unshared - actual - overhead) / (1024.0 * 1024.0));
}

static int
gc_run_action(struct gc_run *gr)
{
	struct msg_gc	*mg = gr->gr_req;
	size_t		 i;
	int		 rc = 0;

	if (mg->mg_action == 3) {
		for (i = 0; i < mg->mg_npaths; i++)
			pathset_add(&gr->gr_wanted, mg->mg_paths[i]);
		for (i = 0; rc == 0 && i < mg->mg_npaths; i++)
			rc = gc_delete_specific(gr, mg->mg_paths[i]);
	} else if (mg->mg_max_freed > 0) {
		store_log(gr->gr_sid, mg->mg_action == 2 ?
		    "deleting garbage..." : "determining live/dead paths...");
		rc = gc_sweep(gr);
		if (rc == 0 && mg->mg_action == 0)
			gc_live_result(gr);
	}
	if (rc == 0 && mg->mg_action >= 2)
		gc_unused_links(gr);
	return (rc);
}

static void
gc_collect(struct root_scan *rs)
{
	struct gc_run		gr;
	struct msg_gc_result	mgr;

	memset(&gr, 0, sizeof(gr));
	gr.gr_sid = rs->rs_sid;
	gr.gr_req = &rs->rs_req;
	pathset_init(&gr.gr_live);
	pathset_init(&gr.gr_done);
	pathset_init(&gr.gr_result);
	pathset_init(&gr.gr_wanted);
	if (gc_mark_live(&gr, rs) == -1 || gc_run_action(&gr) == -1)
		store_reply_error(gr.gr_sid, "%s", gr.gr_err);
	else {
		memset(&mgr, 0, sizeof(mgr));
		mgr.mgr_paths = pathset_array(&gr.gr_result, &mgr.mgr_npaths);
		mgr.mgr_bytes_freed = gr.gr_bytes;
		if (mgr.mgr_npaths > MSG_PATHS_MAX)
			store_reply_error(gr.gr_sid, "too many paths for one "
			    "reply");
		else
			msg_send_gc_result(store_env.se_builder, gr.gr_sid,
			    &mgr);
		wire_strings_free(mgr.mgr_paths, mgr.mgr_npaths);
	}
	pathset_clear(&gr.gr_live);
	pathset_clear(&gr.gr_done);
	pathset_clear(&gr.gr_result);
	pathset_clear(&gr.gr_wanted);
}
