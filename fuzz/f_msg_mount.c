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
 * The mountproc message decoders of common/msg_mount.c, as mountproc
 * and its spawner (and builderproc, for the replies) use them, over a
 * real imsg channel.  Input: records of a type selector byte, a flags
 * byte (bit 0: pass a descriptor), a 2-byte length and the payload; a
 * START, ITEM..., GO sequence is received into one build as
 * mount_perm.c does.
 *
 * Properties beyond "no crash":
 * - no descriptor leaks, whatever the messages claim;
 * - a build accepted at GO encodes (mountproc would die at once if it
 *   did not: "a checked build did not encode"), its encoding decodes
 *   to a build that encodes to the same messages;
 * - every other accepted message re-encodes, and decoding and
 *   encoding that again gives the same bytes and descriptor.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "imsg.h"
#include "msg_mount.h"
#include "proc.h"

#define SD	FUZZ_STOREDIR
#define CAP_MAX	(3 * 65536 * 5 + 8)

struct capmsg {
	uint32_t	 cm_type;
	uint32_t	 cm_peerid;
	int		 cm_fd;
	void		*cm_data;
	size_t		 cm_len;
};

struct capture {
	struct capmsg	*cp_msgs;
	size_t		 cp_n;
	size_t		 cp_cap;
};

static struct fuzz_chan	 chan;
static struct fuzz_chan	 capch;	/* encoders write on capch.fc_send */

static const uint32_t	 types[] = {
	IMSG_MOUNT_BUILD_START, IMSG_MOUNT_BUILD_ITEM, IMSG_MOUNT_BUILD_GO,
	IMSG_MOUNT_BUILD_STARTED, IMSG_MOUNT_BUILD_EXITED,
	IMSG_MOUNT_BUILD_KILL, IMSG_MOUNT_BUILD_CLEANUP,
	IMSG_MOUNT_BIND_PATH, IMSG_MOUNT_OK, IMSG_MOUNT_ERROR,
	IMSG_MOUNT_BUILD_SOCKET
};

static void	cap_take(struct capture *);
static void	cap_free(struct capture *);
static void	cap_same(const char *, const struct capture *,
		    const struct capture *);
static void	cap_recv(const struct capmsg *, struct imsg *);
static int	resend(struct imsg *, struct capture *);
static void	check_single(struct imsg *);
static void	check_build(const struct msg_mount_build *);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	fuzz_chan_open(&chan, MSG_MOUNT_MAXSIZE - IMSG_HEADER_SIZE);
	fuzz_chan_open(&capch, MSG_MOUNT_MAXSIZE - IMSG_HEADER_SIZE);
	return (0);
}

static void
cap_add(struct capture *cp, struct imsg *imsg)
{
	struct capmsg	*cm;
	const void	*data;

	if (cp->cp_n == cp->cp_cap) {
		cp->cp_cap = cp->cp_cap * 2 + 8;
		cp->cp_msgs = reallocarray(cp->cp_msgs, cp->cp_cap,
		    sizeof(*cm));
		if (cp->cp_msgs == NULL)
			fuzz_fail("reallocarray");
	}
	cm = &cp->cp_msgs[cp->cp_n++];
	cm->cm_type = imsg_get_type(imsg);
	cm->cm_peerid = imsg_get_peerid(imsg);
	cm->cm_fd = imsg_get_fd(imsg);
	data = imsg_get_buf(imsg, &cm->cm_len);
	if ((cm->cm_data = malloc(cm->cm_len + 1)) == NULL)
		fuzz_fail("malloc");
	if (cm->cm_len > 0)
		memcpy(cm->cm_data, data, cm->cm_len);
}

/* What the encoders queued on capch, as it went over, into cp. */
static void
cap_take(struct capture *cp)
{
	struct imsg	imsg;
	ssize_t		n;
	int		rc;

	for (;;) {
		if (imsgbuf_queuelen(&capch.fc_send) > 0 &&
		    imsgbuf_write(&capch.fc_send) == -1)
			fuzz_fail("imsgbuf_write");
		if ((n = imsgbuf_read(&capch.fc_recv)) == -1 &&
		    errno != EAGAIN)
			fuzz_fail("imsgbuf_read");
		while ((rc = imsgbuf_get(&capch.fc_recv, &imsg)) == 1) {
			cap_add(cp, &imsg);
			imsg_free(&imsg);
		}
		if (rc == -1)
			fuzz_fail("imsgbuf_get");
		if (imsgbuf_queuelen(&capch.fc_send) == 0 && n == -1)
			break;
	}
}

