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
 * storeproc's build handlers, driven through a real imsg channel in one
 * process (this program plays builderproc): QUERY_DRV, QUERY_CLOSURE,
 * BUILD_OUTPUTS from a scratch build root, BUILD_LOG.  NAR hashes are
 * checked against nix-hash, fixed-output hashes against nix hash,
 * references against a plain search of the NAR, and the log against
 * what the real nix-store -l reads from the same store.
 */
/* link: storeproc/store_build.c storeproc/store_buildlog.c */
/* link: storeproc/store_add.c storeproc/store_canon.c */
/* link: storeproc/store_check.c */
/* link: storeproc/store_db.c storeproc/store_gc.c storeproc/store_nar.c */
/* link: storeproc/store_query.c storeproc/store_util.c */
/* link: regress/storeproc/storetest.c */
#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "log.h"
#include "msg_store.h"
#include "nar.h"
#include "storepath.h"
#include "storetest.h"
#include "../../storeproc/storeproc.h"
#include "../../storeproc/store_db.h"

struct reply {
	int			 r_done;
	uint32_t		 r_type;
	char			*r_text;
	char			*r_drv;
	size_t			 r_drvlen;
	char			**r_paths;
	size_t			 r_npaths;
	struct msg_build_result	 r_res;
};

static struct reply	 R;
static char		 logdir[300], rootdir[700], nixenv[1400];
static uint32_t		 next_sid = 1;
static int		 have_nix;
static char		 drv[STOREPATH_MAX];	/* a real .drv */
static char		 input[STOREPATH_MAX];	/* a valid input */

static void
reply_reset(void)
{
	free(R.r_text);
	free(R.r_drv);
	wire_strings_free(R.r_paths, R.r_npaths);
	msg_build_result_free(&R.r_res);
	memset(&R, 0, sizeof(R));
}

static int
client_dispatch(struct imsgev *iev, struct imsg *imsg)
{
	const char	*e = NULL;
	int		 rc = 0;

	(void)iev;
	switch (imsg_get_type(imsg)) {
	case IMSG_STORE_DRV:
		rc = msg_recv_drv(imsg, &R.r_drv, &R.r_drvlen, &e);
		break;
	case IMSG_STORE_BUILD_RESULT:
		rc = msg_recv_build_result(imsg, storedir, &R.r_res, &e);
		break;
	default:
		rc = st_recv_reply(imsg, &R.r_text, &R.r_paths, &R.r_npaths,
		    &e);
	}
	st_reply_done(imsg, rc, e, &R.r_type, &R.r_done);
	return (0);
}

static int
store_dispatch(struct imsgev *iev, struct imsg *imsg)
{
	(void)iev;
	switch (imsg_get_type(imsg)) {
	case IMSG_STORE_QUERY_DRV: store_handle_query_drv(imsg); break;
	case IMSG_STORE_QUERY_CLOSURE: store_handle_query_closure(imsg); break;
	case IMSG_STORE_BUILD_OUTPUTS: store_handle_build_outputs(imsg); break;
	case IMSG_STORE_BUILD_LOG: store_handle_build_log(imsg); break;
	default:
		errx(1, "store got %s", imsg_type_name(imsg_get_type(imsg)));
	}
	return (0);
}

static void
wait_reply(void)
{
	st_wait(&R.r_done);
}

static void
expect_type(uint32_t type, const char *what)
{
	st_expect_type(R.r_type, R.r_text, type, what);
}

static void
run(const char *fmt, ...) __attribute__((__format__(printf, 1, 2)));

static void
run(const char *fmt, ...)
{
	va_list	ap;
	char	cmd[4096];

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		errx(1, "%s: failed", cmd);
}

/* First line of a command's output. */
static void
capture(char *out, size_t outsz, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));

static void
capture(char *out, size_t outsz, const char *fmt, ...)
{
	va_list	 ap;
	char	 cmd[4096];
	FILE	*p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if ((p = popen(cmd, "r")) == NULL || fgets(out, outsz, p) == NULL)
		errx(1, "%s: no output", cmd);
	if (pclose(p) != 0)
		errx(1, "%s: failed", cmd);
	out[strcspn(out, "\n")] = '\0';
}

