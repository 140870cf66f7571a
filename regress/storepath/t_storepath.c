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
 * storepath.c: every path computation among the worked examples of
 * nix-formats.md sections 2.4 and 4.6, ca strings, name and path
 * syntax with Nix 2.8's edge cases, references (order, duplicates,
 * self) and output buffers that are too small.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "storepath.h"

#define SD	"/nix/store"

static const char hello[] = "hello\n";

/* The hello.txt path used as a reference below. */
#define HELLO_SRC	SD "/i9pmrzmpshapij2kin22pff6fc2adavx-hello.txt"
#define FIXED_DRV	SD "/c757kvbc3hd958dq02iy2irqhq6lvjhq-fixed.drv"
#define DEP_DRV		SD "/mrxa4a30fikzjfh6v2dqn161hf2pzmb8-dep.drv"
/* The hash of the derivation "top", whose outputs section 4.6 makes. */
#define TOP_HASH	"sha256:1b02fc07beb01af31ce75842e90c5eadb69f68fcc" \
			"6a7175ac67732bc64615a11"

static const char simple_drv[] =
	    "Derive([(\"out\",\"/nix/store/94f9f6i31zwzwbf0kclq1naqxxi4c7v9"
	    "-simple\",\"\",\"\")],[],[],\"x86_64-linux\",\"/bin/sh\",[\"-c"
	    "\",\"echo hello > $out\"],[(\"builder\",\"/bin/sh\"),(\"name\""
	    ",\"simple\"),(\"out\",\"/nix/store/94f9f6i31zwzwbf0kclq1naqxxi"
	    "4c7v9-simple\"),(\"system\",\"x86_64-linux\")])";
static const char top_drv[] =
	    "Derive([(\"dev\",\"/nix/store/ywd1v5x5m7x3iawd3dz1gfaj5z9wxk3n"
	    "-top-dev\",\"\",\"\"),(\"out\",\"/nix/store/i91hr1ls03vg81a09v"
	    "8d8h3s6k696mia-top\",\"\",\"\")],[(\"/nix/store/c757kvbc3hd958"
	    "dq02iy2irqhq6lvjhq-fixed.drv\",[\"out\"]),(\"/nix/store/mrxa4a"
	    "30fikzjfh6v2dqn161hf2pzmb8-dep.drv\",[\"out\"])],[\"/nix/store"
	    "/i9pmrzmpshapij2kin22pff6fc2adavx-hello.txt\"],\"x86_64-linux"
	    "\",\"/bin/sh\",[\"-c\",\"export PATH=/usr/bin:/bin; mkdir -p $"
	    "out $dev; cat $dep > $out/dep; cat $fixed > $out/fixed; cat $s"
	    "rc > $out/src; echo $out > $dev/self; ln -s $dep $out/deplink"
	    "\"],[(\"builder\",\"/bin/sh\"),(\"dep\",\"/nix/store/3p28pr4ny"
	    "05vqg5xzkd79zs2f98026dd-dep\"),(\"dev\",\"/nix/store/ywd1v5x5m"
	    "7x3iawd3dz1gfaj5z9wxk3n-top-dev\"),(\"fixed\",\"/nix/store/ilg"
	    "hkg8sqnh9275b62zcvsq9kpkym8yl-fixed\"),(\"name\",\"top\"),(\"o"
	    "ut\",\"/nix/store/i91hr1ls03vg81a09v8d8h3s6k696mia-top\"),(\"o"
	    "utputs\",\"out dev\"),(\"src\",\"/nix/store/i9pmrzmpshapij2kin"
	    "22pff6fc2adavx-hello.txt\"),(\"system\",\"x86_64-linux\")])";

static void
check_str(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want) != 0)
		errx(1, "%s: got %s, expected %s", what, got, want);
	printf("%s: %s\n", what, got);
}

static struct hash
parse(const char *s)
{
	struct hash	 h;
	const char	*errstr;

	if (hash_parse(s, NULL, &h, &errstr) == -1)
		errx(1, "hash_parse %s: %s", s, errstr);
	return (h);
}

