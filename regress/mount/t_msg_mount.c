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
 * msg_mount.c: every send/recv pair of msg_mount.h.  Good messages make
 * a round trip over a real imsg channel (fds included); then each
 * captured payload is damaged (cut at every offset, a trailing byte, a
 * missing or unexpected fd) and in the ways the message's own rules
 * forbid (counts, ids, flags, store paths, "..", NULs), and every
 * damaged copy must be refused.  /proc/self/fd is counted around each
 * case so no descriptor leaks; LeakSanitizer checks memory (-asan).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "msg_mount.h"
#include "wirebuf.h"
#include "../msg/msgtest.h"

/* link: regress/msg/msgtest.c */
#include "proc.h"

#define STOREDIR	"/nix/store"
#define P1	STOREDIR "/7dwpiwnvvbx5yw1cr2gp7kd7f6n23q2c-hello-2.12"
#define P2	STOREDIR "/0c5bmdw1zmhhs9xvm0in7d7yvzyafyrg-glibc-2.35"
#define MAXMSG	64

/* A message as a sender queued it. */
struct cap {
	uint32_t	 c_type;
	uint32_t	 c_peerid;
	int		 c_fd;
	unsigned char	*c_buf;
	size_t		 c_len;
};

static struct cap	caps[MAXMSG];
static size_t		ncaps;
static struct imsgbuf	ib_send, ib_recv;
static struct imsgbuf	ib_cap, ib_capped;	/* senders write on ib_cap */
static struct imsgbuf	*mc = &ib_cap;

/* Take what the senders queued on ib_cap into caps[], as it went. */
static void
capture(void)
{
	struct imsg	 imsg;
	const void	*data;
	size_t		 len;
	ssize_t		 n;
	int		 rc;

	for (;;) {
		if (imsgbuf_queuelen(&ib_cap) > 0 &&
		    imsgbuf_write(&ib_cap) == -1)
			err(1, "imsgbuf_write");
		if ((n = imsgbuf_read(&ib_capped)) == -1 && errno != EAGAIN)
			err(1, "imsgbuf_read");
		while ((rc = imsgbuf_get(&ib_capped, &imsg)) == 1) {
			if (ncaps == MAXMSG)
				errx(1, "too many messages");
			caps[ncaps].c_type = imsg_get_type(&imsg);
			caps[ncaps].c_peerid = imsg_get_peerid(&imsg);
			caps[ncaps].c_fd = imsg_get_fd(&imsg);
			data = imsg_get_buf(&imsg, &len);
			caps[ncaps].c_len = len;
			if ((caps[ncaps].c_buf = malloc(len + 1)) == NULL)
				err(1, NULL);
			if (len > 0)
				memcpy(caps[ncaps].c_buf, data, len);
			ncaps++;
			imsg_free(&imsg);
		}
		if (rc == -1)
			err(1, "imsgbuf_get");
		/* All written and nothing more to read: all captured. */
		if (imsgbuf_queuelen(&ib_cap) == 0 && n == -1)
			break;
	}
}

/* Raw payloads, for what no sender would write. */
static void
enc_init(struct wire_out *o)
{
	wire_out_init(o, MSG_MOUNT_MAXSIZE);
}

static void
enc_start(struct wire_out *o, uint64_t id, uint32_t flags, uint32_t nargs,
    uint32_t nenv, uint32_t ninputs, uint32_t nbinds, uint32_t nfileparts)
{
	enc_init(o);
	(void)wire_put_u64(o, id);
	(void)wire_put_u64(o, 30001);
	(void)wire_put_u64(o, 30000);
	(void)wire_put_u64(o, flags);
	(void)wire_put_u64(o, nargs);
	(void)wire_put_u64(o, nenv);
	(void)wire_put_u64(o, ninputs);
	(void)wire_put_u64(o, nbinds);
	(void)wire_put_u64(o, nfileparts);
}

static void
enc_id(struct wire_out *o, uint64_t id)
{
	enc_init(o);
	(void)wire_put_u64(o, id);
}

static void
caps_free(void)
{
	size_t	i;

	for (i = 0; i < ncaps; i++) {
		free(caps[i].c_buf);
		if (caps[i].c_fd != -1)
			close(caps[i].c_fd);
	}
	ncaps = 0;
}

/* Over the real channel: compose, write, read, get. */
static void
deliver(const struct cap *c, struct imsg *imsg)
{
	int	rc, fd = -1;

	if (c->c_fd != -1 && (fd = dup(c->c_fd)) == -1)
		err(1, "dup");
	if (imsg_compose(&ib_send, c->c_type, c->c_peerid, 0, fd, c->c_buf,
	    c->c_len) == -1)
		err(1, "imsg_compose");
	for (;;) {
		if (imsgbuf_queuelen(&ib_send) > 0 &&
		    imsgbuf_write(&ib_send) == -1)
			err(1, "imsgbuf_write");
		if (imsgbuf_read(&ib_recv) == -1 && errno != EAGAIN)
			err(1, "imsgbuf_read");
		if ((rc = imsgbuf_get(&ib_recv, imsg)) == -1)
			err(1, "imsgbuf_get");
		if (rc == 1)
			break;
	}
	if (imsg_get_type(imsg) != c->c_type)
		errx(1, "got type %u, expected %u", imsg_get_type(imsg),
		    c->c_type);
}


