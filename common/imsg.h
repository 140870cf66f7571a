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
 * imsg: framed messages, each optionally carrying one file descriptor,
 * over a stream socket between rnixd's processes.  The names follow
 * OpenBSD's imsg(3); the code is rnixd's own.
 *
 * A message is a struct imsg_hdr followed by its payload, in host byte
 * order (both ends run on the same machine).  The sender queues with
 * imsg_compose() and drains the queue with imsgbuf_write() when the
 * socket is writable; the receiver calls imsgbuf_read() when it is
 * readable, then imsgbuf_get() until it returns 0.  No event library
 * is involved: callers put ib_fd into their own loop and poll it for
 * writing while imsgbuf_queuelen() is not 0.
 *
 * The socket should be nonblocking (SOCK_NONBLOCK); with a blocking one
 * imsgbuf_read() and imsgbuf_write() block.  Both ends must agree on
 * the maximum message size.  The calls used are sendmsg, recvmsg,
 * fcntl(F_DUPFD_CLOEXEC), close, poll (imsgbuf_flush) and getpid
 * (imsgbuf_init): a seccomp filter must allow them.
 *
 * A peer can cause any error here but none can crash or leak: after
 * imsgbuf_read() returns 0 or -1 (other than EAGAIN) or imsgbuf_get()
 * returns -1, treat the peer as gone or broken, and imsgbuf_clear().
 */
#ifndef RNIXD_IMSG_H
#define RNIXD_IMSG_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/uio.h>

#include <stddef.h>
#include <stdint.h>

struct imsg_hdr {
	uint32_t	ih_type;	/* an enum imsg_type (proc.h) */
	uint32_t	ih_len;		/* whole message with header */
	uint32_t	ih_peerid;	/* the caller's, e.g. a session */
	uint32_t	ih_pid;		/* sender's pid unless given */
	uint32_t	ih_flags;	/* IMSGF_* */
};

#define IMSG_HEADER_SIZE	sizeof(struct imsg_hdr)
#define IMSGF_HASFD		0x1	/* a descriptor comes with it */

/*
 * Message size limits, header included: payloads up to 64 KiB unless
 * imsgbuf_set_maxsize() allows more, never more than 16 MiB.
 */
#define IMSG_MAXSIZE_DEFAULT	(IMSG_HEADER_SIZE + 64 * 1024)
#define IMSG_MAXSIZE_LIMIT	(IMSG_HEADER_SIZE + 16 * 1024 * 1024)

struct imsg_wbuf;		/* a queued outgoing message (imsg.c) */
struct imsg_rfd;		/* a received descriptor (imsg.c) */
TAILQ_HEAD(imsg_wq, imsg_wbuf);
TAILQ_HEAD(imsg_rfdq, imsg_rfd);

/*
 * One end of a channel.  ib_fd is the caller's to poll; the rest is
 * imsg.c's.  The caller also closes ib_fd: imsgbuf_clear() does not.
 */
struct imsgbuf {
	int		 ib_fd;
	pid_t		 ib_pid;	/* ours, for headers */
	size_t		 ib_maxsize;
	unsigned char	*ib_rbuf;	/* bytes read, not yet parsed */
	size_t		 ib_rsize;	/* allocated */
	size_t		 ib_rpos;	/* where the next message starts */
	size_t		 ib_rend;	/* end of the bytes read */
	uint64_t	 ib_rseen;	/* stream offset of ib_rpos */
	struct imsg_rfdq ib_rfds;	/* fds not yet claimed */
	struct imsg_rfd	*ib_rspare;
	struct imsg_wq	 ib_wq;		/* to send, in order */
	uint32_t	 ib_wcount;	/* messages in ib_wq */
	int		 ib_nofds;	/* the peer passes none */
	int		 ib_fdreserve;	/* imsgbuf_reserve_fd() was called */
	int		 ib_fdspare;	/* its slot, or -1 */
	void		(*ib_notify)(void *, uint32_t);	/* after a compose */
	void		*ib_notify_arg;
};

/*
 * A received message.  Read it with the imsg_get_* functions, and
 * release it with imsg_free(), which also closes an unclaimed fd.
 */
struct imsg {
	struct imsg_hdr	 im_hdr;
	int		 im_fd;		/* -1 if none or taken */
	void		*im_data;	/* own copy; NULL if empty */
	size_t		 im_datalen;
};

/*
 * Set up ib over the connected stream socket fd.  Returns 0, or -1
 * with errno EBADF if fd < 0.
 */
int		 imsgbuf_init(struct imsgbuf *, int);

/*
 * Free the queues and buffers and close every descriptor still held
 * (queued to send or received and unclaimed).  ib_fd stays open.  The
 * imsgbuf may be used again afterwards.
 */
void		 imsgbuf_clear(struct imsgbuf *);

