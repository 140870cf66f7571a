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
 * The worker-protocol operations that change the store or the
 * session: adds (the payload goes through session_upload.c), roots,
 * garbage collection, signatures, verification, SetOptions, and the
 * operations rnixd does not serve yet, whose arguments are read so
 * the connection stays usable.  Conventions: session_ops.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builderproc.h"
#include "session.h"
#include "recursive.h"
#include "sched.h"
#include "log.h"
#include "msg_store.h"

#define OPS_NOT_PRIVILEGED_REPAIR	"you are not privileged to repair paths"
#define OPS_OUTPUTS_MAX			4096	/* BasicDerivation outputs */


/* Ops 7, 8: what storeproc added, as the op's reply wants it. */
int
reply_added(struct session *s, struct imsg *imsg)
{
	struct wire_path_info	 info;
	int			 found;

	if (ops_recv_info(s, imsg, &found, &info) == -1)
		return (-1);
	if (!found)
		return (-1);
	rec_censor_info(s, &info);
	rec_candidate(s, info.pi_path);
	if (ops_current(s) == WOP_ADD_TEXT_TO_STORE)
		wire_put_string(&s->s_reply, info.pi_path);
	else
		wire_put_path_info(&s->s_reply, &info, 1);
	wire_path_info_free(&info);
	return (0);
}

/* The payload will be dropped: the op failed before it was sent. */
static void
ops_add_refuse(struct session *s, int framed, const char *why)
{
	int	fd;

	ops_error(s, "%s", why);
	if (framed)
		upload_start(s, UPLOAD_MODE_DISCARD, 0, &fd);
}

/* Send STORE_ADD with the read end of a new upload pipe. */
static void
ops_add_send(struct session *s, struct msg_add *ma, int mode)
{
	int	fd;

	if (upload_start(s, mode, 0, &fd) == -1) {
		ops_error(s, "cannot create a pipe to the store");
		return;
	}
	if (msg_send_add(builder_store(), s->s_id, ma, fd) == -1) {
		ops_error(s, "request too large");
		upload_store_done(s, 0);
		return;
	}
	s->s_wait = 1;
}

/* Is the AddToStore request sound?  NULL if so, else why not. */
static const char *
ops_add_check(struct session *s, const struct msg_add *ma)
{
	enum ca_kind	 kind;
	enum ca_method	 method;
	enum hash_algo	 algo;
	const char	*errstr;

	if (storepath_check_name(ma->ma_name, &errstr) == -1)
		return (errstr);
	if (msg_parse_method(ma->ma_method, &kind, &method, &algo,
	    &errstr) == -1)
		return (errstr);
	if (ma->ma_nrefs > MSG_PATHS_MAX)
		return ("too many references");
	if (ma->ma_repair && !session_trusted(s))
		return (OPS_NOT_PRIVILEGED_REPAIR);
	return (rec_check_refs(s, ma->ma_refs, ma->ma_nrefs, NULL));
}

int
op_add_to_store(struct session *s, struct wire_in *in)
{
	struct msg_add	 ma;
	const char	*why;
	int		 rc;

	if (s->s_hello.wh_minor < 25) {
		in->wi_errstr = "AddToStore of protocol 1.24 or older is not "
		    "supported";
		return (-1);
	}
	memset(&ma, 0, sizeof(ma));
	if ((rc = wire_get_string(in, &ma.ma_name, NULL, 1024)) != 1 ||
	    (rc = wire_get_string(in, &ma.ma_method, NULL, 1024)) != 1 ||
	    (rc = wire_get_storepaths(in, builder_storedir(), &ma.ma_refs,
	    &ma.ma_nrefs, WIRE_PATHS_MAX)) != 1 ||
	    (rc = wire_get_bool(in, &ma.ma_repair)) != 1) {
		msg_add_free(&ma);
		return (rc);
	}
	if ((why = ops_add_check(s, &ma)) != NULL)
		ops_add_refuse(s, 1, why);
	else
		ops_add_send(s, &ma, UPLOAD_MODE_SINGLE);
	msg_add_free(&ma);
	return (1);
}

