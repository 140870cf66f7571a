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
 * The worker protocol's primitives (u64 little-endian, strings padded
 * to 8 bytes, lists, store paths, path info), shared by the client
 * codec (wire.c) and the messages between rnixd's processes (msg.c).
 * Decoding works in two steps where it can: first look at the bytes in
 * place (bounds, padding, completeness, validity), and copy only once
 * the whole item is there, so that a getter that runs out of input
 * leaves nothing behind and the caller can simply retry the op from
 * its start when more bytes arrive.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "storepath.h"
#include "wirebuf.h"

#define WIRE_OUT_MINCAP		256
#define WIRE_STRING_LIMIT	(SIZE_MAX - 16)	/* keeps padding math safe */

static int	wire_need(struct wire_in *, size_t, size_t);
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
static int	wire_strcmp(const void *, const void *);

/* Input primitives. */

void
wire_in_init(struct wire_in *in, const void *buf, size_t len)
{
	memset(in, 0, sizeof(*in));
	in->wi_buf = buf;
	in->wi_len = len;
}

int
wire_in_fail(struct wire_in *in, const char *errstr)
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

uint64_t
wire_le64(const unsigned char *p)
{
	uint64_t	v = 0;
	int		i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return (v);
}

int
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
		return (wire_in_fail(in, "string too long"));
	pad = (8 - n % 8) % 8;
	if (!wire_need(in, o, n + pad))
		return (0);
	for (i = 0; i < pad; i++)
		if (in->wi_buf[o + n + i] != 0)
			return (wire_in_fail(in, "non-zero string padding"));
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
		return (wire_in_fail(in, "string contains a NUL byte"));
	if (storedir == NULL)
		return (0);
	if (len >= sizeof(path))
		return (wire_in_fail(in, "store path too long"));
	memcpy(path, p, len);
	path[len] = '\0';
	if (storepath_parse(storedir, path, NULL, NULL, &errstr) != 0)
		return (wire_in_fail(in, errstr != NULL ? errstr :
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
		return (wire_in_fail(in, "string contains a NUL byte"));
	if ((s = wire_dup(p, len)) == NULL)
		return (wire_in_fail(in, "out of memory"));
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
			return (wire_in_fail(in, "out of memory"));
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
		return (wire_in_fail(in, "out of memory"));
	for (i = 0; i < count; i++) {
		(void)wire_peek_string(in, &off, SIZE_MAX, &p, &len);
		if ((items[i] = wire_dup(p, len)) == NULL) {
			wire_strings_free(items, i);
			return (wire_in_fail(in, "out of memory"));
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
		return (wire_in_fail(in, "too many items"));
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
		return (wire_in_fail(in, "out of memory"));
	for (i = 0; i < count; i++) {
		(void)wire_peek_string(in, &off, SIZE_MAX, &p, &len);
		pairs[i].wp_key = wire_dup(p, len);
		(void)wire_peek_string(in, &off, SIZE_MAX, &p, &len);
		pairs[i].wp_value = wire_dup(p, len);
		if (pairs[i].wp_key == NULL || pairs[i].wp_value == NULL) {
			wire_pairs_free(pairs, i + 1);
			return (wire_in_fail(in, "out of memory"));
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
		return (wire_in_fail(in, "too many items"));
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

int
wire_out_fail(struct wire_out *out, const char *errstr)
{
	out->wo_error = 1;
	out->wo_errstr = errstr;
	return (-1);
}

/* Make room for n more bytes, doubling but never past wo_max. */
int
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
int
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
