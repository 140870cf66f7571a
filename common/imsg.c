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
 * imsg: framed messages with optional descriptors over a stream socket
 * (see imsg.h).  Outgoing messages wait in a queue of whole messages;
 * incoming bytes collect in one buffer that grows up to the maximum
 * message size and is parsed in place.
 *
 * Descriptors.  The sender attaches a descriptor to the sendmsg() that
 * starts its message, and never two to one call.  Linux hands it out
 * with the recvmsg() that reads the first byte of that sendmsg(), which
 * may also read the end of earlier messages.  So each received fd is
 * kept with the stream range of the recvmsg() that brought it, and a
 * message that claims one gets the fd whose range holds its first byte.
 * Once parsing moves past a range, its fd can belong to nothing and is
 * closed: a peer cannot make us hold descriptors nobody asked for.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"

#define IMSG_RBUF_INIT	4096		/* first read buffer */
#define IMSG_RBUF_KEEP	IMSG_MAXSIZE_DEFAULT /* larger is freed when empty */
#define IMSG_IOV_MAX	64		/* messages per sendmsg() */
#define IMSG_RECV_FDS	8		/* fds one recvmsg() can bring */

struct imsg_wbuf {
	TAILQ_ENTRY(imsg_wbuf)	 wb_entry;
	size_t			 wb_len;	/* header included */
	size_t			 wb_off;	/* bytes already sent */
	int			 wb_fd;		/* -1 if none or sent */
	unsigned char		 wb_data[];
};

struct imsg_rfd {
	TAILQ_ENTRY(imsg_rfd)	 rf_entry;
	uint64_t		 rf_start;	/* stream range of its read */
	uint64_t		 rf_end;
	int			 rf_fd;
};

static int	imsg_iov_size(const struct iovec *, int, size_t, size_t *);
static void	imsg_wbuf_free(struct imsgbuf *, struct imsg_wbuf *);
static ssize_t	imsg_send(struct imsgbuf *);
static void	imsg_wq_consume(struct imsgbuf *, size_t);
static void	imsg_rbuf_compact(struct imsgbuf *);
static int	imsg_rbuf_reserve(struct imsgbuf *);
static int	imsg_fd_headroom(struct imsgbuf *);
static void	imsg_recv_fds(struct imsgbuf *, struct msghdr *, size_t);
static void	imsg_rfd_expire(struct imsgbuf *, uint64_t);
static int	imsg_rfd_take(struct imsgbuf *, uint64_t);
static void	imsg_close_keep_errno(int);

int
imsgbuf_init(struct imsgbuf *ib, int fd)
{
	memset(ib, 0, sizeof(*ib));
	TAILQ_INIT(&ib->ib_rfds);
	TAILQ_INIT(&ib->ib_wq);
	ib->ib_fd = -1;
	ib->ib_fdspare = -1;
	if (fd < 0) {
		errno = EBADF;
		return (-1);
	}
	ib->ib_fd = fd;
	ib->ib_pid = getpid();
	ib->ib_maxsize = IMSG_MAXSIZE_DEFAULT;
	return (0);
}

void
imsgbuf_clear(struct imsgbuf *ib)
{
	struct imsg_wbuf	*wb;
	struct imsg_rfd		*rf;

	while ((wb = TAILQ_FIRST(&ib->ib_wq)) != NULL)
		imsg_wbuf_free(ib, wb);
	while ((rf = TAILQ_FIRST(&ib->ib_rfds)) != NULL) {
		TAILQ_REMOVE(&ib->ib_rfds, rf, rf_entry);
		imsg_close_keep_errno(rf->rf_fd);
		free(rf);
	}
	if (ib->ib_fdspare != -1)
		imsg_close_keep_errno(ib->ib_fdspare);
	ib->ib_fdspare = -1;
	ib->ib_fdreserve = 0;
	free(ib->ib_rspare);
	ib->ib_rspare = NULL;
	free(ib->ib_rbuf);
	ib->ib_rbuf = NULL;
	ib->ib_rsize = ib->ib_rpos = ib->ib_rend = 0;
}

