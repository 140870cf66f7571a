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
 * hash.c: the published vectors of nix-formats.md section 1, the
 * Nix base32 bit order against an independent long-division encoder,
 * round trips of every encoding for every algo, every textual form
 * hash_parse takes, and the inputs it must refuse.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

#define NALGOS	4

static const enum hash_algo algos[NALGOS] = {
	HASH_MD5, HASH_SHA1, HASH_SHA256, HASH_SHA512
};

static const char hello[] = "hello\n";

/* A known hash of some bytes, written one way. */
struct vec {
	enum hash_algo	 v_algo;
	enum hash_enc	 v_enc;
	int		 v_prefix;
	const char	*v_want;
};

#define NVECS(v)	(sizeof(v) / sizeof(*(v)))

static void	 check_str(const char *, const char *, const char *);
static const char *fmt(const struct hash *, enum hash_enc, int);
static void	 check_hash(const char *, enum hash_algo, const void *, size_t,
		    enum hash_enc, int, const char *);
static void	 check_vecs(const char *, const void *, size_t,
		    const struct vec *, size_t);
static size_t	 nar_str(unsigned char *, size_t, const char *, size_t);
static size_t	 nar_build(unsigned char *, const char *const *, size_t);
static void	 ref_base32(const unsigned char *, size_t, char *);
static void	 test_vectors(void);
static void	 test_nar_vectors(void);
static void	 test_text_vectors(void);
static void	 test_compress(void);
static void	 test_rfc4648(void);
static void	 test_base32_order(void);
static void	 test_raw_roundtrip(void);
static void	 test_streaming(void);
static void	 test_format_parse(void);
static void	 test_parse_forms(void);
static void	 test_parse_bad(void);
static void	 test_messages(void);
static void	 test_small_buffers(void);

static void
check_str(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want) != 0)
		errx(1, "%s: got %s, expected %s", what, got, want);
}

/* Formats into one of a few rotating buffers. */
static const char *
fmt(const struct hash *h, enum hash_enc enc, int prefix)
{
	static char	bufs[4][HASH_STR_MAX];
	static int	n;
	char		*buf = bufs[n++ % 4];

	if (hash_format(h, enc, prefix, buf, HASH_STR_MAX) == -1)
		errx(1, "hash_format(%s, %d, %d) failed",
		    hash_algo_name(h->h_algo), enc, prefix);
	return (buf);
}

static void
check_hash(const char *what, enum hash_algo algo, const void *buf,
    size_t len, enum hash_enc enc, int prefix, const char *want)
{
	struct hash	h;

	hash_buf(algo, buf, len, &h);
	printf("%s %s = %s\n", what, hash_algo_name(algo), want);
	check_str(what, fmt(&h, enc, prefix), want);
}

/* Each of the known hashes of buf. */
static void
check_vecs(const char *what, const void *buf, size_t len,
    const struct vec *vecs, size_t nvecs)
{
	size_t	i;

	for (i = 0; i < nvecs; i++)
		check_hash(what, vecs[i].v_algo, buf, len, vecs[i].v_enc,
		    vecs[i].v_prefix, vecs[i].v_want);
}

static void
test_vectors(void)
{
	static const struct vec	hello_vecs[] = {
	    { HASH_SHA256, HASH_ENC_BASE16, 0, "5891b5b522d5df086d0ff0b110fbd"
	      "9d21bb4fc7163af34d08286a2e846f6be03" },
	    { HASH_SHA256, HASH_ENC_BASE32, 0,
	      "00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq" },
	    { HASH_SHA256, HASH_ENC_SRI, 0,
	      "sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=" },
	    { HASH_SHA1, HASH_ENC_BASE32, 0,
	      "iwjz551fyw0cxcjgf4l6c879zabd6wpm" },
	    { HASH_MD5, HASH_ENC_BASE16, 0,
	      "b1946ac92492d2347c6235b4d2611184" },
	    { HASH_SHA512, HASH_ENC_BASE32, 0, "0lrc0dwnvipqviibf7qfm1y492qvj"
	      "wb1zhkcyi05cndmva1mr5gjcgrnz1x36djmk0sfg8djd2n0qv68vib2jg590mwz"
	      "nar9jcjphp7" },
	    { HASH_SHA256, HASH_ENC_BASE32, 1,
	      "sha256:00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq" },
	    { HASH_SHA1, HASH_ENC_BASE16, 1,
	      "sha1:f572d396fae9206628714fb2ce00f72e94f2258f" },
	};

	check_vecs("hello", hello, 6, hello_vecs, NVECS(hello_vecs));
}

