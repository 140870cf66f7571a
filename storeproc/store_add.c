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
 * Uploads: STORE_ADD (AddToStore, every content-address method) and
 * STORE_ADD_NAR (AddToStoreNar with the client's path info).  Each add
 * is a state machine fed from the pipe builderproc passed with the
 * request: bytes are hashed and written under a temporary name inside
 * the store dir as they arrive, so many adds go on at once and a slow
 * client stalls nobody.  At end of stream the claims are checked, the
 * tree is canonicalised and synced, renamed into place and registered
 * in one transaction: a path is never valid before it is complete.
 */
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <event.h>
#include <fcntl.h>
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
#include "storepath.h"
#include "storeproc.h"
#include "store_db.h"

#define ADD_READS_PER_WAKEUP	4	/* then let other events run */

enum add_kind {
	ADD_TEXT,		/* text:sha256: the stream is the file */
	ADD_FLAT,		/* fixed:<algo>: the stream is the file */
	ADD_RECURSIVE,		/* fixed:r:<algo>: the stream is a NAR */
	ADD_NAR			/* STORE_ADD_NAR: a NAR and its path info */
};

struct store_add {
	TAILQ_ENTRY(store_add)	 sa_entry;
	uint32_t		 sa_sid;
	enum add_kind		 sa_kind;
	int			 sa_fd;		/* the pipe */
	struct event		 sa_ev;
	int			 sa_drain;	/* valid already: discard */
	int			 sa_eof;	/* the pipe is at its end */
	int			 sa_done;	/* builderproc: all was sent */
	char			 sa_tmp[STORE_TMP_MAX];
	int			 sa_filefd;	/* text and flat */
	struct nar_restore	*sa_restore;	/* NAR kinds */
	enum hash_algo		 sa_algo;	/* of the content address */
	struct hash_ctx		 sa_cactx;
	int			 sa_caon;
	struct hash_ctx		 sa_narctx;	/* sha256 of a NAR stream */
	int			 sa_naron;
	uint64_t		 sa_bytes;
	struct msg_add		 sa_add;	/* STORE_ADD */
	struct msg_add_nar	 sa_nar;	/* STORE_ADD_NAR */
	char			 sa_path[STOREPATH_MAX];
	struct hash		 sa_want;	/* STORE_ADD_NAR narHash */
	struct content_address	 sa_ca;		/* STORE_ADD_NAR ca */
	int			 sa_hasca;
	char			 sa_err[1024];
};

/* What is registered: the row and, for a .drv, its outputs. */
struct add_result {
	struct db_pathinfo	 ar_info;
	struct db_drv_output	*ar_outputs;
	size_t			 ar_noutputs;
	char			 ar_narhash[HASH_STR_MAX];
	char			 ar_ca[CA_STR_MAX];
};

static TAILQ_HEAD(, store_add)	store_adds = TAILQ_HEAD_INITIALIZER(store_adds);
static unsigned char	add_buf[NAR_BUFSIZE];

static void	add_read(int, short, void *);
static void	add_free(struct store_add *);
static int	add_finish(struct store_add *);
static int	add_fail(struct store_add *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));

static int
add_fail(struct store_add *sa, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(sa->sa_err, sizeof(sa->sa_err), fmt, ap);
	va_end(ap);
	return (-1);
}

static struct store_add *
add_new(uint32_t sid, int fd)
{
	struct store_add	*sa;

	if ((sa = calloc(1, sizeof(*sa))) == NULL)
		fatal("%s", __func__);
	sa->sa_sid = sid;
	sa->sa_fd = fd;
	sa->sa_filefd = -1;
	TAILQ_INSERT_TAIL(&store_adds, sa, sa_entry);
	return (sa);
}

static void
add_free(struct store_add *sa)
{
	const char	*errstr;

	if (event_initialized(&sa->sa_ev))
		event_del(&sa->sa_ev);
	if (sa->sa_fd != -1)
		close(sa->sa_fd);
	if (sa->sa_filefd != -1)
		close(sa->sa_filefd);
	nar_restore_free(sa->sa_restore);
	if (sa->sa_caon)
		hash_abort(&sa->sa_cactx);
	if (sa->sa_naron)
		hash_abort(&sa->sa_narctx);
	if (sa->sa_tmp[0] != '\0' && nar_remove_tree(store_env.se_storefd,
	    sa->sa_tmp, &errstr) == -1)
		log_warnx("%s", errstr);
	if (sa->sa_kind == ADD_NAR)
		msg_add_nar_free(&sa->sa_nar);
	else
		msg_add_free(&sa->sa_add);
	TAILQ_REMOVE(&store_adds, sa, sa_entry);
	free(sa);
}

