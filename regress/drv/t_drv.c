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
 * Unit tests for common/drv.c: the derivations published in
 * nix-formats.md section 4 and recorded in the worker-protocol captures
 * (texts, modulo hashes, output and .drv paths), round trips, escaping
 * of every byte, and a hostile corpus that must fail cleanly.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drv.h"
#include "hash.h"
#include "storepath.h"

#define STOREDIR	"/nix/store"
#define NIXSTORE	"/nix/store/"

/* worker-protocol capture inst_deps/conn-009.bin */
static const char dep_drv[] =
	    "Derive([(\"out\",\"/nix/store/3p28pr4ny05vqg5xzkd79zs2f980"
	    "26dd-dep\",\"\",\"\")],[],[\"/nix/store/sr42j50ib1r7nmkr23"
	    "n1y6z0j5la1jbh-build.sh\"],\"x86_64-linux\",\"/bin/sh\",[\""
	    "/nix/store/sr42j50ib1r7nmkr23n1y6z0j5la1jbh-build.sh\"],[("
	    "\"builder\",\"/bin/sh\"),(\"name\",\"dep\"),(\"out\",\"/ni"
	    "x/store/3p28pr4ny05vqg5xzkd79zs2f98026dd-dep\"),(\"system\""
	    ",\"x86_64-linux\")])";
/* worker-protocol capture inst_deps/conn-009.bin */
static const char fixed_drv[] =
	    "Derive([(\"out\",\"/nix/store/ilghkg8sqnh9275b62zcvsq9kpky"
	    "m8yl-fixed\",\"sha256\",\"5891b5b522d5df086d0ff0b110fbd9d2"
	    "1bb4fc7163af34d08286a2e846f6be03\")],[],[],\"x86_64-linux\""
	    ",\"/bin/sh\",[\"-c\",\"printf 'hello\\\\n' > $out\"],[(\"b"
	    "uilder\",\"/bin/sh\"),(\"name\",\"fixed\"),(\"out\",\"/nix"
	    "/store/ilghkg8sqnh9275b62zcvsq9kpkym8yl-fixed\"),(\"output"
	    "Hash\",\"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08"
	    "286a2e846f6be03\"),(\"outputHashAlgo\",\"sha256\"),(\"outp"
	    "utHashMode\",\"flat\"),(\"system\",\"x86_64-linux\")])";
/* nix-formats.md 4.6 (also build_deps2/conn-012.bin) */
static const char top_drv[] =
	    "Derive([(\"dev\",\"/nix/store/ywd1v5x5m7x3iawd3dz1gfaj5z9w"
	    "xk3n-top-dev\",\"\",\"\"),(\"out\",\"/nix/store/i91hr1ls03"
	    "vg81a09v8d8h3s6k696mia-top\",\"\",\"\")],[(\"/nix/store/c7"
	    "57kvbc3hd958dq02iy2irqhq6lvjhq-fixed.drv\",[\"out\"]),(\"/"
	    "nix/store/mrxa4a30fikzjfh6v2dqn161hf2pzmb8-dep.drv\",[\"ou"
	    "t\"])],[\"/nix/store/i9pmrzmpshapij2kin22pff6fc2adavx-hell"
	    "o.txt\"],\"x86_64-linux\",\"/bin/sh\",[\"-c\",\"export PAT"
	    "H=/usr/bin:/bin; mkdir -p $out $dev; cat $dep > $out/dep; "
	    "cat $fixed > $out/fixed; cat $src > $out/src; echo $out > "
	    "$dev/self; ln -s $dep $out/deplink\"],[(\"builder\",\"/bin"
	    "/sh\"),(\"dep\",\"/nix/store/3p28pr4ny05vqg5xzkd79zs2f9802"
	    "6dd-dep\"),(\"dev\",\"/nix/store/ywd1v5x5m7x3iawd3dz1gfaj5"
	    "z9wxk3n-top-dev\"),(\"fixed\",\"/nix/store/ilghkg8sqnh9275"
	    "b62zcvsq9kpkym8yl-fixed\"),(\"name\",\"top\"),(\"out\",\"/"
	    "nix/store/i91hr1ls03vg81a09v8d8h3s6k696mia-top\"),(\"outpu"
	    "ts\",\"out dev\"),(\"src\",\"/nix/store/i9pmrzmpshapij2kin"
	    "22pff6fc2adavx-hello.txt\"),(\"system\",\"x86_64-linux\")]"
	    ")";
/* inst_deps/conn-009.bin: top before "export PATH" was added */
static const char top_old_drv[] =
	    "Derive([(\"dev\",\"/nix/store/f7n9m9qn658zgsrrkv7rbyabgg73"
	    "x493-top-dev\",\"\",\"\"),(\"out\",\"/nix/store/yr4sz7drbz"
	    "2d1nygir17gri33xi5xasf-top\",\"\",\"\")],[(\"/nix/store/c7"
	    "57kvbc3hd958dq02iy2irqhq6lvjhq-fixed.drv\",[\"out\"]),(\"/"
	    "nix/store/mrxa4a30fikzjfh6v2dqn161hf2pzmb8-dep.drv\",[\"ou"
	    "t\"])],[\"/nix/store/i9pmrzmpshapij2kin22pff6fc2adavx-hell"
	    "o.txt\"],\"x86_64-linux\",\"/bin/sh\",[\"-c\",\"mkdir -p $"
	    "out $dev; cat $dep > $out/dep; cat $fixed > $out/fixed; ca"
	    "t $src > $out/src; echo $out > $dev/self; ln -s $dep $out/"
	    "deplink\"],[(\"builder\",\"/bin/sh\"),(\"dep\",\"/nix/stor"
	    "e/3p28pr4ny05vqg5xzkd79zs2f98026dd-dep\"),(\"dev\",\"/nix/"
	    "store/f7n9m9qn658zgsrrkv7rbyabgg73x493-top-dev\"),(\"fixed"
	    "\",\"/nix/store/ilghkg8sqnh9275b62zcvsq9kpkym8yl-fixed\"),"
	    "(\"name\",\"top\"),(\"out\",\"/nix/store/yr4sz7drbz2d1nygi"
	    "r17gri33xi5xasf-top\"),(\"outputs\",\"out dev\"),(\"src\","
	    "\"/nix/store/i9pmrzmpshapij2kin22pff6fc2adavx-hello.txt\")"
	    ",(\"system\",\"x86_64-linux\")])";
/* rec_outer/conn-031.bin: escapes in args and env */
static const char router_drv[] =
	    "Derive([(\"out\",\"/nix/store/qnvwq2lcx77871s1mjdiwx1aqw6a"
	    "nzam-router\",\"\",\"\")],[],[\"/nix/store/mzc52d001vhpjj2"
	    "d0kwp44y49hhkw911-proxy.py\"],\"x86_64-linux\",\"/bin/sh\""
	    ",[\"-c\",\"export PATH=/usr/bin:/bin\\nmkdir -p $out/logs\\"
	    "necho \\\"NIX_REMOTE=$NIX_REMOTE\\\" > $out/env.txt\\necho"
	    " \\\"PWD=$PWD TMPDIR=$TMPDIR NIX_BUILD_TOP=$NIX_BUILD_TOP\\"
	    "\" >> $out/env.txt\\nls -la /build >> $out/env.txt\\nsock="
	    "${NIX_REMOTE#unix://}\\necho rbuild > $out/logs/tag\\npyth"
	    "on3 $proxy /build/proxy.sock $sock $out/logs &\\nsleep 1\\"
	    "nexport NIX_REMOTE=unix:///build/proxy.sock\\nh=$(nix-buil"
	    "d --no-out-link -E \\\"$innerExpr\\\")\\necho \\\"built $h"
	    "\\\" >> $out/env.txt\\ncat $h >> $out/env.txt\\necho rpath"
	    "info > $out/logs/tag\\nnix path-info -r --json $h > $out/p"
	    "athinfo.json\\necho rnewbuild > $out/logs/tag\\nnix build "
	    "--no-link --impure --expr \\\"$innerExpr\\\" >> $out/env.t"
	    "xt 2>&1 || true\\necho rlog > $out/logs/tag\\nkill %1\\nln"
	    " -s $h $out/inner\\n\"],[(\"builder\",\"/bin/sh\"),(\"inne"
	    "rExpr\",\"derivation { name = \\\"rinner\\\"; system = \\\""
	    "x86_64-linux\\\"; builder = \\\"/bin/sh\\\"; args = [ \\\""
	    "-c\\\" \\\"echo recursive-hello > $out\\\" ]; }\"),(\"name"
	    "\",\"router\"),(\"out\",\"/nix/store/qnvwq2lcx77871s1mjdiw"
	    "x1aqw6anzam-router\"),(\"proxy\",\"/nix/store/mzc52d001vhp"
	    "jj2d0kwp44y49hhkw911-proxy.py\"),(\"requiredSystemFeatures"
	    "\",\"recursive-nix\"),(\"system\",\"x86_64-linux\")])";
