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
 * msg_store_*.c: every send/recv pair of msg_store.h over a real imsg
 * channel.  Each message makes a round trip with realistic values (no,
 * one and many items; the longest strings allowed), then its good
 * payload is damaged in every generic way (truncated at every offset,
 * a trailing byte, a missing or unexpected fd) and in the ways that
 * message's own rules forbid, and each damaged copy must be refused
 * with the expected error.  /proc/self/fd is counted around every case
 * so no received descriptor may leak; LeakSanitizer checks memory in
 * the -asan build.  Oversized replies must turn into STORE_ERROR and
 * oversized requests into -1, never into a fatal compose.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "hash.h"
#include "imsg.h"
#include "imsgev.h"
#include "log.h"
#include "msg_store.h"
#include "proc.h"
#include "storepath.h"
#include "wire.h"
#include "msgtest.h"

/* link: regress/msg/msgtest.c */

#define STOREDIR	"/nix/store"
#define SID		0x5e5510
#define TRUNCATED	"truncated payload"
#define TRAILING	"trailing bytes in payload"
#define TOO_MANY	"too many items"
#define BAD_PAD		"non-zero string padding"
#define HAS_NUL		"string contains a NUL byte"
#define TOO_LONG	"string too long"
#define BAD_HASH	"store path has an invalid hash part"
#define NOT_IN_STORE	"path is not in the store"
#define BAD_FLAG	"flag is neither 0 nor 1"

/* One message kind: how to receive it, freeing what was received. */
struct kind {
	const char	*k_name;
	uint32_t	 k_type;
	int		 k_fd;		/* the message needs an fd */
	int		(*k_recv)(struct imsg *, const char **);
};

/* A payload captured as it went over the channel. */
struct capture {
	unsigned char	*c_buf;
	size_t		 c_len;
};

static struct imsgbuf	 ib_send, ib_recv;
static struct imsgev	 iev;
static size_t		 ncases;

static void	channel(struct imsgbuf *, struct imsgbuf *, size_t);
static int	dispatch_none(struct imsgev *, struct imsg *);
static void	recv_msg(uint32_t, struct imsg *, struct capture *);
static void	send_raw(uint32_t, int, const void *, size_t, struct imsg *);
static void	expect_fail(const struct kind *, const char *, const void *,
		    size_t, int, const char *);
static void	expect_ok(const struct kind *, const char *, const void *,
		    size_t, int);
static void	generic(const struct kind *, const struct capture *);
static void	out_init(struct wire_out *);
static void	out_fail(const struct kind *, const char *, struct wire_out *,
		    const char *);
static void	put_badpad(struct wire_out *, const char *);
static char	*mkpath(unsigned int, size_t, const char *);
static char	**mkpaths(size_t, size_t);
static char	*mkstr(size_t, char);
static void	same_str(const char *, const char *, const char *);
static void	same_list(const char *, char *const *, size_t, char *const *,
		    size_t);
static void	expect_error(const char *, const char *);
static void	check_pipe(const char *, int, int);
static void	test_path(void);
static void	test_path_faults(void);
static void	test_paths(void);
static void	test_derived(void);
static void	test_paths_limits(void);
static void	test_empty(void);
static void	test_text(void);
static void	test_text_rules(void);
static void	test_method(void);
static void	test_add(void);
static void	test_add_faults(void);
static void	test_add_nar(void);
static void	test_add_nar_faults(void);
static void	test_info(void);
static void	test_outputs(void);
static void	test_missing(void);
static void	test_gc(void);
static void	test_gc_result(void);
static void	test_roots(void);
static void	test_add_sigs(void);
static void	test_verify(void);
static void	test_readlinks(void);
static void	test_readlinks_reply(void);
static void	test_readlinks_reply_faults(void);
static void	test_build_result(void);
static void	test_build_checks(void);
static void	test_small_channel(void);

/* Receivers for the generic cases: they free what they got. */

static int
r_path(struct imsg *imsg, const char **errstr)
{
	char	*path;
	int	 fd = -1;

	if (msg_recv_path(imsg, STOREDIR, &path, &fd, errstr) == -1)
		return (-1);
	free(path);
	if (fd != -1)
		close(fd);
	return (0);
}

static int
r_paths(struct imsg *imsg, const char **errstr)
{
	char	**paths;
	size_t	  npaths;

	if (msg_recv_paths(imsg, STOREDIR, 0, &paths, &npaths,
	    errstr) == -1)
		return (-1);
	wire_strings_free(paths, npaths);
	return (0);
}

static int
r_derived(struct imsg *imsg, const char **errstr)
{
	char	**paths;
	size_t	  npaths;

	if (msg_recv_paths(imsg, STOREDIR, 1, &paths, &npaths,
	    errstr) == -1)
		return (-1);
	wire_strings_free(paths, npaths);
	return (0);
}

static int
r_empty(struct imsg *imsg, const char **errstr)
{
	return (msg_recv_empty(imsg, errstr));
}

static int
r_text(struct imsg *imsg, const char **errstr)
{
	char	*text;

	if (msg_recv_text(imsg, SIZE_MAX, &text, errstr) == -1)
		return (-1);
	free(text);
	return (0);
}

static int
r_add(struct imsg *imsg, const char **errstr)
{
	struct msg_add	ma;
	int		fd;

	if (msg_recv_add(imsg, STOREDIR, &ma, &fd, errstr) == -1)
		return (-1);
	msg_add_free(&ma);
	close(fd);
	return (0);
}

static int
r_add_nar(struct imsg *imsg, const char **errstr)
{
	struct msg_add_nar	man;
	int			fd;

	if (msg_recv_add_nar(imsg, STOREDIR, &man, &fd, errstr) == -1)
		return (-1);
	msg_add_nar_free(&man);
	close(fd);
	return (0);
}

static int
r_info(struct imsg *imsg, const char **errstr)
{
	struct wire_path_info	pi;
	int			found;

	if (msg_recv_info(imsg, STOREDIR, &found, &pi, errstr) == -1)
		return (-1);
	wire_path_info_free(&pi);
	return (0);
}

static int
r_outputs(struct imsg *imsg, const char **errstr)
{
	struct msg_output	*mo;
	size_t			 n;

	if (msg_recv_outputs(imsg, STOREDIR, &mo, &n, errstr) == -1)
		return (-1);
	msg_outputs_free(mo, n);
	return (0);
}

static int
r_build_result(struct imsg *imsg, const char **errstr)
{
	struct msg_build_result	mbr;

	if (msg_recv_build_result(imsg, STOREDIR, &mbr, errstr) == -1)
		return (-1);
	msg_build_result_free(&mbr);
	return (0);
}

static int
r_build_outputs(struct imsg *imsg, const char **errstr)
{
	struct msg_build	mb;
	int			fd;

	if (msg_recv_build_outputs(imsg, STOREDIR, &mb, &fd, errstr) == -1)
		return (-1);
	close(fd);
	msg_build_free(&mb);
	return (0);
}

static int
r_missing(struct imsg *imsg, const char **errstr)
{
	struct msg_missing	mm;

	if (msg_recv_missing(imsg, STOREDIR, &mm, errstr) == -1)
		return (-1);
	msg_missing_free(&mm);
	return (0);
}

static int
r_gc(struct imsg *imsg, const char **errstr)
{
	struct msg_gc	mg;

	if (msg_recv_gc(imsg, STOREDIR, &mg, errstr) == -1)
		return (-1);
	msg_gc_free(&mg);
	return (0);
}

static int
r_gc_result(struct imsg *imsg, const char **errstr)
{
	struct msg_gc_result	mgr;

	if (msg_recv_gc_result(imsg, STOREDIR, &mgr, errstr) == -1)
		return (-1);
	msg_gc_result_free(&mgr);
	return (0);
}

static int
r_roots(struct imsg *imsg, const char **errstr)
{
	struct msg_root	*mr;
	size_t		 n;

	if (msg_recv_roots(imsg, STOREDIR, &mr, &n, errstr) == -1)
		return (-1);
	msg_roots_free(mr, n);
	return (0);
}

static int
r_add_sigs(struct imsg *imsg, const char **errstr)
{
	char	*path, **sigs;
	size_t	 nsigs;

	if (msg_recv_add_sigs(imsg, STOREDIR, &path, &sigs, &nsigs,
	    errstr) == -1)
		return (-1);
	free(path);
	wire_strings_free(sigs, nsigs);
	return (0);
}

static int
r_verify(struct imsg *imsg, const char **errstr)
{
	int	check, repair;

	return (msg_recv_verify(imsg, &check, &repair, errstr));
}

static int
r_verify_result(struct imsg *imsg, const char **errstr)
{
	char	**drvs;
	size_t	  ndrvs;
	int	  found;

	if (msg_recv_verify_result(imsg, STOREDIR, &found, &drvs, &ndrvs,
	    errstr) == -1)
		return (-1);
	wire_strings_free(drvs, ndrvs);
	return (0);
}

static const struct kind k_query_info = {
	"QUERY_INFO", IMSG_STORE_QUERY_INFO, 0, r_path };
static const struct kind k_temp_root = {
	"TEMP_ROOT", IMSG_STORE_TEMP_ROOT, 0, r_path };
static const struct kind k_nar_from_path = {
	"NAR_FROM_PATH", IMSG_STORE_NAR_FROM_PATH, 1, r_path };
static const struct kind k_query_valid = {
	"QUERY_VALID", IMSG_STORE_QUERY_VALID, 0, r_paths };
static const struct kind k_store_paths = {
	"STORE_PATHS", IMSG_STORE_PATHS, 0, r_paths };
static const struct kind k_query_missing = {
	"QUERY_MISSING", IMSG_STORE_QUERY_MISSING, 0, r_derived };
static const struct kind k_store_ok = {
	"STORE_OK", IMSG_STORE_OK, 0, r_empty };
static const struct kind k_session_end = {
	"SESSION_END", IMSG_STORE_SESSION_END, 0, r_empty };
static const struct kind k_error = {
	"STORE_ERROR", IMSG_STORE_ERROR, 0, r_text };
static const struct kind k_log = {
	"STORE_LOG", IMSG_STORE_LOG, 0, r_text };
static const struct kind k_hashpart = {
	"QUERY_HASHPART", IMSG_STORE_QUERY_HASHPART, 0, r_text };
static const struct kind k_indirect = {
	"INDIRECT_ROOT", IMSG_STORE_INDIRECT_ROOT, 0, r_text };
static const struct kind k_add = {
	"STORE_ADD", IMSG_STORE_ADD, 1, r_add };
static const struct kind k_add_nar = {
	"STORE_ADD_NAR", IMSG_STORE_ADD_NAR, 1, r_add_nar };
static const struct kind k_info = {
	"STORE_INFO", IMSG_STORE_INFO, 0, r_info };
static const struct kind k_outputs = {
	"STORE_OUTPUTS", IMSG_STORE_OUTPUTS, 0, r_outputs };
static const struct kind k_build_outputs = {
	"BUILD_OUTPUTS", IMSG_STORE_BUILD_OUTPUTS, 1, r_build_outputs
};
static const struct kind k_build_result = {
	"STORE_BUILD_RESULT", IMSG_STORE_BUILD_RESULT, 0, r_build_result };
static const struct kind k_missing = {
	"STORE_MISSING", IMSG_STORE_MISSING, 0, r_missing };
static const struct kind k_gc = {
	"STORE_GC", IMSG_STORE_GC, 0, r_gc };
static const struct kind k_gc_result = {
	"STORE_GC_RESULT", IMSG_STORE_GC_RESULT, 0, r_gc_result };
static const struct kind k_roots = {
	"STORE_ROOTS", IMSG_STORE_ROOTS, 0, r_roots };
static const struct kind k_add_sigs = {
	"STORE_ADD_SIGS", IMSG_STORE_ADD_SIGS, 0, r_add_sigs };
static const struct kind k_verify = {
	"STORE_VERIFY", IMSG_STORE_VERIFY, 0, r_verify };
static const struct kind k_verify_result = {
	"STORE_VERIFY_RESULT", IMSG_STORE_VERIFY_RESULT, 0, r_verify_result };
static const struct kind k_readlinks = {
	"CTL_READLINKS", IMSG_CTL_READLINKS, 0, mt_r_readlinks };