static void
setup(void)
{
	st_setup("t_build", store_dispatch, client_dispatch, NULL);
	snprintf(logdir, sizeof(logdir), "%s/nix/var/log/nix", top);
	snprintf(rootdir, sizeof(rootdir), "%s/root%s", top, storedir);
	run("mkdir -p %s %s", logdir, rootdir);
	snprintf(nixenv, sizeof(nixenv), "NIX_STORE_DIR=%s NIX_STATE_DIR=%s "
	    "NIX_LOG_DIR=%s NIX_CONF_DIR=%s NIX_REMOTE= ", storedir, statedir,
	    logdir, top);
	if (store_buildlog_init(logdir, 0) == -1)
		err(1, "store_buildlog_init");
	have_nix = system("nix-hash --version >/dev/null 2>&1 && "
	    "nix-instantiate --version >/dev/null 2>&1") == 0;
}

/* A file registered directly, as a valid input. */
static void
add_input(const char *name, const char *text, char *path, size_t pathsz,
    char **refs, size_t nrefs)
{
	struct hash	h;

	hash_buf(HASH_SHA256, name, strlen(name), &h);
	storepath_make(storedir, "source", &h, name, path, pathsz);
	st_register(path, text, NULL, refs, nrefs);
}

static void
test_query_drv(void)
{
	char	*text;
	size_t	 len;

	if (!have_nix) {
		printf("QUERY_DRV: skipped, no nix-instantiate\n");
		return;
	}
	printf("QUERY_DRV: a .drv made by nix-instantiate\n");
	run("printf 'derivation { name = \"foo\"; system = \"x86_64-linux\"; "
	    "builder = \"/bin/sh\"; args = [\"-c\" \"echo hi > $out\"]; }' "
	    "> %s/a.nix", top);
	capture(drv, sizeof(drv), "%s nix-instantiate %s/a.nix 2>/dev/null",
	    nixenv, top);
	reply_reset();
	msg_send_path(&ib_client, IMSG_STORE_QUERY_DRV, next_sid++, drv, -1);
	wait_reply();
	expect_type(IMSG_STORE_DRV, "query drv");
	if (store_read_file(AT_FDCWD, drv, 1 << 20, &text, &len,
	    (const char **)&R.r_text) == -1)
		errx(1, "read %s", drv);
	if (len != R.r_drvlen || memcmp(text, R.r_drv, len) != 0)
		errx(1, "query drv: got %zu bytes, expected %zu", R.r_drvlen,
		    len);
	free(text);
	printf("QUERY_DRV: a path that is not valid, not a .drv\n");
	reply_reset();
	msg_send_path(&ib_client, IMSG_STORE_QUERY_DRV, next_sid++, input,
	    -1);
	wait_reply();
	expect_type(IMSG_STORE_ERROR, "query non-drv");
	if (strstr(R.r_text, "is not a derivation") == NULL)
		errx(1, "query non-drv: got %s", R.r_text);
}

/* QUERY_CLOSURE of one path, answered in R. */
static void
query_closure(char *path)
{
	reply_reset();
	msg_send_paths(&ib_client, IMSG_STORE_QUERY_CLOSURE, next_sid++,
	    &path, 1);
	wait_reply();
}

static void
test_closure(void)
{
	char	a[STOREPATH_MAX], b[STOREPATH_MAX], c[STOREPATH_MAX];
	char	*refs[2];

	printf("QUERY_CLOSURE: a chain a -> b -> c, sorted\n");
	add_input("c", "c", c, sizeof(c), NULL, 0);
	refs[0] = c;
	add_input("b", c, b, sizeof(b), refs, 1);
	refs[0] = b;
	refs[1] = a;
	add_input("a", b, a, sizeof(a), refs, 1);
	query_closure(a);
	expect_type(IMSG_STORE_PATHS, "closure");
	if (R.r_npaths != 3 || strcmp(R.r_paths[0], R.r_paths[1]) >= 0 ||
	    strcmp(R.r_paths[1], R.r_paths[2]) >= 0)
		errx(1, "closure: got %zu paths, expected 3 sorted",
		    R.r_npaths);
	printf("QUERY_CLOSURE: a path that is not valid\n");
	snprintf(b, sizeof(b), "%s/00000000000000000000000000000000-x",
	    storedir);
	query_closure(b);
	expect_type(IMSG_STORE_ERROR, "closure of invalid");
}