int
imsgbuf_set_maxsize(struct imsgbuf *ib, size_t maxsize)
{
	if (maxsize < IMSG_HEADER_SIZE || maxsize > IMSG_MAXSIZE_LIMIT) {
		errno = EINVAL;
		return (-1);
	}
	ib->ib_maxsize = maxsize;
	return (0);
}

void
imsgbuf_set_fdpass(struct imsgbuf *ib, int on)
{
	ib->ib_nofds = !on;
}

int
imsgbuf_reserve_fd(struct imsgbuf *ib)
{
	ib->ib_fdreserve = 1;
	if (ib->ib_fdspare == -1 &&
	    (ib->ib_fdspare = fcntl(ib->ib_fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return (-1);
	return (0);
}

uint32_t
imsgbuf_queuelen(const struct imsgbuf *ib)
{
	return (ib->ib_wcount);
}

/*
 * Writing.
 */

int
imsg_compose(struct imsgbuf *ib, uint32_t type, uint32_t peerid, pid_t pid,
    int fd, const void *data, size_t datalen)
{
	struct iovec	iov;

	/* The payload is only read; iovec just has no const member. */
	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = datalen;
	return (imsg_composev(ib, type, peerid, pid, fd, &iov,
	    datalen == 0 ? 0 : 1));
}

int
imsg_composev(struct imsgbuf *ib, uint32_t type, uint32_t peerid, pid_t pid,
    int fd, const struct iovec *iov, int iovcnt)
{
	struct imsg_wbuf	*wb;
	struct imsg_hdr		 hdr;
	size_t			 len, off;
	int			 i;

	if (imsg_iov_size(iov, iovcnt, ib->ib_maxsize, &len) == -1 ||
	    (wb = malloc(sizeof(*wb) + len)) == NULL) {
		/* The fd was handed over: do not leave it to the caller. */
		if (fd >= 0)
			imsg_close_keep_errno(fd);
		return (-1);
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.ih_type = type;
	hdr.ih_len = len;
	hdr.ih_peerid = peerid;
	hdr.ih_pid = pid == 0 ? ib->ib_pid : pid;
	hdr.ih_flags = fd >= 0 ? IMSGF_HASFD : 0;
	memcpy(wb->wb_data, &hdr, sizeof(hdr));
	off = sizeof(hdr);
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len == 0)
			continue;
		memcpy(wb->wb_data + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	wb->wb_len = len;
	wb->wb_off = 0;
	wb->wb_fd = fd >= 0 ? fd : -1;
	TAILQ_INSERT_TAIL(&ib->ib_wq, wb, wb_entry);
	ib->ib_wcount++;
	if (ib->ib_notify != NULL)
		ib->ib_notify(ib->ib_notify_arg, type);
	return (1);
}

void
imsgbuf_set_notify(struct imsgbuf *ib, void (*notify)(void *, uint32_t),
    void *arg)
{
	ib->ib_notify = notify;
	ib->ib_notify_arg = arg;
}

/* Whole message length for a payload in iov, or -1 if it cannot be. */
static int
imsg_iov_size(const struct iovec *iov, int iovcnt, size_t maxsize,
    size_t *lenp)
{
	size_t	len = IMSG_HEADER_SIZE;
	int	i;

	if (iovcnt < 0 || (iovcnt > 0 && iov == NULL)) {
		errno = EINVAL;
		return (-1);
	}
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > 0 && iov[i].iov_base == NULL) {
			errno = EINVAL;
			return (-1);
		}
		/* len <= maxsize holds throughout, so this cannot wrap. */
		if (iov[i].iov_len > maxsize - len) {
			errno = ERANGE;
			return (-1);
		}
		len += iov[i].iov_len;
	}
	*lenp = len;
	return (0);
}

static void
imsg_wbuf_free(struct imsgbuf *ib, struct imsg_wbuf *wb)
{
	TAILQ_REMOVE(&ib->ib_wq, wb, wb_entry);
	ib->ib_wcount--;
	if (wb->wb_fd != -1)
		imsg_close_keep_errno(wb->wb_fd);
	free(wb);
}

int
imsgbuf_write(struct imsgbuf *ib)
{
	ssize_t	n;

	while (!TAILQ_EMPTY(&ib->ib_wq)) {
		if ((n = imsg_send(ib)) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return (0);
			return (-1);
		}
		imsg_wq_consume(ib, n);
	}
	return (0);
}

/*
 * One sendmsg() of the queue's head.  It stops before a second message
 * with a descriptor, so that each fd travels with its own first byte.
 */
static ssize_t
imsg_send(struct imsgbuf *ib)
{
	struct iovec		 iov[IMSG_IOV_MAX];
	union {
		struct cmsghdr	 hdr;
		unsigned char	 buf[CMSG_SPACE(sizeof(int))];
	}			 cmsgbuf;
	struct msghdr		 msg;
	struct cmsghdr		*cmsg;
	struct imsg_wbuf	*wb, *first;
	ssize_t			 n;
	int			 niov = 0;

	first = TAILQ_FIRST(&ib->ib_wq);
	TAILQ_FOREACH(wb, &ib->ib_wq, wb_entry) {
		if (niov == IMSG_IOV_MAX || (niov > 0 && wb->wb_fd != -1))
			break;
		iov[niov].iov_base = wb->wb_data + wb->wb_off;
		iov[niov].iov_len = wb->wb_len - wb->wb_off;
		niov++;
	}
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = niov;
	if (first->wb_fd != -1) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &first->wb_fd, sizeof(int));
	}
	do {
		n = sendmsg(ib->ib_fd, &msg, MSG_NOSIGNAL);
	} while (n == -1 && errno == EINTR);
	if (n == 0) {
		/* Never for a nonempty write; do not spin on it. */
		errno = EIO;
		return (-1);
	}
	if (n > 0 && first->wb_fd != -1) {
		/* The peer holds its own reference now. */
		close(first->wb_fd);
		first->wb_fd = -1;
	}
	return (n);
}

