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
 * Hashes, content addresses and store paths, as clients and .drv files
 * spell them.  The first byte picks the parser; the rest is the text.
 * Round trips:
 * - a parsed hash formatted in every encoding parses back to itself;
 * - base16/32/64 decoders accept only what the encoders print;
 * - a parsed content address prints canonically, and that parses to
 *   the same address;
 * - a parsed store path is its store dir, hash part and name joined,
 *   and a valid name gives valid computed paths.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "hash.h"
#include "storepath.h"

#define TEXT_MAX	4096

static void	same_hash(const char *, const struct hash *,
		    const struct hash *);
static void	fuzz_hash(const char *, const enum hash_algo *);
static void	fuzz_digest(const char *, size_t, enum hash_algo);
static void	fuzz_base(int, const char *, size_t);
static void	fuzz_ca(const char *);
static void	fuzz_path(const char *);

static void
same_hash(const char *what, const struct hash *a, const struct hash *b)
{
	if (a->h_algo != b->h_algo || a->h_len != b->h_len ||
	    memcmp(a->h_bytes, b->h_bytes, a->h_len) != 0)
		fuzz_fail("%s: hash changed in a round trip", what);
}

static void
fuzz_hash(const char *text, const enum hash_algo *algo)
{
	struct hash	h, h2;
	char		out[HASH_STR_MAX];
	int		enc, prefix;

	if (hash_parse(text, algo, &h, NULL) == -1)
		return;
	if (h.h_len != hash_algo_len(h.h_algo))
		fuzz_fail("hash of %zu bytes for %s", h.h_len,
		    hash_algo_name(h.h_algo));
	for (enc = HASH_ENC_BASE16; enc <= HASH_ENC_SRI; enc++) {
		for (prefix = 0; prefix <= 1; prefix++) {
			if (hash_format(&h, enc, prefix, out,
			    sizeof(out)) == -1)
				fuzz_fail("hash_format %d", enc);
			if (hash_parse(out, prefix || enc == HASH_ENC_SRI ?
			    NULL : &h.h_algo, &h2, NULL) == -1)
				fuzz_fail("formatted hash %s does not parse",
				    out);
			same_hash(out, &h, &h2);
		}
	}
}

static void
fuzz_digest(const char *text, size_t len, enum hash_algo algo)
{
	struct hash	h, h2;
	char		out[HASH_STR_MAX];

	if (hash_parse_digest(text, len, algo, &h, NULL) == -1)
		return;
	if (hash_format(&h, HASH_ENC_BASE32, 0, out, sizeof(out)) == -1 ||
	    hash_parse_digest(out, strlen(out), algo, &h2, NULL) == -1)
		fuzz_fail("base32 digest %s does not parse", out);
	same_hash(out, &h, &h2);
}

/* Decoders take exactly what encoders print (base16 in either case). */
static void
fuzz_base(int which, const char *text, size_t len)
{
	unsigned char	 bytes[TEXT_MAX];
	char		 out[TEXT_MAX * 2 + 8];
	size_t		 n, i;
	int		 rc;

	for (n = 0; n <= 64; n++) {
		switch (which) {
		case 0:
			if (base16_len(n) != len ||
			    base16_decode(text, len, bytes, n) == -1)
				continue;
			rc = base16_encode(bytes, n, out, sizeof(out));
			break;
		case 1:
			if (base32_len(n) != len ||
			    base32_decode(text, len, bytes, n) == -1)
				continue;
			rc = base32_encode(bytes, n, out, sizeof(out));
			break;
		default:
			if (base64_len(n) != len ||
			    base64_decode(text, len, bytes, n) == -1)
				continue;
			rc = base64_encode(bytes, n, out, sizeof(out));
			break;
		}
		if (rc == -1 || strlen(out) != len)
			fuzz_fail("encoding %zu decoded bytes", n);
		for (i = 0; i < len; i++)
			if (out[i] != (which == 0 ?
			    tolower((unsigned char)text[i]) : text[i]))
				fuzz_fail("base%d: %s decodes, encodes as %s",
				    which == 0 ? 16 : which == 1 ? 32 : 64,
				    text, out);
	}
}