/* Section 2.4 (a), (b), (c): nix-store --add and --add-fixed. */
static void
test_added(void)
{
	struct hash	nar, flat, inner, fp;
	char		path[STOREPATH_MAX], ca[CA_STR_MAX], str[256];

	nar = parse("sha256:1c37d01af40be2e80691de3cc3df44377a699afbb17c68"
	    "f080964b2fd071fc13");
	snprintf(str, sizeof(str), "source:sha256:%s:%s:%s",
	    "1c37d01af40be2e80691de3cc3df44377a699afbb17c68f080964b2fd071fc13",
	    SD, "hello.txt");
	hash_buf(HASH_SHA256, str, strlen(str), &fp);
	hash_format(&fp, HASH_ENC_BASE16, 0, str, sizeof(str));
	check_str("(a) sha256(fingerprint)", str,
	    "fe50c26088fb1e2ba70dc3de7815d4b7fe5c6f8a83fb6464fb3da70023809016");
	if (storepath_make_source(SD, "hello.txt", &nar, NULL, 0, 0, path,
	    sizeof(path)) == -1)
		errx(1, "(a) storepath_make_source failed");
	check_str("(a) --add hello.txt", path, HELLO_SRC);
	if (storepath_make_fixed(SD, "hello.txt", CA_RECURSIVE, &nar, NULL,
	    0, 0, path, sizeof(path)) == -1)
		errx(1, "(a) storepath_make_fixed r:sha256 failed");
	check_str("(a) fixed r:sha256", path, HELLO_SRC);
	if (ca_format_fixed(CA_RECURSIVE, &nar, ca, sizeof(ca)) == -1)
		errx(1, "(a) ca_format_fixed failed");
	check_str("(a) ca", ca, "fixed:r:sha256:04zwf782yjwnh3q6hz5izfd6jyip8"
	    "kgw6g6yj43fiqhbyhdd0dqw");

	hash_buf(HASH_SHA256, hello, 6, &flat);
	if (storepath_make_fixed(SD, "hello.txt", CA_FLAT, &flat, NULL, 0, 0,
	    path, sizeof(path)) == -1)
		errx(1, "(b) storepath_make_fixed sha256 failed");
	check_str("(b) --add-fixed sha256", path,
	    SD "/gy454w1cxaq731grqwylhzf4pp9r5izh-hello.txt");
	snprintf(str, sizeof(str), "fixed:out:sha256:%s:", "5891b5b522d5df08"
	    "6d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
	hash_buf(HASH_SHA256, str, strlen(str), &inner);
	hash_format(&inner, HASH_ENC_BASE16, 0, str, sizeof(str));
	check_str("(b) inner sha256", str,
	    "bc101cf2ad0f504c5dd74b9cce0a732e7157bfbddd2afec191aa0eecd3e252a9");
	if (storepath_make(SD, "output:out", &inner, "hello.txt", path,
	    sizeof(path)) == -1)
		errx(1, "(b) storepath_make output:out failed");
	check_str("(b) makeStorePath output:out", path,
	    SD "/gy454w1cxaq731grqwylhzf4pp9r5izh-hello.txt");
	ca_format_fixed(CA_FLAT, &flat, ca, sizeof(ca));
	check_str("(b) ca", ca, "fixed:sha256:00xyyr3fi8l6hb839bv3f7yb86yjv7x"
	    "i1cgh1xnhipym4asvb4aq");
}

static void
expect_fixed(const char *what, const char *name, enum ca_method method,
    const struct hash *h, const char *wantpath, const char *wantca)
{
	char	path[STOREPATH_MAX], ca[CA_STR_MAX];

	if (storepath_make_fixed(SD, name, method, h, NULL, 0, 0, path,
	    sizeof(path)) == -1)
		errx(1, "%s: storepath_make_fixed failed", what);
	check_str(what, path, wantpath);
	if (ca_format_fixed(method, h, ca, sizeof(ca)) == -1)
		errx(1, "%s: ca_format_fixed failed", what);
	check_str(what, ca, wantca);
}

static void
test_fixed_cases(void)
{
	struct hash	h;

	hash_buf(HASH_SHA1, hello, 6, &h);
	expect_fixed("(c) --add-fixed sha1", "hello.txt", CA_FLAT, &h,
	    SD "/svdva85yi507g9vncgsaxvnd1r808h4w-hello.txt",
	    "fixed:sha1:iwjz551fyw0cxcjgf4l6c879zabd6wpm");
	h = parse("sha1:wz60bbf44cw7nswp1wv8vcsyfg155sqd");
	expect_fixed("(c) --add-fixed --recursive sha1", "hello.txt",
	    CA_RECURSIVE, &h,
	    SD "/hzq8n5jpi3g2d0xhlvqd8q1gx5c9s6i3-hello.txt",
	    "fixed:r:sha1:wz60bbf44cw7nswp1wv8vcsyfg155sqd");
	h = parse("sha256:ab9e600c5a3d4f86783075f9ca16467e51d69a2780c8b8db7"
	    "6a21de48960d4fc");
	expect_fixed("(c) --add tree", "tree", CA_RECURSIVE, &h,
	    SD "/xglgicngsyrdq9w7r3i4gd4d12mq2x5a-tree",
	    "fixed:r:sha256:1z6lc24y87d2fvdvij404yddclby8qbcmybm61w8ckrxb8661"
	    "7mb");
	h = parse("sha256-9bmUM7Kw6OJ6hvBelZpmb4VqUal/j1xZ2I0uTTxABq8=");
	expect_fixed("(c) --add tiny", "tiny", CA_RECURSIVE, &h,
	    SD "/2zazyq1kw1smj1rz2z7kl37alhhjnxp1-tiny",
	    "fixed:r:sha256:1bq680y4sbldv1cmr3vzm58nm1bgcsd9apphhrxf5s5hn8rr9"
	    "fgm");
	/* Section 4.6: the flat fixed-output derivation "fixed". */
	hash_buf(HASH_SHA256, hello, 6, &h);
	expect_fixed("(4.6) fixed output", "fixed", CA_FLAT, &h,
	    SD "/ilghkg8sqnh9275b62zcvsq9kpkym8yl-fixed",
	    "fixed:sha256:00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asv"
	    "b4aq");
}

/* The text path of name, of contents hashing to h, must be want. */
static void
check_text_path(const char *what, const char *name, const struct hash *h,
    char *const *refs, size_t nrefs, const char *want)
{
	char	path[STOREPATH_MAX];

	if (storepath_make_text(SD, name, h, refs, nrefs, path,
	    sizeof(path)) == -1)
		errx(1, "%s: storepath_make_text failed", what);
	check_str(what, path, want);
}

/* Section 2.4 (d), (e) and the .drv paths of section 4.6. */
static void
test_text(void)
{
	static const char build_sh[] = "echo \"dep says hi\" > $out\n";
	char *const	refs[3] = { DEP_DRV, HELLO_SRC, FIXED_DRV };
	char *const	refs2[3] = { HELLO_SRC, FIXED_DRV, DEP_DRV };
	struct hash	h;
	char		path[STOREPATH_MAX], ca[CA_STR_MAX];

	hash_buf(HASH_SHA256, build_sh, strlen(build_sh), &h);
	check_text_path("(d) toFile build.sh", "build.sh", &h, NULL, 0,
	    SD "/sr42j50ib1r7nmkr23n1y6z0j5la1jbh-build.sh");
	if (ca_format_text(&h, ca, sizeof(ca)) == -1)
		errx(1, "(d) ca_format_text failed");
	check_str("(d) ca", ca, "text:sha256:1jjicf1kd1g7cnqvxn316ndcrjnii7q"
	    "nlfkz4glym9d2gyr8i62d");

	hash_buf(HASH_SHA256, simple_drv, strlen(simple_drv), &h);
	check_text_path("(4.6) simple.drv", "simple.drv", &h, NULL, 0,
	    SD "/3ghsl9sd83mc26i81adpa2fzf3yw4f68-simple.drv");

	hash_buf(HASH_SHA256, top_drv, strlen(top_drv), &h);
	hash_format(&h, HASH_ENC_BASE16, 0, path, sizeof(path));
	check_str("(e) sha256(top.drv)", path,
	    "1b76b1ac73894d5c659002401a699638bb452cfdb1430a686dfc519975a3dd83");
	check_text_path("(e) top.drv, refs unsorted", "top.drv", &h, refs, 3,
	    SD "/whncnpiv4g514fs8jvrnm1nsmsrwwxg1-top.drv");
	check_text_path("(e) top.drv, other order", "top.drv", &h, refs2, 3,
	    SD "/whncnpiv4g514fs8jvrnm1nsmsrwwxg1-top.drv");
}

/* Section 4.6: outputs of input-addressed derivations. */
static void
test_outputs(void)
{
	static const struct {
		const char	*o_what;
		const char	*o_hash;	/* of the derivation */
		const char	*o_drv;
		const char	*o_out;
		const char	*o_want;
	} outs[] = {
	    { "(4.6) simple out", "sha256:cbd84a88dac33c14a874f676ab17db2518d"
	      "565dc03e891ccf9d4be35138ea813", "simple", "out",
	      SD "/94f9f6i31zwzwbf0kclq1naqxxi4c7v9-simple" },
	    { "(4.6) top out", TOP_HASH, "top", "out",
	      SD "/i91hr1ls03vg81a09v8d8h3s6k696mia-top" },
	    { "(4.6) top dev", TOP_HASH, "top", "dev",
	      SD "/ywd1v5x5m7x3iawd3dz1gfaj5z9wxk3n-top-dev" },
	};
	static const char *const badnames[] = { "", "a b" };
	struct hash	h;
	char		path[STOREPATH_MAX];
	size_t		i;

	for (i = 0; i < sizeof(outs) / sizeof(*outs); i++) {
		h = parse(outs[i].o_hash);
		if (storepath_make_output(SD, outs[i].o_drv, outs[i].o_out,
		    &h, path, sizeof(path)) == -1)
			errx(1, "%s: storepath_make_output failed",
			    outs[i].o_what);
		check_str(outs[i].o_what, path, outs[i].o_want);
	}
	h = parse(TOP_HASH);
	if (storepath_make(SD, "output:dev", &h, "top-dev", path,
	    sizeof(path)) == -1)
		errx(1, "top dev: storepath_make failed");
	check_str("(4.6) top dev by makeStorePath", path,
	    SD "/ywd1v5x5m7x3iawd3dz1gfaj5z9wxk3n-top-dev");
	for (i = 0; i < sizeof(badnames) / sizeof(*badnames); i++)
		if (storepath_make_output(SD, "top", badnames[i], &h, path,
		    sizeof(path)) != -1)
			errx(1, "output name \"%s\": got %s, expected -1",
			    badnames[i], path);
}

static void
test_ca(void)
{
	static const char *const good[][2] = {
	    { "fixed:r:sha256:04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyh"
	      "dd0dqw", HELLO_SRC },
	    { "fixed:sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08"
	      "286a2e846f6be03", SD "/gy454w1cxaq731grqwylhzf4pp9r5izh-"
	      "hello.txt" },
	    { "fixed:sha1:iwjz551fyw0cxcjgf4l6c879zabd6wpm",
	      SD "/svdva85yi507g9vncgsaxvnd1r808h4w-hello.txt" },
	    { "fixed:r:sha1:wz60bbf44cw7nswp1wv8vcsyfg155sqd",
	      SD "/hzq8n5jpi3g2d0xhlvqd8q1gx5c9s6i3-hello.txt" },
	    { "fixed:sha256:WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=",
	      SD "/gy454w1cxaq731grqwylhzf4pp9r5izh-hello.txt" },
	};
	static const char *const bad[] = {
	    "", "fixed", "fixed:", "fixed:r:", "text:", "text:sha256",
	    "text:sha1:iwjz551fyw0cxcjgf4l6c879zabd6wpm",
	    "fixed:sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=",
	    "fixed:sha256:sha256:00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4"
	    "asvb4aq",
	    "fixed:sha256:00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4",
	    "fixed:r:sha384:00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asv",
	    "fixed:R:sha256:00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asv"
	    "b4aq",
	    "source:sha256:00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asv"
	    "b4aq",
	    "fixed:verylongalgorithmname:00",
	};
	struct content_address	 ca, ca2;
	char			 str[CA_STR_MAX], path[STOREPATH_MAX];
	const char		*errstr;
	size_t			 i;

	for (i = 0; i < sizeof(good) / sizeof(*good); i++) {
		if (ca_parse(good[i][0], &ca, &errstr) == -1)
			errx(1, "ca_parse %s: %s", good[i][0], errstr);
		if (storepath_make_ca(SD, "hello.txt", &ca, NULL, 0, 0, path,
		    sizeof(path)) == -1)
			errx(1, "storepath_make_ca %s failed", good[i][0]);
		check_str("ca path", path, good[i][1]);
		if (ca_format(&ca, str, sizeof(str)) == -1)
			errx(1, "ca_format %s failed", good[i][0]);
		if (ca_parse(str, &ca2, &errstr) == -1 ||
		    ca2.ca_kind != ca.ca_kind ||
		    ca2.ca_method != ca.ca_method ||
		    memcmp(&ca2.ca_hash, &ca.ca_hash, sizeof(ca.ca_hash)) != 0)
			errx(1, "ca round trip of %s: got %s back", good[i][0],
			    str);
	}
	if (ca_parse("text:sha256:1jjicf1kd1g7cnqvxn316ndcrjnii7qnlfkz4glym"
	    "9d2gyr8i62d", &ca, &errstr) == -1)
		errx(1, "ca_parse text: %s", errstr);
	if (ca.ca_kind != CA_TEXT ||
	    storepath_make_ca(SD, "build.sh", &ca, NULL, 0, 1, path,
	    sizeof(path)) == -1)
		errx(1, "text ca: wrong kind or no path");
	check_str("text ca path (self ignored)", path,
	    SD "/sr42j50ib1r7nmkr23n1y6z0j5la1jbh-build.sh");
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		errstr = NULL;
		if (ca_parse(bad[i], &ca, &errstr) != -1)
			errx(1, "ca_parse \"%s\": got success, expected -1",
			    bad[i]);
		if (errstr == NULL)
			errx(1, "ca_parse \"%s\": got no message", bad[i]);
		printf("ca_parse \"%s\": %s\n", bad[i], errstr);
	}
}

