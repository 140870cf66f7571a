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
 * The Nix worker protocol as the client speaks it: op names, framed
 * streams, the logger channel, the handshake and SetOptions.  Only the
 * process that serves clients (builderproc) links this file; the
 * primitives it is built on are wirebuf.c's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "storepath.h"
#include "wire.h"

enum wire_frames_state {
	WF_HEADER,
	WF_PAYLOAD,
	WF_DONE,
	WF_FAILED
};

static const char *const wire_op_names[] = {
	[WOP_IS_VALID_PATH] = "IsValidPath",
	[WOP_HAS_SUBSTITUTES] = "HasSubstitutes",
	[WOP_QUERY_PATH_HASH] = "QueryPathHash",
	[WOP_QUERY_REFERENCES] = "QueryReferences",
	[WOP_QUERY_REFERRERS] = "QueryReferrers",
	[WOP_ADD_TO_STORE] = "AddToStore",
	[WOP_ADD_TEXT_TO_STORE] = "AddTextToStore",
	[WOP_BUILD_PATHS] = "BuildPaths",
	[WOP_ENSURE_PATH] = "EnsurePath",
	[WOP_ADD_TEMP_ROOT] = "AddTempRoot",
	[WOP_ADD_INDIRECT_ROOT] = "AddIndirectRoot",
	[WOP_SYNC_WITH_GC] = "SyncWithGC",
	[WOP_FIND_ROOTS] = "FindRoots",
	[WOP_EXPORT_PATH] = "ExportPath",
	[WOP_QUERY_DERIVER] = "QueryDeriver",
	[WOP_SET_OPTIONS] = "SetOptions",
	[WOP_COLLECT_GARBAGE] = "CollectGarbage",
	[WOP_QUERY_SUBSTITUTABLE_PATH_INFO] = "QuerySubstitutablePathInfo",
	[WOP_QUERY_DERIVATION_OUTPUTS] = "QueryDerivationOutputs",
	[WOP_QUERY_ALL_VALID_PATHS] = "QueryAllValidPaths",
	[WOP_QUERY_FAILED_PATHS] = "QueryFailedPaths",
	[WOP_CLEAR_FAILED_PATHS] = "ClearFailedPaths",
	[WOP_QUERY_PATH_INFO] = "QueryPathInfo",
	[WOP_IMPORT_PATHS] = "ImportPaths",
	[WOP_QUERY_DERIVATION_OUTPUT_NAMES] = "QueryDerivationOutputNames",
	[WOP_QUERY_PATH_FROM_HASH_PART] = "QueryPathFromHashPart",
	[WOP_QUERY_SUBSTITUTABLE_PATH_INFOS] = "QuerySubstitutablePathInfos",
	[WOP_QUERY_VALID_PATHS] = "QueryValidPaths",
	[WOP_QUERY_SUBSTITUTABLE_PATHS] = "QuerySubstitutablePaths",
	[WOP_QUERY_VALID_DERIVERS] = "QueryValidDerivers",
	[WOP_OPTIMISE_STORE] = "OptimiseStore",
	[WOP_VERIFY_STORE] = "VerifyStore",
	[WOP_BUILD_DERIVATION] = "BuildDerivation",
	[WOP_ADD_SIGNATURES] = "AddSignatures",
	[WOP_NAR_FROM_PATH] = "NarFromPath",
	[WOP_ADD_TO_STORE_NAR] = "AddToStoreNar",
	[WOP_QUERY_MISSING] = "QueryMissing",
	[WOP_QUERY_DERIVATION_OUTPUT_MAP] = "QueryDerivationOutputMap",
	[WOP_REGISTER_DRV_OUTPUT] = "RegisterDrvOutput",
	[WOP_QUERY_REALISATION] = "QueryRealisation",
	[WOP_ADD_MULTIPLE_TO_STORE] = "AddMultipleToStore",
	[WOP_ADD_BUILD_LOG] = "AddBuildLog",
	[WOP_BUILD_PATHS_WITH_RESULTS] = "BuildPathsWithResults"
};

static int	wire_frames_header(struct wire_frames *,
		    const unsigned char *, size_t, size_t *);
