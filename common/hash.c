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
 * Hashing through OpenSSL EVP and the four textual forms Nix gives a
 * digest: base16, Nix's own base32, base64 and SRI.  The parsers follow
 * Nix 2.8 in what they accept, except that they never accept a
 * non-canonical encoding of a digest (set spill bits, text after the
 * base64 padding), so each digest has one spelling per encoding.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "hash.h"
#include "log.h"

struct hash_algo_info {
	const char	*hai_name;
	size_t		 hai_len;
	const EVP_MD	*(*hai_md)(void);
};

static const struct hash_algo_info hash_algos[] = {
	[HASH_MD5] =	{ "md5",	16,	EVP_md5 },
	[HASH_SHA1] =	{ "sha1",	20,	EVP_sha1 },
	[HASH_SHA256] =	{ "sha256",	32,	EVP_sha256 },
	[HASH_SHA512] =	{ "sha512",	64,	EVP_sha512 },
};
#define HASH_NALGOS	(sizeof(hash_algos) / sizeof(hash_algos[0]))

/* Nix's alphabet leaves out e, o, t and u. */
static const char base32_chars[] = "0123456789abcdfghijklmnpqrsvwxyz";
static const char base64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* hash_parse's messages quote the input, so they need a buffer. */
static char	hash_errbuf[384];

static int	hash_algo_lookup(const char *, size_t, enum hash_algo *);
static int	hex_digit(unsigned char);
static int	base32_digit(unsigned char);
static int	base64_digit(unsigned char);
static int	base64_decode_data(const char *, size_t, unsigned char *,
		    size_t);