/* Nix 2.8 took each good name (nix-store --add, builtins.toFile). */
static void
test_names(void)
{
	static const char *const good[] = { "hello.txt", ".hidden", ".",
	    "..", "...", "-", "-dash", "--", "?", "=", "a=b?c+d_e.f",
	    "x.drv", "A-Z_09" };
	static const char *const bad[] = { "", "a b", "a/b", "/", "a:b",
	    "a@b", "a~b", "a*b", "a,b", "a\tb", "a\nb", "\xc3\xa9", "\x7f",
	    "a$b", "a'b" };
	char		 name[300];
	const char	*errstr;
	size_t		 i;

	for (i = 0; i < sizeof(good) / sizeof(*good); i++)
		if (storepath_check_name(good[i], &errstr) == -1)
			errx(1, "name \"%s\": got \"%s\", expected valid",
			    good[i], errstr);
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		errstr = NULL;
		if (storepath_check_name(bad[i], &errstr) != -1)
			errx(1, "name \"%s\": got valid, expected -1", bad[i]);
		if (errstr == NULL)
			errx(1, "name \"%s\": got no message", bad[i]);
	}
	memset(name, 'a', sizeof(name));
	name[211] = '\0';
	if (storepath_check_name(name, NULL) == -1)
		errx(1, "name of 211 chars: got -1, expected valid");
	name[211] = 'a';
	name[212] = '\0';
	if (storepath_check_name(name, &errstr) != -1)
		errx(1, "name of 212 chars: got valid, expected -1");
	name[sizeof(name) - 1] = '\0';
	if (storepath_check_name(name, &errstr) != -1)
		errx(1, "name of 299 chars: got valid, expected -1");
	printf("names: %zu good, %zu bad, 211 and 212 chars\n",
	    sizeof(good) / sizeof(*good), sizeof(bad) / sizeof(*bad));
}

