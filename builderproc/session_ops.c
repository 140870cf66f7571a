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
 * The worker-protocol operations, one small function per op: a start
 * function that reads the request from the session's input, checks it
 * and the client's trust, and either answers at once or sends one
 * request to storeproc; and, for the latter, a reply function that
 * turns storeproc's final answer into the client's reply.  Both write
 * the reply into s_reply; ops_finish() sends STDERR_LAST and it, or
 * the error instead, once nothing of the op is outstanding.  The ops
 * whose request the recursive policy looks at have a parse function
 * and a run function instead of a start function, so that the request
 * is read once, by one parser, whoever decides on it.
 *
 * Start and parse functions return what the wire getters return: 1
 * (request read: in->wi_off says how far), 0 (it is not all there yet:
 * nothing was done) or -1 (bad request, in->wi_errstr says why: the
 * position in the stream is lost, the session closes after the error,
 * as nix-daemon does); run functions 1.  Errors after a whole request
 * was read keep the connection usable.  This file has the table and
 * what every op shares; session_query.c the queries; session_modify.c
 * the operations that change the store.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builderproc.h"
#include "session.h"
#include "recursive.h"
#include "sched.h"
#include "drv.h"
#include "log.h"
#include "msg_store.h"

/*
 * An op either reads its request and acts in one go (od_start), or,
 * where the recursive policy looks at the request, is parsed first
 * (od_parse) and run after the policy let it (od_run).
 */
struct op_desc {
	enum rec_policy	  od_rec;	/* what a recursive session may do */
	int		(*od_parse)(struct session *, struct wire_in *,
			    struct op_args *);
	int		(*od_run)(struct session *, struct op_args *);
	int		(*od_start)(struct session *, struct wire_in *);
	int		(*od_reply)(struct session *, struct imsg *);
	uint32_t	  od_query;	/* run_path_query's request */
};

#define OP(rec, start, reply)	{ (rec), NULL, NULL, (start), (reply), 0 }
#define OP_PARSED(rec, parse, run, reply, query) \
	{ (rec), (parse), (run), NULL, (reply), (query) }

/*
 * Unlisted numbers are invalid, as they are for nix-daemon 2.8.  The
 * first column is the recursive policy: what a builder may do through
 * its socket (recursive.c carries it out).
 */