static const struct kind k_readlinks_reply = {
	"CTL_READLINKS_REPLY", IMSG_CTL_READLINKS_REPLY, 0,
	mt_r_readlinks_reply };

/* Plumbing. */

static void
channel(struct imsgbuf *a, struct imsgbuf *b, size_t maxsize)
{
	int	sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sv) == -1)
		err(1, "socketpair");
	if (imsgbuf_init(a, sv[0]) == -1 || imsgbuf_init(b, sv[1]) == -1)
		err(1, "imsgbuf_init");
	if (imsgbuf_set_maxsize(a, maxsize) == -1 ||
	    imsgbuf_set_maxsize(b, maxsize) == -1)
		err(1, "imsgbuf_set_maxsize");
}

static int
dispatch_none(struct imsgev *e, struct imsg *imsg)
{
	(void)e;
	errx(1, "unexpected message %s on the sending side",
	    imsg_type_name(imsg_get_type(imsg)));
}

/* The next message from iev, which must be of type with our sid. */
static void
recv_msg(uint32_t type, struct imsg *imsg, struct capture *cap)
{
	const void	*buf;
	size_t		 len;

	mt_pump(&ib_send, &ib_recv, imsg, NULL);
	if (imsg_get_type(imsg) != type)
		errx(1, "got message %s, expected %s",
		    imsg_type_name(imsg_get_type(imsg)), imsg_type_name(type));
	if (type != IMSG_CTL_READLINKS && imsg_get_peerid(imsg) != SID)
		errx(1, "%s: got peerid %u, expected %u", imsg_type_name(type),
		    imsg_get_peerid(imsg), SID);
	if (cap == NULL)
		return;
	buf = imsg_get_buf(imsg, &len);
	cap->c_len = len;
	if ((cap->c_buf = malloc(len + 1)) == NULL)
		err(1, NULL);
	if (len > 0)
		memcpy(cap->c_buf, buf, len);
}

/* Send any bytes as type, with a fresh pipe's read end if withfd. */
static void
send_raw(uint32_t type, int withfd, const void *buf, size_t len,
    struct imsg *imsg)
{
	int	p[2] = { -1, -1 };

	if (withfd && pipe2(p, O_CLOEXEC) == -1)
		err(1, "pipe2");
	if (imsg_compose(&ib_send, type, SID, 0, p[0], buf, len) == -1)
		err(1, "imsg_compose");
	if (p[1] != -1)
		close(p[1]);
	mt_pump(&ib_send, &ib_recv, imsg, NULL);
}

static void
expect_fail(const struct kind *k, const char *what, const void *buf,
    size_t len, int withfd, const char *want)
{
	struct imsg	 imsg;
	const char	*errstr = NULL;
	int		 before, r;

	before = mt_fd_count();
	send_raw(k->k_type, withfd, buf, len, &imsg);
	r = k->k_recv(&imsg, &errstr);
	imsg_free(&imsg);
	if (r != -1)
		errx(1, "%s, %s: got accepted, expected \"%s\"", k->k_name,
		    what, want);
	if (errstr == NULL || strcmp(errstr, want) != 0)
		errx(1, "%s, %s: got \"%s\", expected \"%s\"", k->k_name,
		    what, errstr != NULL ? errstr : "(null)", want);
	mt_fd_expect(what, before);
	ncases++;
}

static void
expect_ok(const struct kind *k, const char *what, const void *buf,
    size_t len, int withfd)
{
	struct imsg	 imsg;
	const char	*errstr = NULL;
	int		 before, r;

	before = mt_fd_count();
	send_raw(k->k_type, withfd, buf, len, &imsg);
	r = k->k_recv(&imsg, &errstr);
	imsg_free(&imsg);
	if (r != 0)
		errx(1, "%s, %s: got \"%s\", expected success", k->k_name,
		    what, errstr != NULL ? errstr : "(null)");
	mt_fd_expect(what, before);
	ncases++;
}

/*
 * The damage every message must survive.  Long payloads are cut at
 * every offset of their first KiB and at 1024 places spread over the
 * rest, which still crosses every field boundary of the test data.
 */
static void
generic(const struct kind *k, const struct capture *cap)
{
	char	what[64];
	size_t	off, step;

	printf("%s: generic damage of a %zu-byte payload\n", k->k_name,
	    cap->c_len);
	expect_ok(k, "resent as is", cap->c_buf, cap->c_len, k->k_fd);
	step = cap->c_len <= 4096 ? 1 : cap->c_len / 1024;
	for (off = 0; off < cap->c_len; off += off < 1024 ? 1 : step) {
		snprintf(what, sizeof(what), "truncated to %zu", off);
		expect_fail(k, what, cap->c_buf, off, k->k_fd, TRUNCATED);
	}
	if (cap->c_len > 0)
		expect_fail(k, "truncated by one", cap->c_buf, cap->c_len - 1,
		    k->k_fd, TRUNCATED);
	cap->c_buf[cap->c_len] = 0x2a;
	expect_fail(k, "one trailing byte", cap->c_buf, cap->c_len + 1,
	    k->k_fd, TRAILING);
	if (k->k_fd)
		expect_fail(k, "missing fd", cap->c_buf, cap->c_len, 0,
		    "missing fd");
	else
		expect_fail(k, "unexpected fd", cap->c_buf, cap->c_len, 1,
		    "unexpected fd");
}

static void
out_init(struct wire_out *out)
{
	wire_out_init(out, 64 * 1024 * 1024);
}

/* Send what out holds, expect it refused, free it. */
static void
out_fail(const struct kind *k, const char *what, struct wire_out *out,
    const char *want)
{
	if (out->wo_error)
		errx(1, "%s: building the payload failed", what);
	expect_fail(k, what, out->wo_buf, out->wo_len, k->k_fd, want);
	wire_out_free(out);
}

/* A string whose last padding byte is not zero. */
static void
put_badpad(struct wire_out *out, const char *s)
{
	if (strlen(s) % 8 == 0)
		errx(1, "put_badpad: \"%s\" has no padding", s);
	(void)wire_put_string(out, s);
	out->wo_buf[out->wo_len - 1] = 'x';
}

/*
 * A real text store path: seed picks the contents hashed, the name is
 * prefix, then "-<seed>", padded with 'x' to namelen characters.
 */
static char *
mkpath(unsigned int seed, size_t namelen, const char *prefix)
{
	struct hash	 h;
	char		 name[STOREPATH_NAME_MAX + 1], out[STOREPATH_MAX];
	char		*p;
	int		 n;

	hash_buf(HASH_SHA256, &seed, sizeof(seed), &h);
	n = snprintf(name, sizeof(name), "%s-%u", prefix, seed);
	if (n < 0 || (size_t)n > namelen || namelen > STOREPATH_NAME_MAX)
		errx(1, "mkpath: bad name length %zu", namelen);
	memset(name + n, 'x', namelen - n);
	name[namelen] = '\0';
	if (storepath_make_text(STOREDIR, name, &h, NULL, 0, out,
	    sizeof(out)) == -1)
		errx(1, "storepath_make_text %s", name);
	if ((p = strdup(out)) == NULL)
		err(1, NULL);
	return (p);
}

static char **
mkpaths(size_t n, size_t namelen)
{
	char	**paths;
	size_t	  i;

	if ((paths = calloc(n + 1, sizeof(*paths))) == NULL)
		err(1, NULL);
	for (i = 0; i < n; i++)
		paths[i] = mkpath(i, namelen, "p");
	return (paths);
}

static char *
mkstr(size_t len, char c)
{
	char	*s;

	if ((s = malloc(len + 1)) == NULL)
		err(1, NULL);
	memset(s, c, len);
	s[len] = '\0';
	return (s);
}

static void
same_str(const char *what, const char *got, const char *want)
{
	if (got == NULL && want == NULL)
		return;
	if (got == NULL || want == NULL || strcmp(got, want) != 0)
		errx(1, "%s: got \"%.60s\", expected \"%.60s\"", what,
		    got != NULL ? got : "(null)", want != NULL ? want :
		    "(null)");
}

static void
same_list(const char *what, char *const *got, size_t ngot,
    char *const *want, size_t nwant)
{
	size_t	i;

	if (ngot != nwant)
		errx(1, "%s: got %zu items, expected %zu", what, ngot, nwant);
	for (i = 0; i < ngot; i++)
		same_str(what, got[i], want[i]);
	if (got[ngot] != NULL)
		errx(1, "%s: list not NULL-terminated", what);
}

/* The next message must be STORE_ERROR with this text. */
static void
expect_error(const char *what, const char *want)
{
	struct imsg	 imsg;
	const char	*errstr;
	char		*text;

	recv_msg(IMSG_STORE_ERROR, &imsg, NULL);
	if (msg_recv_text(&imsg, MSG_ERROR_MAX, &text, &errstr) == -1)
		errx(1, "%s: STORE_ERROR refused: %s", what, errstr);
	same_str(what, text, want);
	free(text);
	imsg_free(&imsg);
}

/* fd must be the read end of the pipe whose write end is wfd. */
static void
check_pipe(const char *what, int fd, int wfd)
{
	char	c = 0;

	if (fd == -1)
		errx(1, "%s: got no fd, expected the pipe", what);
	if (write(wfd, "z", 1) != 1)
		err(1, "write");
	if (read(fd, &c, 1) != 1 || c != 'z')
		errx(1, "%s: the fd received is not the pipe sent", what);
	close(fd);
	close(wfd);
}

/* One store path. */

static void
test_path(void)
{
	struct capture	 cap;
	struct imsg	 imsg;
	const char	*errstr;
	char		*path, *got;
	int		 p[2], fd;

	printf("path: round trips with and without fd\n");
	path = mkpath(1, STOREPATH_NAME_MAX, "max");
	if (msg_send_path(&ib_send, IMSG_STORE_QUERY_INFO, SID, path, -1) != 0)
		errx(1, "msg_send_path: got -1, expected 0");
	recv_msg(IMSG_STORE_QUERY_INFO, &imsg, &cap);
	fd = 7;
	if (msg_recv_path(&imsg, STOREDIR, &got, &fd, &errstr) == -1)
		errx(1, "QUERY_INFO: %s", errstr);
	same_str("QUERY_INFO path", got, path);
	if (fd != -1)
		errx(1, "QUERY_INFO: got fd %d, expected -1", fd);
	free(got);
	imsg_free(&imsg);
	generic(&k_query_info, &cap);
	free(cap.c_buf);

	/* fd may be NULL where none is carried. */
	(void)msg_send_path(&ib_send, IMSG_STORE_TEMP_ROOT, SID, path, -1);
	recv_msg(IMSG_STORE_TEMP_ROOT, &imsg, &cap);
	if (msg_recv_path(&imsg, STOREDIR, &got, NULL, &errstr) == -1)
		errx(1, "TEMP_ROOT: %s", errstr);
	same_str("TEMP_ROOT path", got, path);
	free(got);
	imsg_free(&imsg);
	generic(&k_temp_root, &cap);
	free(cap.c_buf);

	if (pipe2(p, O_CLOEXEC) == -1)
		err(1, "pipe2");
	(void)msg_send_path(&ib_send, IMSG_STORE_NAR_FROM_PATH, SID, path,
	    p[0]);
	recv_msg(IMSG_STORE_NAR_FROM_PATH, &imsg, &cap);
	if (msg_recv_path(&imsg, STOREDIR, &got, &fd, &errstr) == -1)
		errx(1, "NAR_FROM_PATH: %s", errstr);
	same_str("NAR_FROM_PATH path", got, path);
	check_pipe("NAR_FROM_PATH", fd, p[1]);
	free(got);
	imsg_free(&imsg);
	generic(&k_nar_from_path, &cap);

	/* An fd where the caller has no place for one. */
	fd = mt_fd_count();
	send_raw(IMSG_STORE_NAR_FROM_PATH, 1, cap.c_buf, cap.c_len, &imsg);
	if (msg_recv_path(&imsg, STOREDIR, &got, NULL, &errstr) != -1 ||
	    strcmp(errstr, "unexpected fd") != 0)
		errx(1, "NAR_FROM_PATH without a place for the fd: accepted");
	imsg_free(&imsg);
	mt_fd_expect("NAR_FROM_PATH without a place for the fd", fd);
	free(cap.c_buf);
	free(path);
}