/*
 * The session is gone: its uploads in flight are dropped unanswered,
 * whatever the pipes still hold, and nothing of them is registered.
 */
void
store_add_abort_session(uint32_t sid)
{
	struct store_add	*sa, *next;

	TAILQ_FOREACH_SAFE(sa, &store_adds, sa_entry, next)
		if (sa->sa_sid == sid) {
			log_debug("session %u: add dropped", sid);
			add_free(sa);
		}
}

/*
 * UPLOAD_DONE or UPLOAD_ABORT for the session's upload in flight (one
 * at a time per session).  None may be left: the add may have failed
 * already and been answered; then there is nothing to do.
 */
void
store_handle_upload_end(struct imsg *imsg)
{
	struct store_add	*sa;
	const char		*errstr;
	uint32_t		 sid = imsg_get_peerid(imsg);

	if (msg_recv_empty(imsg, &errstr) == -1) {
		log_warnx("bad %s from builderproc: %s",
		    imsg_type_name(imsg_get_type(imsg)), errstr);
		return;
	}
	TAILQ_FOREACH(sa, &store_adds, sa_entry)
		if (sa->sa_sid == sid && !sa->sa_done)
			break;
	if (sa == NULL)
		return;
	if (imsg_get_type(imsg) == IMSG_STORE_UPLOAD_ABORT) {
		store_reply_error(sid, "upload aborted by the client");
		add_free(sa);
		return;
	}
	sa->sa_done = 1;
	if (!sa->sa_eof)
		return;
	if (add_finish(sa) == -1)
		store_reply_error(sid, "%s", sa->sa_err);
	add_free(sa);
}

/* "text:sha256", "fixed:<algo>", "fixed:r:<algo>". */
static int
add_parse_method(struct store_add *sa, const char *method)
{
	const char	*algo;

	if (strcmp(method, "text:sha256") == 0) {
		sa->sa_kind = ADD_TEXT;
		sa->sa_algo = HASH_SHA256;
		return (0);
	}
	if (strncmp(method, "fixed:r:", 8) == 0) {
		sa->sa_kind = ADD_RECURSIVE;
		algo = method + 8;
	} else if (strncmp(method, "fixed:", 6) == 0) {
		sa->sa_kind = ADD_FLAT;
		algo = method + 6;
	} else
		return (add_fail(sa, "unknown content address method '%s'",
		    method));
	if (hash_algo_parse(algo, &sa->sa_algo) == -1)
		return (add_fail(sa, "unknown hash algorithm '%s'", algo));
	return (0);
}