/* One NAR string: 64-bit little-endian length, bytes, zero padding. */
static size_t
nar_str(unsigned char *out, size_t off, const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < 8; i++)
		out[off + i] = (unsigned char)((unsigned long long)len >>
		    (8 * i));
	memcpy(out + off + 8, s, len);
	memset(out + off + 8 + len, 0, (8 - len % 8) % 8);
	return (off + 8 + len + (8 - len % 8) % 8);
}

static size_t
nar_build(unsigned char *out, const char *const *strs, size_t nstrs)
{
	size_t	i, off = 0;

	for (i = 0; i < nstrs; i++)
		off = nar_str(out, off, strs[i], strlen(strs[i]));
	return (off);
}

static void
test_nar_vectors(void)
{
	static const char *const hello_nar[] = { "nix-archive-1", "(",
	    "type", "regular", "contents", "hello\n", ")" };
	static const char *const tiny_nar[] = { "nix-archive-1", "(",
	    "type", "directory",
	    "entry", "(", "name", "f", "node", "(", "type", "regular",
	    "contents", "hi\n", ")", ")",
	    "entry", "(", "name", "l", "node", "(", "type", "symlink",
	    "target", "f", ")", ")",
	    "entry", "(", "name", "x", "node", "(", "type", "regular",
	    "executable", "", "contents", "x", ")", ")", ")" };
	static const char *const tree_nar[] = { "nix-archive-1", "(",
	    "type", "directory",
	    "entry", "(", "name", "a.txt", "node", "(", "type", "regular",
	    "contents", "hello\n", ")", ")",
	    "entry", "(", "name", "link", "node", "(", "type", "symlink",
	    "target", "a.txt", ")", ")",
	    "entry", "(", "name", "sub", "node", "(", "type", "directory",
	    "entry", "(", "name", "run.sh", "node", "(", "type", "regular",
	    "executable", "", "contents", "#!/bin/sh\necho hi\n", ")", ")",
	    ")", ")", ")" };
	static const char build_sh[] = "echo \"dep says hi\" > $out\n";
	static const char *const build_nar[] = { "nix-archive-1", "(",
	    "type", "regular", "contents", build_sh, ")" };
	static const struct vec	hello_vecs[] = {
	    { HASH_SHA256, HASH_ENC_BASE16, 0, "1c37d01af40be2e80691de3cc3df4"
	      "4377a699afbb17c68f080964b2fd071fc13" },
	    { HASH_SHA256, HASH_ENC_BASE32, 0,
	      "04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dqw" },
	    { HASH_SHA256, HASH_ENC_SRI, 0,
	      "sha256-HDfQGvQL4ugGkd48w99EN3ppmvuxfGjwgJZLL9Bx/BM=" },
	    { HASH_SHA1, HASH_ENC_BASE32, 0,
	      "wz60bbf44cw7nswp1wv8vcsyfg155sqd" },
	}, tiny_vecs[] = {
	    { HASH_SHA256, HASH_ENC_BASE16, 0, "f5b99433b2b0e8e27a86f05e959a6"
	      "66f856a51a97f8f5c59d88d2e4d3c4006af" },
	    { HASH_SHA256, HASH_ENC_BASE32, 0,
	      "1bq680y4sbldv1cmr3vzm58nm1bgcsd9apphhrxf5s5hn8rr9fgm" },
	    { HASH_SHA256, HASH_ENC_SRI, 0,
	      "sha256-9bmUM7Kw6OJ6hvBelZpmb4VqUal/j1xZ2I0uTTxABq8=" },
	}, tree_vecs[] = {
	    { HASH_SHA256, HASH_ENC_BASE16, 0, "ab9e600c5a3d4f86783075f9ca164"
	      "67e51d69a2780c8b8db76a21de48960d4fc" },
	    { HASH_SHA256, HASH_ENC_BASE32, 0,
	      "1z6lc24y87d2fvdvij404yddclby8qbcmybm61w8ckrxb86617mb" },
	}, build_nar_vecs[] = {
	    { HASH_SHA256, HASH_ENC_BASE16, 1, "sha256:57487f06c21ed683f164c"
	      "ee6f9f0c0d3dd502f9c22a8028056f8d5c9a5418942" },
	}, build_sh_vecs[] = {
	    { HASH_SHA256, HASH_ENC_BASE16, 0, "4d9888b27fa2a5eae9237f3a6af18"
	      "9d1cacc9a3561d8beb165e78536836351ca" },
	    { HASH_SHA256, HASH_ENC_BASE32, 0,
	      "1jjicf1kd1g7cnqvxn316ndcrjnii7qnlfkz4glym9d2gyr8i62d" },
	};
	/* Each NAR: its strings, its length, its known hashes. */
	static const struct {
		const char		*n_what;
		const char *const	*n_strs;
		size_t			 n_nstrs;
		size_t			 n_len;
		const struct vec	*n_vecs;
		size_t			 n_nvecs;
	} nars[] = {
	    { "hello NAR", hello_nar, NVECS(hello_nar), 120, hello_vecs,
	      NVECS(hello_vecs) },
	    { "tiny NAR", tiny_nar, NVECS(tiny_nar), 704, tiny_vecs,
	      NVECS(tiny_vecs) },
	    { "tree NAR", tree_nar, NVECS(tree_nar), 888, tree_vecs,
	      NVECS(tree_vecs) },
	    { "build.sh NAR", build_nar, NVECS(build_nar), 144, build_nar_vecs,
	      NVECS(build_nar_vecs) },
	};
	unsigned char	nar[1024];
	size_t		i, len;

	for (i = 0; i < NVECS(nars); i++) {
		len = nar_build(nar, nars[i].n_strs, nars[i].n_nstrs);
		if (len != nars[i].n_len)
			errx(1, "%s: got %zu bytes, expected %zu",
			    nars[i].n_what, len, nars[i].n_len);
		check_vecs(nars[i].n_what, nar, len, nars[i].n_vecs,
		    nars[i].n_nvecs);
	}
	check_vecs("build.sh", build_sh, strlen(build_sh), build_sh_vecs,
	    NVECS(build_sh_vecs));
}