static void
test_path_faults(void)
{
	struct wire_out	 out;
	char		*path, *bad;

	printf("path: malformed\n");
	path = mkpath(1, STOREPATH_NAME_MAX, "max");
	out_init(&out);
	put_badpad(&out, path);
	out_fail(&k_query_info, "bad padding", &out, BAD_PAD);
	out_init(&out);
	(void)wire_put_bytes(&out, "/nix/store/\0abc", 15);
	out_fail(&k_query_info, "NUL in path", &out, HAS_NUL);
	bad = strdup(path);
	bad[strlen(STOREDIR) + 1] = 'e';	/* not a Nix base32 digit */
	out_init(&out);
	(void)wire_put_string(&out, bad);
	out_fail(&k_query_info, "bad hash part", &out, BAD_HASH);
	memcpy(bad, "/gnu", 4);
	out_init(&out);
	(void)wire_put_string(&out, bad);
	out_fail(&k_nar_from_path, "other store dir", &out, NOT_IN_STORE);
	out_init(&out);
	(void)wire_put_string(&out, "/nix/store/abc");
	out_fail(&k_temp_root, "short path", &out, "store path is too short");
	out_init(&out);
	(void)wire_put_u64(&out, STOREPATH_MAX);
	out_fail(&k_query_info, "length over the path limit", &out,
	    TOO_LONG);
	free(bad);
	free(path);
}

/* Sets of store paths. */

static void
paths_round_trip(const struct kind *k, char **paths, size_t npaths,
    int damage)
{
	struct capture	  cap;
	struct imsg	  imsg;
	const char	 *errstr;
	char		**got;
	size_t		  ngot;

	if (msg_send_paths(&ib_send, k->k_type, SID, paths, npaths) != 0)
		errx(1, "%s: msg_send_paths of %zu: got -1, expected 0",
		    k->k_name, npaths);
	recv_msg(k->k_type, &imsg, &cap);
	if (msg_recv_paths(&imsg, STOREDIR, k->k_recv == r_derived, &got,
	    &ngot, &errstr) == -1)
		errx(1, "%s of %zu: %s", k->k_name, npaths, errstr);
	same_list(k->k_name, got, ngot, paths, npaths);
	wire_strings_free(got, ngot);
	imsg_free(&imsg);
	if (damage)
		generic(k, &cap);
	free(cap.c_buf);
}

static void
test_paths(void)
{
	struct wire_out	  out;
	char		**paths, *bad;

	printf("paths: 0, 1, 3 and 1000 items\n");
	paths = mkpaths(1000, 40);
	paths_round_trip(&k_query_valid, paths, 0, 1);
	paths_round_trip(&k_query_valid, paths, 1, 1);
	paths_round_trip(&k_store_paths, paths, 3, 1);
	paths_round_trip(&k_store_paths, paths, 1000, 1);

	printf("paths: malformed\n");
	out_init(&out);
	(void)wire_put_u64(&out, 2);
	(void)wire_put_string(&out, paths[0]);
	put_badpad(&out, paths[1]);
	out_fail(&k_query_valid, "bad padding in item 2", &out, BAD_PAD);
	out_init(&out);
	(void)wire_put_u64(&out, 2);
	(void)wire_put_string(&out, paths[0]);
	(void)wire_put_bytes(&out, paths[1], strlen(paths[1]) + 1);
	out_fail(&k_store_paths, "NUL in item 2", &out, HAS_NUL);
	out_init(&out);
	(void)wire_put_u64(&out, MSG_PATHS_MAX + 1);
	out_fail(&k_store_paths, "count over the limit", &out, TOO_MANY);
	bad = strdup(paths[2]);
	bad[strlen(bad) - 1] = '/';
	out_init(&out);
	(void)wire_put_strings(&out, (char *[]){ paths[0], bad }, 2);
	out_fail(&k_query_valid, "bad name", &out,
	    "store path name contains an illegal character");
	out_init(&out);
	(void)wire_put_strings(&out, (char *[]){ "/nix/store" }, 1);
	out_fail(&k_query_valid, "the store dir", &out, NOT_IN_STORE);
	free(bad);
	wire_strings_free(paths, 1000);
}

/* DerivedPath strings of QUERY_MISSING. */

/* One DerivedPath of path and suffix must be refused. */
static void
derived_fail(const char *what, const char *path, const char *suffix,
    const char *want)
{
	struct wire_out	 out;
	char		*s;

	if (asprintf(&s, "%s%s", path, suffix) == -1)
		err(1, NULL);
	out_init(&out);
	(void)wire_put_strings(&out, &s, 1);
	out_fail(&k_query_missing, what, &out, want);
	free(s);
}

static void
test_derived(void)
{
	struct wire_out	 out;
	char		*path, *drv, *opaque, *items[6], *longout, *s;
	int		 i;

	printf("derived paths: opaque, *, one and several outputs\n");
	path = mkpath(7, 10, "hello");
	if (asprintf(&drv, "%s.drv", path) == -1)
		err(1, NULL);
	opaque = mkpath(8, 20, "out");
	longout = mkstr(MSG_NAME_MAX, 'o');
	if (asprintf(&items[0], "%s", opaque) == -1 ||
	    asprintf(&items[1], "%s!*", drv) == -1 ||
	    asprintf(&items[2], "%s!out", drv) == -1 ||
	    asprintf(&items[3], "%s!dev,out", drv) == -1 ||
	    asprintf(&items[4], "%s", drv) == -1 ||
	    asprintf(&items[5], "%s!bin,%s", drv, longout) == -1)
		err(1, NULL);
	paths_round_trip(&k_query_missing, items, 6, 1);

	printf("derived paths: malformed\n");
	out_init(&out);
	(void)wire_put_strings(&out, items + 2, 1);
	out_fail(&k_query_valid, "a derived path where paths go", &out,
	    "store path name contains an illegal character");
	derived_fail("empty outputs", drv, "!", "invalid output name in "
	    "derived path");
	derived_fail("trailing comma", drv, "!out,", "invalid output name "
	    "in derived path");
	derived_fail("leading comma", drv, "!,out", "invalid output name "
	    "in derived path");
	derived_fail("* in a list", drv, "!*,out", "invalid output name in "
	    "derived path");
	derived_fail("two bangs", drv, "!o!ut", "invalid output name in "
	    "derived path");
	derived_fail("space in output", drv, "!o ut", "invalid output name "
	    "in derived path");
	derived_fail("not a .drv", opaque, "!out",
	    "derived path does not name a derivation");
	derived_fail("bad store path", "/nix/store/x.drv", "!out",
	    "store path is too short");
	derived_fail("path not in store", "/tmp/x.drv", "!out",
	    NOT_IN_STORE);
	free(longout);
	longout = mkstr(MSG_NAME_MAX + 1, 'o');
	if (asprintf(&s, "!%s", longout) == -1)
		err(1, NULL);
	derived_fail("output name too long", drv, s, "invalid output name "
	    "in derived path");
	free(s);
	s = mkstr(MSG_DERIVED_MAX + 1 - strlen(drv), 'o');
	s[0] = '!';
	derived_fail("longer than MSG_DERIVED_MAX", drv, s, TOO_LONG);
	free(s);
	out_init(&out);
	(void)wire_put_u64(&out, 1);
	(void)wire_put_bytes(&out, items[2], strlen(items[2]) + 1);
	out_fail(&k_query_missing, "NUL", &out, HAS_NUL);
	for (i = 0; i < 6; i++)
		free(items[i]);
	free(longout);
	free(drv);
	free(path);
	free(opaque);
}

/* Counts and sizes at and over the limits, replies and requests. */

static void
test_paths_limits(void)
{
	char	**paths;
	int	  p[2], before;
	struct msg_add	ma;

	printf("paths: MSG_PATHS_MAX accepted, one more refused\n");
	paths = mkpaths(MSG_PATHS_MAX + 1, 10);
	paths_round_trip(&k_store_paths, paths, MSG_PATHS_MAX, 0);
	(void)msg_send_paths(&ib_send, IMSG_STORE_PATHS, SID, paths,
	    MSG_PATHS_MAX + 1);
	expect_error("STORE_PATHS over the count", "reply too large");
	if (msg_send_paths(&ib_send, IMSG_STORE_QUERY_VALID, SID, paths,
	    MSG_PATHS_MAX + 1) != -1)
		errx(1, "QUERY_VALID over the count: got 0, expected -1");
	if (imsgbuf_queuelen(&ib_send) != 0)
		errx(1, "QUERY_VALID over the count: got a message queued");

	printf("add: a request too large closes its fd, returns -1\n");
	before = mt_fd_count();
	if (pipe2(p, O_CLOEXEC) == -1)
		err(1, "pipe2");
	memset(&ma, 0, sizeof(ma));
	ma.ma_name = "x";
	ma.ma_method = "text:sha256";
	ma.ma_refs = paths;
	ma.ma_nrefs = MSG_PATHS_MAX + 1;
	if (msg_send_add(&ib_send, SID, &ma, p[0]) != -1)
		errx(1, "ADD over the count: got 0, expected -1");
	close(p[1]);
	mt_fd_expect("ADD over the count", before);
	if (imsgbuf_queuelen(&ib_send) != 0)
		errx(1, "ADD over the count: got a message queued");
	wire_strings_free(paths, MSG_PATHS_MAX + 1);

	printf("paths: %d paths of the longest name exceed the size\n",
	    MSG_PATHS_MAX);
	paths = mkpaths(MSG_PATHS_MAX, STOREPATH_NAME_MAX);
	(void)msg_send_paths(&ib_send, IMSG_STORE_PATHS, SID, paths,
	    MSG_PATHS_MAX);
	expect_error("STORE_PATHS over the size", "reply too large");
	if (msg_send_paths(&ib_send, IMSG_STORE_QUERY_MISSING, SID, paths,
	    MSG_PATHS_MAX) != -1)
		errx(1, "QUERY_MISSING over the size: got 0, expected -1");
	wire_strings_free(paths, MSG_PATHS_MAX);
}

/* No payload. */

static void
test_empty(void)
{
	struct capture	 cap;
	struct imsg	 imsg;
	const char	*errstr;
	static const uint32_t types[] = { IMSG_STORE_QUERY_ALL,
	    IMSG_STORE_FIND_ROOTS, IMSG_STORE_SESSION_END, IMSG_STORE_OK };
	size_t		 i;

	printf("empty: QUERY_ALL, FIND_ROOTS, SESSION_END, STORE_OK\n");
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		msg_send_empty(&ib_send, types[i], SID);
		recv_msg(types[i], &imsg, NULL);
		if (msg_recv_empty(&imsg, &errstr) == -1)
			errx(1, "%s: %s", imsg_type_name(types[i]), errstr);
		imsg_free(&imsg);
	}
	cap.c_len = 0;
	if ((cap.c_buf = malloc(1)) == NULL)
		err(1, NULL);
	generic(&k_store_ok, &cap);
	generic(&k_session_end, &cap);
	expect_fail(&k_store_ok, "eight bytes", "\0\0\0\0\0\0\0", 8, 0,
	    TRAILING);
	free(cap.c_buf);
}

/* Texts. */

static void
text_round_trip(const struct kind *k, const char *text, size_t wantlen,
    int damage)
{
	struct capture	 cap;
	struct imsg	 imsg;
	const char	*errstr;
	char		*got;

	if (msg_send_text(&ib_send, k->k_type, SID, text) != 0)
		errx(1, "%s: msg_send_text: got -1, expected 0", k->k_name);
	recv_msg(k->k_type, &imsg, &cap);
	if (msg_recv_text(&imsg, SIZE_MAX, &got, &errstr) == -1)
		errx(1, "%s: %s", k->k_name, errstr);
	if (strlen(got) != wantlen || strncmp(got, text, wantlen) != 0)
		errx(1, "%s: got %zu bytes, expected %zu of the text",
		    k->k_name, strlen(got), wantlen);
	free(got);
	imsg_free(&imsg);
	if (damage)
		generic(k, &cap);
	free(cap.c_buf);
}