static const struct op_desc ops_table[] = {
	[WOP_IS_VALID_PATH] = OP_PARSED(REC_PATH_FALSE, parse_path,
	    run_is_valid_path, reply_is_valid_path, 0),
	[WOP_HAS_SUBSTITUTES] = OP_PARSED(REC_DELEGATE, parse_path,
	    run_no_substitute, NULL, 0),
	[WOP_QUERY_PATH_HASH] = OP_PARSED(REC_PATH_ERROR, parse_path,
	    run_path_query, reply_info, IMSG_STORE_QUERY_INFO),
	[WOP_QUERY_REFERENCES] = OP_PARSED(REC_PATH_ERROR, parse_path,
	    run_path_query, reply_info, IMSG_STORE_QUERY_INFO),
	[WOP_QUERY_REFERRERS] = OP_PARSED(REC_EMPTY, parse_path,
	    run_path_query, reply_paths, IMSG_STORE_QUERY_REFERRERS),
	[WOP_ADD_TO_STORE] = OP(REC_DELEGATE, op_add_to_store, reply_added),
	[WOP_ADD_TEXT_TO_STORE] = OP(REC_DELEGATE, op_add_text_to_store,
	    reply_added),
	[WOP_BUILD_PATHS] = OP_PARSED(REC_BUILD_FILTER, parse_build_paths,
	    run_build_paths, NULL, 0),
	[WOP_ENSURE_PATH] = OP_PARSED(REC_PATH_ERROR, parse_path,
	    run_ensure_path, reply_ok_one, 0),
	[WOP_ADD_TEMP_ROOT] = OP(REC_GC_NOOP, op_add_temp_root,
	    reply_ok_one),
	[WOP_ADD_INDIRECT_ROOT] = OP(REC_GC_NOOP, op_add_indirect_root,
	    reply_ok_one),
	[WOP_SYNC_WITH_GC] = OP(REC_GC_NOOP, op_sync_with_gc, NULL),
	[WOP_FIND_ROOTS] = OP(REC_GC_NOOP, op_find_roots, reply_roots),
	[WOP_EXPORT_PATH] = OP_PARSED(REC_REFUSE, parse_export_path,
	    run_export_path, NULL, 0),
	[WOP_QUERY_DERIVER] = OP_PARSED(REC_PATH_ERROR, parse_path,
	    run_path_query, reply_info, IMSG_STORE_QUERY_INFO),
	[WOP_SET_OPTIONS] = OP(REC_OPTIONS, op_set_options, NULL),
	[WOP_COLLECT_GARBAGE] = OP(REC_GC_NOOP, op_collect_garbage,
	    reply_gc),
	[WOP_QUERY_SUBSTITUTABLE_PATH_INFO] = OP_PARSED(REC_DELEGATE,
	    parse_path, run_no_substitute, NULL, 0),
	[WOP_QUERY_DERIVATION_OUTPUTS] = OP_PARSED(REC_PATH_ERROR,
	    parse_path, run_path_query, reply_outputs,
	    IMSG_STORE_QUERY_OUTPUTS),
	[WOP_QUERY_ALL_VALID_PATHS] = OP(REC_PATHS_ALLOWED, op_query_all,
	    reply_paths),
	[WOP_QUERY_PATH_INFO] = OP_PARSED(REC_PATH_NOTFOUND, parse_path,
	    run_path_query, reply_info, IMSG_STORE_QUERY_INFO),
	[WOP_IMPORT_PATHS] = OP(REC_REFUSE, op_unsupported, NULL),
	[WOP_QUERY_DERIVATION_OUTPUT_NAMES] = OP_PARSED(REC_PATH_ERROR,
	    parse_path, run_path_query, reply_outputs,
	    IMSG_STORE_QUERY_OUTPUTS),
	[WOP_QUERY_PATH_FROM_HASH_PART] = OP_PARSED(REC_REFUSE,
	    parse_hash_part, run_query_hash_part, reply_hash_part, 0),
	[WOP_QUERY_SUBSTITUTABLE_PATH_INFOS] = OP(REC_DELEGATE,
	    op_subst_infos, NULL),
	[WOP_QUERY_VALID_PATHS] = OP_PARSED(REC_PATHS_FILTER,
	    parse_valid_paths, run_query_valid_paths, reply_paths, 0),
	[WOP_QUERY_SUBSTITUTABLE_PATHS] = OP(REC_DELEGATE, op_subst_paths,
	    NULL),
	[WOP_QUERY_VALID_DERIVERS] = OP_PARSED(REC_EMPTY, parse_path,
	    run_path_query, reply_paths, IMSG_STORE_QUERY_DERIVERS),
	[WOP_OPTIMISE_STORE] = OP(REC_GC_NOOP, op_unsupported, NULL),
	[WOP_VERIFY_STORE] = OP_PARSED(REC_VERIFY, parse_verify_store,
	    run_verify_store, reply_verify, 0),
	[WOP_BUILD_DERIVATION] = OP_PARSED(REC_REFUSE, parse_build_derivation,
	    run_build_derivation, NULL, 0),
	[WOP_ADD_SIGNATURES] = OP_PARSED(REC_REFUSE, parse_add_signatures,
	    run_add_signatures, reply_ok_one, 0),
	[WOP_NAR_FROM_PATH] = OP_PARSED(REC_PATH_ERROR, parse_path,
	    run_nar_from_path, reply_ok_none, 0),
	/* References are checked by session_modify.c. */
	[WOP_ADD_TO_STORE_NAR] = OP(REC_DELEGATE, op_add_to_store_nar,
	    reply_ok_none),
	[WOP_QUERY_MISSING] = OP_PARSED(REC_MISSING_FILTER, parse_derived,
	    run_query_missing, reply_missing, 0),
	[WOP_QUERY_DERIVATION_OUTPUT_MAP] = OP_PARSED(REC_PATH_ERROR,
	    parse_path, run_path_query, reply_outputs,
	    IMSG_STORE_QUERY_OUTPUTS),
	[WOP_REGISTER_DRV_OUTPUT] = OP_PARSED(REC_REFUSE, parse_one_string,
	    run_one_string, NULL, 0),
	[WOP_QUERY_REALISATION] = OP_PARSED(REC_REFUSE, parse_one_string,
	    run_one_string, NULL, 0),
	[WOP_ADD_MULTIPLE_TO_STORE] = OP(REC_DELEGATE, op_add_multiple,
	    reply_multiple),
	[WOP_ADD_BUILD_LOG] = OP_PARSED(REC_REFUSE, parse_one_string,
	    run_add_build_log, NULL, 0),
	[WOP_BUILD_PATHS_WITH_RESULTS] = OP_PARSED(REC_BUILD_FILTER,
	    parse_build_paths, run_build_paths, NULL, 0),
	/* 1.36; never for a builder, which is never trusted. */
	[WOP_ADD_PERM_ROOT] = OP_PARSED(REC_REFUSE, parse_perm_root,
	    run_add_perm_root, reply_perm_root, 0),
};

