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
 * wire.c: every getter on exact, short and bad input, put/get round
 * trips, framed streams under any chunking, the handshake and
 * SetOptions, and the exact bytes of messages a real Nix 2.8 daemon
 * sent (the *.hex vectors, cut out of the captures by mkvectors.py).
 */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storepath.h"
#include "wire.h"
#include "../lib/tbuf.h"

/* link: regress/lib/tbuf.c */

#define STOREDIR	"/nix/store"
#define PATH_A		"/nix/store/i9pmrzmpshapij2kin22pff6fc2adavx-hello.txt"
#define PATH_B		"/nix/store/3p28pr4ny05vqg5xzkd79zs2f98026dd-dep"
#define HASH32		"i9pmrzmpshapij2kin22pff6fc2adavx"
#define BADHASH		"e9pmrzmpshapij2kin22pff6fc2adavx" /* 'e': no base32 */
#define PATH_C		"/nix/store/00000000000000000000000000000000-nope"

static void
expect_bytes(const char *what, const void *got, size_t gotlen,
    const void *want, size_t wantlen)
{
	size_t	i;

	if (gotlen != wantlen)
		errx(1, "%s: got %zu bytes, expected %zu", what, gotlen,
		    wantlen);
	for (i = 0; i < gotlen; i++)
		if (((const unsigned char *)got)[i] !=
		    ((const unsigned char *)want)[i])
			errx(1, "%s: byte %zu: got %02x, expected %02x", what,
			    i, ((const unsigned char *)got)[i],
			    ((const unsigned char *)want)[i]);
}

static void
expect_int(const char *what, long long got, long long want)
{
	if (got != want)
		errx(1, "%s: got %lld, expected %lld", what, got, want);
}

static void
expect_str(const char *what, const char *got, const char *want)
{
	if (got == NULL || want == NULL) {
		if (got != want)
			errx(1, "%s: got %s, expected %s", what,
			    got ? got : "NULL", want ? want : "NULL");
		return;
	}
	if (strcmp(got, want) != 0)
		errx(1, "%s: got \"%s\", expected \"%s\"", what, got, want);
}

/* A *.hex vector: '#' lines are comments, the rest is hex. */
static unsigned char *
read_hex(const char *file, size_t *lenp)
{
	FILE		*fp;
	struct tbuf	 b;
	char		 line[1024];
	unsigned int	 byte;
	size_t		 i;

	memset(&b, 0, sizeof(b));
	if ((fp = fopen(file, "r")) == NULL)
		err(1, "%s", file);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		for (i = 0; line[i] != '\0' && line[i + 1] != '\0'; i += 2) {
			if (sscanf(line + i, "%2x", &byte) != 1)
				errx(1, "%s: bad hex", file);
			tbuf_add(&b, (unsigned char[]){ byte }, 1);
		}
	}
	fclose(fp);
	*lenp = b.tb_len;
	return (b.tb_data);
}

/*
 * Every proper prefix of item, placed after 8 bytes already consumed,
 * must give 0 with the cursor left at 8 and a wi_need that asks for
 * more than is there but no more than the item needs; the whole item
 * must give 1 and consume exactly its length.  Each prefix lives in a
 * buffer of its exact size, so ASan catches any read past the end.
 */
static void
check_prefixes(const char *what, const unsigned char *item, size_t len,
    int (*get)(struct wire_in *, void *), void *arg)
{
	struct wire_in	 in;
	unsigned char	*buf;
	size_t		 k;
	int		 r;

	for (k = 0; k <= len; k++) {
		if ((buf = malloc(8 + k)) == NULL)
			err(1, NULL);
		memset(buf, 0xee, 8);
		memcpy(buf + 8, item, k);
		wire_in_init(&in, buf, 8 + k);
		in.wi_off = 8;
		r = get(&in, arg);
		if (k < len) {
			if (r != 0 || in.wi_off != 8)
				errx(1, "%s: prefix %zu/%zu: got %d at %zu, "
				    "expected 0 at 8", what, k, len, r,
				    in.wi_off);
			if (in.wi_need <= 8 + k || in.wi_need > 8 + len)
				errx(1, "%s: prefix %zu: wi_need %zu not in "
				    "(%zu, %zu]", what, k, in.wi_need, 8 + k,
				    8 + len);
		} else if (r != 1 || in.wi_off != 8 + len)
			errx(1, "%s: full: got %d at %zu, expected 1 at "
			    "%zu%s%s", what, r, in.wi_off, 8 + len,
			    r == -1 ? ": " : "", r == -1 ? in.wi_errstr : "");
		free(buf);
	}
}

/* Bad input: -1, the expected reason, and the cursor did not move. */
static void
check_bad(const char *what, const unsigned char *item, size_t len,
    int (*get)(struct wire_in *, void *), void *arg, const char *errstr)
{
	struct wire_in	 in;
	unsigned char	*buf;
	int		 r;

	if ((buf = malloc(len + 1)) == NULL)
		err(1, NULL);
	memcpy(buf, item, len);
	wire_in_init(&in, buf, len);
	r = get(&in, arg);
	if (r != -1)
		errx(1, "%s: got %d, expected -1 (%s)", what, r, errstr);
	if (in.wi_off != 0)
		errx(1, "%s: cursor moved to %zu", what, in.wi_off);
	if (in.wi_errstr == NULL || strstr(in.wi_errstr, errstr) == NULL)
		errx(1, "%s: got error \"%s\", expected \"%s\"", what,
		    in.wi_errstr ? in.wi_errstr : "(none)", errstr);
	free(buf);
}

/* Getters wrapped for the two checkers; they free what they got. */

static int
g_u64(struct wire_in *in, void *arg)
{
	uint64_t	v;
	int		r;

	if ((r = wire_get_u64(in, &v)) == 1 && arg != NULL)
		*(uint64_t *)arg = v;
	return (r);
}

static int
g_string(struct wire_in *in, void *arg)
{
	char	*s;
	size_t	 len;
	int	 r;

	if ((r = wire_get_string(in, &s, &len, arg ? *(size_t *)arg :
	    1024)) == 1)
		free(s);
	return (r);
}

static int
g_cstring(struct wire_in *in, void *arg)
{
	char	*s;
	int	 r;

	(void)arg;
	if ((r = wire_get_string(in, &s, NULL, 1024)) == 1)
		free(s);
	return (r);
}

static int
g_strings(struct wire_in *in, void *arg)
{
	char	**v;
	size_t	  n;
	int	  r;

	(void)arg;
	if ((r = wire_get_strings(in, &v, &n, 16, 64)) == 1)
		wire_strings_free(v, n);
	return (r);
}

static int
g_storepath(struct wire_in *in, void *arg)
{
	char	*s;
	int	 r;

	(void)arg;
	if ((r = wire_get_storepath(in, STOREDIR, &s)) == 1)
		free(s);
	return (r);
}

