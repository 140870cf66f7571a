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
 * What the request handlers share: the environment, replies, temporary
 * names in the store dir, path info conversion, reading files and
 * derivations out of the store, and sets of paths.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drv.h"
#include "log.h"
#include "nar.h"
#include "storeproc.h"
#include "store_db.h"

struct store_env	store_env;

static char	store_errbuf[1024];

RB_GENERATE(pathset, pathset_node, pn_entry, pathset_cmp)

void
store_env_init(const char *storedir, const char *statedir,
    struct store_db *db, struct imsgbuf *builder, struct imsgbuf *parent)
{
	struct store_env	*se = &store_env;

	se->se_storedir = storedir;
	se->se_statedir = statedir;
	se->se_db = db;
	se->se_builder = builder;
	se->se_parent = parent;
	se->se_uid = geteuid();
	se->se_gid = getegid();
	if ((se->se_storefd = open(storedir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		fatal("open %s", storedir);
	if ((se->se_statefd = open(statedir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		fatal("open %s", statedir);
}

/*
 * At startup.  Temporary names left by a crash: restores, NAR dumps
 * and replaced paths.  Nothing else uses the prefix, and nothing of ours is in
 * flight at startup.
 */
void
store_cleanup_tmp(void)
{
	DIR		*dir;
	struct dirent	*de;
	const char	*errstr;
	int		 fd;

	if ((fd = openat(store_env.se_storefd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || (dir = fdopendir(fd)) == NULL)
		fatal("open %s", store_env.se_storedir);
	while ((de = readdir(dir)) != NULL) {
		if (strncmp(de->d_name, STORE_TMP_PREFIX,
		    strlen(STORE_TMP_PREFIX)) != 0)
			continue;
		log_info("removing stale temporary %s/%s",
		    store_env.se_storedir, de->d_name);
		if (nar_remove_tree(store_env.se_storefd, de->d_name,
		    &errstr) == -1)
			log_warnx("%s", errstr);
	}
	closedir(dir);
	/*
	 * Nix's hard-link farm.  rnixd does not optimise, but Nix makes
	 * it with every store and GC reports its size, so have it too.
	 */
	if (mkdirat(store_env.se_storefd, ".links", 0755) == -1 &&
	    errno != EEXIST)
		log_warn("mkdir %s/.links", store_env.se_storedir);
}

void
store_tmpname(char *buf, size_t bufsz, const char *kind)
{
	snprintf(buf, bufsz, "%s%s-%ld-%u", STORE_TMP_PREFIX, kind,
	    (long)getpid(), ++store_env.se_serial);
}

/* The text ends up in front of a client: keep it in bounds. */
static char *
store_client_text(const char *fmt, va_list ap)
{
	char	*msg;

	if (vasprintf(&msg, fmt, ap) == -1)
		fatal("vasprintf");
	if (strlen(msg) >= MSG_ERROR_MAX)
		msg[MSG_ERROR_MAX - 1] = '\0';
	return (msg);
}

void
store_reply_error(uint32_t sid, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	msg = store_client_text(fmt, ap);
	va_end(ap);
	log_debug("session %u: error: %s", sid, msg);
	msg_send_text(store_env.se_builder, IMSG_STORE_ERROR, sid, msg);
	free(msg);
}

void
store_reply_ok(uint32_t sid)
{
	msg_send_empty(store_env.se_builder, IMSG_STORE_OK, sid);
}

/* A progress line for the client, as Nix prints them at level info. */
void
store_log(uint32_t sid, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	msg = store_client_text(fmt, ap);
	va_end(ap);
	msg_send_text(store_env.se_builder, IMSG_STORE_LOG, sid, msg);
	free(msg);
}

/* A request that did not decode: log who sent what, answer an error. */
void
store_bad_request(struct imsg *imsg, const char *errstr)
{
	log_warnx("bad %s from builderproc (session %u): %s",
	    imsg_type_name(imsg_get_type(imsg)), imsg_get_peerid(imsg),
	    errstr);
	store_reply_error(imsg_get_peerid(imsg), "invalid request: %s",
	    errstr);
}

/*
 * The store path of a request that carries nothing else; NULL after a
 * bad request was answered.
 */
char *
store_recv_path(struct imsg *imsg)
{
	const char	*errstr;
	char		*path;

	if (msg_recv_path(imsg, store_env.se_storedir, &path, NULL,
	    &errstr) == -1) {
		store_bad_request(imsg, errstr);
		return (NULL);
	}
	return (path);
}

/* "<hash>-<name>" of a path that msg_recv_* has checked. */
const char *
store_base(const char *path)
{
	return (path + strlen(store_env.se_storedir) + 1);
}

/* 1 valid, 0 not, -1 with *errstr on a database error. */
int
store_is_valid(const char *path, const char **errstr)
{
	return (db_is_valid(store_env.se_db, path, errstr));
}

static int
store_split_sigs(const char *sigs, char ***out, size_t *nout)
{
	char	*copy, *p, *word, **v = NULL;
	size_t	 n = 0;

	*out = NULL;
	*nout = 0;
	if (sigs == NULL)
		return (0);
	if ((copy = strdup(sigs)) == NULL)
		return (-1);
	for (p = copy; (word = strsep(&p, " ")) != NULL; ) {
		if (*word == '\0')
			continue;
		if ((v = reallocarray(*out, n + 1, sizeof(*v))) == NULL)
			goto fail;
		*out = v;
		if ((v[n] = strdup(word)) == NULL)
			goto fail;
		n++;
	}
	free(copy);
	*nout = n;
	return (0);
fail:
	wire_strings_free(*out, n);
	*out = NULL;
	free(copy);
	return (-1);
}

/*
 * The wire form of a DB row: narHash in base16 without "sha256:", as
 * the daemon sends it.  Returns -1 when out of memory.
 */
int
store_info_to_wire(const struct db_pathinfo *dpi, struct wire_path_info *pi)
{
	const char	*h = dpi->dpi_narhash;
	size_t		 i;

	memset(pi, 0, sizeof(*pi));
	if (strncmp(h, "sha256:", 7) == 0)
		h += 7;
	if ((pi->pi_path = strdup(dpi->dpi_path)) == NULL ||
	    (pi->pi_narhash = strdup(h)) == NULL ||
	    (dpi->dpi_deriver != NULL &&
	    (pi->pi_deriver = strdup(dpi->dpi_deriver)) == NULL) ||
	    (dpi->dpi_ca != NULL && (pi->pi_ca = strdup(dpi->dpi_ca)) == NULL))
		goto fail;
	if (dpi->dpi_nrefs > 0 && (pi->pi_refs = calloc(dpi->dpi_nrefs,
	    sizeof(*pi->pi_refs))) == NULL)
		goto fail;
	for (i = 0; i < dpi->dpi_nrefs; i++) {
		if ((pi->pi_refs[i] = strdup(dpi->dpi_refs[i])) == NULL)
			goto fail;
		pi->pi_nrefs++;
	}
	if (store_split_sigs(dpi->dpi_sigs, &pi->pi_sigs, &pi->pi_nsigs) ==
	    -1)
		goto fail;
	pi->pi_regtime = dpi->dpi_regtime;
	pi->pi_narsize = dpi->dpi_narsize;
	pi->pi_ultimate = dpi->dpi_ultimate;
	return (0);
fail:
	wire_path_info_free(pi);
	return (-1);
}

/*
 * Read a whole regular file of at most max bytes, relative to dirfd,
 * without following a symlink.  The buffer is NUL-terminated.
 */
int
store_read_file(int dirfd, const char *name, size_t max, char **out,
    size_t *outlen, const char **errstr)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) ==
	    -1 || fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		goto fail;
	}
	if ((buf = malloc(st.st_size + 1)) == NULL)
		goto fail;
	while (off < (size_t)st.st_size) {
		if ((n = read(fd, buf + off, st.st_size - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		off += n;
	}
	close(fd);
	buf[off] = '\0';
	*out = buf;
	*outlen = off;
	return (0);
fail:
	snprintf(store_errbuf, sizeof(store_errbuf), "cannot read '%s/%s': %s",
	    store_env.se_storedir, name, strerror(errno));
	*errstr = store_errbuf;
	free(buf);
	if (fd != -1)
		close(fd);
	return (-1);
}

/*
 * drv_load_fn: an input derivation of a .drv being added or queried;
 * it must be valid, as Nix reads only valid derivations here.
 */
int
store_load_drv(void *arg, const char *drvpath, struct drv **out,
    const char **errstr)
{
	char	*text;
	size_t	 len;
	int	 rc;

	(void)arg;
	if (strncmp(drvpath, store_env.se_storedir,
	    strlen(store_env.se_storedir)) != 0 ||
	    drvpath[strlen(store_env.se_storedir)] != '/') {
		*errstr = "derivation path outside the store";
		return (-1);
	}
	if ((rc = store_is_valid(drvpath, errstr)) == -1)
		return (-1);
	if (rc == 0) {
		snprintf(store_errbuf, sizeof(store_errbuf),
		    "path '%s' is not valid", drvpath);
		*errstr = store_errbuf;
		return (-1);
	}
	if (store_read_file(store_env.se_storefd, store_base(drvpath),
	    DRV_TEXT_MAX, &text, &len, errstr) == -1)
		return (-1);
	rc = drv_parse(store_env.se_storedir, text, len, out, errstr);
	free(text);
	return (rc);
}

/*
 * Sets of paths.  Allocation failure is fatal here: the sets hold what
 * the database already holds, so they are no lever for a client.
 */
int
pathset_cmp(struct pathset_node *a, struct pathset_node *b)
{
	return (strcmp(a->pn_path, b->pn_path));
}

void
pathset_init(struct pathset *ps)
{
	RB_INIT(ps);
}

/* Returns 1 if added, 0 if it was there. */
int
pathset_add(struct pathset *ps, const char *path)
{
	struct pathset_node	*pn;

	if ((pn = calloc(1, sizeof(*pn))) == NULL ||
	    (pn->pn_path = strdup(path)) == NULL)
		fatal("%s", __func__);
	if (RB_INSERT(pathset, ps, pn) != NULL) {
		free(pn->pn_path);
		free(pn);
		return (0);
	}
	return (1);
}

int
pathset_has(struct pathset *ps, const char *path)
{
	struct pathset_node	key;

	key.pn_path = (char *)path;
	return (RB_FIND(pathset, ps, &key) != NULL);
}

void
pathset_del(struct pathset *ps, const char *path)
{
	struct pathset_node	key, *pn;

	key.pn_path = (char *)path;
	if ((pn = RB_FIND(pathset, ps, &key)) == NULL)
		return;
	RB_REMOVE(pathset, ps, pn);
	free(pn->pn_path);
	free(pn);
}

void
pathset_clear(struct pathset *ps)
{
	struct pathset_node	*pn, *next;

	RB_FOREACH_SAFE(pn, pathset, ps, next) {
		RB_REMOVE(pathset, ps, pn);
		free(pn->pn_path);
		free(pn);
	}
}

size_t
pathset_count(struct pathset *ps)
{
	struct pathset_node	*pn;
	size_t			 n = 0;

	RB_FOREACH(pn, pathset, ps)
		n++;
	return (n);
}

/* The members in order, as an array of copies (wire_strings_free). */
char **
pathset_array(struct pathset *ps, size_t *np)
{
	struct pathset_node	 *pn;
	char			**v;
	size_t			  n = 0;

	if ((v = calloc(pathset_count(ps) + 1, sizeof(*v))) == NULL)
		fatal("%s", __func__);
	RB_FOREACH(pn, pathset, ps)
		if ((v[n++] = strdup(pn->pn_path)) == NULL)
			fatal("%s", __func__);
	*np = n;
	return (v);
}