/*
 * Builds.
 */
struct out {
	const char	*name;
	char		 path[STOREPATH_MAX];
	const char	*algo;
	char		 hash[HASH_STR_MAX];
};

static uint64_t	build_id;

static void
do_build(const char *drvpath, struct out *outs, size_t nouts, char **refs,
    size_t nrefs)
{
	struct msg_build		mb;
	struct msg_build_output		mbo[4];
	size_t				i;
	int				fd;

	memset(&mb, 0, sizeof(mb));
	for (i = 0; i < nouts; i++) {
		mbo[i].mbo_name = (char *)outs[i].name;
		mbo[i].mbo_path = outs[i].path;
		mbo[i].mbo_algo = (char *)(outs[i].algo ? outs[i].algo : "");
		mbo[i].mbo_hash = outs[i].algo ? outs[i].hash : "";
	}
	mb.mb_drv = (char *)drvpath;
	mb.mb_id = ++build_id;
	mb.mb_uid = getuid();
	mb.mb_outputs = mbo;
	mb.mb_noutputs = nouts;
	mb.mb_refs = refs;
	mb.mb_nrefs = nrefs;
	if ((fd = open(rootdir, O_RDONLY | O_DIRECTORY)) == -1)
		err(1, "%s", rootdir);
	reply_reset();
	if (msg_send_build_outputs(&ib_client, next_sid++, &mb, fd) == -1)
		errx(1, "msg_send_build_outputs");
	wait_reply();
	expect_type(IMSG_STORE_BUILD_RESULT, "build");
}

/* An input-addressed output path for drv name and output. */
static void
ia_path(const char *drvname, const char *outname, char *out, size_t outsz)
{
	struct hash	h;

	hash_buf(HASH_SHA256, drvname, strlen(drvname), &h);
	storepath_make_output(storedir, drvname, outname, &h, out, outsz);
}

static void
fake_drv(const char *name, char *out, size_t outsz)
{
	struct hash	h;
	char		n[256];

	snprintf(n, sizeof(n), "%s.drv", name);
	hash_buf(HASH_SHA256, name, strlen(name), &h);
	storepath_make_text(storedir, n, &h, NULL, 0, out, outsz);
}

/* Where the builder writes an output: the root's store dir. */
static void
root_path(const char *path, const char *sub, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s/%s%s", rootdir, path + strlen(storedir) + 1,
	    sub);
}

static void
expect_failed(const char *text, const struct out *outs, size_t nouts,
    const char *what)
{
	struct stat	st;
	size_t		i;

	if (R.r_res.mbr_error == NULL)
		errx(1, "%s: succeeded", what);
	if (strcmp(R.r_res.mbr_error, text) != 0)
		errx(1, "%s: got \"%s\", expected \"%s\"", what,
		    R.r_res.mbr_error, text);
	for (i = 0; i < nouts; i++) {
		if (store_is_valid(outs[i].path, (const char **)&R.r_text) != 0)
			errx(1, "%s: %s registered", what, outs[i].path);
		if (lstat(outs[i].path, &st) == 0)
			errx(1, "%s: %s left in the store", what, outs[i].path);
	}
	st_expect_no_temp(what);
}

/*
 * The registered info against the files: narHash (nix-hash), narSize,
 * and the references a plain search of the NAR finds among cands.
 */
static void
check_info(const struct wire_path_info *pi, char **cands, size_t ncands)
{
	struct st_buf	 b;
	size_t		 i, n = 0, skip = strlen(storedir) + 1;

	st_nar_of(pi->pi_path, &b);
	if (pi->pi_narsize != b.b_len)
		errx(1, "%s: narSize %llu, expected %zu", pi->pi_path,
		    (unsigned long long)pi->pi_narsize, b.b_len);
	for (i = 0; i < ncands; i++) {
		if (memmem(b.b_data, b.b_len, cands[i] + skip, 32) == NULL)
			continue;
		if (n >= pi->pi_nrefs || strcmp(pi->pi_refs[n], cands[i]) != 0)
			errx(1, "%s: reference %s not registered", pi->pi_path,
			    cands[i]);
		n++;
	}
	if (n != pi->pi_nrefs)
		errx(1, "%s: %zu references, the NAR holds %zu", pi->pi_path,
		    pi->pi_nrefs, n);
	free(b.b_data);
	st_check_nixhash(pi->pi_path, pi->pi_narhash);
}

