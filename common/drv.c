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
 * Derivations in the ATerm form Nix 2.8 writes (.drv files), and the
 * hashes and paths computed from them.
 *
 * Nix 2.8's reader (parseDerivation) is more lenient than its writer:
 * it skips a leading or missing ',' in lists, takes any "\X" as X,
 * keeps raw LF/CR/TAB in strings, sorts every list but args into a map
 * or set (of duplicates the first output and the last env or inputDrvs
 * entry win), accepts a fixed-output hash in base32 or base64, ignores
 * the hash of an output without hashAlgo, and reprints a fixed output's
 * path from its hash whatever the file said.  That is all text Nix
 * never writes, and Nix would print it back differently, so the bytes
 * would not hash to the .drv's own path.  rnixd refuses all of it: the
 * parser takes exactly the canonical text, so a parsed .drv prints
 * back to the same bytes.  It also refuses what the evaluator cannot
 * produce: NUL bytes (C strings cannot carry them either), inputDrvs
 * not ending in ".drv" or with no outputs, output names unfit for a
 * store path name, a quote or backslash in the platform.
 */
#include <sys/tree.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drv.h"

/* Room for a cleaned-up piece of hostile text in an error message. */
#define DRV_QUOTE_MAX	(STOREPATH_MAX + 8)

struct drv_lex {
	const char	*dl_text;
	size_t		 dl_len;
	size_t		 dl_off;
};

struct drv_buf {
	char	*db_data;
	size_t	 db_len;
	size_t	 db_size;
	int	 db_failed;
};

struct drv_memo {
	RB_ENTRY(drv_memo)	 dm_entry;
	char			*dm_path;
	int			 dm_busy;
	struct hash		 dm_hash;
	char			**dm_outputs;
	size_t			 dm_noutputs;
};

/* One (input hash, output name) pair of hashDerivationModulo. */
struct drv_pair {
	char	 dp_key[2 * HASH_MAX_LEN + 1];
	char	*dp_output;
};

static const char	*drv_errf(const char *, ...)
			    __attribute__((__format__ (printf, 1, 2)));
static const char	*drv_quote(const char *, char *, size_t);
static int		 drv_fail(const char **, const char *, const char *,
			    const char *) __attribute__((__noinline__));
static void		*drv_grow(void *, size_t, size_t);
static void		 drv_strv_free(char **, size_t);
static int		 drv_strv_copy(char *const *, size_t, char ***);
static int		 drv_append_output(struct drv *, char *, char *,
			    char *, char *, const char **);
static int		 drv_append_input(struct drv *, char *, char **,
			    size_t, const char **);
static int		 drv_append_str(char ***, size_t *, size_t,
			    const char *, char *, const char **);
static int		 drv_append_env(struct drv *, char *, char *,
			    const char **);
static int		 lex_error(size_t, const char **, const char *, ...)
			    __attribute__((__format__ (printf, 3, 4)));
static int		 lex_expect(struct drv_lex *, const char *,
			    const char **);
static int		 lex_scan(struct drv_lex *, int, size_t *, size_t *,
			    const char **);
static int		 lex_string(struct drv_lex *, int, char **,
			    const char **);
static int		 lex_next(struct drv_lex *, size_t, int *,
			    const char **);
static int		 parse_outputs(struct drv_lex *, struct drv *,
			    const char **);
static int		 parse_output(struct drv_lex *, struct drv *,
			    const char **);
static int		 parse_inputs(struct drv_lex *, struct drv *,
			    const char **);
static int		 parse_strings(struct drv_lex *, int, size_t,
			    const char *, char ***, size_t *, const char **);
static int		 parse_env(struct drv_lex *, struct drv *,
			    const char **);
static int		 valid_storepath(const char *, const char *,
			    const char *, const char **);
static int		 valid_algo(const char *, enum ca_method *,
			    enum hash_algo *);
static int		 valid_output(const char *, const struct drv_output *,
			    const char **);
static int		 valid_outputs(const char *, const struct drv *,
			    const char **);
static int		 valid_inputs(const char *, const struct drv *,
			    const char **);
static int		 valid_srcs(const char *, const struct drv *,
			    const char **);
static int		 valid_env(const struct drv *, const char **);
static int		 valid_sorted(char *const *, size_t, const char *,
			    const char **);
static void		 buf_put(struct drv_buf *, const char *, size_t);
static void		 buf_str(struct drv_buf *, const char *);
static void		 buf_raw(struct drv_buf *, const char *);
static void		 buf_escaped(struct drv_buf *, const char *);
static void		 buf_rawlist(struct drv_buf *, char *const *, size_t);
static void		 unparse_outputs(struct drv_buf *, const struct drv *,
			    int);
static void		 unparse_inputs(struct drv_buf *,
			    const struct drv_input *, size_t);
static void		 unparse_env(struct drv_buf *, const struct drv *, int);
static long		 find_sorted(const void *, size_t, size_t, size_t,
			    const char *);
static int		 type_fixed(const struct drv *, struct drv_type *,
			    const char **);
static int		 memo_cmp(struct drv_memo *, struct drv_memo *);
static void		 memo_free(struct drv_memo *);
static int		 memo_get(struct drv_hasher *, const char *,
			    struct drv_memo **, const char **);
static int		 memo_fill(struct drv_hasher *, struct drv_memo *,
			    const char *, const char **);
static int		 memo_has_output(const struct drv_memo *, const char *);
static int		 pair_cmp(const void *, const void *);
static int		 modulo_pairs(struct drv_hasher *, const struct drv *,
			    struct drv_pair **, size_t *, const char **);
static int		 modulo_inputs(struct drv_pair *, size_t,
			    struct drv_input **, size_t *, char ***,
			    const char **);
static int		 modulo_fixed(const char *, const char *,
			    const struct drv *, const struct drv_type *,
			    struct hash *, const char **);
static int		 modulo_regular(struct drv_hasher *, const struct drv *,
			    int, struct hash *, const char **);
static int		 check_output(const char *, const struct drv *, size_t,
			    const char *, const char **);

/* libbsd leaves __unused undefined, which RB_GENERATE_STATIC needs. */
RB_PROTOTYPE_INTERNAL(drv_memo_tree, drv_memo, dm_entry, memo_cmp,
    __attribute__((__unused__)) static)
RB_GENERATE_INTERNAL(drv_memo_tree, drv_memo, dm_entry, memo_cmp,
    __attribute__((__unused__)) static)

static char	drv_errbuf[1024];

static const char *
drv_errf(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(drv_errbuf, sizeof(drv_errbuf), fmt, ap);
	va_end(ap);
	return (drv_errbuf);
}

/*
 * Hostile text goes into error messages only through here: printable
 * ASCII is kept, anything else becomes '?', and long text is cut.
 */
