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
 * imsg framing: raw bytes from a broken or hostile peer, with
 * descriptors passed alongside any of them, into imsgbuf_read and
 * imsgbuf_get.  Input: records of a control byte (bit 0: pass one
 * descriptor with these bytes, bit 1: pass two, bit 2: let the
 * receiver read and parse now), a 2-byte length and the bytes.  The
 * first byte sets the receiver's maximum message size.
 *
 * Properties beyond "no crash":
 * - no descriptor leaks: after imsgbuf_clear and closing the channel
 *   the process holds what it held before, whether the receiver took
 *   a message's descriptor, left it to imsg_free, or never claimed it;
 * - every message handed out has a length within the limits, and its
 *   descriptor only if its header says so;
 * - each message composed again on a clean channel comes out the same.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "imsg.h"

struct peer {
	int		p_fds[2];	/* [0] raw writer, [1] imsgbuf */
	struct imsgbuf	p_ib;
	int		p_broken;
	size_t		p_max;
};

static struct fuzz_chan	 echo;

static void	raw_send(struct peer *, const uint8_t *, size_t, int);
static void	drain(struct peer *, int);
static void	check_msg(struct peer *, struct imsg *, int);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	fuzz_chan_open(&echo, 65536);
	return (0);
}

/* sendmsg the bytes as a peer would, with nfds fresh descriptors. */
static void
raw_send(struct peer *p, const uint8_t *buf, size_t len, int nfds)
{
	struct msghdr	 mh;
	struct cmsghdr	*cm;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(2 * sizeof(int))];
	}		 cmsgbuf;
	int		 fds[2], i;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0 && len > 0) {
		for (i = 0; i < nfds; i++)
			fds[i] = fuzz_null_fd();
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		mh.msg_control = &cmsgbuf.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	} else
		nfds = 0;
	while (sendmsg(p->p_fds[0], &mh, MSG_NOSIGNAL) == -1) {
		if (errno != EAGAIN)
			fuzz_fail("sendmsg: %s", strerror(errno));
		/* The receiver's buffer is full: let it read first. */
		drain(p, 1);
		if (p->p_broken)
			break;
	}
	for (i = 0; i < nfds; i++)
		close(fds[i]);
}

static void
check_msg(struct peer *p, struct imsg *imsg, int take)
{
	struct imsg	 again;
	const void	*data, *data2;
	size_t		 len, len2;
	int		 fd, hasfd;

	data = imsg_get_buf(imsg, &len);
	if (len + IMSG_HEADER_SIZE != imsg->im_hdr.ih_len ||
	    imsg->im_hdr.ih_len > p->p_max)
		fuzz_fail("message of %zu bytes, header says %u, max %zu",
		    len, imsg->im_hdr.ih_len, p->p_max);
	hasfd = imsg->im_fd != -1;
	if (hasfd && !(imsg->im_hdr.ih_flags & IMSGF_HASFD))
		fuzz_fail("a descriptor on a message without IMSGF_HASFD");
	if (len > 65536)
		return;
	/* Compose it again on a clean channel: it must come out equal. */
	if (fuzz_chan_send(&echo, imsg_get_type(imsg), imsg_get_peerid(imsg),
	    hasfd ? fuzz_null_fd() : -1, data, len) == -1)
		fuzz_fail("a received message does not compose");
	fuzz_chan_recv(&echo, &again);
	data2 = imsg_get_buf(&again, &len2);
	if (imsg_get_type(&again) != imsg_get_type(imsg) ||
	    imsg_get_peerid(&again) != imsg_get_peerid(imsg) ||
	    len2 != len || (len > 0 && memcmp(data, data2, len) != 0) ||
	    (again.im_fd != -1) != hasfd)
		fuzz_fail("a message changed when composed again");
	imsg_free(&again);
	if (take && (fd = imsg_get_fd(imsg)) != -1)
		close(fd);
}

/* Read and take every complete message; take: claim descriptors. */
static void
drain(struct peer *p, int take)
{
	struct imsg	imsg;
	ssize_t		n;
	int		rc;

	while (!p->p_broken) {
		n = imsgbuf_read(&p->p_ib);
		if (n == 0 || (n == -1 && errno != EAGAIN)) {
			p->p_broken = 1;
			break;
		}
		while ((rc = imsgbuf_get(&p->p_ib, &imsg)) == 1) {
			check_msg(p, &imsg, take);
			imsg_free(&imsg);
		}
		if (rc == -1)
			p->p_broken = 1;
		if (n == -1)
			break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	struct fuzz_in	 fi;
	struct peer	 p;
	const uint8_t	*chunk;
	size_t		 clen;
	int		 fds, ctl;

	if (len < 1)
		return (0);
	fds = fuzz_fd_count();
	memset(&p, 0, sizeof(p));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, p.p_fds) == -1)
		fuzz_fail("socketpair: %s", strerror(errno));
	imsgbuf_init(&p.p_ib, p.p_fds[1]);
	p.p_max = IMSG_HEADER_SIZE + (size_t)buf[0] * 512;
	if (imsgbuf_set_maxsize(&p.p_ib, p.p_max) == -1)
		p.p_max = IMSG_MAXSIZE_DEFAULT;
	fuzz_in_init(&fi, buf + 1, len - 1);
	while (fuzz_in_left(&fi) > 0 && !p.p_broken) {
		ctl = fuzz_in_byte(&fi);
		chunk = fuzz_in_take(&fi, &clen);
		raw_send(&p, chunk, clen, ctl & 3 ? (ctl & 2 ? 2 : 1) : 0);
		if (ctl & 4)
			drain(&p, ctl & 8);
	}
	drain(&p, 0);
	imsgbuf_clear(&p.p_ib);
	close(p.p_fds[0]);
	close(p.p_fds[1]);
	fuzz_fd_expect("imsg", fds);
	return (0);
}