static void
test_hashpart(void)
{
	static const char *const bad[] = {
	    "i9pmrzmpshapij2kin22pff6fc2adave",
	    "i9pmrzmpshapij2kin22pff6fc2adavo",
	    "i9pmrzmpshapij2kin22pff6fc2adavt",
	    "i9pmrzmpshapij2kin22pff6fc2adavu",
	    "I9pmrzmpshapij2kin22pff6fc2adavx",
	    "i9pmrzmpshapij2kin22pff6fc2adav-",
	    "i9pmrzmpshapij2kin22pff6fc2adav\xff",
	};
	size_t	i;

	if (storepath_check_hashpart("i9pmrzmpshapij2kin22pff6fc2adavx",
	    32) == -1)
		errx(1, "hash part i9pm...: got -1, expected valid");
	if (storepath_check_hashpart("i9pmrzmpshapij2kin22pff6fc2adavx",
	    31) != -1 ||
	    storepath_check_hashpart("i9pmrzmpshapij2kin22pff6fc2adavxa",
	    33) != -1)
		errx(1, "hash part of 31 or 33 chars: got valid");
	if (storepath_check_hashpart("i9pmrzmpshapij2k\0in22pff6fc2adav",
	    32) != -1)
		errx(1, "hash part with NUL: got valid");
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (storepath_check_hashpart(bad[i], 32) != -1)
			errx(1, "hash part %s: got valid, expected -1", bad[i]);
	printf("hash parts: 1 good, %zu bad\n", i + 3);
}