static const char *
drv_quote(const char *s, char *buf, size_t bufsz)
{
	size_t	i;

	for (i = 0; s[i] != '\0' && i + 4 < bufsz; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (s[i] != '\0' && i >= 3) {
		i -= 3;
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return (buf);
}

/*
 * Formats fmt with one or two quoted strings (b may be NULL).  Kept out
 * of line so that the recursion of drv_hash_modulo does not carry the
 * buffers on every level of its stack.
 */
static int
drv_fail(const char **errstr, const char *fmt, const char *a, const char *b)
{
	char	qa[DRV_QUOTE_MAX], qb[DRV_QUOTE_MAX];

	drv_quote(a, qa, sizeof(qa));
	drv_quote(b == NULL ? "" : b, qb, sizeof(qb));
	*errstr = drv_errf(fmt, qa, qb);
	return (-1);
}

/*
 * Arrays grow to the next power of two when their count reaches one,
 * so no capacity needs keeping.  Returns arr itself, its new place, or
 * NULL (arr is then left as it was).
 */
static void *
drv_grow(void *arr, size_t n, size_t sz)
{
	if (n != 0 && (n & (n - 1)) != 0)
		return (arr);
	return (reallocarray(arr, n == 0 ? 1 : 2 * n, sz));
}

static void
drv_strv_free(char **v, size_t n)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int
drv_strv_copy(char *const *src, size_t n, char ***dstp)
{
	char	**dst;
	size_t	  i;

	if ((dst = calloc(n == 0 ? 1 : n, sizeof(*dst))) == NULL)
		return (-1);
	for (i = 0; i < n; i++) {
		if ((dst[i] = strdup(src[i])) == NULL) {
			drv_strv_free(dst, i);
			return (-1);
		}
	}
	*dstp = dst;
	return (0);
}

struct drv *
drv_new(void)
{
	struct drv	*d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return (NULL);
	if ((d->d_platform = strdup("")) == NULL ||
	    (d->d_builder = strdup("")) == NULL) {
		drv_free(d);
		return (NULL);
	}
	return (d);
}

void
drv_free(struct drv *d)
{
	size_t	i;

	if (d == NULL)
		return;
	for (i = 0; i < d->d_noutputs; i++) {
		free(d->d_outputs[i].do_name);
		free(d->d_outputs[i].do_path);
		free(d->d_outputs[i].do_algo);
		free(d->d_outputs[i].do_hash);
	}
	free(d->d_outputs);
	for (i = 0; i < d->d_ninputs; i++) {
		free(d->d_inputs[i].di_path);
		drv_strv_free(d->d_inputs[i].di_outputs,
		    d->d_inputs[i].di_noutputs);
	}
	free(d->d_inputs);
	drv_strv_free(d->d_srcs, d->d_nsrcs);
	drv_strv_free(d->d_args, d->d_nargs);
	for (i = 0; i < d->d_nenv; i++) {
		free(d->d_env[i].de_key);
		free(d->d_env[i].de_value);
	}
	free(d->d_env);
	free(d->d_platform);
	free(d->d_builder);
	free(d);
}

/* The append functions take ownership of their strings, even on error. */
static int
drv_append_output(struct drv *d, char *name, char *path, char *algo,
    char *hash, const char **errstr)
{
	struct drv_output	*o;

	if (d->d_noutputs >= DRV_OUTPUTS_MAX)
		*errstr = drv_errf("derivation: more than %d outputs",
		    DRV_OUTPUTS_MAX);
	else if ((o = drv_grow(d->d_outputs, d->d_noutputs,
	    sizeof(*o))) == NULL)
		*errstr = "derivation: out of memory";
	else {
		d->d_outputs = o;
		o = &d->d_outputs[d->d_noutputs++];
		o->do_name = name;
		o->do_path = path;
		o->do_algo = algo;
		o->do_hash = hash;
		return (0);
	}
	free(name);
	free(path);
	free(algo);
	free(hash);
	return (-1);
}

static int
drv_append_input(struct drv *d, char *path, char **outputs, size_t noutputs,
    const char **errstr)
{
	struct drv_input	*in;

	if (d->d_ninputs >= DRV_INPUTS_MAX)
		*errstr = drv_errf("derivation: more than %d inputDrvs",
		    DRV_INPUTS_MAX);
	else if ((in = drv_grow(d->d_inputs, d->d_ninputs,
	    sizeof(*in))) == NULL)
		*errstr = "derivation: out of memory";
	else {
		d->d_inputs = in;
		in = &d->d_inputs[d->d_ninputs++];
		in->di_path = path;
		in->di_outputs = outputs;
		in->di_noutputs = noutputs;
		return (0);
	}
	free(path);
	drv_strv_free(outputs, noutputs);
	return (-1);
}

/* Appends s to the string vector *vp of *np entries, at most max. */
static int
drv_append_str(char ***vp, size_t *np, size_t max, const char *what,
    char *s, const char **errstr)
{
	char	**v;

	if (*np >= max)
		*errstr = drv_errf("derivation: more than %zu %s", max, what);
	else if ((v = drv_grow(*vp, *np, sizeof(*v))) == NULL)
		*errstr = "derivation: out of memory";
	else {
		*vp = v;
		v[(*np)++] = s;
		return (0);
	}
	free(s);
	return (-1);
}

static int
drv_append_env(struct drv *d, char *key, char *value, const char **errstr)
{
	struct drv_env	*e;

	if (d->d_nenv >= DRV_ENV_MAX)
		*errstr = drv_errf("derivation: more than %d env entries",
		    DRV_ENV_MAX);
	else if ((e = drv_grow(d->d_env, d->d_nenv, sizeof(*e))) == NULL)
		*errstr = "derivation: out of memory";
	else {
		d->d_env = e;
		e = &d->d_env[d->d_nenv++];
		e->de_key = key;
		e->de_value = value;
		return (0);
	}
	free(key);
	free(value);
	return (-1);
}

int
drv_add_output(struct drv *d, const char *name, const char *path,
    const char *algo, const char *hash, const char **errstr)
{
	char	*n, *p, *a, *h;

	n = strdup(name);
	p = strdup(path);
	a = strdup(algo);
	h = strdup(hash);
	if (n == NULL || p == NULL || a == NULL || h == NULL) {
		free(n);
		free(p);
		free(a);
		free(h);
		*errstr = "derivation: out of memory";
		return (-1);
	}
	return (drv_append_output(d, n, p, a, h, errstr));
}

int
drv_add_input(struct drv *d, const char *path, char *const *outputs,
    size_t noutputs, const char **errstr)
{
	char	 *p, **v = NULL;

	if (noutputs > DRV_INPUT_OUTPUTS_MAX) {
		*errstr = drv_errf("derivation: more than %d outputs of "
		    "one inputDrv", DRV_INPUT_OUTPUTS_MAX);
		return (-1);
	}
	if ((p = strdup(path)) == NULL ||
	    drv_strv_copy(outputs, noutputs, &v) == -1) {
		free(p);
		*errstr = "derivation: out of memory";
		return (-1);
	}
	return (drv_append_input(d, p, v, noutputs, errstr));
}

int
drv_add_src(struct drv *d, const char *path, const char **errstr)
{
	char	*p;

	if ((p = strdup(path)) == NULL) {
		*errstr = "derivation: out of memory";
		return (-1);
	}
	return (drv_append_str(&d->d_srcs, &d->d_nsrcs, DRV_SRCS_MAX,
	    "inputSrcs", p, errstr));
}

int
drv_add_arg(struct drv *d, const char *arg, const char **errstr)
{
	char	*p;

	if ((p = strdup(arg)) == NULL) {
		*errstr = "derivation: out of memory";
		return (-1);
	}
	return (drv_append_str(&d->d_args, &d->d_nargs, DRV_ARGS_MAX,
	    "args", p, errstr));
}

int
drv_add_env(struct drv *d, const char *key, const char *value,
    const char **errstr)
{
	char	*k, *v;

	k = strdup(key);
	v = strdup(value);
	if (k == NULL || v == NULL) {
		free(k);
		free(v);
		*errstr = "derivation: out of memory";
		return (-1);
	}
	return (drv_append_env(d, k, v, errstr));
}

int
drv_set_platform(struct drv *d, const char *platform, const char **errstr)
{
	char	*p;

	if ((p = strdup(platform)) == NULL) {
		*errstr = "derivation: out of memory";
		return (-1);
	}
	free(d->d_platform);
	d->d_platform = p;
	return (0);
}

int
drv_set_builder(struct drv *d, const char *builder, const char **errstr)
{
	char	*p;

	if ((p = strdup(builder)) == NULL) {
		*errstr = "derivation: out of memory";
		return (-1);
	}
	free(d->d_builder);
	d->d_builder = p;
	return (0);
}

/*
 * The lexer.  Errors name the byte offset where the text went wrong.
 */
static int
lex_error(size_t off, const char **errstr, const char *fmt, ...)
{
	char	msg[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	*errstr = drv_errf("derivation: offset %zu: %s", off, msg);
	return (-1);
}

static int
lex_expect(struct drv_lex *l, const char *lit, const char **errstr)
{
	size_t	n = strlen(lit);

	if (l->dl_len - l->dl_off < n ||
	    memcmp(l->dl_text + l->dl_off, lit, n) != 0)
		return (lex_error(l->dl_off, errstr, "expected '%s'", lit));
	l->dl_off += n;
	return (0);
}

/*
 * Finds the end of the string starting after the opening quote at
 * dl_off: *endp is the offset of the closing quote, *outlenp the
 * length once unescaped.  raw strings are those Nix writes without
 * escaping, so they may hold no backslash at all.
 */
static int
lex_scan(struct drv_lex *l, int raw, size_t *endp, size_t *outlenp,
    const char **errstr)
{
	size_t		i, outlen = 0;
	unsigned char	c;

	for (i = l->dl_off; i < l->dl_len; i++, outlen++) {
		c = l->dl_text[i];
		if (c == '"') {
			*endp = i;
			*outlenp = outlen;
			return (0);
		}
		if (outlen >= DRV_STRING_MAX)
			return (lex_error(i, errstr, "string longer "
			    "than %lu bytes", DRV_STRING_MAX));
		if (c == '\0')
			return (lex_error(i, errstr, "NUL byte in "
			    "string"));
		if (!raw && (c == '\n' || c == '\r' || c == '\t'))
			return (lex_error(i, errstr, "unescaped control "
			    "character 0x%02x in string", c));
		if (c != '\\')
			continue;
		if (raw)
			return (lex_error(i, errstr, "backslash in a "
			    "string Nix writes unescaped"));
		if (++i == l->dl_len)
			break;
		c = l->dl_text[i];
		if (c != '"' && c != '\\' && c != 'n' && c != 'r' && c != 't')
			return (lex_error(i, errstr, "bad escape "
			    "sequence (byte 0x%02x after backslash)", c));
	}
	return (lex_error(l->dl_len, errstr, "unterminated string"));
}

static int
lex_string(struct drv_lex *l, int raw, char **outp, const char **errstr)
{
	size_t	 end = 0, outlen = 0, i, j;
	char	*out, c;

	if (lex_expect(l, "\"", errstr) == -1 ||
	    lex_scan(l, raw, &end, &outlen, errstr) == -1)
		return (-1);
	if ((out = malloc(outlen + 1)) == NULL) {
		*errstr = "derivation: out of memory";
		return (-1);
	}
	for (i = l->dl_off, j = 0; i < end; i++) {
		c = l->dl_text[i];
		if (c == '\\') {
			c = l->dl_text[++i];
			if (c == 'n')
				c = '\n';
			else if (c == 'r')
				c = '\r';
			else if (c == 't')
				c = '\t';
		}
		out[j++] = c;
	}
	out[j] = '\0';
	l->dl_off = end + 1;
	*outp = out;
	return (0);
}

/*
 * At item index of a list whose '[' was read: sets *more if an item
 * follows (eating the ',' before it), else eats the ']'.
 */
static int
lex_next(struct drv_lex *l, size_t index, int *more, const char **errstr)
{
	char	c;

	if (l->dl_off == l->dl_len)
		return (lex_error(l->dl_off, errstr, "unexpected end of text "
		    "in list"));
	c = l->dl_text[l->dl_off];
	if (c == ']') {
		l->dl_off++;
		*more = 0;
		return (0);
	}
	if (index == 0) {
		*more = 1;
		return (0);
	}
	if (c != ',')
		return (lex_error(l->dl_off, errstr, "expected ',' or ']'"));
	l->dl_off++;
	*more = 1;
	return (0);
}

static int
parse_output(struct drv_lex *l, struct drv *d, const char **errstr)
{
	char	*s[4] = { NULL, NULL, NULL, NULL };
	int	 i;

	if (lex_expect(l, "(", errstr) == -1)
		return (-1);
	for (i = 0; i < 4; i++) {
		if ((i > 0 && lex_expect(l, ",", errstr) == -1) ||
		    lex_string(l, 1, &s[i], errstr) == -1)
			goto fail;
	}
	if (lex_expect(l, ")", errstr) == -1)
		goto fail;
	return (drv_append_output(d, s[0], s[1], s[2], s[3], errstr));
 fail:
	for (i = 0; i < 4; i++)
		free(s[i]);
	return (-1);
}

static int
parse_outputs(struct drv_lex *l, struct drv *d, const char **errstr)
{
	size_t	i;
	int	more;

	if (lex_expect(l, "Derive([", errstr) == -1)
		return (-1);
	for (i = 0;; i++) {
		if (lex_next(l, i, &more, errstr) == -1)
			return (-1);
		if (!more)
			return (0);
		if (parse_output(l, d, errstr) == -1)
			return (-1);
	}
}

/* A list of strings: ",[" is read by the caller, up to the ']'. */
static int
parse_strings(struct drv_lex *l, int raw, size_t max, const char *what,
    char ***vp, size_t *np, const char **errstr)
{
	char	*s;
	size_t	 i;
	int	 more;

	for (i = 0;; i++) {
		if (lex_next(l, i, &more, errstr) == -1)
			return (-1);
		if (!more)
			return (0);
		if (lex_string(l, raw, &s, errstr) == -1 ||
		    drv_append_str(vp, np, max, what, s, errstr) == -1)
			return (-1);
	}
}

static int
parse_inputs(struct drv_lex *l, struct drv *d, const char **errstr)
{
	char	 *path, **outputs;
	size_t	  i, noutputs;
	int	  more;

	if (lex_expect(l, ",[", errstr) == -1)
		return (-1);
	for (i = 0;; i++) {
		if (lex_next(l, i, &more, errstr) == -1)
			return (-1);
		if (!more)
			return (0);
		if (lex_expect(l, "(", errstr) == -1 ||
		    lex_string(l, 1, &path, errstr) == -1)
			return (-1);
		outputs = NULL;
		noutputs = 0;
		if (lex_expect(l, ",[", errstr) == -1 ||
		    parse_strings(l, 1, DRV_INPUT_OUTPUTS_MAX,
		    "outputs of one inputDrv", &outputs, &noutputs,
		    errstr) == -1 ||
		    lex_expect(l, ")", errstr) == -1) {
			free(path);
			drv_strv_free(outputs, noutputs);
			return (-1);
		}
		if (drv_append_input(d, path, outputs, noutputs, errstr) == -1)
			return (-1);
	}
}

static int
parse_env(struct drv_lex *l, struct drv *d, const char **errstr)
{
	char	*key, *value;
	size_t	 i;
	int	 more;

	if (lex_expect(l, ",[", errstr) == -1)
		return (-1);
	for (i = 0;; i++) {
		if (lex_next(l, i, &more, errstr) == -1)
			return (-1);
		if (!more)
			return (0);
		key = value = NULL;
		if (lex_expect(l, "(", errstr) == -1 ||
		    lex_string(l, 0, &key, errstr) == -1 ||
		    lex_expect(l, ",", errstr) == -1 ||
		    lex_string(l, 0, &value, errstr) == -1 ||
		    lex_expect(l, ")", errstr) == -1) {
			free(key);
			free(value);
			return (-1);
		}
		if (drv_append_env(d, key, value, errstr) == -1)
			return (-1);
	}
}

int
drv_parse(const char *storedir, const char *text, size_t len,
    struct drv **dp, const char **errstr)
{
	struct drv_lex	 l;
	struct drv	*d;

	*dp = NULL;
	if (len > DRV_TEXT_MAX) {
		*errstr = drv_errf("derivation: text longer than %lu bytes",
		    DRV_TEXT_MAX);
		return (-1);
	}
	if ((d = drv_new()) == NULL) {
		*errstr = "derivation: out of memory";
		return (-1);
	}
	l.dl_text = text;
	l.dl_len = len;
	l.dl_off = 0;
	free(d->d_platform);
	free(d->d_builder);
	d->d_platform = d->d_builder = NULL;
	if (parse_outputs(&l, d, errstr) == -1 ||
	    parse_inputs(&l, d, errstr) == -1 ||
	    lex_expect(&l, ",[", errstr) == -1 ||
	    parse_strings(&l, 1, DRV_SRCS_MAX, "inputSrcs", &d->d_srcs,
	    &d->d_nsrcs, errstr) == -1 ||
	    lex_expect(&l, ",", errstr) == -1 ||
	    lex_string(&l, 1, &d->d_platform, errstr) == -1 ||
	    lex_expect(&l, ",", errstr) == -1 ||
	    lex_string(&l, 0, &d->d_builder, errstr) == -1 ||
	    lex_expect(&l, ",[", errstr) == -1 ||
	    parse_strings(&l, 0, DRV_ARGS_MAX, "args", &d->d_args,
	    &d->d_nargs, errstr) == -1 ||
	    parse_env(&l, d, errstr) == -1 ||
	    lex_expect(&l, ")", errstr) == -1)
		goto fail;
	if (l.dl_off != l.dl_len) {
		lex_error(l.dl_off, errstr, "trailing bytes after the "
		    "derivation");
		goto fail;
	}
	if (drv_validate(storedir, d, errstr) == -1)
		goto fail;
	*dp = d;
	return (0);
 fail:
	drv_free(d);
	return (-1);
}

/*
 * Validation: what makes a parsed drv canonical and safe to use.
 */
static int
valid_storepath(const char *storedir, const char *path, const char *what,
    const char **errstr)
{
	char		 q[DRV_QUOTE_MAX];
	const char	*why;

	if (path[0] != '/') {
		*errstr = drv_errf("derivation: bad path '%s' in %s",
		    drv_quote(path, q, sizeof(q)), what);
		return (-1);
	}
	if (storepath_parse(storedir, path, NULL, NULL, &why) == -1) {
		*errstr = drv_errf("derivation: bad store path '%s' in %s: %s",
		    drv_quote(path, q, sizeof(q)), what, why);
		return (-1);
	}
	return (0);
}

/* "[r:]<algo>" as written in an output tuple. */
static int
valid_algo(const char *s, enum ca_method *method, enum hash_algo *algo)
{
	*method = CA_FLAT;
	if (strncmp(s, "r:", 2) == 0) {
		*method = CA_RECURSIVE;
		s += 2;
	}
	return (hash_algo_parse(s, algo));
}

static int
valid_output(const char *storedir, const struct drv_output *o,
    const char **errstr)
{
	char		 q[DRV_QUOTE_MAX];
	const char	*why, *name;
	enum ca_method	 method;
	enum hash_algo	 algo;
	size_t		 len;

	name = drv_quote(o->do_name, q, sizeof(q));
	if (storepath_check_name(o->do_name, &why) != 0) {
		*errstr = drv_errf("derivation: bad output name '%s': %s",
		    name, why);
		return (-1);
	}
	if (o->do_algo[0] == '\0') {
		/* Input-addressed, or deferred when the path is "". */
		if (o->do_hash[0] != '\0') {
			*errstr = drv_errf("derivation: output '%s' has a "
			    "hash but no hashAlgo", name);
			return (-1);
		}
		return (o->do_path[0] == '\0' ? 0 :
		    valid_storepath(storedir, o->do_path, "outputs", errstr));
	}
	if (valid_algo(o->do_algo, &method, &algo) != 0) {
		*errstr = drv_errf("derivation: output '%s' has an unknown "
		    "hashAlgo", name);
		return (-1);
	}
	if (o->do_hash[0] == '\0' || strcmp(o->do_hash, "impure") == 0) {
		/* Floating or impure: the path is not known yet. */
		if (o->do_path[0] == '\0')
			return (0);
		*errstr = drv_errf("derivation: output '%s' has a path but "
		    "no hash", name);
		return (-1);
	}
	len = 2 * hash_algo_len(algo);
	if (strlen(o->do_hash) != len ||
	    strspn(o->do_hash, "0123456789abcdef") != len) {
		*errstr = drv_errf("derivation: output '%s' hash is not %zu "
		    "lowercase base16 digits", name, len);
		return (-1);
	}
	return (valid_storepath(storedir, o->do_path, "outputs", errstr));
}

static int
valid_outputs(const char *storedir, const struct drv *d, const char **errstr)
{
	char	q[DRV_QUOTE_MAX];
	size_t	i;

	if (d->d_noutputs == 0) {
		*errstr = "derivation: no outputs";
		return (-1);
	}
	for (i = 0; i < d->d_noutputs; i++) {
		if (valid_output(storedir, &d->d_outputs[i], errstr) == -1)
			return (-1);
		if (i > 0 && strcmp(d->d_outputs[i - 1].do_name,
		    d->d_outputs[i].do_name) >= 0) {
			*errstr = drv_errf("derivation: outputs not sorted "
			    "or not unique at '%s'",
			    drv_quote(d->d_outputs[i].do_name, q, sizeof(q)));
			return (-1);
		}
	}
	return (0);
}

/* Strictly ascending byte order, which also rules out duplicates. */
static int
valid_sorted(char *const *v, size_t n, const char *what, const char **errstr)
{
	char	q[DRV_QUOTE_MAX];
	size_t	i;

	for (i = 1; i < n; i++) {
		if (strcmp(v[i - 1], v[i]) >= 0) {
			*errstr = drv_errf("derivation: %s not sorted or not "
			    "unique at '%s'", what,
			    drv_quote(v[i], q, sizeof(q)));
			return (-1);
		}
	}
	return (0);
}

static int
valid_inputs(const char *storedir, const struct drv *d, const char **errstr)
{
	const struct drv_input	*in;
	char			 q[DRV_QUOTE_MAX];
	const char		*why;
	size_t			 i, j, len;

	for (i = 0; i < d->d_ninputs; i++) {
		in = &d->d_inputs[i];
		if (valid_storepath(storedir, in->di_path, "inputDrvs",
		    errstr) == -1)
			return (-1);
		drv_quote(in->di_path, q, sizeof(q));
		len = strlen(in->di_path);
		if (len < 4 || strcmp(in->di_path + len - 4, ".drv") != 0) {
			*errstr = drv_errf("derivation: inputDrv '%s' does "
			    "not end in .drv", q);
			return (-1);
		}
		if (i > 0 && strcmp(d->d_inputs[i - 1].di_path,
		    in->di_path) >= 0) {
			*errstr = drv_errf("derivation: inputDrvs not sorted "
			    "or not unique at '%s'", q);
			return (-1);
		}
		if (in->di_noutputs == 0) {
			*errstr = drv_errf("derivation: inputDrv '%s' with "
			    "no outputs", q);
			return (-1);
		}
		for (j = 0; j < in->di_noutputs; j++) {
			if (storepath_check_name(in->di_outputs[j],
			    &why) != 0) {
				*errstr = drv_errf("derivation: bad output "
				    "name of inputDrv '%s': %s", q, why);
				return (-1);
			}
		}
		if (valid_sorted(in->di_outputs, in->di_noutputs,
		    "inputDrv outputs", errstr) == -1)
			return (-1);
	}
	return (0);
}

static int
valid_srcs(const char *storedir, const struct drv *d, const char **errstr)
{
	size_t	i;

	for (i = 0; i < d->d_nsrcs; i++) {
		if (valid_storepath(storedir, d->d_srcs[i], "inputSrcs",
		    errstr) == -1)
			return (-1);
	}
	return (valid_sorted(d->d_srcs, d->d_nsrcs, "inputSrcs", errstr));
}

static int
valid_env(const struct drv *d, const char **errstr)
{
	char	q[DRV_QUOTE_MAX];
	size_t	i;

	for (i = 1; i < d->d_nenv; i++) {
		if (strcmp(d->d_env[i - 1].de_key, d->d_env[i].de_key) >= 0) {
			*errstr = drv_errf("derivation: env not sorted or "
			    "not unique at '%s'",
			    drv_quote(d->d_env[i].de_key, q, sizeof(q)));
			return (-1);
		}
	}
	return (0);
}

int
drv_validate(const char *storedir, const struct drv *d, const char **errstr)
{
	if (valid_outputs(storedir, d, errstr) == -1 ||
	    valid_inputs(storedir, d, errstr) == -1 ||
	    valid_srcs(storedir, d, errstr) == -1 ||
	    valid_env(d, errstr) == -1)
		return (-1);
	/* Written raw, a quote or backslash in it would not read back. */
	if (strpbrk(d->d_platform, "\"\\") != NULL) {
		*errstr = "derivation: platform contains '\"' or '\\'";
		return (-1);
	}
	return (0);
}

/*
 * The printer.  Allocation failure is remembered in the buffer and
 * reported once at the end.
 */
static void
buf_put(struct drv_buf *b, const char *s, size_t n)
{
	char	*p;
	size_t	 size;

	if (b->db_failed)
		return;
	if (n >= b->db_size - b->db_len) {
		if (n > SIZE_MAX / 2 - b->db_len) {
			b->db_failed = 1;
			return;
		}
		size = b->db_size;
		while (size - b->db_len <= n)
			size = size == 0 ? 4096 : size * 2;
		if ((p = realloc(b->db_data, size)) == NULL) {
			b->db_failed = 1;
			return;
		}
		b->db_data = p;
		b->db_size = size;
	}
	memcpy(b->db_data + b->db_len, s, n);
	b->db_len += n;
	b->db_data[b->db_len] = '\0';
}

static void
buf_str(struct drv_buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

/* A string Nix writes between quotes as it is. */
static void
buf_raw(struct drv_buf *b, const char *s)
{
	buf_put(b, "\"", 1);
	buf_str(b, s);
	buf_put(b, "\"", 1);
}

static void
buf_escaped(struct drv_buf *b, const char *s)
{
	size_t		 run;
	const char	*esc;

	buf_put(b, "\"", 1);
	for (;;) {
		run = strcspn(s, "\"\\\n\r\t");
		buf_put(b, s, run);
		s += run;
		switch (*s) {
		case '\0':
			buf_put(b, "\"", 1);
			return;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		default:
			esc = *s == '"' ? "\\\"" : "\\\\";
			break;
		}
		buf_put(b, esc, 2);
		s++;
	}
}

static void
buf_rawlist(struct drv_buf *b, char *const *v, size_t n)
{
	size_t	i;

	buf_put(b, "[", 1);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_put(b, ",", 1);
		buf_raw(b, v[i]);
	}
	buf_put(b, "]", 1);
}

static void
unparse_outputs(struct drv_buf *b, const struct drv *d, int mask)
{
	const struct drv_output	*o;
	size_t			 i;

	buf_str(b, "Derive([");
	for (i = 0; i < d->d_noutputs; i++) {
		o = &d->d_outputs[i];
		buf_str(b, i > 0 ? ",(" : "(");
		buf_raw(b, o->do_name);
		buf_put(b, ",", 1);
		buf_raw(b, mask ? "" : o->do_path);
		buf_put(b, ",", 1);
		buf_raw(b, o->do_algo);
		buf_put(b, ",", 1);
		buf_raw(b, o->do_hash);
		buf_put(b, ")", 1);
	}
	buf_put(b, "]", 1);
}

static void
unparse_inputs(struct drv_buf *b, const struct drv_input *in, size_t n)
{
	size_t	i;

	buf_str(b, ",[");
	for (i = 0; i < n; i++) {
		buf_str(b, i > 0 ? ",(" : "(");
		buf_raw(b, in[i].di_path);
		buf_put(b, ",", 1);
		buf_rawlist(b, in[i].di_outputs, in[i].di_noutputs);
		buf_put(b, ")", 1);
	}
	buf_put(b, "]", 1);
}

static void
unparse_env(struct drv_buf *b, const struct drv *d, int mask)
{
	const struct drv_env	*e;
	size_t			 i;

	buf_str(b, ",[");
	for (i = 0; i < d->d_nenv; i++) {
		e = &d->d_env[i];
		buf_str(b, i > 0 ? ",(" : "(");
		buf_escaped(b, e->de_key);
		buf_put(b, ",", 1);
		if (mask && drv_find_output(d, e->de_key) != -1)
			buf_escaped(b, "");
		else
			buf_escaped(b, e->de_value);
		buf_put(b, ")", 1);
	}
	buf_str(b, "])");
}

int
drv_unparse(const struct drv *d, int mask, const struct drv_input *inputs,
    size_t ninputs, char **outp, size_t *outlenp, const char **errstr)
{
	struct drv_buf	b;
	size_t		i;

	memset(&b, 0, sizeof(b));
	unparse_outputs(&b, d, mask);
	if (inputs != NULL)
		unparse_inputs(&b, inputs, ninputs);
	else
		unparse_inputs(&b, d->d_inputs, d->d_ninputs);
	buf_put(&b, ",", 1);
	buf_rawlist(&b, d->d_srcs, d->d_nsrcs);
	buf_put(&b, ",", 1);
	buf_raw(&b, d->d_platform);
	buf_put(&b, ",", 1);
	buf_escaped(&b, d->d_builder);
	buf_put(&b, ",[", 2);
	for (i = 0; i < d->d_nargs; i++) {
		if (i > 0)
			buf_put(&b, ",", 1);
		buf_escaped(&b, d->d_args[i]);
	}
	buf_put(&b, "]", 1);
	unparse_env(&b, d, mask);
	if (b.db_failed) {
		free(b.db_data);
		*errstr = "derivation: out of memory";
		return (-1);
	}
	*outp = b.db_data;
	*outlenp = b.db_len;
	return (0);
}

/*
 * Binary search in an array sorted by a string member: outputs by
 * name, environment by key.  keyoff is that member's offset.
 */
static long
find_sorted(const void *base, size_t n, size_t size, size_t keyoff,
    const char *key)
{
	const char	*elem;
	size_t		 lo = 0, hi = n, mid;
	int		 cmp;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		elem = (const char *)base + mid * size;
		cmp = strcmp(key, *(char *const *)(elem + keyoff));
		if (cmp == 0)
			return ((long)mid);
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (-1);
}

long
drv_find_output(const struct drv *d, const char *name)
{
	return (find_sorted(d->d_outputs, d->d_noutputs,
	    sizeof(*d->d_outputs), offsetof(struct drv_output, do_name),
	    name));
}

long
drv_find_env(const struct drv *d, const char *key)
{
	return (find_sorted(d->d_env, d->d_nenv, sizeof(*d->d_env),
	    offsetof(struct drv_env, de_key), key));
}

/*
 * Classification, after BasicDerivation::type().
 */
static int
type_fixed(const struct drv *d, struct drv_type *t, const char **errstr)
{
	const struct drv_output	*o = &d->d_outputs[0];
	enum hash_algo		 algo;
	size_t			 len;

	if (d->d_noutputs != 1) {
		*errstr = "derivation: only one fixed output is allowed";
		return (-1);
	}
	if (strcmp(o->do_name, "out") != 0) {
		*errstr = "derivation: single fixed output must be named "
		    "\"out\"";
		return (-1);
	}
	if (valid_algo(o->do_algo, &t->dt_method, &algo) != 0) {
		*errstr = "derivation: unknown hashAlgo of fixed output";
		return (-1);
	}
	len = hash_algo_len(algo);
	if (strlen(o->do_hash) != 2 * len ||
	    strspn(o->do_hash, "0123456789abcdef") != 2 * len ||
	    base16_decode(o->do_hash, 2 * len, t->dt_hash.h_bytes,
	    len) == -1) {
		*errstr = "derivation: bad hash of fixed output";
		return (-1);
	}
	t->dt_hash.h_algo = algo;
	t->dt_hash.h_len = len;
	t->dt_kind = DRV_FIXED;
	return (0);
}

int
drv_type(const struct drv *d, struct drv_type *t, const char **errstr)
{
	const struct drv_output	*o;
	size_t			 i, nia = 0, nfixed = 0, ndeferred = 0;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < d->d_noutputs; i++) {
		o = &d->d_outputs[i];
		if (o->do_algo[0] == '\0' && o->do_path[0] != '\0')
			nia++;
		else if (o->do_algo[0] == '\0')
			ndeferred++;
		else if (strcmp(o->do_hash, "impure") == 0) {
			*errstr = "derivation: impure derivations are not "
			    "supported";
			return (-1);
		} else if (o->do_hash[0] != '\0')
			nfixed++;
		else {
			*errstr = "derivation: floating content-addressed "
			    "derivations (ca-derivations) are not supported";
			return (-1);
		}
	}
	if (d->d_noutputs == 0) {
		*errstr = "derivation: must have at least one output";
		return (-1);
	}
	if (nia == d->d_noutputs)
		t->dt_kind = DRV_INPUT_ADDRESSED;
	else if (ndeferred == d->d_noutputs)
		t->dt_kind = DRV_DEFERRED;
	else if (nfixed == d->d_noutputs)
		return (type_fixed(d, t, errstr));
	else {
		*errstr = "derivation: can't mix derivation output types";
		return (-1);
	}
	return (0);
}

int
drv_name_from_path(const char *storedir, const char *drvpath, char *out,
    size_t outsz, const char **errstr)
{
	char		 q[DRV_QUOTE_MAX];
	const char	*name, *why;
	size_t		 len;

	if (storepath_parse(storedir, drvpath, NULL, &name, &why) == -1) {
		*errstr = drv_errf("bad derivation path '%s': %s",
		    drv_quote(drvpath, q, sizeof(q)), why);
		return (-1);
	}
	len = strlen(name);
	if (len <= 4 || strcmp(name + len - 4, ".drv") != 0) {
		*errstr = drv_errf("path '%s' is not a derivation",
		    drv_quote(drvpath, q, sizeof(q)));
		return (-1);
	}
	if (len - 4 >= outsz) {
		*errstr = "derivation name too long";
		return (-1);
	}
	memcpy(out, name, len - 4);
	out[len - 4] = '\0';
	return (0);
}

/*
 * writeDerivation's path: references are inputSrcs and the inputDrvs
 * (never the outputs).  Both lists are sorted; merge them, dropping a
 * path that is in both.
 */
int
drv_store_path(const char *storedir, const char *drvname,
    const struct drv *d, char *out, size_t outsz, const char **errstr)
{
	char		 name[STOREPATH_NAME_MAX + 1], *text, **refs;
	struct hash	 h;
	size_t		 len, i = 0, j = 0, n = 0;
	int		 cmp, rc;

	if ((size_t)snprintf(name, sizeof(name), "%s.drv", drvname) >=
	    sizeof(name)) {
		*errstr = "derivation name too long";
		return (-1);
	}
	if ((refs = reallocarray(NULL, d->d_nsrcs + d->d_ninputs + 1,
	    sizeof(*refs))) == NULL) {
		*errstr = "derivation: out of memory";
		return (-1);
	}
	while (i < d->d_nsrcs || j < d->d_ninputs) {
		if (i == d->d_nsrcs)
			cmp = 1;
		else if (j == d->d_ninputs)
			cmp = -1;
		else
			cmp = strcmp(d->d_srcs[i], d->d_inputs[j].di_path);
		refs[n++] = cmp <= 0 ? d->d_srcs[i] : d->d_inputs[j].di_path;
		i += cmp <= 0;
		j += cmp >= 0;
	}
	if (drv_unparse(d, 0, NULL, 0, &text, &len, errstr) == -1) {
		free(refs);
		return (-1);
	}
	hash_buf(HASH_SHA256, text, len, &h);
	free(text);
	rc = storepath_make_text(storedir, name, &h, refs, n, out, outsz);
	free(refs);
	if (rc == -1)
		*errstr = drv_errf("cannot make a store path for '%s'", name);
	return (rc);
}

/*
 * hashDerivationModulo.  Input .drv hashes are memoised by path, as
 * Nix's drvHashes table does; a busy entry marks one being computed,
 * so that a cycle of hostile .drv files ends in an error.
 */
static int
memo_cmp(struct drv_memo *a, struct drv_memo *b)
{
	return (strcmp(a->dm_path, b->dm_path));
}

static void
memo_free(struct drv_memo *m)
{
	free(m->dm_path);
	drv_strv_free(m->dm_outputs, m->dm_noutputs);
	free(m);
}

void
drv_hasher_init(struct drv_hasher *dh, const char *storedir,
    drv_load_fn load, void *arg)
{
	dh->dh_storedir = storedir;
	dh->dh_load = load;
	dh->dh_arg = arg;
	dh->dh_depth = 0;
	RB_INIT(&dh->dh_memo);
}

void
drv_hasher_clear(struct drv_hasher *dh)
{
	struct drv_memo	*m, *next;

	RB_FOREACH_SAFE(m, drv_memo_tree, &dh->dh_memo, next) {
		RB_REMOVE(drv_memo_tree, &dh->dh_memo, m);
		memo_free(m);
	}
}

/* Computes the memo of one input .drv; m is busy in the tree. */
static int
memo_fill(struct drv_hasher *dh, struct drv_memo *m, const char *drvname,
    const char **errstr)
{
	struct drv	*in = NULL;
	size_t		 i;
	int		 rc;

	if (dh->dh_load(dh->dh_arg, m->dm_path, &in, errstr) == -1)
		return (-1);
	dh->dh_depth++;
	rc = drv_hash_modulo(dh, drvname, in, 0, &m->dm_hash, errstr);
	dh->dh_depth--;
	if (rc == 0 && (m->dm_outputs = calloc(in->d_noutputs,
	    sizeof(*m->dm_outputs))) == NULL) {
		*errstr = "derivation: out of memory";
		rc = -1;
	}
	for (i = 0; rc == 0 && i < in->d_noutputs; i++) {
		if ((m->dm_outputs[i] = strdup(in->d_outputs[i].do_name)) ==
		    NULL) {
			*errstr = "derivation: out of memory";
			rc = -1;
		} else
			m->dm_noutputs++;
	}
	drv_free(in);
	return (rc);
}

static int
memo_get(struct drv_hasher *dh, const char *path, struct drv_memo **mp,
    const char **errstr)
{
	struct drv_memo	 key, *m;
	char		 name[STOREPATH_NAME_MAX + 1];

	key.dm_path = (char *)path;
	if ((m = RB_FIND(drv_memo_tree, &dh->dh_memo, &key)) != NULL) {
		if (m->dm_busy)
			return (drv_fail(errstr, "derivation: cycle in "
			    "inputDrvs through '%s'%s", path, NULL));
		*mp = m;
		return (0);
	}
	if (drv_name_from_path(dh->dh_storedir, path, name, sizeof(name),
	    errstr) == -1)
		return (-1);
	if (dh->dh_depth >= DRV_DEPTH_MAX) {
		*errstr = drv_errf("derivation: inputDrvs nested deeper than "
		    "%d", DRV_DEPTH_MAX);
		return (-1);
	}
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->dm_path = strdup(path)) == NULL) {
		free(m);
		*errstr = "derivation: out of memory";
		return (-1);
	}
	m->dm_busy = 1;
	RB_INSERT(drv_memo_tree, &dh->dh_memo, m);
	if (memo_fill(dh, m, name, errstr) == -1) {
		RB_REMOVE(drv_memo_tree, &dh->dh_memo, m);
		memo_free(m);
		return (-1);
	}
	m->dm_busy = 0;
	*mp = m;
	return (0);
}