static void
test_text_vectors(void)
{
	static const char simple_masked[] =
	    "Derive([(\"out\",\"\",\"\",\"\")],[],[],\"x86_64-linux\",\"/bi"
	    "n/sh\",[\"-c\",\"echo hello > $out\"],[(\"builder\",\"/bin/sh"
	    "\"),(\"name\",\"simple\"),(\"out\",\"\"),(\"system\",\"x86_64-"
	    "linux\")])";
	static const char top_masked[] =
	    "Derive([(\"dev\",\"\",\"\",\"\"),(\"out\",\"\",\"\",\"\")],[("
	    "\"62a4eecefc6d76d1d8406946669652519df54d0bfaada6833c9149d14d50"
	    "1abb\",[\"out\"]),(\"c3b6d1eebd533918f719647ec106431221274c38f"
	    "e835ea9cf516b1b1f3aa07f\",[\"out\"])],[\"/nix/store/i9pmrzmpsh"
	    "apij2kin22pff6fc2adavx-hello.txt\"],\"x86_64-linux\",\"/bin/sh"
	    "\",[\"-c\",\"export PATH=/usr/bin:/bin; mkdir -p $out $dev; ca"
	    "t $dep > $out/dep; cat $fixed > $out/fixed; cat $src > $out/sr"
	    "c; echo $out > $dev/self; ln -s $dep $out/deplink\"],[(\"build"
	    "er\",\"/bin/sh\"),(\"dep\",\"/nix/store/3p28pr4ny05vqg5xzkd79z"
	    "s2f98026dd-dep\"),(\"dev\",\"\"),(\"fixed\",\"/nix/store/ilghk"
	    "g8sqnh9275b62zcvsq9kpkym8yl-fixed\"),(\"name\",\"top\"),(\"out"
	    "\",\"\"),(\"outputs\",\"out dev\"),(\"src\",\"/nix/store/i9pmr"
	    "zmpshapij2kin22pff6fc2adavx-hello.txt\"),(\"system\",\"x86_64-"
	    "linux\")])";
	static const char fixed_str[] =
	    "fixed:out:sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d0"
	    "8286a2e846f6be03:/nix/store/ilghkg8sqnh9275b62zcvsq9kpkym8yl-"
	    "fixed";

	check_hash("simple.drv masked", HASH_SHA256, simple_masked,
	    strlen(simple_masked), HASH_ENC_BASE16, 0,
	    "cbd84a88dac33c14a874f676ab17db2518d565dc03e891ccf9d4be35138ea813");
	check_hash("top.drv masked", HASH_SHA256, top_masked,
	    strlen(top_masked), HASH_ENC_BASE16, 0,
	    "1b02fc07beb01af31ce75842e90c5eadb69f68fcc6a7175ac67732bc64615a11");
	check_hash("fixed.drv modulo", HASH_SHA256, fixed_str,
	    strlen(fixed_str), HASH_ENC_BASE16, 0,
	    "c3b6d1eebd533918f719647ec106431221274c38fe835ea9cf516b1b1f3aa07f");
}