/* The temporary file or restorer, the hashes, the read event. */
static int
add_start(struct store_add *sa)
{
	const char	*errstr;

	store_tmpname(sa->sa_tmp, sizeof(sa->sa_tmp), "add");
	if (sa->sa_drain)
		sa->sa_tmp[0] = '\0';
	else if (sa->sa_kind == ADD_TEXT || sa->sa_kind == ADD_FLAT) {
		sa->sa_filefd = openat(store_env.se_storefd, sa->sa_tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
		if (sa->sa_filefd == -1) {
			sa->sa_tmp[0] = '\0';
			return (add_fail(sa, "cannot create file in '%s': %s",
			    store_env.se_storedir, strerror(errno)));
		}
	} else if ((sa->sa_restore = nar_restore_new(store_env.se_storefd,
	    sa->sa_tmp, &errstr)) == NULL) {
		sa->sa_tmp[0] = '\0';
		return (add_fail(sa, "%s", errstr));
	}
	if (!sa->sa_drain && sa->sa_kind != ADD_NAR) {
		if (hash_init(&sa->sa_cactx, sa->sa_algo) == -1)
			return (add_fail(sa, "hash algorithm unavailable"));
		sa->sa_caon = 1;
	}
	if (!sa->sa_drain && (sa->sa_kind == ADD_NAR ||
	    (sa->sa_kind == ADD_RECURSIVE && sa->sa_algo != HASH_SHA256))) {
		if (hash_init(&sa->sa_narctx, HASH_SHA256) == -1)
			return (add_fail(sa, "hash algorithm unavailable"));
		sa->sa_naron = 1;
	}
	if (fcntl(sa->sa_fd, F_SETFL, O_NONBLOCK) == -1)
		return (add_fail(sa, "cannot read the upload: %s",
		    strerror(errno)));
	event_set(&sa->sa_ev, sa->sa_fd, EV_READ | EV_PERSIST, add_read, sa);
	event_add(&sa->sa_ev, NULL);
	return (0);
}

static int
add_write(struct store_add *sa, const unsigned char *p, size_t len)
{
	if (write_all(sa->sa_filefd, p, len) == -1)
		return (add_fail(sa, "cannot write to '%s': %s",
		    store_env.se_storedir, strerror(errno)));
	return (0);
}

static int
add_feed(struct store_add *sa, const unsigned char *p, size_t len)
{
	const char	*errstr;

	sa->sa_bytes += len;
	if (sa->sa_drain)
		return (0);
	if (sa->sa_caon)
		hash_update(&sa->sa_cactx, p, len);
	if (sa->sa_naron)
		hash_update(&sa->sa_narctx, p, len);
	if (sa->sa_filefd != -1)
		return (add_write(sa, p, len));
	if (nar_restore_feed(sa->sa_restore, p, len, &errstr) == -1)
		return (add_fail(sa, "%s", errstr));
	return (0);
}

static void
add_read(int fd, short events, void *arg)
{
	struct store_add	*sa = arg;
	ssize_t			 n;
	int			 i;

	(void)events;
	for (i = 0; i < ADD_READS_PER_WAKEUP; i++) {
		if ((n = read(fd, add_buf, sizeof(add_buf))) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			add_fail(sa, "cannot read the upload: %s",
			    strerror(errno));
			break;
		}
		if (n == 0) {
			event_del(&sa->sa_ev);
			sa->sa_eof = 1;
			/* Commit only once builderproc says all was sent. */
			if (!sa->sa_done)
				return;
			if (add_finish(sa) == 0) {
				add_free(sa);
				return;
			}
			break;
		}
		if (add_feed(sa, add_buf, n) == -1)
			break;
	}
	if (i == ADD_READS_PER_WAKEUP)
		return;
	store_reply_error(sa->sa_sid, "%s", sa->sa_err);
	add_free(sa);
}

/*
 * The store path a STORE_ADD computes, with the ca and the NAR hash
 * and size of what was received.
 */
static int
add_compute(struct store_add *sa, struct hash *narhash, uint64_t *narsize,
    struct add_result *ar)
{
	struct hash	 cahash;
	const char	*errstr;
	int		 rc;

	hash_final(&sa->sa_cactx, &cahash);
	sa->sa_caon = 0;
	if (sa->sa_kind == ADD_RECURSIVE) {
		*narsize = sa->sa_bytes;
		if (sa->sa_naron) {
			hash_final(&sa->sa_narctx, narhash);
			sa->sa_naron = 0;
		} else
			*narhash = cahash;
	} else if (store_nar_hash(store_env.se_storefd, sa->sa_tmp,
	    HASH_SHA256, narhash, narsize, &errstr) == -1)
		return (add_fail(sa, "%s", errstr));
	if (sa->sa_kind == ADD_TEXT) {
		rc = storepath_make_text(store_env.se_storedir,
		    sa->sa_add.ma_name, &cahash, sa->sa_add.ma_refs,
		    sa->sa_add.ma_nrefs, sa->sa_path, sizeof(sa->sa_path));
		ca_format_text(&cahash, ar->ar_ca, sizeof(ar->ar_ca));
	} else {
		if (sa->sa_add.ma_nrefs > 0 && (sa->sa_kind == ADD_FLAT ||
		    sa->sa_algo != HASH_SHA256))
			return (add_fail(sa, "a path added with method "
			    "'%s' cannot have references",
			    sa->sa_add.ma_method));
		rc = storepath_make_fixed(store_env.se_storedir,
		    sa->sa_add.ma_name, sa->sa_kind == ADD_FLAT ? CA_FLAT :
		    CA_RECURSIVE, &cahash, sa->sa_add.ma_refs,
		    sa->sa_add.ma_nrefs, 0, sa->sa_path, sizeof(sa->sa_path));
		ca_format_fixed(sa->sa_kind == ADD_FLAT ? CA_FLAT :
		    CA_RECURSIVE, &cahash, ar->ar_ca, sizeof(ar->ar_ca));
	}
	if (rc == -1)
		return (add_fail(sa, "cannot compute the store path of '%s'",
		    sa->sa_add.ma_name));
	return (0);
}

static int
add_is_drv(const char *path)
{
	size_t	len = strlen(path);

	return (len > 4 && strcmp(path + len - 4, ".drv") == 0);
}

static int
add_cmp_src(const void *key, const void *elem)
{
	return (strcmp(key, *(char *const *)elem));
}

static int
add_cmp_input(const void *key, const void *elem)
{
	return (strcmp(key, ((const struct drv_input *)elem)->di_path));
}

/*
 * Nix writes a .drv with every input source and input derivation among
 * its references.  One that leaves an input out is refused before any
 * input is looked at: its outputs are computed from the input .drvs,
 * so going on would tell the client whether an input it did not
 * declare exists, and a recursive session's policy, which sees only
 * the declared references, could not keep such an input out.  The
 * lists of a parsed drv are sorted, so each reference is looked up.
 */
static int
add_check_drv_refs(struct store_add *sa, const struct drv *d,
    const struct db_pathinfo *dpi)
{
	const struct drv_input	*in;
	char			*const *src;
	const char		*missing = NULL;
	unsigned char		*seen;
	size_t			 i;

	if ((seen = calloc(d->d_nsrcs + d->d_ninputs + 1, 1)) == NULL)
		fatal("%s", __func__);
	/* An empty list may be NULL, which bsearch() must not get. */
	for (i = 0; i < dpi->dpi_nrefs; i++) {
		if (d->d_nsrcs > 0 && (src = bsearch(dpi->dpi_refs[i],
		    d->d_srcs, d->d_nsrcs, sizeof(*d->d_srcs),
		    add_cmp_src)) != NULL)
			seen[src - d->d_srcs] = 1;
		if (d->d_ninputs > 0 && (in = bsearch(dpi->dpi_refs[i],
		    d->d_inputs, d->d_ninputs, sizeof(*d->d_inputs),
		    add_cmp_input)) != NULL)
			seen[d->d_nsrcs + (in - d->d_inputs)] = 1;
	}
	for (i = 0; i < d->d_nsrcs && missing == NULL; i++)
		if (!seen[i])
			missing = d->d_srcs[i];
	for (i = 0; i < d->d_ninputs && missing == NULL; i++)
		if (!seen[d->d_nsrcs + i])
			missing = d->d_inputs[i].di_path;
	free(seen);
	if (missing != NULL)
		return (add_fail(sa, "cannot add derivation '%s': its input "
		    "'%s' is not among its references", sa->sa_path, missing));
	return (0);
}

/*
 * A .drv must be one Nix would write, naming its inputs as references,
 * with the output paths Nix would compute; its known outputs become
 * DerivationOutputs rows.
 */
static int
add_check_drv(struct store_add *sa, struct add_result *ar)
{
	struct drv_hasher	 dh;
	struct drv		*d = NULL;
	const char		*errstr;
	char			*text;
	size_t			 len, i;
	int			 rc;

	if (store_read_file(store_env.se_storefd, sa->sa_tmp, DRV_TEXT_MAX,
	    &text, &len, &errstr) == -1)
		return (add_fail(sa, "%s", errstr));
	rc = drv_parse(store_env.se_storedir, text, len, &d, &errstr);
	free(text);
	if (rc == -1)
		return (add_fail(sa, "error parsing derivation '%s': %s",
		    sa->sa_path, errstr));
	if (add_check_drv_refs(sa, d, &ar->ar_info) == -1) {
		drv_free(d);
		return (-1);
	}
	drv_hasher_init(&dh, store_env.se_storedir, store_load_drv, NULL);
	rc = drv_check_outputs(&dh, sa->sa_path, d, &errstr);
	drv_hasher_clear(&dh);
	if (rc == -1) {
		drv_free(d);
		return (add_fail(sa, "%s", errstr));
	}
	if ((ar->ar_outputs = calloc(d->d_noutputs + 1,
	    sizeof(*ar->ar_outputs))) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < d->d_noutputs; i++) {
		if (d->d_outputs[i].do_path[0] == '\0')
			continue;
		ar->ar_outputs[ar->ar_noutputs].ddo_name =
		    d->d_outputs[i].do_name;
		ar->ar_outputs[ar->ar_noutputs].ddo_path =
		    d->d_outputs[i].do_path;
		d->d_outputs[i].do_name = d->d_outputs[i].do_path = NULL;
		ar->ar_noutputs++;
	}
	drv_free(d);
	return (0);
}

static void
add_result_free(struct add_result *ar)
{
	db_drv_outputs_free(ar->ar_outputs, ar->ar_noutputs);
	free(ar->ar_info.dpi_sigs);
	memset(ar, 0, sizeof(*ar));
}

/*
 * Make the temporary tree the path: canonicalise and sync it, move a
 * stale unregistered tree at the final name out of the way (a crash
 * between rename and commit leaves one), rename, register.  With
 * repair a valid path's tree is swapped for the new one.
 */
static int
add_install(struct store_add *sa, struct add_result *ar, int repair)
{
	const struct db_drv_output	*outs = ar->ar_outputs;
	const char			*base = store_base(sa->sa_path);
	const char			*errstr;
	struct stat			 st;
	int				 valid, swap;

	if ((valid = store_is_valid(sa->sa_path, &errstr)) == -1)
		return (add_fail(sa, "%s", errstr));
	if (valid && !repair)
		return (0);
	if (store_canon_path(store_env.se_storefd, sa->sa_tmp, &errstr) == -1)
		return (add_fail(sa, "%s", errstr));
	swap = fstatat(store_env.se_storefd, base, &st,
	    AT_SYMLINK_NOFOLLOW) == 0;
	if (swap && !valid)
		log_info("replacing unregistered %s", sa->sa_path);
	if (renameat2(store_env.se_storefd, sa->sa_tmp, store_env.se_storefd,
	    base, swap ? RENAME_EXCHANGE : RENAME_NOREPLACE) == -1)
		return (add_fail(sa, "cannot move '%s' into place: %s",
		    sa->sa_path, strerror(errno)));
	/* On a swap the temporary name now holds the old tree. */
	if (!swap)
		sa->sa_tmp[0] = '\0';
	if (fsync(store_env.se_storefd) == -1)
		log_warn("fsync %s", store_env.se_storedir);
	if (db_register(store_env.se_db, &ar->ar_info, 1, &outs,
	    &ar->ar_noutputs, &errstr) == -1) {
		add_fail(sa, "%s", errstr);
		if (!valid && nar_remove_tree(store_env.se_storefd, base,
		    &errstr) == -1)
			log_warnx("%s", errstr);
		return (-1);
	}
	return (0);
}

/* STORE_INFO with the path's registered info. */
static int
add_reply_info(struct store_add *sa)
{
	struct db_pathinfo	dpi;
	struct wire_path_info	pi;
	const char		*errstr;
	int			rc;

	memset(&dpi, 0, sizeof(dpi));
	if ((rc = db_query_info(store_env.se_db, sa->sa_path, &dpi,
	    &errstr)) != 1)
		return (add_fail(sa, "%s", rc == 0 ? "path vanished" :
		    errstr));
	if (store_info_to_wire(&dpi, &pi) == -1)
		fatal("%s", __func__);
	db_pathinfo_free(&dpi);
	msg_send_info(store_env.se_builder, sa->sa_sid, 1, &pi);
	wire_path_info_free(&pi);
	return (0);
}

static int
add_finish_add(struct store_add *sa)
{
	struct add_result	 ar;
	struct hash		 narhash;
	const char		*errstr;
	int			 rc = -1;

	memset(&ar, 0, sizeof(ar));
	if (sa->sa_kind == ADD_RECURSIVE &&
	    nar_restore_finish(sa->sa_restore, &errstr) == -1)
		return (add_fail(sa, "%s", errstr));
	if (sa->sa_filefd != -1) {
		close(sa->sa_filefd);
		sa->sa_filefd = -1;
	}
	if (add_compute(sa, &narhash, &ar.ar_info.dpi_narsize, &ar) == -1)
		goto done;
	hash_format(&narhash, HASH_ENC_BASE16, 1, ar.ar_narhash,
	    sizeof(ar.ar_narhash));
	ar.ar_info.dpi_path = sa->sa_path;
	ar.ar_info.dpi_narhash = ar.ar_narhash;
	ar.ar_info.dpi_ca = ar.ar_ca;
	ar.ar_info.dpi_refs = sa->sa_add.ma_refs;
	ar.ar_info.dpi_nrefs = sa->sa_add.ma_nrefs;
	if (add_is_drv(sa->sa_path) && add_check_drv(sa, &ar) == -1)
		goto done;
	if (add_install(sa, &ar, sa->sa_add.ma_repair) == -1)
		goto done;
	store_temp_root_add(sa->sa_sid, sa->sa_path);
	rc = add_reply_info(sa);
done:
	add_result_free(&ar);
	return (rc);
}

void
store_handle_add(struct imsg *imsg)
{
	struct store_add	*sa;
	struct msg_add		 ma;
	const char		*errstr;
	int			 fd;

	if (msg_recv_add(imsg, store_env.se_storedir, &ma, &fd,
	    &errstr) == -1) {
		store_bad_request(imsg, errstr);
		return;
	}
	sa = add_new(imsg_get_peerid(imsg), fd);
	sa->sa_add = ma;
	log_debug("session %u: add '%s' (%s)", sa->sa_sid, ma.ma_name,
	    ma.ma_method);
	if (add_parse_method(sa, ma.ma_method) == -1 || add_start(sa) == -1) {
		store_reply_error(sa->sa_sid, "%s", sa->sa_err);
		add_free(sa);
	}
}

/* The hash of the file's bytes, for a flat or text content address. */
static int
add_hash_file(struct store_add *sa, enum hash_algo algo, struct hash *h)
{
	struct hash_ctx	ctx;
	struct stat	st;
	ssize_t		n;
	int		fd;

	if ((fd = openat(store_env.se_storefd, sa->sa_tmp, O_RDONLY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1 || fstat(fd, &st) == -1 ||
	    !S_ISREG(st.st_mode)) {
		if (fd != -1)
			close(fd);
		return (add_fail(sa, "path '%s' has a flat or text content "
		    "address but is not a regular file", sa->sa_path));
	}
	if (hash_init(&ctx, algo) == -1) {
		close(fd);
		return (add_fail(sa, "hash algorithm unavailable"));
	}
	while ((n = read(fd, add_buf, sizeof(add_buf))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			hash_abort(&ctx);
			close(fd);
			return (add_fail(sa, "cannot read '%s': %s",
			    sa->sa_path, strerror(errno)));
		}
		hash_update(&ctx, add_buf, n);
	}
	close(fd);
	hash_final(&ctx, h);
	return (0);
}

static int
add_hash_equal(const struct hash *a, const struct hash *b)
{
	return (a->h_algo == b->h_algo && a->h_len == b->h_len &&
	    memcmp(a->h_bytes, b->h_bytes, a->h_len) == 0);
}

/* Nix's messages, with hashes in base32 and prefixed. */
static int
add_mismatch(struct store_add *sa, const char *what, const struct hash *want,
    const struct hash *got)
{
	char	w[HASH_STR_MAX], g[HASH_STR_MAX];

	hash_format(want, HASH_ENC_BASE32, 1, w, sizeof(w));
	hash_format(got, HASH_ENC_BASE32, 1, g, sizeof(g));
	return (add_fail(sa, "%s mismatch importing path '%s';\n"
	    "  specified: %s\n  got:       %s", what, sa->sa_path, w, g));
}

/* The content behind a ca must hash to it, as Nix checks on import. */
static int
add_nar_check_ca(struct store_add *sa, const struct hash *narhash)
{
	const struct content_address	*ca = &sa->sa_ca;
	struct hash			 got;
	const char			*errstr;
	uint64_t			 size;

	if (ca->ca_method == CA_FLAT) {
		if (add_hash_file(sa, ca->ca_hash.h_algo, &got) == -1)
			return (-1);
	} else if (ca->ca_hash.h_algo == HASH_SHA256)
		got = *narhash;
	else if (store_nar_hash(store_env.se_storefd, sa->sa_tmp,
	    ca->ca_hash.h_algo, &got, &size, &errstr) == -1)
		return (add_fail(sa, "%s", errstr));
	if (!add_hash_equal(&got, &ca->ca_hash))
		return (add_mismatch(sa, "ca hash", &ca->ca_hash, &got));
	return (0);
}

/* The row for an imported path: the client's claims, now checked. */
static void
add_nar_result(struct store_add *sa, const struct hash *narhash,
    uint64_t narsize, struct add_result *ar)
{
	struct wire_path_info	*pi = &sa->sa_nar.man_info;
	size_t			 i, len = 0;

	hash_format(narhash, HASH_ENC_BASE16, 1, ar->ar_narhash,
	    sizeof(ar->ar_narhash));
	ar->ar_info.dpi_path = sa->sa_path;
	ar->ar_info.dpi_narhash = ar->ar_narhash;
	ar->ar_info.dpi_narsize = narsize;
	ar->ar_info.dpi_deriver = pi->pi_deriver;
	/* Only a trusted client may say it built the path here. */
	ar->ar_info.dpi_ultimate = sa->sa_nar.man_trusted && pi->pi_ultimate;
	ar->ar_info.dpi_refs = pi->pi_refs;
	ar->ar_info.dpi_nrefs = pi->pi_nrefs;
	if (sa->sa_hasca) {
		ca_format(&sa->sa_ca, ar->ar_ca, sizeof(ar->ar_ca));
		ar->ar_info.dpi_ca = ar->ar_ca;
	}
	for (i = 0; i < pi->pi_nsigs; i++)
		len += strlen(pi->pi_sigs[i]) + 1;
	if (len == 0)
		return;
	if ((ar->ar_info.dpi_sigs = calloc(1, len)) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < pi->pi_nsigs; i++) {
		if (i > 0)
			strlcat(ar->ar_info.dpi_sigs, " ", len);
		strlcat(ar->ar_info.dpi_sigs, pi->pi_sigs[i], len);
	}
}

static int
add_finish_nar(struct store_add *sa)
{
	struct add_result	 ar;
	struct hash		 narhash;
	const char		*errstr;
	uint64_t		 narsize;
	int			 rc = -1;

	memset(&ar, 0, sizeof(ar));
	if (nar_restore_finish(sa->sa_restore, &errstr) == -1)
		return (add_fail(sa, "%s", errstr));
	narsize = nar_restore_size(sa->sa_restore);
	hash_final(&sa->sa_narctx, &narhash);
	sa->sa_naron = 0;
	if (!add_hash_equal(&narhash, &sa->sa_want))
		return (add_mismatch(sa, "hash", &sa->sa_want, &narhash));
	if (narsize != sa->sa_nar.man_info.pi_narsize)
		return (add_fail(sa, "size mismatch importing path '%s';\n"
		    "  specified: %llu\n  got:       %llu", sa->sa_path,
		    (unsigned long long)sa->sa_nar.man_info.pi_narsize,
		    (unsigned long long)narsize));
	if (sa->sa_hasca && add_nar_check_ca(sa, &narhash) == -1)
		return (-1);
	add_nar_result(sa, &narhash, narsize, &ar);
	if (add_is_drv(sa->sa_path) && add_check_drv(sa, &ar) == -1)
		goto done;
	if (add_install(sa, &ar, sa->sa_nar.man_repair) == -1)
		goto done;
	store_temp_root_add(sa->sa_sid, sa->sa_path);
	store_reply_ok(sa->sa_sid);
	rc = 0;
done:
	add_result_free(&ar);
	return (rc);
}

/* End of stream: 0 when the reply went out, -1 with sa_err. */
static int
add_finish(struct store_add *sa)
{
	if (sa->sa_drain) {
		store_temp_root_add(sa->sa_sid, sa->sa_path);
		if (sa->sa_kind == ADD_NAR) {
			store_reply_ok(sa->sa_sid);
			return (0);
		}
		return (add_reply_info(sa));
	}
	if (sa->sa_kind == ADD_NAR)
		return (add_finish_nar(sa));
	return (add_finish_add(sa));
}

/*
 * Nix's rule: a path needs a valid signature unless it is content-
 * addressed (its ca gives its path) or a trusted client said not to
 * check.  rnixd has no trusted keys yet, so no signature is valid.  A
 * ca that does not give the path is refused outright, trusted or not.
 */
static int
add_nar_check_claims(struct store_add *sa)
{
	struct wire_path_info	*pi = &sa->sa_nar.man_info;
	char			 path[STOREPATH_MAX], **refs;
	const char		*errstr;
	size_t			 i, nrefs = 0;
	int			 self = 0, rc;
	enum hash_algo		 sha256 = HASH_SHA256;

	if (hash_parse(pi->pi_narhash, &sha256, &sa->sa_want, &errstr) == -1)
		return (add_fail(sa, "%s", errstr));
	sa->sa_hasca = pi->pi_ca != NULL && pi->pi_ca[0] != '\0';
	if (!sa->sa_hasca) {
		if (sa->sa_nar.man_trusted && sa->sa_nar.man_dont_check_sigs)
			return (0);
		return (add_fail(sa, "cannot add path '%s' because it lacks "
		    "a valid signature", pi->pi_path));
	}
	if (ca_parse(pi->pi_ca, &sa->sa_ca, &errstr) == -1)
		return (add_fail(sa, "%s", errstr));
	if ((refs = calloc(pi->pi_nrefs + 1, sizeof(*refs))) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < pi->pi_nrefs; i++)
		if (strcmp(pi->pi_refs[i], pi->pi_path) == 0)
			self = 1;
		else
			refs[nrefs++] = pi->pi_refs[i];
	/*
	 * A text path is made from its references, so it cannot name
	 * itself: such a claim is no content address, and only a trusted
	 * client that skips signature checks may register it (as Nix
	 * 2.8; builderproc refuses it first, this is the last word).
	 */
	if (self && sa->sa_ca.ca_kind == CA_TEXT) {
		free(refs);
		if (sa->sa_nar.man_trusted && sa->sa_nar.man_dont_check_sigs)
			return (0);
		return (add_fail(sa, "cannot add path '%s' because it lacks "
		    "a valid signature", pi->pi_path));
	}
	rc = storepath_make_ca(store_env.se_storedir,
	    store_base(pi->pi_path) + STOREPATH_HASH_LEN + 1, &sa->sa_ca, refs,
	    nrefs, self, path, sizeof(path));
	free(refs);
	if (rc == -1 || strcmp(path, pi->pi_path) != 0)
		return (add_fail(sa, "path '%s' claims to be content-addressed "
		    "but isn't", pi->pi_path));
	return (0);
}

void
store_handle_add_nar(struct imsg *imsg)
{
	struct store_add	*sa;
	struct msg_add_nar	 man;
	const char		*errstr;
	int			 fd, valid;

	if (msg_recv_add_nar(imsg, store_env.se_storedir, &man, &fd,
	    &errstr) == -1) {
		store_bad_request(imsg, errstr);
		return;
	}
	sa = add_new(imsg_get_peerid(imsg), fd);
	sa->sa_kind = ADD_NAR;
	sa->sa_nar = man;
	strlcpy(sa->sa_path, man.man_info.pi_path, sizeof(sa->sa_path));
	log_debug("session %u: import %s", sa->sa_sid, sa->sa_path);
	if (add_nar_check_claims(sa) == -1)
		goto fail;
	if ((valid = store_is_valid(sa->sa_path, &errstr)) == -1) {
		add_fail(sa, "%s", errstr);
		goto fail;
	}
	/*
	 * As Nix: a valid path is not read again unless repairing.  A
	 * .drv is, and checked: one registered before it had to declare
	 * its inputs must get the answer an invalid one gets.
	 */
	sa->sa_drain = valid && !man.man_repair && !add_is_drv(sa->sa_path);
	if (add_start(sa) == 0)
		return;
fail:
	store_reply_error(sa->sa_sid, "%s", sa->sa_err);
	add_free(sa);
}