#define OPS_NUM	(sizeof(ops_table) / sizeof(ops_table[0]))

uint64_t
ops_current(const struct session *s)
{
	return (s->s_op - ops_table);
}

const char *
ops_name(const struct session *s)
{
	return (wire_op_name(ops_current(s)));
}

/* What run_path_query() asks storeproc for the op in progress. */
uint32_t
ops_query(const struct session *s)
{
	return (s->s_op->od_query);
}

/* Is op a number the table has? */
static const struct op_desc *
ops_lookup(uint64_t op)
{
	if (op >= OPS_NUM || (ops_table[op].od_start == NULL &&
	    ops_table[op].od_run == NULL))
		return (NULL);
	return (&ops_table[op]);
}

/* What a recursive session may do with op; REC_REFUSE if no such op. */
enum rec_policy
ops_policy(uint64_t op)
{
	const struct op_desc	*od;

	return ((od = ops_lookup(op)) != NULL ? od->od_rec : REC_REFUSE);
}

static void
ops_args_free(struct op_args *args)
{
	free(args->oa_path);
	wire_strings_free(args->oa_paths, args->oa_npaths);
	free(args->oa_str);
	if (args->oa_drv != NULL)
		drv_free(args->oa_drv);
	memset(args, 0, sizeof(*args));
}

/*
 * Begin op number op; see the return values above.  The request is
 * parsed once; on a recursive session the policy then decides what
 * runs.
 */
int
ops_start(struct session *s, uint64_t op, struct wire_in *in)
{
	static char	msg[64];
	struct op_args	args;
	int		rc = 1;

	if ((s->s_op = ops_lookup(op)) == NULL) {
		snprintf(msg, sizeof(msg), "invalid operation %llu",
		    (unsigned long long)op);
		in->wi_errstr = msg;
		return (-1);
	}
	log_debug("session %u: %s", s->s_id, wire_op_name(op));
	memset(&args, 0, sizeof(args));
	if (s->s_op->od_parse != NULL)
		rc = s->s_op->od_parse(s, in, &args);
	if (rc == 1 && s->s_rec != NULL)
		rc = rec_op_start(s, s->s_op->od_rec, op, in, &args);
	else if (rc == 1)
		rc = ops_run(s, in, &args);
	ops_args_free(&args);
	if (rc != 1)
		ops_clear(s);
	return (rc);
}

/*
 * Run the op as for any client (the recursive policy let it): from
 * its parsed arguments, of which it takes what it keeps, or from the
 * input if it reads its own.
 */
int
ops_run(struct session *s, struct wire_in *in, struct op_args *args)
{
	if (s->s_op->od_run != NULL)
		return (s->s_op->od_run(s, args));
	return (s->s_op->od_start(s, in));
}

/* storeproc's final answer to the op's request; -1 if malformed. */
int
ops_reply(struct session *s, struct imsg *imsg)
{
	if (s->s_op == NULL || s->s_op->od_reply == NULL)
		return (-1);
	return (s->s_op->od_reply(s, imsg));
}

