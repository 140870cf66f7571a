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
 * The Nix worker protocol codec.  Decoding works in two steps where it
 * can: first look at the bytes in place (bounds, padding, completeness,
 * validity), and copy only once the whole item is there, so that a
 * getter that runs out of input leaves nothing behind and the caller
 * can simply retry the op from its start when more bytes arrive.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "storepath.h"
#include "wire.h"

#define WIRE_OUT_MINCAP		256
#define WIRE_STRING_LIMIT	(SIZE_MAX - 16)	/* keeps padding math safe */

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
	[WOP_BUILD_PATHS_WITH_RESULTS] = "BuildPathsWithResults",
	[WOP_ADD_PERM_ROOT] = "AddPermRoot"
};

static int	wire_bad(struct wire_in *, const char *);
static int	wire_need(struct wire_in *, size_t, size_t);
static uint64_t	wire_le64(const unsigned char *);
static int	wire_peek_u64(struct wire_in *, size_t *, uint64_t *);
static int	wire_peek_string(struct wire_in *, size_t *, size_t,
		    const unsigned char **, size_t *);
static int	wire_check_item(struct wire_in *, const unsigned char *,
		    size_t, const char *);
static char	*wire_dup(const unsigned char *, size_t);
static int	wire_get_item(struct wire_in *, const char *, char **, int);
static int	wire_get_list(struct wire_in *, char ***, size_t *, size_t,
		    size_t, const char *);
static int	wire_copy_list(struct wire_in *, size_t, size_t, char ***);
static int	wire_copy_pairs(struct wire_in *, size_t, size_t,
		    struct wire_pair **);
static int	wire_frames_header(struct wire_frames *,
		    const unsigned char *, size_t, size_t *);
static int	wire_get_client_magic(struct wire_in *, struct wire_hello *);
static int	wire_get_client_version(struct wire_in *,
		    struct wire_hello *);
static int	wire_get_client_rest(struct wire_in *, struct wire_hello *,
		    size_t);
static int	wire_peek_features(struct wire_in *, size_t *, size_t *);
static int	wire_out_fail(struct wire_out *, const char *);
static int	wire_out_grow(struct wire_out *, size_t);
static int	wire_out_end(struct wire_out *, size_t);
static int	wire_put_fields(struct wire_out *, const struct wire_field *,
		    size_t);
static int	wire_strcmp(const void *, const void *);

const char *
wire_op_name(uint64_t op)
{
	if (op >= sizeof(wire_op_names) / sizeof(wire_op_names[0]))
		return (NULL);
	return (wire_op_names[op]);
}

/* Input primitives. */

void
wire_in_init(struct wire_in *in, const void *buf, size_t len)
{
	memset(in, 0, sizeof(*in));
	in->wi_buf = buf;
	in->wi_len = len;
}

static int
wire_bad(struct wire_in *in, const char *errstr)
{
	in->wi_errstr = errstr;
	return (-1);
}

/* Are n bytes there at off?  If not, remember how much would do. */
static int
wire_need(struct wire_in *in, size_t off, size_t n)
{
	if (off <= in->wi_len && n <= in->wi_len - off)
		return (1);
	in->wi_need = n > SIZE_MAX - off ? SIZE_MAX : off + n;
	return (0);
}

static uint64_t
wire_le64(const unsigned char *p)
{
	uint64_t	v = 0;
	int		i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return (v);
}

static int
wire_peek_u64(struct wire_in *in, size_t *off, uint64_t *v)
{
	if (!wire_need(in, *off, 8))
		return (0);
	*v = wire_le64(in->wi_buf + *off);
	*off += 8;
	return (1);
}

/*
 * A string at *off, left in place.  The length is judged as soon as it
 * is read, so a hostile length fails at once instead of making us wait
 * for (or buffer) bytes that we would refuse anyway.
 */