/* Obsolete, but simple: the text is a text:sha256 add's payload. */
int
op_add_text_to_store(struct session *s, struct wire_in *in)
{
	struct msg_add		 ma;
	const char		*why;
	const unsigned char	*text;
	size_t			 len;
	int			 rc, fd;

	memset(&ma, 0, sizeof(ma));
	/*
	 * The text stays in the request buffer until upload_text() takes
	 * it: a copy here would be memory outside max-request-memory.
	 */
	if ((rc = wire_get_string(in, &ma.ma_name, NULL, 1024)) != 1 ||
	    (rc = wire_get_string_ref(in, &text, &len,
	    SESSION_INBUF_MAX)) != 1 ||
	    (rc = wire_get_storepaths(in, builder_storedir(), &ma.ma_refs,
	    &ma.ma_nrefs, WIRE_PATHS_MAX)) != 1) {
		msg_add_free(&ma);
		return (rc);
	}
	if ((ma.ma_method = strdup("text:sha256")) == NULL)
		fatal("strdup");
	if ((why = ops_add_check(s, &ma)) != NULL)
		ops_error(s, "%s", why);
	else if (upload_text(s, text, len, &fd) == -1)
		ops_error(s, "cannot create a pipe to the store");
	else if (msg_send_add(builder_store(), s->s_id, &ma, fd) == -1) {
		ops_error(s, "request too large");
		upload_store_done(s, 0);
	} else
		s->s_wait = 1;
	msg_add_free(&ma);
	return (1);
}

/*
 * A text path cannot refer to itself: its path is made from its
 * references, so one naming itself is no content address at all, and
 * Nix 2.8 wants a signature for it (none is valid here), whatever the
 * path's validity.  Only a trusted client not checking may add it, as
 * any claim.  The same for a recursive session as for any other.
 */
static const char *
ops_add_text_self(const struct msg_add_nar *man,
    const struct content_address *ca)
{
	static char			 msg[STOREPATH_MAX + 64];
	const struct wire_path_info	*pi = &man->man_info;
	size_t				 i;

	if (ca == NULL || ca->ca_kind != CA_TEXT ||
	    (man->man_trusted && man->man_dont_check_sigs))
		return (NULL);
	for (i = 0; i < pi->pi_nrefs; i++)
		if (strcmp(pi->pi_refs[i], pi->pi_path) == 0) {
			snprintf(msg, sizeof(msg), "cannot add path '"
			    OPS_HL("%s") "' because it lacks a valid "
			    "signature", pi->pi_path);
			return (msg);
		}
	return (NULL);
}

/* AddToStoreNar: what the client claims, with trust applied. */
const char *
ops_add_nar_check(struct session *s, struct msg_add_nar *man)
{
	struct wire_path_info		*pi = &man->man_info;
	struct content_address		 ca;
	struct hash			 h;
	const enum hash_algo		 sha256 = HASH_SHA256;
	const char			*errstr;

	if (!session_trusted(s)) {
		man->man_dont_check_sigs = 0;
		pi->pi_ultimate = 0;
	}
	man->man_trusted = session_trusted(s);
	if (man->man_repair && !session_trusted(s))
		return (OPS_NOT_PRIVILEGED_REPAIR);
	if (hash_parse(pi->pi_narhash, &sha256, &h, &errstr) == -1)
		return (errstr);
	if (pi->pi_ca != NULL && ca_parse(pi->pi_ca, &ca, &errstr) == -1)
		return (errstr);
	if (pi->pi_nrefs > MSG_PATHS_MAX)
		return ("too many references");
	if ((errstr = ops_add_text_self(man, pi->pi_ca != NULL ? &ca :
	    NULL)) != NULL)
		return (errstr);
	if ((errstr = rec_check_refs(s, pi->pi_refs, pi->pi_nrefs,
	    pi->pi_path)) != NULL)
		return (errstr);
	rec_candidate(s, pi->pi_path);
	return (NULL);
}

int
op_add_to_store_nar(struct session *s, struct wire_in *in)
{
	struct msg_add_nar	 man;
	const char		*why;
	int			 rc, fd;

	if (s->s_hello.wh_minor < 23) {
		in->wi_errstr = "AddToStoreNar of protocol 1.22 or older is "
		    "not supported";
		return (-1);
	}
	memset(&man, 0, sizeof(man));
	if ((rc = wire_get_path_info(in, builder_storedir(), &man.man_info,
	    1)) != 1)
		return (rc);
	if ((rc = wire_get_bool(in, &man.man_repair)) != 1 ||
	    (rc = wire_get_bool(in, &man.man_dont_check_sigs)) != 1) {
		wire_path_info_free(&man.man_info);
		return (rc);
	}
	if ((why = ops_add_nar_check(s, &man)) != NULL)
		ops_add_refuse(s, 1, why);
	else if (upload_start(s, UPLOAD_MODE_SINGLE, 0, &fd) == -1)
		ops_error(s, "cannot create a pipe to the store");
	else if (msg_send_add_nar(builder_store(), s->s_id, &man,
	    fd) == -1) {
		ops_error(s, "request too large");
		upload_store_done(s, 0);
	} else
		s->s_wait = 1;
	wire_path_info_free(&man.man_info);
	return (1);
}