static int
memo_has_output(const struct drv_memo *m, const char *name)
{
	size_t	i;

	for (i = 0; i < m->dm_noutputs; i++)
		if (strcmp(m->dm_outputs[i], name) == 0)
			return (1);
	return (0);
}

static int
pair_cmp(const void *a, const void *b)
{
	const struct drv_pair	*pa = a, *pb = b;
	int			 cmp;

	if ((cmp = strcmp(pa->dp_key, pb->dp_key)) != 0)
		return (cmp);
	return (strcmp(pa->dp_output, pb->dp_output));
}

/* Every (base16 modulo hash of the input, wanted output), sorted. */
static int
modulo_pairs(struct drv_hasher *dh, const struct drv *d,
    struct drv_pair **pairsp, size_t *npairsp, const char **errstr)
{
	const struct drv_input	*in;
	struct drv_pair		*pairs;
	struct drv_memo		*m = NULL;
	size_t			 i, j, n = 0;

	for (i = 0; i < d->d_ninputs; i++)
		n += d->d_inputs[i].di_noutputs;
	if ((pairs = reallocarray(NULL, n + 1, sizeof(*pairs))) == NULL) {
		*errstr = "derivation: out of memory";
		return (-1);
	}
	for (i = 0, n = 0; i < d->d_ninputs; i++) {
		in = &d->d_inputs[i];
		if (memo_get(dh, in->di_path, &m, errstr) == -1)
			goto fail;
		for (j = 0; j < in->di_noutputs; j++) {
			if (!memo_has_output(m, in->di_outputs[j])) {
				drv_fail(errstr, "derivation '%s' has no "
				    "output '%s'", in->di_path,
				    in->di_outputs[j]);
				goto fail;
			}
			hash_format(&m->dm_hash, HASH_ENC_BASE16, 0,
			    pairs[n].dp_key, sizeof(pairs[n].dp_key));
			pairs[n++].dp_output = in->di_outputs[j];
		}
	}
	qsort(pairs, n, sizeof(*pairs), pair_cmp);
	*pairsp = pairs;
	*npairsp = n;
	return (0);
 fail:
	free(pairs);
	return (-1);
}