static int	wire_get_client_magic(struct wire_in *, struct wire_hello *);
static int	wire_get_client_version(struct wire_in *,
		    struct wire_hello *);
static int	wire_put_fields(struct wire_out *, const struct wire_field *,
		    size_t);

const char *
wire_op_name(uint64_t op)
{
	if (op >= sizeof(wire_op_names) / sizeof(wire_op_names[0]))
		return (NULL);
	return (wire_op_names[op]);
}

/* Framed streams. */

void
wire_frames_init(struct wire_frames *wf, uint64_t maxframe)
{
	memset(wf, 0, sizeof(*wf));
	wf->wf_max = maxframe;
	wf->wf_state = WF_HEADER;
}

/* Collect the 8 length bytes, which may arrive split. */
static int
wire_frames_header(struct wire_frames *wf, const unsigned char *buf,
    size_t len, size_t *used)
{
	size_t		take;
	uint64_t	n;

	take = 8 - wf->wf_hdrlen;
	if (take > len - *used)
		take = len - *used;
	memcpy(wf->wf_hdr + wf->wf_hdrlen, buf + *used, take);
	wf->wf_hdrlen += take;
	*used += take;
	if (wf->wf_hdrlen < 8)
		return (WIRE_FRAMES_MORE);
	wf->wf_hdrlen = 0;
	n = wire_le64(wf->wf_hdr);
	if (n == 0) {
		wf->wf_state = WF_DONE;
		return (WIRE_FRAMES_END);
	}
	if (n > wf->wf_max) {
		wf->wf_state = WF_FAILED;
		wf->wf_errstr = "frame too large";
		return (WIRE_FRAMES_ERROR);
	}
	wf->wf_left = n;
	wf->wf_state = WF_PAYLOAD;
	return (WIRE_FRAMES_DATA);
}

int
wire_frames_push(struct wire_frames *wf, const void *buf, size_t len,
    size_t *used, const void **data, size_t *datalen)
{
	const unsigned char	*p = buf;
	size_t			 take;
	int			 r;

	*used = 0;
	*data = NULL;
	*datalen = 0;
	while (wf->wf_state == WF_HEADER) {
		if ((r = wire_frames_header(wf, p, len, used)) !=
		    WIRE_FRAMES_DATA)
			return (r);
	}
	if (wf->wf_state == WF_DONE)
		return (WIRE_FRAMES_END);
	if (wf->wf_state == WF_FAILED)
		return (WIRE_FRAMES_ERROR);
	if (*used == len)
		return (WIRE_FRAMES_MORE);
	take = len - *used;
	if (take > wf->wf_left)
		take = wf->wf_left;
	*data = p + *used;
	*datalen = take;
	*used += take;
	wf->wf_left -= take;
	wf->wf_total += take;
	if (wf->wf_left == 0)
		wf->wf_state = WF_HEADER;
	return (WIRE_FRAMES_DATA);
}

int
wire_put_frame(struct wire_out *out, const void *p, size_t len)
{
	if (len == 0)		/* would read as the terminator */
		return (0);
	if (len > SIZE_MAX - 8)
		return (wire_out_fail(out, "output too large"));
	if (wire_out_grow(out, 8 + len) == -1)
		return (-1);
	(void)wire_put_u64(out, len);
	memcpy(out->wo_buf + out->wo_len, p, len);
	out->wo_len += len;
	return (0);
}

int
wire_put_frames_end(struct wire_out *out)
{
	return (wire_put_u64(out, 0));
}

/* The logger channel. */

int
wire_put_stderr_last(struct wire_out *out)
{
	return (wire_put_u64(out, STDERR_LAST));
}

int
wire_put_stderr_next(struct wire_out *out, const char *msg)
{
	size_t	mark = out->wo_len;

	(void)wire_put_u64(out, STDERR_NEXT);
	(void)wire_put_string(out, msg);
	return (wire_out_end(out, mark));
}

/*
 * The client asserts the type "Error" and havePos 0; the name is
 * unused.  Nix fills both type and name with "Error" and level with
 * lvlError, and so do we, so our bytes match a real daemon's.
 */