static void
test_compress(void)
{
	struct hash	h;
	unsigned char	out[64], want[20];
	char		b16[41], b32[33];
	const char	*errstr;
	size_t		i;

	printf("compressHash: fe50...9016 folds to 7dab...a6f8a\n");
	if (hash_parse("sha256:fe50c26088fb1e2ba70dc3de7815d4b7fe5c6f8a83fb64"
	    "64fb3da70023809016", NULL, &h, &errstr) == -1)
		errx(1, "parse compress input: %s", errstr);
	hash_compress(&h, out, 20);
	base16_encode(out, 20, b16, sizeof(b16));
	check_str("compress base16", b16,
	    "7daba60473c6b92b848d53c87815d4b7fe5c6f8a");
	base32_encode(out, 20, b32, sizeof(b32));
	check_str("compress base32", b32, "i9pmrzmpshapij2kin22pff6fc2adavx");

	/* A fold to at least the digest size is a copy and zero fill. */
	hash_buf(HASH_MD5, hello, 6, &h);
	memset(out, 0xa5, sizeof(out));
	hash_compress(&h, out, sizeof(out));
	if (memcmp(out, h.h_bytes, 16) != 0)
		errx(1, "compress md5 to 64: got a changed prefix");
	for (i = 16; i < sizeof(out); i++)
		if (out[i] != 0)
			errx(1, "compress md5 to 64: byte %zu got %d, "
			    "expected 0", i, out[i]);
	/* sha512 to 20: bytes i, i+20, i+40, i+60 meet in out[i]. */
	hash_buf(HASH_SHA512, hello, 6, &h);
	memset(want, 0, sizeof(want));
	for (i = 0; i < 64; i++)
		want[i % 20] ^= h.h_bytes[i];
	hash_compress(&h, out, 20);
	if (memcmp(out, want, 20) != 0)
		errx(1, "compress sha512 to 20: got a different fold");
}

static void
test_rfc4648(void)
{
	static const char *const in[] = { "", "f", "fo", "foo", "foob",
	    "fooba", "foobar" };
	static const char *const b64[] = { "", "Zg==", "Zm8=", "Zm9v",
	    "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	static const char *const b16[] = { "", "66", "666f", "666f6f",
	    "666f6f62", "666f6f6261", "666f6f626172" };
	char		buf[32];
	unsigned char	dec[8];
	size_t		i, n;

	printf("RFC 4648 base16 and base64 vectors\n");
	for (i = 0; i < 7; i++) {
		n = strlen(in[i]);
		if (base64_encode((const unsigned char *)in[i], n, buf,
		    sizeof(buf)) == -1)
			errx(1, "base64_encode(\"%s\") failed", in[i]);
		check_str("base64", buf, b64[i]);
		if (base16_encode((const unsigned char *)in[i], n, buf,
		    sizeof(buf)) == -1)
			errx(1, "base16_encode(\"%s\") failed", in[i]);
		check_str("base16", buf, b16[i]);
		if (base64_decode(b64[i], strlen(b64[i]), dec, n) == -1 ||
		    memcmp(dec, in[i], n) != 0)
			errx(1, "base64_decode(\"%s\"): got failure or wrong "
			    "bytes, expected \"%s\"", b64[i], in[i]);
	}
}

/*
 * An independent Nix base32: the digest read as a little-endian
 * integer, written in base 32 by long division, most significant
 * digit first.
 */
static void
ref_base32(const unsigned char *in, size_t n, char *out)
{
	static const char alpha[] = "0123456789abcdfghijklmnpqrsvwxyz";
	unsigned char	num[256];
	size_t		len = base32_len(n), k, i;
	unsigned int	rem, cur;

	memcpy(num, in, n);
	for (k = 0; k < len; k++) {
		rem = 0;
		for (i = n; i-- > 0; ) {
			cur = rem << 8 | num[i];
			num[i] = cur / 32;
			rem = cur % 32;
		}
		out[len - 1 - k] = alpha[rem];
	}
	out[len] = '\0';
}

static void
test_base32_order(void)
{
	unsigned char	in[200];
	char		got[400], want[400];
	size_t		n;
	int		iter;

	printf("Nix base32 against long division, lengths 1..200\n");
	for (iter = 0; iter < 2000; iter++) {
		n = 1 + arc4random_uniform(sizeof(in));
		arc4random_buf(in, n);
		if (iter < 20)
			memset(in, iter % 2 ? 0xff : 0, n);
		if (base32_encode(in, n, got, sizeof(got)) == -1)
			errx(1, "base32_encode of %zu bytes failed", n);
		ref_base32(in, n, want);
		check_str("base32 bit order", got, want);
	}
}

