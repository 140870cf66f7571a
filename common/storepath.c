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
 * Store paths, "<storedir>/<hash32>-<name>": their syntax, and Nix's
 * makeStorePath family, which derives the hash part from a fingerprint
 *	<type>:sha256:<base16 inner hash>:<storedir>:<name>
 * by sha256, an XOR fold to 20 bytes and Nix base32.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "log.h"
#include "storepath.h"

static const char base32_alphabet[] = "0123456789abcdfghijklmnpqrsvwxyz";

static int	storedir_check(const char *);
static int	storepath_name_char(unsigned char);
static int	storepath_check_name_len(const char *, size_t, const char **);
static int	storepath_cmp(const void *, const void *);
static int	storepath_sort_refs(const char *, char *const *, size_t,
		    char ***);
static void	storepath_write(const char *, const struct hash *,
		    const char *, char *);
static int	storepath_make_typed(const char *, const char *,
		    char *const *, size_t, int, const struct hash *,
		    const char *, char *, size_t);
static int	ca_parse_algo(const char **, enum hash_algo *,
		    const char **);

/* Absolute, without a trailing slash, and short enough for our paths. */
static int
storedir_check(const char *storedir)
{
	size_t	len = strnlen(storedir, STOREDIR_MAX + 1);

	if (len == 0 || len > STOREDIR_MAX || storedir[0] != '/' ||
	    storedir[len - 1] == '/')
		return (-1);
	return (0);
}

static int
storepath_name_char(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return (1);
	return (c != '\0' && strchr("+-._?=", c) != NULL);
}

/*
 * Nix 2.8 takes any such name, "." and ".." and "-x" included: the hash
 * part in front keeps the file name harmless.
 */
static int
storepath_check_name_len(const char *name, size_t len, const char **errstr)
{
	size_t	i;

	if (len == 0) {
		*errstr = "store path name is empty";
		return (-1);
	}
	if (len > STOREPATH_NAME_MAX) {
		*errstr = "store path name is longer than 211 characters";
		return (-1);
	}
	for (i = 0; i < len; i++) {
		if (!storepath_name_char(name[i])) {
			*errstr = "store path name contains an illegal "
			    "character";
			return (-1);
		}
	}
	return (0);
}

int
storepath_check_name(const char *name, const char **errstr)
{
	const char	*dummy;

	if (errstr == NULL)
		errstr = &dummy;
	return (storepath_check_name_len(name,
	    strnlen(name, STOREPATH_NAME_MAX + 1), errstr));
}

int
storepath_check_hashpart(const char *s, size_t len)
{
	size_t	i;

	if (len != STOREPATH_HASH_LEN)
		return (-1);
	for (i = 0; i < len; i++)
		if (s[i] == '\0' || strchr(base32_alphabet, s[i]) == NULL)
			return (-1);
	return (0);
}

/*
 * Nix does not look at the character after the hash part; we want the
 * '-' so that a base name has one spelling.
 */
int
storepath_parse_base(const char *base, const char **errstr)
{
	const char	*dummy;

	if (errstr == NULL)
		errstr = &dummy;
	if (strnlen(base, STOREPATH_HASH_LEN + 1) < STOREPATH_HASH_LEN + 1) {
		*errstr = "store path is too short";
		return (-1);
	}
	if (storepath_check_hashpart(base, STOREPATH_HASH_LEN) == -1) {
		*errstr = "store path has an invalid hash part";
		return (-1);
	}
	if (base[STOREPATH_HASH_LEN] != '-') {
		*errstr = "store path has no '-' after its hash part";
		return (-1);
	}
	base += STOREPATH_HASH_LEN + 1;
	return (storepath_check_name_len(base,
	    strnlen(base, STOREPATH_NAME_MAX + 1), errstr));
}