int
wire_put_error(struct wire_out *out, const char *msg)
{
	size_t	mark = out->wo_len;

	(void)wire_put_u64(out, STDERR_ERROR);
	(void)wire_put_string(out, "Error");
	(void)wire_put_u64(out, WIRE_LVL_ERROR);
	(void)wire_put_string(out, "Error");
	(void)wire_put_string(out, msg);
	(void)wire_put_u64(out, 0);		/* havePos */
	(void)wire_put_u64(out, 0);		/* traces */
	return (wire_out_end(out, mark));
}

int
wire_put_error_legacy(struct wire_out *out, const char *msg,
    uint64_t status)
{
	size_t	mark = out->wo_len;

	(void)wire_put_u64(out, STDERR_ERROR);
	(void)wire_put_string(out, msg);
	(void)wire_put_u64(out, status);
	return (wire_out_end(out, mark));
}

/* The client refuses any type but int and string, so do we. */
static int
wire_put_fields(struct wire_out *out, const struct wire_field *fields,
    size_t nfields)
{
	size_t	i;

	(void)wire_put_u64(out, nfields);
	for (i = 0; i < nfields && !out->wo_error; i++) {
		if (fields[i].fl_type == WIRE_FIELD_INT) {
			(void)wire_put_u64(out, WIRE_FIELD_INT);
			(void)wire_put_u64(out, fields[i].fl_int);
		} else if (fields[i].fl_type == WIRE_FIELD_STRING) {
			(void)wire_put_u64(out, WIRE_FIELD_STRING);
			(void)wire_put_string(out, fields[i].fl_str);
		} else
			return (wire_out_fail(out, "bad field type"));
	}
	return (out->wo_error ? -1 : 0);
}

int
wire_put_start_activity(struct wire_out *out, uint64_t id, uint64_t level,
    uint64_t type, const char *text, const struct wire_field *fields,
    size_t nfields, uint64_t parent)
{
	size_t	mark = out->wo_len;

	(void)wire_put_u64(out, STDERR_START_ACTIVITY);
	(void)wire_put_u64(out, id);
	(void)wire_put_u64(out, level);
	(void)wire_put_u64(out, type);
	(void)wire_put_string(out, text);
	(void)wire_put_fields(out, fields, nfields);
	(void)wire_put_u64(out, parent);
	return (wire_out_end(out, mark));
}

int
wire_put_stop_activity(struct wire_out *out, uint64_t id)
{
	size_t	mark = out->wo_len;

	(void)wire_put_u64(out, STDERR_STOP_ACTIVITY);
	(void)wire_put_u64(out, id);
	return (wire_out_end(out, mark));
}

int
wire_put_result(struct wire_out *out, uint64_t id, uint64_t type,
    const struct wire_field *fields, size_t nfields)
{
	size_t	mark = out->wo_len;

	(void)wire_put_u64(out, STDERR_RESULT);
	(void)wire_put_u64(out, id);
	(void)wire_put_u64(out, type);
	(void)wire_put_fields(out, fields, nfields);
	return (wire_out_end(out, mark));
}

/* Handshake. */

int
wire_get_client_hello(struct wire_in *in, struct wire_hello *wh)
{
	switch (wh->wh_state) {
	case WIRE_HELLO_START:
		return (wire_get_client_magic(in, wh));
	case WIRE_HELLO_MAGIC:
		return (wire_get_client_version(in, wh));
	default:
		return (wire_in_fail(in, "handshake already done"));
	}
}

static int
wire_get_client_magic(struct wire_in *in, struct wire_hello *wh)
{
	uint64_t	magic;
	size_t		off = in->wi_off;
	int		r;

	if ((r = wire_peek_u64(in, &off, &magic)) != 1)
		return (r);
	if (magic != WORKER_MAGIC_1)
		return (wire_in_fail(in, "protocol mismatch"));
	in->wi_off = off;
	wh->wh_state = WIRE_HELLO_MAGIC;
	return (1);
}

/*
 * The version is judged as soon as it is read.  Which fields follow
 * depends on the client's own minor; the session then runs at the
 * lower of the two versions.
 */