static void
text_fail(const struct kind *k, const char *what, const char *s,
    size_t len, const char *want)
{
	struct wire_out	out;

	out_init(&out);
	(void)wire_put_bytes(&out, s, len);
	out_fail(k, what, &out, want);
}

static void
test_text(void)
{
	const char	*s;
	char		*max, *over;
	size_t		 i;

	printf("text: error and log lines, cut at MSG_ERROR_MAX\n");
	text_round_trip(&k_error, "", 0, 1);
	s = "path '/nix/store/x' is not valid";
	text_round_trip(&k_error, s, strlen(s), 1);
	s = "copying path...\n";
	text_round_trip(&k_log, s, strlen(s), 1);
	max = mkstr(MSG_ERROR_MAX, 'e');
	text_round_trip(&k_error, max, MSG_ERROR_MAX, 0);
	over = mkstr(MSG_ERROR_MAX + 100, 'l');
	text_round_trip(&k_log, over, MSG_ERROR_MAX, 0);
	/* A 4-byte UTF-8 character across the cut is dropped whole. */
	for (i = MSG_ERROR_MAX - 2; i < MSG_ERROR_MAX + 2; i++)
		over[i] = "\xf0\x9f\x98\x80"[i - (MSG_ERROR_MAX - 2)];
	text_round_trip(&k_error, over, MSG_ERROR_MAX - 2, 0);

	printf("text: malformed\n");
	text_fail(&k_error, "over MSG_ERROR_MAX", over, MSG_ERROR_MAX + 1,
	    "text too long");
	text_fail(&k_log, "NUL", "abc\0def", 7, HAS_NUL);
	free(max);
	free(over);
}

static void
test_text_rules(void)
{
	struct wire_out	 out;
	struct imsg	 imsg;
	const char	*errstr;
	char		*path, *hash, *link, *got;

	printf("text: QUERY_HASHPART and INDIRECT_ROOT\n");
	path = mkpath(3, 5, "h");
	hash = strndup(path + strlen(STOREDIR) + 1, STOREPATH_HASH_LEN);
	text_round_trip(&k_hashpart, hash, STOREPATH_HASH_LEN, 1);
	text_round_trip(&k_indirect, "/home/alice/result", 18, 1);
	link = mkstr(MSG_LINKPATH_MAX, 'l');
	link[0] = '/';
	text_round_trip(&k_indirect, link, MSG_LINKPATH_MAX, 0);

	printf("text: bad hash parts and links\n");
	text_fail(&k_hashpart, "31 chars", hash, 31, "invalid hash part");
	text_fail(&k_hashpart, "33 chars", path + strlen(STOREDIR) + 1, 33,
	    "invalid hash part");
	hash[5] = 'u';		/* not a Nix base32 digit */
	text_fail(&k_hashpart, "bad digit", hash, 32, "invalid hash part");
	text_fail(&k_hashpart, "empty", "", 0, "invalid hash part");
	text_fail(&k_indirect, "relative", "result", 6,
	    "indirect root is not an absolute path");
	text_fail(&k_indirect, "empty", "", 0,
	    "indirect root is not an absolute path");
	free(link);
	link = mkstr(MSG_LINKPATH_MAX + 1, 'l');
	link[0] = '/';
	text_fail(&k_indirect, "too long", link, MSG_LINKPATH_MAX + 1,
	    "indirect root path too long");
	out_init(&out);
	put_badpad(&out, "/home/alice/result");
	out_fail(&k_indirect, "bad padding", &out, BAD_PAD);

	printf("text: the caller's maxlen\n");
	(void)msg_send_text(&ib_send, IMSG_STORE_LOG, SID, "0123456789");
	recv_msg(IMSG_STORE_LOG, &imsg, NULL);
	if (msg_recv_text(&imsg, 9, &got, &errstr) != -1)
		errx(1, "maxlen 9: got accepted, expected refused");
	imsg_free(&imsg);
	(void)msg_send_text(&ib_send, IMSG_STORE_LOG, SID, "0123456789");
	recv_msg(IMSG_STORE_LOG, &imsg, NULL);
	if (msg_recv_text(&imsg, 10, &got, &errstr) == -1)
		errx(1, "maxlen 10: %s", errstr);
	free(got);
	imsg_free(&imsg);
	free(link);
	free(hash);
	free(path);
}

/* STORE_ADD. */

static void
method_ok(const char *s, enum ca_kind kind, enum ca_method how,
    enum hash_algo algo)
{
	enum ca_kind	 k;
	enum ca_method	 m;
	enum hash_algo	 a;
	const char	*errstr;

	if (msg_parse_method(s, &k, &m, &a, &errstr) == -1)
		errx(1, "method %s: %s", s, errstr);
	if (k != kind || m != how || a != algo)
		errx(1, "method %s: got %d/%d/%d, expected %d/%d/%d", s, k, m,
		    a, kind, how, algo);
}

static void
test_method(void)
{
	static const char *const bad[] = { "", "text", "text:sha1",
	    "text:sha256:", "fixed", "fixed:", "fixed:r:", "fixed:sha",
	    "fixed:r:sha256:", "fixed:R:sha256", "fixed:r:r:sha256",
	    "nar:sha256", "fixed:SHA256", " fixed:sha256" };
	enum ca_kind	 k;
	enum ca_method	 m;
	enum hash_algo	 a;
	const char	*errstr;
	size_t		 i;

	printf("method: the eight fixed forms and text, and bad ones\n");
	method_ok("text:sha256", CA_TEXT, CA_FLAT, HASH_SHA256);
	method_ok("fixed:md5", CA_FIXED, CA_FLAT, HASH_MD5);
	method_ok("fixed:sha1", CA_FIXED, CA_FLAT, HASH_SHA1);
	method_ok("fixed:sha256", CA_FIXED, CA_FLAT, HASH_SHA256);
	method_ok("fixed:sha512", CA_FIXED, CA_FLAT, HASH_SHA512);
	method_ok("fixed:r:md5", CA_FIXED, CA_RECURSIVE, HASH_MD5);
	method_ok("fixed:r:sha1", CA_FIXED, CA_RECURSIVE, HASH_SHA1);
	method_ok("fixed:r:sha256", CA_FIXED, CA_RECURSIVE, HASH_SHA256);
	method_ok("fixed:r:sha512", CA_FIXED, CA_RECURSIVE, HASH_SHA512);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errstr = NULL;
		if (msg_parse_method(bad[i], &k, &m, &a, &errstr) != -1 ||
		    errstr == NULL)
			errx(1, "method \"%s\": got accepted, expected "
			    "refused", bad[i]);
	}
}

static void
add_round_trip(const struct msg_add *ma, int damage)
{
	struct capture	 cap;
	struct imsg	 imsg;
	struct msg_add	 got;
	const char	*errstr;
	int		 p[2], fd;

	if (pipe2(p, O_CLOEXEC) == -1)
		err(1, "pipe2");
	if (msg_send_add(&ib_send, SID, ma, p[0]) != 0)
		errx(1, "msg_send_add: got -1, expected 0");
	recv_msg(IMSG_STORE_ADD, &imsg, &cap);
	if (msg_recv_add(&imsg, STOREDIR, &got, &fd, &errstr) == -1)
		errx(1, "ADD %s: %s", ma->ma_method, errstr);
	same_str("ADD name", got.ma_name, ma->ma_name);
	same_str("ADD method", got.ma_method, ma->ma_method);
	same_list("ADD refs", got.ma_refs, got.ma_nrefs, ma->ma_refs,
	    ma->ma_nrefs);
	if (got.ma_repair != ma->ma_repair)
		errx(1, "ADD repair: got %d, expected %d", got.ma_repair,
		    ma->ma_repair);
	check_pipe("ADD", fd, p[1]);
	msg_add_free(&got);
	if (got.ma_name != NULL || got.ma_nrefs != 0)
		errx(1, "msg_add_free: struct not zeroed");
	imsg_free(&imsg);
	if (damage)
		generic(&k_add, &cap);
	free(cap.c_buf);
}

static void
test_add(void)
{
	static const char *const methods[] = { "text:sha256", "fixed:md5",
	    "fixed:sha1", "fixed:sha256", "fixed:sha512", "fixed:r:md5",
	    "fixed:r:sha1", "fixed:r:sha256", "fixed:r:sha512" };
	struct msg_add	  ma;
	char		**refs, *name;
	size_t		  i;

	printf("add: every method, 0, 1 and many refs, longest name\n");
	refs = mkpaths(300, 60);
	name = mkstr(MSG_NAME_MAX, 'n');
	memset(&ma, 0, sizeof(ma));
	ma.ma_refs = refs;
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		ma.ma_name = i % 2 ? "hello-2.12.1.tar.gz" : "source";
		ma.ma_method = (char *)methods[i];
		ma.ma_nrefs = i % 3 == 0 ? i * 30 : i % 3 == 1;
		ma.ma_repair = i % 2;
		add_round_trip(&ma, i < 2);
	}
	ma.ma_name = name;
	ma.ma_method = "fixed:r:sha512";
	ma.ma_nrefs = 2;
	add_round_trip(&ma, 1);
	free(name);
	wire_strings_free(refs, 300);
}

/* name, method, refs, repair: any of them replaced. */
static void
add_build(struct wire_out *out, const char *name, const char *method,
    char *const *refs, size_t nrefs, uint64_t repair)
{
	out_init(out);
	(void)wire_put_string(out, name);
	(void)wire_put_string(out, method);
	(void)wire_put_strings(out, refs, nrefs);
	(void)wire_put_u64(out, repair);
}

static void
test_add_faults(void)
{
	struct wire_out	  out;
	char		**refs, *s;

	printf("add: malformed\n");
	refs = mkpaths(2, 20);
	add_build(&out, "src", "fixed:sha", refs, 2, 0);
	out_fail(&k_add, "bad method", &out,
	    "unknown hash algorithm in content address method");
	add_build(&out, "src", "nar:sha256", refs, 2, 0);
	out_fail(&k_add, "bad method prefix", &out,
	    "content address method is not 'text:sha256' or "
	    "'fixed:[r:]<algo>'");
	add_build(&out, "src", "text:sha1", refs, 2, 0);
	out_fail(&k_add, "text with sha1", &out,
	    "content address method is not 'text:sha256' or "
	    "'fixed:[r:]<algo>'");
	s = mkstr(MSG_METHOD_MAX + 1, 'f');
	add_build(&out, "src", s, refs, 2, 0);
	out_fail(&k_add, "method too long", &out, TOO_LONG);
	free(s);
	s = mkstr(MSG_NAME_MAX + 1, 'n');
	add_build(&out, s, "fixed:sha256", refs, 2, 0);
	out_fail(&k_add, "name too long", &out, TOO_LONG);
	free(s);
	add_build(&out, "a/b", "fixed:sha256", refs, 2, 0);
	out_fail(&k_add, "name with /", &out,
	    "store path name contains an illegal character");
	add_build(&out, "", "fixed:sha256", refs, 2, 0);
	out_fail(&k_add, "empty name", &out, "store path name is empty");
	add_build(&out, "src", "text:sha256", refs, 2, 2);
	out_fail(&k_add, "repair 2", &out, BAD_FLAG);
	add_build(&out, "src", "text:sha256",
	    (char *[]){ refs[0], "/nix/store/0123" }, 2, 0);
	out_fail(&k_add, "bad ref", &out, "store path is too short");
	out_init(&out);
	(void)wire_put_string(&out, "src");
	(void)wire_put_string(&out, "text:sha256");
	(void)wire_put_u64(&out, MSG_PATHS_MAX + 1);
	out_fail(&k_add, "too many refs", &out, TOO_MANY);
	out_init(&out);
	(void)wire_put_bytes(&out, "sr\0c", 4);
	out_fail(&k_add, "NUL in name", &out, HAS_NUL);
	out_init(&out);
	put_badpad(&out, "src");
	out_fail(&k_add, "bad padding", &out, BAD_PAD);
	wire_strings_free(refs, 2);
}

/* STORE_ADD_NAR and STORE_INFO share the path info. */