static int
g_storepaths(struct wire_in *in, void *arg)
{
	char	**v;
	size_t	  n;
	int	  r;

	(void)arg;
	if ((r = wire_get_storepaths(in, STOREDIR, &v, &n, 16)) == 1)
		wire_strings_free(v, n);
	return (r);
}

static int
g_map(struct wire_in *in, void *arg)
{
	struct wire_pair	*v;
	size_t			 n;
	int			 r;

	(void)arg;
	if ((r = wire_get_string_map(in, &v, &n, 16, 32, 64)) == 1)
		wire_pairs_free(v, n);
	return (r);
}

static int
g_path_info(struct wire_in *in, void *arg)
{
	struct wire_path_info	pi;
	int			r;

	if ((r = wire_get_path_info(in, STOREDIR, &pi, arg != NULL)) == 1)
		wire_path_info_free(&pi);
	return (r);
}

static int
g_options(struct wire_in *in, void *arg)
{
	struct wire_options	opts;
	int			r;

	if ((r = wire_get_set_options(in, arg ? *(unsigned int *)arg : 34,
	    &opts)) == 1)
		wire_options_free(&opts);
	return (r);
}

static void
test_u64(void)
{
	static const unsigned char	one[8] = { 0x13 };
	static const unsigned char	big[8] = { 1, 2, 3, 4, 5, 6, 7, 0x88 };
	struct wire_in			in;
	uint64_t			v;
	int				b, i;

	printf("u64 and bool: values, every short prefix\n");
	check_prefixes("u64", one, 8, g_u64, &v);
	expect_int("u64 19", v, 19);
	check_prefixes("u64 big", big, 8, g_u64, &v);
	if (v != 0x8807060504030201ULL)
		errx(1, "u64: got %llx", (unsigned long long)v);
	for (i = 0; i < 3; i++) {
		wire_in_init(&in, i == 0 ? one : big, 8);
		b = -1;
		expect_int("bool", wire_get_bool(&in, &b), 1);
		expect_int("bool value", b, 1);
	}
	wire_in_init(&in, (unsigned char [8]){ 0 }, 8);
	expect_int("bool 0", wire_get_bool(&in, &b), 1);
	expect_int("bool 0 value", b, 0);
	wire_in_init(&in, big, 7);
	expect_int("bool short", wire_get_bool(&in, &b), 0);
	expect_int("bool short value untouched", b, 0);
}

static void
test_string_good(void)
{
	static const char	*cases[] = { "", "a", "hello", "12345678",
				    "123456789", "/nix/store" };
	struct tbuf		 b;
	struct wire_in		 in;
	char			*s;
	size_t			 i, len;

	printf("string: lengths 0..10, padding, every short prefix\n");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&b, 0, sizeof(b));
		tbuf_str(&b, cases[i]);
		expect_int("string encoded length", b.tb_len,
		    8 + (strlen(cases[i]) + 7) / 8 * 8);
		check_prefixes(cases[i], b.tb_data, b.tb_len, g_string, NULL);
		check_prefixes(cases[i], b.tb_data, b.tb_len, g_cstring, NULL);
		wire_in_init(&in, b.tb_data, b.tb_len);
		expect_int("get", wire_get_string(&in, &s, &len, 1024), 1);
		expect_str("string", s, cases[i]);
		expect_int("string len", len, strlen(cases[i]));
		free(s);
		tbuf_free(&b);
	}
	/* Exactly maxlen is fine. */
	memset(&b, 0, sizeof(b));
	tbuf_str(&b, "12345");
	len = 5;
	check_prefixes("maxlen", b.tb_data, b.tb_len, g_string, &len);
	tbuf_free(&b);
}

static void
test_string_nul(void)
{
	static const unsigned char	 bin[] = { 'a', 0, 'b' };
	struct tbuf			 b;
	struct wire_in			 in;
	char				*s;
	size_t				 len;

	printf("string: embedded NUL reported by length, refused as C "
	    "string\n");
	memset(&b, 0, sizeof(b));
	tbuf_bytes(&b, bin, sizeof(bin));
	wire_in_init(&in, b.tb_data, b.tb_len);
	expect_int("binary", wire_get_string(&in, &s, &len, 16), 1);
	expect_int("binary len", len, 3);
	expect_int("binary strlen", strlen(s), 1);
	expect_bytes("binary bytes", s, 4, "a\0b", 4);
	free(s);
	check_bad("cstring with NUL", b.tb_data, b.tb_len, g_cstring, NULL,
	    "NUL");
	tbuf_free(&b);
}

static void
test_string_bad(void)
{
	static const uint64_t	 huge[] = { 1025, 1ULL << 32, 1ULL << 63,
				    UINT64_MAX, UINT64_MAX - 7 };
	struct tbuf		 b;
	size_t			 i, maxlen;

	printf("string: huge lengths fail before the bytes, non-zero "
	    "padding\n");
	for (i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		memset(&b, 0, sizeof(b));
		tbuf_u64(&b, huge[i]);
		check_bad("huge length", b.tb_data, b.tb_len, g_string, NULL,
		    "string too long");
		check_bad("huge item", b.tb_data, b.tb_len, g_storepath, NULL,
		    "string too long");
		tbuf_free(&b);
	}
	memset(&b, 0, sizeof(b));
	tbuf_u64(&b, 6);
	maxlen = 5;
	check_bad("over maxlen", b.tb_data, b.tb_len, g_string, &maxlen,
	    "string too long");
	tbuf_free(&b);
	for (i = 5; i < 8; i++) {
		memset(&b, 0, sizeof(b));
		tbuf_str(&b, "hello");
		b.tb_data[8 + i] = 1;
		check_bad("padding", b.tb_data, b.tb_len, g_string, NULL,
		    "padding");
		tbuf_free(&b);
	}
}

static void
test_strings(void)
{
	struct tbuf		 b;
	struct wire_in		 in;
	char			**v;
	size_t			 n;

	printf("strings: list, every short prefix, counts and items too "
	    "big\n");
	memset(&b, 0, sizeof(b));
	tbuf_u64(&b, 3);
	tbuf_str(&b, "b");
	tbuf_str(&b, "");
	tbuf_str(&b, "a string of more than eight bytes");
	check_prefixes("strings", b.tb_data, b.tb_len, g_strings, NULL);
	wire_in_init(&in, b.tb_data, b.tb_len);
	expect_int("strings", wire_get_strings(&in, &v, &n, 3, 64), 1);
	expect_int("count", n, 3);
	expect_str("item 0", v[0], "b");
	expect_str("item 1", v[1], "");
	expect_str("item 2", v[2], "a string of more than eight bytes");
	expect_str("terminator", v[3], NULL);
	wire_strings_free(v, n);
	wire_in_init(&in, b.tb_data, b.tb_len);
	expect_int("maxcount 2", wire_get_strings(&in, &v, &n, 2, 64), -1);
	wire_in_init(&in, b.tb_data, b.tb_len);
	expect_int("maxlen 32", wire_get_strings(&in, &v, &n, 3, 32), -1);
	b.tb_data[8 + 16 + 8 + 8 + 33] = 'x';	/* last item's padding */
	check_bad("item padding", b.tb_data, b.tb_len, g_strings, NULL,
	    "padding");
	tbuf_free(&b);

	memset(&b, 0, sizeof(b));
	tbuf_u64(&b, 0);
	check_prefixes("empty list", b.tb_data, b.tb_len, g_strings, NULL);
	tbuf_free(&b);
}

