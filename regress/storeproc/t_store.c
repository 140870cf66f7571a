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
 * storeproc's request handlers, driven through real imsg channels in
 * one process: this program plays builderproc (requests, upload pipes)
 * and the parent (CTL_READLINKS, with the parent's own handler), and
 * runs the handlers on a scratch store without confinement or
 * privilege drop.  Checks adds of every method (good and hostile
 * input), imports with their claims, queries, GC and verify.  Where
 * the real nix-hash is installed, every added path's narHash is also
 * checked against what it computes from the files.
 */
/* link: storeproc/store_add.c storeproc/store_canon.c */
/* link: storeproc/store_db.c storeproc/store_gc.c storeproc/store_nar.c */
/* link: storeproc/store_query.c storeproc/store_util.c */
/* link: storeproc/store_verify.c parent/parent_roots.c */
/* link: regress/storeproc/storetest.c regress/msg/msgtest.c */
#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drv.h"
#include "hash.h"
#include "log.h"
#include "msg_store.h"
#include "nar.h"
#include "storepath.h"
#include "storetest.h"
#include "../msg/msgtest.h"
#include "../../parent/parent.h"
#include "../../storeproc/storeproc.h"
#include "../../storeproc/store_db.h"

/* What came back for the last request. */
struct reply {
	int			 r_done;
	uint32_t		 r_type;
	char			*r_text;	/* STORE_ERROR */
	char			 r_log[65536];	/* STORE_LOG lines */
	int			 r_found;
	struct wire_path_info	 r_info;
	char			**r_paths;
	size_t			 r_npaths;
	struct msg_output	*r_outs;
	size_t			 r_nouts;
	struct msg_missing	 r_missing;
	struct msg_root		*r_roots;
	size_t			 r_nroots;
	struct msg_gc_result	 r_gc;
	int			 r_errors;
	char			**r_drvs;	/* to repair */
	size_t			 r_ndrvs;
};

/* A pipe end fed from the event loop, as builderproc would. */
struct feeder {
	int		 f_fd;
	const char	*f_buf;
	size_t		 f_len;
	size_t		 f_off;
	size_t		 f_stop;	/* close after this many bytes */
	uint32_t	 f_sid;		/* whose upload it is */
	int		 f_abort;	/* end with UPLOAD_ABORT, not DONE */
	struct event	 f_ev;
};

static struct reply	 R;
static struct imsgbuf	 ib_store_p;
static struct imsgev	 iev_store_p, iev_parent;
static struct child	 parent_child;
static uint32_t		 next_sid = 1;

static void
reply_reset(void)
{
	free(R.r_text);
	wire_path_info_free(&R.r_info);
	wire_strings_free(R.r_paths, R.r_npaths);
	msg_outputs_free(R.r_outs, R.r_nouts);
	msg_missing_free(&R.r_missing);
	msg_roots_free(R.r_roots, R.r_nroots);
	msg_gc_result_free(&R.r_gc);
	wire_strings_free(R.r_drvs, R.r_ndrvs);
	memset(&R, 0, sizeof(R));
}

static void
reply_decode(struct imsg *imsg)
{
	const char	*e = NULL;
	char		*text;
	int		 rc = 0;

	switch (imsg_get_type(imsg)) {
	case IMSG_STORE_LOG:
		if (msg_recv_text(imsg, MSG_ERROR_MAX, &text, &e) == -1)
			errx(1, "bad STORE_LOG: %s", e);
		strlcat(R.r_log, text, sizeof(R.r_log));
		strlcat(R.r_log, "\n", sizeof(R.r_log));
		free(text);
		return;
	case IMSG_STORE_INFO:
		wire_path_info_free(&R.r_info);
		rc = msg_recv_info(imsg, storedir, &R.r_found, &R.r_info, &e);
		break;
	case IMSG_STORE_OUTPUTS:
		rc = msg_recv_outputs(imsg, storedir, &R.r_outs, &R.r_nouts,
		    &e);
		break;
	case IMSG_STORE_MISSING:
		rc = msg_recv_missing(imsg, storedir, &R.r_missing, &e);
		break;
	case IMSG_STORE_ROOTS:
		rc = msg_recv_roots(imsg, storedir, &R.r_roots, &R.r_nroots,
		    &e);
		break;
	case IMSG_STORE_GC_RESULT:
		rc = msg_recv_gc_result(imsg, storedir, &R.r_gc, &e);
		break;
	case IMSG_STORE_VERIFY_RESULT:
		rc = msg_recv_verify_result(imsg, storedir, &R.r_errors,
		    &R.r_drvs, &R.r_ndrvs, &e);
		break;
	default:
		rc = st_recv_reply(imsg, &R.r_text, &R.r_paths, &R.r_npaths,
		    &e);
	}
	st_reply_done(imsg, rc, e, &R.r_type, &R.r_done);
}

static int
client_dispatch(struct imsgev *iev, struct imsg *imsg)
{
	(void)iev;
	reply_decode(imsg);
	return (0);
}

/* The same table as storeproc.c's store_dispatch_builder. */
static int
store_dispatch(struct imsgev *iev, struct imsg *imsg)
{
	(void)iev;
	switch (imsg_get_type(imsg)) {
	case IMSG_STORE_QUERY_INFO: store_handle_query_info(imsg); break;
	case IMSG_STORE_QUERY_VALID: store_handle_query_valid(imsg); break;
	case IMSG_STORE_QUERY_ALL: store_handle_query_all(imsg); break;
	case IMSG_STORE_QUERY_REFERRERS:
		store_handle_query_referrers(imsg); break;
	case IMSG_STORE_QUERY_DERIVERS:
		store_handle_query_derivers(imsg); break;
	case IMSG_STORE_QUERY_HASHPART:
		store_handle_query_hashpart(imsg); break;
	case IMSG_STORE_QUERY_OUTPUTS: store_handle_query_outputs(imsg); break;
	case IMSG_STORE_QUERY_MISSING: store_handle_query_missing(imsg); break;
	case IMSG_STORE_ADD: store_handle_add(imsg); break;
	case IMSG_STORE_ADD_NAR: store_handle_add_nar(imsg); break;
	case IMSG_STORE_NAR_FROM_PATH:
		store_handle_nar_from_path(imsg); break;
	case IMSG_STORE_TEMP_ROOT: store_handle_temp_root(imsg); break;
	case IMSG_STORE_INDIRECT_ROOT:
		store_handle_indirect_root(imsg); break;
	case IMSG_STORE_FIND_ROOTS: store_handle_find_roots(imsg); break;
	case IMSG_STORE_GC: store_handle_gc(imsg); break;
	case IMSG_STORE_ADD_SIGS: store_handle_add_sigs(imsg); break;
	case IMSG_STORE_VERIFY: store_handle_verify(imsg); break;
	case IMSG_STORE_QUERY_INTACT: store_handle_query_intact(imsg); break;
	case IMSG_STORE_ENSURE: store_handle_ensure(imsg); break;
	case IMSG_STORE_SESSION_END: store_handle_session_end(imsg); break;
	case IMSG_STORE_UPLOAD_DONE:
	case IMSG_STORE_UPLOAD_ABORT: store_handle_upload_end(imsg); break;
	default:
		errx(1, "store got %s", imsg_type_name(imsg_get_type(imsg)));
	}
	return (0);
}

static int
store_dispatch_parent(struct imsgev *iev, struct imsg *imsg)
{
	(void)iev;
	if (imsg_get_type(imsg) != IMSG_CTL_READLINKS_REPLY)
		errx(1, "store got %s from parent",
		    imsg_type_name(imsg_get_type(imsg)));
	store_handle_readlinks_reply(imsg);
	return (0);
}

static int
parent_dispatch(struct imsgev *iev, struct imsg *imsg)
{
	(void)iev;
	if (imsg_get_type(imsg) != IMSG_CTL_READLINKS)
		errx(1, "parent got %s", imsg_type_name(imsg_get_type(imsg)));
	parent_handle_readlinks(&parent_child, imsg);
	return (0);
}

static void
wait_reply(void)
{
	st_wait(&R.r_done);
}

static void
feeder_write(int fd, short ev, void *arg)
{
	struct feeder	*f = arg;
	size_t		 want;
	ssize_t		 n;

	(void)ev;
	want = f->f_stop - f->f_off;
	if (want > 7777)	/* odd chunks, to cross every boundary */
		want = 7777;
	if (want > 0 && (n = write(fd, f->f_buf + f->f_off, want)) == -1) {
		if (errno == EAGAIN)
			return;
		/* storeproc refused early and closed: fine. */
		f->f_off = f->f_stop;
	} else if (want > 0)
		f->f_off += n;
	if (f->f_off < f->f_stop)
		return;
	event_del(&f->f_ev);
	close(f->f_fd);
	f->f_fd = -1;
	/* What builderproc says once the client's frames have ended. */
	msg_send_empty(&ib_client, f->f_abort ? IMSG_STORE_UPLOAD_ABORT :
	    IMSG_STORE_UPLOAD_DONE, f->f_sid);
}

/* A pipe: the read end goes with the request, we feed the write end. */
static int
feeder_start(struct feeder *f, const void *buf, size_t len, size_t stop)
{
	int	p[2];

	if (pipe2(p, O_CLOEXEC) == -1)
		err(1, "pipe2");
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	memset(f, 0, sizeof(*f));
	f->f_fd = p[1];
	f->f_buf = buf;
	f->f_len = len;
	f->f_stop = stop < len ? stop : len;
	event_set(&f->f_ev, p[1], EV_WRITE | EV_PERSIST, feeder_write, f);
	event_add(&f->f_ev, NULL);
	return (p[0]);
}

static void
feeder_end(struct feeder *f)
{
	if (f->f_fd != -1) {
		event_del(&f->f_ev);
		close(f->f_fd);
	}
}

/* STORE_ADD of buf (cut after stop bytes); returns the session id. */
static uint32_t
send_add(struct feeder *f, const char *name, const char *method,
    char **refs, size_t nrefs, const void *buf, size_t len, size_t stop)
{
	struct msg_add	ma;
	uint32_t	sid = next_sid++;

	memset(&ma, 0, sizeof(ma));
	ma.ma_name = (char *)name;
	ma.ma_method = (char *)method;
	ma.ma_refs = refs;
	ma.ma_nrefs = nrefs;
	if (msg_send_add(&ib_client, sid, &ma,
	    feeder_start(f, buf, len, stop)) == -1)
		errx(1, "msg_send_add");
	f->f_sid = sid;
	return (sid);
}

static void
do_add(const char *name, const char *method, char **refs, size_t nrefs,
    const void *buf, size_t len, size_t stop)
{
	struct feeder	f;

	reply_reset();
	send_add(&f, name, method, refs, nrefs, buf, len, stop);
	wait_reply();
	feeder_end(&f);
}

/* As do_add, then UPLOAD_ABORT instead of DONE once stop bytes went. */
static void
do_add_abort(const char *name, const char *method, const void *buf,
    size_t len, size_t stop)
{
	struct feeder	f;

	reply_reset();
	send_add(&f, name, method, NULL, 0, buf, len, stop);
	f.f_abort = 1;
	wait_reply();
	feeder_end(&f);
}

static void
expect_type(uint32_t type, const char *what)
{
	st_expect_type(R.r_type, R.r_text, type, what);
}

static void
expect_error(const char *substr, const char *what)
{
	expect_type(IMSG_STORE_ERROR, what);
	if (strstr(R.r_text, substr) == NULL)
		errx(1, "%s: got \"%s\", expected \"%s\"", what, R.r_text,
		    substr);
}

/* Every file and dir canonical: mtime 1, mode 0444 or 0555. */
static void
check_canon(const char *path)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	char		 sub[2048];

	if (lstat(path, &st) == -1)
		err(1, "lstat %s", path);
	if (st.st_mtim.tv_sec != 1)
		errx(1, "%s: mtime %lld, expected 1", path,
		    (long long)st.st_mtim.tv_sec);
	if (S_ISLNK(st.st_mode))
		return;
	if ((st.st_mode & 07777) != 0444 && (st.st_mode & 07777) != 0555)
		errx(1, "%s: mode %o, expected 0444 or 0555", path,
		    st.st_mode & 07777);
	if (!S_ISDIR(st.st_mode))
		return;
	if ((d = opendir(path)) == NULL)
		err(1, "opendir %s", path);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' ||
		    strcmp(de->d_name, "..") == 0))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		check_canon(sub);
	}
	closedir(d);
}