static void
test_raw_roundtrip(void)
{
	unsigned char	in[130], out[131];
	char		enc[300];
	size_t		n;
	int		(*encf[3])(const unsigned char *, size_t, char *,
			    size_t) = { base16_encode, base32_encode,
			    base64_encode };
	int		(*decf[3])(const char *, size_t, unsigned char *,
			    size_t) = { base16_decode, base32_decode,
			    base64_decode };
	size_t		(*lenf[3])(size_t) = { base16_len, base32_len,
			    base64_len };
	int		e;

	printf("raw base16/32/64 round trips, lengths 0..129\n");
	for (n = 0; n < sizeof(in); n++) {
		arc4random_buf(in, n);
		for (e = 0; e < 3; e++) {
			if (encf[e](in, n, enc, sizeof(enc)) == -1)
				errx(1, "encoder %d of %zu bytes failed", e, n);
			if (strlen(enc) != lenf[e](n))
				errx(1, "encoder %d of %zu bytes: got %zu "
				    "chars, expected %zu", e, n, strlen(enc),
				    lenf[e](n));
			memset(out, 0x5a, sizeof(out));
			if (decf[e](enc, strlen(enc), out, n) == -1 ||
			    memcmp(in, out, n) != 0)
				errx(1, "decoder %d of \"%s\": got failure or "
				    "other bytes", e, enc);
			/* One byte more or less is a length error. */
			if (decf[e](enc, strlen(enc), out, n + 1) != -1 ||
			    (n > 0 && decf[e](enc, strlen(enc), out,
			    n - 1) != -1))
				errx(1, "decoder %d of \"%s\" with wrong "
				    "length: got success, expected -1", e, enc);
		}
	}
}

static void
test_streaming(void)
{
	static unsigned char	data[300000];
	struct hash_ctx		ctx;
	struct hash		one, chunked;
	size_t			off, len, chunk;
	int			a, iter;

	printf("streaming in random chunks equals one-shot\n");
	for (iter = 0; iter < 8; iter++) {
		len = arc4random_uniform(sizeof(data) + 1);
		if (iter == 0)
			len = 0;
		arc4random_buf(data, len);
		for (a = 0; a < NALGOS; a++) {
			hash_buf(algos[a], data, len, &one);
			if (hash_init(&ctx, algos[a]) == -1)
				errx(1, "hash_init %s failed",
				    hash_algo_name(algos[a]));
			for (off = 0; off < len; off += chunk) {
				chunk = 1 + arc4random_uniform(70000);
				if (chunk > len - off)
					chunk = len - off;
				hash_update(&ctx, data + off, chunk);
			}
			hash_final(&ctx, &chunked);
			if (one.h_algo != chunked.h_algo ||
			    one.h_len != hash_algo_len(algos[a]) ||
			    one.h_len != chunked.h_len ||
			    memcmp(one.h_bytes, chunked.h_bytes, one.h_len))
				errx(1, "%s of %zu bytes: got %s chunked, "
				    "expected %s", hash_algo_name(algos[a]),
				    len, fmt(&chunked, HASH_ENC_BASE16, 0),
				    fmt(&one, HASH_ENC_BASE16, 0));
		}
	}
	/* An aborted context is freed (ASan would see a leak). */
	if (hash_init(&ctx, HASH_SHA512) == -1)
		errx(1, "hash_init sha512 failed");
	hash_update(&ctx, data, 100);
	hash_abort(&ctx);
	if (hash_init(&ctx, (enum hash_algo)17) != -1)
		errx(1, "hash_init of algo 17: got 0, expected -1");
}

static void
expect_same(const char *what, const char *s, const struct hash *got,
    const struct hash *want)
{
	if (got->h_algo != want->h_algo || got->h_len != want->h_len ||
	    memcmp(got->h_bytes, want->h_bytes, want->h_len) != 0)
		errx(1, "%s \"%s\": got %s, expected %s", what, s,
		    fmt(got, HASH_ENC_BASE16, 1),
		    fmt(want, HASH_ENC_BASE16, 1));
}

static void
parse_ok(const char *s, const enum hash_algo *algo, const struct hash *want)
{
	struct hash	 got;
	const char	*errstr = NULL;

	if (hash_parse(s, algo, &got, &errstr) == -1)
		errx(1, "hash_parse \"%s\": got \"%s\", expected success", s,
		    errstr);
	expect_same("hash_parse", s, &got, want);
}