static void
test_strings_bad(void)
{
	static const uint64_t	 counts[] = { 17, 1ULL << 63, UINT64_MAX };
	struct tbuf		 b;
	size_t			 i;

	printf("strings: huge counts fail at once, NUL in an item\n");
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		memset(&b, 0, sizeof(b));
		tbuf_u64(&b, counts[i]);
		check_bad("count", b.tb_data, b.tb_len, g_strings, NULL,
		    "too many");
		check_bad("paths count", b.tb_data, b.tb_len, g_storepaths,
		    NULL, "too many");
		check_bad("map count", b.tb_data, b.tb_len, g_map, NULL,
		    "too many");
		tbuf_free(&b);
	}
	memset(&b, 0, sizeof(b));
	tbuf_u64(&b, 2);
	tbuf_str(&b, "fine");
	tbuf_bytes(&b, "x\0y", 3);
	check_bad("NUL item", b.tb_data, b.tb_len, g_strings, NULL, "NUL");
	tbuf_free(&b);
	memset(&b, 0, sizeof(b));
	tbuf_u64(&b, 1);
	tbuf_u64(&b, UINT64_MAX);
	check_bad("huge item", b.tb_data, b.tb_len, g_strings, NULL,
	    "string too long");
	tbuf_free(&b);
}

static void
test_storepaths(void)
{
	static const char	*bad[] = { "bad", "", "/nix/store",
				    "/nix/store/", "/nix/stor/" HASH32 "-x",
				    "/nix/store/" HASH32,
				    "/nix/store/" BADHASH "-x",
				    "/nix/store/9pmrzmpshapij2kin22pff-x",
				    "/nix/store/" HASH32 "-a/b" };
	struct tbuf		 b;
	struct wire_in		 in;
	char			*s, **v;
	size_t			 i, n;

	printf("store paths: valid, invalid, NUL, optional, sets\n");
	memset(&b, 0, sizeof(b));
	tbuf_str(&b, PATH_A);
	check_prefixes("storepath", b.tb_data, b.tb_len, g_storepath, NULL);
	wire_in_init(&in, b.tb_data, b.tb_len);
	expect_int("storepath", wire_get_storepath(&in, STOREDIR, &s), 1);
	expect_str("storepath value", s, PATH_A);
	free(s);
	tbuf_free(&b);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&b, 0, sizeof(b));
		tbuf_str(&b, bad[i]);
		check_bad(bad[i], b.tb_data, b.tb_len, g_storepath, NULL, "");
		tbuf_free(&b);
	}
	memset(&b, 0, sizeof(b));
	tbuf_bytes(&b, PATH_A "\0x", strlen(PATH_A) + 2);
	check_bad("path with NUL", b.tb_data, b.tb_len, g_storepath, NULL,
	    "NUL");
	tbuf_free(&b);

	memset(&b, 0, sizeof(b));
	tbuf_str(&b, "");
	wire_in_init(&in, b.tb_data, b.tb_len);
	s = PATH_A;
	expect_int("opt", wire_get_opt_storepath(&in, STOREDIR, &s), 1);
	expect_str("opt none", s, NULL);
	tbuf_free(&b);

	memset(&b, 0, sizeof(b));
	tbuf_u64(&b, 2);
	tbuf_str(&b, PATH_B);
	tbuf_str(&b, PATH_A);
	check_prefixes("storepaths", b.tb_data, b.tb_len, g_storepaths, NULL);
	wire_in_init(&in, b.tb_data, b.tb_len);
	expect_int("storepaths", wire_get_storepaths(&in, STOREDIR, &v, &n,
	    2), 1);
	expect_str("path 0", v[0], PATH_B);
	expect_str("path 1", v[1], PATH_A);
	wire_strings_free(v, n);
	tbuf_free(&b);

	memset(&b, 0, sizeof(b));
	tbuf_u64(&b, 2);
	tbuf_str(&b, PATH_A);
	tbuf_str(&b, "bad");
	check_bad("set with a bad path", b.tb_data, b.tb_len, g_storepaths,
	    NULL, "");
	tbuf_free(&b);
}

static void
test_map(void)
{
	struct tbuf		 b;
	struct wire_in		 in;
	struct wire_pair	*v;
	size_t			 n;

	printf("string map: pairs, every short prefix, limits\n");
	memset(&b, 0, sizeof(b));
	tbuf_u64(&b, 2);
	tbuf_str(&b, "sandbox");
	tbuf_str(&b, "false");
	tbuf_str(&b, "timeout");
	tbuf_str(&b, "50");
	check_prefixes("map", b.tb_data, b.tb_len, g_map, NULL);
	wire_in_init(&in, b.tb_data, b.tb_len);
	expect_int("map", wire_get_string_map(&in, &v, &n, 2, 7, 5), 1);
	expect_int("map count", n, 2);
	expect_str("key 0", v[0].wp_key, "sandbox");
	expect_str("value 0", v[0].wp_value, "false");
	expect_str("key 1", v[1].wp_key, "timeout");
	expect_str("value 1", v[1].wp_value, "50");
	wire_pairs_free(v, n);
	wire_in_init(&in, b.tb_data, b.tb_len);
	expect_int("key too long", wire_get_string_map(&in, &v, &n, 2, 6,
	    5), -1);
	wire_in_init(&in, b.tb_data, b.tb_len);
	expect_int("value too long", wire_get_string_map(&in, &v, &n, 2, 7,
	    4), -1);
	wire_in_init(&in, b.tb_data, b.tb_len);
	expect_int("count too big", wire_get_string_map(&in, &v, &n, 1, 7,
	    5), -1);
	tbuf_free(&b);
}