/*
 * AddMultipleToStore: the payload holds the paths; session_upload.c
 * splits it and sends one STORE_ADD_NAR per path.
 */
int
op_add_multiple(struct session *s, struct wire_in *in)
{
	int	repair, dont_check_sigs, rc, fd, flags = 0;

	if ((rc = wire_get_bool(in, &repair)) != 1 ||
	    (rc = wire_get_bool(in, &dont_check_sigs)) != 1)
		return (rc);
	if (repair && !session_trusted(s)) {
		ops_add_refuse(s, 1, OPS_NOT_PRIVILEGED_REPAIR);
		return (1);
	}
	if (repair)
		flags |= UPLOAD_REPAIR;
	if (dont_check_sigs && session_trusted(s))
		flags |= UPLOAD_DONT_CHECK_SIGS;
	if (upload_start(s, UPLOAD_MODE_MULTI, flags, &fd) == -1)
		ops_error(s, "cannot create a pipe to the store");
	return (1);
}

int
reply_multiple(struct session *s, struct imsg *imsg)
{
	if (reply_ok_none(s, imsg) == -1)
		return (-1);
	upload_store_done(s, 1);
	return (0);
}

/* NarFromPath: storeproc writes the NAR into a pipe, we stream it. */
int
run_nar_from_path(struct session *s, struct op_args *args)
{
	char	*path = args->oa_path;
	int	 fd;

	args->oa_path = NULL;
	s->s_arg = path;
	if (download_start(s, &fd) == -1)
		ops_error(s, "cannot create a pipe to the store");
	else if (msg_send_path(builder_store(), IMSG_STORE_NAR_FROM_PATH,
	    s->s_id, path, fd) == -1) {
		/* The write end is closed: the pipe reads as empty. */
		ops_error(s, "request too large");
	} else
		s->s_wait = 1;
	return (1);
}

int
run_ensure_path(struct session *s, struct op_args *args)
{
	ops_request_path(s, IMSG_STORE_ENSURE, args->oa_path);
	args->oa_path = NULL;
	return (1);
}

int
op_add_temp_root(struct session *s, struct wire_in *in)
{
	char	*path;
	int	 rc;

	if ((rc = wire_get_storepath(in, builder_storedir(), &path)) != 1)
		return (rc);
	ops_request_path(s, IMSG_STORE_TEMP_ROOT, path);
	return (1);
}

/*
 * Nix's absPath() and canonPath() as nix-daemon applies them, its
 * working directory being "/": no ".", ".." or empty components.
 * Symlinks are not resolved (Nix does not either, here).
 */
int
ops_canon_path(const char *path, char *out, size_t outsz)
{
	size_t	len = 0, n;

	out[0] = '\0';
	while (*path != '\0') {
		path += strspn(path, "/");
		n = strcspn(path, "/");
		if (n == 0 || (n == 1 && path[0] == '.')) {
			path += n;
			continue;
		}
		if (n == 2 && path[0] == '.' && path[1] == '.') {
			while (len > 0 && out[--len] != '/')
				;
			out[len] = '\0';
		} else {
			if (len + 1 + n >= outsz)
				return (-1);
			out[len++] = '/';
			memcpy(out + len, path, n);
			len += n;
			out[len] = '\0';
		}
		path += n;
	}
	if (len == 0)
		strlcpy(out, "/", outsz);
	return (0);
}

int
op_add_indirect_root(struct session *s, struct wire_in *in)
{
	char	*path, canon[MSG_LINKPATH_MAX + 1];
	int	 rc;

	if ((rc = wire_get_string(in, &path, NULL, MSG_LINKPATH_MAX)) != 1)
		return (rc);
	if (ops_canon_path(path, canon, sizeof(canon)) == -1 ||
	    strcmp(canon, "/") == 0)
		ops_error(s, "invalid indirect root '%s'", path);
	else if (msg_send_text(builder_store(), IMSG_STORE_INDIRECT_ROOT,
	    s->s_id, canon) == -1)
		ops_error(s, "invalid indirect root '%s'", path);
	else
		s->s_wait = 1;
	free(path);
	return (1);
}