/*
 * Largest message, header included, that may be composed or received:
 * IMSG_HEADER_SIZE..IMSG_MAXSIZE_LIMIT, else -1 with errno EINVAL.
 */
int		 imsgbuf_set_maxsize(struct imsgbuf *, size_t);

/*
 * Whether the peer passes descriptors (the default: yes).  Before each
 * read, imsgbuf_read() makes sure the fd table has a free slot, which
 * costs two system calls; a channel whose peer never passes one can
 * do without.  A descriptor that comes anyway is still received while
 * the table has room; if it is full, the kernel drops it, and
 * imsgbuf_get() fails on the message that claims it (EBADMSG).
 */
void		 imsgbuf_set_fdpass(struct imsgbuf *, int);

/*
 * Keep one descriptor slot for this channel alone (a duplicate of its
 * socket, held while not reading), so that a descriptor the peer
 * passes has a home even when other work has filled the fd table.  It
 * is given up for each read and taken back after; when taking it back
 * fails, reads check for a free slot as without it.  imsgbuf_clear()
 * closes it.  Returns -1 if no slot is free now.
 */
int		 imsgbuf_reserve_fd(struct imsgbuf *);

/*
 * Call notify(arg, type) after each message queued, so the driver of
 * the channel (imsgev.c) may send it without each composer asking.
 */
void		 imsgbuf_set_notify(struct imsgbuf *,
		    void (*)(void *, uint32_t), void *);

/*
 * Read what the socket has.  Returns the number of bytes read, 0 at
 * end of file, or -1 with errno set: EAGAIN if there is nothing to
 * read yet or if no descriptor slot is free to receive one (retry
 * later; nothing was consumed; not checked if imsgbuf_set_fdpass()
 * said the peer passes none), ENOBUFS if the read buffer is full of
 * messages the caller has not taken with imsgbuf_get(), else the
 * error of recvmsg(2) or ENOMEM.  Received descriptors are close-on-
 * exec; at most one per recvmsg() is kept, others are closed at once.
 */
ssize_t		 imsgbuf_read(struct imsgbuf *);

/*
 * Send as much of the queue as the socket takes.  Returns 0 when done
 * or when the socket is full (imsgbuf_queuelen() says what remains),
 * -1 with errno on error (EPIPE if the peer is gone; no SIGPIPE).
 * A descriptor goes with the first byte of its message and is closed
 * here once sent.
 */
int		 imsgbuf_write(struct imsgbuf *);

/* imsgbuf_write() until the queue is empty, waiting in poll(2). */
int		 imsgbuf_flush(struct imsgbuf *);

/* Messages queued and not yet completely sent. */
uint32_t	 imsgbuf_queuelen(const struct imsgbuf *);

/*
 * Take the next complete message into imsg.  Returns 1, 0 if more
 * bytes are needed, or -1: errno ERANGE if the header's length is
 * below IMSG_HEADER_SIZE or above the maximum size, EBADMSG if it has
 * unknown flags or claims a descriptor that did not come with it,
 * ENOMEM.  A bad message stays in place (every later call fails too).
 * A descriptor that came with no message claiming it is closed.
 */
int		 imsgbuf_get(struct imsgbuf *, struct imsg *);

/*
 * Queue a message.  pid 0 means our own.  fd is -1 or a descriptor
 * to pass: from here on it is the imsgbuf's, even when this fails.
 * Returns 1, or -1 with errno ERANGE (larger than the maximum size),
 * EINVAL (NULL data with a length) or ENOMEM; nothing is queued then.
 */
int		 imsg_compose(struct imsgbuf *, uint32_t, uint32_t, pid_t,
		    int, const void *, size_t);
/* The same with the payload gathered from iovcnt iovecs. */
int		 imsg_composev(struct imsgbuf *, uint32_t, uint32_t, pid_t,
		    int, const struct iovec *, int);

uint32_t	 imsg_get_type(const struct imsg *);
uint32_t	 imsg_get_peerid(const struct imsg *);
pid_t		 imsg_get_pid(const struct imsg *);
/* Payload length, header excluded. */
size_t		 imsg_get_len(const struct imsg *);
/*
 * Copy the payload into buf, whose size must be the payload length
 * exactly: returns 0, or -1 with errno EBADMSG.  For fixed structs.
 */
int		 imsg_get_data(const struct imsg *, void *, size_t);
/*
 * The payload in place, for variable-size payloads: its length goes to
 * *lenp (which may be NULL).  Valid until imsg_free(); NULL if empty.
 */
const void	*imsg_get_buf(const struct imsg *, size_t *);
/* Take the passed descriptor (now the caller's), or -1 if none. */
int		 imsg_get_fd(struct imsg *);
void		 imsg_free(struct imsg *);

#endif /* RNIXD_IMSG_H */