/* hash_format output of every encoding parses back to the digest. */
static void
test_format_parse(void)
{
	static const enum hash_enc encs[] = { HASH_ENC_BASE16,
	    HASH_ENC_BASE32, HASH_ENC_BASE64, HASH_ENC_SRI };
	unsigned char	data[5000];
	struct hash	h;
	size_t		len;
	int		a, e, iter;

	printf("hash_format/hash_parse round trips, every algo and form\n");
	for (iter = 0; iter < 200; iter++) {
		len = arc4random_uniform(sizeof(data) + 1);
		arc4random_buf(data, len);
		for (a = 0; a < NALGOS; a++) {
			hash_buf(algos[a], data, len, &h);
			for (e = 0; e < 4; e++) {
				parse_ok(fmt(&h, encs[e], 1), NULL, &h);
				parse_ok(fmt(&h, encs[e], 1), &algos[a], &h);
				parse_ok(fmt(&h, encs[e], 0), &algos[a], &h);
			}
		}
	}
}

static void
test_parse_forms(void)
{
	static const char *const hello_forms[] = {
	    "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846"
	    "f6be03",
	    "sha256:5891B5B522D5DF086D0FF0B110FBD9D21BB4FC7163AF34D08286A2E846"
	    "F6BE03",
	    "sha256:00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq",
	    "sha256:WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=",
	    "sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=",
	    "sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM",
	};
	static const char *const hello_bare[] = {
	    "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
	    "5891b5B522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6bE03",
	    "00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq",
	    "WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=",
	};
	enum hash_algo	 sha256 = HASH_SHA256;
	struct hash	 want, got;
	char		 buf[HASH_STR_MAX], *p;
	const char	*errstr;
	size_t		 i;
	int		 a, iter;

	printf("hash_parse: every form of sha256(\"hello\\n\")\n");
	hash_buf(HASH_SHA256, hello, 6, &want);
	for (i = 0; i < sizeof(hello_forms) / sizeof(*hello_forms); i++) {
		parse_ok(hello_forms[i], NULL, &want);
		parse_ok(hello_forms[i], &sha256, &want);
	}
	for (i = 0; i < sizeof(hello_bare) / sizeof(*hello_bare); i++) {
		parse_ok(hello_bare[i], &sha256, &want);
		if (hash_parse_digest(hello_bare[i], strlen(hello_bare[i]),
		    HASH_SHA256, &got, &errstr) == -1)
			errx(1, "hash_parse_digest \"%s\": got \"%s\", "
			    "expected success", hello_bare[i], errstr);
		expect_same("hash_parse_digest", hello_bare[i], &got, &want);
	}

	printf("hash_parse: upper-case base16, SRI without padding\n");
	for (iter = 0; iter < 100; iter++) {
		for (a = 0; a < NALGOS; a++) {
			want.h_algo = algos[a];
			want.h_len = hash_algo_len(algos[a]);
			arc4random_buf(want.h_bytes, want.h_len);
			strlcpy(buf, fmt(&want, HASH_ENC_BASE16, 1),
			    sizeof(buf));
			for (p = strchr(buf, ':'); *p != '\0'; p++)
				if (*p >= 'a' && *p <= 'f')
					*p = *p - 'a' + 'A';
			parse_ok(buf, NULL, &want);
			strlcpy(buf, fmt(&want, HASH_ENC_SRI, 1), sizeof(buf));
			if ((p = strchr(buf, '=')) == NULL)
				errx(1, "SRI %s has no padding", buf);
			*p = '\0';
			parse_ok(buf, NULL, &want);
		}
	}
}

struct bad_case {
	const char	*bc_str;
	int		 bc_algo;	/* index into algos, -1: none */
};