static void
same_info(const char *what, const struct wire_path_info *got,
    const struct wire_path_info *want)
{
	same_str(what, got->pi_path, want->pi_path);
	same_str(what, got->pi_deriver, want->pi_deriver);
	same_str(what, got->pi_narhash, want->pi_narhash);
	same_list(what, got->pi_refs, got->pi_nrefs, want->pi_refs,
	    want->pi_nrefs);
	same_list(what, got->pi_sigs, got->pi_nsigs, want->pi_sigs,
	    want->pi_nsigs);
	same_str(what, got->pi_ca, want->pi_ca);
	if (got->pi_regtime != want->pi_regtime ||
	    got->pi_narsize != want->pi_narsize ||
	    got->pi_ultimate != want->pi_ultimate)
		errx(1, "%s: numbers differ", what);
}

/* Refs and sigs given sorted, as the wire sends sets. */
static void
info_fill(struct wire_path_info *pi, char **refs, size_t nrefs,
    char **sigs, size_t nsigs)
{
	memset(pi, 0, sizeof(*pi));
	pi->pi_path = refs[0];
	pi->pi_deriver = refs[1];
	pi->pi_narhash = "sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq"
	    "1iyzicy5s";
	pi->pi_refs = refs;
	pi->pi_nrefs = nrefs;
	pi->pi_regtime = 1700000000;
	pi->pi_narsize = 123456789;
	pi->pi_ultimate = 1;
	pi->pi_sigs = sigs;
	pi->pi_nsigs = nsigs;
	pi->pi_ca = "fixed:r:sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850y"
	    "mkq1iyzicy5s";
}

static int
strp_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

static void
add_nar_round_trip(const struct msg_add_nar *man, int damage)
{
	struct capture		 cap;
	struct imsg		 imsg;
	struct msg_add_nar	 got;
	const char		*errstr;
	int			 p[2], fd;

	if (pipe2(p, O_CLOEXEC) == -1)
		err(1, "pipe2");
	if (msg_send_add_nar(&ib_send, SID, man, p[0]) != 0)
		errx(1, "msg_send_add_nar: got -1, expected 0");
	recv_msg(IMSG_STORE_ADD_NAR, &imsg, &cap);
	if (msg_recv_add_nar(&imsg, STOREDIR, &got, &fd, &errstr) == -1)
		errx(1, "ADD_NAR: %s", errstr);
	same_info("ADD_NAR info", &got.man_info, &man->man_info);
	if (got.man_repair != man->man_repair ||
	    got.man_dont_check_sigs != man->man_dont_check_sigs ||
	    got.man_trusted != man->man_trusted)
		errx(1, "ADD_NAR flags differ");
	check_pipe("ADD_NAR", fd, p[1]);
	msg_add_nar_free(&got);
	imsg_free(&imsg);
	if (damage)
		generic(&k_add_nar, &cap);
	free(cap.c_buf);
}

static void
test_add_nar(void)
{
	struct msg_add_nar	  man;
	char			**refs, *sigs[3], *bigsig;
	int			  i;

	printf("add_nar: full path info, every flag, no deriver or ca\n");
	refs = mkpaths(500, 12);
	qsort(refs, 500, sizeof(*refs), strp_cmp);
	sigs[0] = "cache.example.org-1:6wzr1QlOPHG+knFuJIaw+85Z5ivwbdI512Jike"
	    "xG+nQ7R9gmBOr+3VLRIG4IXmD6ymmlpFl2sR8BJ5hP/hdgCw==";
	sigs[1] = "rnixd-test-1:AAAA";
	sigs[2] = bigsig = mkstr(WIRE_SIG_MAX, 's');
	qsort(sigs, 3, sizeof(*sigs), strp_cmp);
	memset(&man, 0, sizeof(man));
	info_fill(&man.man_info, refs, 500, sigs, 3);
	for (i = 0; i < 8; i++) {
		man.man_repair = i & 1;
		man.man_dont_check_sigs = (i >> 1) & 1;
		man.man_trusted = (i >> 2) & 1;
		add_nar_round_trip(&man, 0);
	}
	info_fill(&man.man_info, refs, 2, sigs, 1);
	add_nar_round_trip(&man, 1);
	man.man_info.pi_deriver = NULL;
	man.man_info.pi_ca = NULL;
	man.man_info.pi_nrefs = 0;
	man.man_info.pi_nsigs = 0;
	man.man_info.pi_ultimate = 0;
	add_nar_round_trip(&man, 1);
	free(bigsig);
	wire_strings_free(refs, 500);
}

static void
test_add_nar_faults(void)
{
	struct msg_add_nar	  man;
	struct wire_out		  out;
	char			**refs, *sigs[1];

	printf("add_nar: malformed\n");
	refs = mkpaths(MSG_PATHS_MAX + 1, 12);
	qsort(refs, 2, sizeof(*refs), strp_cmp);
	sigs[0] = "rnixd-test-1:AAAA";
	memset(&man, 0, sizeof(man));
	info_fill(&man.man_info, refs, 2, sigs, 1);
	out_init(&out);
	(void)wire_put_path_info(&out, &man.man_info, 1);
	(void)wire_put_u64(&out, 0);
	(void)wire_put_u64(&out, 1);
	(void)wire_put_u64(&out, 7);
	out_fail(&k_add_nar, "trusted 7", &out, BAD_FLAG);
	man.man_info.pi_deriver = "/nix/store/bad";
	out_init(&out);
	(void)wire_put_path_info(&out, &man.man_info, 1);
	(void)wire_put_u64(&out, 0);
	(void)wire_put_u64(&out, 0);
	(void)wire_put_u64(&out, 0);
	out_fail(&k_add_nar, "bad deriver", &out, "store path is too short");
	info_fill(&man.man_info, refs, MSG_PATHS_MAX + 1, sigs, 1);
	out_init(&out);
	(void)wire_put_path_info(&out, &man.man_info, 1);
	(void)wire_put_u64(&out, 0);
	(void)wire_put_u64(&out, 0);
	(void)wire_put_u64(&out, 0);
	out_fail(&k_add_nar, "refs over MSG_PATHS_MAX", &out, TOO_MANY);
	info_fill(&man.man_info, refs, 2, sigs, 1);
	out_init(&out);
	(void)wire_put_string(&out, refs[0]);
	(void)wire_put_string(&out, "");
	(void)wire_put_string(&out, "abc");
	(void)wire_put_strings(&out, refs, 1);
	(void)wire_put_u64(&out, 0);
	(void)wire_put_u64(&out, 0);
	(void)wire_put_u64(&out, 0);
	(void)wire_put_u64(&out, WIRE_SIGS_MAX + 1);
	out_fail(&k_add_nar, "sigs over WIRE_SIGS_MAX", &out, TOO_MANY);
	wire_strings_free(refs, MSG_PATHS_MAX + 1);
}

static void
test_info(void)
{
	struct wire_path_info	 pi, got;
	struct capture		 cap;
	struct imsg		 imsg;
	struct wire_out		 out;
	const char		*errstr;
	char			**refs, *sigs[1];
	int			 found;

	printf("info: found and not found\n");
	refs = mkpaths(40, 30);
	qsort(refs, 40, sizeof(*refs), strp_cmp);
	sigs[0] = "cache.example.org-1:AAAA";
	info_fill(&pi, refs, 40, sigs, 1);
	msg_send_info(&ib_send, SID, 1, &pi);
	recv_msg(IMSG_STORE_INFO, &imsg, &cap);
	if (msg_recv_info(&imsg, STOREDIR, &found, &got, &errstr) == -1)
		errx(1, "INFO: %s", errstr);
	if (!found)
		errx(1, "INFO: got not found, expected found");
	same_info("INFO", &got, &pi);
	wire_path_info_free(&got);
	imsg_free(&imsg);
	generic(&k_info, &cap);
	free(cap.c_buf);

	msg_send_info(&ib_send, SID, 0, NULL);
	recv_msg(IMSG_STORE_INFO, &imsg, &cap);
	if (msg_recv_info(&imsg, STOREDIR, &found, &got, &errstr) == -1)
		errx(1, "INFO not found: %s", errstr);
	if (found || got.pi_path != NULL)
		errx(1, "INFO not found: got found, expected not");
	imsg_free(&imsg);
	generic(&k_info, &cap);
	free(cap.c_buf);

	printf("info: malformed\n");
	out_init(&out);
	(void)wire_put_u64(&out, 2);
	out_fail(&k_info, "found 2", &out, BAD_FLAG);
	out_init(&out);
	(void)wire_put_u64(&out, 0);
	(void)wire_put_path_info(&out, &pi, 1);
	out_fail(&k_info, "not found, info anyway", &out, TRAILING);
	out_init(&out);
	(void)wire_put_u64(&out, 1);
	(void)wire_put_path_info(&out, &pi, 0);
	out_fail(&k_info, "info without path", &out, NOT_IN_STORE);
	wire_strings_free(refs, 40);
}

/* STORE_OUTPUTS. */

static void
test_outputs(void)
{
	struct msg_output	 mo[4], *got;
	struct capture		 cap;
	struct imsg		 imsg;
	struct wire_out		 out;
	const char		*errstr;
	char			*p1, *p2, *longname;
	size_t			 n, i;

	printf("outputs: 0, 1 and 4, unknown paths, longest name\n");
	p1 = mkpath(20, 10, "out");
	p2 = mkpath(21, 10, "dev");
	longname = mkstr(MSG_NAME_MAX, 'o');
	mo[0] = (struct msg_output){ "dev", p2 };
	mo[1] = (struct msg_output){ "out", p1 };
	mo[2] = (struct msg_output){ "doc", NULL };
	mo[3] = (struct msg_output){ longname, NULL };
	for (n = 0; n <= 4; n += n == 0 ? 1 : 3) {
		msg_send_outputs(&ib_send, SID, mo, n);
		recv_msg(IMSG_STORE_OUTPUTS, &imsg, &cap);
		if (msg_recv_outputs(&imsg, STOREDIR, &got, &i,
		    &errstr) == -1)
			errx(1, "OUTPUTS of %zu: %s", n, errstr);
		if (i != n)
			errx(1, "OUTPUTS: got %zu, expected %zu", i, n);
		for (i = 0; i < n; i++) {
			same_str("OUTPUTS name", got[i].mo_name,
			    mo[i].mo_name);
			same_str("OUTPUTS path", got[i].mo_path,
			    mo[i].mo_path);
		}
		msg_outputs_free(got, n);
		imsg_free(&imsg);
		generic(&k_outputs, &cap);
		free(cap.c_buf);
	}

	printf("outputs: malformed\n");
	out_init(&out);
	(void)wire_put_u64(&out, 1);
	(void)wire_put_string(&out, "o ut");
	(void)wire_put_string(&out, p1);
	out_fail(&k_outputs, "bad name", &out, "invalid output name");
	out_init(&out);
	(void)wire_put_u64(&out, 1);
	(void)wire_put_string(&out, "");
	(void)wire_put_string(&out, p1);
	out_fail(&k_outputs, "empty name", &out, "invalid output name");
	out_init(&out);
	(void)wire_put_u64(&out, 2);
	(void)wire_put_string(&out, "out");
	(void)wire_put_string(&out, p1);
	(void)wire_put_string(&out, "dev");
	(void)wire_put_string(&out, "/nix/store/xyz");
	out_fail(&k_outputs, "bad path", &out, "store path is too short");
	out_init(&out);
	(void)wire_put_u64(&out, MSG_PATHS_MAX + 1);
	out_fail(&k_outputs, "count over the limit", &out, TOO_MANY);
	out_init(&out);
	(void)wire_put_u64(&out, 1000);
	(void)wire_put_string(&out, "out");
	(void)wire_put_string(&out, "");
	out_fail(&k_outputs, "count past the payload", &out, TRUNCATED);
	free(longname);
	free(p1);
	free(p2);
}

/* STORE_MISSING. */