static void
cap_free(struct capture *cp)
{
	size_t	i;

	for (i = 0; i < cp->cp_n; i++) {
		free(cp->cp_msgs[i].cm_data);
		if (cp->cp_msgs[i].cm_fd != -1)
			close(cp->cp_msgs[i].cm_fd);
	}
	free(cp->cp_msgs);
	memset(cp, 0, sizeof(*cp));
}

static void
cap_same(const char *what, const struct capture *a, const struct capture *b)
{
	size_t	i;

	if (a->cp_n != b->cp_n)
		fuzz_fail("%s: %zu messages, then %zu", what, a->cp_n,
		    b->cp_n);
	for (i = 0; i < a->cp_n; i++) {
		if (a->cp_msgs[i].cm_type != b->cp_msgs[i].cm_type ||
		    a->cp_msgs[i].cm_peerid != b->cp_msgs[i].cm_peerid ||
		    (a->cp_msgs[i].cm_fd == -1) !=
		    (b->cp_msgs[i].cm_fd == -1) ||
		    a->cp_msgs[i].cm_len != b->cp_msgs[i].cm_len ||
		    memcmp(a->cp_msgs[i].cm_data, b->cp_msgs[i].cm_data,
		    a->cp_msgs[i].cm_len) != 0)
			fuzz_fail("%s: message %zu differs", what, i);
	}
}

/* Carry a captured message over the channel; its fd goes with it. */
static void
cap_recv(const struct capmsg *cm, struct imsg *imsg)
{
	int	fd = -1;

	if (cm->cm_fd != -1 && (fd = dup(cm->cm_fd)) == -1)
		fuzz_fail("dup");
	if (fuzz_chan_send(&chan, cm->cm_type, cm->cm_peerid, fd, cm->cm_data,
	    cm->cm_len) == -1)
		fuzz_fail("an encoded message does not fit the channel");
	fuzz_chan_recv(&chan, imsg);
}

/* Decode a single message and encode it again into cp. */
static int
resend(struct imsg *imsg, struct capture *cp)
{
	struct imsgbuf		*mc = &capch.fc_send;
	const char		*errstr;
	char			*path, msg[MSG_MOUNT_ERROR_MAX];
	uint64_t		 id;
	uint32_t		 req, peerid;
	pid_t			 pid;
	int			 fd, status, rc = 0;

	peerid = imsg_get_peerid(imsg);
	switch (imsg_get_type(imsg)) {
	case IMSG_MOUNT_BUILD_GO:
	case IMSG_MOUNT_BUILD_KILL:
	case IMSG_MOUNT_BUILD_CLEANUP:
		if (msg_recv_build_id(imsg, &id, &errstr) == -1)
			return (-1);
		rc = msg_send_build_id(mc, imsg_get_type(imsg), id);
		break;
	case IMSG_MOUNT_BUILD_STARTED:
		if (msg_recv_started(imsg, &id, &pid, &fd, &errstr) == -1)
			return (-1);
		rc = msg_send_started(mc, id, pid, fd);
		break;
	case IMSG_MOUNT_BUILD_SOCKET:
		if (msg_recv_build_socket(imsg, &id, &fd, &errstr) == -1)
			return (-1);
		rc = msg_send_build_socket(mc, id, fd);
		break;
	case IMSG_MOUNT_BUILD_EXITED:
		if (msg_recv_exited(imsg, &id, &status, &fd, &errstr) == -1)
			return (-1);
		rc = msg_send_exited(mc, id, status, fd);
		break;
	case IMSG_MOUNT_BIND_PATH:
		if (msg_recv_bind_path(imsg, SD, &id, &path, &errstr) == -1)
			return (-1);
		rc = msg_send_bind_path(mc, peerid, id, path);
		free(path);
		break;
	case IMSG_MOUNT_OK:
		if (msg_recv_mount_ok(imsg, &id, &req, &errstr) == -1)
			return (-1);
		rc = msg_send_mount_ok(mc, peerid, id, req);
		break;
	case IMSG_MOUNT_ERROR:
		if (msg_recv_mount_error(imsg, &id, &req, msg, sizeof(msg),
		    &errstr) == -1)
			return (-1);
		rc = msg_send_mount_error(mc, peerid, id, req, msg);
		break;
	default:
		fuzz_fail("no decoder for type %u", imsg_get_type(imsg));
	}
	if (rc == -1)
		fuzz_fail("type %u: decoded but does not encode",
		    imsg_get_type(imsg));
	cap_take(cp);
	return (0);
}