static void
fuzz_ca(const char *text)
{
	struct content_address	ca, ca2;
	char			out[CA_STR_MAX], out2[CA_STR_MAX];
	char			path[STOREPATH_MAX];

	if (ca_parse(text, &ca, NULL) == -1)
		return;
	if (ca_format(&ca, out, sizeof(out)) == -1)
		fuzz_fail("ca_format of a parsed address");
	if (ca_parse(out, &ca2, NULL) == -1)
		fuzz_fail("printed address %s does not parse", out);
	if (ca.ca_kind != ca2.ca_kind || ca.ca_method != ca2.ca_method)
		fuzz_fail("%s: kind or method changed", out);
	same_hash(out, &ca.ca_hash, &ca2.ca_hash);
	if (ca_format(&ca2, out2, sizeof(out2)) == -1 ||
	    strcmp(out, out2) != 0)
		fuzz_fail("%s prints as %s", out, out2);
	if (storepath_make_ca(FUZZ_STOREDIR, "fuzz", &ca, NULL, 0, 0, path,
	    sizeof(path)) == 0 && storepath_parse(FUZZ_STOREDIR, path, NULL,
	    NULL, NULL) == -1)
		fuzz_fail("made an invalid path %s", path);
}

static void
fuzz_path(const char *text)
{
	struct hash	 h;
	const char	*hashpart, *name, *errstr;
	char		 joined[STOREPATH_MAX * 2], out[STOREPATH_MAX];
	char		*refs[1];

	if (storepath_parse(FUZZ_STOREDIR, text, &hashpart, &name,
	    &errstr) == 0) {
		snprintf(joined, sizeof(joined), "%s/%.*s-%s", FUZZ_STOREDIR,
		    STOREPATH_HASH_LEN, hashpart, name);
		if (strcmp(joined, text) != 0)
			fuzz_fail("%s parses into %s", text, joined);
		if (storepath_parse_base(text + strlen(FUZZ_STOREDIR) + 1,
		    &errstr) == -1)
			fuzz_fail("%s: base refused: %s", text, errstr);
		if (storepath_check_name(name, &errstr) == -1)
			fuzz_fail("%s: name refused: %s", text, errstr);
	}
	if (storepath_check_name(text, &errstr) == -1)
		return;
	/* A valid name and a valid ref make a valid path. */
	hash_buf(HASH_SHA256, text, strlen(text), &h);
	refs[0] = out;
	if (storepath_make_text(FUZZ_STOREDIR, text, &h, NULL, 0, out,
	    sizeof(out)) == -1 ||
	    storepath_parse(FUZZ_STOREDIR, out, NULL, NULL, NULL) == -1)
		fuzz_fail("text path for name %s", text);
	if (storepath_make_source(FUZZ_STOREDIR, text, &h, refs, 1, 1,
	    joined, sizeof(joined)) == -1 ||
	    storepath_parse(FUZZ_STOREDIR, joined, NULL, NULL, NULL) == -1)
		fuzz_fail("source path for name %s", text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	enum hash_algo	 algo;
	char		*text;

	if (len < 1 || len > TEXT_MAX)
		return (0);
	/* Text parsers get a C string: NUL ends it where a client's would. */
	if ((text = malloc(len)) == NULL)
		fuzz_fail("malloc");
	memcpy(text, buf + 1, len - 1);
	text[len - 1] = '\0';
	algo = (enum hash_algo)(buf[0] >> 4 & 3);
	switch (buf[0] & 7) {
	case 0:
		fuzz_hash(text, NULL);
		break;
	case 1:
		fuzz_hash(text, &algo);
		break;
	case 2:
		fuzz_digest(text, strlen(text), algo);
		break;
	case 3:
	case 4:
	case 5:
		fuzz_base((buf[0] & 7) - 3, text, strlen(text));
		break;
	case 6:
		fuzz_ca(text);
		break;
	default:
		fuzz_path(text);
		break;
	}
	free(text);
	return (0);
}