/* bpath/conn-037.bin: three inputSrcs */
static const char bp_drv[] =
	    "Derive([(\"out\",\"/nix/store/l7bscick62gvvd7a7alygq15dr66"
	    "8f3r-bp\",\"\",\"\")],[],[\"/nix/store/7wz9scbj6aygnv6dqhv"
	    "1axhiyjjhi90b-treecopy\",\"/nix/store/fkfvkdi4p5fa2hyyypf3"
	    "q4n0zxif4m1v-flat-hello-sha1\",\"/nix/store/p288gcgdrhsgsm"
	    "8fd60gcvbaw6c8dh2w-flat-hello\"],\"x86_64-linux\",\"/bin/s"
	    "h\",[],[(\"a\",\"/nix/store/p288gcgdrhsgsm8fd60gcvbaw6c8dh"
	    "2w-flat-hello\"),(\"b\",\"/nix/store/7wz9scbj6aygnv6dqhv1a"
	    "xhiyjjhi90b-treecopy\"),(\"builder\",\"/bin/sh\"),(\"c\",\""
	    "/nix/store/fkfvkdi4p5fa2hyyypf3q4n0zxif4m1v-flat-hello-sha"
	    "1\"),(\"name\",\"bp\"),(\"out\",\"/nix/store/l7bscick62gvv"
	    "d7a7alygq15dr668f3r-bp\"),(\"system\",\"x86_64-linux\")])";
/* nix-formats.md 4.6 simple.drv (also inst_simple/conn-008.bin) */
static const char simple_drv[] =
	    "Derive([(\"out\",\"/nix/store/94f9f6i31zwzwbf0kclq1naqxxi4"
	    "c7v9-simple\",\"\",\"\")],[],[],\"x86_64-linux\",\"/bin/sh"
	    "\",[\"-c\",\"echo hello > $out\"],[(\"builder\",\"/bin/sh\""
	    "),(\"name\",\"simple\"),(\"out\",\"/nix/store/94f9f6i31zwz"
	    "wbf0kclq1naqxxi4c7v9-simple\"),(\"system\",\"x86_64-linux\""
	    ")])";
/* nix-formats.md 4.1: recursive fixed output */
static const char hello_drv[] =
	    "Derive([(\"out\",\"/nix/store/i9pmrzmpshapij2kin22pff6fc2a"
	    "davx-hello.txt\",\"r:sha256\",\"1c37d01af40be2e80691de3cc3"
	    "df44377a699afbb17c68f080964b2fd071fc13\")],[],[],\"x86_64-"
	    "linux\",\"/bin/sh\",[],[(\"builder\",\"/bin/sh\"),(\"name\""
	    ",\"hello.txt\"),(\"out\",\"/nix/store/i9pmrzmpshapij2kin22"
	    "pff6fc2adavx-hello.txt\"),(\"outputHash\",\"sha256-HDfQGvQ"
	    "L4ugGkd48w99EN3ppmvuxfGjwgJZLL9Bx/BM=\"),(\"outputHashMode"
	    "\",\"recursive\"),(\"system\",\"x86_64-linux\")])";
/* nix-formats.md 4.6: what hashDerivationModulo hashes */
static const char simple_masked[] =
	    "Derive([(\"out\",\"\",\"\",\"\")],[],[],\"x86_64-linux\",\""
	    "/bin/sh\",[\"-c\",\"echo hello > $out\"],[(\"builder\",\"/"
	    "bin/sh\"),(\"name\",\"simple\"),(\"out\",\"\"),(\"system\""
	    ",\"x86_64-linux\")])";
/* nix-formats.md 4.6: top masked, inputDrvs replaced by hashes */
static const char top_masked[] =
	    "Derive([(\"dev\",\"\",\"\",\"\"),(\"out\",\"\",\"\",\"\")]"
	    ",[(\"62a4eecefc6d76d1d8406946669652519df54d0bfaada6833c914"
	    "9d14d501abb\",[\"out\"]),(\"c3b6d1eebd533918f719647ec10643"
	    "1221274c38fe835ea9cf516b1b1f3aa07f\",[\"out\"])],[\"/nix/s"
	    "tore/i9pmrzmpshapij2kin22pff6fc2adavx-hello.txt\"],\"x86_6"
	    "4-linux\",\"/bin/sh\",[\"-c\",\"export PATH=/usr/bin:/bin;"
	    " mkdir -p $out $dev; cat $dep > $out/dep; cat $fixed > $ou"
	    "t/fixed; cat $src > $out/src; echo $out > $dev/self; ln -s"
	    " $dep $out/deplink\"],[(\"builder\",\"/bin/sh\"),(\"dep\","
	    "\"/nix/store/3p28pr4ny05vqg5xzkd79zs2f98026dd-dep\"),(\"de"
	    "v\",\"\"),(\"fixed\",\"/nix/store/ilghkg8sqnh9275b62zcvsq9"
	    "kpkym8yl-fixed\"),(\"name\",\"top\"),(\"out\",\"\"),(\"out"
	    "puts\",\"out dev\"),(\"src\",\"/nix/store/i9pmrzmpshapij2k"
	    "in22pff6fc2adavx-hello.txt\"),(\"system\",\"x86_64-linux\""
	    ")])";
struct vector {
	const char	*v_path;	/* where real Nix put it */
	const char	*v_text;
	size_t		 v_len;
};

#define VEC(path, text)	{ NIXSTORE path, text, sizeof(text) - 1 }

static const struct vector vectors[] = {
	VEC("3ghsl9sd83mc26i81adpa2fzf3yw4f68-simple.drv", simple_drv),
	VEC("kx3ziwpnp2p9vasz0g4wj1xyjhjv9qzi-hello.txt.drv", hello_drv),
	VEC("mrxa4a30fikzjfh6v2dqn161hf2pzmb8-dep.drv", dep_drv),
	VEC("c757kvbc3hd958dq02iy2irqhq6lvjhq-fixed.drv", fixed_drv),
	VEC("whncnpiv4g514fs8jvrnm1nsmsrwwxg1-top.drv", top_drv),
	VEC("kly4wx9sj2lvkh1kxgjdns7bi2s44nhf-top.drv", top_old_drv),
	VEC("0q0nbl2lmg0mjsb1j3f9n13m8k0ifd43-router.drv", router_drv),
	VEC("zc9rk0qlrmw6wa6a7kqiwwp286znyhrb-bp.drv", bp_drv),
};
#define NVECTORS	(sizeof(vectors) / sizeof(vectors[0]))

static int	nloads;

