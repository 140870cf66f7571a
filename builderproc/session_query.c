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
 * The query ops: what storeproc is asked about store paths (validity,
 * info, referrers, derivers, outputs, hash parts, what is missing) and
 * the substitution queries, which have nothing to answer.  Their rows
 * are in session_ops.c's op table.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "builderproc.h"
#include "session.h"
#include "recursive.h"
#include "log.h"
#include "msg_store.h"

static void	ops_put_info(struct session *, struct wire_path_info *);
static void	ops_put_outputs(struct session *, struct msg_output *,
		    size_t);

/* The ops of one store path asked about, and the start of others. */
int
parse_path(struct session *s, struct wire_in *in, struct op_args *args)
{
	(void)s;
	return (wire_get_storepath(in, builder_storedir(), &args->oa_path));
}

int
run_is_valid_path(struct session *s, struct op_args *args)
{
	ops_request_paths(s, IMSG_STORE_QUERY_VALID, &args->oa_path, 1);
	s->s_arg = args->oa_path;
	args->oa_path = NULL;
	return (1);
}

int
reply_is_valid_path(struct session *s, struct imsg *imsg)
{
	char		**paths;
	size_t		  npaths;

	if (ops_recv_paths(s, imsg, &paths, &npaths) == -1)
		return (-1);
	wire_put_bool(&s->s_reply, npaths == 1 &&
	    strcmp(paths[0], s->s_arg) == 0);
	wire_strings_free(paths, npaths);
	return (0);
}

/*
 * No substituters: nothing is ever substitutable.  HasSubstitutes
 * answers false and QuerySubstitutablePathInfo "none": both are one
 * u64 0 on the wire.
 */
int
run_no_substitute(struct session *s, struct op_args *args)
{
	(void)args;
	wire_put_u64(&s->s_reply, 0);
	return (1);
}

/*
 * The ops that ask storeproc one thing of one path: info (and what
 * is cut from it), referrers, derivers, a derivation's outputs.
 */
int
run_path_query(struct session *s, struct op_args *args)
{
	const struct wire_path_info	*kept;
	struct wire_path_info		 info;
	char				*path = args->oa_path;

	args->oa_path = NULL;
	if (ops_query(s) == IMSG_STORE_QUERY_INFO &&
	    (kept = cache_info_get(path)) != NULL) {
		(void)cache_info_copy(&info, kept);
		ops_put_info(s, &info);
		free(path);
		return (1);
	}
	ops_request_path(s, ops_query(s), path);
	return (1);
}

int
reply_info(struct session *s, struct imsg *imsg)
{
	struct wire_path_info	 info;
	int			 found;

	if (ops_recv_info(s, imsg, &found, &info) == -1)
		return (-1);
	if (!found && ops_current(s) == WOP_QUERY_PATH_INFO &&
	    s->s_hello.wh_minor >= 17) {
		wire_put_bool(&s->s_reply, 0);
		return (0);
	}
	if (!found) {
		ops_error(s, "path '" OPS_HL("%s") "' is not valid",
		    s->s_arg);
		return (0);
	}
	/* Asked for one path, given another: not worth keeping. */
	if (strcmp(info.pi_path, s->s_arg) == 0)
		cache_info_put(&info);
	ops_put_info(s, &info);
	return (0);
}

/* The answer of a path info op, from info (which it frees). */
static void
ops_put_info(struct session *s, struct wire_path_info *info)
{
	rec_censor_info(s, info);
	switch (ops_current(s)) {
	case WOP_QUERY_PATH_INFO:
		if (s->s_hello.wh_minor >= 17)
			wire_put_bool(&s->s_reply, 1);
		wire_put_path_info(&s->s_reply, info, 0);
		break;
	case WOP_QUERY_PATH_HASH:
		wire_put_string(&s->s_reply, info->pi_narhash);
		break;
	case WOP_QUERY_REFERENCES:
		wire_put_string_set(&s->s_reply, info->pi_refs,
		    info->pi_nrefs);
		break;
	case WOP_QUERY_DERIVER:
		wire_put_string(&s->s_reply, info->pi_deriver != NULL ?
		    info->pi_deriver : "");
		break;
	}
	wire_path_info_free(info);
}