static void
imsg_wq_consume(struct imsgbuf *ib, size_t n)
{
	struct imsg_wbuf	*wb;
	size_t			 left;

	while (n > 0 && (wb = TAILQ_FIRST(&ib->ib_wq)) != NULL) {
		left = wb->wb_len - wb->wb_off;
		if (n < left) {
			wb->wb_off += n;
			return;
		}
		n -= left;
		imsg_wbuf_free(ib, wb);
	}
}

int
imsgbuf_flush(struct imsgbuf *ib)
{
	struct pollfd	pfd;

	for (;;) {
		if (imsgbuf_write(ib) == -1)
			return (-1);
		if (TAILQ_EMPTY(&ib->ib_wq))
			return (0);
		/* An error or hangup shows in the next sendmsg(). */
		pfd.fd = ib->ib_fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			return (-1);
	}
}

/*
 * Reading.
 */

ssize_t
imsgbuf_read(struct imsgbuf *ib)
{
	union {
		struct cmsghdr	 hdr;
		unsigned char	 buf[CMSG_SPACE(sizeof(int) * IMSG_RECV_FDS)];
	}			 cmsgbuf;
	struct msghdr		 msg;
	struct iovec		 iov;
	ssize_t			 n;
	int			 saved_errno;

	if (imsg_rbuf_reserve(ib) == -1 ||
	    (!ib->ib_nofds && imsg_fd_headroom(ib) == -1))
		return (-1);
	/* Got before reading, so that a received fd always has a home. */
	if (ib->ib_rspare == NULL &&
	    (ib->ib_rspare = malloc(sizeof(*ib->ib_rspare))) == NULL)
		return (-1);
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = ib->ib_rbuf + ib->ib_rend;
	iov.iov_len = ib->ib_rsize - ib->ib_rend;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);
	do {
		n = recvmsg(ib->ib_fd, &msg, MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (ib->ib_fdreserve && ib->ib_fdspare == -1) {
		saved_errno = errno;
		ib->ib_fdspare = fcntl(ib->ib_fd, F_DUPFD_CLOEXEC, 0);
		errno = saved_errno;
	}
	if (n == -1)
		return (-1);
	imsg_recv_fds(ib, &msg, n);
	ib->ib_rend += n;
	return (n);
}

static void
imsg_rbuf_compact(struct imsgbuf *ib)
{
	if (ib->ib_rpos > 0) {
		memmove(ib->ib_rbuf, ib->ib_rbuf + ib->ib_rpos,
		    ib->ib_rend - ib->ib_rpos);
		ib->ib_rend -= ib->ib_rpos;
		ib->ib_rpos = 0;
	}
	/* Give back what one large message needed. */
	if (ib->ib_rend == 0 && ib->ib_rsize > IMSG_RBUF_KEEP) {
		free(ib->ib_rbuf);
		ib->ib_rbuf = NULL;
		ib->ib_rsize = 0;
	}
}

/*
 * Make room to read into: at least one byte, and the whole of a message
 * whose header is in, but never a buffer beyond the maximum size.
 */
static int
imsg_rbuf_reserve(struct imsgbuf *ib)
{
	struct imsg_hdr	 hdr;
	unsigned char	*nbuf;
	size_t		 want, nsize, cap;

	imsg_rbuf_compact(ib);
	want = ib->ib_rend + 1;
	if (ib->ib_rend >= IMSG_HEADER_SIZE) {
		memcpy(&hdr, ib->ib_rbuf, sizeof(hdr));
		if (hdr.ih_len > want && hdr.ih_len <= ib->ib_maxsize)
			want = hdr.ih_len;
	}
	if (want <= ib->ib_rsize)
		return (0);
	cap = ib->ib_maxsize > IMSG_RBUF_INIT ? ib->ib_maxsize :
	    IMSG_RBUF_INIT;
	nsize = ib->ib_rsize == 0 ? IMSG_RBUF_INIT : ib->ib_rsize;
	while (nsize < want && nsize < cap)
		nsize *= 2;
	if (nsize > cap)
		nsize = cap;
	if (nsize < want) {
		/* Full of messages nobody took, or of a bad header. */
		errno = ENOBUFS;
		return (-1);
	}
	if ((nbuf = realloc(ib->ib_rbuf, nsize)) == NULL)
		return (-1);
	ib->ib_rbuf = nbuf;
	ib->ib_rsize = nsize;
	return (0);
}

/*
 * Linux drops descriptors that do not fit the fd table, and the message
 * would arrive without its fd.  Read only while a slot is free, unless
 * the peer passes none (imsgbuf_set_fdpass): then the two system calls
 * are saved on every read.
 */
static int
imsg_fd_headroom(struct imsgbuf *ib)
{
	int	fd;

	/* The reserved slot is free for this read, taken back after. */
	if (ib->ib_fdspare != -1) {
		close(ib->ib_fdspare);
		ib->ib_fdspare = -1;
		return (0);
	}
	if ((fd = fcntl(ib->ib_fd, F_DUPFD_CLOEXEC, 0)) == -1) {
		if (errno == EMFILE || errno == ENFILE)
			errno = EAGAIN;
		return (-1);
	}
	close(fd);
	return (0);
}

/* Keep the first descriptor that came with n bytes; close the rest. */
static void
imsg_recv_fds(struct imsgbuf *ib, struct msghdr *msg, size_t n)
{
	struct cmsghdr	*cmsg;
	struct imsg_rfd	*rf;
	size_t		 nfds, i;
	int		 fd;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS ||
		    cmsg->cmsg_len < CMSG_LEN(0))
			continue;
		nfds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfds; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(int));
			if (ib->ib_rspare == NULL || n == 0) {
				close(fd);
				continue;
			}
			rf = ib->ib_rspare;
			ib->ib_rspare = NULL;
			rf->rf_fd = fd;
			rf->rf_start = ib->ib_rseen +
			    (ib->ib_rend - ib->ib_rpos);
			rf->rf_end = rf->rf_start + n;
			TAILQ_INSERT_TAIL(&ib->ib_rfds, rf, rf_entry);
		}
	}
}