static int
wire_get_client_version(struct wire_in *in, struct wire_hello *wh)
{
	uint64_t	version, affinity = 0, cpu = 0, reserve = 0;
	size_t		off = in->wi_off;
	unsigned int	minor;
	int		r;

	if ((r = wire_peek_u64(in, &off, &version)) != 1)
		return (r);
	if (version < PROTOCOL_VERSION_MIN)
		return (wire_in_fail(in, "the Nix client version is too old"));
	if (version > 0xffff ||
	    PROTOCOL_MAJOR(version) != PROTOCOL_MAJOR(PROTOCOL_VERSION))
		return (wire_in_fail(in, "unsupported protocol major version"));
	minor = PROTOCOL_MINOR(version);
	if (minor >= 14) {
		if ((r = wire_peek_u64(in, &off, &affinity)) != 1 ||
		    (affinity && (r = wire_peek_u64(in, &off, &cpu)) != 1))
			return (r);
	}
	if (minor >= 11 && (r = wire_peek_u64(in, &off, &reserve)) != 1)
		return (r);
	in->wi_off = off;
	wh->wh_version = version;
	wh->wh_minor = minor < PROTOCOL_MINOR(PROTOCOL_VERSION) ? minor :
	    PROTOCOL_MINOR(PROTOCOL_VERSION);
	wh->wh_cpu_affinity = affinity != 0;
	wh->wh_cpu = cpu;
	wh->wh_reserve_space = reserve;
	wh->wh_state = WIRE_HELLO_DONE;
	return (1);
}

int
wire_put_server_hello(struct wire_out *out)
{
	size_t	mark = out->wo_len;

	(void)wire_put_u64(out, WORKER_MAGIC_2);
	(void)wire_put_u64(out, PROTOCOL_VERSION);
	return (wire_out_end(out, mark));
}

int
wire_put_daemon_version(struct wire_out *out, unsigned int minor)
{
	if (minor < 33)
		return (out->wo_error ? -1 : 0);
	return (wire_put_string(out, WIRE_NIX_VERSION));
}

int
wire_put_server_post_hello(struct wire_out *out, unsigned int minor)
{
	size_t	mark = out->wo_len;

	(void)wire_put_daemon_version(out, minor);
	(void)wire_put_stderr_last(out);
	return (wire_out_end(out, mark));
}

/* SetOptions. */

int
wire_get_set_options(struct wire_in *in, unsigned int minor,
    struct wire_options *opts)
{
	struct wire_pair	*ov = NULL;
	uint64_t		 v[12];
	size_t			 start = in->wi_off, nov = 0, i;
	int			 r;

	for (i = 0; i < 12; i++) {
		if ((r = wire_get_u64(in, &v[i])) != 1) {
			in->wi_off = start;
			return (r);
		}
	}
	if (minor >= 12 && (r = wire_get_string_map(in, &ov, &nov,
	    WIRE_OVERRIDES_MAX, WIRE_OPTNAME_MAX, WIRE_OPTVALUE_MAX)) != 1) {
		in->wi_off = start;
		return (r);
	}
	memset(opts, 0, sizeof(*opts));
	opts->opt_keep_failed = v[0] != 0;
	opts->opt_keep_going = v[1] != 0;
	opts->opt_try_fallback = v[2] != 0;
	opts->opt_verbosity = v[3] > WIRE_LVL_VOMIT ? WIRE_LVL_VOMIT : v[3];
	opts->opt_max_build_jobs = v[4];
	opts->opt_max_silent_time = v[5];
	/* v[6] useBuildHook, v[8] logType, v[9] printBuildTrace: obsolete */
	opts->opt_verbose_build = v[7] == WIRE_LVL_ERROR;
	opts->opt_build_cores = v[10];
	opts->opt_use_substitutes = v[11] != 0;
	opts->opt_overrides = ov;
	opts->opt_noverrides = nov;
	return (1);
}

void
wire_options_free(struct wire_options *opts)
{
	wire_pairs_free(opts->opt_overrides, opts->opt_noverrides);
	opts->opt_overrides = NULL;
	opts->opt_noverrides = 0;
}