static struct msg_mount_build	rbuild;
static uint64_t			ritem_id = 42;

static int
r_start(struct imsg *imsg, const char **errstr)
{
	int	rc = msg_recv_start(imsg, &rbuild, errstr);

	msg_mount_build_free(&rbuild);
	return (rc);
}

static int
r_id(struct imsg *imsg, const char **errstr)
{
	uint64_t	id;

	return (msg_recv_build_id(imsg, &id, errstr));
}

static int
r_started(struct imsg *imsg, const char **errstr)
{
	uint64_t	id;
	pid_t		pid;
	int		fd;

	if (msg_recv_started(imsg, &id, &pid, &fd, errstr) == -1)
		return (-1);
	close(fd);
	return (0);
}

static int
r_socket(struct imsg *imsg, const char **errstr)
{
	uint64_t	id;
	int		fd;

	if (msg_recv_build_socket(imsg, &id, &fd, errstr) == -1)
		return (-1);
	close(fd);
	return (0);
}

static int
r_exited(struct imsg *imsg, const char **errstr)
{
	uint64_t	id;
	int		status, fd;

	if (msg_recv_exited(imsg, &id, &status, &fd, errstr) == -1)
		return (-1);
	close(fd);
	return (0);
}

static int
r_bind(struct imsg *imsg, const char **errstr)
{
	uint64_t	 id;
	char		*path;

	if (msg_recv_bind_path(imsg, STOREDIR, &id, &path, errstr) == -1)
		return (-1);
	free(path);
	return (0);
}

static int
r_ok(struct imsg *imsg, const char **errstr)
{
	uint64_t	id;
	uint32_t	req;

	return (msg_recv_mount_ok(imsg, &id, &req, errstr));
}

static int
r_error(struct imsg *imsg, const char **errstr)
{
	uint64_t	id;
	uint32_t	req;
	char		msg[MSG_MOUNT_ERROR_MAX];

	return (msg_recv_mount_error(imsg, &id, &req, msg, sizeof(msg),
	    errstr));
}

/* An item against a build that START announced with one of each. */
static int
r_item(struct imsg *imsg, const char **errstr)
{
	struct wire_out		o;
	struct imsg		start;
	const char		*e;
	int			rc;

	enc_start(&o, ritem_id, 0, 1, 1, 1, 1, 1);
	mt_fake(&start, IMSG_MOUNT_BUILD_START, o.wo_buf, o.wo_len, -1);
	wire_out_free(&o);
	if (msg_recv_start(&start, &rbuild, &e) == -1)
		errx(1, "START for items: %s", e);
	imsg_free(&start);
	rc = msg_recv_item(imsg, STOREDIR, &rbuild, errstr);
	msg_mount_build_free(&rbuild);
	return (rc);
}

/* The generic cases of a captured message. */
static void
generic(const char *name, mt_recv_fn fn, const struct cap *c, int needfd)
{
	mt_generic(name, fn, c->c_type, c->c_buf, c->c_len, needfd);
}

static void
channel(struct imsgbuf *a, struct imsgbuf *b)
{
	int	sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == -1)
		err(1, "socketpair");
	if (imsgbuf_init(a, sv[0]) == -1 || imsgbuf_init(b, sv[1]) == -1 ||
	    imsgbuf_set_maxsize(a, MSG_MOUNT_MAXSIZE) == -1 ||
	    imsgbuf_set_maxsize(b, MSG_MOUNT_MAXSIZE) == -1)
		err(1, "imsgbuf");
}

static char	*args[] = { "-e", "", NULL };
static char	*envs[] = { "out=" P1, "PATH=/path-not-set", "EMPTY=", NULL };
static char	*inputs[] = { P1, P2, NULL };
static struct msg_mount_bind binds[] = {
	{ "/bin/sh", "/usr/bin/busybox", 0 },
	{ "/dev/kvm", "/dev/kvm", 1 },
};

static void
build_fill(struct msg_mount_build *mb, char *bigarg)
{
	memset(mb, 0, sizeof(*mb));
	mb->mmb_id = 0x1234567890ULL;
	mb->mmb_uid = 30001;
	mb->mmb_gid = 30000;
	mb->mmb_flags = MOUNT_F_NETWORK | MOUNT_F_RECURSIVE;
	mb->mmb_builder = "/bin/sh";
	args[1] = bigarg;
	mb->mmb_args = args;
	mb->mmb_nargs = 2;
	mb->mmb_env = envs;
	mb->mmb_nenv = 3;
	mb->mmb_inputs = inputs;
	mb->mmb_ninputs = 2;
	mb->mmb_binds = binds;
	mb->mmb_nbinds = 2;
}