static void
test_missing(void)
{
	struct msg_missing	 mm, got;
	struct capture		 cap;
	struct imsg		 imsg;
	struct wire_out		 out;
	const char		*errstr;
	char			**paths;
	int			 i;

	printf("missing: empty and full\n");
	paths = mkpaths(100, 25);
	for (i = 0; i < 2; i++) {
		memset(&mm, 0, sizeof(mm));
		if (i == 1) {
			mm.mm_will_build = paths;
			mm.mm_nwill_build = 3;
			mm.mm_will_substitute = paths + 3;
			mm.mm_nwill_substitute = 1;
			mm.mm_unknown = paths + 4;
			mm.mm_nunknown = 96;
			mm.mm_download_size = UINT64_MAX;
			mm.mm_nar_size = 4096;
		}
		msg_send_missing(&ib_send, SID, &mm);
		recv_msg(IMSG_STORE_MISSING, &imsg, &cap);
		if (msg_recv_missing(&imsg, STOREDIR, &got, &errstr) == -1)
			errx(1, "MISSING: %s", errstr);
		same_list("willBuild", got.mm_will_build, got.mm_nwill_build,
		    mm.mm_will_build != NULL ? mm.mm_will_build :
		    (char *[]){ NULL }, mm.mm_nwill_build);
		same_list("unknown", got.mm_unknown, got.mm_nunknown,
		    mm.mm_unknown != NULL ? mm.mm_unknown :
		    (char *[]){ NULL }, mm.mm_nunknown);
		if (got.mm_nwill_substitute != mm.mm_nwill_substitute ||
		    got.mm_download_size != mm.mm_download_size ||
		    got.mm_nar_size != mm.mm_nar_size)
			errx(1, "MISSING: fields differ");
		msg_missing_free(&got);
		imsg_free(&imsg);
		if (i == 0 || cap.c_len < 2048)
			generic(&k_missing, &cap);
		free(cap.c_buf);
	}
	mm.mm_nunknown = 4;
	msg_send_missing(&ib_send, SID, &mm);
	recv_msg(IMSG_STORE_MISSING, &imsg, &cap);
	imsg_free(&imsg);
	generic(&k_missing, &cap);
	free(cap.c_buf);

	printf("missing: malformed\n");
	out_init(&out);
	(void)wire_put_strings(&out, paths, 2);
	(void)wire_put_u64(&out, MSG_PATHS_MAX + 1);
	out_fail(&k_missing, "willSubstitute over the limit", &out, TOO_MANY);
	out_init(&out);
	(void)wire_put_strings(&out, paths, 2);
	(void)wire_put_strings(&out, paths, 0);
	(void)wire_put_strings(&out, (char *[]){ "/nix/store/eeee" }, 1);
	(void)wire_put_u64(&out, 0);
	(void)wire_put_u64(&out, 0);
	out_fail(&k_missing, "bad unknown path", &out,
	    "store path is too short");
	wire_strings_free(paths, 100);
}

/* STORE_GC and STORE_GC_RESULT. */

static void
test_gc(void)
{
	struct msg_gc	 mg, got;
	struct capture	 cap;
	struct imsg	 imsg;
	struct wire_out	 out;
	const char	*errstr;
	char		**paths;
	uint64_t	 action;

	printf("gc: the four actions\n");
	paths = mkpaths(5, 10);
	for (action = 0; action <= 3; action++) {
		memset(&mg, 0, sizeof(mg));
		mg.mg_action = action;
		mg.mg_paths = paths;
		mg.mg_npaths = action == 3 ? 5 : 0;
		mg.mg_ignore_liveness = action == 3;
		mg.mg_max_freed = action == 2 ? 1048576 : UINT64_MAX;
		if (msg_send_gc(&ib_send, SID, &mg) != 0)
			errx(1, "msg_send_gc: got -1, expected 0");
		recv_msg(IMSG_STORE_GC, &imsg, &cap);
		if (msg_recv_gc(&imsg, STOREDIR, &got, &errstr) == -1)
			errx(1, "GC %ju: %s", (uintmax_t)action, errstr);
		same_list("GC paths", got.mg_paths, got.mg_npaths, paths,
		    mg.mg_npaths);
		if (got.mg_action != action || got.mg_max_freed !=
		    mg.mg_max_freed || got.mg_ignore_liveness !=
		    mg.mg_ignore_liveness)
			errx(1, "GC %ju: fields differ", (uintmax_t)action);
		msg_gc_free(&got);
		imsg_free(&imsg);
		if (action % 3 == 0)
			generic(&k_gc, &cap);
		free(cap.c_buf);
	}

	printf("gc: malformed\n");
	out_init(&out);
	(void)wire_put_u64(&out, 4);
	(void)wire_put_strings(&out, paths, 0);
	(void)wire_put_u64(&out, 0);
	(void)wire_put_u64(&out, 0);
	out_fail(&k_gc, "action 4", &out, "invalid garbage collector action");
	out_init(&out);
	(void)wire_put_u64(&out, 3);
	(void)wire_put_strings(&out, paths, 1);
	(void)wire_put_u64(&out, 3);
	(void)wire_put_u64(&out, 0);
	out_fail(&k_gc, "ignoreLiveness 3", &out, BAD_FLAG);
	out_init(&out);
	(void)wire_put_u64(&out, 3);
	(void)wire_put_strings(&out, (char *[]){ "/nix/store/../etc" }, 1);
	(void)wire_put_u64(&out, 0);
	(void)wire_put_u64(&out, 0);
	out_fail(&k_gc, "bad path", &out, "store path is too short");
	out_init(&out);
	(void)wire_put_u64(&out, 3);
	(void)wire_put_u64(&out, MSG_PATHS_MAX + 1);
	out_fail(&k_gc, "count over the limit", &out, TOO_MANY);
	wire_strings_free(paths, 5);
}

static void
test_gc_result(void)
{
	struct msg_gc_result	 mgr, got;
	struct capture		 cap;
	struct imsg		 imsg;
	struct wire_out		 out;
	const char		*errstr;
	char			**paths;
	size_t			 n;

	printf("gc_result: 0, 1 and 2000 paths; too many\n");
	paths = mkpaths(MSG_PATHS_MAX + 1, 8);
	for (n = 0; n <= 2000; n = n == 0 ? 1 : n * 2000) {
		mgr.mgr_paths = paths;
		mgr.mgr_npaths = n;
		mgr.mgr_bytes_freed = n * 4096;
		msg_send_gc_result(&ib_send, SID, &mgr);
		recv_msg(IMSG_STORE_GC_RESULT, &imsg, &cap);
		if (msg_recv_gc_result(&imsg, STOREDIR, &got, &errstr) == -1)
			errx(1, "GC_RESULT: %s", errstr);
		same_list("GC_RESULT", got.mgr_paths, got.mgr_npaths, paths,
		    n);
		if (got.mgr_bytes_freed != n * 4096)
			errx(1, "GC_RESULT: bytes freed differ");
		msg_gc_result_free(&got);
		imsg_free(&imsg);
		generic(&k_gc_result, &cap);
		free(cap.c_buf);
	}
	mgr.mgr_npaths = MSG_PATHS_MAX + 1;
	msg_send_gc_result(&ib_send, SID, &mgr);
	expect_error("GC_RESULT over the count", "reply too large");

	out_init(&out);
	(void)wire_put_strings(&out, (char *[]){ "/nix/store/.links" }, 1);
	(void)wire_put_u64(&out, 0);
	out_fail(&k_gc_result, "not a store path", &out,
	    "store path is too short");
	wire_strings_free(paths, MSG_PATHS_MAX + 1);
}

/* STORE_ROOTS. */

static void
test_roots(void)
{
	struct msg_root	 mr[3], *got;
	struct capture	 cap;
	struct imsg	 imsg;
	struct wire_out	 out;
	const char	*errstr;
	char		*p1, *p2, *link;
	size_t		 n, i;

	printf("roots: 0 and 3, a label, the longest link\n");
	p1 = mkpath(30, 10, "r");
	p2 = mkpath(31, 10, "s");
	link = mkstr(MSG_LINKPATH_MAX, 'L');
	link[0] = '/';
	mr[0] = (struct msg_root){ "/nix/var/nix/gcroots/auto/x", p1 };
	mr[1] = (struct msg_root){ "{temp:4242}", p2 };
	mr[2] = (struct msg_root){ link, p1 };
	for (n = 0; n <= 3; n += 3) {
		msg_send_roots(&ib_send, SID, mr, n);
		recv_msg(IMSG_STORE_ROOTS, &imsg, &cap);
		if (msg_recv_roots(&imsg, STOREDIR, &got, &i, &errstr) == -1)
			errx(1, "ROOTS: %s", errstr);
		if (i != n)
			errx(1, "ROOTS: got %zu, expected %zu", i, n);
		for (i = 0; i < n; i++) {
			same_str("ROOTS link", got[i].mr_link, mr[i].mr_link);
			same_str("ROOTS target", got[i].mr_target,
			    mr[i].mr_target);
		}
		msg_roots_free(got, n);
		imsg_free(&imsg);
		generic(&k_roots, &cap);
		free(cap.c_buf);
	}

	printf("roots: malformed\n");
	out_init(&out);
	(void)wire_put_u64(&out, 1);
	(void)wire_put_string(&out, "");
	(void)wire_put_string(&out, p1);
	out_fail(&k_roots, "empty link", &out, "link path is empty");
	free(link);
	link = mkstr(MSG_LINKPATH_MAX + 1, 'L');
	out_init(&out);
	(void)wire_put_u64(&out, 1);
	(void)wire_put_string(&out, link);
	(void)wire_put_string(&out, p1);
	out_fail(&k_roots, "link too long", &out, TOO_LONG);
	out_init(&out);
	(void)wire_put_u64(&out, 1);
	(void)wire_put_string(&out, "/root/result");
	(void)wire_put_string(&out, "/nix/store");
	out_fail(&k_roots, "bad target", &out, NOT_IN_STORE);
	out_init(&out);
	(void)wire_put_u64(&out, 1);
	(void)wire_put_bytes(&out, "/a\0b", 4);
	(void)wire_put_string(&out, p1);
	out_fail(&k_roots, "NUL in link", &out, HAS_NUL);
	out_init(&out);
	(void)wire_put_u64(&out, MSG_PATHS_MAX + 1);
	out_fail(&k_roots, "count over the limit", &out, TOO_MANY);
	free(link);
	free(p1);
	free(p2);
}

/* STORE_ADD_SIGS. */

static void
test_add_sigs(void)
{
	struct capture	  cap;
	struct imsg	  imsg;
	struct wire_out	  out;
	const char	 *errstr;
	char		 *path, *got, **sigs, **gotsigs, *big;
	size_t		  n, ngot, i;

	printf("add_sigs: 0, 1 and WIRE_SIGS_MAX signatures\n");
	path = mkpath(40, 10, "sig");
	if ((sigs = calloc(WIRE_SIGS_MAX + 2, sizeof(*sigs))) == NULL)
		err(1, NULL);
	for (i = 0; i <= WIRE_SIGS_MAX; i++)
		if (asprintf(&sigs[i], "key-%zu:c2lnbmF0dXJl", i) == -1)
			err(1, NULL);
	for (n = 0; n <= WIRE_SIGS_MAX; n = n == 0 ? 1 : n * WIRE_SIGS_MAX) {
		if (msg_send_add_sigs(&ib_send, SID, path, sigs, n) != 0)
			errx(1, "msg_send_add_sigs: got -1, expected 0");
		recv_msg(IMSG_STORE_ADD_SIGS, &imsg, &cap);
		if (msg_recv_add_sigs(&imsg, STOREDIR, &got, &gotsigs, &ngot,
		    &errstr) == -1)
			errx(1, "ADD_SIGS: %s", errstr);
		same_str("ADD_SIGS path", got, path);
		same_list("ADD_SIGS sigs", gotsigs, ngot, sigs, n);
		free(got);
		wire_strings_free(gotsigs, ngot);
		imsg_free(&imsg);
		if (n < WIRE_SIGS_MAX)
			generic(&k_add_sigs, &cap);
		free(cap.c_buf);
	}
	if (msg_send_add_sigs(&ib_send, SID, path, sigs,
	    WIRE_SIGS_MAX + 1) != -1)
		errx(1, "ADD_SIGS over the count: got 0, expected -1");

	printf("add_sigs: malformed\n");
	big = mkstr(WIRE_SIG_MAX + 1, 's');
	out_init(&out);
	(void)wire_put_string(&out, path);
	(void)wire_put_strings(&out, (char *[]){ big }, 1);
	out_fail(&k_add_sigs, "signature too long", &out, TOO_LONG);
	out_init(&out);
	(void)wire_put_string(&out, path);
	(void)wire_put_u64(&out, 1);
	(void)wire_put_bytes(&out, "k:\0", 3);
	out_fail(&k_add_sigs, "NUL in signature", &out, HAS_NUL);
	out_init(&out);
	(void)wire_put_string(&out, "/nix/store/x");
	(void)wire_put_strings(&out, sigs, 1);
	out_fail(&k_add_sigs, "bad path", &out, "store path is too short");
	wire_strings_free(sigs, WIRE_SIGS_MAX + 1);
	free(big);
	free(path);
}