static void
test_out_basics(void)
{
	static const unsigned char	 want[] = {
		0x13, 0, 0, 0, 0, 0, 0, 0,	/* u64 19 */
		1, 0, 0, 0, 0, 0, 0, 0,		/* bool */
		5, 0, 0, 0, 0, 0, 0, 0, 'h', 'e', 'l', 'l', 'o', 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0,		/* "" */
		2, 0, 0, 0, 0, 0, 0, 0,		/* set of 2, sorted */
		1, 0, 0, 0, 0, 0, 0, 0, 'a', 0, 0, 0, 0, 0, 0, 0,
		1, 0, 0, 0, 0, 0, 0, 0, 'b', 0, 0, 0, 0, 0, 0, 0
	};
	char				*set[] = { "b", "a" };
	struct wire_out			 out;

	printf("output: u64, bool, strings, sorted set\n");
	wire_out_init(&out, 1 << 20);
	expect_int("put", wire_put_u64(&out, 19) | wire_put_bool(&out, 7) |
	    wire_put_string(&out, "hello") | wire_put_string(&out, "") |
	    wire_put_string_set(&out, set, 2), 0);
	expect_bytes("puts", out.wo_buf, out.wo_len, want, sizeof(want));
	expect_str("set left alone", set[0], "b");
	wire_out_drain(&out, 16);
	expect_bytes("drain", out.wo_buf, out.wo_len, want + 16,
	    sizeof(want) - 16);
	wire_out_free(&out);
}

static void
test_out_limits(void)
{
	struct wire_out	out;
	size_t		i;

	printf("output: the maximum, atomic puts, sticky error, growth\n");
	wire_out_init(&out, 24);
	expect_int("u64 1", wire_put_u64(&out, 1), 0);
	expect_int("string too big", wire_put_string(&out, "123456789"), -1);
	expect_int("length unchanged", out.wo_len, 8);
	expect_int("error set", out.wo_error, 1);
	expect_int("sticky", wire_put_u64(&out, 2), -1);
	wire_out_reset(&out);
	expect_int("after reset", wire_put_u64(&out, 2), 0);
	expect_int("error at max", wire_put_error(&out, "x"), -1);
	expect_int("compound put undone", out.wo_len, 8);
	wire_out_reset(&out);
	expect_int("exactly max", wire_put_string(&out, "12345678") |
	    wire_put_u64(&out, 3), 0);
	expect_int("full", out.wo_len, 24);
	expect_int("past max", wire_put_bool(&out, 0), -1);
	wire_out_free(&out);

	wire_out_init(&out, 1 << 20);
	for (i = 0; i < 10000; i++)
		if (wire_put_u64(&out, i) == -1)
			errx(1, "growth: put %zu failed", i);
	for (i = 0; i < 10000; i++)
		if (out.wo_buf[8 * i] != (i & 0xff) ||
		    out.wo_buf[8 * i + 1] != (i >> 8))
			errx(1, "growth: item %zu corrupt", i);
	wire_out_free(&out);
}

static void
test_roundtrip(void)
{
	static const unsigned char	 bin[] = { 0, 1, 2, 0xff, 0 };
	char				*list[] = { "z", "", "a" };
	struct wire_pair		 pairs[] = { { "k", "v" },
					    { "key2", "" } };
	struct wire_out			 out;
	struct wire_in			 in;
	struct wire_pair		*gp;
	char				*s, **v;
	size_t				 len, n;

	printf("round trips: bytes, list, map\n");
	wire_out_init(&out, 1 << 20);
	(void)wire_put_bytes(&out, bin, sizeof(bin));
	(void)wire_put_strings(&out, list, 3);
	(void)wire_put_string_map(&out, pairs, 2);
	expect_int("puts", out.wo_error, 0);
	wire_in_init(&in, out.wo_buf, out.wo_len);
	expect_int("bytes", wire_get_string(&in, &s, &len, 5), 1);
	expect_bytes("bytes value", s, len, bin, sizeof(bin));
	free(s);
	expect_int("list", wire_get_strings(&in, &v, &n, 3, 1), 1);
	expect_int("list order", n == 3 && strcmp(v[0], "z") == 0 &&
	    v[1][0] == '\0' && strcmp(v[2], "a") == 0, 1);
	wire_strings_free(v, n);
	expect_int("map", wire_get_string_map(&in, &gp, &n, 2, 4, 1), 1);
	expect_str("map key", gp[1].wp_key, "key2");
	expect_str("map value", gp[0].wp_value, "v");
	wire_pairs_free(gp, n);
	expect_int("all consumed", in.wi_off, out.wo_len);
	wire_out_free(&out);
}

static void
check_path_info_vector(const char *file, int withpath)
{
	struct wire_path_info	 pi;
	struct wire_out		 out;
	struct wire_in		 in;
	unsigned char		*vec;
	size_t			 len;

	vec = read_hex(file, &len);
	check_prefixes(file, vec, len, g_path_info,
	    withpath ? (void *)1 : NULL);
	wire_in_init(&in, vec, len);
	expect_int(file, wire_get_path_info(&in, STOREDIR, &pi, withpath), 1);
	wire_out_init(&out, 1 << 20);
	expect_int("put", wire_put_path_info(&out, &pi, withpath), 0);
	expect_bytes(file, out.wo_buf, out.wo_len, vec, len);
	wire_out_free(&out);
	wire_path_info_free(&pi);
	free(vec);
}

static void
test_path_info_vectors(void)
{
	struct wire_path_info	 pi;
	struct wire_in		 in;
	unsigned char		*vec;
	size_t			 len;

	printf("path info: the real daemon's and client's bytes, parsed "
	    "and re-encoded\n");
	check_path_info_vector("pi-qpi.hex", 0);
	check_path_info_vector("pi-refs.hex", 0);
	check_path_info_vector("pic-addfixed.hex", 1);
	check_path_info_vector("pic-import.hex", 1);

	/* The values worker-protocol.md section 9 annotates. */
	vec = read_hex("pi-qpi.hex", &len);
	wire_in_init(&in, vec, len);
	expect_int("qpi", wire_get_path_info(&in, STOREDIR, &pi, 0), 1);
	expect_str("deriver", pi.pi_deriver, NULL);
	expect_str("narHash", pi.pi_narhash, "1c37d01af40be2e80691de3cc3df"
	    "44377a699afbb17c68f080964b2fd071fc13");
	expect_int("references", pi.pi_nrefs, 0);
	expect_int("registrationTime", pi.pi_regtime, 1795596126);
	expect_int("narSize", pi.pi_narsize, 120);
	expect_int("ultimate", pi.pi_ultimate, 0);
	expect_int("sigs", pi.pi_nsigs, 0);
	expect_str("ca", pi.pi_ca, "fixed:r:sha256:04zwf782yjwnh3q6hz5izfd6"
	    "jyip8kgw6g6yj43fiqhbyhdd0dqw");
	wire_path_info_free(&pi);
	free(vec);
}