int
op_find_roots(struct session *s, struct wire_in *in)
{
	(void)in;
	msg_send_empty(builder_store(), IMSG_STORE_FIND_ROOTS, s->s_id);
	s->s_wait = 1;
	return (1);
}

static int
ops_root_cmp(const void *a, const void *b)
{
	const struct msg_root	*ra = a, *rb = b;
	int			 c;

	if ((c = strcmp(ra->mr_target, rb->mr_target)) != 0)
		return (c);
	return (strcmp(ra->mr_link, rb->mr_link));
}

/*
 * Untrusted clients learn nothing of other processes: temp roots
 * ("{temp:N}") and runtime roots (/proc/...) lose their names, as in
 * Nix; roots under gcroots/ keep theirs.
 */
static void
ops_roots_censor(struct msg_root *roots, size_t nroots)
{
	size_t	i;

	for (i = 0; i < nroots; i++) {
		if (roots[i].mr_link[0] == '/' &&
		    strncmp(roots[i].mr_link, "/proc/", 6) != 0)
			continue;
		free(roots[i].mr_link);
		if ((roots[i].mr_link = strdup("{censored}")) == NULL)
			fatal("strdup");
	}
}

int
reply_roots(struct session *s, struct imsg *imsg)
{
	struct msg_root	*roots;
	const char	*errstr;
	size_t		 nroots, i, nsent;

	if (ops_expect(s, imsg, IMSG_STORE_ROOTS) == -1 ||
	    msg_recv_roots(imsg, builder_storedir(), &roots, &nroots,
	    &errstr) == -1)
		return (-1);
	if (!session_trusted(s))
		ops_roots_censor(roots, nroots);
	qsort(roots, nroots, sizeof(*roots), ops_root_cmp);
	/* A root is a (target, link) set entry: duplicates count once. */
	for (i = 0, nsent = 0; i < nroots; i++)
		if (i == 0 || ops_root_cmp(&roots[i - 1], &roots[i]) != 0)
			nsent++;
	wire_put_u64(&s->s_reply, nsent);
	for (i = 0; i < nroots; i++) {
		if (i > 0 && ops_root_cmp(&roots[i - 1], &roots[i]) == 0)
			continue;
		wire_put_string(&s->s_reply, roots[i].mr_link);
		wire_put_string(&s->s_reply, roots[i].mr_target);
	}
	msg_roots_free(roots, nroots);
	return (0);
}

int
op_collect_garbage(struct session *s, struct wire_in *in)
{
	struct msg_gc	mg;
	uint64_t	obsolete;
	int		rc, i;

	memset(&mg, 0, sizeof(mg));
	if ((rc = wire_get_u64(in, &mg.mg_action)) != 1)
		return (rc);
	/* Nothing sane follows an action that is none of the four. */
	if (mg.mg_action > 3) {
		in->wi_errstr = "invalid garbage collector action";
		return (-1);
	}
	if ((rc = wire_get_storepaths(in, builder_storedir(), &mg.mg_paths,
	    &mg.mg_npaths, WIRE_PATHS_MAX)) != 1)
		return (rc);
	if ((rc = wire_get_bool(in, &mg.mg_ignore_liveness)) != 1 ||
	    (rc = wire_get_u64(in, &mg.mg_max_freed)) != 1)
		goto done;
	for (i = 0; i < 3; i++)
		if ((rc = wire_get_u64(in, &obsolete)) != 1)
			goto done;
	if (mg.mg_ignore_liveness)
		ops_error(s, "you are not allowed to ignore liveness");
	else if (msg_send_gc(builder_store(), s->s_id, &mg) == -1)
		ops_error(s, "too many paths in one request");
	else
		s->s_wait = 1;
 done:
	msg_gc_free(&mg);
	return (rc);
}

int
reply_gc(struct session *s, struct imsg *imsg)
{
	struct msg_gc_result	 mgr;
	const char		*errstr;

	if (ops_expect(s, imsg, IMSG_STORE_GC_RESULT) == -1 ||
	    msg_recv_gc_result(imsg, builder_storedir(), &mgr, &errstr) == -1)
		return (-1);
	wire_put_string_set(&s->s_reply, mgr.mgr_paths, mgr.mgr_npaths);
	wire_put_u64(&s->s_reply, mgr.mgr_bytes_freed);
	wire_put_u64(&s->s_reply, 0);		/* obsolete */
	msg_gc_result_free(&mgr);
	return (0);
}