static void
check_build(const struct msg_mount_build *a, const struct msg_mount_build *b)
{
	size_t	i;

	if (a->mmb_id != b->mmb_id || a->mmb_uid != b->mmb_uid ||
	    a->mmb_gid != b->mmb_gid || a->mmb_flags != b->mmb_flags ||
	    strcmp(a->mmb_builder, b->mmb_builder) != 0 ||
	    a->mmb_nargs != b->mmb_nargs || a->mmb_nenv != b->mmb_nenv ||
	    a->mmb_ninputs != b->mmb_ninputs || a->mmb_nbinds != b->mmb_nbinds)
		errx(1, "build fixed part differs after the round trip");
	for (i = 0; i < a->mmb_nargs; i++)
		if (strcmp(a->mmb_args[i], b->mmb_args[i]) != 0)
			errx(1, "arg %zu differs", i);
	for (i = 0; i < a->mmb_nenv; i++)
		if (strcmp(a->mmb_env[i], b->mmb_env[i]) != 0)
			errx(1, "env %zu: got %s, expected %s", i,
			    b->mmb_env[i], a->mmb_env[i]);
	for (i = 0; i < a->mmb_ninputs; i++)
		if (strcmp(a->mmb_inputs[i], b->mmb_inputs[i]) != 0)
			errx(1, "input %zu differs", i);
	for (i = 0; i < a->mmb_nbinds; i++)
		if (strcmp(a->mmb_binds[i].mmbd_target,
		    b->mmb_binds[i].mmbd_target) != 0 ||
		    strcmp(a->mmb_binds[i].mmbd_source,
		    b->mmb_binds[i].mmbd_source) != 0 ||
		    a->mmb_binds[i].mmbd_optional !=
		    b->mmb_binds[i].mmbd_optional)
			errx(1, "bind %zu differs", i);
}

/* The whole description over the channel, received as mountproc does. */
static void
test_build_roundtrip(void)
{
	struct msg_mount_build	 mb, got;
	struct imsg		 imsg;
	const char		*errstr;
	char			*big;
	size_t			 i;

	if ((big = malloc(MSG_MOUNT_STRING_MAX)) == NULL)
		err(1, NULL);
	memset(big, 'a', MSG_MOUNT_STRING_MAX - 1);
	big[MSG_MOUNT_STRING_MAX - 1] = '\0';
	build_fill(&mb, big);
	if (msg_send_build(mc, &mb) == -1)
		errx(1, "msg_send_build refused a good build");
	capture();
	if (ncaps != 1 + 1 + 2 + 3 + 2 + 2 + 1)
		errx(1, "build: got %zu messages, expected 12", ncaps);
	for (i = 0; i < ncaps; i++) {
		deliver(&caps[i], &imsg);
		if (i == 0 && msg_recv_start(&imsg, &got, &errstr) == -1)
			errx(1, "START: %s", errstr);
		if (i > 0 && i < ncaps - 1 &&
		    msg_recv_item(&imsg, STOREDIR, &got, &errstr) == -1)
			errx(1, "ITEM %zu: %s", i, errstr);
		if (i == ncaps - 1 && msg_recv_go(&imsg, &got, &errstr) == -1)
			errx(1, "GO: %s", errstr);
		imsg_free(&imsg);
	}
	check_build(&mb, &got);
	msg_mount_build_free(&got);
	printf("build round trip (START, 10 ITEMs, GO; a %d-byte arg): ok\n",
	    MSG_MOUNT_STRING_MAX - 1);
	generic("START", r_start, &caps[0], 0);
	ritem_id = mb.mmb_id;
	generic("ITEM", r_item, &caps[1], 0);
	ritem_id = 42;
	generic("GO", r_id, &caps[ncaps - 1], 0);
	caps_free();

	/* A string one byte over its limit is never sent. */
	big[MSG_MOUNT_STRING_MAX - 1] = 'a';
	big = realloc(big, MSG_MOUNT_STRING_MAX + 1);
	big[MSG_MOUNT_STRING_MAX] = '\0';
	build_fill(&mb, big);
	if (msg_send_build(mc, &mb) != -1 || imsgbuf_queuelen(mc) != 0)
		errx(1, "an oversized argument was sent");
	build_fill(&mb, "x");
	mb.mmb_builder = "/bin/../sh";
	if (msg_send_build(mc, &mb) != -1 || imsgbuf_queuelen(mc) != 0)
		errx(1, "a builder with .. was sent");
	free(big);
	printf("oversized argument and '..' builder not sent: ok\n");
}