static int
strp_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

static void
expect_built(struct out *outs, size_t nouts, char **cands, size_t ncands,
    const char *drvpath, const char *what)
{
	const struct wire_path_info	*pi;
	size_t				 i;

	if (R.r_res.mbr_error != NULL)
		errx(1, "%s: %s", what, R.r_res.mbr_error);
	if (R.r_res.mbr_noutputs != nouts)
		errx(1, "%s: %zu outputs", what, R.r_res.mbr_noutputs);
	if (ncands > 0)
		qsort(cands, ncands, sizeof(*cands), strp_cmp);
	for (i = 0; i < nouts; i++) {
		pi = &R.r_res.mbr_outputs[i].mbt_info;
		if (strcmp(R.r_res.mbr_outputs[i].mbt_name, outs[i].name) !=
		    0 || strcmp(pi->pi_path, outs[i].path) != 0)
			errx(1, "%s: output %zu is %s", what, i, pi->pi_path);
		if (!pi->pi_ultimate || pi->pi_deriver == NULL ||
		    strcmp(pi->pi_deriver, drvpath) != 0)
			errx(1, "%s: deriver or ultimate wrong", what);
		check_info(pi, cands, ncands);
	}
	st_expect_no_temp(what);
}

static void
test_build_kinds(void)
{
	struct out	 o[2];
	char		 d[STOREPATH_MAX], p[1024], text[2048], *cands[4];
	char		 sum1[128], sum2[128];
	struct stat	 st;

	printf("BUILD: a file naming itself and an input\n");
	fake_drv("selfref", d, sizeof(d));
	memset(o, 0, sizeof(o));
	o[0].name = "out";
	ia_path("selfref", "out", o[0].path, sizeof(o[0].path));
	root_path(o[0].path, "", p, sizeof(p));
	snprintf(text, sizeof(text), "%s\n%s/bin\n", o[0].path, input);
	st_write_file(p, text, 0644);
	cands[0] = input;
	do_build(d, o, 1, cands, 1);
	cands[1] = o[0].path;
	expect_built(o, 1, cands, 2, d, "selfref");
	if (R.r_res.mbr_outputs[0].mbt_info.pi_nrefs != 2)
		errx(1, "selfref: expected 2 references");

	printf("BUILD: a tree: executable, symlink to a host file, "
	    "mode 000 dir\n");
	fake_drv("tree", d, sizeof(d));
	ia_path("tree", "out", o[0].path, sizeof(o[0].path));
	root_path(o[0].path, "", p, sizeof(p));
	run("mkdir -p %s/bin %s/locked/deep && echo '#!/bin/sh' > %s/bin/x "
	    "&& chmod 4755 %s/bin/x && echo secret > %s/locked/deep/f && "
	    "ln -s /etc/passwd %s/passwd && chmod 000 %s/locked/deep "
	    "%s/locked", p, p, p, p, p, p, p, p);
	capture(sum1, sizeof(sum1), "sha256sum /etc/passwd");
	do_build(d, o, 1, cands, 1);
	expect_built(o, 1, cands, 2, d, "tree");
	capture(sum2, sizeof(sum2), "sha256sum /etc/passwd");
	snprintf(p, sizeof(p), "%s/passwd", o[0].path);
	if (lstat(p, &st) == -1 || !S_ISLNK(st.st_mode) ||
	    strcmp(sum1, sum2) != 0)
		errx(1, "tree: symlink not copied as a symlink");
	snprintf(p, sizeof(p), "%s/bin/x", o[0].path);
	if (stat(p, &st) == -1 || (st.st_mode & 07777) != 0555)
		errx(1, "tree: executable mode %o", st.st_mode & 07777);
	snprintf(p, sizeof(p), "%s/locked/deep/f", o[0].path);
	if (stat(p, &st) == -1 || (st.st_mode & 07777) != 0444)
		errx(1, "tree: locked file not copied");

	printf("BUILD: a top-level symlink\n");
	fake_drv("link", d, sizeof(d));
	ia_path("link", "out", o[0].path, sizeof(o[0].path));
	root_path(o[0].path, "", p, sizeof(p));
	if (symlink("/etc/shadow", p) == -1)
		err(1, "symlink");
	do_build(d, o, 1, cands, 1);
	expect_built(o, 1, cands, 2, d, "link");
	if (lstat(o[0].path, &st) == -1 || !S_ISLNK(st.st_mode))
		errx(1, "link: not a symlink");

	printf("BUILD: out references dev\n");
	fake_drv("two", d, sizeof(d));
	o[1].name = "dev";
	ia_path("two", "out", o[0].path, sizeof(o[0].path));
	ia_path("two", "dev", o[1].path, sizeof(o[1].path));
	root_path(o[0].path, "", p, sizeof(p));
	st_write_file(p, o[1].path, 0644);
	root_path(o[1].path, "", p, sizeof(p));
	st_write_file(p, "dev\n", 0644);
	do_build(d, o, 2, cands, 1);
	cands[1] = o[0].path;
	cands[2] = o[1].path;
	expect_built(o, 2, cands, 3, d, "two");
	if (R.r_res.mbr_outputs[0].mbt_info.pi_nrefs != 1)
		errx(1, "two: out should reference dev");
}