static void
test_path_info_roundtrip(void)
{
	char			*refs[] = { PATH_C, PATH_A, PATH_B };
	char			*sigs[] = { "k2:c2lnMg==", "k1:c2lnMQ==" };
	struct wire_path_info	 pi, got;
	struct wire_out		 out;
	struct wire_in		 in;

	printf("path info: sets go out sorted, with and without path\n");
	memset(&pi, 0, sizeof(pi));
	pi.pi_path = PATH_A;
	pi.pi_deriver = PATH_B;
	pi.pi_narhash = "sha256:1c37d01af40be2e80691de3cc3df44377a699afbb1"
	    "7c68f080964b2fd071fc13";
	pi.pi_refs = refs;
	pi.pi_nrefs = 3;
	pi.pi_regtime = 1;
	pi.pi_narsize = UINT64_MAX;
	pi.pi_ultimate = 1;
	pi.pi_sigs = sigs;
	pi.pi_nsigs = 2;
	wire_out_init(&out, 1 << 20);
	expect_int("put", wire_put_path_info(&out, &pi, 1), 0);
	check_prefixes("path info", out.wo_buf, out.wo_len, g_path_info,
	    (void *)1);
	wire_in_init(&in, out.wo_buf, out.wo_len);
	expect_int("get", wire_get_path_info(&in, STOREDIR, &got, 1), 1);
	expect_str("path", got.pi_path, PATH_A);
	expect_str("deriver", got.pi_deriver, PATH_B);
	expect_str("narhash", got.pi_narhash, pi.pi_narhash);
	expect_str("ref 0", got.pi_refs[0], PATH_C);
	expect_str("ref 1", got.pi_refs[1], PATH_B);
	expect_str("ref 2", got.pi_refs[2], PATH_A);
	expect_int("narsize", got.pi_narsize == UINT64_MAX, 1);
	expect_int("ultimate", got.pi_ultimate, 1);
	expect_str("sig 0", got.pi_sigs[0], "k1:c2lnMQ==");
	expect_str("ca", got.pi_ca, NULL);
	expect_str("caller's refs untouched", refs[0], PATH_C);
	wire_path_info_free(&got);
	wire_out_reset(&out);
	refs[1] = "bad";
	expect_int("put bad ref", wire_put_path_info(&out, &pi, 0), 0);
	check_bad("bad ref", out.wo_buf, out.wo_len, g_path_info, NULL, "");
	wire_out_free(&out);
}

static void
test_errors(void)
{
	static const char	*vecs[] = { "err-realise_missing-0.hex",
				    "err-keepgoing_bad-0.hex",
				    "err-s2_delete_live-0.hex",
				    "err-s2_copy_from-0.hex" };
	struct wire_out		 out;
	struct wire_in		 in;
	struct tbuf		 b;
	unsigned char		*vec;
	char			*s, *msg;
	uint64_t		 v;
	size_t			 i, len, msglen;

	printf("STDERR_ERROR: equal to what the real 2.8 daemon sent\n");
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		vec = read_hex(vecs[i], &len);
		wire_in_init(&in, vec, len);
		expect_int("code", wire_get_u64(&in, &v) == 1 &&
		    v == STDERR_ERROR, 1);
		expect_int("type", wire_get_string(&in, &s, NULL, 64), 1);
		free(s);
		expect_int("level", wire_get_u64(&in, &v), 1);
		expect_int("name", wire_get_string(&in, &s, NULL, 64), 1);
		free(s);
		expect_int("msg", wire_get_string(&in, &msg, &msglen, 4096), 1);
		expect_int("havePos + traces", wire_get_u64(&in, &v) +
		    wire_get_u64(&in, &v), 2);
		expect_int("consumed", in.wi_off, len);
		wire_out_init(&out, 1 << 20);
		expect_int("put", wire_put_error(&out, msg), 0);
		expect_bytes(vecs[i], out.wo_buf, out.wo_len, vec, len);
		wire_out_free(&out);
		free(msg);
		free(vec);
	}
	memset(&b, 0, sizeof(b));
	tbuf_u64(&b, 0x63787470);
	tbuf_str(&b, "Error");
	tbuf_u64(&b, 0);
	tbuf_str(&b, "Error");
	tbuf_str(&b, "x");
	tbuf_u64(&b, 0);
	tbuf_u64(&b, 0);
	wire_out_init(&out, 1 << 20);
	(void)wire_put_error(&out, "x");
	expect_bytes("error x", out.wo_buf, out.wo_len, b.tb_data, b.tb_len);
	tbuf_free(&b);
	memset(&b, 0, sizeof(b));
	tbuf_u64(&b, 0x63787470);
	tbuf_str(&b, "old");
	tbuf_u64(&b, 100);
	wire_out_reset(&out);
	(void)wire_put_error_legacy(&out, "old", 100);
	expect_bytes("legacy error", out.wo_buf, out.wo_len, b.tb_data,
	    b.tb_len);
	tbuf_free(&b);
	wire_out_free(&out);
}

static void
test_stderr_simple(void)
{
	struct wire_out	out;
	struct tbuf	b;

	printf("STDERR_LAST and STDERR_NEXT bytes\n");
	memset(&b, 0, sizeof(b));
	tbuf_add(&b, "stla\0\0\0\0", 8);
	tbuf_add(&b, "gmlo\0\0\0\0", 8);
	tbuf_str(&b, "deleting unused links...\n");
	wire_out_init(&out, 1 << 20);
	(void)wire_put_stderr_last(&out);
	(void)wire_put_stderr_next(&out, "deleting unused links...\n");
	expect_bytes("last, next", out.wo_buf, out.wo_len, b.tb_data, b.tb_len);
	tbuf_free(&b);
	wire_out_free(&out);
}

/* Read activity fields with the getters into fields[]. */
static size_t
get_fields(struct wire_in *in, struct wire_field *fields, size_t max,
    char **strs)
{
	uint64_t	n, i, type;
	char		*s;

	expect_int("nfields", wire_get_u64(in, &n), 1);
	if (n > max)
		errx(1, "fields: got %llu, max %zu", (unsigned long long)n,
		    max);
	for (i = 0; i < n; i++) {
		expect_int("field type", wire_get_u64(in, &type), 1);
		fields[i].fl_type = type;
		if (type == WIRE_FIELD_INT)
			expect_int("int", wire_get_u64(in, &fields[i].fl_int),
			    1);
		else {
			expect_int("string", wire_get_string(in, &s, NULL,
			    1024), 1);
			fields[i].fl_str = strs[i] = s;
		}
	}
	return (n);
}

static void
check_activity_vector(const char *file)
{
	struct wire_field	 fields[8];
	struct wire_out		 out;
	struct wire_in		 in;
	unsigned char		*vec;
	char			*strs[8] = { NULL }, *text = NULL;
	uint64_t		 code, id, level, type, parent;
	size_t			 len, n = 0, i;

	vec = read_hex(file, &len);
	wire_in_init(&in, vec, len);
	wire_out_init(&out, 1 << 20);
	expect_int("code", wire_get_u64(&in, &code), 1);
	expect_int("id", wire_get_u64(&in, &id), 1);
	if (code == STDERR_START_ACTIVITY) {
		expect_int("level", wire_get_u64(&in, &level), 1);
		expect_int("type", wire_get_u64(&in, &type), 1);
		expect_int("text", wire_get_string(&in, &text, NULL, 1024), 1);
		n = get_fields(&in, fields, 8, strs);
		expect_int("parent", wire_get_u64(&in, &parent), 1);
		(void)wire_put_start_activity(&out, id, level, type, text,
		    fields, n, parent);
	} else if (code == STDERR_RESULT) {
		expect_int("type", wire_get_u64(&in, &type), 1);
		n = get_fields(&in, fields, 8, strs);
		(void)wire_put_result(&out, id, type, fields, n);
	} else if (code == STDERR_STOP_ACTIVITY)
		(void)wire_put_stop_activity(&out, id);
	else
		errx(1, "%s: unexpected code %llx", file,
		    (unsigned long long)code);
	expect_int("consumed", in.wi_off, len);
	expect_bytes(file, out.wo_buf, out.wo_len, vec, len);
	for (i = 0; i < n; i++)
		free(strs[i]);
	free(text);
	wire_out_free(&out);
	free(vec);
}