static void
test_parse(void)
{
	static const char *const bad[] = {
	    "", "/", SD, SD "/", "/nix/stor/i9pmrzmpshapij2kin22pff6fc2adavx-x",
	    "/nix/storex/i9pmrzmpshapij2kin22pff6fc2adavx-x",
	    "nix/store/i9pmrzmpshapij2kin22pff6fc2adavx-x",
	    SD "//i9pmrzmpshapij2kin22pff6fc2adavx-x",
	    SD "/./i9pmrzmpshapij2kin22pff6fc2adavx-x",
	    SD "/../store/i9pmrzmpshapij2kin22pff6fc2adavx-x",
	    HELLO_SRC "/", HELLO_SRC "/sub", HELLO_SRC " ",
	    SD "/i9pmrzmpshapij2kin22pff6fc2adavxXhello.txt",
	    SD "/i9pmrzmpshapij2kin22pff6fc2adavx",
	    SD "/i9pmrzmpshapij2kin22pff6fc2adavx-",
	    SD "/i9pmrzmpshapij2kin22pff6fc2adav-hello.txt",
	    SD "/e9pmrzmpshapij2kin22pff6fc2adavx-hello.txt",
	    SD "/I9pmrzmpshapij2kin22pff6fc2adavx-hello.txt",
	    SD "/i9pmrzmpshapij2kin22pff6fc2adavx-a b",
	};
	char		 path[STOREPATH_MAX + 10];
	const char	*hp, *name, *errstr;
	size_t		 i;

	if (storepath_parse(SD, HELLO_SRC, &hp, &name, &errstr) == -1)
		errx(1, "parse %s: %s", HELLO_SRC, errstr);
	if (hp != HELLO_SRC + strlen(SD) + 1 || strcmp(name, "hello.txt"))
		errx(1, "parse %s: got hash part %s, name %s", HELLO_SRC, hp,
		    name);
	if (storepath_parse(SD, HELLO_SRC, NULL, NULL, NULL) == -1 ||
	    storepath_parse(SD, SD "/i9pmrzmpshapij2kin22pff6fc2adavx-.", NULL,
	    NULL, NULL) == -1 ||
	    storepath_parse("/tmp/x/store",
	    "/tmp/x/store/i9pmrzmpshapij2kin22pff6fc2adavx--x", NULL, NULL,
	    NULL) == -1)
		errx(1, "parse of good paths failed");
	if (storepath_parse_base("i9pmrzmpshapij2kin22pff6fc2adavx-.hidden",
	    &errstr) == -1)
		errx(1, "parse_base .hidden: %s", errstr);
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		errstr = NULL;
		if (storepath_parse(SD, bad[i], &hp, &name, &errstr) != -1)
			errx(1, "parse \"%s\": got valid, expected -1", bad[i]);
		if (errstr == NULL)
			errx(1, "parse \"%s\": got no message", bad[i]);
		printf("parse \"%s\": %s\n", bad[i], errstr);
	}
	/* The longest name is fine, one more is not. */
	snprintf(path, sizeof(path), "%s/i9pmrzmpshapij2kin22pff6fc2adavx-",
	    SD);
	i = strlen(path);
	memset(path + i, 'n', 212);
	path[i + 211] = '\0';
	if (storepath_parse(SD, path, NULL, NULL, &errstr) == -1)
		errx(1, "parse with 211-char name: %s", errstr);
	path[i + 211] = 'n';
	path[i + 212] = '\0';
	if (storepath_parse(SD, path, NULL, NULL, &errstr) != -1)
		errx(1, "parse with 212-char name: got valid");
	if (storepath_parse(SD "/", HELLO_SRC, NULL, NULL, &errstr) != -1 ||
	    storepath_parse("", "/i9pmrzmpshapij2kin22pff6fc2adavx-x", NULL,
	    NULL, &errstr) != -1 ||
	    storepath_parse("nix/store", "nix/store/i9pmrzmpshapij2kin22pff6f"
	    "c2adavx-x", NULL, NULL, &errstr) != -1)
		errx(1, "parse against a bad store dir: got valid");
	if (storepath_parse_base("i9pmrzmpshapij2kin22pff6fc2adavx", &errstr)
	    != -1 || storepath_parse_base("", &errstr) != -1)
		errx(1, "parse_base of a short base: got valid");
}