/*
 * An ITEM of build id: each NUL-terminated piece of s (slen bytes) is
 * one string; a piece left without a NUL claims one byte more than
 * the payload holds.
 */
static void
item(uint64_t id, uint32_t kind, uint32_t opt, unsigned char *buf,
    size_t *len, const char *s, size_t slen)
{
	struct wire_out	 o;
	const char	*p, *nul;

	enc_init(&o);
	(void)wire_put_u64(&o, id);
	(void)wire_put_u64(&o, kind);
	(void)wire_put_u64(&o, opt);
	for (p = s; p < s + slen; p = nul + 1) {
		if ((nul = memchr(p, '\0', s + slen - p)) == NULL) {
			(void)wire_put_u64(&o, s + slen - p + 1);
			(void)wire_put_bytes(&o, p, s + slen - p);
			o.wo_len -= 8;		/* the length and the bytes */
			o.wo_len += s + slen - p;
			break;
		}
		(void)wire_put_bytes(&o, p, nul - p);
	}
	if (o.wo_len > 1024)
		errx(1, "item too long for the test buffer");
	memcpy(buf, o.wo_buf, o.wo_len);
	*len = o.wo_len;
	wire_out_free(&o);
}

#define ITEM_BAD(what, kind, opt, s) do {				\
	item(42, kind, opt, buf, &len, s, sizeof(s));			\
	mt_expect(what, r_item, IMSG_MOUNT_BUILD_ITEM, buf, len, -1, 0); \
} while (0)
#define ITEM_GOOD(what, kind, opt, s) do {				\
	item(42, kind, opt, buf, &len, s, sizeof(s));			\
	mt_expect(what, r_item, IMSG_MOUNT_BUILD_ITEM, buf, len, -1, 1); \
} while (0)

static void
test_items_bad(void)
{
	struct wire_out		o;
	unsigned char		buf[1024];
	size_t			len;

	ITEM_GOOD("input", MSG_MOUNT_INPUT, 0, P1);
	ITEM_BAD("input outside the store", MSG_MOUNT_INPUT, 0, "/etc/passwd");
	ITEM_BAD("input with a bad hash", MSG_MOUNT_INPUT, 0,
	    STOREDIR "/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-x");
	ITEM_BAD("input subpath", MSG_MOUNT_INPUT, 0, P1 "/bin");
	ITEM_BAD("input with ..", MSG_MOUNT_INPUT, 0, STOREDIR "/../etc");
	ITEM_BAD("input in another store", MSG_MOUNT_INPUT, 0,
	    "/gnu/store/7dwpiwnvvbx5yw1cr2gp7kd7f6n23q2c-hello-2.12");
	ITEM_GOOD("builder", MSG_MOUNT_BUILDER, 0, "/bin/sh");
	ITEM_BAD("relative builder", MSG_MOUNT_BUILDER, 0, "bin/sh");
	ITEM_BAD("builder with ..", MSG_MOUNT_BUILDER, 0, "/bin/../sh");
	ITEM_BAD("builder with //", MSG_MOUNT_BUILDER, 0, "/bin//sh");
	ITEM_GOOD("built-in builder", MSG_MOUNT_BUILDER, 0,
	    "builtin:unpack-channel");
	ITEM_BAD("built-in builder without a name", MSG_MOUNT_BUILDER, 0,
	    "builtin:");
	ITEM_BAD("built-in builder with a path", MSG_MOUNT_BUILDER, 0,
	    "builtin:../bin/sh");
	ITEM_GOOD("built-in builder in capitals", MSG_MOUNT_BUILDER, 0,
	    "builtin:Buildenv");
	ITEM_GOOD("env", MSG_MOUNT_ENV, 0, "a=b");
	ITEM_BAD("env without =", MSG_MOUNT_ENV, 0, "ab");
	ITEM_BAD("env with empty name", MSG_MOUNT_ENV, 0, "=b");
	ITEM_BAD("env with an embedded NUL", MSG_MOUNT_ENV, 0, "a=b\0c");
	ITEM_GOOD("arg", MSG_MOUNT_ARG, 0, "");
	ITEM_BAD("arg with optional", MSG_MOUNT_ARG, 1, "x");
	ITEM_GOOD("bind", MSG_MOUNT_BIND, 1, "/bin/sh\0/usr/bin/busybox");
	ITEM_BAD("bind with one string", MSG_MOUNT_BIND, 0, "/bin/sh");
	ITEM_BAD("bind with three strings", MSG_MOUNT_BIND, 0,
	    "/a\0/b\0/c");
	ITEM_BAD("bind target with ..", MSG_MOUNT_BIND, 0, "/a/..\0/b");
	ITEM_BAD("bind source with ..", MSG_MOUNT_BIND, 0, "/a\0/../etc");
	ITEM_BAD("bind optional 2", MSG_MOUNT_BIND, 2, "/a\0/b");
	ITEM_BAD("unknown kind 0", 0, 0, "x");
	ITEM_GOOD("file", MSG_MOUNT_FILE, 0, ".attr-0abc\0contents");
	ITEM_GOOD("empty file", MSG_MOUNT_FILE, 0, ".attrs.json\0");
	ITEM_BAD("file without contents", MSG_MOUNT_FILE, 0, "a");
	ITEM_BAD("file named with /", MSG_MOUNT_FILE, 0, "a/b\0x");
	ITEM_BAD("file named ..", MSG_MOUNT_FILE, 0, "..\0x");
	ITEM_BAD("file named .", MSG_MOUNT_FILE, 0, ".\0x");
	ITEM_BAD("file without a name", MSG_MOUNT_FILE, 0, "\0x");
	ITEM_BAD("file named with a space", MSG_MOUNT_FILE, 0, "a b\0x");
	ITEM_GOOD("file kept", MSG_MOUNT_FILE, 1, "a\0x");
	ITEM_BAD("file kept 2", MSG_MOUNT_FILE, 2, "a\0x");
	ITEM_BAD("unknown kind 7", 7, 0, "x\0y");
	/* Not terminated at all: its length runs past the payload. */
	item(42, MSG_MOUNT_ARG, 0, buf, &len, "abc", 3);
	mt_expect("unterminated arg", r_item, IMSG_MOUNT_BUILD_ITEM, buf, len,
	    -1, 0);
	/* A NUL inside one string. */
	enc_id(&o, 42);
	(void)wire_put_u64(&o, MSG_MOUNT_ENV);
	(void)wire_put_u64(&o, 0);
	(void)wire_put_bytes(&o, "a=b\0c", 5);
	mt_expect("env string with a NUL inside", r_item, IMSG_MOUNT_BUILD_ITEM,
	    o.wo_buf, o.wo_len, -1, 0);
	wire_out_free(&o);
	/* Another build's item. */
	item(43, MSG_MOUNT_ARG, 0, buf, &len, "x", 2);
	mt_expect("item of build 43 in build 42", r_item,
	    IMSG_MOUNT_BUILD_ITEM, buf, len, -1, 0);
	printf("bad items (store paths, '..', NULs, kinds, ids): ok\n");
}