static void
test_activities(void)
{
	struct wire_field	bad = { 7, 0, NULL };
	struct wire_out		out;

	printf("activities: equal to the real daemon's Build activity, log "
	    "line, progress, stop\n");
	check_activity_vector("act-start.hex");
	check_activity_vector("act-logline.hex");
	check_activity_vector("act-progress.hex");
	check_activity_vector("act-stop.hex");
	wire_out_init(&out, 1 << 20);
	expect_int("bad field type", wire_put_result(&out, 1, 101, &bad, 1),
	    -1);
	expect_int("nothing written", out.wo_len, 0);
	wire_out_free(&out);
}

/* The doc's AddToStore frame of 26 bytes, then the terminator. */
static void
test_frames_put(void)
{
	static const char	 data[] = "echo \"dep says hi\" > $out\n";
	struct wire_out		 out;
	struct tbuf		 b;

	printf("frames: put without padding\n");
	memset(&b, 0, sizeof(b));
	tbuf_u64(&b, 26);
	tbuf_add(&b, data, 26);
	tbuf_u64(&b, 0);
	wire_out_init(&out, 1 << 20);
	(void)wire_put_frame(&out, data, 26);
	(void)wire_put_frame(&out, data, 0);
	(void)wire_put_frames_end(&out);
	expect_bytes("frame", out.wo_buf, out.wo_len, b.tb_data, b.tb_len);
	tbuf_free(&b);
	wire_out_free(&out);
}

/*
 * Feed the stream in chunks of the given size (0: random sizes) and
 * check the payload comes out whole and the end is found exactly.
 */
static void
feed_frames(const unsigned char *stream, size_t len, size_t streamlen,
    const unsigned char *payload, size_t paylen, size_t chunk)
{
	struct wire_frames	 wf;
	unsigned char		*got;
	const void		*data;
	size_t			 off = 0, gotlen = 0, n, used, dlen;
	int			 r = WIRE_FRAMES_MORE;

	if ((got = malloc(paylen + 1)) == NULL)
		err(1, NULL);
	wire_frames_init(&wf, 30000);
	while (off < len && r != WIRE_FRAMES_END) {
		n = chunk ? chunk : (size_t)(random() % 5000) + 1;
		if (n > len - off)
			n = len - off;
		while (n > 0) {
			r = wire_frames_push(&wf, stream + off, n, &used,
			    &data, &dlen);
			if (r == WIRE_FRAMES_ERROR)
				errx(1, "frames: %s", wf.wf_errstr);
			if (dlen > paylen - gotlen)
				errx(1, "frames: too much payload");
			if (dlen > 0)
				memcpy(got + gotlen, data, dlen);
			gotlen += dlen;
			off += used;
			n -= used;
			if (r == WIRE_FRAMES_END)
				break;
		}
	}
	if (r != WIRE_FRAMES_END || off != streamlen)
		errx(1, "frames chunk %zu: end %d at %zu, expected %zu", chunk,
		    r, off, streamlen);
	expect_bytes("frames payload", got, gotlen, payload, paylen);
	expect_int("frames total", wf.wf_total, paylen);
	r = wire_frames_push(&wf, stream + off, len - off, &used, &data,
	    &dlen);
	expect_int("after end", r == WIRE_FRAMES_END && used == 0, 1);
	free(got);
}

static void
test_frames_push(void)
{
	static const size_t	 sizes[] = { 1, 7, 8, 26, 1000, 24672, 8192,
				    30000, 3 };
	static const size_t	 chunks[] = { 1, 2, 3, 5, 7, 8, 9, 13, 64,
				    4096, 1 << 20, 0, 0, 0 };
	unsigned char		*payload;
	struct wire_out		 out;
	size_t			 i, paylen = 0, off = 0, streamlen;

	printf("frames: push decoder under every chunking\n");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		paylen += sizes[i];
	if ((payload = malloc(paylen)) == NULL)
		err(1, NULL);
	for (i = 0; i < paylen; i++)
		payload[i] = random();
	wire_out_init(&out, 1 << 20);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		(void)wire_put_frame(&out, payload + off, sizes[i]);
		off += sizes[i];
	}
	(void)wire_put_frames_end(&out);
	streamlen = out.wo_len;
	(void)wire_put_u64(&out, WOP_QUERY_PATH_INFO);	/* the next op */
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++)
		feed_frames(out.wo_buf, out.wo_len, streamlen, payload, paylen,
		    chunks[i]);
	wire_out_free(&out);
	free(payload);
}

static void
test_frames_bad(void)
{
	struct wire_frames	 wf;
	struct tbuf		 b;
	const void		*data;
	size_t			 used, dlen;

	printf("frames: too large, stays failed; empty stream\n");
	memset(&b, 0, sizeof(b));
	tbuf_u64(&b, 101);
	tbuf_add(&b, "x", 1);
	wire_frames_init(&wf, 100);
	expect_int("too large", wire_frames_push(&wf, b.tb_data, b.tb_len,
	    &used, &data, &dlen), WIRE_FRAMES_ERROR);
	expect_str("reason", wf.wf_errstr, "frame too large");
	expect_int("still failed", wire_frames_push(&wf, b.tb_data + 8, 1,
	    &used, &data, &dlen), WIRE_FRAMES_ERROR);
	tbuf_free(&b);

	memset(&b, 0, sizeof(b));
	tbuf_u64(&b, UINT64_MAX);
	wire_frames_init(&wf, UINT64_MAX - 1);
	expect_int("2^64-1", wire_frames_push(&wf, b.tb_data, b.tb_len, &used,
	    &data, &dlen), WIRE_FRAMES_ERROR);
	tbuf_free(&b);

	memset(&b, 0, sizeof(b));
	tbuf_u64(&b, 0);
	wire_frames_init(&wf, 100);
	expect_int("empty: 7 bytes", wire_frames_push(&wf, b.tb_data, 7, &used,
	    &data, &dlen), WIRE_FRAMES_MORE);
	expect_int("empty: used", used, 7);
	expect_int("empty: end", wire_frames_push(&wf, b.tb_data + 7, 1, &used,
	    &data, &dlen), WIRE_FRAMES_END);
	expect_int("empty: total", wf.wf_total, 0);
	tbuf_free(&b);
}