static void
setup(void)
{
	/* The parent's channel, for READLINKS. */
	st_pair(&ib_store_p, &parent_child.ch_ibuf);
	parent_child.ch_proc = PROC_STORE;
	st_setup("t_store", store_dispatch, client_dispatch, &ib_store_p);
	imsgev_init(&iev_store_p, &ib_store_p, PROC_PARENT,
	    store_dispatch_parent);
	imsgev_init(&iev_parent, &parent_child.ch_ibuf, PROC_STORE,
	    parent_dispatch);
}

/*
 * The tests.
 */
static char	added_text[STOREPATH_MAX], added_tree[STOREPATH_MAX];
static char	added_ref[STOREPATH_MAX];
static char	*added_text_p = added_text;

static void
test_add_text(void)
{
	struct hash	h;
	char		want[STOREPATH_MAX], *refs[1];
	uint64_t	regtime;

	printf("add text:sha256\n");
	hash_buf(HASH_SHA256, "hello\n", 6, &h);
	storepath_make_text(storedir, "hello.txt", &h, NULL, 0, want,
	    sizeof(want));
	do_add("hello.txt", "text:sha256", NULL, 0, "hello\n", 6, SIZE_MAX);
	expect_type(IMSG_STORE_INFO, "add text");
	if (strcmp(R.r_info.pi_path, want) != 0)
		errx(1, "add text: got %s, expected %s", R.r_info.pi_path,
		    want);
	if (R.r_info.pi_ca == NULL || strncmp(R.r_info.pi_ca,
	    "text:sha256:", 12) != 0 || R.r_info.pi_narsize != 120)
		errx(1, "add text: got ca %s size %llu", R.r_info.pi_ca,
		    (unsigned long long)R.r_info.pi_narsize);
	st_check_nixhash(want, R.r_info.pi_narhash);
	check_canon(want);
	strlcpy(added_text, want, sizeof(added_text));
	regtime = R.r_info.pi_regtime;

	printf("add text again: the old info\n");
	sleep(1);
	do_add("hello.txt", "text:sha256", NULL, 0, "hello\n", 6, SIZE_MAX);
	expect_type(IMSG_STORE_INFO, "add text again");
	if (R.r_info.pi_regtime != regtime)
		errx(1, "add again: got regtime %llu, expected %llu",
		    (unsigned long long)R.r_info.pi_regtime,
		    (unsigned long long)regtime);

	printf("add text with a reference\n");
	refs[0] = added_text;
	hash_buf(HASH_SHA256, added_text, strlen(added_text), &h);
	storepath_make_text(storedir, "ref", &h, refs, 1, want, sizeof(want));
	do_add("ref", "text:sha256", refs, 1, added_text, strlen(added_text),
	    SIZE_MAX);
	expect_type(IMSG_STORE_INFO, "add ref");
	if (strcmp(R.r_info.pi_path, want) != 0 || R.r_info.pi_nrefs != 1 ||
	    strcmp(R.r_info.pi_refs[0], added_text) != 0)
		errx(1, "add ref: got %s with %zu refs", R.r_info.pi_path,
		    R.r_info.pi_nrefs);
	strlcpy(added_ref, want, sizeof(added_ref));
}