static void
test_build_failures(void)
{
	struct out	 o[2];
	char		 d[STOREPATH_MAX], p[1024], want[4096], *cands[1];

	cands[0] = input;
	printf("BUILD: a missing output\n");
	fake_drv("missing", d, sizeof(d));
	memset(o, 0, sizeof(o));
	o[0].name = "out";
	o[1].name = "doc";
	ia_path("missing", "out", o[0].path, sizeof(o[0].path));
	ia_path("missing", "doc", o[1].path, sizeof(o[1].path));
	root_path(o[0].path, "", p, sizeof(p));
	st_write_file(p, "out\n", 0644);
	do_build(d, o, 2, cands, 1);
	snprintf(want, sizeof(want), "builder for '\x1b[35;1m%s\x1b[0m' "
	    "failed to produce output path for output '\x1b[35;1mdoc\x1b[0m' "
	    "at '\x1b[35;1m%s\x1b[0m'", d, o[1].path);
	expect_failed(want, o, 2, "missing");

	printf("BUILD: a file of another user\n");
	fake_drv("owner", d, sizeof(d));
	ia_path("owner", "out", o[0].path, sizeof(o[0].path));
	root_path(o[0].path, "", p, sizeof(p));
	run("mkdir -p %s/sub && echo x > %s/sub/f && chown 12345 %s/sub/f",
	    p, p, p);
	do_build(d, o, 1, cands, 1);
	snprintf(want, sizeof(want), "invalid ownership on file "
	    "'\x1b[35;1m%s/sub/f\x1b[0m'", o[0].path);
	expect_failed(want, o, 1, "ownership");

	printf("BUILD: a reference cycle between outputs\n");
	fake_drv("cycle", d, sizeof(d));
	ia_path("cycle", "out", o[0].path, sizeof(o[0].path));
	ia_path("cycle", "doc", o[1].path, sizeof(o[1].path));
	root_path(o[0].path, "", p, sizeof(p));
	st_write_file(p, o[1].path, 0644);
	root_path(o[1].path, "", p, sizeof(p));
	st_write_file(p, o[0].path, 0644);
	do_build(d, o, 2, cands, 1);
	if (R.r_res.mbr_error == NULL)
		errx(1, "cycle: registered");
	expect_failed(R.r_res.mbr_error, o, 2, "cycle");
}

/* nix hash of a file or tree, SRI. */
static void
nix_sri(const char *how, const char *algo, const char *path, char *out,
    size_t outsz)
{
	capture(out, outsz, "nix --extra-experimental-features nix-command "
	    "hash %s --type %s --sri '%s'", how, algo, path);
}

/*
 * Build drv, whose one output o claims hash h (flat or recursive): its
 * path is the one of h, and the builder leaves a copy of src there.
 */