/* The op failed; the first reason counts. */
void
ops_error(struct session *s, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	ops_verror(s, fmt, ap);
	va_end(ap);
}

void
ops_verror(struct session *s, const char *fmt, va_list ap)
{
	if (s->s_error != NULL)
		return;
	if (vasprintf(&s->s_error, fmt, ap) == -1)
		s->s_error = NULL;
	if (s->s_error == NULL)
		fatal("vasprintf");
}

/* Put an error to the client in the format its version reads. */
void
ops_put_error(struct session *s, const char *msg)
{
	if (s->s_hello.wh_minor < 26)
		wire_put_error_legacy(&s->s_out, msg, 1);
	else
		wire_put_error(&s->s_out, msg);
}

/* Append reply bytes already encoded: wire_out has no raw put. */
int
ops_out_raw(struct wire_out *out, const void *p, size_t len)
{
	unsigned char	*np;
	size_t		 cap;

	if (out->wo_error)
		return (-1);
	if (len > out->wo_max - out->wo_len) {
		out->wo_error = 1;
		out->wo_errstr = "output too large";
		return (-1);
	}
	if (len > out->wo_cap - out->wo_len) {
		/* Past what every session may hold, no more than needed. */
		cap = out->wo_cap * 2;
		if (cap < out->wo_len + len || cap > SESSION_OUT_FREE)
			cap = out->wo_len + len;
		if (cap > out->wo_max)
			cap = out->wo_max;
		if ((np = realloc(out->wo_buf, cap)) == NULL) {
			out->wo_error = 1;
			out->wo_errstr = "out of memory";
			return (-1);
		}
		out->wo_buf = np;
		out->wo_cap = cap;
	}
	if (len > 0)
		memcpy(out->wo_buf + out->wo_len, p, len);
	out->wo_len += len;
	return (0);
}

/* The op is over: answer the client and get ready for the next. */
void
ops_finish(struct session *s)
{
	if (s->s_reply.wo_error)
		ops_error(s, "reply too large");
	if (s->s_flag & OPF_LAST_SENT) {
		/* Mid-stream there is no way to report an error. */
		if (s->s_error != NULL) {
			log_warnx("session %u: %s: %s", s->s_id, ops_name(s),
			    s->s_error);
			s->s_state = SESSION_CLOSING;
		}
	} else if (s->s_error != NULL) {
		log_debug("session %u: %s: %s", s->s_id, ops_name(s),
		    s->s_error);
		ops_put_error(s, s->s_error);
		if (s->s_error_close)
			s->s_state = SESSION_CLOSING;
	} else if (!session_out_fits(s, 8 + s->s_reply.wo_len)) {
		ops_put_error(s, "the daemon has no memory left for replies "
		    "now (max-request-memory); try again later");
	} else {
		wire_put_stderr_last(&s->s_out);
		ops_out_raw(&s->s_out, s->s_reply.wo_buf, s->s_reply.wo_len);
	}
	ops_clear(s);
}

/* Forget the op in progress, closing its pipes. */
void
ops_clear(struct session *s)
{
	req_cancel(s);
	upload_free(s);
	download_free(s);
	s->s_op = NULL;
	s->s_wait = 0;
	s->s_flag = 0;
	s->s_error_close = 0;
	free(s->s_error);
	s->s_error = NULL;
	free(s->s_arg);
	s->s_arg = NULL;
	free(s->s_link);
	s->s_link = NULL;
	wire_out_reset(&s->s_reply);
	rec_clear(s);
}

/* Is the reply of the expected type?  If not, it is malformed. */
int
ops_expect(struct session *s, struct imsg *imsg, uint32_t type)
{
	if (imsg_get_type(imsg) == type)
		return (0);
	log_warnx("session %u: %s answered with %s", s->s_id, ops_name(s),
	    imsg_type_name(imsg_get_type(imsg)));
	return (-1);
}

/*
 * Send a one-path request, keeping the path for the reply.  Takes
 * path.
 */