int
parse_verify_store(struct session *s, struct wire_in *in,
    struct op_args *args)
{
	int	rc;

	(void)s;
	if ((rc = wire_get_bool(in, &args->oa_check)) != 1)
		return (rc);
	return (wire_get_bool(in, &args->oa_repair));
}

int
run_verify_store(struct session *s, struct op_args *args)
{
	if (args->oa_repair && !session_trusted(s))
		ops_error(s, OPS_NOT_PRIVILEGED_REPAIR);
	else {
		msg_send_verify(builder_store(), s->s_id, args->oa_check,
		    args->oa_repair);
		s->s_wait = 1;
	}
	return (1);
}

int
reply_verify(struct session *s, struct imsg *imsg)
{
	const char	*errstr;
	char		**drvs, **paths;
	size_t		  ndrvs, i;
	int		  errors;

	if (ops_expect(s, imsg, IMSG_STORE_VERIFY_RESULT) == -1 ||
	    msg_recv_verify_result(imsg, builder_storedir(), &errors, &drvs,
	    &ndrvs, &errstr) == -1)
		return (-1);
	if (ndrvs == 0) {
		wire_put_bool(&s->s_reply, errors);
		return (0);
	}
	/* Repair: rebuild the derivers of what was broken (repairPath). */
	if ((paths = calloc(ndrvs + 1, sizeof(*paths))) == NULL)
		fatal("calloc");
	for (i = 0; i < ndrvs; i++)
		if (asprintf(&paths[i], "%s!*", drvs[i]) == -1)
			fatal("asprintf");
	wire_strings_free(drvs, ndrvs);
	req_start_mode(s, paths, ndrvs, NULL, WIRE_BUILD_REPAIR,
	    errors);
	return (0);
}

/* Op 37: a store path and signatures of it. */
int
parse_add_signatures(struct session *s, struct wire_in *in,
    struct op_args *args)
{
	int	rc;

	if ((rc = parse_path(s, in, args)) != 1)
		return (rc);
	return (wire_get_strings(in, &args->oa_paths, &args->oa_npaths,
	    WIRE_SIGS_MAX, WIRE_SIG_MAX));
}

int
run_add_signatures(struct session *s, struct op_args *args)
{
	if (!session_trusted(s))
		ops_error(s, "you are not privileged to add signatures");
	else if (msg_send_add_sigs(builder_store(), s->s_id,
	    args->oa_path, args->oa_paths, args->oa_npaths) == -1)
		ops_error(s, "request too large");
	else
		s->s_wait = 1;
	return (1);
}

static void
ops_not_yet(struct session *s)
{
	ops_error(s, "operation '%s' is not yet supported by rnixd",
	    ops_name(s));
}

/* As nix-daemon: anyone may check, only a trusted client repair. */
static int
ops_build_mode(struct session *s, uint64_t mode)
{
	if (mode == WIRE_BUILD_REPAIR && !session_trusted(s))
		ops_error(s, "repairing is not allowed because you are not "
		    "in 'trusted-users'");
	else if (mode > WIRE_BUILD_CHECK)
		ops_error(s, "invalid build mode %llu",
		    (unsigned long long)mode);
	else
		return (0);
	return (-1);
}

/* Ops 9, 46: list<DerivedPath>, then the build mode. */
int
parse_build_paths(struct session *s, struct wire_in *in,
    struct op_args *args)
{
	int	rc;

	args->oa_mode = WIRE_BUILD_NORMAL;
	if ((rc = ops_read_derived(in, &args->oa_paths,
	    &args->oa_npaths)) != 1)
		return (rc);
	if (s->s_hello.wh_minor >= 15)
		return (wire_get_u64(in, &args->oa_mode));
	return (1);
}

int
run_build_paths(struct session *s, struct op_args *args)
{
	if (ops_build_mode(s, args->oa_mode) == -1)
		return (1);
	if (args->oa_npaths == 0) {
		if (ops_current(s) == WOP_BUILD_PATHS)
			wire_put_u64(&s->s_reply, 1);
		else
			wire_put_u64(&s->s_reply, 0);
		return (1);
	}
	req_start_mode(s, args->oa_paths, args->oa_npaths, NULL,
	    args->oa_mode, 0);
	args->oa_paths = NULL;
	args->oa_npaths = 0;
	return (1);
}