/* The fingerprint of a source path with refs and self, built by hand. */
static void
test_refs(void)
{
	char *const	refs[3] = { HELLO_SRC, FIXED_DRV, HELLO_SRC };
	char *const	once[2] = { FIXED_DRV, HELLO_SRC };
	char *const	outside[1] = { "/gnu/store/"
			    "i9pmrzmpshapij2kin22pff6fc2adavx-hello.txt" };
	struct hash	nar, fp, sha1;
	unsigned char	folded[20];
	char		fpstr[1024], b32[33], want[STOREPATH_MAX];
	char		path[STOREPATH_MAX], path2[STOREPATH_MAX];

	nar = parse("sha256:1c37d01af40be2e80691de3cc3df44377a699afbb17c68"
	    "f080964b2fd071fc13");
	snprintf(fpstr, sizeof(fpstr), "source:%s:%s:self:sha256:%s:%s:%s",
	    FIXED_DRV, HELLO_SRC,
	    "1c37d01af40be2e80691de3cc3df44377a699afbb17c68f080964b2fd071fc13",
	    SD, "x");
	hash_buf(HASH_SHA256, fpstr, strlen(fpstr), &fp);
	hash_compress(&fp, folded, sizeof(folded));
	base32_encode(folded, sizeof(folded), b32, sizeof(b32));
	snprintf(want, sizeof(want), "%s/%s-x", SD, b32);
	if (storepath_make_source(SD, "x", &nar, refs, 3, 1, path,
	    sizeof(path)) == -1)
		errx(1, "source with refs and self failed");
	check_str("source, refs twice and unsorted, self", path, want);
	if (storepath_make_source(SD, "x", &nar, once, 2, 1, path2,
	    sizeof(path2)) == -1 || strcmp(path, path2) != 0)
		errx(1, "source with refs once: got %s, expected %s", path2,
		    path);
	if (storepath_make_fixed(SD, "x", CA_RECURSIVE, &nar, once, 2, 1,
	    path2, sizeof(path2)) == -1 || strcmp(path, path2) != 0)
		errx(1, "fixed r:sha256 with refs: got %s, expected %s", path2,
		    path);
	if (storepath_make_source(SD, "x", &nar, once, 2, 0, path2,
	    sizeof(path2)) == -1 || strcmp(path, path2) == 0)
		errx(1, "source without self: got the same path %s", path2);

	if (storepath_make_text(SD, "x", &nar, outside, 1, path,
	    sizeof(path)) != -1)
		errx(1, "text with a ref outside the store: got %s", path);
	if (storepath_make_fixed(SD, "x", CA_FLAT, &nar, once, 2, 0, path,
	    sizeof(path)) != -1)
		errx(1, "flat fixed with refs: got %s, expected -1", path);
	/* Nix ignores self outside the source case. */
	if (storepath_make_fixed(SD, "x", CA_FLAT, &nar, NULL, 0, 1, path,
	    sizeof(path)) == -1 || storepath_make_fixed(SD, "x", CA_FLAT,
	    &nar, NULL, 0, 0, path2, sizeof(path2)) == -1 ||
	    strcmp(path, path2) != 0)
		errx(1, "flat fixed with self: got %s, expected %s", path,
		    path2);
	hash_buf(HASH_SHA1, hello, 6, &sha1);
	if (storepath_make_text(SD, "x", &sha1, NULL, 0, path,
	    sizeof(path)) != -1 ||
	    storepath_make_source(SD, "x", &sha1, NULL, 0, 0, path,
	    sizeof(path)) != -1 ||
	    ca_format_text(&sha1, path, sizeof(path)) != -1)
		errx(1, "text or source path of a sha1: got success");
	if (storepath_make_source(SD, "a b", &nar, NULL, 0, 0, path,
	    sizeof(path)) != -1 ||
	    storepath_make_source(SD "/", "x", &nar, NULL, 0, 0, path,
	    sizeof(path)) != -1 ||
	    storepath_make_source("", "x", &nar, NULL, 0, 0, path,
	    sizeof(path)) != -1)
		errx(1, "bad name or store dir: got success");
	if (storepath_make_source("/tmp/x/store", "x", &nar, NULL, 0, 0, path,
	    sizeof(path)) == -1 ||
	    strncmp(path, "/tmp/x/store/", 13) != 0 ||
	    storepath_parse("/tmp/x/store", path, NULL, NULL, NULL) == -1)
		errx(1, "path in /tmp/x/store: got %s", path);
	printf("refs, self, algos and store dirs\n");
}