static size_t	base64_nopad_len(size_t);
static int	hash_seterr(const char **, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static const char *hash_quote(const char *, size_t);
static int	hash_decode_sri(const char *, size_t, struct hash *,
		    const char **);

const char *
hash_algo_name(enum hash_algo algo)
{
	if ((size_t)algo >= HASH_NALGOS)
		return ("unknown");
	return (hash_algos[algo].hai_name);
}

static int
hash_algo_lookup(const char *s, size_t len, enum hash_algo *algo)
{
	size_t	i;

	for (i = 0; i < HASH_NALGOS; i++) {
		if (strlen(hash_algos[i].hai_name) == len &&
		    memcmp(hash_algos[i].hai_name, s, len) == 0) {
			*algo = (enum hash_algo)i;
			return (0);
		}
	}
	return (-1);
}

int
hash_algo_parse(const char *s, enum hash_algo *algo)
{
	return (hash_algo_lookup(s, strlen(s), algo));
}

size_t
hash_algo_len(enum hash_algo algo)
{
	if ((size_t)algo >= HASH_NALGOS)
		return (0);
	return (hash_algos[algo].hai_len);
}

int
hash_init(struct hash_ctx *ctx, enum hash_algo algo)
{
	EVP_MD_CTX	*md;

	ctx->hc_algo = algo;
	ctx->hc_md = NULL;
	if ((size_t)algo >= HASH_NALGOS)
		return (-1);
	if ((md = EVP_MD_CTX_new()) == NULL)
		fatal("EVP_MD_CTX_new");
	/* May fail for policy reasons, e.g. md5 under a FIPS provider. */
	if (EVP_DigestInit_ex(md, hash_algos[algo].hai_md(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return (-1);
	}
	ctx->hc_md = md;
	return (0);
}

void
hash_update(struct hash_ctx *ctx, const void *buf, size_t len)
{
	/* Only a context that was never initialised can make this fail. */
	if (EVP_DigestUpdate(ctx->hc_md, buf, len) != 1)
		fatalx("%s: EVP_DigestUpdate failed", __func__);
}

/* A nar_sink_fn: never fails. */
int
hash_sum_sink(void *arg, const void *buf, size_t len)
{
	struct hash_sum	*hs = arg;

	hash_update(&hs->hs_ctx, buf, len);
	hs->hs_size += len;
	return (0);
}

void
hash_final(struct hash_ctx *ctx, struct hash *h)
{
	unsigned int	len;

	memset(h, 0, sizeof(*h));
	h->h_algo = ctx->hc_algo;
	if (EVP_DigestFinal_ex(ctx->hc_md, h->h_bytes, &len) != 1 ||
	    len != hash_algos[ctx->hc_algo].hai_len)
		fatalx("%s: EVP_DigestFinal_ex failed", __func__);
	h->h_len = len;
	EVP_MD_CTX_free(ctx->hc_md);
	ctx->hc_md = NULL;
}

void
hash_abort(struct hash_ctx *ctx)
{
	EVP_MD_CTX_free(ctx->hc_md);
	ctx->hc_md = NULL;
}

void
hash_buf(enum hash_algo algo, const void *buf, size_t len, struct hash *h)
{
	struct hash_ctx	ctx;

	if (hash_init(&ctx, algo) == -1)
		fatalx("%s: cannot initialise %s", __func__,
		    hash_algo_name(algo));
	hash_update(&ctx, buf, len);
	hash_final(&ctx, h);
}

size_t
base16_len(size_t n)
{
	return (n * 2);
}

size_t
base32_len(size_t n)
{
	if (n == 0)
		return (0);
	return ((n * 8 - 1) / 5 + 1);
}

size_t
base64_len(size_t n)
{
	return ((n + 2) / 3 * 4);
}

/* Length of the base64 of n bytes with the '=' padding left off. */
static size_t
base64_nopad_len(size_t n)
{
	return ((n * 8 + 5) / 6);
}

int
base16_encode(const unsigned char *in, size_t inlen, char *out, size_t outsz)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i;

	if (outsz < base16_len(inlen) + 1)
		return (-1);
	for (i = 0; i < inlen; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 0xf];
	}
	out[2 * inlen] = '\0';
	return (0);
}

static int
hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

int
base16_decode(const char *in, size_t inlen, unsigned char *out,
    size_t outlen)
{
	size_t	i;
	int	hi, lo;

	if (inlen != base16_len(outlen))
		return (-1);
	for (i = 0; i < outlen; i++) {
		hi = hex_digit(in[2 * i]);
		lo = hex_digit(in[2 * i + 1]);
		if (hi == -1 || lo == -1)
			return (-1);
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (0);
}

static int
base32_digit(unsigned char c)
{
	const char	*p;

	if (c == '\0' || (p = strchr(base32_chars, c)) == NULL)
		return (-1);
	return ((int)(p - base32_chars));
}

/*
 * The digest is one little-endian bit string; character m (from the
 * left) holds the 5-bit group len-1-m, so the leftmost character is the
 * most significant group and the top one may hold fewer than 5 bits.
 */
int
base32_encode(const unsigned char *in, size_t inlen, char *out, size_t outsz)
{
	size_t		len = base32_len(inlen), m, g, bit, i;
	unsigned int	j, c;

	if (outsz < len + 1)
		return (-1);
	for (m = 0; m < len; m++) {
		g = len - 1 - m;
		bit = g * 5;
		i = bit / 8;
		j = bit % 8;
		c = in[i] >> j;
		if (i + 1 < inlen)
			c |= (unsigned int)in[i + 1] << (8 - j);
		out[m] = base32_chars[c & 0x1f];
	}
	out[len] = '\0';
	return (0);
}

int
base32_decode(const char *in, size_t inlen, unsigned char *out,
    size_t outlen)
{
	size_t		g, bit, i;
	unsigned int	j;
	int		digit;

	if (inlen != base32_len(outlen))
		return (-1);
	memset(out, 0, outlen);
	for (g = 0; g < inlen; g++) {
		if ((digit = base32_digit(in[inlen - 1 - g])) == -1)
			goto bad;
		bit = g * 5;
		i = bit / 8;
		j = bit % 8;
		out[i] |= (unsigned char)(digit << j);
		if (i + 1 < outlen)
			out[i + 1] |= (unsigned char)(digit >> (8 - j));
		else if (digit >> (8 - j) != 0)
			goto bad;	/* bits past the last byte */
	}
	return (0);
 bad:
	memset(out, 0, outlen);
	return (-1);
}

int
base64_encode(const unsigned char *in, size_t inlen, char *out, size_t outsz)
{
	size_t		i, o = 0;
	unsigned long	v;

	if (outsz < base64_len(inlen) + 1)
		return (-1);
	for (i = 0; i + 2 < inlen; i += 3) {
		v = (unsigned long)in[i] << 16 | in[i + 1] << 8 | in[i + 2];
		out[o++] = base64_chars[v >> 18 & 0x3f];
		out[o++] = base64_chars[v >> 12 & 0x3f];
		out[o++] = base64_chars[v >> 6 & 0x3f];
		out[o++] = base64_chars[v & 0x3f];
	}
	if (i < inlen) {
		v = (unsigned long)in[i] << 16;
		if (i + 1 < inlen)
			v |= in[i + 1] << 8;
		out[o++] = base64_chars[v >> 18 & 0x3f];
		out[o++] = base64_chars[v >> 12 & 0x3f];
		out[o++] = i + 1 < inlen ? base64_chars[v >> 6 & 0x3f] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return (0);
}

static int
base64_digit(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	return (-1);
}

/*
 * Decode exactly the unpadded base64 of outlen bytes.  The bits of the
 * last character below the final byte must be zero: otherwise several
 * strings would spell the same digest.
 */
static int
base64_decode_data(const char *in, size_t inlen, unsigned char *out,
    size_t outlen)
{
	size_t		i, o = 0;
	unsigned int	acc = 0, nbits = 0;
	int		digit;

	if (inlen != base64_nopad_len(outlen))
		return (-1);
	for (i = 0; i < inlen; i++) {
		if ((digit = base64_digit(in[i])) == -1)
			goto bad;
		acc = acc << 6 | (unsigned int)digit;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			out[o++] = (unsigned char)(acc >> nbits);
			acc &= (1U << nbits) - 1;
		}
	}
	if (acc != 0)
		goto bad;
	return (0);
 bad:
	memset(out, 0, outlen);
	return (-1);
}

int
base64_decode(const char *in, size_t inlen, unsigned char *out,
    size_t outlen)
{
	size_t	ndata = base64_nopad_len(outlen), i;

	if (inlen != base64_len(outlen))
		return (-1);
	for (i = ndata; i < inlen; i++)
		if (in[i] != '=')
			return (-1);
	return (base64_decode_data(in, ndata, out, outlen));
}

int
hash_format(const struct hash *h, enum hash_enc enc, int with_prefix,
    char *out, size_t outsz)
{
	const char	*name;
	size_t		 plen = 0;
	int		 rv;

	if (outsz > 0)
		out[0] = '\0';
	if (hash_algo_len(h->h_algo) == 0 ||
	    h->h_len != hash_algo_len(h->h_algo))
		return (-1);
	name = hash_algo_name(h->h_algo);
	if (with_prefix || enc == HASH_ENC_SRI) {
		plen = strlen(name) + 1;
		if (outsz < plen + 1)
			return (-1);
		memcpy(out, name, plen - 1);
		out[plen - 1] = enc == HASH_ENC_SRI ? '-' : ':';
	}
	switch (enc) {
	case HASH_ENC_BASE16:
		rv = base16_encode(h->h_bytes, h->h_len, out + plen,
		    outsz - plen);
		break;
	case HASH_ENC_BASE32:
		rv = base32_encode(h->h_bytes, h->h_len, out + plen,
		    outsz - plen);
		break;
	case HASH_ENC_BASE64:
	case HASH_ENC_SRI:
		rv = base64_encode(h->h_bytes, h->h_len, out + plen,
		    outsz - plen);
		break;
	default:
		rv = -1;
		break;
	}
	if (rv == -1 && outsz > 0)
		out[0] = '\0';
	return (rv);
}

static int
hash_seterr(const char **errstr, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(hash_errbuf, sizeof(hash_errbuf), fmt, ap);
	va_end(ap);
	if (errstr != NULL)
		*errstr = hash_errbuf;
	return (-1);
}

/* The input may be hostile: quote at most a line of printable bytes. */
static const char *
hash_quote(const char *s, size_t len)
{
	static char	qbuf[160];
	size_t		i, max = sizeof(qbuf) - 4;

	for (i = 0; i < len && i < max; i++)
		qbuf[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	if (i < len) {
		memcpy(qbuf + i, "...", 3);
		i += 3;
	}
	qbuf[i] = '\0';
	return (qbuf);
}

int
hash_parse_digest(const char *s, size_t len, enum hash_algo algo,
    struct hash *h, const char **errstr)
{
	size_t	n = hash_algo_len(algo);

	memset(h, 0, sizeof(*h));
	h->h_algo = algo;
	h->h_len = n;
	if (n == 0)
		return (hash_seterr(errstr, "unknown hash algorithm"));
	if (len == base16_len(n)) {
		if (base16_decode(s, len, h->h_bytes, n) == -1)
			return (hash_seterr(errstr, "invalid base-16 hash '%s'",
			    hash_quote(s, len)));
	} else if (len == base32_len(n)) {
		if (base32_decode(s, len, h->h_bytes, n) == -1)
			return (hash_seterr(errstr, "invalid base-32 hash '%s'",
			    hash_quote(s, len)));
	} else if (len == base64_len(n)) {
		if (base64_decode(s, len, h->h_bytes, n) == -1)
			return (hash_seterr(errstr, "invalid base-64 hash '%s'",
			    hash_quote(s, len)));
	} else
		return (hash_seterr(errstr,
		    "hash '%s' has wrong length for hash type '%s'",
		    hash_quote(s, len), hash_algo_name(algo)));
	return (0);
}

/* Nix also takes SRI digests without their '=' padding. */
static int
hash_decode_sri(const char *s, size_t len, struct hash *h,
    const char **errstr)
{
	size_t	n = h->h_len;
	int	rv = -1;

	if (len == base64_len(n))
		rv = base64_decode(s, len, h->h_bytes, n);
	else if (len == base64_nopad_len(n))
		rv = base64_decode_data(s, len, h->h_bytes, n);
	if (rv == -1)
		return (hash_seterr(errstr, "invalid SRI hash '%s'",
		    hash_quote(s, len)));
	return (0);
}

int
hash_parse(const char *s, const enum hash_algo *algo, struct hash *h,
    const char **errstr)
{
	const char	*sep, *rest = s;
	enum hash_algo	 parsed;
	int		 sri = 0;

	memset(h, 0, sizeof(*h));
	/* As in Nix, the first ':' wins; only without one is '-' SRI. */
	if ((sep = strchr(s, ':')) == NULL && (sep = strchr(s, '-')) != NULL)
		sri = 1;
	if (sep != NULL) {
		if (hash_algo_lookup(s, sep - s, &parsed) == -1)
			return (hash_seterr(errstr,
			    "unknown hash algorithm '%s'",
			    hash_quote(s, sep - s)));
		rest = sep + 1;
		if (algo != NULL && *algo != parsed)
			return (hash_seterr(errstr,
			    "hash '%s' should have type '%s'",
			    hash_quote(s, strlen(s)), hash_algo_name(*algo)));
	} else if (algo != NULL)
		parsed = *algo;
	else
		return (hash_seterr(errstr, "hash '%s' does not include a "
		    "type, nor is the type otherwise known from context",
		    hash_quote(s, strlen(s))));
	if (!sri)
		return (hash_parse_digest(rest, strlen(rest), parsed, h,
		    errstr));
	h->h_algo = parsed;
	h->h_len = hash_algo_len(parsed);
	return (hash_decode_sri(rest, strlen(rest), h, errstr));
}

void
hash_compress(const struct hash *h, unsigned char *out, size_t outlen)
{
	size_t	i;

	if (outlen == 0)
		return;
	memset(out, 0, outlen);
	for (i = 0; i < h->h_len; i++)
		out[i % outlen] ^= h->h_bytes[i];
}