static int
ops_read_basic_outputs(struct wire_in *in, struct drv *d, const char **why)
{
	char		*f[4];
	uint64_t	 n, i;
	int		 rc, j, bad = 0;

	if ((rc = wire_get_u64(in, &n)) != 1)
		return (rc);
	if (n > OPS_OUTPUTS_MAX) {
		in->wi_errstr = "too many derivation outputs";
		return (-1);
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < 4; j++)
			if ((rc = wire_get_string(in, &f[j], NULL,
			    STOREPATH_MAX)) != 1) {
				while (j-- > 0)
					free(f[j]);
				return (rc);
			}
		if (!bad && drv_add_output(d, f[0], f[1], f[2], f[3],
		    why) == -1)
			bad = 1;
		for (j = 0; j < 4; j++)
			free(f[j]);
	}
	return (bad ? 2 : 1);
}

/* The rest: inputSrcs, platform, builder, args, env. */
static int
ops_read_basic_rest(struct wire_in *in, struct drv *d, const char **why)
{
	struct wire_pair	 *env = NULL;
	char			**list, *platform, *builder;
	size_t			  n, i;
	int			  rc, bad = 0;

	if ((rc = wire_get_storepaths(in, builder_storedir(), &list, &n,
	    WIRE_PATHS_MAX)) != 1)
		return (rc);
	for (i = 0; i < n && !bad; i++)
		bad = drv_add_src(d, list[i], why) == -1;
	wire_strings_free(list, n);
	if ((rc = wire_get_string(in, &platform, NULL, 1024)) != 1)
		return (rc);
	bad = bad || drv_set_platform(d, platform, why) == -1;
	free(platform);
	if ((rc = wire_get_string(in, &builder, NULL, 4096)) != 1)
		return (rc);
	bad = bad || drv_set_builder(d, builder, why) == -1;
	free(builder);
	if ((rc = wire_get_strings(in, &list, &n, WIRE_PATHS_MAX,
	    SESSION_INBUF_MAX)) != 1)
		return (rc);
	for (i = 0; i < n && !bad; i++)
		bad = drv_add_arg(d, list[i], why) == -1;
	wire_strings_free(list, n);
	if ((rc = wire_get_string_map(in, &env, &n, WIRE_PATHS_MAX,
	    SESSION_INBUF_MAX, SESSION_INBUF_MAX)) != 1)
		return (rc);
	for (i = 0; i < n && !bad; i++)
		bad = drv_add_env(d, env[i].wp_key, env[i].wp_value,
		    why) == -1;
	wire_pairs_free(env, n);
	return (bad ? 2 : 1);
}

/*
 * Op 36: drvPath, BasicDerivation (worker-protocol.md 6.3), mode.  As
 * in Nix, an untrusted client may build only a fixed-output
 * derivation: its output is checked against a hash it cannot forge.
 */
/*
 * Op 36: a .drv path, a BasicDerivation and the build mode.  One that
 * is read whole but is no derivation is kept as bad, for the run to
 * refuse: the request was read, the connection goes on.
 */
int
parse_build_derivation(struct session *s, struct wire_in *in,
    struct op_args *args)
{
	int	rc;

	if ((rc = parse_path(s, in, args)) != 1)
		return (rc);
	if ((args->oa_drv = drv_new()) == NULL)
		fatal("drv_new");
	if ((rc = ops_read_basic_outputs(in, args->oa_drv,
	    &args->oa_why)) == 2)
		args->oa_bad = 1;
	else if (rc != 1)
		return (rc);
	if ((rc = ops_read_basic_rest(in, args->oa_drv, &args->oa_why)) == 2)
		args->oa_bad = 1;
	else if (rc != 1)
		return (rc);
	return (wire_get_u64(in, &args->oa_mode));
}