/*
 * Build-dir files: one larger than two parts and an empty one go and
 * come back whole; a name sent again after another file, and more
 * parts than START announced, are refused.
 */
static void
test_files(void)
{
	struct msg_mount_build	 mb, got;
	struct msg_mount_file	 files[2];
	struct imsg		 imsg;
	const char		*errstr;
	size_t			 i, len = 2 * (MSG_MOUNT_STRING_MAX - 1) + 10;
	char			*data;
	int			 rc;

	if ((data = malloc(len + 1)) == NULL)
		err(1, NULL);
	for (i = 0; i < len; i++)
		data[i] = 'a' + i % 26;
	data[len] = '\0';
	build_fill(&mb, "x");
	files[0].mmf_name = ".attrs.json";
	files[0].mmf_data = data;
	files[0].mmf_len = len;
	files[0].mmf_keep = 0;
	files[1].mmf_name = "empty";
	files[1].mmf_data = "";
	files[1].mmf_len = 0;
	files[1].mmf_keep = 1;
	mb.mmb_files = files;
	mb.mmb_nfiles = 2;
	if (msg_send_build(mc, &mb) == -1)
		errx(1, "a build with files was not sent");
	capture();
	if (ncaps != 12 + 3 + 1)
		errx(1, "files: %zu messages, expected 16", ncaps);
	for (i = 0; i < ncaps; i++) {
		deliver(&caps[i], &imsg);
		if (i == 0)
			rc = msg_recv_start(&imsg, &got, &errstr);
		else if (i < ncaps - 1)
			rc = msg_recv_item(&imsg, STOREDIR, &got, &errstr);
		else
			rc = msg_recv_go(&imsg, &got, &errstr);
		if (rc == -1)
			errx(1, "files: message %zu: %s", i, errstr);
		imsg_free(&imsg);
	}
	if (got.mmb_nfiles != 2 || got.mmb_files[0].mmf_len != len ||
	    memcmp(got.mmb_files[0].mmf_data, data, len) != 0 ||
	    strcmp(got.mmb_files[1].mmf_name, "empty") != 0 ||
	    got.mmb_files[1].mmf_len != 0 || got.mmb_files[0].mmf_keep ||
	    !got.mmb_files[1].mmf_keep)
		errx(1, "files differ after the round trip");
	msg_mount_build_free(&got);

	/* The parts again, the first file's name once more at the end. */
	deliver(&caps[0], &imsg);
	if (msg_recv_start(&imsg, &got, &errstr) == -1)
		errx(1, "files: START");
	imsg_free(&imsg);
	got.mmb_want.mms_nfileparts++;
	for (i = 1; i < ncaps - 1; i++) {
		deliver(&caps[i], &imsg);
		if (msg_recv_item(&imsg, STOREDIR, &got, &errstr) == -1)
			errx(1, "files: item %zu: %s", i, errstr);
		imsg_free(&imsg);
	}
	deliver(&caps[ncaps - 4], &imsg);
	if (msg_recv_item(&imsg, STOREDIR, &got, &errstr) != -1)
		errx(1, "a file sent twice was accepted");
	imsg_free(&imsg);
	deliver(&caps[ncaps - 2], &imsg);
	got.mmb_want.mms_nfileparts--;
	if (msg_recv_item(&imsg, STOREDIR, &got, &errstr) != -1)
		errx(1, "more file parts than announced were accepted");
	imsg_free(&imsg);
	msg_mount_build_free(&got);
	caps_free();

	/* A NUL inside a file's contents is never sent. */
	files[1].mmf_data = "a\0b";
	files[1].mmf_len = 3;
	if (msg_send_build(mc, &mb) != -1 || imsgbuf_queuelen(mc) != 0)
		errx(1, "a file with a NUL was sent");
	free(data);
	mt_ncases += 4;
	printf("build-dir files: parts, empty, twice, too many, NUL: ok\n");
}