static const struct bad_case bad_cases[] = {
	/* wrong lengths */
	{ "sha256:abc", -1 },
	{ "sha256:", -1 },
	{ "sha256-", -1 },
	{ "abc", 2 },
	{ "", 2 },
	{ "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846"
	    "f6be0", -1 },
	{ "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846"
	    "f6be030", -1 },
	{ "sha256:b1946ac92492d2347c6235b4d2611184", -1 },
	{ "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846"
	    "f6be03 ", -1 },
	{ "sha256:sha256:00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq",
	    -1 },
	/* bad characters */
	{ "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846"
	    "f6be0g", -1 },
	{ "sha256:00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4ae", -1 },
	{ "sha256:00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4ao", -1 },
	{ "sha256:00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4at", -1 },
	{ "sha256:00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4au", -1 },
	{ "sha256:00XYYR3FI8L6HB839BV3F7YB86YJV7XI1CGH1XNHIPYM4ASVB4AQ", -1 },
	{ "sha256-WJG1tSLV3whtD_CxEPvZ0hu0_HFjrzTQgoai6Eb2vgM=", -1 },
	{ "sha256:WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2v.M=", -1 },
	{ "sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM\n", -1 },
	/* set spill bits: sha256 base32 starts with 0 or 1, md5 with 0-7 */
	{ "sha256:20xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq", -1 },
	{ "sha256:z0xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq", -1 },
	{ "md5:8425hx5d1mc9y39llj4k4nm55i", -1 },
	{ "sha512:4lrc0dwnvipqviibf7qfm1y492qvjwb1zhkcyi05cndmva1mr5gjcgrnz1x3"
	    "6djmk0sfg8djd2n0qv68vib2jg590mwznar9jcjphp7", -1 },
	{ "sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgN=", -1 },
	{ "sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgN", -1 },
	{ "sha256:WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgP=", -1 },
	{ "md5-sZRqySSS0jR8YjW00mERhB==", -1 },
	/* bad padding */
	{ "sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM==", -1 },
	{ "sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=xyz", -1 },
	{ "sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2v=gM", -1 },
	{ "sha256:WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgMA", -1 },
	{ "sha256:WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM", -1 },
	{ "md5-sZRqySSS0jR8YjW00mERhA=", -1 },
	{ "md5-sZRqySSS0jR8YjW00mERhA===", -1 },
	{ "md5:sZRqySSS0jR8YjW00mERhA=A", -1 },
	{ "md5:sZRqySSS0jR8YjW00mERhAA=", -1 },
	/* unknown algorithms */
	{ "sha384:00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq", -1 },
	{ "SHA256:00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq", -1 },
	{ "blake3-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=", -1 },
	{ ":00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq", 2 },
	{ "-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=", 2 },
	{ " sha256:00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq", -1 },
	{ "sha256 :00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq", -1 },
	/* algorithm of the string and of the caller disagree */
	{ "sha1:f572d396fae9206628714fb2ce00f72e94f2258f", 2 },
	{ "md5-sZRqySSS0jR8YjW00mERhA==", 1 },
	{ "sha256:00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq", 3 },
	/* no algorithm at all */
	{ "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
	    -1 },
	/* SRI is base64 only */
	{ "sha256-00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq", -1 },
	{ "sha256-5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846"
	    "f6be03", -1 },
};

static void
test_parse_bad(void)
{
	const struct bad_case	*bc;
	struct hash		 h;
	const char		*errstr;
	size_t			 i;

	printf("hash_parse refuses %zu bad strings\n",
	    sizeof(bad_cases) / sizeof(*bad_cases));
	for (i = 0; i < sizeof(bad_cases) / sizeof(*bad_cases); i++) {
		bc = &bad_cases[i];
		errstr = NULL;
		if (hash_parse(bc->bc_str, bc->bc_algo == -1 ? NULL :
		    &algos[bc->bc_algo], &h, &errstr) != -1)
			errx(1, "hash_parse \"%s\": got %s, expected an error",
			    bc->bc_str, fmt(&h, HASH_ENC_BASE16, 1));
		if (errstr == NULL || errstr[0] == '\0')
			errx(1, "hash_parse \"%s\": got no message",
			    bc->bc_str);
		printf("  %s -> %s\n", bc->bc_str, errstr);
	}
	/* A bare digest never has a prefix or SRI. */
	if (hash_parse_digest("sha1:f572d396fae9206628714fb2ce00f72e94f22",
	    41, HASH_SHA1, &h, &errstr) != -1)
		errx(1, "hash_parse_digest of a prefixed hash: got success");
	if (hash_parse_digest("sZRqySSS0jR8YjW00mERhA==", 23, HASH_MD5, &h,
	    &errstr) != -1)
		errx(1, "hash_parse_digest of 23 of 24 chars: got success");
	if (hash_parse("sha1:f572d396fae9206628714fb2ce00f72e94f2258", NULL,
	    &h, NULL) != -1)
		errx(1, "hash_parse without errstr: got success");
}

static void
expect_msg(const char *s, const enum hash_algo *algo, const char *want)
{
	struct hash	 h;
	const char	*errstr = NULL;

	if (hash_parse(s, algo, &h, &errstr) != -1)
		errx(1, "hash_parse \"%s\": got success, expected \"%s\"", s,
		    want);
	check_str("hash_parse message", errstr, want);
}