/* STORE_VERIFY and STORE_VERIFY_RESULT. */

static void
test_verify(void)
{
	struct capture	 cap;
	struct imsg	 imsg;
	struct wire_out	 out;
	struct hash	 h;
	const char	*errstr;
	char		 drv[STOREPATH_MAX], **drvs;
	size_t		 ndrvs;
	int		 i, check, repair, found;

	printf("verify: every flag combination\n");
	for (i = 0; i < 4; i++) {
		msg_send_verify(&ib_send, SID, i & 1, i & 2);
		recv_msg(IMSG_STORE_VERIFY, &imsg, &cap);
		if (msg_recv_verify(&imsg, &check, &repair, &errstr) == -1)
			errx(1, "VERIFY: %s", errstr);
		if (check != (i & 1) || repair != ((i & 2) != 0))
			errx(1, "VERIFY %d: got %d/%d", i, check, repair);
		imsg_free(&imsg);
		if (i == 3)
			generic(&k_verify, &cap);
		free(cap.c_buf);
	}
	hash_buf(HASH_SHA256, "v", 1, &h);
	if (storepath_make_text(STOREDIR, "v.drv", &h, NULL, 0, drv,
	    sizeof(drv)) == -1)
		errx(1, "storepath_make_text v.drv");
	for (i = 0; i < 2; i++) {
		msg_send_verify_result(&ib_send, SID, i, (char *[]){ drv }, i);
		recv_msg(IMSG_STORE_VERIFY_RESULT, &imsg, &cap);
		if (msg_recv_verify_result(&imsg, STOREDIR, &found, &drvs,
		    &ndrvs, &errstr) == -1)
			errx(1, "VERIFY_RESULT: %s", errstr);
		if (found != i || ndrvs != (size_t)i)
			errx(1, "VERIFY_RESULT: got %d and %zu derivers, "
			    "expected %d", found, ndrvs, i);
		if (i == 1)
			same_str("VERIFY_RESULT deriver", drvs[0], drv);
		wire_strings_free(drvs, ndrvs);
		imsg_free(&imsg);
		generic(&k_verify_result, &cap);
		free(cap.c_buf);
	}
	printf("verify: a deriver to repair that is no derivation\n");
	out_init(&out);
	(void)wire_put_u64(&out, 1);
	drv[strlen(drv) - 4] = '\0';	/* "<hash>-v": no ".drv" */
	(void)wire_put_strings(&out, (char *[]){ drv }, 1);
	out_fail(&k_verify_result, "not a .drv", &out,
	    "path is not a derivation");

	printf("verify: malformed\n");
	out_init(&out);
	(void)wire_put_u64(&out, 1);
	(void)wire_put_u64(&out, UINT64_MAX);
	out_fail(&k_verify, "repair 2^64-1", &out, BAD_FLAG);
	out_init(&out);
	(void)wire_put_u64(&out, 2);
	out_fail(&k_verify_result, "errorsFound 2", &out, BAD_FLAG);
}

/* CTL_READLINKS and its reply. */

static void
test_readlinks(void)
{
	struct capture	  cap;
	struct imsg	  imsg;
	struct wire_out	  out;
	const char	 *errstr;
	char		 *links[3], **got;
	size_t		  n, ngot;

	printf("readlinks: 0, 1 and 3 links, the longest\n");
	links[0] = "/home/alice/result";
	links[1] = mkstr(MSG_LINKPATH_MAX, 'r');
	links[1][0] = '/';
	links[2] = "/";
	for (n = 0; n <= 3; n += n == 1 ? 2 : 1) {
		if (msg_send_readlinks(&ib_send, links, n) != 0)
			errx(1, "msg_send_readlinks: got -1, expected 0");
		recv_msg(IMSG_CTL_READLINKS, &imsg, &cap);
		if (msg_recv_readlinks(&imsg, &got, &ngot, &errstr) == -1)
			errx(1, "READLINKS: %s", errstr);
		same_list("READLINKS", got, ngot, links, n);
		wire_strings_free(got, ngot);
		imsg_free(&imsg);
		if (n < 2)
			generic(&k_readlinks, &cap);
		free(cap.c_buf);
	}

	printf("readlinks: malformed\n");
	out_init(&out);
	(void)wire_put_strings(&out, (char *[]){ "/a", "result" }, 2);
	out_fail(&k_readlinks, "relative link", &out,
	    "link path is not absolute");
	out_init(&out);
	(void)wire_put_strings(&out, (char *[]){ "" }, 1);
	out_fail(&k_readlinks, "empty link", &out,
	    "link path is not absolute");
	free(links[1]);
	links[1] = mkstr(MSG_LINKPATH_MAX + 1, '/');
	out_init(&out);
	(void)wire_put_strings(&out, links, 2);
	out_fail(&k_readlinks, "link too long", &out, TOO_LONG);
	out_init(&out);
	(void)wire_put_u64(&out, MSG_PATHS_MAX + 1);
	out_fail(&k_readlinks, "count over the limit", &out, TOO_MANY);
	free(links[1]);
}

static void
readlinks_reply_round_trip(const struct msg_readlink *rl, size_t n,
    int damage)
{
	struct msg_readlink	*got;
	struct capture		 cap;
	struct imsg		 imsg;
	const char		*errstr;
	size_t			 ngot, i;

	/* The parent's way: compose on the imsgbuf itself. */
	msg_send_readlinks_reply(&ib_send, rl, n);
	mt_pump(&ib_send, &ib_recv, &imsg, NULL);
	if (imsg_get_type(&imsg) != IMSG_CTL_READLINKS_REPLY ||
	    imsg_get_peerid(&imsg) != 0)
		errx(1, "READLINKS_REPLY: got %s peerid %u",
		    imsg_type_name(imsg_get_type(&imsg)),
		    imsg_get_peerid(&imsg));
	cap.c_len = imsg_get_len(&imsg);
	if ((cap.c_buf = malloc(cap.c_len + 1)) == NULL)
		err(1, NULL);
	if (cap.c_len > 0)
		memcpy(cap.c_buf, imsg_get_buf(&imsg, NULL), cap.c_len);
	if (msg_recv_readlinks_reply(&imsg, &got, &ngot, &errstr) == -1)
		errx(1, "READLINKS_REPLY: %s", errstr);
	if (ngot != n)
		errx(1, "READLINKS_REPLY: got %zu, expected %zu", ngot, n);
	for (i = 0; i < n; i++) {
		same_str("READLINKS_REPLY link", got[i].mrl_link,
		    rl[i].mrl_link);
		same_str("READLINKS_REPLY target", got[i].mrl_target,
		    rl[i].mrl_target);
	}
	msg_readlinks_free(got, ngot);
	imsg_free(&imsg);
	if (damage)
		generic(&k_readlinks_reply, &cap);
	free(cap.c_buf);
}

static void
test_readlinks_reply(void)
{
	struct msg_readlink	*rl;
	struct imsg		 imsg;
	const char		*errstr;
	char			*text, *big;
	size_t			 i, n;

	printf("readlinks_reply: targets, gone links, longest strings\n");
	big = mkstr(MSG_LINKPATH_MAX, 't');
	big[0] = '/';
	n = 2100;	/* 2100 * 2 * (8 + 4096) bytes exceed 16 MiB */
	if ((rl = calloc(n, sizeof(*rl))) == NULL)
		err(1, NULL);
	rl[0] = (struct msg_readlink){ "/home/alice/result",
	    "/nix/store/0c0j0v7z1c8x8yh7ylzz1c3mgdq6f3ss-hello" };
	rl[1] = (struct msg_readlink){ "/home/bob/old", NULL };
	rl[2] = (struct msg_readlink){ big, "../relative/target" };
	rl[3] = (struct msg_readlink){ "/x", big };
	readlinks_reply_round_trip(rl, 0, 1);
	readlinks_reply_round_trip(rl, 2, 1);
	readlinks_reply_round_trip(rl, 4, 0);

	printf("readlinks_reply: too large becomes STORE_ERROR\n");
	for (i = 0; i < n; i++)
		rl[i] = (struct msg_readlink){ big, big };
	msg_send_readlinks_reply(&ib_send, rl, n);
	mt_pump(&ib_send, &ib_recv, &imsg, NULL);
	if (imsg_get_type(&imsg) != IMSG_STORE_ERROR ||
	    msg_recv_text(&imsg, MSG_ERROR_MAX, &text, &errstr) == -1)
		errx(1, "READLINKS_REPLY too large: got %s, expected "
		    "STORE_ERROR", imsg_type_name(imsg_get_type(&imsg)));
	same_str("READLINKS_REPLY too large", text, "reply too large");
	free(text);
	imsg_free(&imsg);
	free(big);
	free(rl);
}

static void
test_readlinks_reply_faults(void)
{
	struct wire_out	 out;
	char		*big;

	printf("readlinks_reply: malformed\n");
	big = mkstr(MSG_LINKPATH_MAX, 't');
	out_init(&out);
	(void)wire_put_u64(&out, 1);
	(void)wire_put_string(&out, "relative");
	(void)wire_put_string(&out, "/t");
	out_fail(&k_readlinks_reply, "relative link", &out,
	    "link path is not absolute");
	out_init(&out);
	(void)wire_put_u64(&out, 1);
	(void)wire_put_string(&out, "/l");
	(void)wire_put_string(&out, big);
	(void)wire_put_u64(&out, 0);
	out_fail(&k_readlinks_reply, "target then trailing", &out, TRAILING);
	out_init(&out);
	(void)wire_put_u64(&out, 1);
	(void)wire_put_string(&out, "/l");
	(void)wire_put_bytes(&out, "a\0", 2);
	out_fail(&k_readlinks_reply, "NUL in target", &out, HAS_NUL);
	free(big);
	big = mkstr(MSG_LINKPATH_MAX + 1, 't');
	out_init(&out);
	(void)wire_put_u64(&out, 1);
	(void)wire_put_string(&out, "/l");
	(void)wire_put_string(&out, big);
	out_fail(&k_readlinks_reply, "target too long", &out, TOO_LONG);
	out_init(&out);
	(void)wire_put_u64(&out, MSG_PATHS_MAX + 1);
	out_fail(&k_readlinks_reply, "count over the limit", &out, TOO_MANY);
	free(big);
}

/*
 * A channel left at imsg's default size: senders must respect it
 * rather than die in imsg_compose.
 */
static void
test_small_channel(void)
{
	struct imsgbuf	  a, b;
	struct imsgev	  small;
	struct imsg	  imsg;
	const char	 *errstr;
	char		 *text, *got, **paths;
	int		  before;

	printf("small channel: errors cut, big replies refused\n");
	before = mt_fd_count();
	channel(&a, &b, IMSG_MAXSIZE_DEFAULT);
	memset(&small, 0, sizeof(small));
	imsgev_init(&small, &a, PROC_STORE, dispatch_none);
	text = mkstr(MSG_ERROR_MAX, 'e');
	(void)msg_send_text(&a, IMSG_STORE_ERROR, SID, text);
	mt_pump(&a, &b, &imsg, NULL);
	if (msg_recv_text(&imsg, MSG_ERROR_MAX, &got, &errstr) == -1)
		errx(1, "small ERROR: %s", errstr);
	if (strlen(got) != IMSG_MAXSIZE_DEFAULT - IMSG_HEADER_SIZE - 8)
		errx(1, "small ERROR: got %zu bytes, expected %zu",
		    strlen(got), IMSG_MAXSIZE_DEFAULT - IMSG_HEADER_SIZE - 8);
	free(got);
	imsg_free(&imsg);
	paths = mkpaths(2000, 20);
	(void)msg_send_paths(&a, IMSG_STORE_PATHS, SID, paths, 2000);
	mt_pump(&a, &b, &imsg, NULL);
	if (imsg_get_type(&imsg) != IMSG_STORE_ERROR)
		errx(1, "small PATHS: got %s, expected STORE_ERROR",
		    imsg_type_name(imsg_get_type(&imsg)));
	imsg_free(&imsg);
	if (msg_send_paths(&a, IMSG_STORE_QUERY_VALID, SID, paths,
	    2000) != -1)
		errx(1, "small QUERY_VALID: got 0, expected -1");
	wire_strings_free(paths, 2000);
	free(text);
	imsgev_clear(&small);
	close(a.ib_fd);
	close(b.ib_fd);
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	mt_fd_expect("small channel", before);
}