/* No canonicalisation: "//", "/./" or a trailing "/" are errors. */
int
storepath_parse(const char *storedir, const char *path,
    const char **hashpart, const char **name, const char **errstr)
{
	const char	*dummy, *base;
	size_t		 dlen;

	if (errstr == NULL)
		errstr = &dummy;
	if (storedir_check(storedir) == -1) {
		*errstr = "invalid store directory";
		return (-1);
	}
	dlen = strlen(storedir);
	if (strncmp(path, storedir, dlen) != 0 || path[dlen] != '/') {
		*errstr = "path is not in the store";
		return (-1);
	}
	base = path + dlen + 1;
	if (storepath_parse_base(base, errstr) == -1)
		return (-1);
	if (hashpart != NULL)
		*hashpart = base;
	if (name != NULL)
		*name = base + STOREPATH_HASH_LEN + 1;
	return (0);
}

static int
storepath_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* A sorted copy of refs, each checked to be a path in storedir. */
static int
storepath_sort_refs(const char *storedir, char *const *refs, size_t nrefs,
    char ***sortedp)
{
	char		**sorted;
	const char	 *errstr;
	size_t		  i;

	*sortedp = NULL;
	if (nrefs == 0)
		return (0);
	for (i = 0; i < nrefs; i++)
		if (storepath_parse(storedir, refs[i], NULL, NULL,
		    &errstr) == -1)
			return (-1);
	if ((sorted = reallocarray(NULL, nrefs, sizeof(*sorted))) == NULL)
		fatal("%s", __func__);
	memcpy(sorted, refs, nrefs * sizeof(*sorted));
	qsort(sorted, nrefs, sizeof(*sorted), storepath_cmp);
	*sortedp = sorted;
	return (0);
}

/* "<storedir>/<base32(fold20(fp))>-<name>"; the caller checked outsz. */
static void
storepath_write(const char *storedir, const struct hash *fp,
    const char *name, char *out)
{
	unsigned char	folded[20];
	size_t		dlen = strlen(storedir);

	hash_compress(fp, folded, sizeof(folded));
	memcpy(out, storedir, dlen);
	out[dlen] = '/';
	if (base32_encode(folded, sizeof(folded), out + dlen + 1,
	    STOREPATH_HASH_LEN + 1) == -1)
		fatalx("%s: base32 of 20 bytes is not 32 chars", __func__);
	out[dlen + 1 + STOREPATH_HASH_LEN] = '-';
	memcpy(out + dlen + 2 + STOREPATH_HASH_LEN, name, strlen(name) + 1);
}

/*
 * The fingerprint's type is head, then ":<ref>" for each reference in
 * sorted order (a set: a duplicate counts once), then ":self".
 */
static int
storepath_make_typed(const char *storedir, const char *head,
    char *const *refs, size_t nrefs, int self, const struct hash *inner,
    const char *name, char *out, size_t outsz)
{
	struct hash_ctx	  ctx;
	struct hash	  fp;
	char		  innerstr[HASH_STR_MAX];
	char		**sorted;
	const char	 *errstr;
	size_t		  i;

	if (storedir_check(storedir) == -1 ||
	    storepath_check_name(name, &errstr) == -1 ||
	    hash_format(inner, HASH_ENC_BASE16, 1, innerstr,
	    sizeof(innerstr)) == -1)
		return (-1);
	if (outsz < strlen(storedir) + 1 + STOREPATH_HASH_LEN + 1 +
	    strlen(name) + 1)
		return (-1);
	if (storepath_sort_refs(storedir, refs, nrefs, &sorted) == -1 ||
	    hash_init(&ctx, HASH_SHA256) == -1) {
		free(sorted);
		return (-1);
	}
	hash_update(&ctx, head, strlen(head));
	for (i = 0; i < nrefs; i++) {
		if (i > 0 && strcmp(sorted[i], sorted[i - 1]) == 0)
			continue;
		hash_update(&ctx, ":", 1);
		hash_update(&ctx, sorted[i], strlen(sorted[i]));
	}
	free(sorted);
	if (self)
		hash_update(&ctx, ":self", 5);
	hash_update(&ctx, ":", 1);
	hash_update(&ctx, innerstr, strlen(innerstr));
	hash_update(&ctx, ":", 1);
	hash_update(&ctx, storedir, strlen(storedir));
	hash_update(&ctx, ":", 1);
	hash_update(&ctx, name, strlen(name));
	hash_final(&ctx, &fp);
	storepath_write(storedir, &fp, name, out);
	return (0);
}