int
run_build_derivation(struct session *s, struct op_args *args)
{
	struct drv_type	 dt;
	struct goal	*g;
	const char	*why = args->oa_why;
	char		*path = args->oa_path, **paths;

	if (args->oa_bad || drv_validate(builder_storedir(), args->oa_drv,
	    &why) == -1 || drv_type(args->oa_drv, &dt, &why) == -1)
		ops_error(s, "invalid derivation: %s", why);
	else if (dt.dt_kind == DRV_DEFERRED)
		/* No output path to check, build into or register. */
		ops_error(s, "cannot build '" OPS_HL("%s") "': its output "
		    "paths are deferred (content-addressed derivations are "
		    "not supported)", path);
	else if (!session_trusted(s) && dt.dt_kind != DRV_FIXED)
		ops_error(s, "you are not privileged to build input-addressed "
		    "derivations");
	else if (s->s_error == NULL && ops_build_mode(s, args->oa_mode) == 0) {
		g = goal_new_private(path, args->oa_drv);
		g->g_mode = args->oa_mode;
		args->oa_drv = NULL;
		if ((paths = calloc(2, sizeof(*paths))) == NULL ||
		    asprintf(&paths[0], "%s!*", path) == -1)
			fatal("calloc");
		req_start(s, paths, 1, g);
		goal_unref(g);
	}
	return (1);
}

/* Ops 42, 43, 45: one string (a Realisation, a DrvOutput, a name). */
int
parse_one_string(struct session *s, struct wire_in *in,
    struct op_args *args)
{
	(void)s;
	return (wire_get_string(in, &args->oa_str, &args->oa_len,
	    SESSION_INBUF_MAX));
}

int
run_one_string(struct session *s, struct op_args *args)
{
	(void)args;
	ops_not_yet(s);
	return (1);
}

/* Op 45: a drv base name (parse_one_string) and a framed log, dropped. */
int
run_add_build_log(struct session *s, struct op_args *args)
{
	(void)args;
	ops_not_yet(s);
	ops_add_refuse(s, 1, s->s_error);
	return (1);
}

/* Op 16: a store path and an obsolete flag. */
int
parse_export_path(struct session *s, struct wire_in *in,
    struct op_args *args)
{
	int	rc;

	if ((rc = parse_path(s, in, args)) != 1)
		return (rc);
	return (wire_get_u64(in, &args->oa_mode));
}

int
run_export_path(struct session *s, struct op_args *args)
{
	(void)args;
	ops_error(s, "operation '%s' is not supported by rnixd",
	    ops_name(s));
	return (1);
}

/* Ops 27, 34: obsolete or not offered; they have no arguments. */
int
op_unsupported(struct session *s, struct wire_in *in)
{
	(void)in;
	ops_error(s, "operation '%s' is not supported by rnixd",
	    ops_name(s));
	return (1);
}

/* A warning as nix-daemon logs it to the client, at lvlWarn. */
static void
ops_warn(struct session *s, const struct wire_options *opts,
    const char *msg)
{
	char	*line;

	log_debug("session %u: %s", s->s_id, msg);
	if (opts->opt_verbosity < WIRE_LVL_WARN)
		return;
	if (asprintf(&line, "\x1b[35;1mwarning:\x1b[0m %s\n", msg) == -1)
		fatal("asprintf");
	wire_put_stderr_next(&s->s_out, line);
	free(line);
}

/*
 * The substituters an untrusted client may pick are those the daemon
 * trusts; rnixd has none, so each one named is refused.
 */
static void
ops_options_substituters(struct session *s, const struct wire_options *opts,
    const char *value)
{
	char	*msg, *tok;
	size_t	 len;

	for (;;) {
		value += strspn(value, " \t\n\r");
		if ((len = strcspn(value, " \t\n\r")) == 0)
			break;
		if ((tok = strndup(value, len)) == NULL)
			fatal("strndup");
		if (asprintf(&msg, "ignoring untrusted substituter '%s', you "
		    "are not a trusted user.\nRun `man nix.conf` for more "
		    "information on the `substituters` configuration "
		    "option.", tok) == -1)
			fatal("asprintf");
		ops_warn(s, opts, msg);
		free(msg);
		free(tok);
		value += len;
	}
}

/* Is this override one nix-daemon takes from anyone? */
static int
ops_option_unrestricted(const struct wire_pair *wp)
{
	return (strcmp(wp->wp_key, "timeout") == 0 ||
	    strcmp(wp->wp_key, "repeat") == 0 ||
	    strcmp(wp->wp_key, "connect-timeout") == 0 ||
	    (strcmp(wp->wp_key, "builders") == 0 && wp->wp_value[0] == '\0'));
}