static int
g_hello(struct wire_in *in, void *arg)
{
	struct wire_hello	*wh = arg, copy = *wh;
	int			 r;

	/* Each attempt starts from the caller's state. */
	if ((r = wire_get_client_hello(in, &copy)) == 1)
		*wh = copy;
	return (r);
}

/* The client's version; at 1.38 its features, else the rest. */
static void
hello_bytes(struct tbuf *b, uint64_t version, int affinity)
{
	memset(b, 0, sizeof(*b));
	tbuf_u64(b, version);
	if (PROTOCOL_MINOR(version) >= 38) {
		tbuf_u64(b, 2);
		tbuf_str(b, "a-feature");
		tbuf_str(b, "another");
		return;
	}
	if (PROTOCOL_MINOR(version) >= 14) {
		tbuf_u64(b, affinity);
		if (affinity)
			tbuf_u64(b, 3);
	}
	if (PROTOCOL_MINOR(version) >= 11)
		tbuf_u64(b, 0);
}

/* What a client of 1.38 sends once it has the daemon's features. */
static void
rest_bytes(struct tbuf *b, int affinity)
{
	memset(b, 0, sizeof(*b));
	tbuf_u64(b, affinity);
	if (affinity)
		tbuf_u64(b, 3);
	tbuf_u64(b, 0);
}

static void
check_hello(uint64_t version, int affinity, size_t wantlen,
    unsigned int wantminor)
{
	struct wire_hello	wh;
	struct tbuf		b;

	hello_bytes(&b, version, affinity);
	expect_int("hello length", b.tb_len, wantlen);
	memset(&wh, 0, sizeof(wh));
	wh.wh_state = WIRE_HELLO_MAGIC;
	check_prefixes("hello", b.tb_data, b.tb_len, g_hello, &wh);
	expect_int("version", wh.wh_version, version);
	expect_int("minor", wh.wh_minor, wantminor);
	tbuf_free(&b);
	if (wantminor >= 38) {
		/* Features first; the rest only after ours went out. */
		expect_int("state", wh.wh_state, WIRE_HELLO_FEATURES);
		expect_int("features", wh.wh_nfeatures, 2);
		rest_bytes(&b, affinity);
		check_prefixes("hello rest", b.tb_data, b.tb_len, g_hello, &wh);
		tbuf_free(&b);
	}
	expect_int("state", wh.wh_state, WIRE_HELLO_DONE);
	expect_int("affinity", wh.wh_cpu_affinity, affinity);
}

static void
test_hello(void)
{
	static const unsigned char	 magic[] = "cxin\0\0\0";
	struct wire_hello		 wh;
	struct wire_in			 in;
	struct tbuf			 b;
	unsigned int			 minor;

	printf("handshake: both parts, every minor, every short prefix\n");
	memset(&wh, 0, sizeof(wh));
	check_prefixes("magic", magic, 8, g_hello, &wh);
	expect_int("magic state", wh.wh_state, WIRE_HELLO_MAGIC);
	check_hello(0x122, 0, 24, 34);
	check_hello(0x122, 1, 32, 34);
	check_hello(0x125, 0, 24, 37);
	check_hello(0x125, 1, 32, 37);
	check_hello(0x126, 0, 56, 38);
	check_hello(0x126, 1, 56, 38);
	/* Beyond ours: the session runs at 1.38, features and all. */
	check_hello(0x127, 0, 56, 38);
	check_hello(0x1ff, 1, 56, 38);
	check_hello(0x10a, 0, 8, 10);
	check_hello(0x10b, 0, 16, 11);
	check_hello(0x10d, 0, 16, 13);
	check_hello(0x10e, 1, 32, 14);
	for (minor = 10; minor <= 40; minor++)
		check_hello(0x100 | minor, 0, minor >= 38 ? 56 :
		    minor >= 14 ? 24 : minor >= 11 ? 16 : 8,
		    minor > 38 ? 38 : minor);

	printf("handshake: bad magic, old and foreign versions, features\n");
	memset(&wh, 0, sizeof(wh));
	check_bad("magic", (const unsigned char *)"oixd\0\0\0", 8, g_hello,
	    &wh, "protocol mismatch");
	wh.wh_state = WIRE_HELLO_MAGIC;
	hello_bytes(&b, 0x109, 0);
	check_bad("0x109", b.tb_data, 8, g_hello, &wh, "too old");
	tbuf_free(&b);
	hello_bytes(&b, 0x222, 0);
	check_bad("0x222", b.tb_data, 8, g_hello, &wh, "major");
	tbuf_free(&b);
	hello_bytes(&b, 0x10122, 0);
	check_bad("0x10122", b.tb_data, 8, g_hello, &wh, "major");
	tbuf_free(&b);
	memset(&b, 0, sizeof(b));
	tbuf_u64(&b, 0x126);
	tbuf_u64(&b, WIRE_FEATURES_MAX + 1);
	check_bad("many features", b.tb_data, b.tb_len, g_hello, &wh,
	    "too many protocol features");
	tbuf_free(&b);
	memset(&b, 0, sizeof(b));
	tbuf_u64(&b, 0x126);
	tbuf_u64(&b, 1);
	tbuf_u64(&b, WIRE_FEATURE_MAX + 1);
	check_bad("long feature", b.tb_data, b.tb_len, g_hello, &wh,
	    "too long");
	tbuf_free(&b);
	memset(&b, 0, sizeof(b));
	tbuf_u64(&b, 0x126);
	tbuf_u64(&b, 1);
	tbuf_u64(&b, 3);
	tbuf_add(&b, "a\0b\0\0\0\0\0", 8);
	check_bad("NUL in a feature", b.tb_data, b.tb_len, g_hello, &wh, "NUL");
	tbuf_free(&b);
	wh.wh_state = WIRE_HELLO_DONE;
	wire_in_init(&in, magic, 8);
	expect_int("after done", wire_get_client_hello(&in, &wh), -1);
}