int
storepath_make(const char *storedir, const char *type,
    const struct hash *inner, const char *name, char *out, size_t outsz)
{
	return (storepath_make_typed(storedir, type, NULL, 0, 0, inner, name,
	    out, outsz));
}

/* Nix's makeTextPath: the hash is sha256 and there is no ":self". */
int
storepath_make_text(const char *storedir, const char *name,
    const struct hash *h, char *const *refs, size_t nrefs, char *out,
    size_t outsz)
{
	if (h->h_algo != HASH_SHA256)
		return (-1);
	return (storepath_make_typed(storedir, "text", refs, nrefs, 0, h,
	    name, out, outsz));
}

int
storepath_make_source(const char *storedir, const char *name,
    const struct hash *h, char *const *refs, size_t nrefs, int self,
    char *out, size_t outsz)
{
	if (h->h_algo != HASH_SHA256)
		return (-1);
	return (storepath_make_typed(storedir, "source", refs, nrefs, self,
	    h, name, out, outsz));
}

/*
 * Nix's makeFixedOutputPath.  Outside the "source" case Nix asserts
 * that there are no references and ignores self, and so do we.
 */
int
storepath_make_fixed(const char *storedir, const char *name,
    enum ca_method method, const struct hash *h, char *const *refs,
    size_t nrefs, int self, char *out, size_t outsz)
{
	struct hash	inner;
	char		digest[HASH_STR_MAX], innerstr[16 + HASH_STR_MAX];
	int		len;

	if (method != CA_FLAT && method != CA_RECURSIVE)
		return (-1);
	if (method == CA_RECURSIVE && h->h_algo == HASH_SHA256)
		return (storepath_make_source(storedir, name, h, refs, nrefs,
		    self, out, outsz));
	if (nrefs > 0 ||
	    hash_format(h, HASH_ENC_BASE16, 1, digest, sizeof(digest)) == -1)
		return (-1);
	len = snprintf(innerstr, sizeof(innerstr), "fixed:out:%s%s:",
	    method == CA_RECURSIVE ? "r:" : "", digest);
	if (len < 0 || (size_t)len >= sizeof(innerstr))
		return (-1);
	hash_buf(HASH_SHA256, innerstr, len, &inner);
	return (storepath_make(storedir, "output:out", &inner, name, out,
	    outsz));
}

/* Output "out" is named like the derivation, others "<drv>-<id>". */
int
storepath_make_output(const char *storedir, const char *drvname,
    const char *outname, const struct hash *drvhash, char *out,
    size_t outsz)
{
	char	type[sizeof("output:") + STOREPATH_NAME_MAX];
	char	name[STOREPATH_NAME_MAX + 1];
	int	len;

	if (outname[0] == '\0')
		return (-1);
	len = snprintf(type, sizeof(type), "output:%s", outname);
	if (len < 0 || (size_t)len >= sizeof(type))
		return (-1);
	if (strcmp(outname, "out") == 0)
		len = snprintf(name, sizeof(name), "%s", drvname);
	else
		len = snprintf(name, sizeof(name), "%s-%s", drvname, outname);
	if (len < 0 || (size_t)len >= sizeof(name))
		return (-1);
	return (storepath_make(storedir, type, drvhash, name, out, outsz));
}

int
ca_format_text(const struct hash *h, char *out, size_t outsz)
{
	char	digest[HASH_STR_MAX];
	int	len;

	if (outsz > 0)
		out[0] = '\0';
	if (h->h_algo != HASH_SHA256 ||
	    hash_format(h, HASH_ENC_BASE32, 1, digest, sizeof(digest)) == -1)
		return (-1);
	len = snprintf(out, outsz, "text:%s", digest);
	if (len < 0 || (size_t)len >= outsz) {
		if (outsz > 0)
			out[0] = '\0';
		return (-1);
	}
	return (0);
}