static int
wire_peek_string(struct wire_in *in, size_t *off, size_t maxlen,
    const unsigned char **p, size_t *len)
{
	uint64_t	n;
	size_t		o = *off, pad, i;
	int		r;

	if ((r = wire_peek_u64(in, &o, &n)) != 1)
		return (r);
	if (n > maxlen || n > WIRE_STRING_LIMIT)
		return (wire_bad(in, "string too long"));
	pad = (8 - n % 8) % 8;
	if (!wire_need(in, o, n + pad))
		return (0);
	for (i = 0; i < pad; i++)
		if (in->wi_buf[o + n + i] != 0)
			return (wire_bad(in, "non-zero string padding"));
	*p = in->wi_buf + o;
	*len = n;
	*off = o + n + pad;
	return (1);
}

/* An item of a list, or a path: no NUL, and a valid path if asked. */
static int
wire_check_item(struct wire_in *in, const unsigned char *p, size_t len,
    const char *storedir)
{
	char		 path[STOREPATH_MAX];
	const char	*errstr = NULL;

	if (memchr(p, '\0', len) != NULL)
		return (wire_bad(in, "string contains a NUL byte"));
	if (storedir == NULL)
		return (0);
	if (len >= sizeof(path))
		return (wire_bad(in, "store path too long"));
	memcpy(path, p, len);
	path[len] = '\0';
	if (storepath_parse(storedir, path, NULL, NULL, &errstr) != 0)
		return (wire_bad(in, errstr != NULL ? errstr :
		    "invalid store path"));
	return (0);
}

static char *
wire_dup(const unsigned char *p, size_t len)
{
	char	*s;

	if ((s = malloc(len + 1)) == NULL)
		return (NULL);
	memcpy(s, p, len);
	s[len] = '\0';
	return (s);
}

int
wire_get_u64(struct wire_in *in, uint64_t *v)
{
	return (wire_peek_u64(in, &in->wi_off, v));
}

int
wire_get_bool(struct wire_in *in, int *v)
{
	uint64_t	u;
	int		r;

	if ((r = wire_peek_u64(in, &in->wi_off, &u)) == 1)
		*v = u != 0;
	return (r);
}

int
wire_get_string(struct wire_in *in, char **out, size_t *outlen,
    size_t maxlen)
{
	const unsigned char	*p;
	size_t			 len, off = in->wi_off;
	char			*s;
	int			 r;

	if ((r = wire_peek_string(in, &off, maxlen, &p, &len)) != 1)
		return (r);
	if (outlen == NULL && memchr(p, '\0', len) != NULL)
		return (wire_bad(in, "string contains a NUL byte"));
	if ((s = wire_dup(p, len)) == NULL)
		return (wire_bad(in, "out of memory"));
	*out = s;
	if (outlen != NULL)
		*outlen = len;
	in->wi_off = off;
	return (1);
}

/*
 * A string left where it is in the input (no NUL added, not copied):
 * for a large payload the caller passes on at once.
 */
int
wire_get_string_ref(struct wire_in *in, const unsigned char **out,
    size_t *outlen, size_t maxlen)
{
	return (wire_peek_string(in, &in->wi_off, maxlen, out, outlen));
}

/* A store path; with optional set, "" is none and gives NULL. */
static int
wire_get_item(struct wire_in *in, const char *storedir, char **out,
    int optional)
{
	const unsigned char	*p;
	size_t			 len, off = in->wi_off;
	char			*s = NULL;
	int			 r;

	if ((r = wire_peek_string(in, &off, STOREPATH_MAX - 1, &p,
	    &len)) != 1)
		return (r);
	if (!optional || len > 0) {
		if (wire_check_item(in, p, len, storedir) == -1)
			return (-1);
		if ((s = wire_dup(p, len)) == NULL)
			return (wire_bad(in, "out of memory"));
	}
	*out = s;
	in->wi_off = off;
	return (1);
}

int
wire_get_storepath(struct wire_in *in, const char *storedir, char **out)
{
	return (wire_get_item(in, storedir, out, 0));
}

int
wire_get_opt_storepath(struct wire_in *in, const char *storedir,
    char **out)
{
	return (wire_get_item(in, storedir, out, 1));
}