static void	 hexof(const struct hash *, char *, size_t);
static struct drv *parse_ok(const char *, size_t, const char *);
static char	*unparse_ok(const struct drv *, int, size_t *);
static int	 mem_load(void *, const char *, struct drv **, const char **);
static void	 test_vectors(void);
static void	 test_simple(void);
static void	 test_find(void);
static void	 test_fixed(void);
static void	 test_top(void);
static void	 test_memo(void);
static void	 replace_str(char **, const char *);
static void	 expect_check(struct drv *, const char *, const char *);
static void	 test_check(void);
static void	 test_types(void);
static void	 test_fixed_sha1(void);
static void	 test_escaping(void);
static void	 expect_fail(const char *, size_t, const char *, const char *);
static void	 test_hostile(void);
static void	 test_truncated(void);
static void	 survive(const char *, size_t);
static void	 test_mutations(void);
static void	 test_soup(void);
static char	*repeat_text(const char *, const char *, const char *,
		    size_t);
static void	 test_limits(void);
static int	 chain_load(void *, const char *, struct drv **,
		    const char **);
static void	 test_hasher_errors(void);

static void
hexof(const struct hash *h, char *buf, size_t bufsz)
{
	if (hash_format(h, HASH_ENC_BASE16, 0, buf, bufsz) == -1)
		errx(1, "hash_format failed");
}

static struct drv *
parse_ok(const char *text, size_t len, const char *what)
{
	struct drv	*d;
	const char	*errstr;

	if (drv_parse(STOREDIR, text, len, &d, &errstr) == -1)
		errx(1, "%s: parse: got error \"%s\", expected success",
		    what, errstr);
	return (d);
}

static char *
unparse_ok(const struct drv *d, int mask, size_t *lenp)
{
	const char	*errstr;
	char		*text;

	if (drv_unparse(d, mask, NULL, 0, &text, lenp, &errstr) == -1)
		errx(1, "unparse: %s", errstr);
	return (text);
}

/* Loads input .drvs from the vectors, counting the calls. */
static int
mem_load(void *arg, const char *path, struct drv **dp, const char **errstr)
{
	size_t	i;

	(void)arg;
	nloads++;
	for (i = 0; i < NVECTORS; i++) {
		if (strcmp(vectors[i].v_path, path) == 0)
			return (drv_parse(STOREDIR, vectors[i].v_text,
			    vectors[i].v_len, dp, errstr));
	}
	*errstr = "no such derivation in the test store";
	return (-1);
}

/*
 * Each vector: byte-exact round trip, the .drv path Nix gave it, the
 * output paths Nix wrote in it, and checkDerivationOutputs.
 */
static void
test_vectors(void)
{
	struct drv_hasher	 dh;
	struct drv		*d;
	char			 name[STOREPATH_NAME_MAX + 1];
	char			 path[STOREPATH_MAX], (*outs)[STOREPATH_MAX];
	const char		*errstr;
	char			*text;
	size_t			 i, j, len;

	drv_hasher_init(&dh, STOREDIR, mem_load, NULL);
	for (i = 0; i < NVECTORS; i++) {
		printf("vector %s\n", vectors[i].v_path);
		d = parse_ok(vectors[i].v_text, vectors[i].v_len,
		    vectors[i].v_path);
		text = unparse_ok(d, 0, &len);
		if (len != vectors[i].v_len ||
		    memcmp(text, vectors[i].v_text, len) != 0)
			errx(1, "round trip: got %s, expected %s", text,
			    vectors[i].v_text);
		free(text);
		if (drv_name_from_path(STOREDIR, vectors[i].v_path, name,
		    sizeof(name), &errstr) == -1)
			errx(1, "name: %s", errstr);
		if (drv_store_path(STOREDIR, name, d, path, sizeof(path),
		    &errstr) == -1)
			errx(1, "store path: %s", errstr);
		if (strcmp(path, vectors[i].v_path) != 0)
			errx(1, "drv path: got %s, expected %s", path,
			    vectors[i].v_path);
		if ((outs = calloc(d->d_noutputs, sizeof(*outs))) == NULL)
			err(1, NULL);
		if (drv_output_paths(&dh, name, d, outs, &errstr) == -1)
			errx(1, "output paths: %s", errstr);
		for (j = 0; j < d->d_noutputs; j++) {
			if (strcmp(outs[j], d->d_outputs[j].do_path) != 0)
				errx(1, "output %s: got %s, expected %s",
				    d->d_outputs[j].do_name, outs[j],
				    d->d_outputs[j].do_path);
		}
		free(outs);
		if (drv_check_outputs(&dh, vectors[i].v_path, d,
		    &errstr) == -1)
			errx(1, "check outputs: got \"%s\", expected success",
			    errstr);
		drv_free(d);
	}
	drv_hasher_clear(&dh);
}

static void
test_simple(void)
{
	struct drv_hasher	 dh;
	struct drv		*d;
	struct hash		 h;
	char			 hex[HASH_STR_MAX], *text;
	const char		*errstr;
	size_t			 len;

	printf("simple.drv: masked text and modulo hashes\n");
	d = parse_ok(simple_drv, sizeof(simple_drv) - 1, "simple");
	text = unparse_ok(d, 1, &len);
	if (len != sizeof(simple_masked) - 1 ||
	    memcmp(text, simple_masked, len) != 0)
		errx(1, "masked: got %s, expected %s", text, simple_masked);
	free(text);
	drv_hasher_init(&dh, STOREDIR, mem_load, NULL);
	if (drv_hash_modulo(&dh, "simple", d, 1, &h, &errstr) == -1)
		errx(1, "modulo: %s", errstr);
	hexof(&h, hex, sizeof(hex));
	if (strcmp(hex, "cbd84a88dac33c14a874f676ab17db25"
	    "18d565dc03e891ccf9d4be35138ea813") != 0)
		errx(1, "masked modulo: got %s, expected cbd84a88...", hex);
	if (drv_hash_modulo(&dh, "simple", d, 0, &h, &errstr) == -1)
		errx(1, "modulo: %s", errstr);
	hexof(&h, hex, sizeof(hex));
	if (strncmp(hex, "d00ef3a2", 8) != 0 ||
	    strcmp(hex + 60, "845b") != 0)
		errx(1, "unmasked modulo: got %s, expected d00ef3a2...845b",
		    hex);
	drv_hasher_clear(&dh);
	drv_free(d);
}

/* Every output and env key is found where it is; nothing else is. */
static void
test_find(void)
{
	static const char *const absent[] = { "", "!", "zzzz", "out0",
	    "ou", "~" };
	struct drv	*d;
	char		 key[256];
	size_t		 i, j;

	printf("vectors: drv_find_output and drv_find_env\n");
	for (i = 0; i < NVECTORS; i++) {
		d = parse_ok(vectors[i].v_text, vectors[i].v_len, "find");
		for (j = 0; j < d->d_noutputs; j++)
			if (drv_find_output(d, d->d_outputs[j].do_name) !=
			    (long)j)
				errx(1, "output %s not at %zu",
				    d->d_outputs[j].do_name, j);
		for (j = 0; j < d->d_nenv; j++) {
			if (drv_find_env(d, d->d_env[j].de_key) != (long)j)
				errx(1, "env %s not at %zu",
				    d->d_env[j].de_key, j);
			/* Just after this key, before the next. */
			snprintf(key, sizeof(key), "%s!", d->d_env[j].de_key);
			if (drv_find_env(d, key) != -1)
				errx(1, "env %s: found, expected -1", key);
		}
		for (j = 0; j < sizeof(absent) / sizeof(absent[0]); j++)
			if (drv_find_output(d, absent[j]) != -1 ||
			    drv_find_env(d, absent[j]) != -1)
				errx(1, "\"%s\": found, expected -1",
				    absent[j]);
		drv_free(d);
	}
}