static void
check_single(struct imsg *imsg)
{
	struct capture	c1, c2;
	struct imsg	again;

	memset(&c1, 0, sizeof(c1));
	memset(&c2, 0, sizeof(c2));
	if (resend(imsg, &c1) == -1)
		return;
	if (c1.cp_n != 1)
		fuzz_fail("one message encodes as %zu", c1.cp_n);
	cap_recv(&c1.cp_msgs[0], &again);
	if (resend(&again, &c2) == -1)
		fuzz_fail("type %u: its own encoding is refused",
		    c1.cp_msgs[0].cm_type);
	imsg_free(&again);
	cap_same("single", &c1, &c2);
	cap_free(&c1);
	cap_free(&c2);
}

/* Receive a captured START, ITEM..., GO into mb; -1 if refused. */
static int
recv_build(const struct capture *cp, struct msg_mount_build *mb)
{
	struct imsg	 imsg;
	const char	*errstr;
	size_t		 i;
	int		 rc = 0;

	for (i = 0; i < cp->cp_n && rc == 0; i++) {
		cap_recv(&cp->cp_msgs[i], &imsg);
		if (i == 0)
			rc = msg_recv_start(&imsg, mb, &errstr);
		else if (i + 1 == cp->cp_n)
			rc = msg_recv_go(&imsg, mb, &errstr);
		else
			rc = msg_recv_item(&imsg, SD, mb, &errstr);
		imsg_free(&imsg);
		if (rc == -1)
			fuzz_fail("message %zu of an encoded build: %s", i,
			    errstr);
	}
	return (rc);
}

static void
check_build(const struct msg_mount_build *mb)
{
	struct msg_mount_build	mb2;
	struct capture		c1, c2;

	memset(&c1, 0, sizeof(c1));
	memset(&c2, 0, sizeof(c2));
	if (msg_send_build(&capch.fc_send, mb) == -1)
		fuzz_fail("a build accepted at GO does not encode");
	cap_take(&c1);
	memset(&mb2, 0, sizeof(mb2));
	recv_build(&c1, &mb2);
	if (msg_send_build(&capch.fc_send, &mb2) == -1)
		fuzz_fail("a re-received build does not encode");
	cap_take(&c2);
	cap_same("build", &c1, &c2);
	msg_mount_build_free(&mb2);
	cap_free(&c1);
	cap_free(&c2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	struct fuzz_in		 fi;
	struct msg_mount_build	 mb;
	struct imsg		 imsg;
	const uint8_t		*payload;
	const char		*errstr;
	size_t			 plen;
	uint32_t		 type;
	int			 fds, fd, building = 0, flags;

	fds = fuzz_fd_count();
	fuzz_in_init(&fi, buf, len);
	memset(&mb, 0, sizeof(mb));
	while (fuzz_in_left(&fi) > 0) {
		type = types[fuzz_in_byte(&fi) % (sizeof(types) /
		    sizeof(types[0]))];
		flags = fuzz_in_byte(&fi);
		payload = fuzz_in_take(&fi, &plen);
		fd = flags & 1 ? fuzz_null_fd() : -1;
		if (fuzz_chan_send(&chan, type, flags >> 1, fd, payload,
		    plen) == -1)
			continue;
		fuzz_chan_recv(&chan, &imsg);
		if (type == IMSG_MOUNT_BUILD_START) {
			if (building)
				msg_mount_build_free(&mb);
			building = msg_recv_start(&imsg, &mb, &errstr) == 0;
		} else if (type == IMSG_MOUNT_BUILD_ITEM && building) {
			if (msg_recv_item(&imsg, SD, &mb, &errstr) == -1) {
				msg_mount_build_free(&mb);
				building = 0;
			}
		} else if (type == IMSG_MOUNT_BUILD_GO && building) {
			if (msg_recv_go(&imsg, &mb, &errstr) == 0)
				check_build(&mb);
			msg_mount_build_free(&mb);
			building = 0;
		} else if (type != IMSG_MOUNT_BUILD_START &&
		    type != IMSG_MOUNT_BUILD_ITEM)
			check_single(&imsg);
		imsg_free(&imsg);
	}
	if (building)
		msg_mount_build_free(&mb);
	fuzz_fd_expect("msg_mount", fds);
	return (0);
}