void
ops_request_path(struct session *s, uint32_t type, char *path)
{
	free(s->s_arg);
	s->s_arg = path;
	if (msg_send_path(builder_store(), type, s->s_id, path,
	    -1) == -1) {
		ops_error(s, "request too large");
		return;
	}
	s->s_wait = 1;
}

void
ops_request_paths(struct session *s, uint32_t type, char **paths,
    size_t npaths)
{
	if (msg_send_paths(builder_store(), type, s->s_id, paths,
	    npaths) == -1)
		ops_error(s, "too many paths in one request");
	else
		s->s_wait = 1;
}

/* Replies carrying nothing but success. */
int
reply_ok_one(struct session *s, struct imsg *imsg)
{
	if (reply_ok_none(s, imsg) == -1)
		return (-1);
	wire_put_u64(&s->s_reply, 1);
	return (0);
}

int
reply_ok_none(struct session *s, struct imsg *imsg)
{
	const char	*errstr;

	if (ops_expect(s, imsg, IMSG_STORE_OK) == -1 ||
	    msg_recv_empty(imsg, &errstr) == -1)
		return (-1);
	return (0);
}

/*
 * The two replies of storeproc that many ops wait for, received: -1
 * if it is another type or does not decode (why is logged by
 * ops_expect or not needed: the op then fails as a whole).
 */
int
ops_recv_paths(struct session *s, struct imsg *imsg, char ***paths,
    size_t *npaths)
{
	const char	*errstr;

	if (ops_expect(s, imsg, IMSG_STORE_PATHS) == -1 ||
	    msg_recv_paths(imsg, builder_storedir(), 0, paths, npaths,
	    &errstr) == -1)
		return (-1);
	return (0);
}

int
ops_recv_info(struct session *s, struct imsg *imsg, int *found,
    struct wire_path_info *info)
{
	const char	*errstr;

	if (ops_expect(s, imsg, IMSG_STORE_INFO) == -1 ||
	    msg_recv_info(imsg, builder_storedir(), found, info,
	    &errstr) == -1)
		return (-1);
	return (0);
}

/*
 * A DerivedPath: an opaque store path, or "<drv>!<outputs>" with
 * outputs "*" or names joined by ','.  Returns NULL if it is one, else
 * why not.
 */
const char *
ops_check_derived(const char *dp)
{
	const char	*bang, *p, *errstr;
	char		*drv;
	size_t		 len;
	int		 rc;

	if ((bang = strchr(dp, '!')) == NULL)
		return (storepath_parse(builder_storedir(), dp, NULL, NULL,
		    &errstr) == 0 ? NULL : errstr);
	if ((drv = strndup(dp, bang - dp)) == NULL)
		fatal("strndup");
	rc = storepath_parse(builder_storedir(), drv, NULL, NULL, &errstr);
	len = strlen(drv);
	free(drv);
	if (rc != 0)
		return (errstr);
	if (len < 4 || strncmp(dp + len - 4, ".drv", 4) != 0)
		return ("derived path is not a derivation");
	if (strcmp(bang + 1, "*") == 0)
		return (NULL);
	for (p = bang + 1; ; p += len + 1) {
		len = strcspn(p, ",");
		if (len == 0 || len > MSG_NAME_MAX ||
		    strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRST"
		    "UVWXYZ0123456789+-._?=") < len)
			return ("invalid output name in derived path");
		if (p[len] == '\0')
			return (NULL);
	}
}

/* list<DerivedPath>, checked. */
int
ops_read_derived(struct wire_in *in, char ***paths, size_t *npaths)
{
	const char	*why;
	size_t		 start = in->wi_off, i;
	int		 rc;

	if ((rc = wire_get_strings(in, paths, npaths, MSG_PATHS_MAX,
	    MSG_DERIVED_MAX)) != 1)
		return (rc);
	for (i = 0; i < *npaths; i++) {
		if ((why = ops_check_derived((*paths)[i])) != NULL) {
			wire_strings_free(*paths, *npaths);
			*paths = NULL;
			*npaths = 0;
			in->wi_off = start;
			in->wi_errstr = why;
			return (-1);
		}
	}
	return (1);
}