/* Copy count strings known to be complete and valid at off. */
static int
wire_copy_list(struct wire_in *in, size_t off, size_t count, char ***out)
{
	const unsigned char	*p;
	char			**items;
	size_t			 i, len;

	if ((items = reallocarray(NULL, count + 1, sizeof(*items))) == NULL)
		return (wire_bad(in, "out of memory"));
	for (i = 0; i < count; i++) {
		(void)wire_peek_string(in, &off, SIZE_MAX, &p, &len);
		if ((items[i] = wire_dup(p, len)) == NULL) {
			wire_strings_free(items, i);
			return (wire_bad(in, "out of memory"));
		}
	}
	items[count] = NULL;
	*out = items;
	return (1);
}

/*
 * The count is judged before anything else, then every item is
 * checked in place; only a complete, valid list is copied.
 */
static int
wire_get_list(struct wire_in *in, char ***out, size_t *count,
    size_t maxcount, size_t maxlen, const char *storedir)
{
	const unsigned char	*p;
	uint64_t		 n, i;
	size_t			 off = in->wi_off, start, len;
	int			 r;

	if ((r = wire_peek_u64(in, &off, &n)) != 1)
		return (r);
	if (n > maxcount)
		return (wire_bad(in, "too many items"));
	start = off;
	for (i = 0; i < n; i++) {
		if ((r = wire_peek_string(in, &off, maxlen, &p, &len)) != 1)
			return (r);
		if (wire_check_item(in, p, len, storedir) == -1)
			return (-1);
	}
	if (wire_copy_list(in, start, n, out) == -1)
		return (-1);
	*count = n;
	in->wi_off = off;
	return (1);
}

int
wire_get_strings(struct wire_in *in, char ***out, size_t *count,
    size_t maxcount, size_t maxlen)
{
	return (wire_get_list(in, out, count, maxcount, maxlen, NULL));
}

int
wire_get_storepaths(struct wire_in *in, const char *storedir, char ***out,
    size_t *count, size_t maxcount)
{
	return (wire_get_list(in, out, count, maxcount, STOREPATH_MAX - 1,
	    storedir));
}

void
wire_strings_free(char **items, size_t count)
{
	size_t	i;

	if (items == NULL)
		return;
	for (i = 0; i < count; i++)
		free(items[i]);
	free(items);
}

static int
wire_copy_pairs(struct wire_in *in, size_t off, size_t count,
    struct wire_pair **out)
{
	const unsigned char	*p;
	struct wire_pair	*pairs;
	size_t			 i, len;

	if ((pairs = calloc(count + 1, sizeof(*pairs))) == NULL)
		return (wire_bad(in, "out of memory"));
	for (i = 0; i < count; i++) {
		(void)wire_peek_string(in, &off, SIZE_MAX, &p, &len);
		pairs[i].wp_key = wire_dup(p, len);
		(void)wire_peek_string(in, &off, SIZE_MAX, &p, &len);
		pairs[i].wp_value = wire_dup(p, len);
		if (pairs[i].wp_key == NULL || pairs[i].wp_value == NULL) {
			wire_pairs_free(pairs, i + 1);
			return (wire_bad(in, "out of memory"));
		}
	}
	*out = pairs;
	return (1);
}

int
wire_get_string_map(struct wire_in *in, struct wire_pair **out,
    size_t *count, size_t maxcount, size_t maxkey, size_t maxvalue)
{
	const unsigned char	*p;
	uint64_t		 n, i;
	size_t			 off = in->wi_off, start, len;
	int			 r;

	if ((r = wire_peek_u64(in, &off, &n)) != 1)
		return (r);
	if (n > maxcount)
		return (wire_bad(in, "too many items"));
	start = off;
	for (i = 0; i < 2 * n; i++) {
		if ((r = wire_peek_string(in, &off, i % 2 ? maxvalue : maxkey,
		    &p, &len)) != 1)
			return (r);
		if (wire_check_item(in, p, len, NULL) == -1)
			return (-1);
	}
	if (wire_copy_pairs(in, start, n, out) == -1)
		return (-1);
	*count = n;
	in->wi_off = off;
	return (1);
}