/*
 * Groups sorted pairs into the replacement inputDrvs list: one entry
 * per distinct hash, its output names merged without duplicates.  The
 * entries point into pairs and into *namesp.
 */
static int
modulo_inputs(struct drv_pair *pairs, size_t npairs,
    struct drv_input **inputsp, size_t *ninputsp, char ***namesp,
    const char **errstr)
{
	struct drv_input	*inputs, *cur = NULL;
	char			**names;
	size_t			 i, ninputs = 0, nnames = 0;

	inputs = reallocarray(NULL, npairs + 1, sizeof(*inputs));
	names = reallocarray(NULL, npairs + 1, sizeof(*names));
	if (inputs == NULL || names == NULL) {
		free(inputs);
		free(names);
		*errstr = "derivation: out of memory";
		return (-1);
	}
	for (i = 0; i < npairs; i++) {
		if (i > 0 && pair_cmp(&pairs[i - 1], &pairs[i]) == 0)
			continue;
		if (cur == NULL || strcmp(cur->di_path,
		    pairs[i].dp_key) != 0) {
			cur = &inputs[ninputs++];
			cur->di_path = pairs[i].dp_key;
			cur->di_outputs = &names[nnames];
			cur->di_noutputs = 0;
		}
		names[nnames++] = pairs[i].dp_output;
		cur->di_noutputs++;
	}
	*inputsp = inputs;
	*ninputsp = ninputs;
	*namesp = names;
	return (0);
}