/* Counts: more than announced, fewer at GO, a second builder. */
static void
test_counts(void)
{
	struct msg_mount_build	 mb;
	struct wire_out		 ms, md;
	struct imsg		 imsg;
	unsigned char		 buf[1024];
	const char		*errstr;
	size_t			 len;

	enc_start(&ms, 42, 0, 1, 0, 0, 0, 0);
	mt_fake(&imsg, IMSG_MOUNT_BUILD_START, ms.wo_buf, ms.wo_len, -1);
	wire_out_free(&ms);
	if (msg_recv_start(&imsg, &mb, &errstr) == -1)
		errx(1, "START: %s", errstr);
	imsg_free(&imsg);
	enc_id(&md, 42);
	mt_fake(&imsg, IMSG_MOUNT_BUILD_GO, md.wo_buf, md.wo_len, -1);
	if (msg_recv_go(&imsg, &mb, &errstr) != -1)
		errx(1, "GO without builder or arg accepted");
	imsg_free(&imsg);
	item(42, MSG_MOUNT_BUILDER, 0, buf, &len, "/b", 3);
	mt_fake(&imsg, IMSG_MOUNT_BUILD_ITEM, buf, len, -1);
	if (msg_recv_item(&imsg, STOREDIR, &mb, &errstr) == -1)
		errx(1, "builder: %s", errstr);
	imsg_free(&imsg);
	mt_fake(&imsg, IMSG_MOUNT_BUILD_ITEM, buf, len, -1);
	if (msg_recv_item(&imsg, STOREDIR, &mb, &errstr) != -1)
		errx(1, "second builder accepted");
	imsg_free(&imsg);
	mt_fake(&imsg, IMSG_MOUNT_BUILD_GO, md.wo_buf, md.wo_len, -1);
	if (msg_recv_go(&imsg, &mb, &errstr) != -1)
		errx(1, "GO with 0 of 1 args accepted");
	imsg_free(&imsg);
	item(42, MSG_MOUNT_ARG, 0, buf, &len, "a", 2);
	mt_fake(&imsg, IMSG_MOUNT_BUILD_ITEM, buf, len, -1);
	if (msg_recv_item(&imsg, STOREDIR, &mb, &errstr) == -1)
		errx(1, "arg: %s", errstr);
	imsg_free(&imsg);
	mt_fake(&imsg, IMSG_MOUNT_BUILD_ITEM, buf, len, -1);
	if (msg_recv_item(&imsg, STOREDIR, &mb, &errstr) != -1)
		errx(1, "a second arg of 1 accepted");
	imsg_free(&imsg);
	item(42, MSG_MOUNT_ENV, 0, buf, &len, "a=b", 4);
	mt_fake(&imsg, IMSG_MOUNT_BUILD_ITEM, buf, len, -1);
	if (msg_recv_item(&imsg, STOREDIR, &mb, &errstr) != -1)
		errx(1, "an env entry of 0 accepted");
	imsg_free(&imsg);
	wire_out_free(&md);
	enc_id(&md, 43);
	mt_fake(&imsg, IMSG_MOUNT_BUILD_GO, md.wo_buf, md.wo_len, -1);
	if (msg_recv_go(&imsg, &mb, &errstr) != -1)
		errx(1, "GO of another build accepted");
	imsg_free(&imsg);
	wire_out_free(&md);
	enc_id(&md, 42);
	mt_fake(&imsg, IMSG_MOUNT_BUILD_GO, md.wo_buf, md.wo_len, -1);
	if (msg_recv_go(&imsg, &mb, &errstr) == -1)
		errx(1, "complete GO: %s", errstr);
	imsg_free(&imsg);
	msg_mount_build_free(&mb);
	wire_out_free(&md);

	enc_start(&ms, 42, 0, 1, MSG_MOUNT_ITEMS_MAX + 1, 0, 0, 0);
	mt_expect("START with too many env", r_start, IMSG_MOUNT_BUILD_START,
	    ms.wo_buf, ms.wo_len, -1, 0);
	wire_out_free(&ms);
	enc_start(&ms, 42, 0x80, 1, 0, 0, 0, 0);
	mt_expect("START with unknown flags", r_start, IMSG_MOUNT_BUILD_START,
	    ms.wo_buf, ms.wo_len, -1, 0);
	wire_out_free(&ms);
	enc_start(&ms, 0, 0, 1, 0, 0, 0, 0);
	mt_expect("START with id 0", r_start, IMSG_MOUNT_BUILD_START,
	    ms.wo_buf, ms.wo_len, -1, 0);
	wire_out_free(&ms);
	mt_ncases += 9;
	printf("counts: missing, extra, second builder, limits, id 0: ok\n");
}