/* The messages are Nix's own words (checked against nix hash to-*). */
static void
test_messages(void)
{
	enum hash_algo	 sha256 = HASH_SHA256;
	char		 big[2000];
	struct hash	 h;
	const char	*errstr;

	printf("hash_parse error messages\n");
	expect_msg("sha256:abc", NULL,
	    "hash 'abc' has wrong length for hash type 'sha256'");
	expect_msg("sha1:iwjz551fyw0cxcjgf4l6c879zabd6wpm", &sha256,
	    "hash 'sha1:iwjz551fyw0cxcjgf4l6c879zabd6wpm' should have type "
	    "'sha256'");
	expect_msg("foo:abc", NULL, "unknown hash algorithm 'foo'");
	expect_msg("sha256:"
	    "z0xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq",
	    NULL, "invalid base-32 hash "
	    "'z0xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq'");
	expect_msg("sha256-"
	    "00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq",
	    NULL, "invalid SRI hash "
	    "'00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq'");
	expect_msg("sha256-", NULL, "invalid SRI hash ''");
	expect_msg("md5:g1946ac92492d2347c6235b4d2611184", NULL,
	    "invalid base-16 hash 'g1946ac92492d2347c6235b4d2611184'");
	expect_msg("sha1:9nJz1rJ0r0Pfyb3wN02Q8kJgl3!=", NULL,
	    "invalid base-64 hash '9nJz1rJ0r0Pfyb3wN02Q8kJgl3!='");
	expect_msg("abc", NULL, "hash 'abc' does not include a type, nor is "
	    "the type otherwise known from context");
	expect_msg("sha256:\001\033[1m", NULL,
	    "hash '?\?[1m' has wrong length for hash type 'sha256'");

	/* A hostile string is quoted short. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "sha512:", 7);
	if (hash_parse(big, NULL, &h, &errstr) != -1)
		errx(1, "hash_parse of 2000 chars: got success");
	if (strlen(errstr) > 300 || strstr(errstr, "...'") == NULL)
		errx(1, "message for 2000 chars: got \"%s\", expected it cut "
		    "short with \"...\"", errstr);
}

/* Too small is -1 and an empty string, never a truncated form. */
static void
test_small_buffers(void)
{
	static const enum hash_enc encs[] = { HASH_ENC_BASE16,
	    HASH_ENC_BASE32, HASH_ENC_BASE64, HASH_ENC_SRI };
	char		buf[HASH_STR_MAX + 8];
	struct hash	h;
	size_t		need, sz, i;
	int		a, e, prefix;

	printf("small output buffers\n");
	for (a = 0; a < NALGOS; a++) {
		hash_buf(algos[a], hello, 6, &h);
		for (e = 0; e < 4; e++) {
			for (prefix = 0; prefix < 2; prefix++) {
				need = strlen(fmt(&h, encs[e], prefix)) + 1;
				if (need > HASH_STR_MAX)
					errx(1, "HASH_STR_MAX %d: got a form "
					    "of %zu", HASH_STR_MAX, need);
				for (sz = 0; sz < need; sz++) {
					memset(buf, 'X', sizeof(buf));
					if (hash_format(&h, encs[e], prefix,
					    buf, sz) != -1)
						errx(1, "hash_format into %zu "
						    "of %zu: got 0", sz, need);
					if (sz > 0 && buf[0] != '\0')
						errx(1, "hash_format into %zu: "
						    "got \"%.*s\"", sz,
						    (int)sz, buf);
					for (i = sz; i < sizeof(buf); i++)
						if (buf[i] != 'X')
							errx(1, "hash_format "
							    "into %zu wrote "
							    "byte %zu", sz, i);
				}
				if (hash_format(&h, encs[e], prefix, buf,
				    need) == -1)
					errx(1, "hash_format into exactly %zu: "
					    "got -1", need);
			}
		}
	}
	if (base32_encode(h.h_bytes, 64, buf, 103) != -1 ||
	    base16_encode(h.h_bytes, 64, buf, 128) != -1 ||
	    base64_encode(h.h_bytes, 64, buf, 88) != -1)
		errx(1, "raw encoder without room for NUL: got 0");
}

int
main(void)
{
	test_vectors();
	test_nar_vectors();
	test_text_vectors();
	test_compress();
	test_rfc4648();
	test_base32_order();
	test_raw_roundtrip();
	test_streaming();
	test_format_parse();
	test_parse_forms();
	test_parse_bad();
	test_messages();
	test_small_buffers();
	printf("ok\n");
	return (0);
}