/* sha256("fixed:out:<[r:]algo>:<base16>:<fixed output path>") */
static int
modulo_fixed(const char *storedir, const char *drvname, const struct drv *d,
    const struct drv_type *t, struct hash *out, const char **errstr)
{
	char	path[STOREPATH_MAX], hex[2 * HASH_MAX_LEN + 1];
	char	text[STOREPATH_MAX + sizeof(hex) + 32];
	int	len;

	if (storepath_make_fixed(storedir, drvname, t->dt_method, &t->dt_hash,
	    NULL, 0, 0, path, sizeof(path)) == -1 ||
	    hash_format(&t->dt_hash, HASH_ENC_BASE16, 0, hex,
	    sizeof(hex)) == -1) {
		*errstr = drv_errf("derivation: cannot make the fixed output "
		    "path of '%s'", drvname);
		return (-1);
	}
	len = snprintf(text, sizeof(text), "fixed:out:%s:%s:%s",
	    d->d_outputs[0].do_algo, hex, path);
	if (len < 0 || (size_t)len >= sizeof(text)) {
		*errstr = "derivation: fixed output hash string too long";
		return (-1);
	}
	hash_buf(HASH_SHA256, text, (size_t)len, out);
	return (0);
}

static int
modulo_regular(struct drv_hasher *dh, const struct drv *d, int mask,
    struct hash *out, const char **errstr)
{
	struct drv_pair		*pairs;
	struct drv_input	*inputs;
	char			**names, *text;
	size_t			 npairs, ninputs, len;
	int			 rc;