void
wire_pairs_free(struct wire_pair *pairs, size_t count)
{
	size_t	i;

	if (pairs == NULL)
		return;
	for (i = 0; i < count; i++) {
		free(pairs[i].wp_key);
		free(pairs[i].wp_value);
	}
	free(pairs);
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

/* Output primitives. */

void
wire_out_init(struct wire_out *out, size_t max)
{
	memset(out, 0, sizeof(*out));
	out->wo_max = max;
}

void
wire_out_reset(struct wire_out *out)
{
	out->wo_len = 0;
	out->wo_error = 0;
	out->wo_errstr = NULL;
}

void
wire_out_drain(struct wire_out *out, size_t n)
{
	if (n >= out->wo_len) {
		out->wo_len = 0;
		return;
	}
	memmove(out->wo_buf, out->wo_buf + n, out->wo_len - n);
	out->wo_len -= n;
}

void
wire_out_free(struct wire_out *out)
{
	free(out->wo_buf);
	out->wo_buf = NULL;
	out->wo_len = out->wo_cap = 0;
}

static int
wire_out_fail(struct wire_out *out, const char *errstr)
{
	out->wo_error = 1;
	out->wo_errstr = errstr;
	return (-1);
}

/* Make room for n more bytes, doubling but never past wo_max. */
static int
wire_out_grow(struct wire_out *out, size_t n)
{
	unsigned char	*p;
	size_t		 cap;

	if (out->wo_error)
		return (-1);
	if (out->wo_len > out->wo_max || n > out->wo_max - out->wo_len)
		return (wire_out_fail(out, "output too large"));
	if (n <= out->wo_cap - out->wo_len)
		return (0);
	cap = out->wo_cap < WIRE_OUT_MINCAP ? WIRE_OUT_MINCAP : out->wo_cap;
	while (cap < out->wo_len + n && cap <= SIZE_MAX / 2)
		cap *= 2;
	if (cap < out->wo_len + n || cap > out->wo_max)
		cap = out->wo_max;
	if ((p = reallocarray(out->wo_buf, cap, sizeof(*p))) == NULL)
		return (wire_out_fail(out, "out of memory"));
	out->wo_buf = p;
	out->wo_cap = cap;
	return (0);
}

/* Ends a compound put: on failure, drop what it wrote so far. */
static int
wire_out_end(struct wire_out *out, size_t mark)
{
	if (!out->wo_error)
		return (0);
	out->wo_len = mark;
	return (-1);
}

int
wire_put_u64(struct wire_out *out, uint64_t v)
{
	int	i;

	if (wire_out_grow(out, 8) == -1)
		return (-1);
	for (i = 0; i < 8; i++, v >>= 8)
		out->wo_buf[out->wo_len++] = v & 0xff;
	return (0);
}

int
wire_put_bool(struct wire_out *out, int v)
{
	return (wire_put_u64(out, v ? 1 : 0));
}

int
wire_put_bytes(struct wire_out *out, const void *p, size_t len)
{
	size_t	pad;

	if (len > WIRE_STRING_LIMIT)
		return (wire_out_fail(out, "output too large"));
	pad = (8 - len % 8) % 8;
	if (wire_out_grow(out, 8 + len + pad) == -1)
		return (-1);
	(void)wire_put_u64(out, len);
	if (len > 0)
		memcpy(out->wo_buf + out->wo_len, p, len);
	memset(out->wo_buf + out->wo_len + len, 0, pad);
	out->wo_len += len + pad;
	return (0);
}

int
wire_put_string(struct wire_out *out, const char *s)
{
	return (wire_put_bytes(out, s, strlen(s)));
}

int
wire_put_strings(struct wire_out *out, char *const *items, size_t count)
{
	size_t	mark = out->wo_len, i;

	(void)wire_put_u64(out, count);
	for (i = 0; i < count && !out->wo_error; i++)
		(void)wire_put_string(out, items[i]);
	return (wire_out_end(out, mark));
}

static int
wire_strcmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

int
wire_put_string_set(struct wire_out *out, char *const *items, size_t count)
{
	char	**sorted;
	int	  r;

	if (out->wo_error)
		return (-1);
	if (count == 0)
		return (wire_put_u64(out, 0));
	if ((sorted = reallocarray(NULL, count, sizeof(*sorted))) == NULL)
		return (wire_out_fail(out, "out of memory"));
	memcpy(sorted, items, count * sizeof(*sorted));
	qsort(sorted, count, sizeof(*sorted), wire_strcmp);
	r = wire_put_strings(out, sorted, count);
	free(sorted);
	return (r);
}

int
wire_put_string_map(struct wire_out *out, const struct wire_pair *pairs,
    size_t count)
{
	size_t	mark = out->wo_len, i;

	(void)wire_put_u64(out, count);
	for (i = 0; i < count && !out->wo_error; i++) {
		(void)wire_put_string(out, pairs[i].wp_key);
		(void)wire_put_string(out, pairs[i].wp_value);
	}
	return (wire_out_end(out, mark));
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

/* ValidPathInfo. */

int
wire_put_path_info(struct wire_out *out, const struct wire_path_info *pi,
    int withpath)
{
	size_t	mark = out->wo_len;

	if (withpath)
		(void)wire_put_string(out, pi->pi_path);
	(void)wire_put_string(out, pi->pi_deriver != NULL ?
	    pi->pi_deriver : "");
	(void)wire_put_string(out, pi->pi_narhash);
	(void)wire_put_string_set(out, pi->pi_refs, pi->pi_nrefs);
	(void)wire_put_u64(out, pi->pi_regtime);
	(void)wire_put_u64(out, pi->pi_narsize);
	(void)wire_put_bool(out, pi->pi_ultimate);
	(void)wire_put_string_set(out, pi->pi_sigs, pi->pi_nsigs);
	(void)wire_put_string(out, pi->pi_ca != NULL ? pi->pi_ca : "");
	return (wire_out_end(out, mark));
}

/*
 * Parsed into a local copy that is freed on anything but success, so
 * the caller's struct is untouched by a short or bad read.
 */
int
wire_get_path_info(struct wire_in *in, const char *storedir,
    struct wire_path_info *pi, int withpath)
{
	struct wire_path_info	 new;
	size_t			 start = in->wi_off;
	int			 r = 1;

	memset(&new, 0, sizeof(new));
	if ((withpath && (r = wire_get_storepath(in, storedir,
	    &new.pi_path)) != 1) ||
	    (r = wire_get_opt_storepath(in, storedir, &new.pi_deriver)) != 1 ||
	    (r = wire_get_string(in, &new.pi_narhash, NULL,
	    WIRE_HASH_STR_MAX)) != 1 ||
	    (r = wire_get_storepaths(in, storedir, &new.pi_refs,
	    &new.pi_nrefs, WIRE_PATHS_MAX)) != 1 ||
	    (r = wire_get_u64(in, &new.pi_regtime)) != 1 ||
	    (r = wire_get_u64(in, &new.pi_narsize)) != 1 ||
	    (r = wire_get_bool(in, &new.pi_ultimate)) != 1 ||
	    (r = wire_get_strings(in, &new.pi_sigs, &new.pi_nsigs,
	    WIRE_SIGS_MAX, WIRE_SIG_MAX)) != 1 ||
	    (r = wire_get_string(in, &new.pi_ca, NULL, WIRE_CA_MAX)) != 1) {
		wire_path_info_free(&new);
		in->wi_off = start;
		return (r);
	}
	if (new.pi_ca[0] == '\0') {
		free(new.pi_ca);
		new.pi_ca = NULL;
	}
	*pi = new;
	return (1);
}

void
wire_path_info_free(struct wire_path_info *pi)
{
	free(pi->pi_path);
	free(pi->pi_deriver);
	free(pi->pi_narhash);
	wire_strings_free(pi->pi_refs, pi->pi_nrefs);
	wire_strings_free(pi->pi_sigs, pi->pi_nsigs);
	free(pi->pi_ca);
	memset(pi, 0, sizeof(*pi));
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
	case WIRE_HELLO_FEATURES:
		return (wire_get_client_rest(in, wh, in->wi_off));
	default:
		return (wire_bad(in, "handshake already done"));
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
		return (wire_bad(in, "protocol mismatch"));
	in->wi_off = off;
	wh->wh_state = WIRE_HELLO_MAGIC;
	return (1);
}

/*
 * The version is judged as soon as it is read; the session runs at the
 * lower of the client's and ours, and what follows depends on that.
 * At 1.38 the client's feature set comes next, and the client waits
 * for ours before it sends the rest.
 */
static int
wire_get_client_version(struct wire_in *in, struct wire_hello *wh)
{
	uint64_t	version;
	size_t		off = in->wi_off, nfeatures = 0;
	unsigned int	minor;
	int		r;

	if ((r = wire_peek_u64(in, &off, &version)) != 1)
		return (r);
	if (version < PROTOCOL_VERSION_MIN)
		return (wire_bad(in, "the Nix client version is too old"));
	if (version > 0xffff ||
	    PROTOCOL_MAJOR(version) != PROTOCOL_MAJOR(PROTOCOL_VERSION))
		return (wire_bad(in, "unsupported protocol major version"));
	minor = PROTOCOL_MINOR(version);
	if (minor > PROTOCOL_MINOR(PROTOCOL_VERSION))
		minor = PROTOCOL_MINOR(PROTOCOL_VERSION);
	if (minor < 38) {
		wh->wh_version = version;
		wh->wh_minor = minor;
		return (wire_get_client_rest(in, wh, off));
	}
	if ((r = wire_peek_features(in, &off, &nfeatures)) != 1)
		return (r);
	in->wi_off = off;
	wh->wh_version = version;
	wh->wh_minor = minor;
	wh->wh_nfeatures = nfeatures;
	wh->wh_state = WIRE_HELLO_FEATURES;
	return (1);
}

/*
 * The client's features: a set of names, checked and counted.  We
 * know none, so the intersection Nix takes is empty whatever they are.
 */
static int
wire_peek_features(struct wire_in *in, size_t *off, size_t *count)
{
	const unsigned char	*p;
	uint64_t		 n, i;
	size_t			 o = *off, len;
	int			 r;

	if ((r = wire_peek_u64(in, &o, &n)) != 1)
		return (r);
	if (n > WIRE_FEATURES_MAX)
		return (wire_bad(in, "too many protocol features"));
	for (i = 0; i < n; i++) {
		if ((r = wire_peek_string(in, &o, WIRE_FEATURE_MAX, &p,
		    &len)) != 1)
			return (r);
		if (wire_check_item(in, p, len, NULL) == -1)
			return (-1);
	}
	*off = o;
	*count = n;
	return (1);
}

/*
 * The obsolete CPU affinity (minor >= 14) and reserveSpace (>= 11),
 * from off on.  wh_minor is set: the fields are the negotiated
 * version's.
 */
static int
wire_get_client_rest(struct wire_in *in, struct wire_hello *wh, size_t off)
{
	uint64_t	affinity = 0, cpu = 0, reserve = 0;
	int		r;

	if (wh->wh_minor >= 14) {
		if ((r = wire_peek_u64(in, &off, &affinity)) != 1 ||
		    (affinity && (r = wire_peek_u64(in, &off, &cpu)) != 1))
			return (r);
	}
	if (wh->wh_minor >= 11 &&
	    (r = wire_peek_u64(in, &off, &reserve)) != 1)
		return (r);
	in->wi_off = off;
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
wire_put_server_features(struct wire_out *out)
{
	return (wire_put_strings(out, NULL, 0));
}

int
wire_put_daemon_info(struct wire_out *out, unsigned int minor, int trust)
{
	size_t	mark = out->wo_len;

	if (minor >= 33)
		(void)wire_put_string(out, WIRE_DAEMON_VERSION);
	if (minor >= 35)
		(void)wire_put_u64(out, trust);
	return (wire_out_end(out, mark));
}

int
wire_put_server_post_hello(struct wire_out *out, unsigned int minor,
    int trust)
{
	size_t	mark = out->wo_len;

	(void)wire_put_daemon_info(out, minor, trust);
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