/*
 * Does rnixd act on this override of a trusted client?  The timeout
 * it does (req_session_timeout); a list of substituters or builders
 * only when it is empty, since rnixd never substitutes nor builds
 * remotely.  Everything else a client may send (sandbox-paths, cores
 * given as an option, netrc-file, ...) is the daemon's own
 * configuration or not implemented here.
 */
static int
ops_option_acted_on(const struct wire_pair *wp)
{
	static const char *const lists[] = {
		"substituters", "extra-substituters", "binary-caches",
		"extra-binary-caches", "trusted-substituters",
		"extra-trusted-substituters", "trusted-public-keys",
		"extra-trusted-public-keys", "binary-cache-public-keys",
		"builders"
	};
	size_t	i;

	if (strcmp(wp->wp_key, "timeout") == 0 ||
	    strcmp(wp->wp_key, "build-timeout") == 0)
		return (1);
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (strcmp(wp->wp_key, lists[i]) == 0)
			return (wp->wp_value[strspn(wp->wp_value,
			    " \t\n\r")] == '\0');
	return (0);
}

/* Nix's warning for a setting it does not know: never silence. */
static void
ops_option_unknown(struct session *s, const struct wire_options *opts,
    const struct wire_pair *wp)
{
	char	*msg;

	if (asprintf(&msg, "unknown setting '%s'", wp->wp_key) == -1)
		fatal("asprintf");
	ops_warn(s, opts, msg);
	free(msg);
}

/*
 * Apply nix-daemon's rules (worker-protocol.md 6.1): trusted clients
 * set anything but experimental-features; untrusted ones only a few
 * harmless settings, the rest is dropped with a warning.
 */
static void
ops_options_filter(struct session *s, struct wire_options *opts)
{
	struct wire_pair	*wp;
	char			*msg;
	size_t			 i, kept = 0;

	for (i = 0; i < opts->opt_noverrides; i++) {
		wp = &opts->opt_overrides[i];
		if (strcmp(wp->wp_key, "experimental-features") == 0 ||
		    strcmp(wp->wp_key, "ssh-auth-sock") == 0)
			;
		else if (session_trusted(s) || ops_option_unrestricted(wp)) {
			if (!ops_option_acted_on(wp))
				ops_option_unknown(s, opts, wp);
			opts->opt_overrides[kept++] = *wp;
			continue;
		} else if (strcmp(wp->wp_key, "substituters") == 0 ||
		    strcmp(wp->wp_key, "binary-caches") == 0 ||
		    strcmp(wp->wp_key, "extra-substituters") == 0 ||
		    strcmp(wp->wp_key, "extra-binary-caches") == 0)
			ops_options_substituters(s, opts, wp->wp_value);
		else {
			if (asprintf(&msg, "ignoring the client-specified "
			    "setting '%s', because it is a restricted setting "
			    "and you are not a trusted user", wp->wp_key) == -1)
				fatal("asprintf");
			ops_warn(s, opts, msg);
			free(msg);
		}
		free(wp->wp_key);
		free(wp->wp_value);
	}
	opts->opt_noverrides = kept;
}

int
op_set_options(struct session *s, struct wire_in *in)
{
	struct wire_options	opts;
	int			rc;

	memset(&opts, 0, sizeof(opts));
	if ((rc = wire_get_set_options(in, s->s_hello.wh_minor, &opts)) != 1)
		return (rc);
	ops_options_filter(s, &opts);
	wire_options_free(&s->s_opts);
	s->s_opts = opts;
	return (1);
}

/*
 * The scheduler's view of a session (sched.h): it owns this interface
 * so that it never calls up into the protocol server.
 */
uint64_t
sched_client_op(const struct session *s)
{
	return (ops_current(s));
}

void
sched_client_error(struct session *s, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	ops_verror(s, fmt, ap);
	va_end(ap);
}

void
sched_client_resume(struct session *s)
{
	session_process(s);
}

void
sched_client_account(struct session *s)
{
	session_out_account(s);
}

void
sched_client_candidate(struct session *s, const char *path)
{
	rec_candidate(s, path);
}

char *
sched_client_censor(struct session *s, const char *error)
{
	return (rec_censor_error(s, error));
}

/*
 * Does the client keep what failed?  Only a trusted one outside any
 * sandbox: a kept <out>.check is a tree in the store nothing registers.
 */
int
sched_client_keep_failed(const struct session *s)
{
	return (s->s_rec == NULL && session_trusted(s) &&
	    s->s_opts.opt_keep_failed);
}