	if (modulo_pairs(dh, d, &pairs, &npairs, errstr) == -1)
		return (-1);
	if (modulo_inputs(pairs, npairs, &inputs, &ninputs, &names,
	    errstr) == -1) {
		free(pairs);
		return (-1);
	}
	rc = drv_unparse(d, mask, inputs, ninputs, &text, &len, errstr);
	free(inputs);
	free(names);
	free(pairs);
	if (rc == -1)
		return (-1);
	hash_buf(HASH_SHA256, text, len, out);
	free(text);
	return (0);
}

int
drv_hash_modulo(struct drv_hasher *dh, const char *drvname,
    const struct drv *d, int mask, struct hash *out, const char **errstr)
{
	struct drv_type	t;

	if (drv_type(d, &t, errstr) == -1)
		return (-1);
	if (t.dt_kind == DRV_FIXED)
		return (modulo_fixed(dh->dh_storedir, drvname, d, &t, out,
		    errstr));
	return (modulo_regular(dh, d, mask, out, errstr));
}

int
drv_output_paths(struct drv_hasher *dh, const char *drvname,
    const struct drv *d, char (*out)[STOREPATH_MAX], const char **errstr)
{
	struct drv_type	t;
	struct hash	h;
	size_t		i;

	if (drv_type(d, &t, errstr) == -1)
		return (-1);
	if (t.dt_kind == DRV_FIXED) {
		if (storepath_make_fixed(dh->dh_storedir, drvname,
		    t.dt_method, &t.dt_hash, NULL, 0, 0, out[0],
		    STOREPATH_MAX) == -1)
			goto bad;
		return (0);
	}
	if (drv_hash_modulo(dh, drvname, d, 1, &h, errstr) == -1)
		return (-1);
	for (i = 0; i < d->d_noutputs; i++) {
		if (storepath_make_output(dh->dh_storedir, drvname,
		    d->d_outputs[i].do_name, &h, out[i], STOREPATH_MAX) == -1)
			goto bad;
	}
	return (0);
 bad:
	*errstr = drv_errf("derivation: cannot make the output paths of "
	    "'%s' (name too long?)", drvname);
	return (-1);
}