static void
build_fixed(const char *drvpath, const char *name, int rec,
    const struct hash *h, const char *src, struct out *o)
{
	char	dst[4096];

	hash_format(h, HASH_ENC_BASE16, 0, o->hash, sizeof(o->hash));
	storepath_make_fixed(storedir, name, rec ? CA_RECURSIVE : CA_FLAT, h,
	    NULL, 0, 0, o->path, sizeof(o->path));
	run("rm -rf %s/*", rootdir);
	root_path(o->path, "", dst, sizeof(dst));
	run("cp -a %s %s", src, dst);
	do_build(drvpath, o, 1, NULL, 0);
}

static void
test_build_fixed(void)
{
	static const char *const algos[] = { "md5", "sha1", "sha256",
	    "sha512" };
	struct out	 o[1];
	struct hash	 h, bad;
	enum hash_algo	 a;
	char		 d[STOREPATH_MAX], p[1024], want[4096], ra[16];
	char		 sri[256], badsri[256], name[64];
	const char	*e;
	size_t		 i;
	int		 rec;

	if (!have_nix) {
		printf("BUILD fixed: skipped, no nix\n");
		return;
	}
	for (rec = 0; rec < 2; rec++)
		for (i = 0; i < 4; i++) {
			printf("BUILD fixed: %s %s, right and wrong hash\n",
			    rec ? "recursive" : "flat", algos[i]);
			snprintf(name, sizeof(name), "fixed-%d-%s", rec,
			    algos[i]);
			fake_drv(name, d, sizeof(d));
			snprintf(p, sizeof(p), "%s/src-%s", top, name);
			if (rec)
				run("mkdir -p %s/d && echo %s > %s/d/f && "
				    "ln -sf f %s/d/l", p, name, p, p);
			else
				st_write_file(p, name, 0644);
			nix_sri(rec ? "path" : "file", algos[i], p, sri,
			    sizeof(sri));
			hash_algo_parse(algos[i], &a);
			if (hash_parse(sri, &a, &h, &e) == -1)
				errx(1, "%s: %s", sri, e);
			memset(o, 0, sizeof(o));
			o[0].name = "out";
			snprintf(ra, sizeof(ra), "%s%s", rec ? "r:" : "",
			    algos[i]);
			o[0].algo = ra;
			/* wrong first: the expected path is the wrong one */
			bad = h;
			bad.h_bytes[0] ^= 1;
			hash_format(&bad, HASH_ENC_SRI, 1, badsri,
			    sizeof(badsri));
			build_fixed(d, name, rec, &bad, p, o);
			snprintf(want, sizeof(want), "hash mismatch in "
			    "fixed-output derivation '\x1b[35;1m%s\x1b[0m':\n"
			    "  specified: \x1b[35;1m%s\x1b[0m\n"
			    "     got:    \x1b[35;1m%s\x1b[0m", d, badsri, sri);
			expect_failed(want, o, 1, "fixed wrong");
			if (!R.r_res.mbr_hash_mismatch)
				errx(1, "fixed wrong: no mismatch flag");
			build_fixed(d, name, rec, &h, p, o);
			expect_built(o, 1, NULL, 0, d, "fixed right");
			ca_format_fixed(rec ? CA_RECURSIVE : CA_FLAT, &h, want,
			    sizeof(want));
			if (R.r_res.mbr_outputs[0].mbt_info.pi_ca == NULL ||
			    strcmp(R.r_res.mbr_outputs[0].mbt_info.pi_ca,
			    want) != 0)
				errx(1, "fixed right: ca %s, expected %s",
				    R.r_res.mbr_outputs[0].mbt_info.pi_ca,
				    want);
		}
	printf("BUILD fixed: flat but executable\n");
	fake_drv("fixed-x", d, sizeof(d));
	hash_buf(HASH_SHA256, "x", 1, &h);
	o[0].algo = "sha256";
	hash_format(&h, HASH_ENC_BASE16, 0, o[0].hash, sizeof(o[0].hash));
	storepath_make_fixed(storedir, "fixed-x", CA_FLAT, &h, NULL, 0, 0,
	    o[0].path, sizeof(o[0].path));
	root_path(o[0].path, "", p, sizeof(p));
	st_write_file(p, "x", 0755);
	do_build(d, o, 1, NULL, 0);
	snprintf(want, sizeof(want), "output path '\x1b[35;1m%s\x1b[0m' "
	    "should be a non-executable regular file since recursive hashing "
	    "is not enabled (outputHashMode=flat)", o[0].path);
	expect_failed(want, o, 1, "flat executable");
	printf("BUILD fixed: a reference to an input\n");
	fake_drv("fixed-ref", d, sizeof(d));
	hash_buf(HASH_SHA256, input, strlen(input), &h);
	hash_format(&h, HASH_ENC_BASE16, 0, o[0].hash, sizeof(o[0].hash));
	storepath_make_fixed(storedir, "fixed-ref", CA_FLAT, &h, NULL, 0, 0,
	    o[0].path, sizeof(o[0].path));
	root_path(o[0].path, "", p, sizeof(p));
	st_write_file(p, input, 0644);
	{
		char	*cands[1] = { input };

		do_build(d, o, 1, cands, 1);
	}
	snprintf(want, sizeof(want), "illegal path references in "
	    "fixed-output derivation '\x1b[35;1m%s\x1b[0m'", d);
	expect_failed(want, o, 1, "fixed ref");
}