int
main(void)
{
	int	base;

	log_init(1, LOG_USER);
	if (event_init() == NULL)
		errx(1, "event_init");
	channel(&ib_send, &ib_recv, MSG_STORE_MAXSIZE);
	imsgev_init(&iev, &ib_send, PROC_STORE, dispatch_none);
	base = mt_fd_count();
	test_path();
	test_path_faults();
	test_paths();
	test_derived();
	test_paths_limits();
	test_empty();
	test_text();
	test_text_rules();
	test_method();
	test_add();
	test_add_faults();
	test_add_nar();
	test_add_nar_faults();
	test_info();
	test_outputs();
	test_missing();
	test_gc();
	test_gc_result();
	test_roots();
	test_add_sigs();
	test_verify();
	test_readlinks();
	test_readlinks_reply();
	test_readlinks_reply_faults();
	test_build_result();
	test_build_checks();
	test_small_channel();
	mt_fd_expect("all tests", base);
	imsgev_clear(&iev);
	close(ib_send.ib_fd);
	close(ib_recv.ib_fd);
	imsgbuf_clear(&ib_send);
	imsgbuf_clear(&ib_recv);
	printf("%zu cases passed\n", ncases);
	return (0);
}

/* BUILD_RESULT: an error, or the outputs with their path info. */
static void
test_build_result(void)
{
	struct msg_build_result	 mbr, got;
	struct msg_built	 built[2];
	struct capture		 cap;
	struct imsg		 imsg;
	struct wire_out		 out;
	const char		*errstr;
	char			**refs;
	size_t			 i;

	printf("build_result: two outputs, an error\n");
	refs = mkpaths(3, 50);
	qsort(refs, 3, sizeof(*refs), strp_cmp);
	info_fill(&built[0].mbt_info, refs, 3, NULL, 0);
	info_fill(&built[1].mbt_info, refs, 0, NULL, 0);
	built[0].mbt_name = "out";
	built[1].mbt_name = "dev";
	memset(&mbr, 0, sizeof(mbr));
	mbr.mbr_outputs = built;
	mbr.mbr_noutputs = 2;
	msg_send_build_result(&ib_send, SID, &mbr);
	recv_msg(IMSG_STORE_BUILD_RESULT, &imsg, &cap);
	if (msg_recv_build_result(&imsg, STOREDIR, &got, &errstr) == -1)
		errx(1, "BUILD_RESULT: %s", errstr);
	if (got.mbr_error != NULL || got.mbr_noutputs != 2)
		errx(1, "BUILD_RESULT: got %zu outputs, expected 2",
		    got.mbr_noutputs);
	for (i = 0; i < 2; i++) {
		same_str("BUILD_RESULT name", got.mbr_outputs[i].mbt_name,
		    built[i].mbt_name);
		same_info("BUILD_RESULT info", &got.mbr_outputs[i].mbt_info,
		    &built[i].mbt_info);
	}
	msg_build_result_free(&got);
	imsg_free(&imsg);
	generic(&k_build_result, &cap);
	free(cap.c_buf);

	memset(&mbr, 0, sizeof(mbr));
	mbr.mbr_error = "builder failed";
	mbr.mbr_hash_mismatch = 1;
	msg_send_build_result(&ib_send, SID, &mbr);
	recv_msg(IMSG_STORE_BUILD_RESULT, &imsg, &cap);
	if (msg_recv_build_result(&imsg, STOREDIR, &got, &errstr) == -1)
		errx(1, "BUILD_RESULT error: %s", errstr);
	same_str("BUILD_RESULT error", got.mbr_error, mbr.mbr_error);
	if (!got.mbr_hash_mismatch || got.mbr_noutputs != 0)
		errx(1, "BUILD_RESULT error: hash mismatch lost");
	msg_build_result_free(&got);
	imsg_free(&imsg);
	generic(&k_build_result, &cap);
	free(cap.c_buf);

	printf("build_result: malformed\n");
	out_init(&out);
	(void)wire_put_u64(&out, 1);
	(void)wire_put_u64(&out, MSG_OUTPUTS_MAX + 1);
	out_fail(&k_build_result, "count over the limit", &out, TOO_MANY);
	out_init(&out);
	(void)wire_put_u64(&out, 1);
	(void)wire_put_u64(&out, 2);
	(void)wire_put_string(&out, "out");
	(void)wire_put_path_info(&out, &built[0].mbt_info, 1);
	(void)wire_put_string(&out, "d v");
	(void)wire_put_path_info(&out, &built[1].mbt_info, 1);
	out_fail(&k_build_result, "bad second name", &out,
	    "invalid output name");
	out_init(&out);
	(void)wire_put_u64(&out, 1);
	(void)wire_put_u64(&out, 1);
	(void)wire_put_string(&out, "out");
	(void)wire_put_path_info(&out, &built[0].mbt_info, 0);
	out_fail(&k_build_result, "info without path", &out, NOT_IN_STORE);
	wire_strings_free(refs, 3);
}

/* The head of a BUILD_OUTPUTS payload: a build with outputs out, dev. */
#define CHECK_DRV	STOREDIR "/0123456789abcdfghijklmnpqrsvwxyz-x.drv"

static void
put_build_head(struct wire_out *out, char **paths)
{
	(void)wire_put_string(out, CHECK_DRV);
	(void)wire_put_u64(out, 7);
	(void)wire_put_u64(out, 30001);
	(void)wire_put_u64(out, 2);
	(void)wire_put_string(out, "out");
	(void)wire_put_string(out, paths[1]);
	(void)wire_put_string(out, "");
	(void)wire_put_string(out, "");
	(void)wire_put_string(out, "dev");
	(void)wire_put_string(out, paths[2]);
	(void)wire_put_string(out, "");
	(void)wire_put_string(out, "");
	(void)wire_put_strings(out, NULL, 0);
	(void)wire_put_u64(out, 0);	/* mode */
	(void)wire_put_bool(out, 0);	/* keep-failed */
}

/* One check record as msg_put_checks writes it. */
static void
put_check(struct wire_out *out, const char *output, uint64_t flags,
    char **spec, size_t nspec, const char *error)
{
	int	l;

	(void)wire_put_string(out, output);
	(void)wire_put_u64(out, flags);
	(void)wire_put_u64(out, 100);
	(void)wire_put_u64(out, 200);
	for (l = 0; l < OC_NLISTS; l++)
		(void)wire_put_strings(out, l == 0 ? spec : NULL,
		    l == 0 ? nspec : 0);
	(void)wire_put_string(out, error);
}

static void
test_build_checks(void)
{
	struct msg_build	 mb, got;
	struct msg_build_output	 mo[2];
	struct outcheck		 oc;
	struct capture		 cap;
	struct imsg		 imsg;
	struct wire_out		 out;
	const char		*errstr;
	char			**paths, *spec[3] = { "dev", NULL, NULL };
	int			 fd, p[2];

	printf("build_outputs: output checks\n");
	paths = mkpaths(3, 20);
	spec[1] = paths[2];
	memset(&mb, 0, sizeof(mb));
	memset(mo, 0, sizeof(mo));
	memset(&oc, 0, sizeof(oc));
	mb.mb_drv = CHECK_DRV;
	mo[0].mbo_name = "out";
	mo[0].mbo_path = paths[1];
	mo[1].mbo_name = "dev";
	mo[1].mbo_path = paths[2];
	mo[0].mbo_algo = mo[0].mbo_hash = mo[1].mbo_algo = "";
	mo[1].mbo_hash = "";
	mb.mb_outputs = mo;
	mb.mb_noutputs = 2;
	oc.oc_output = "out";
	oc.oc_flags = OC_F_LIST(OC_ALLOWED_REFS) | OC_F_MAXSIZE;
	oc.oc_maxsize = 1234;
	oc.oc_specs[OC_ALLOWED_REFS] = spec;
	oc.oc_nspecs[OC_ALLOWED_REFS] = 2;
	oc.oc_error = "attribute must be a list of strings";
	mb.mb_checks = &oc;
	mb.mb_nchecks = 1;
	if (pipe2(p, O_CLOEXEC) == -1)
		err(1, "pipe2");
	close(p[1]);
	if (msg_send_build_outputs(&ib_send, SID, &mb, p[0]) == -1)
		errx(1, "msg_send_build_outputs");
	recv_msg(IMSG_STORE_BUILD_OUTPUTS, &imsg, &cap);
	if (msg_recv_build_outputs(&imsg, STOREDIR, &got, &fd,
	    &errstr) == -1)
		errx(1, "BUILD_OUTPUTS: %s", errstr);
	close(fd);
	if (got.mb_nchecks != 1 || got.mb_checks[0].oc_flags != oc.oc_flags ||
	    got.mb_checks[0].oc_maxsize != 1234 ||
	    got.mb_checks[0].oc_maxclosure != 0)
		errx(1, "BUILD_OUTPUTS: checks lost");
	same_str("check output", got.mb_checks[0].oc_output, "out");
	same_str("check error", got.mb_checks[0].oc_error, oc.oc_error);
	same_list("check specifiers", got.mb_checks[0].oc_specs[0],
	    got.mb_checks[0].oc_nspecs[0], spec, 2);
	msg_build_free(&got);
	imsg_free(&imsg);
	generic(&k_build_outputs, &cap);
	free(cap.c_buf);

	printf("build_outputs: malformed checks\n");
	out_init(&out);
	put_build_head(&out, paths);
	(void)wire_put_u64(&out, 3);
	out_fail(&k_build_outputs, "more checks than outputs", &out, TOO_MANY);
	out_init(&out);
	put_build_head(&out, paths);
	(void)wire_put_u64(&out, 1);
	put_check(&out, "bin", OC_F_LIST(0), spec, 2, "");
	out_fail(&k_build_outputs, "check of no output", &out,
	    "a check of no output");
	out_init(&out);
	put_build_head(&out, paths);
	(void)wire_put_u64(&out, 1);
	put_check(&out, "out", 0x80, NULL, 0, "");
	out_fail(&k_build_outputs, "unknown flag", &out,
	    "unknown check flags");
	out_init(&out);
	put_build_head(&out, paths);
	(void)wire_put_u64(&out, 1);
	put_check(&out, "out", OC_F_MAXSIZE, spec, 2, "");
	out_fail(&k_build_outputs, "list not flagged", &out,
	    "specifiers of a list not given");
	out_init(&out);
	put_build_head(&out, paths);
	(void)wire_put_u64(&out, 2);
	put_check(&out, "out", OC_F_LIST(0), spec, 2, "");
	put_check(&out, "out", OC_F_LIST(0), spec, 2, "");
	out_fail(&k_build_outputs, "two checks of one output", &out,
	    "duplicate check");
	out_init(&out);
	put_build_head(&out, paths);
	(void)wire_put_u64(&out, 1);
	put_check(&out, "out", OC_F_LIST(0), spec, 2, "");
	(void)wire_put_u64(&out, 0);
	out_fail(&k_build_outputs, "trailing bytes", &out, TRAILING);
	out_init(&out);
	put_build_head(&out, paths);
	(void)wire_put_u64(&out, 1);
	put_check(&out, "out", OC_F_LIST(0), spec, 2, "");
	expect_ok(&k_build_outputs, "a good check", out.wo_buf, out.wo_len,
	    1);
	wire_out_free(&out);
	wire_strings_free(paths, 3);
}