static void
make_tree(const char *dir)
{
	char	p[1024];

	if (mkdir(dir, 0755) == -1)
		err(1, "mkdir %s", dir);
	snprintf(p, sizeof(p), "%s/a", dir);
	st_write_file(p, "six b\n", 0644);
	snprintf(p, sizeof(p), "%s/bin", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/bin/run", dir);
	st_write_file(p, "#!/bin/sh\necho run tree\n", 0700);
	snprintf(p, sizeof(p), "%s/link", dir);
	if (symlink("bin/run", p) == -1)
		err(1, "symlink");
}

static void
test_add_nar(void)
{
	struct st_buf	nar;
	struct hash	h;
	char		tree[512], want[STOREPATH_MAX];

	printf("add fixed:r:sha256 (a tree)\n");
	snprintf(tree, sizeof(tree), "%s/tree", top);
	make_tree(tree);
	st_nar_of(tree, &nar);
	hash_buf(HASH_SHA256, nar.b_data, nar.b_len, &h);
	storepath_make_fixed(storedir, "tree", CA_RECURSIVE, &h, NULL, 0, 0,
	    want, sizeof(want));
	do_add("tree", "fixed:r:sha256", NULL, 0, nar.b_data, nar.b_len,
	    SIZE_MAX);
	expect_type(IMSG_STORE_INFO, "add tree");
	if (strcmp(R.r_info.pi_path, want) != 0 ||
	    R.r_info.pi_narsize != nar.b_len)
		errx(1, "add tree: got %s, expected %s", R.r_info.pi_path,
		    want);
	st_check_nixhash(want, R.r_info.pi_narhash);
	check_canon(want);
	strlcpy(added_tree, want, sizeof(added_tree));

	printf("add fixed:r:sha1 (output:out path)\n");
	hash_buf(HASH_SHA1, nar.b_data, nar.b_len, &h);
	storepath_make_fixed(storedir, "tree1", CA_RECURSIVE, &h, NULL, 0, 0,
	    want, sizeof(want));
	do_add("tree1", "fixed:r:sha1", NULL, 0, nar.b_data, nar.b_len,
	    SIZE_MAX);
	expect_type(IMSG_STORE_INFO, "add sha1 tree");
	if (strcmp(R.r_info.pi_path, want) != 0 ||
	    strncmp(R.r_info.pi_ca, "fixed:r:sha1:", 13) != 0)
		errx(1, "add sha1 tree: got %s %s, expected %s",
		    R.r_info.pi_path, R.r_info.pi_ca, want);
	st_check_nixhash(want, R.r_info.pi_narhash);

	printf("add fixed:r:sha1 with references: refused\n");
	do_add("tree1", "fixed:r:sha1", &added_text_p, 1, nar.b_data,
	    nar.b_len, SIZE_MAX);
	expect_error("cannot have references", "sha1 refs");
	st_expect_no_temp("sha1 refs");
	free(nar.b_data);
}

static void
test_add_flat(void)
{
	struct hash	h;
	char		want[STOREPATH_MAX];
	struct stat	st;
	const char	*algos[] = { "md5", "sha1", "sha256", "sha512" };
	enum hash_algo	 ids[] = { HASH_MD5, HASH_SHA1, HASH_SHA256,
			    HASH_SHA512 };
	char		method[32];
	size_t		i;

	for (i = 0; i < 4; i++) {
		printf("add fixed:%s (flat)\n", algos[i]);
		hash_buf(ids[i], "flat\n", 5, &h);
		storepath_make_fixed(storedir, "flat", CA_FLAT, &h, NULL, 0,
		    0, want, sizeof(want));
		snprintf(method, sizeof(method), "fixed:%s", algos[i]);
		do_add("flat", method, NULL, 0, "flat\n", 5, SIZE_MAX);
		expect_type(IMSG_STORE_INFO, method);
		if (strcmp(R.r_info.pi_path, want) != 0)
			errx(1, "%s: got %s, expected %s", method,
			    R.r_info.pi_path, want);
		if (lstat(want, &st) == -1 || !S_ISREG(st.st_mode) ||
		    st.st_size != 5 || (st.st_mode & 07777) != 0444)
			errx(1, "%s: not a 0444 5-byte file", method);
		st_check_nixhash(want, R.r_info.pi_narhash);
	}

	/*
	 * A client that vanished mid-upload: the pipe ends early and
	 * builderproc says ABORT.  A flat file has no structure to tell a
	 * short upload from a whole one, so only that message saves it.
	 */
	printf("add fixed:sha256 (flat), cut short and aborted\n");
	hash_buf(HASH_SHA256, "cut", 3, &h);
	storepath_make_fixed(storedir, "cut", CA_FLAT, &h, NULL, 0, 0, want,
	    sizeof(want));
	do_add_abort("cut", "fixed:sha256", "cut short\n", 10, 3);
	expect_error("upload aborted", "aborted flat add");
	if (lstat(want, &st) == 0)
		errx(1, "aborted add: %s exists", want);
	st_expect_no_temp("aborted flat add");
}

static void
test_add_hostile(void)
{
	static const struct {
		const char	*h_what;
		const char	*h_err;
	} cases[] = {
		{ "bad magic", "" },
		{ "truncated", "" },
		{ "trailing", "" },
		{ "dotdot", "" },
	};
	struct st_buf	nar, bad;
	char		tree[512];
	size_t		i;

	snprintf(tree, sizeof(tree), "%s/tree", top);
	st_nar_of(tree, &nar);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		printf("add a hostile NAR: %s\n", cases[i].h_what);
		memset(&bad, 0, sizeof(bad));
		st_buf_sink(&bad, nar.b_data, nar.b_len);
		switch (i) {
		case 0:
			bad.b_data[9] = 'X';
			break;
		case 1:
			bad.b_len -= 9;
			break;
		case 2:
			st_buf_sink(&bad, "\0\0\0\0\0\0\0\0", 8);
			break;
		case 3:
			/* The entry "a" becomes ".". */
			memcpy((char *)memmem(bad.b_data, bad.b_len,
			    "\x01\0\0\0\0\0\0\0a\0\0\0\0\0\0\0", 16) + 8,
			    ".", 1);
			break;
		}
		do_add("bad", "fixed:r:sha256", NULL, 0, bad.b_data,
		    bad.b_len, SIZE_MAX);
		expect_type(IMSG_STORE_ERROR, cases[i].h_what);
		st_expect_no_temp(cases[i].h_what);
		free(bad.b_data);
	}

	printf("add cut off mid-stream (client gone)\n");
	do_add("cut", "fixed:r:sha256", NULL, 0, nar.b_data, nar.b_len, 100);
	expect_error("truncated", "cut");
	st_expect_no_temp("cut");

	printf("add with an unknown method\n");
	do_add("x", "fixed:r:sha3", NULL, 0, "x", 1, SIZE_MAX);
	expect_type(IMSG_STORE_ERROR, "bad method");
	st_expect_no_temp("bad method");
	free(nar.b_data);
}