/* Both fixed-output examples: type, modulo hash, output path. */
static void
test_fixed(void)
{
	struct drv_hasher	 dh;
	struct drv_type		 t;
	struct drv		*d;
	struct hash		 h, want;
	char			 hex[HASH_STR_MAX], path[1][STOREPATH_MAX];
	const char		*errstr, *s;

	printf("fixed.drv: modulo hash c3b6d1ee...\n");
	drv_hasher_init(&dh, STOREDIR, mem_load, NULL);
	d = parse_ok(fixed_drv, sizeof(fixed_drv) - 1, "fixed");
	if (drv_type(d, &t, &errstr) == -1 || t.dt_kind != DRV_FIXED ||
	    t.dt_method != CA_FLAT || t.dt_hash.h_algo != HASH_SHA256)
		errx(1, "fixed.drv: type is not fixed flat sha256");
	if (drv_hash_modulo(&dh, "fixed", d, 1, &h, &errstr) == -1)
		errx(1, "modulo: %s", errstr);
	hexof(&h, hex, sizeof(hex));
	if (strcmp(hex, "c3b6d1eebd533918f719647ec1064312"
	    "21274c38fe835ea9cf516b1b1f3aa07f") != 0)
		errx(1, "fixed modulo: got %s, expected c3b6d1ee...", hex);
	drv_free(d);

	printf("hello.txt.drv: recursive fixed output\n");
	d = parse_ok(hello_drv, sizeof(hello_drv) - 1, "hello");
	if (drv_type(d, &t, &errstr) == -1 || t.dt_kind != DRV_FIXED ||
	    t.dt_method != CA_RECURSIVE)
		errx(1, "hello.txt.drv: type is not fixed recursive");
	if (drv_output_paths(&dh, "hello.txt", d, path, &errstr) == -1)
		errx(1, "output paths: %s", errstr);
	if (strcmp(path[0], NIXSTORE "i9pmrzmpshapij2kin22pff6fc2adavx-"
	    "hello.txt") != 0)
		errx(1, "hello.txt: got %s, expected i9pm...", path[0]);
	s = "fixed:out:r:sha256:1c37d01af40be2e80691de3cc3df44377a699afb"
	    "b17c68f080964b2fd071fc13:" NIXSTORE
	    "i9pmrzmpshapij2kin22pff6fc2adavx-hello.txt";
	hash_buf(HASH_SHA256, s, strlen(s), &want);
	if (drv_hash_modulo(&dh, "hello.txt", d, 0, &h, &errstr) == -1)
		errx(1, "modulo: %s", errstr);
	if (memcmp(h.h_bytes, want.h_bytes, 32) != 0)
		errx(1, "hello.txt modulo differs from sha256 of \"%s\"", s);
	drv_free(d);
	drv_hasher_clear(&dh);
}

/* top.drv: its inputs' hashes, the rewritten masked text, paths. */
static void
test_top(void)
{
	struct drv_hasher	 dh;
	struct drv_input	 repl[2];
	struct drv		*d, *dep;
	struct hash		 h;
	char			 hexdep[HASH_STR_MAX], hexfix[HASH_STR_MAX];
	char			 hex[HASH_STR_MAX], *text, *outname = "out";
	char			 outs[2][STOREPATH_MAX];
	const char		*errstr;
	size_t			 len;

	printf("top.drv: inputs, masked text, modulo hash, outputs\n");
	drv_hasher_init(&dh, STOREDIR, mem_load, NULL);
	dep = parse_ok(dep_drv, sizeof(dep_drv) - 1, "dep");
	if (drv_hash_modulo(&dh, "dep", dep, 0, &h, &errstr) == -1)
		errx(1, "dep modulo: %s", errstr);
	hexof(&h, hexdep, sizeof(hexdep));
	if (strcmp(hexdep, "62a4eecefc6d76d1d8406946669652519df54d0bf"
	    "aada6833c9149d14d501abb") != 0)
		errx(1, "dep modulo: got %s, expected 62a4eece...", hexdep);
	drv_free(dep);
	dep = parse_ok(fixed_drv, sizeof(fixed_drv) - 1, "fixed");
	if (drv_hash_modulo(&dh, "fixed", dep, 0, &h, &errstr) == -1)
		errx(1, "fixed modulo: %s", errstr);
	hexof(&h, hexfix, sizeof(hexfix));
	drv_free(dep);

	d = parse_ok(top_drv, sizeof(top_drv) - 1, "top");
	repl[0].di_path = hexdep;
	repl[1].di_path = hexfix;
	repl[0].di_outputs = repl[1].di_outputs = &outname;
	repl[0].di_noutputs = repl[1].di_noutputs = 1;
	if (drv_unparse(d, 1, repl, 2, &text, &len, &errstr) == -1)
		errx(1, "unparse: %s", errstr);
	if (len != sizeof(top_masked) - 1 ||
	    memcmp(text, top_masked, len) != 0)
		errx(1, "top masked: got %s, expected %s", text, top_masked);
	free(text);
	if (drv_hash_modulo(&dh, "top", d, 1, &h, &errstr) == -1)
		errx(1, "top modulo: %s", errstr);
	hexof(&h, hex, sizeof(hex));
	if (strcmp(hex, "1b02fc07beb01af31ce75842e90c5eadb69f68fcc6a7175a"
	    "c67732bc64615a11") != 0)
		errx(1, "top modulo: got %s, expected 1b02fc07...", hex);
	if (drv_output_paths(&dh, "top", d, outs, &errstr) == -1)
		errx(1, "top outputs: %s", errstr);
	if (strcmp(outs[0], NIXSTORE "ywd1v5x5m7x3iawd3dz1gfaj5z9wxk3n-"
	    "top-dev") != 0 || strcmp(outs[1], NIXSTORE
	    "i91hr1ls03vg81a09v8d8h3s6k696mia-top") != 0)
		errx(1, "top outputs: got %s %s, expected ywd1... i91h...",
		    outs[0], outs[1]);
	drv_free(d);
	drv_hasher_clear(&dh);
}

/* Input derivations are loaded once per hasher, however often used. */
static void
test_memo(void)
{
	struct drv_hasher	 dh;
	struct drv		*d;
	struct hash		 h;
	const char		*errstr;
	int			 i;

	printf("memoisation of input derivations\n");
	drv_hasher_init(&dh, STOREDIR, mem_load, NULL);
	d = parse_ok(top_drv, sizeof(top_drv) - 1, "top");
	nloads = 0;
	for (i = 0; i < 3; i++) {
		if (drv_hash_modulo(&dh, "top", d, i % 2, &h, &errstr) == -1)
			errx(1, "modulo: %s", errstr);
	}
	if (nloads != 2)
		errx(1, "loads: got %d, expected 2", nloads);
	drv_hasher_clear(&dh);
	nloads = 0;
	drv_hasher_init(&dh, STOREDIR, mem_load, NULL);
	if (drv_hash_modulo(&dh, "top", d, 1, &h, &errstr) == -1)
		errx(1, "modulo: %s", errstr);
	if (nloads != 2)
		errx(1, "loads after clear: got %d, expected 2", nloads);
	drv_hasher_clear(&dh);
	drv_free(d);
}

static void
replace_str(char **sp, const char *s)
{
	free(*sp);
	if ((*sp = strdup(s)) == NULL)
		err(1, NULL);
}

static void
expect_check(struct drv *d, const char *drvpath, const char *want)
{
	struct drv_hasher	 dh;
	const char		*errstr = NULL;
	int			 rc;

	drv_hasher_init(&dh, STOREDIR, mem_load, NULL);
	rc = drv_check_outputs(&dh, drvpath, d, &errstr);
	drv_hasher_clear(&dh);
	if (rc != -1)
		errx(1, "check outputs: got success, expected \"%s\"", want);
	if (strcmp(errstr, want) != 0)
		errx(1, "check outputs: got \"%s\", expected \"%s\"", errstr,
		    want);
	printf("  refused: %s\n", errstr);
}