/* The output tuple and the env variable of output i must be want. */
static int
check_output(const char *drvpath, const struct drv *d, size_t i,
    const char *want, const char **errstr)
{
	const struct drv_output	*o = &d->d_outputs[i];
	char			 q[DRV_QUOTE_MAX];
	long			 e;

	if (strcmp(o->do_path, want) != 0) {
		*errstr = drv_errf("derivation '%s' has incorrect output "
		    "'%s', should be '%s'", drvpath,
		    drv_quote(o->do_path, q, sizeof(q)), want);
		return (-1);
	}
	e = drv_find_env(d, o->do_name);
	if (e == -1 || strcmp(d->d_env[e].de_value, want) != 0) {
		*errstr = drv_errf("derivation '%s' has incorrect environment "
		    "variable '%s', should be '%s'", drvpath,
		    drv_quote(o->do_name, q, sizeof(q)), want);
		return (-1);
	}
	return (0);
}

/*
 * Nix checks only the env variable of a fixed output, since it prints
 * the tuple's path afresh anyway; rnixd prints the stored bytes, so
 * it checks the tuple too.
 */
int
drv_check_outputs(struct drv_hasher *dh, const char *drvpath,
    const struct drv *d, const char **errstr)
{
	char		 name[STOREPATH_NAME_MAX + 1], q[DRV_QUOTE_MAX];
	char		(*paths)[STOREPATH_MAX];
	struct drv_type	 t;
	size_t		 i;
	int		 rc = 0;

	if (drv_name_from_path(dh->dh_storedir, drvpath, name, sizeof(name),
	    errstr) == -1 || drv_type(d, &t, errstr) == -1)
		return (-1);
	if (t.dt_kind == DRV_DEFERRED) {
		*errstr = drv_errf("derivation '%s' has deferred outputs, "
		    "which are not supported", drv_quote(drvpath, q,
		    sizeof(q)));
		return (-1);
	}
	if ((paths = calloc(d->d_noutputs, sizeof(*paths))) == NULL) {
		*errstr = "derivation: out of memory";
		return (-1);
	}
	if (drv_output_paths(dh, name, d, paths, errstr) == -1)
		rc = -1;
	for (i = 0; rc == 0 && i < d->d_noutputs; i++)
		rc = check_output(drvpath, d, i, paths[i], errstr);
	free(paths);
	return (rc);
}