int
op_query_all(struct session *s, struct wire_in *in)
{
	(void)in;
	msg_send_empty(builder_store(), IMSG_STORE_QUERY_ALL, s->s_id);
	s->s_wait = 1;
	return (1);
}

/* Every path set storeproc answers with goes out as a set. */
int
reply_paths(struct session *s, struct imsg *imsg)
{
	char		**paths;
	size_t		  npaths;

	if (ops_recv_paths(s, imsg, &paths, &npaths) == -1)
		return (-1);
	wire_put_string_set(&s->s_reply, paths, npaths);
	wire_strings_free(paths, npaths);
	return (0);
}

int
parse_valid_paths(struct session *s, struct wire_in *in,
    struct op_args *args)
{
	int	rc;

	if ((rc = wire_get_storepaths(in, builder_storedir(), &args->oa_paths,
	    &args->oa_npaths, MSG_PATHS_MAX)) != 1)
		return (rc);
	if (s->s_hello.wh_minor >= 27)
		return (wire_get_bool(in, &args->oa_substitute));
	return (1);
}

int
run_query_valid_paths(struct session *s, struct op_args *args)
{
	/* There are no substituters to ask, so substitute changes nothing. */
	if (args->oa_npaths == 0)
		wire_put_u64(&s->s_reply, 0);
	else
		ops_request_paths(s, IMSG_STORE_QUERY_VALID, args->oa_paths,
		    args->oa_npaths);
	return (1);
}

static int
ops_output_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct msg_output *)a)->mo_name,
	    ((const struct msg_output *)b)->mo_name));
}

int
reply_outputs(struct session *s, struct imsg *imsg)
{
	struct msg_output	*outs;
	const char		*errstr;
	size_t			 nouts, i;

	if (ops_expect(s, imsg, IMSG_STORE_OUTPUTS) == -1 ||
	    msg_recv_outputs(imsg, builder_storedir(), &outs, &nouts,
	    &errstr) == -1)
		return (-1);
	qsort(outs, nouts, sizeof(*outs), ops_output_cmp);
	for (i = 0; i < nouts; i++)
		if (i > 0 && strcmp(outs[i - 1].mo_name, outs[i].mo_name) == 0)
			break;
	if (i < nouts) {
		msg_outputs_free(outs, nouts);
		return (-1);
	}
	ops_put_outputs(s, outs, nouts);
	msg_outputs_free(outs, nouts);
	return (0);
}

/* Sorted by name already: a map, a name set or a path set by the op. */
static void
ops_put_outputs(struct session *s, struct msg_output *outs, size_t nouts)
{
	struct wire_out	*out = &s->s_reply;
	char		**paths;
	size_t		  i;

	if (ops_current(s) != WOP_QUERY_DERIVATION_OUTPUTS) {
		wire_put_u64(out, nouts);
		for (i = 0; i < nouts; i++) {
			wire_put_string(out, outs[i].mo_name);
			if (ops_current(s) == WOP_QUERY_DERIVATION_OUTPUT_MAP)
				wire_put_string(out, outs[i].mo_path != NULL ?
				    outs[i].mo_path : "");
		}
		return;
	}
	for (i = 0; i < nouts; i++) {
		if (outs[i].mo_path == NULL) {
			ops_error(s, "output '" OPS_HL("%s") "' of derivation "
			    "'" OPS_HL("%s") "' has no store path mapped to "
			    "it", outs[i].mo_name, s->s_arg);
			return;
		}
	}
	if ((paths = calloc(nouts + 1, sizeof(*paths))) == NULL)
		fatal("calloc");
	for (i = 0; i < nouts; i++)
		paths[i] = outs[i].mo_path;
	wire_put_string_set(out, paths, nouts);
	free(paths);
}

int
parse_hash_part(struct session *s, struct wire_in *in, struct op_args *args)
{
	(void)s;
	return (wire_get_string(in, &args->oa_str, &args->oa_len, 1024));
}