static void
test_check(void)
{
	struct drv	*d;
	const char	*sp = NIXSTORE "3ghsl9sd83mc26i81adpa2fzf3yw4f68-"
			    "simple.drv";
	const char	*fp = NIXSTORE "c757kvbc3hd958dq02iy2irqhq6lvjhq-"
			    "fixed.drv";
	const char	*bad = NIXSTORE "00000000000000000000000000000000-"
			    "simple";
	struct hash	 h;
	char		 path[STOREPATH_MAX], msg[1024];

	printf("checkDerivationOutputs refusals\n");
	d = parse_ok(simple_drv, sizeof(simple_drv) - 1, "simple");
	replace_str(&d->d_outputs[0].do_path, bad);
	expect_check(d, sp, "derivation '" NIXSTORE "3ghsl9sd83mc26i81adpa2f"
	    "zf3yw4f68-simple.drv' has incorrect output '" NIXSTORE
	    "00000000000000000000000000000000-simple', should be '" NIXSTORE
	    "94f9f6i31zwzwbf0kclq1naqxxi4c7v9-simple'");
	drv_free(d);

	d = parse_ok(simple_drv, sizeof(simple_drv) - 1, "simple");
	replace_str(&d->d_env[drv_find_env(d, "out")].de_value, bad);
	expect_check(d, sp, "derivation '" NIXSTORE "3ghsl9sd83mc26i81adpa2f"
	    "zf3yw4f68-simple.drv' has incorrect environment variable 'out', "
	    "should be '" NIXSTORE "94f9f6i31zwzwbf0kclq1naqxxi4c7v9-simple'");
	drv_free(d);

	/*
	 * Registered under another name, the outputs are wrong too: the
	 * right one is the published masked hash under the new name.
	 */
	d = parse_ok(simple_drv, sizeof(simple_drv) - 1, "simple");
	h.h_algo = HASH_SHA256;
	h.h_len = 32;
	if (base16_decode("cbd84a88dac33c14a874f676ab17db2518d565dc03e891cc"
	    "f9d4be35138ea813", 64, h.h_bytes, 32) == -1 ||
	    storepath_make_output(STOREDIR, "other", "out", &h, path,
	    sizeof(path)) == -1)
		errx(1, "cannot compute the path of other");
	snprintf(msg, sizeof(msg), "derivation '%s' has incorrect output "
	    "'%s', should be '%s'", NIXSTORE "3ghsl9sd83mc26i81adpa2fzf3yw4f68"
	    "-other.drv", NIXSTORE "94f9f6i31zwzwbf0kclq1naqxxi4c7v9-simple",
	    path);
	expect_check(d, NIXSTORE "3ghsl9sd83mc26i81adpa2fzf3yw4f68-other.drv",
	    msg);
	drv_free(d);

	d = parse_ok(fixed_drv, sizeof(fixed_drv) - 1, "fixed");
	replace_str(&d->d_env[drv_find_env(d, "out")].de_value, "");
	expect_check(d, fp, "derivation '" NIXSTORE "c757kvbc3hd958dq02iy2irq"
	    "hq6lvjhq-fixed.drv' has incorrect environment variable 'out', "
	    "should be '" NIXSTORE "ilghkg8sqnh9275b62zcvsq9kpkym8yl-fixed'");
	replace_str(&d->d_outputs[0].do_path, bad);
	expect_check(d, fp, "derivation '" NIXSTORE "c757kvbc3hd958dq02iy2irq"
	    "hq6lvjhq-fixed.drv' has incorrect output '" NIXSTORE
	    "00000000000000000000000000000000-simple', should be '" NIXSTORE
	    "ilghkg8sqnh9275b62zcvsq9kpkym8yl-fixed'");
	drv_free(d);

	d = parse_ok(simple_drv, sizeof(simple_drv) - 1, "simple");
	replace_str(&d->d_outputs[0].do_path, "");
	expect_check(d, sp, "derivation '" NIXSTORE "3ghsl9sd83mc26i81adpa2f"
	    "zf3yw4f68-simple.drv' has deferred outputs, which are not "
	    "supported");
	expect_check(d, NIXSTORE "3ghsl9sd83mc26i81adpa2fzf3yw4f68-simple",
	    "path '" NIXSTORE "3ghsl9sd83mc26i81adpa2fzf3yw4f68-simple' is "
	    "not a derivation");
	drv_free(d);
}

#define P_SIMPLE	NIXSTORE "94f9f6i31zwzwbf0kclq1naqxxi4c7v9-simple"
#define TAIL_MIN	"\"x86_64-linux\",\"/bin/sh\",[],[]"

static void
test_types(void)
{
	static const struct {
		const char	*tt_text;
		const char	*tt_err;
	} bad[] = {
		{ "Derive([(\"out\",\"\",\"r:sha256\",\"\")],[],[],"
		    TAIL_MIN ")", "floating content-addressed" },
		{ "Derive([(\"out\",\"\",\"sha256\",\"impure\")],[],[],"
		    TAIL_MIN ")", "impure derivations" },
		{ "Derive([(\"dev\",\"\",\"\",\"\"),(\"out\",\"" P_SIMPLE
		    "\",\"\",\"\")],[],[]," TAIL_MIN ")", "can't mix" },
		{ "Derive([(\"dev\",\"" P_SIMPLE "\",\"md5\",\"b1946ac92492d2"
		    "347c6235b4d2611184\"),(\"out\",\"" P_SIMPLE "\",\"md5\","
		    "\"b1946ac92492d2347c6235b4d2611184\")],[],[]," TAIL_MIN
		    ")", "only one fixed output" },
		{ "Derive([(\"dev\",\"" P_SIMPLE "\",\"md5\",\"b1946ac92492d2"
		    "347c6235b4d2611184\")],[],[]," TAIL_MIN ")",
		    "must be named \"out\"" },
	};
	struct drv_hasher	 dh;
	struct drv_type		 t;
	struct drv		*d;
	char			 outs[1][STOREPATH_MAX];
	const char		*errstr;
	size_t			 i;

	printf("derivation types\n");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d = parse_ok(bad[i].tt_text, strlen(bad[i].tt_text), "type");
		if (drv_type(d, &t, &errstr) != -1)
			errx(1, "type of %s: got success, expected \"%s\"",
			    bad[i].tt_text, bad[i].tt_err);
		if (strstr(errstr, bad[i].tt_err) == NULL)
			errx(1, "type: got \"%s\", expected \"%s\"", errstr,
			    bad[i].tt_err);
		printf("  refused: %s\n", errstr);
		drv_free(d);
	}

	/* §4.5: the masked text is the deferred form nix-instantiate fills. */
	d = parse_ok(simple_masked, sizeof(simple_masked) - 1, "deferred");
	if (drv_type(d, &t, &errstr) == -1 || t.dt_kind != DRV_DEFERRED)
		errx(1, "masked simple: type is not deferred");
	drv_hasher_init(&dh, STOREDIR, mem_load, NULL);
	if (drv_output_paths(&dh, "simple", d, outs, &errstr) == -1)
		errx(1, "deferred outputs: %s", errstr);
	if (strcmp(outs[0], P_SIMPLE) != 0)
		errx(1, "deferred outputs: got %s, expected %s", outs[0],
		    P_SIMPLE);
	drv_hasher_clear(&dh);
	drv_free(d);
}

/* Fixed outputs in sha1, flat and recursive (nix-formats.md 2.4c). */
static void
test_fixed_sha1(void)
{
	static const struct {
		const char	*fs_algo;
		const char	*fs_b32;
		const char	*fs_path;
	} cases[] = {
		{ "sha1", "iwjz551fyw0cxcjgf4l6c879zabd6wpm",
		    NIXSTORE "svdva85yi507g9vncgsaxvnd1r808h4w-hello.txt" },
		{ "r:sha1", "wz60bbf44cw7nswp1wv8vcsyfg155sqd",
		    NIXSTORE "hzq8n5jpi3g2d0xhlvqd8q1gx5c9s6i3-hello.txt" },
	};
	struct drv_hasher	 dh;
	struct drv		*d;
	struct hash		 h;
	char			 hex[HASH_STR_MAX], text[1024];
	char			 outs[1][STOREPATH_MAX];
	const char		*errstr;
	size_t			 i;

	drv_hasher_init(&dh, STOREDIR, mem_load, NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		printf("fixed output %s\n", cases[i].fs_algo);
		h.h_algo = HASH_SHA1;
		h.h_len = 20;
		if (base32_decode(cases[i].fs_b32, 32, h.h_bytes, 20) == -1)
			errx(1, "base32_decode failed");
		hexof(&h, hex, sizeof(hex));
		snprintf(text, sizeof(text), "Derive([(\"out\",\"%s\",\"%s\","
		    "\"%s\")],[],[]," TAIL_MIN ")", cases[i].fs_path,
		    cases[i].fs_algo, hex);
		d = parse_ok(text, strlen(text), cases[i].fs_algo);
		if (drv_output_paths(&dh, "hello.txt", d, outs,
		    &errstr) == -1)
			errx(1, "output paths: %s", errstr);
		if (strcmp(outs[0], cases[i].fs_path) != 0)
			errx(1, "%s: got %s, expected %s", cases[i].fs_algo,
			    outs[0], cases[i].fs_path);
		drv_free(d);
	}
	drv_hasher_clear(&dh);
}