static void
test_replies(void)
{
	struct wire_out		 me;
	struct imsg		 imsg;
	const char		*errstr;
	char			 msg[MSG_MOUNT_ERROR_MAX], longmsg[400];
	uint64_t		 id;
	uint32_t		 req;
	pid_t			 pid;
	int			 fd, status, p[2];
	char			*path;

	if (pipe(p) == -1)
		err(1, "pipe");
	if (msg_send_started(mc, 7, 4242, dup(p[0])) == -1 ||
	    msg_send_exited(mc, 7, 256, dup(p[1])) == -1 ||
	    msg_send_build_id(mc, IMSG_MOUNT_BUILD_KILL, 7) == -1 ||
	    msg_send_bind_path(mc, 99, 7, P2) == -1 ||
	    msg_send_mount_ok(mc, 99, 7, IMSG_MOUNT_BIND_PATH) == -1)
		errx(1, "a good reply was not sent");
	memset(longmsg, 'e', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = '\0';
	msg_send_mount_error(mc, 5, 7, IMSG_MOUNT_BUILD_GO, longmsg);
	capture();

	deliver(&caps[0], &imsg);
	if (msg_recv_started(&imsg, &id, &pid, &fd, &errstr) == -1 ||
	    id != 7 || pid != 4242 || fd == -1)
		errx(1, "STARTED round trip");
	close(fd);
	imsg_free(&imsg);
	deliver(&caps[1], &imsg);
	if (msg_recv_exited(&imsg, &id, &status, &fd, &errstr) == -1 ||
	    id != 7 || status != 256)
		errx(1, "EXITED round trip");
	/* The descriptor is the very pipe end: write through it. */
	if (write(fd, "z", 1) != 1 || read(p[0], msg, 1) != 1 ||
	    msg[0] != 'z')
		errx(1, "EXITED fd is not the one sent");
	close(fd);
	imsg_free(&imsg);
	deliver(&caps[3], &imsg);
	if (msg_recv_bind_path(&imsg, STOREDIR, &id, &path, &errstr) == -1 ||
	    id != 7 || strcmp(path, P2) != 0 || imsg_get_peerid(&imsg) != 99)
		errx(1, "BIND_PATH round trip");
	free(path);
	imsg_free(&imsg);
	deliver(&caps[4], &imsg);
	if (msg_recv_mount_ok(&imsg, &id, &req, &errstr) == -1 || id != 7 ||
	    req != IMSG_MOUNT_BIND_PATH || imsg_get_peerid(&imsg) != 99)
		errx(1, "OK round trip");
	imsg_free(&imsg);
	deliver(&caps[5], &imsg);
	if (msg_recv_mount_error(&imsg, &id, &req, msg, sizeof(msg),
	    &errstr) == -1 || id != 7 || req != IMSG_MOUNT_BUILD_GO ||
	    strlen(msg) != MSG_MOUNT_ERROR_MAX - 1 ||
	    imsg_get_peerid(&imsg) != 5)
		errx(1, "ERROR round trip (a long text is cut)");
	imsg_free(&imsg);
	printf("STARTED, EXITED, KILL, BIND_PATH, OK, ERROR round trips: ok\n");

	generic("STARTED", r_started, &caps[0], 1);
	generic("EXITED", r_exited, &caps[1], 1);
	generic("KILL", r_id, &caps[2], 0);
	generic("BIND_PATH", r_bind, &caps[3], 0);
	generic("OK", r_ok, &caps[4], 0);
	generic("ERROR", r_error, &caps[5], 0);

	/* Message rules. */
	enc_id(&me, 7);
	(void)wire_put_u64(&me, IMSG_MOUNT_BUILD_GO);
	longmsg[MSG_MOUNT_ERROR_MAX] = '\0';
	(void)wire_put_string(&me, longmsg);
	mt_expect("ERROR text too long", r_error, IMSG_MOUNT_ERROR, me.wo_buf,
	    me.wo_len, -1, 0);
	wire_out_free(&me);
	enc_id(&me, 7);
	(void)wire_put_u64(&me, IMSG_STORE_OK);
	(void)wire_put_string(&me, "x");
	mt_expect("ERROR for a foreign request", r_error, IMSG_MOUNT_ERROR,
	    me.wo_buf, me.wo_len, -1, 0);
	wire_out_free(&me);
	caps_free();
	msg_send_bind_path(mc, 0, 7, STOREDIR "/../etc/passwd");
	msg_send_bind_path(mc, 0, 7, P2 "/..");
	msg_send_bind_path(mc, 0, 7, "/etc/passwd");
	msg_send_mount_ok(mc, 0, 7, IMSG_MOUNT_BUILD_GO);
	capture();
	mt_expect("BIND_PATH with ..", r_bind, IMSG_MOUNT_BIND_PATH,
	    caps[0].c_buf, caps[0].c_len, -1, 0);
	mt_expect("BIND_PATH subpath ..", r_bind, IMSG_MOUNT_BIND_PATH,
	    caps[1].c_buf, caps[1].c_len, -1, 0);
	mt_expect("BIND_PATH outside the store", r_bind, IMSG_MOUNT_BIND_PATH,
	    caps[2].c_buf, caps[2].c_len, -1, 0);
	mt_expect("OK for GO", r_ok, IMSG_MOUNT_OK, caps[3].c_buf,
	    caps[3].c_len, -1, 0);
	caps_free();
	if (msg_send_started(mc, 7, 0, dup(p[0])) != -1 ||
	    msg_send_started(mc, 0, 5, dup(p[0])) != -1 ||
	    msg_send_exited(mc, 7, 0, -1) != -1 ||
	    msg_send_build_id(mc, IMSG_MOUNT_BUILD_KILL, 0) != -1 ||
	    imsgbuf_queuelen(mc) != 0)
		errx(1, "a bad message was sent");
	close(p[0]);
	close(p[1]);
	printf("reply rules (text, request, store path, '..', pid, id): ok\n");
}

/* SOCKET: a recursive build's listening socket, before STARTED. */
static void
test_socket(void)
{
	struct wire_out		 md;
	struct imsg		 imsg;
	const char		*errstr;
	char			 c;
	uint64_t		 id;
	int			 fd, p[2];

	if (pipe(p) == -1)
		err(1, "pipe");
	if (msg_send_build_socket(mc, 9, dup(p[1])) == -1)
		errx(1, "a good SOCKET was not sent");
	capture();
	deliver(&caps[0], &imsg);
	if (msg_recv_build_socket(&imsg, &id, &fd, &errstr) == -1 ||
	    id != 9 || imsg_get_type(&imsg) != IMSG_MOUNT_BUILD_SOCKET)
		errx(1, "SOCKET round trip");
	if (write(fd, "s", 1) != 1 || read(p[0], &c, 1) != 1 || c != 's')
		errx(1, "SOCKET fd is not the one sent");
	close(fd);
	imsg_free(&imsg);
	generic("SOCKET", r_socket, &caps[0], 1);
	enc_id(&md, 0);
	mt_expect("SOCKET with id 0", r_socket, IMSG_MOUNT_BUILD_SOCKET,
	    md.wo_buf, md.wo_len, mt_anyfd, 0);
	wire_out_free(&md);
	caps_free();
	if (msg_send_build_socket(mc, 0, dup(p[0])) != -1 ||
	    msg_send_build_socket(mc, 9, -1) != -1 ||
	    imsgbuf_queuelen(mc) != 0)
		errx(1, "a bad SOCKET was sent");
	close(p[0]);
	close(p[1]);
	printf("SOCKET round trip and rules: ok\n");
}

int
main(void)
{
	int	before;

	log_init(1, LOG_DAEMON);
	mt_init();
	channel(&ib_send, &ib_recv);
	channel(&ib_cap, &ib_capped);
	before = mt_fd_count();
	test_build_roundtrip();
	test_items_bad();
	test_counts();
	test_files();
	test_replies();
	test_socket();
	if (mt_fd_count() != before)
		errx(1, "fds: %d before, %d after", before, mt_fd_count());
	imsgbuf_clear(&ib_send);
	imsgbuf_clear(&ib_recv);
	close(ib_send.ib_fd);
	close(ib_recv.ib_fd);
	imsgbuf_clear(&ib_cap);
	imsgbuf_clear(&ib_capped);
	close(ib_cap.ib_fd);
	close(ib_capped.ib_fd);
	printf("%zu cases: ok\n", mt_ncases);
	return (0);
}