/* Two adds of the same path at once both succeed. */
static void
test_add_concurrent(void)
{
	struct feeder	f1, f2;
	struct hash	h;
	char		want[STOREPATH_MAX], junk[STOREPATH_MAX + 8];
	char		*big;
	struct stat	st;
	size_t		len = 300000, i;
	int		done = 0;

	printf("two adds of one path at once, over a stale directory\n");
	if ((big = malloc(len)) == NULL)
		err(1, "malloc");
	for (i = 0; i < len; i++)
		big[i] = "abcdefgh\n"[i % 9];
	hash_buf(HASH_SHA256, big, len, &h);
	storepath_make_fixed(storedir, "big", CA_FLAT, &h, NULL, 0, 0, want,
	    sizeof(want));
	/* A crash between rename and commit leaves this. */
	mkdir(want, 0755);
	snprintf(junk, sizeof(junk), "%s/junk", want);
	st_write_file(junk, "junk", 0644);
	reply_reset();
	send_add(&f1, "big", "fixed:sha256", NULL, 0, big, len, SIZE_MAX);
	send_add(&f2, "big", "fixed:sha256", NULL, 0, big, len, SIZE_MAX);
	alarm(60);
	while (R.r_done < 2) {
		done = R.r_done;
		event_loop(EVLOOP_ONCE);
		if (R.r_done > done) {
			expect_type(IMSG_STORE_INFO, "concurrent add");
			if (strcmp(R.r_info.pi_path, want) != 0)
				errx(1, "concurrent: got %s",
				    R.r_info.pi_path);
		}
	}
	alarm(0);
	feeder_end(&f1);
	feeder_end(&f2);
	snprintf(junk, sizeof(junk), "%s/junk", want);
	if (lstat(want, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size != (off_t)len)
		errx(1, "concurrent: %s is not the %zu-byte file", want, len);
	free(big);
	st_expect_no_temp("concurrent");
}

static void
send_add_nar(const char *path, const char *narhash, uint64_t narsize,
    const char *ca, int trusted, int dontcheck, const void *nar,
    size_t len)
{
	struct msg_add_nar	man;
	struct feeder		f;

	reply_reset();
	memset(&man, 0, sizeof(man));
	man.man_info.pi_path = (char *)path;
	man.man_info.pi_narhash = (char *)narhash;
	man.man_info.pi_narsize = narsize;
	man.man_info.pi_ca = (char *)ca;
	man.man_trusted = trusted;
	man.man_dont_check_sigs = dontcheck;
	if (msg_send_add_nar(&ib_client, next_sid, &man,
	    feeder_start(&f, nar, len, SIZE_MAX)) == -1)
		errx(1, "msg_send_add_nar");
	f.f_sid = next_sid++;
	wait_reply();
	feeder_end(&f);
}

static void	test_add_nar_text_self(void);

static void
test_add_nar_info(void)
{
	struct st_buf	 nar;
	struct hash	 h;
	char		 tree[512], path[STOREPATH_MAX], hex[80], ca[128];
	char		 fake[STOREPATH_MAX];

	snprintf(tree, sizeof(tree), "%s/tree", top);
	st_nar_of(tree, &nar);
	hash_buf(HASH_SHA256, nar.b_data, nar.b_len, &h);
	hash_format(&h, HASH_ENC_BASE16, 0, hex, sizeof(hex));
	ca_format_fixed(CA_RECURSIVE, &h, ca, sizeof(ca));
	storepath_make_fixed(storedir, "imported", CA_RECURSIVE, &h, NULL, 0,
	    0, path, sizeof(path));
	/* An input-addressed path, as nix-store --import brings them. */
	snprintf(fake, sizeof(fake), "%s/0123456789abcdfghijklmnpqrsvwxyz-ia",
	    storedir);

	printf("import unsigned, untrusted: refused\n");
	send_add_nar(fake, hex, nar.b_len, NULL, 0, 1, nar.b_data, nar.b_len);
	expect_error("lacks a valid signature", "unsigned");
	printf("import unsigned, trusted but checking: refused\n");
	send_add_nar(fake, hex, nar.b_len, NULL, 1, 0, nar.b_data, nar.b_len);
	expect_error("lacks a valid signature", "unsigned trusted");
	printf("import with a wrong narHash\n");
	hex[0] = hex[0] == '0' ? '1' : '0';
	send_add_nar(fake, hex, nar.b_len, NULL, 1, 1, nar.b_data, nar.b_len);
	expect_error("hash mismatch importing path", "bad hash");
	hex[0] = hex[0] == '0' ? '1' : '0';
	st_expect_no_temp("bad hash");
	printf("import with a wrong narSize\n");
	send_add_nar(fake, hex, nar.b_len + 8, NULL, 1, 1, nar.b_data,
	    nar.b_len);
	expect_error("size mismatch importing path", "bad size");
	printf("import unsigned, trusted, dontCheckSigs: ok\n");
	send_add_nar(fake, hex, nar.b_len, NULL, 1, 1, nar.b_data, nar.b_len);
	expect_type(IMSG_STORE_OK, "trusted import");
	st_check_nixhash(fake, hex);
	printf("import content-addressed, untrusted: ok\n");
	send_add_nar(path, hex, nar.b_len, ca, 0, 0, nar.b_data, nar.b_len);
	expect_type(IMSG_STORE_OK, "ca import");
	printf("import with a ca that does not give the path\n");
	send_add_nar(fake, hex, nar.b_len, ca, 1, 1, nar.b_data, nar.b_len);
	expect_error("claims to be content-addressed", "ca mismatch");
	free(nar.b_data);
	test_add_nar_text_self();
}

/*
 * A text path that names itself among its references: no content
 * address (a text path is made from its references), so it is refused
 * unless trusted and not checking signatures, as by Nix 2.8.
 */
static void
test_add_nar_text_self(void)
{
	struct msg_add_nar	 man;
	struct feeder		 f;
	struct st_buf		 nar;
	struct hash		 h;
	char			 file[512], path[STOREPATH_MAX], hex[80];
	char			 ca[128], *refs[1];
	int			 trusted;

	snprintf(file, sizeof(file), "%s/selfref", top);
	st_write_file(file, "self", 0444);
	hash_buf(HASH_SHA256, "self", 4, &h);
	ca_format_text(&h, ca, sizeof(ca));
	if (storepath_make_text(storedir, "selfref", &h, NULL, 0, path,
	    sizeof(path)) == -1)
		errx(1, "storepath_make_text");
	st_nar_of(file, &nar);
	hash_buf(HASH_SHA256, nar.b_data, nar.b_len, &h);
	hash_format(&h, HASH_ENC_BASE16, 0, hex, sizeof(hex));
	refs[0] = path;
	for (trusted = 0; trusted <= 1; trusted++) {
		printf("text path naming itself, %s\n", trusted ?
		    "trusted, dontCheckSigs: ok" : "untrusted: refused");
		reply_reset();
		memset(&man, 0, sizeof(man));
		man.man_info.pi_path = path;
		man.man_info.pi_narhash = hex;
		man.man_info.pi_narsize = nar.b_len;
		man.man_info.pi_ca = ca;
		man.man_info.pi_refs = refs;
		man.man_info.pi_nrefs = 1;
		man.man_trusted = trusted;
		man.man_dont_check_sigs = trusted;
		if (msg_send_add_nar(&ib_client, next_sid, &man,
		    feeder_start(&f, nar.b_data, nar.b_len, SIZE_MAX)) == -1)
			errx(1, "msg_send_add_nar");
		f.f_sid = next_sid++;
		wait_reply();
		feeder_end(&f);
		if (trusted)
			expect_type(IMSG_STORE_OK, "trusted text self");
		else
			expect_error("lacks a valid signature", "text self");
	}
	st_expect_no_temp("text self");
	free(nar.b_data);
}

/* A one-output derivation with no inputs, right or wrong. */
static char *
make_drv(const char *name, int wrong, char *drvpath, size_t sz)
{
	struct drv_hasher	 dh;
	struct drv		*d;
	const char		*e;
	char			 (*outs)[STOREPATH_MAX], *text;
	size_t			 len;

	if ((d = drv_new()) == NULL ||
	    drv_add_output(d, "out", "", "", "", &e) == -1 ||
	    drv_add_env(d, "builder", "/bin/sh", &e) == -1 ||
	    drv_add_env(d, "name", name, &e) == -1 ||
	    drv_add_env(d, "out", "", &e) == -1 ||
	    drv_add_env(d, "system", "x86_64-linux", &e) == -1 ||
	    drv_set_platform(d, "x86_64-linux", &e) == -1 ||
	    drv_set_builder(d, "/bin/sh", &e) == -1 ||
	    drv_add_arg(d, "-c", &e) == -1 ||
	    drv_add_arg(d, "echo hi > $out", &e) == -1)
		errx(1, "make_drv: %s", e);
	outs = calloc(1, sizeof(*outs));
	drv_hasher_init(&dh, storedir, NULL, NULL);
	if (drv_output_paths(&dh, name, d, outs, &e) == -1)
		errx(1, "drv_output_paths: %s", e);
	drv_hasher_clear(&dh);
	if (wrong)
		outs[0][strlen(storedir) + 1] = outs[0][strlen(storedir) + 1]
		    == 'a' ? 'b' : 'a';
	free(d->d_outputs[0].do_path);
	d->d_outputs[0].do_path = strdup(outs[0]);
	free(d->d_env[drv_find_env(d, "out")].de_value);
	d->d_env[drv_find_env(d, "out")].de_value = strdup(outs[0]);
	free(outs);
	if (drv_unparse(d, 0, NULL, 0, &text, &len, &e) == -1 ||
	    drv_store_path(storedir, name, d, drvpath, sz, &e) == -1)
		errx(1, "drv_unparse: %s", e);
	drv_free(d);
	return (text);
}

static char	drv_path[STOREPATH_MAX];

static void
test_drv(void)
{
	char	*text, bad[STOREPATH_MAX], *req[2];
	char	 missing[STOREPATH_MAX + 8];

	printf("add a .drv: DerivationOutputs, QUERY_OUTPUTS\n");
	text = make_drv("hello", 0, drv_path, sizeof(drv_path));
	do_add("hello.drv", "text:sha256", NULL, 0, text, strlen(text),
	    SIZE_MAX);
	expect_type(IMSG_STORE_INFO, "add drv");
	if (strcmp(R.r_info.pi_path, drv_path) != 0)
		errx(1, "add drv: got %s, expected %s", R.r_info.pi_path,
		    drv_path);
	free(text);
	reply_reset();
	msg_send_path(&ib_client, IMSG_STORE_QUERY_OUTPUTS, next_sid++,
	    drv_path, -1);
	wait_reply();
	expect_type(IMSG_STORE_OUTPUTS, "outputs");
	if (R.r_nouts != 1 || strcmp(R.r_outs[0].mo_name, "out") != 0 ||
	    R.r_outs[0].mo_path == NULL)
		errx(1, "outputs: got %zu", R.r_nouts);

	printf("add a .drv with a wrong output path: refused\n");
	text = make_drv("wrong", 1, bad, sizeof(bad));
	do_add("wrong.drv", "text:sha256", NULL, 0, text, strlen(text),
	    SIZE_MAX);
	expect_error("incorrect output", "wrong drv");
	st_expect_no_temp("wrong drv");
	free(text);

	printf("QUERY_MISSING: the drv must be built, a path is unknown\n");
	snprintf(missing, sizeof(missing), "%s!out", drv_path);
	req[0] = missing;
	req[1] = bad;
	reply_reset();
	msg_send_paths(&ib_client, IMSG_STORE_QUERY_MISSING, next_sid++, req,
	    2);
	wait_reply();
	expect_type(IMSG_STORE_MISSING, "missing");
	if (R.r_missing.mm_nwill_build != 1 || strcmp(
	    R.r_missing.mm_will_build[0], drv_path) != 0 ||
	    R.r_missing.mm_nunknown != 1 ||
	    strcmp(R.r_missing.mm_unknown[0], bad) != 0)
		errx(1, "missing: got %zu to build, %zu unknown",
		    R.r_missing.mm_nwill_build, R.r_missing.mm_nunknown);
}

/* The inputs a test .drv may name, for drv_output_paths. */
static char	absent_drv[STOREPATH_MAX];
static char	*known_text[2];

static int
load_known(void *arg, const char *path, struct drv **d, const char **e)
{
	const char	*text;

	(void)arg;
	if (strcmp(path, drv_path) == 0)
		text = known_text[0];
	else if (strcmp(path, absent_drv) == 0)
		text = known_text[1];
	else {
		*e = "no such test input";
		return (-1);
	}
	return (drv_parse(storedir, text, strlen(text), d, e));
}

/*
 * A .drv naming src and indrv (either may be NULL), with the output
 * paths Nix would compute, and its path were both its references.
 */
static char *
make_drv_inputs(const char *name, const char *src, const char *indrv,
    char *drvpath, size_t sz)
{
	struct drv_hasher	 dh;
	struct drv		*d;
	const char		*e, *outname = "out";
	char			 outs[1][STOREPATH_MAX], *text;
	size_t			 len;

	if ((d = drv_new()) == NULL ||
	    drv_add_output(d, "out", "", "", "", &e) == -1 ||
	    drv_add_env(d, "builder", "/bin/sh", &e) == -1 ||
	    drv_add_env(d, "name", name, &e) == -1 ||
	    drv_add_env(d, "out", "", &e) == -1 ||
	    drv_add_env(d, "system", "x86_64-linux", &e) == -1 ||
	    drv_set_platform(d, "x86_64-linux", &e) == -1 ||
	    drv_set_builder(d, "/bin/sh", &e) == -1 ||
	    (src != NULL && drv_add_src(d, src, &e) == -1) ||
	    (indrv != NULL && drv_add_input(d, indrv, (char **)&outname, 1,
	    &e) == -1))
		errx(1, "make_drv_inputs: %s", e);
	drv_hasher_init(&dh, storedir, load_known, NULL);
	if (drv_output_paths(&dh, name, d, outs, &e) == -1)
		errx(1, "make_drv_inputs: %s", e);
	drv_hasher_clear(&dh);
	free(d->d_outputs[0].do_path);
	d->d_outputs[0].do_path = strdup(outs[0]);
	free(d->d_env[drv_find_env(d, "out")].de_value);
	d->d_env[drv_find_env(d, "out")].de_value = strdup(outs[0]);
	if (drv_unparse(d, 0, NULL, 0, &text, &len, &e) == -1 ||
	    drv_store_path(storedir, name, d, drvpath, sz, &e) == -1)
		errx(1, "make_drv_inputs: %s", e);
	drv_free(d);
	return (text);
}

/* Entries of the store dir, to see that a refused add left nothing. */
static size_t
count_store(void)
{
	return (mt_dir_count(storedir));
}

static void
expect_undeclared(const char *input, const char *what, size_t before)
{
	char	want[STOREPATH_MAX + 64];

	snprintf(want, sizeof(want), "its input '%s' is not among its "
	    "references", input);
	expect_error(want, what);
	st_expect_no_temp(what);
	if (count_store() != before)
		errx(1, "%s: something was added to the store", what);
}

/* A .drv through AddToStoreNar, text ca, claiming refs. */
static void
do_add_nar_drv(const char *name, const char *text, char **refs,
    size_t nrefs)
{
	struct msg_add_nar	 man;
	struct feeder		 f;
	struct st_buf		 nar;
	struct hash		 h;
	char			 file[512], path[STOREPATH_MAX], hex[80];
	char			 ca[128];

	snprintf(file, sizeof(file), "%s/%s", top, name);
	st_write_file(file, text, 0444);
	hash_buf(HASH_SHA256, text, strlen(text), &h);
	ca_format_text(&h, ca, sizeof(ca));
	if (storepath_make_text(storedir, name, &h, refs,
	    nrefs, path, sizeof(path)) == -1)
		errx(1, "storepath_make_text");
	st_nar_of(file, &nar);
	hash_buf(HASH_SHA256, nar.b_data, nar.b_len, &h);
	hash_format(&h, HASH_ENC_BASE16, 0, hex, sizeof(hex));
	reply_reset();
	memset(&man, 0, sizeof(man));
	man.man_info.pi_path = path;
	man.man_info.pi_narhash = hex;
	man.man_info.pi_narsize = nar.b_len;
	man.man_info.pi_ca = ca;
	man.man_info.pi_refs = refs;
	man.man_info.pi_nrefs = nrefs;
	if (msg_send_add_nar(&ib_client, next_sid, &man,
	    feeder_start(&f, nar.b_data, nar.b_len, SIZE_MAX)) == -1)
		errx(1, "msg_send_add_nar");
	f.f_sid = next_sid++;
	wait_reply();
	feeder_end(&f);
	free(nar.b_data);
}

/* Registers a .drv with no references, as an older rnixd could. */
static void
register_raw(const char *name, const char *text, char *path, size_t sz)
{
	struct hash	h;
	char		ca[128];

	hash_buf(HASH_SHA256, text, strlen(text), &h);
	ca_format_text(&h, ca, sizeof(ca));
	if (storepath_make_text(storedir, name, &h, NULL, 0, path, sz) == -1)
		errx(1, "storepath_make_text");
	st_register(path, text, ca, NULL, 0);
}

/*
 * A .drv must declare every input it names as a reference, and one
 * that does not is refused before its inputs are looked at: the
 * answer is the same whether an undeclared input exists or not.
 */
static void
test_drv_refs(void)
{
	char	*text, path[STOREPATH_MAX], *refs[2];
	size_t	 before;

	known_text[0] = make_drv("hello", 0, path, sizeof(path));
	known_text[1] = make_drv("absent", 0, absent_drv,
	    sizeof(absent_drv));
	before = count_store();

	printf("add a .drv not declaring its valid input source: refused\n");
	text = make_drv_inputs("usrc", added_text, NULL, path, sizeof(path));
	do_add("usrc.drv", "text:sha256", NULL, 0, text, strlen(text),
	    SIZE_MAX);
	expect_undeclared(added_text, "undeclared src", before);
	free(text);

	printf("add a .drv not declaring its valid input drv: refused\n");
	text = make_drv_inputs("udrv", NULL, drv_path, path, sizeof(path));
	do_add("udrv.drv", "text:sha256", NULL, 0, text, strlen(text),
	    SIZE_MAX);
	expect_undeclared(drv_path, "undeclared valid drv", before);
	free(text);

	printf("the same for an input drv that does not exist\n");
	text = make_drv_inputs("udrv", NULL, absent_drv, path, sizeof(path));
	do_add("udrv.drv", "text:sha256", NULL, 0, text, strlen(text),
	    SIZE_MAX);
	expect_undeclared(absent_drv, "undeclared absent drv", before);
	free(text);

	printf("the same as a flat file, which has no references\n");
	text = make_drv_inputs("udrv", NULL, drv_path, path, sizeof(path));
	do_add("udrv.drv", "fixed:sha256", NULL, 0, text, strlen(text),
	    SIZE_MAX);
	expect_undeclared(drv_path, "flat undeclared drv", before);

	printf("the same through AddToStoreNar\n");
	do_add_nar_drv("udrv.drv", text, NULL, 0);
	expect_undeclared(drv_path, "nar undeclared drv", before);
	free(text);

	printf("one of two inputs declared: refused\n");
	text = make_drv_inputs("half", added_text, drv_path, path,
	    sizeof(path));
	refs[0] = added_text;
	do_add("half.drv", "text:sha256", refs, 1, text, strlen(text),
	    SIZE_MAX);
	expect_undeclared(drv_path, "half declared", before);

	printf("both inputs declared: added at Nix's path\n");
	refs[1] = drv_path;
	do_add("half.drv", "text:sha256", refs, 2, text, strlen(text),
	    SIZE_MAX);
	expect_type(IMSG_STORE_INFO, "declared");
	if (strcmp(R.r_info.pi_path, path) != 0)
		errx(1, "declared: got %s, expected %s", R.r_info.pi_path,
		    path);
	free(text);

	printf("a valid .drv not declaring its input: the same refusal\n");
	text = make_drv_inputs("old", NULL, drv_path, path, sizeof(path));
	register_raw("old.drv", text, path, sizeof(path));
	before = count_store();
	do_add_nar_drv("old.drv", text, NULL, 0);
	expect_undeclared(drv_path, "valid undeclared nar", before);
	do_add("old.drv", "text:sha256", NULL, 0, text, strlen(text),
	    SIZE_MAX);
	expect_undeclared(drv_path, "valid undeclared text", before);
	free(text);
	free(known_text[0]);
	free(known_text[1]);
}

static void
test_queries(void)
{
	char	*paths[3], hp[40], invalid[STOREPATH_MAX];

	printf("QUERY_INFO of a path outside the store: refused\n");
	reply_reset();
	msg_send_path(&ib_client, IMSG_STORE_QUERY_INFO, next_sid++,
	    "/nonexistent", -1);
	wait_reply();
	expect_type(IMSG_STORE_ERROR, "outside the store");
	printf("QUERY_INFO of an invalid path: not found\n");
	snprintf(invalid, sizeof(invalid), "%s/"
	    "11111111111111111111111111111111-no", storedir);
	reply_reset();
	msg_send_path(&ib_client, IMSG_STORE_QUERY_INFO, next_sid++,
	    invalid, -1);
	wait_reply();
	expect_type(IMSG_STORE_INFO, "invalid info");
	if (R.r_found)
		errx(1, "invalid path found");
	printf("QUERY_VALID\n");
	paths[0] = added_text;
	paths[1] = drv_path;
	paths[2] = invalid;
	reply_reset();
	msg_send_paths(&ib_client, IMSG_STORE_QUERY_VALID, next_sid++, paths,
	    3);
	wait_reply();
	expect_type(IMSG_STORE_PATHS, "valid");
	if (R.r_npaths != 2)
		errx(1, "valid: got %zu paths, expected 2", R.r_npaths);
	printf("QUERY_REFERRERS\n");
	reply_reset();
	msg_send_path(&ib_client, IMSG_STORE_QUERY_REFERRERS, next_sid++,
	    added_text, -1);
	wait_reply();
	if (R.r_npaths != 1 || strcmp(R.r_paths[0], added_ref) != 0)
		errx(1, "referrers: got %zu", R.r_npaths);
	printf("QUERY_HASHPART\n");
	memcpy(hp, added_text + strlen(storedir) + 1, 32);
	hp[32] = '\0';
	reply_reset();
	msg_send_text(&ib_client, IMSG_STORE_QUERY_HASHPART, next_sid++, hp);
	wait_reply();
	if (R.r_npaths != 1 || strcmp(R.r_paths[0], added_text) != 0)
		errx(1, "hashpart: got %zu", R.r_npaths);
	printf("ENSURE valid and invalid\n");
	reply_reset();
	msg_send_path(&ib_client, IMSG_STORE_ENSURE, next_sid++, added_text,
	    -1);
	wait_reply();
	expect_type(IMSG_STORE_OK, "ensure valid");
	reply_reset();
	paths[0] = strdup(added_text);
	paths[0][strlen(storedir) + 1] = paths[0][strlen(storedir) + 1] ==
	    'a' ? 'b' : 'a';
	msg_send_path(&ib_client, IMSG_STORE_ENSURE, next_sid++, paths[0],
	    -1);
	wait_reply();
	expect_error("does not exist and cannot be created", "ensure");
	free(paths[0]);
	printf("ADD_SIGS\n");
	reply_reset();
	paths[0] = "cache.example.org-1:c2ln";
	msg_send_add_sigs(&ib_client, next_sid++, added_text, paths, 1);
	wait_reply();
	expect_type(IMSG_STORE_OK, "add sigs");
	reply_reset();
	msg_send_path(&ib_client, IMSG_STORE_QUERY_INFO, next_sid++,
	    added_text, -1);
	wait_reply();
	if (R.r_info.pi_nsigs != 1)
		errx(1, "sigs: got %zu, expected 1", R.r_info.pi_nsigs);
}

static void
test_nar_from_path(void)
{
	struct st_buf	want, got;
	char		chunk[4096];
	ssize_t		n;
	int		p[2];

	printf("NAR_FROM_PATH\n");
	st_nar_of(added_tree, &want);
	memset(&got, 0, sizeof(got));
	if (pipe2(p, O_CLOEXEC) == -1)
		err(1, "pipe");
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	reply_reset();
	msg_send_path(&ib_client, IMSG_STORE_NAR_FROM_PATH, next_sid++,
	    added_tree, p[1]);
	alarm(60);
	for (;;) {
		while ((n = read(p[0], chunk, sizeof(chunk))) > 0)
			st_buf_sink(&got, chunk, n);
		if (n == 0)
			break;
		event_loop(EVLOOP_ONCE | EVLOOP_NONBLOCK);
		usleep(1000);
	}
	wait_reply();
	close(p[0]);
	expect_type(IMSG_STORE_OK, "nar from path");
	if (got.b_len != want.b_len || memcmp(got.b_data, want.b_data,
	    got.b_len) != 0)
		errx(1, "nar from path: got %zu bytes, expected %zu",
		    got.b_len, want.b_len);
	free(want.b_data);
	free(got.b_data);
}

static void
gc_request(uint64_t action, char *path, uint64_t maxfreed)
{
	struct msg_gc	mg;

	memset(&mg, 0, sizeof(mg));
	mg.mg_action = action;
	mg.mg_paths = path != NULL ? &path : NULL;
	mg.mg_npaths = path != NULL;
	mg.mg_max_freed = maxfreed;
	reply_reset();
	msg_send_gc(&ib_client, next_sid++, &mg);
	wait_reply();
}

static int
gc_has(const char *path)
{
	size_t	i;

	for (i = 0; i < R.r_gc.mgr_npaths; i++)
		if (strcmp(R.r_gc.mgr_paths[i], path) == 0)
			return (1);
	return (0);
}

static void
test_gc(void)
{
	char		link[512], autodir[600];
	struct stat	st;
	uint32_t	sid;

	printf("GC: temporary roots keep added paths alive\n");
	gc_request(1, NULL, UINT64_MAX);
	expect_type(IMSG_STORE_GC_RESULT, "print dead");
	if (gc_has(added_text))
		errx(1, "temp root %s listed dead", added_text);
	for (sid = 1; sid < next_sid; sid++) {
		msg_send_empty(&ib_client, IMSG_STORE_SESSION_END, sid);
		event_loop(EVLOOP_ONCE | EVLOOP_NONBLOCK);
	}
	printf("GC: an indirect root\n");
	snprintf(link, sizeof(link), "%s/result", top);
	if (symlink(added_ref, link) == -1)
		err(1, "symlink");
	reply_reset();
	msg_send_text(&ib_client, IMSG_STORE_INDIRECT_ROOT, next_sid++,
	    link);
	wait_reply();
	expect_type(IMSG_STORE_OK, "indirect root");
	reply_reset();
	msg_send_empty(&ib_client, IMSG_STORE_FIND_ROOTS, next_sid++);
	wait_reply();
	expect_type(IMSG_STORE_ROOTS, "find roots");
	if (R.r_nroots != 1 || strcmp(R.r_roots[0].mr_link, link) != 0 ||
	    strcmp(R.r_roots[0].mr_target, added_ref) != 0)
		errx(1, "find roots: got %zu roots", R.r_nroots);
	gc_request(0, NULL, UINT64_MAX);
	if (!gc_has(added_ref) || !gc_has(added_text) || gc_has(added_tree))
		errx(1, "print live: wrong set of %zu", R.r_gc.mgr_npaths);
	printf("GC: deleting a live path is refused\n");
	gc_request(3, added_text, UINT64_MAX);
	expect_error("since it is still alive", "delete live");
	printf("GC: deleting a dead path\n");
	gc_request(3, added_tree, UINT64_MAX);
	expect_type(IMSG_STORE_GC_RESULT, "delete dead");
	/* 6 + 24 bytes of files and a 7-byte symlink */
	if (!gc_has(added_tree) || R.r_gc.mgr_bytes_freed != 37 ||
	    lstat(added_tree, &st) == 0)
		errx(1, "delete dead: got %llu bytes freed, expected 37",
		    (unsigned long long)R.r_gc.mgr_bytes_freed);
	printf("GC: a stale indirect root goes away\n");
	unlink(link);
	gc_request(2, NULL, UINT64_MAX);
	expect_type(IMSG_STORE_GC_RESULT, "gc");
	if (!gc_has(added_ref) || !gc_has(added_text) ||
	    strstr(R.r_log, "removing stale link") == NULL ||
	    strstr(R.r_log, "deleting garbage...") == NULL)
		errx(1, "gc: got %zu paths, log:\n%s", R.r_gc.mgr_npaths,
		    R.r_log);
	snprintf(autodir, sizeof(autodir), "%s/gcroots/auto", statedir);
	if (rmdir(autodir) == -1)
		errx(1, "auto link left in %s", autodir);
	if (lstat(added_text, &st) == 0)
		errx(1, "%s not deleted", added_text);
}

/* QUERY_INTACT of path: answered with it if intact, else with none. */
static void
test_intact(char *path, int intact)
{
	printf("QUERY_INTACT: %s path\n", intact ? "an intact" : "a modified");
	reply_reset();
	msg_send_paths(&ib_client, IMSG_STORE_QUERY_INTACT, next_sid++,
	    &path, 1);
	wait_reply();
	expect_type(IMSG_STORE_PATHS, "QUERY_INTACT");
	if (R.r_npaths != (size_t)intact || (intact &&
	    strcmp(R.r_paths[0], path) != 0))
		errx(1, "QUERY_INTACT: got %zu paths, expected %d",
		    R.r_npaths, intact);
}

static void
test_verify(void)
{
	char	path[STOREPATH_MAX + 16];
	int	fd;

	do_add("verify.txt", "text:sha256", NULL, 0, "verify me\n", 10,
	    SIZE_MAX);
	expect_type(IMSG_STORE_INFO, "add for verify");
	strlcpy(drv_path, R.r_info.pi_path, sizeof(drv_path));
	printf("VERIFY: a sound store\n");
	reply_reset();
	msg_send_verify(&ib_client, next_sid++, 1, 0);
	wait_reply();
	expect_type(IMSG_STORE_VERIFY_RESULT, "verify");
	if (R.r_errors != 0)
		errx(1, "verify: errors in a sound store:\n%s", R.r_log);
	test_intact(drv_path, 1);
	printf("VERIFY: a modified file\n");
	snprintf(path, sizeof(path), "%s", drv_path);
	chmod(path, 0644);
	if ((fd = open(path, O_WRONLY | O_APPEND)) == -1 ||
	    write(fd, "x", 1) != 1)
		err(1, "%s", path);
	close(fd);
	reply_reset();
	msg_send_verify(&ib_client, next_sid++, 1, 0);
	wait_reply();
	if (R.r_errors != 1 || strstr(R.r_log, "was modified!") == NULL)
		errx(1, "verify modified: got %d, log:\n%s", R.r_errors,
		    R.r_log);
	printf("VERIFY: repair of a modified path without a deriver\n");
	reply_reset();
	msg_send_verify(&ib_client, next_sid++, 1, 1);
	wait_reply();
	expect_type(IMSG_STORE_VERIFY_RESULT, "verify repair");
	if (R.r_errors != 1 || R.r_ndrvs != 0 ||
	    strstr(R.r_log, "cannot repair path") == NULL)
		errx(1, "verify repair: got %d, %zu derivers, log:\n%s",
		    R.r_errors, R.r_ndrvs, R.r_log);
	test_intact(drv_path, 0);
	printf("QUERY_INTACT: not a store path\n");
	reply_reset();
	msg_send_paths(&ib_client, IMSG_STORE_QUERY_INTACT, next_sid++,
	    (char *[]){ "/elsewhere/x" }, 1);
	wait_reply();
	expect_type(IMSG_STORE_ERROR, "QUERY_INTACT of a bad path");
	printf("VERIFY: a vanished path leaves the database\n");
	unlink(path);
	reply_reset();
	msg_send_verify(&ib_client, next_sid++, 0, 0);
	wait_reply();
	if (strstr(R.r_log, "disappeared, removing from database") == NULL)
		errx(1, "verify vanished: log:\n%s", R.r_log);
	reply_reset();
	msg_send_path(&ib_client, IMSG_STORE_QUERY_INFO, next_sid++,
	    drv_path, -1);
	wait_reply();
	if (R.r_found)
		errx(1, "vanished %s still valid", drv_path);
}

int
main(void)
{
	setup();
	test_add_text();
	test_add_nar();
	test_add_flat();
	test_add_hostile();
	test_add_concurrent();
	test_add_nar_info();
	test_drv();
	test_queries();
	test_drv_refs();
	test_nar_from_path();
	test_gc();
	test_verify();
	reply_reset();
	st_cleanup();
	return (0);
}