int
run_query_hash_part(struct session *s, struct op_args *args)
{
	const char	*part = args->oa_str;

	if (args->oa_len != STOREPATH_HASH_LEN || strlen(part) != args->oa_len)
		ops_error(s, "invalid hash part");
	else if (storepath_check_hashpart(part, args->oa_len) != 0)
		/* Not base32: no path can have it. */
		wire_put_string(&s->s_reply, "");
	else if (msg_send_text(builder_store(), IMSG_STORE_QUERY_HASHPART,
	    s->s_id, part) == -1)
		ops_error(s, "invalid hash part");
	else
		s->s_wait = 1;
	return (1);
}

int
reply_hash_part(struct session *s, struct imsg *imsg)
{
	char		**paths;
	size_t		  npaths;

	if (ops_recv_paths(s, imsg, &paths, &npaths) == -1)
		return (-1);
	if (npaths > 1) {
		wire_strings_free(paths, npaths);
		return (-1);
	}
	wire_put_string(&s->s_reply, npaths == 1 ? paths[0] : "");
	wire_strings_free(paths, npaths);
	return (0);
}

int
parse_derived(struct session *s, struct wire_in *in, struct op_args *args)
{
	(void)s;
	return (ops_read_derived(in, &args->oa_paths, &args->oa_npaths));
}

int
run_query_missing(struct session *s, struct op_args *args)
{
	ops_request_paths(s, IMSG_STORE_QUERY_MISSING, args->oa_paths,
	    args->oa_npaths);
	return (1);
}

int
reply_missing(struct session *s, struct imsg *imsg)
{
	struct msg_missing	 mm;
	struct wire_out		*out = &s->s_reply;
	const char		*errstr;

	if (ops_expect(s, imsg, IMSG_STORE_MISSING) == -1 ||
	    msg_recv_missing(imsg, builder_storedir(), &mm, &errstr) == -1)
		return (-1);
	rec_missing_extra(s, &mm);
	wire_put_string_set(out, mm.mm_will_build, mm.mm_nwill_build);
	wire_put_string_set(out, mm.mm_will_substitute,
	    mm.mm_nwill_substitute);
	wire_put_string_set(out, mm.mm_unknown, mm.mm_nunknown);
	wire_put_u64(out, mm.mm_download_size);
	wire_put_u64(out, mm.mm_nar_size);
	msg_missing_free(&mm);
	return (0);
}

/* Substitutable queries: there are no substituters, so nothing. */
int
op_subst_infos(struct session *s, struct wire_in *in)
{
	struct wire_pair	*pairs;
	char			**paths;
	const char		*errstr;
	size_t			 n, i, start = in->wi_off;
	int			 rc;

	if (s->s_hello.wh_minor < 22) {
		if ((rc = wire_get_storepaths(in, builder_storedir(), &paths,
		    &n, WIRE_PATHS_MAX)) != 1)
			return (rc);
		wire_strings_free(paths, n);
		wire_put_u64(&s->s_reply, 0);
		return (1);
	}
	if ((rc = wire_get_string_map(in, &pairs, &n, WIRE_PATHS_MAX,
	    STOREPATH_MAX - 1, WIRE_CA_MAX)) != 1)
		return (rc);
	for (i = 0; i < n; i++)
		if (storepath_parse(builder_storedir(), pairs[i].wp_key, NULL,
		    NULL, &errstr) != 0)
			break;
	wire_pairs_free(pairs, n);
	if (i < n) {
		in->wi_off = start;
		in->wi_errstr = errstr;
		return (-1);
	}
	wire_put_u64(&s->s_reply, 0);
	return (1);
}

int
op_subst_paths(struct session *s, struct wire_in *in)
{
	char	**paths;
	size_t	  npaths;
	int	  rc;

	if ((rc = wire_get_storepaths(in, builder_storedir(), &paths, &npaths,
	    WIRE_PATHS_MAX)) != 1)
		return (rc);
	wire_strings_free(paths, npaths);
	wire_put_u64(&s->s_reply, 0);
	return (1);
}

/* Obsolete: the collector needs no waiting for. */
int
op_sync_with_gc(struct session *s, struct wire_in *in)
{
	(void)in;
	wire_put_u64(&s->s_reply, 1);
	return (1);
}