/* Close the descriptors that came wholly before stream offset pos. */
static void
imsg_rfd_expire(struct imsgbuf *ib, uint64_t pos)
{
	struct imsg_rfd	*rf;

	while ((rf = TAILQ_FIRST(&ib->ib_rfds)) != NULL &&
	    rf->rf_end <= pos) {
		TAILQ_REMOVE(&ib->ib_rfds, rf, rf_entry);
		close(rf->rf_fd);
		free(rf);
	}
}

/* The descriptor for a message starting at pos, or -1 if none came. */
static int
imsg_rfd_take(struct imsgbuf *ib, uint64_t pos)
{
	struct imsg_rfd	*rf;
	int		 fd;

	imsg_rfd_expire(ib, pos);
	if ((rf = TAILQ_FIRST(&ib->ib_rfds)) == NULL || rf->rf_start > pos)
		return (-1);
	TAILQ_REMOVE(&ib->ib_rfds, rf, rf_entry);
	fd = rf->rf_fd;
	free(rf);
	return (fd);
}

int
imsgbuf_get(struct imsgbuf *ib, struct imsg *imsg)
{
	struct imsg_hdr	 hdr;
	size_t		 avail, datalen;
	void		*data = NULL;

	memset(imsg, 0, sizeof(*imsg));
	imsg->im_fd = -1;
	avail = ib->ib_rend - ib->ib_rpos;
	if (avail < IMSG_HEADER_SIZE)
		return (0);
	memcpy(&hdr, ib->ib_rbuf + ib->ib_rpos, sizeof(hdr));
	if (hdr.ih_len < IMSG_HEADER_SIZE || hdr.ih_len > ib->ib_maxsize) {
		errno = ERANGE;
		return (-1);
	}
	if ((hdr.ih_flags & ~IMSGF_HASFD) != 0) {
		errno = EBADMSG;
		return (-1);
	}
	if (avail < hdr.ih_len)
		return (0);
	datalen = hdr.ih_len - IMSG_HEADER_SIZE;
	if (datalen > 0) {
		if ((data = malloc(datalen)) == NULL)
			return (-1);
		memcpy(data, ib->ib_rbuf + ib->ib_rpos + IMSG_HEADER_SIZE,
		    datalen);
	}
	if ((hdr.ih_flags & IMSGF_HASFD) &&
	    (imsg->im_fd = imsg_rfd_take(ib, ib->ib_rseen)) == -1) {
		free(data);
		errno = EBADMSG;
		return (-1);
	}
	imsg->im_hdr = hdr;
	imsg->im_data = data;
	imsg->im_datalen = datalen;
	ib->ib_rpos += hdr.ih_len;
	ib->ib_rseen += hdr.ih_len;
	imsg_rfd_expire(ib, ib->ib_rseen);
	return (1);
}