/*
 * Every byte but NUL in builder, args, env keys and values: the five
 * specials are escaped, everything else is written raw, and the text
 * parses back to the same strings.
 */
static void
test_escaping(void)
{
	static const char *args[] = { "", "\"", "\\", "\n", "\r", "\t",
	    "a\"b\\c\nd\re\tf", "\xc3\xa9t\xc3\xa9 \xe2\x82\xac" };
	static const char want_args[] = "[\"\",\"\\\"\",\"\\\\\",\"\\n\","
	    "\"\\r\",\"\\t\",\"a\\\"b\\\\c\\nd\\re\\tf\",\"\xc3\xa9t\xc3\xa9 "
	    "\xe2\x82\xac\"]";
	struct drv	*d, *d2;
	char		 all[256], want[600], *text, *text2, *p;
	const char	*errstr;
	size_t		 i, len, len2;

	printf("escaping of every byte\n");
	for (i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	for (i = 1, p = want; i < 256; i++) {
		switch (i) {
		case '"':
		case '\\':
			*p++ = '\\';
			*p++ = (char)i;
			break;
		case '\n':
		case '\r':
		case '\t':
			*p++ = '\\';
			*p++ = i == '\n' ? 'n' : i == '\r' ? 'r' : 't';
			break;
		default:
			*p++ = (char)i;
			break;
		}
	}
	*p = '\0';
	if ((d = drv_new()) == NULL)
		err(1, NULL);
	if (drv_add_output(d, "out", P_SIMPLE, "", "", &errstr) == -1 ||
	    drv_set_platform(d, "x86_64-linux", &errstr) == -1 ||
	    drv_set_builder(d, all, &errstr) == -1 ||
	    drv_add_env(d, "", "", &errstr) == -1 ||
	    drv_add_env(d, "k\"\\\n\r\t", all, &errstr) == -1 ||
	    drv_add_env(d, "out", P_SIMPLE, &errstr) == -1)
		errx(1, "build: %s", errstr);
	for (i = 0; i < sizeof(args) / sizeof(args[0]); i++)
		if (drv_add_arg(d, args[i], &errstr) == -1)
			errx(1, "build: %s", errstr);
	if (drv_validate(STOREDIR, d, &errstr) == -1)
		errx(1, "validate: %s", errstr);
	text = unparse_ok(d, 0, &len);
	if (strstr(text, want_args) == NULL)
		errx(1, "args: got %s, expected %s inside", text, want_args);
	if (strncmp(strstr(text, ",\"x86_64-linux\",\"") + 17, want,
	    strlen(want)) != 0)
		errx(1, "builder not escaped as expected in %s", text);
	if (strstr(text, "(\"k\\\"\\\\\\n\\r\\t\",\"") == NULL ||
	    strstr(text, "(\"\",\"\")") == NULL)
		errx(1, "env keys not escaped as expected in %s", text);
	d2 = parse_ok(text, len, "escaped");
	if (strcmp(d2->d_builder, all) != 0 ||
	    strcmp(d2->d_env[1].de_value, all) != 0 ||
	    strcmp(d2->d_env[1].de_key, "k\"\\\n\r\t") != 0)
		errx(1, "escaped strings did not read back");
	for (i = 0; i < sizeof(args) / sizeof(args[0]); i++)
		if (strcmp(d2->d_args[i], args[i]) != 0)
			errx(1, "arg %zu did not read back", i);
	text2 = unparse_ok(d2, 0, &len2);
	if (len != len2 || memcmp(text, text2, len) != 0)
		errx(1, "second round trip differs");
	free(text);
	free(text2);
	drv_free(d);
	drv_free(d2);
}

static void
expect_fail(const char *text, size_t len, const char *want, const char *what)
{
	struct drv	*d;
	const char	*errstr = NULL;

	if (drv_parse(STOREDIR, text, len, &d, &errstr) != -1)
		errx(1, "%s: got success, expected \"%s\"", what, want);
	if (d != NULL)
		errx(1, "%s: failed parse left a derivation", what);
	if (errstr == NULL || strstr(errstr, want) == NULL)
		errx(1, "%s: got \"%s\", expected \"%s\"", what,
		    errstr == NULL ? "(null)" : errstr, want);
}

/* Pieces of small derivations for the hostile corpus. */
#define H_A	"00000000000000000000000000000000"
#define H_B	"11111111111111111111111111111111"
#define OUT(n)	"(\"" n "\",\"" NIXSTORE H_A "-x-" n "\",\"\",\"\")"
#define SRC(h)	"\"" NIXSTORE h "-src\""
#define IN(h, o) "(\"" NIXSTORE h "-d.drv\",[" o "])"
#define D(outs, ins, srcs, env) \
	"Derive([" outs "],[" ins "],[" srcs "],\"x86_64-linux\"," \
	"\"/bin/sh\",[\"-c\",\"a\"],[" env "])"
#define ENV(k, v) "(\"" k "\",\"" v "\")"
#define GOOD	D(OUT("out"), IN(H_A, "\"out\""), SRC(H_A), ENV("a", "b"))

static void
test_hostile(void)
{
	static const struct {
		const char	*hc_text;
		size_t		 hc_len;
		const char	*hc_err;
	} cases[] = {
#define C(text, err)	{ text, sizeof(text) - 1, err }
		C("", "expected 'Derive(['"),
		C("Derive([", "unexpected end of text in list"),
		C("Derive( [", "expected 'Derive(['"),
		C("derive([", "expected 'Derive(['"),
		C("Derive([(\"out\", \"\",\"\",\"\")", "expected '\"'"),
		C("Derive([(out\",\"\",\"\",\"\")", "expected '\"'"),
		C("Derive([(\"out", "unterminated string"),
		C("Derive([(\"out\",\"\",\"\",\"\")],[],[],\"x\",\"/bin/sh\\",
		    "unterminated string"),
		C("Derive([(\"out\",\"\",\"\",\"\")],[],[],\"x\",\"/bin/sh\\\"",
		    "unterminated string"),
		C(D(OUT("out"), "", "", ENV("a", "b\\a")), "bad escape"),
		C(D(OUT("out"), "", "", ENV("a", "b\\")),
		    "unterminated string"),
		C(D("(\"o\\\"ut\",\"\",\"\",\"\")", "", "", ""), "backslash"),
		C(D(OUT("out"), "", "", ENV("a", "b\nc")),
		    "unescaped control character"),
		C(D(OUT("out"), "", "", ENV("a", "b\tc")),
		    "unescaped control character"),
		C(D(OUT("out"), "", "", ENV("a", "b\0c")), "NUL byte"),
		C(D(OUT("out") "," OUT("dev"), "", "", ""),
		    "outputs not sorted"),
		C(D(OUT("out") "," OUT("out"), "", "", ""),
		    "outputs not sorted"),
		C(D(OUT("out"), "", "", ENV("b", "") "," ENV("a", "")),
		    "env not sorted"),
		C(D(OUT("out"), "", "", ENV("a", "1") "," ENV("a", "2")),
		    "env not sorted"),
		C(D(OUT("out"), "", "\"nix/store/" H_A "-src\"", ""),
		    "bad path"),
		C(D(OUT("out"), "", "\"\"", ""), "bad path"),
		C(D(OUT("out"), "", "\"" NIXSTORE "0000000000000000000000000000"
		    "000e-src\"", ""), "bad store path"),
		C(D(OUT("out"), "", "\"" NIXSTORE H_A "\"", ""),
		    "bad store path"),
		C(D(OUT("out"), "", "\"/gnu/store/" H_A "-src\"", ""),
		    "bad store path"),
		C(D(OUT("out"), "", "\"" NIXSTORE H_A "-h\xc3\xa9llo\"", ""),
		    "bad store path"),
		C(D(OUT("out"), "", "\"" NIXSTORE H_A "-src/sub\"", ""),
		    "bad store path"),
		C(D(OUT("out"), "", SRC(H_B) "," SRC(H_A), ""),
		    "inputSrcs not sorted"),
		C(D(OUT("out"), "", SRC(H_A) "," SRC(H_A), ""),
		    "inputSrcs not sorted"),
		C(D(OUT("out"), "(\"" NIXSTORE H_A "-d\",[\"out\"])", "", ""),
		    "does not end in .drv"),
		C(D(OUT("out"), IN(H_A, ""), "", ""), "with no outputs"),
		C(D(OUT("out"), IN(H_A, "\"out\",\"dev\""), "", ""),
		    "inputDrv outputs not sorted"),
		C(D(OUT("out"), IN(H_A, "\"o t\""), "", ""),
		    "bad output name"),
		C(D(OUT("out"), IN(H_B, "\"out\"") "," IN(H_A, "\"out\""),
		    "", ""), "inputDrvs not sorted"),
		C(D(OUT("out"), IN(H_A, "\"out\"") "," IN(H_A, "\"dev\""),
		    "", ""), "inputDrvs not sorted"),
		C(GOOD "\n", "trailing bytes"),
		C(GOOD ")", "trailing bytes"),
		C("Derive([[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "expected '('"),
		C("Derive([((((((((((((((((((((((((((((((", "expected '\"'"),
		C(D(OUT("dev") OUT("out"), "", "", ""),
		    "expected ',' or ']'"),
		C(D("," OUT("out"), "", "", ""), "expected '('"),
		C(D(OUT("out") ",", "", "", ""), "expected '('"),
		C(D(OUT("out"), "", SRC(H_A) SRC(H_B), ""),
		    "expected ',' or ']'"),
		C(D("(\"out\",\"" NIXSTORE H_A "-x\",\"sha256\",\"5891B5B522D5"
		    "DF086D0FF0B110FBD9D21BB4FC7163AF34D08286A2E846F6BE03\")",
		    "", "", ""), "lowercase base16"),
		C(D("(\"out\",\"" NIXSTORE H_A "-x\",\"sha256\",\"00xyyr3fi8l6"
		    "hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq\")", "", "", ""),
		    "lowercase base16"),
		C(D("(\"out\",\"" NIXSTORE H_A "-x\",\"\",\"abc\")", "", "",
		    ""), "hash but no hashAlgo"),
		C(D("(\"out\",\"" NIXSTORE H_A "-x\",\"sha3\",\"abc\")", "",
		    "", ""), "unknown hashAlgo"),
		C(D("(\"out\",\"" NIXSTORE H_A "-x\",\"r:r:sha1\",\"abc\")",
		    "", "", ""), "unknown hashAlgo"),
		C(D("(\"out\",\"" NIXSTORE H_A "-x\",\"r:sha256\",\"\")", "",
		    "", ""), "has a path but no hash"),
		C(D("(\"out\",\"\",\"md5\",\"b1946ac92492d2347c6235b4d2611184"
		    "\")", "", "", ""), "bad path"),
		C(D("", "", "", ""), "no outputs"),
		C(D("(\"o ut\",\"\",\"\",\"\")", "", "", ""),
		    "bad output name"),
		C(D("(\"\",\"\",\"\",\"\")", "", "", ""), "bad output name"),
		C(D("(\"\xc3\xa9\",\"\",\"\",\"\")", "", "", ""),
		    "bad output name"),
		C("Derive([" OUT("out") "],[],[],\"x\\\"\",\"b\",[],[])",
		    "backslash"),
		C("Derive([" OUT("out") "],[],[],\"x\"\",\"b\",[],[])",
		    "expected ','"),
		C("Derive([" OUT("out") "],[],[],\"x\",\"b\",[],[]",
		    "expected ')'"),
		C("Derive([" OUT("out") "],[],[],\"x\",\"b\",[],[]),",
		    "trailing bytes"),
		C("Derive([" OUT("out") "],[],[],\"x\",\"b\",[]],[])",
		    "expected ',['"),
#undef C
	};
	struct drv	*d;
	char		 what[32];
	size_t		 i;

	printf("hostile corpus: %zu texts\n", sizeof(cases) / sizeof(cases[0]));
	d = parse_ok(GOOD, sizeof(GOOD) - 1, "good");
	drv_free(d);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(what, sizeof(what), "hostile case %zu", i);
		expect_fail(cases[i].hc_text, cases[i].hc_len,
		    cases[i].hc_err, what);
	}
	/* Non-ASCII in escaped strings is data, not an error. */
	d = parse_ok(D(OUT("out"), "", "", ENV("\xc3\xa9", "\xff\xfe")),
	    sizeof(D(OUT("out"), "", "", ENV("\xc3\xa9", "\xff\xfe"))) - 1,
	    "utf-8");
	drv_free(d);
}

/* No prefix of a valid derivation is one. */
static void
test_truncated(void)
{
	size_t	i, len;
	char	what[64];

	printf("truncations of every vector at every offset\n");
	for (i = 0; i < NVECTORS; i++) {
		for (len = 0; len < vectors[i].v_len; len++) {
			snprintf(what, sizeof(what), "vector %zu cut at %zu",
			    i, len);
			expect_fail(vectors[i].v_text, len, "derivation", what);
		}
	}
}

/* Whatever text is accepted must print back to the same bytes. */
static void
survive(const char *text, size_t len)
{
	struct drv	*d;
	const char	*errstr;
	char		*out;
	size_t		 outlen;

	if (drv_parse(STOREDIR, text, len, &d, &errstr) == -1) {
		if (errstr == NULL || errstr[0] == '\0')
			errx(1, "parse failed without a message");
		return;
	}
	out = unparse_ok(d, 0, &outlen);
	if (outlen != len || memcmp(out, text, len) != 0)
		errx(1, "accepted text does not round trip: %.*s", (int)len,
		    text);
	free(out);
	drv_free(d);
}

/* Every single-byte change, deletion and insertion of every vector. */
static void
test_mutations(void)
{
	static const char	 bytes[] = "\"\\,[]()\0a/-\n\xff";
	char			*buf;
	size_t			 i, off, b, len, n = 0;

	printf("mutations of every vector\n");
	for (i = 0; i < NVECTORS; i++) {
		len = vectors[i].v_len;
		if ((buf = malloc(len + 1)) == NULL)
			err(1, NULL);
		for (off = 0; off < len; off++) {
			for (b = 0; b < sizeof(bytes) - 1; b++) {
				memcpy(buf, vectors[i].v_text, len);
				buf[off] = bytes[b];
				survive(buf, len);
				memcpy(buf, vectors[i].v_text, off);
				buf[off] = bytes[b];
				memcpy(buf + off + 1, vectors[i].v_text + off,
				    len - off);
				survive(buf, len + 1);
				n += 2;
			}
			memcpy(buf, vectors[i].v_text, off);
			memcpy(buf + off, vectors[i].v_text + off + 1,
			    len - off - 1);
			survive(buf, len - 1);
			n++;
		}
		free(buf);
	}
	printf("  %zu mutated texts survived\n", n);
}

/* Random strings of grammar tokens, from a fixed seed. */
static void
test_soup(void)
{
	static const char *tokens[] = { "Derive(", "[", "]", "(", ")", ",",
	    "\"", "\\", "\"out\"", "\"\"", "\"" NIXSTORE H_A "-x\"",
	    "\"" NIXSTORE H_A "-d.drv\"", "\"sha256\"", "\"r:sha1\"",
	    "\"0123456789abcdef0123456789abcdef01234567\"", "\"x86_64-linux\"",
	    "Derive([", "],[", ",[", "\\n", "\\\"", "\0", "\xff", "])" };
	char		buf[512];
	unsigned int	seed = 0x9e3779b9;
	size_t		i, len, t;
	int		ntok, k;

	printf("token soup\n");
	for (i = 0; i < 100000; i++) {
		len = 0;
		ntok = 1 + (int)(i % 40);
		for (k = 0; k < ntok; k++) {
			seed ^= seed << 13;
			seed ^= seed >> 17;
			seed ^= seed << 5;
			t = seed % (sizeof(tokens) / sizeof(tokens[0]));
			/* "\0" is one byte, not an empty string. */
			if (tokens[t][0] == '\0') {
				buf[len++] = '\0';
				continue;
			}
			if (len + strlen(tokens[t]) >= sizeof(buf))
				break;
			memcpy(buf + len, tokens[t], strlen(tokens[t]));
			len += strlen(tokens[t]);
		}
		survive(buf, len);
	}
}

/* prefix item,item,...(n times) suffix */
static char *
repeat_text(const char *prefix, const char *item, const char *suffix,
    size_t n)
{
	char	*text, *p;
	size_t	 i, ilen = strlen(item);

	if ((text = malloc(strlen(prefix) + n * (ilen + 1) +
	    strlen(suffix) + 1)) == NULL)
		err(1, NULL);
	p = stpcpy(text, prefix);
	for (i = 0; i < n; i++) {
		if (i > 0)
			*p++ = ',';
		memcpy(p, item, ilen);
		p += ilen;
	}
	strcpy(p, suffix);
	return (text);
}

static void
test_limits(void)
{
	static const struct {
		const char	*lc_prefix;
		const char	*lc_item;
		const char	*lc_suffix;
		size_t		 lc_max;
	} cases[] = {
		{ "Derive([", OUT("out"), "],[],[],\"x\",\"b\",[],[])",
		    DRV_OUTPUTS_MAX },
		{ "Derive([" OUT("out") "],[", IN(H_A, "\"out\""),
		    "],[],\"x\",\"b\",[],[])", DRV_INPUTS_MAX },
		{ "Derive([" OUT("out") "],[(\"" NIXSTORE H_A "-d.drv\",[",
		    "\"out\"", "])],[],\"x\",\"b\",[],[])",
		    DRV_INPUT_OUTPUTS_MAX },
		{ "Derive([" OUT("out") "],[],[", SRC(H_A),
		    "],\"x\",\"b\",[],[])", DRV_SRCS_MAX },
		{ "Derive([" OUT("out") "],[],[],\"x\",\"b\",[", "\"\"",
		    "],[])", DRV_ARGS_MAX },
		{ "Derive([" OUT("out") "],[],[],\"x\",\"b\",[],[",
		    ENV("a", ""), "])", DRV_ENV_MAX },
	};
	struct drv	*d;
	char		*text;
	const char	*errstr;
	size_t		 i;

	printf("limits\n");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		text = repeat_text(cases[i].lc_prefix, cases[i].lc_item,
		    cases[i].lc_suffix, cases[i].lc_max + 1);
		expect_fail(text, strlen(text), "more than", "limit");
		free(text);
		text = repeat_text(cases[i].lc_prefix, cases[i].lc_item,
		    cases[i].lc_suffix, cases[i].lc_max);
		if (drv_parse(STOREDIR, text, strlen(text), &d, &errstr) ==
		    0)
			drv_free(d);
		else if (strstr(errstr, "more than") != NULL)
			errx(1, "limit %zu: refused at the limit: %s",
			    cases[i].lc_max, errstr);
		free(text);
	}

	/* A string of DRV_STRING_MAX bytes passes, one more does not. */
	if ((text = malloc(DRV_STRING_MAX + 200)) == NULL)
		err(1, NULL);
	i = (size_t)snprintf(text, 200, "Derive([" OUT("out") "],[],[],"
	    "\"x\",\"b\",[],[(\"a\",\"");
	memset(text + i, 'v', DRV_STRING_MAX);
	memcpy(text + i + DRV_STRING_MAX, "\")])", 4);
	d = parse_ok(text, i + DRV_STRING_MAX + 4, "longest string");
	drv_free(d);
	memset(text + i, 'v', DRV_STRING_MAX + 1);
	memcpy(text + i + DRV_STRING_MAX + 1, "\")])", 4);
	expect_fail(text, i + DRV_STRING_MAX + 5, "string longer", "long");
	free(text);

	if ((text = malloc(DRV_TEXT_MAX + 1)) == NULL)
		err(1, NULL);
	memset(text, ' ', DRV_TEXT_MAX + 1);
	expect_fail(text, DRV_TEXT_MAX + 1, "text longer", "text");
	free(text);
}