static void
test_build_log(void)
{
	char	path[1024], *text, *big, out[256];
	const char	*e;
	size_t	len, n, i;
	int	p[2];

	printf("BUILD_LOG: the log where nix-store -l reads it\n");
	if (drv[0] == '\0')
		fake_drv("logged", drv, sizeof(drv));
	if (pipe(p) == -1)
		err(1, "pipe");
	reply_reset();
	msg_send_path(&ib_client, IMSG_STORE_BUILD_LOG, next_sid++, drv,
	    p[0]);
	if (write(p[1], "line one\nline two\n", 18) != 18)
		err(1, "write");
	close(p[1]);
	wait_reply();
	expect_type(IMSG_STORE_OK, "build log");
	n = strlen(storedir) + 1;
	snprintf(path, sizeof(path), "%s/drvs/%.2s/%s", logdir, drv + n,
	    drv + n + 2);
	if (store_read_file(AT_FDCWD, path, 1 << 20, &text, &len, &e) == -1)
		errx(1, "%s", e);
	if (strcmp(text, "line one\nline two\n") != 0)
		errx(1, "log: got \"%s\"", text);
	free(text);
	if (have_nix) {
		capture(out, sizeof(out), "%s nix-store -l %s | tail -n 1",
		    nixenv, drv);
		if (strcmp(out, "line two") != 0)
			errx(1, "nix-store -l: got \"%s\"", out);
	}
	printf("BUILD_LOG: a log over the limit is cut\n");
	store_buildlog_init(logdir, 100000);
	if ((big = malloc(300000)) == NULL)
		err(1, NULL);
	for (i = 0; i < 300000; i++)
		big[i] = i % 80 == 79 ? '\n' : 'a' + i % 26;
	if (pipe(p) == -1)
		err(1, "pipe");
	reply_reset();
	msg_send_path(&ib_client, IMSG_STORE_BUILD_LOG, next_sid++, drv,
	    p[0]);
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	for (i = 0; i < 300000; ) {
		ssize_t w = write(p[1], big + i, 300000 - i);

		if (w > 0)
			i += w;
		event_loop(EVLOOP_ONCE | EVLOOP_NONBLOCK);
	}
	close(p[1]);
	wait_reply();
	expect_type(IMSG_STORE_OK, "big log");
	if (store_read_file(AT_FDCWD, path, 1 << 20, &text, &len, &e) == -1)
		errx(1, "%s", e);
	if (len < 100000 || len > 100200 || memcmp(text, big, 100000) != 0 ||
	    strstr(text + 100000, "log cut after 100000 of 300000") == NULL)
		errx(1, "big log: got %zu bytes", len);
	free(text);
	free(big);
}

int
main(void)
{
	setup();
	add_input("input", "an input", input, sizeof(input), NULL, 0);
	test_query_drv();
	test_closure();
	test_build_kinds();
	test_build_failures();
	test_build_fixed();
	test_build_log();
	reply_reset();
	st_cleanup();
	return (0);
}