/*
 * Received messages.
 */

uint32_t
imsg_get_type(const struct imsg *imsg)
{
	return (imsg->im_hdr.ih_type);
}

uint32_t
imsg_get_peerid(const struct imsg *imsg)
{
	return (imsg->im_hdr.ih_peerid);
}

pid_t
imsg_get_pid(const struct imsg *imsg)
{
	return ((pid_t)imsg->im_hdr.ih_pid);
}

size_t
imsg_get_len(const struct imsg *imsg)
{
	return (imsg->im_datalen);
}

int
imsg_get_data(const struct imsg *imsg, void *buf, size_t len)
{
	if (len != imsg->im_datalen || (len > 0 && buf == NULL)) {
		errno = EBADMSG;
		return (-1);
	}
	if (len > 0)
		memcpy(buf, imsg->im_data, len);
	return (0);
}

const void *
imsg_get_buf(const struct imsg *imsg, size_t *lenp)
{
	if (lenp != NULL)
		*lenp = imsg->im_datalen;
	return (imsg->im_data);
}

int
imsg_get_fd(struct imsg *imsg)
{
	int	fd = imsg->im_fd;

	imsg->im_fd = -1;
	return (fd);
}

void
imsg_free(struct imsg *imsg)
{
	if (imsg->im_fd != -1)
		imsg_close_keep_errno(imsg->im_fd);
	free(imsg->im_data);
	memset(imsg, 0, sizeof(*imsg));
	imsg->im_fd = -1;
}

/* Cleanup on an error path must not change the errno reported. */
static void
imsg_close_keep_errno(int fd)
{
	int	saved_errno = errno;

	close(fd);
	errno = saved_errno;
}