static void
test_server_hello(void)
{
	static const unsigned char	 want[] = {
		0x6f, 0x69, 0x78, 0x64, 0, 0, 0, 0,	/* WORKER_MAGIC_2 */
		0x26, 0x01, 0, 0, 0, 0, 0, 0,		/* 0x126 */
		0x0b, 0, 0, 0, 0, 0, 0, 0,		/* "rnixd 0.1.0" */
		'r', 'n', 'i', 'x', 'd', ' ', '0', '.',
		'1', '.', '0', 0, 0, 0, 0, 0,
		0x02, 0, 0, 0, 0, 0, 0, 0,		/* not trusted */
		0x73, 0x74, 0x6c, 0x61, 0, 0, 0, 0	/* STDERR_LAST */
	};
	static const unsigned char	 nofeatures[8];
	struct wire_out			 out;

	printf("handshake: the daemon's bytes at 1.32 to 1.38\n");
	wire_out_init(&out, 1 << 20);
	expect_int("server hello", wire_put_server_hello(&out) |
	    wire_put_server_post_hello(&out, 35, WIRE_TRUST_NOT_TRUSTED), 0);
	expect_bytes("hello 35", out.wo_buf, out.wo_len, want, sizeof(want));
	wire_out_reset(&out);
	(void)wire_put_server_post_hello(&out, 38, WIRE_TRUST_TRUSTED);
	expect_int("trusted", out.wo_buf[24], 1);
	wire_out_reset(&out);
	(void)wire_put_server_hello(&out);
	(void)wire_put_server_post_hello(&out, 34, WIRE_TRUST_TRUSTED);
	expect_int("hello 34 length", out.wo_len, 48);
	expect_bytes("hello 34 (no trust)", out.wo_buf, 40, want, 40);
	expect_bytes("hello 34 end", out.wo_buf + 40, out.wo_len - 40,
	    want + 48, 8);
	wire_out_reset(&out);
	(void)wire_put_server_post_hello(&out, 32, WIRE_TRUST_TRUSTED);
	expect_bytes("post hello 32", out.wo_buf, out.wo_len, want + 48, 8);
	wire_out_reset(&out);
	(void)wire_put_server_features(&out);
	expect_bytes("features", out.wo_buf, out.wo_len, nofeatures, 8);
	wire_out_reset(&out);
	(void)wire_put_daemon_info(&out, 33, WIRE_TRUST_TRUSTED);
	expect_bytes("info 33", out.wo_buf, out.wo_len, want + 16, 24);
	wire_out_free(&out);
}

static void
options_bytes(struct tbuf *b, const uint64_t *v, size_t noverrides)
{
	size_t	i;

	memset(b, 0, sizeof(*b));
	for (i = 0; i < 12; i++)
		tbuf_u64(b, v[i]);
	tbuf_u64(b, noverrides);
	if (noverrides > 0) {
		tbuf_str(b, "sandbox");
		tbuf_str(b, "false");
	}
	if (noverrides > 1) {
		tbuf_str(b, "timeout");
		tbuf_str(b, "50");
	}
}

static void
test_set_options(void)
{
	/* The values of worker-protocol.md section 9. */
	static const uint64_t	 v[12] = { 0, 0, 0, 3, 1, 0, 1, 0, 0, 0, 2,
				    1 };
	static const uint64_t	 w[12] = { 1, 1, 1, 99, 4, 60, 1, 7, 0, 0, 3,
				    0 };
	struct wire_options	 opts;
	struct wire_in		 in;
	struct tbuf		 b;
	unsigned int		 minor = 11;

	printf("SetOptions: fields, overrides, old minor, short prefixes\n");
	options_bytes(&b, v, 0);
	check_prefixes("options", b.tb_data, b.tb_len, g_options, NULL);
	wire_in_init(&in, b.tb_data, b.tb_len);
	expect_int("get", wire_get_set_options(&in, 34, &opts), 1);
	expect_int("fields", opts.opt_keep_failed + opts.opt_keep_going +
	    opts.opt_try_fallback, 0);
	expect_int("verbosity", opts.opt_verbosity, WIRE_LVL_INFO);
	expect_int("jobs", opts.opt_max_build_jobs, 1);
	expect_int("verbose build", opts.opt_verbose_build, 1);
	expect_int("cores", opts.opt_build_cores, 2);
	expect_int("substitutes", opts.opt_use_substitutes, 1);
	expect_int("no overrides", opts.opt_noverrides, 0);
	wire_options_free(&opts);
	tbuf_free(&b);

	options_bytes(&b, w, 2);
	check_prefixes("options 2", b.tb_data, b.tb_len, g_options, NULL);
	wire_in_init(&in, b.tb_data, b.tb_len);
	expect_int("get 2", wire_get_set_options(&in, 34, &opts), 1);
	expect_int("flags", opts.opt_keep_failed + opts.opt_keep_going +
	    opts.opt_try_fallback, 3);
	expect_int("verbosity clamped", opts.opt_verbosity, WIRE_LVL_VOMIT);
	expect_int("silent", opts.opt_max_silent_time, 60);
	expect_int("not verbose build", opts.opt_verbose_build, 0);
	expect_int("overrides", opts.opt_noverrides, 2);
	expect_str("override", opts.opt_overrides[1].wp_value, "50");
	wire_options_free(&opts);
	tbuf_free(&b);

	options_bytes(&b, v, 0);
	b.tb_len -= 8;		/* minor 11: no overrides at all */
	check_prefixes("options minor 11", b.tb_data, b.tb_len, g_options,
	    &minor);
	tbuf_free(&b);
	options_bytes(&b, v, WIRE_OVERRIDES_MAX + 1);
	check_bad("overrides count", b.tb_data, b.tb_len, g_options, NULL,
	    "too many");
	tbuf_free(&b);
	options_bytes(&b, v, 0);
	b.tb_len -= 8;
	tbuf_u64(&b, UINT64_MAX);
	check_bad("overrides 2^64-1", b.tb_data, b.tb_len, g_options, NULL,
	    "too many");
	tbuf_free(&b);
}

static void
test_op_names(void)
{
	static const uint64_t	invalid[] = { 0, 2, 15, 17, 48, 99,
				    1ULL << 32, UINT64_MAX };
	size_t			i;

	printf("op names\n");
	expect_str("1", wire_op_name(WOP_IS_VALID_PATH), "IsValidPath");
	expect_str("19", wire_op_name(19), "SetOptions");
	expect_str("26", wire_op_name(26), "QueryPathInfo");
	expect_str("39", wire_op_name(39), "AddToStoreNar");
	expect_str("44", wire_op_name(44), "AddMultipleToStore");
	expect_str("46", wire_op_name(46), "BuildPathsWithResults");
	expect_str("47", wire_op_name(47), "AddPermRoot");
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		expect_str("invalid op", wire_op_name(invalid[i]), NULL);
	for (i = 1; i <= 46; i++)
		if ((wire_op_name(i) == NULL) != (i == 2 || i == 15 ||
		    i == 17))
			errx(1, "op %zu: name presence wrong", i);
}

int
main(void)
{
	srandom(1);
	test_op_names();
	test_u64();
	test_string_good();
	test_string_nul();
	test_string_bad();
	test_strings();
	test_strings_bad();
	test_storepaths();
	test_map();
	test_out_basics();
	test_out_limits();
	test_roundtrip();
	test_path_info_vectors();
	test_path_info_roundtrip();
	test_errors();
	test_stderr_simple();
	test_activities();
	test_frames_put();
	test_frames_push();
	test_frames_bad();
	test_hello();
	test_server_hello();
	test_set_options();
	printf("ok\n");
	return (0);
}