static void
check_small(const char *what, int (*fn)(char *, size_t))
{
	char	buf[STOREPATH_MAX + 8], want[STOREPATH_MAX];
	size_t	need, sz, i;

	if (fn(want, sizeof(want)) == -1)
		errx(1, "%s: failed with a big buffer", what);
	need = strlen(want) + 1;
	for (sz = 0; sz < need; sz++) {
		memset(buf, 'X', sizeof(buf));
		if (fn(buf, sz) != -1)
			errx(1, "%s into %zu of %zu: got 0", what, sz, need);
		if (sz > 0 && buf[0] != '\0' && buf[0] != 'X')
			errx(1, "%s into %zu: got \"%.*s\"", what, sz,
			    (int)sz, buf);
		for (i = sz; i < sizeof(buf); i++)
			if (buf[i] != 'X')
				errx(1, "%s into %zu wrote byte %zu", what,
				    sz, i);
	}
	if (fn(buf, need) == -1 || strcmp(buf, want) != 0)
		errx(1, "%s into exactly %zu: got failure or %s", what, need,
		    buf);
}

static struct hash	small_h;

static int
small_source(char *out, size_t sz)
{
	return (storepath_make_source(SD, "hello.txt", &small_h, NULL, 0, 0,
	    out, sz));
}

static int
small_fixed(char *out, size_t sz)
{
	return (storepath_make_fixed(SD, "hello.txt", CA_FLAT, &small_h, NULL,
	    0, 0, out, sz));
}

static int
small_output(char *out, size_t sz)
{
	return (storepath_make_output(SD, "top", "dev", &small_h, out, sz));
}

static int
small_ca(char *out, size_t sz)
{
	return (ca_format_fixed(CA_RECURSIVE, &small_h, out, sz));
}

static int
small_ca_text(char *out, size_t sz)
{
	return (ca_format_text(&small_h, out, sz));
}

static void
test_small_buffers(void)
{
	hash_buf(HASH_SHA256, hello, 6, &small_h);
	check_small("make_source", small_source);
	check_small("make_fixed", small_fixed);
	check_small("make_output", small_output);
	check_small("ca_format_fixed", small_ca);
	check_small("ca_format_text", small_ca_text);
	printf("small output buffers\n");
}

int
main(void)
{
	test_added();
	test_fixed_cases();
	test_text();
	test_outputs();
	test_ca();
	test_names();
	test_hashpart();
	test_parse();
	test_refs();
	test_small_buffers();
	printf("ok\n");
	return (0);
}