/*
 * Synthetic input derivations "cN.drv": mode 0 chains each to the
 * next, without end; mode 1 makes c1 need c0 again; mode 2 wants
 * output "dev" of c1, which has only "out" and no inputs.
 */
static int
chain_load(void *arg, const char *path, struct drv **dp, const char **errstr)
{
	const int	*mode = arg;
	char		 text[512];
	int		 n, next;

	if (sscanf(path, NIXSTORE H_A "-c%d.drv", &n) != 1)
		errx(1, "chain_load: unexpected path %s", path);
	next = *mode == 1 ? (n + 1) % 2 : n + 1;
	if (*mode == 2 && n > 0)
		snprintf(text, sizeof(text), "Derive([(\"out\",\"\",\"\","
		    "\"\")],[],[],\"x\",\"b\",[],[])");
	else
		snprintf(text, sizeof(text), "Derive([(\"out\",\"\",\"\","
		    "\"\")],[(\"" NIXSTORE H_A "-c%d.drv\",[\"%s\"])],[],"
		    "\"x\",\"b\",[],[])", next, *mode == 2 ? "dev" : "out");
	return (drv_parse(STOREDIR, text, strlen(text), dp, errstr));
}

static void
test_hasher_errors(void)
{
	static const char	*want[] = { "nested deeper than",
	    "cycle in inputDrvs through", "has no output 'dev'" };
	struct drv_hasher	 dh;
	struct drv		*d;
	struct hash		 h;
	const char		*errstr;
	int			 mode;

	printf("hasher errors\n");
	for (mode = 0; mode < 3; mode++) {
		drv_hasher_init(&dh, STOREDIR, chain_load, &mode);
		if (chain_load(&mode, NIXSTORE H_A "-c0.drv", &d,
		    &errstr) == -1)
			errx(1, "chain: %s", errstr);
		if (drv_hash_modulo(&dh, "c0", d, 1, &h, &errstr) != -1)
			errx(1, "mode %d: got success, expected \"%s\"", mode,
			    want[mode]);
		if (strstr(errstr, want[mode]) == NULL)
			errx(1, "mode %d: got \"%s\", expected \"%s\"", mode,
			    errstr, want[mode]);
		printf("  refused: %s\n", errstr);
		drv_hasher_clear(&dh);
		drv_free(d);
	}
	drv_hasher_init(&dh, STOREDIR, mem_load, NULL);
	d = parse_ok(GOOD, sizeof(GOOD) - 1, "good");
	if (drv_hash_modulo(&dh, "good", d, 1, &h, &errstr) != -1 ||
	    strstr(errstr, "no such derivation") == NULL)
		errx(1, "missing input: got \"%s\", expected the loader's "
		    "error", errstr);
	drv_hasher_clear(&dh);
	drv_free(d);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_vectors();
	test_simple();
	test_find();
	test_fixed();
	test_top();
	test_memo();
	test_check();
	test_types();
	test_fixed_sha1();
	test_escaping();
	test_hostile();
	test_truncated();
	test_mutations();
	test_soup();
	test_limits();
	test_hasher_errors();
	printf("ok\n");
	return (0);
}