int
ca_format_fixed(enum ca_method method, const struct hash *h, char *out,
    size_t outsz)
{
	char	digest[HASH_STR_MAX];
	int	len;

	if (outsz > 0)
		out[0] = '\0';
	if ((method != CA_FLAT && method != CA_RECURSIVE) ||
	    hash_format(h, HASH_ENC_BASE32, 1, digest, sizeof(digest)) == -1)
		return (-1);
	len = snprintf(out, outsz, "fixed:%s%s",
	    method == CA_RECURSIVE ? "r:" : "", digest);
	if (len < 0 || (size_t)len >= outsz) {
		if (outsz > 0)
			out[0] = '\0';
		return (-1);
	}
	return (0);
}

int
ca_format(const struct content_address *ca, char *out, size_t outsz)
{
	if (ca->ca_kind == CA_TEXT)
		return (ca_format_text(&ca->ca_hash, out, outsz));
	if (ca->ca_kind == CA_FIXED)
		return (ca_format_fixed(ca->ca_method, &ca->ca_hash, out,
		    outsz));
	if (outsz > 0)
		out[0] = '\0';
	return (-1);
}

/* "<algo>:" at *sp; advances *sp past it. */
static int
ca_parse_algo(const char **sp, enum hash_algo *algo, const char **errstr)
{
	char		 name[8];
	const char	*colon;

	if ((colon = strchr(*sp, ':')) == NULL) {
		*errstr = "content address hash must be in form "
		    "'<algo>:<hash>'";
		return (-1);
	}
	if ((size_t)(colon - *sp) >= sizeof(name)) {
		*errstr = "unknown hash algorithm in content address";
		return (-1);
	}
	memcpy(name, *sp, colon - *sp);
	name[colon - *sp] = '\0';
	if (hash_algo_parse(name, algo) == -1) {
		*errstr = "unknown hash algorithm in content address";
		return (-1);
	}
	*sp = colon + 1;
	return (0);
}

/*
 * Nix's parseContentAddress: "text:sha256:<digest>" or
 * "fixed:[r:]<algo>:<digest>", the digest in any non-SRI encoding.
 */
int
ca_parse(const char *s, struct content_address *ca, const char **errstr)
{
	const char	*dummy;
	enum hash_algo	 algo;

	if (errstr == NULL)
		errstr = &dummy;
	memset(ca, 0, sizeof(*ca));
	ca->ca_method = CA_FLAT;
	if (strncmp(s, "text:", 5) == 0) {
		ca->ca_kind = CA_TEXT;
		s += 5;
	} else if (strncmp(s, "fixed:", 6) == 0) {
		ca->ca_kind = CA_FIXED;
		s += 6;
		if (strncmp(s, "r:", 2) == 0) {
			ca->ca_method = CA_RECURSIVE;
			s += 2;
		}
	} else {
		*errstr = "content address prefix is not 'text' or 'fixed'";
		return (-1);
	}
	if (ca_parse_algo(&s, &algo, errstr) == -1)
		return (-1);
	if (ca->ca_kind == CA_TEXT && algo != HASH_SHA256) {
		*errstr = "text content address hash should use sha256";
		return (-1);
	}
	return (hash_parse_digest(s, strlen(s), algo, &ca->ca_hash, errstr));
}

/* Nix's makeFixedOutputPathFromCA. */
int
storepath_make_ca(const char *storedir, const char *name,
    const struct content_address *ca, char *const *refs, size_t nrefs,
    int self, char *out, size_t outsz)
{
	if (ca->ca_kind == CA_TEXT)
		return (storepath_make_text(storedir, name, &ca->ca_hash, refs,
		    nrefs, out, outsz));
	if (ca->ca_kind == CA_FIXED)
		return (storepath_make_fixed(storedir, name, ca->ca_method,
		    &ca->ca_hash, refs, nrefs, self, out, outsz));
	return (-1);
}
