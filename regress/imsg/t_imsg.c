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
 * imsg.c: messages of every size survive partial reads and writes,
 * descriptors arrive in order as the same objects and never leak, a
 * hostile peer gets -1 or 0 and never a crash or a leaked fd, and a
 * long queue drains.  The descriptor count of /proc/self/fd is compared
 * before and after each case; LeakSanitizer checks memory in -asan.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "../msg/msgtest.h"

/* link: regress/msg/msgtest.c */

#define NMANY		10000

static void	mkpair(int [2], int);
static void	fill(unsigned char *, size_t, unsigned int);
static void	check_payload(const char *, struct imsg *, size_t,
		    unsigned int);
static void	raw_send(int, const void *, size_t, const int *, int);
static void	raw_hdr(int, uint32_t, uint32_t, uint32_t, const int *, int);
static ino_t	fd_ino(int);
static void	pipe_check(const char *, int, int);
static int	read_all(struct imsgbuf *);
static void	test_roundtrip(size_t, int);
static void	test_too_large(void);
static void	test_bytewise(void);
static void	test_fd_pipe(void);
static void	test_fd_series(int);
static void	test_fd_bytewise(void);
static void	test_bad_header(void);
static void	test_huge_claim(void);
static void	test_fd_missing(void);
static void	test_fd_unclaimed(void);
static void	test_fd_extra(void);
static void	test_eof_midway(void);
static void	test_fuzz(void);
static void	test_api_errors(void);
static void	test_epipe(void);
static void	test_fd_exhaustion(void);
static void	test_many(void);
static void	test_many_flush(void);

/*
 * A nonblocking socketpair.  tiny asks for the smallest socket buffers
 * the kernel allows, so that large messages move in parts.
 */
static void
mkpair(int sv[2], int tiny)
{
	int	size = 1, i;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sv) == -1)
		err(1, "socketpair");
	for (i = 0; tiny && i < 2; i++) {
		if (setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &size,
		    sizeof(size)) == -1 ||
		    setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &size,
		    sizeof(size)) == -1)
			err(1, "setsockopt");
	}
}

static void
fill(unsigned char *p, size_t len, unsigned int seed)
{
	size_t	i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(seed * 131 + i * 31 + (i >> 8));
}

static void
check_payload(const char *what, struct imsg *imsg, size_t len,
    unsigned int seed)
{
	unsigned char	*want;
	const void	*got;
	size_t		 gotlen;

	got = imsg_get_buf(imsg, &gotlen);
	if (gotlen != len || imsg_get_len(imsg) != len)
		errx(1, "%s: got length %zu, expected %zu", what, gotlen, len);
	if (len == 0)
		return;
	if ((want = malloc(len)) == NULL)
		err(1, NULL);
	fill(want, len, seed);
	if (got == NULL || memcmp(got, want, len) != 0)
		errx(1, "%s: payload differs", what);
	free(want);
}

/* sendmsg() bytes with nfds descriptors, as a hostile peer would. */
static void
raw_send(int fd, const void *data, size_t len, const int *fds, int nfds)
{
	union {
		struct cmsghdr	 hdr;
		unsigned char	 buf[CMSG_SPACE(sizeof(int) * 8)];
	}			 cmsgbuf;
	struct msghdr		 msg;
	struct cmsghdr		*cmsg;
	struct iovec		 iov;

	memset(&msg, 0, sizeof(msg));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfds > 0) {
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds);
	}
	if (sendmsg(fd, &msg, MSG_NOSIGNAL) != (ssize_t)len)
		err(1, "raw sendmsg");
}

/* A bare header as the only bytes of a sendmsg(). */
static void
raw_hdr(int fd, uint32_t type, uint32_t len, uint32_t flags,
    const int *fds, int nfds)
{
	struct imsg_hdr	hdr;

	memset(&hdr, 0, sizeof(hdr));
	hdr.ih_type = type;
	hdr.ih_len = len;
	hdr.ih_peerid = 7;
	hdr.ih_pid = 1;
	hdr.ih_flags = flags;
	raw_send(fd, &hdr, sizeof(hdr), fds, nfds);
}

static ino_t
fd_ino(int fd)
{
	struct stat	st;

	if (fstat(fd, &st) == -1)
		err(1, "fstat %d", fd);
	return (st.st_ino);
}

/* Bytes written into wfd must come out of the received rfd. */
static void
pipe_check(const char *what, int rfd, int wfd)
{
	char	buf[16];

	if (write(wfd, what, strlen(what)) != (ssize_t)strlen(what))
		err(1, "%s: write", what);
	memset(buf, 0, sizeof(buf));
	if (read(rfd, buf, sizeof(buf) - 1) != (ssize_t)strlen(what) ||
	    strcmp(buf, what) != 0)
		errx(1, "%s: got \"%s\" through the passed fd", what, buf);
}

/* Read until EAGAIN; returns the last imsgbuf_read() result. */
static int
read_all(struct imsgbuf *ib)
{
	ssize_t	n;

	while ((n = imsgbuf_read(ib)) > 0)
		;
	if (n == -1 && errno != EAGAIN && errno != ENOBUFS)
		err(1, "imsgbuf_read");
	return ((int)n);
}

static void
test_roundtrip(size_t maxsize, int tiny)
{
	size_t			 sizes[4];
	unsigned char		*buf;
	struct imsgbuf		 a, b;
	struct imsg		 imsg;
	struct mt_pump_stats	 ps;
	char			 word[4];
	int			 sv[2], i, base;
	pid_t			 pid;

	base = mt_fd_count();
	sizes[0] = 0;
	sizes[1] = 1;
	sizes[2] = 4095;
	sizes[3] = maxsize - IMSG_HEADER_SIZE;
	memset(&ps, 0, sizeof(ps));
	mkpair(sv, tiny);
	if (imsgbuf_init(&a, sv[0]) == -1 || imsgbuf_init(&b, sv[1]) == -1 ||
	    imsgbuf_set_maxsize(&a, maxsize) == -1 ||
	    imsgbuf_set_maxsize(&b, maxsize) == -1)
		err(1, "imsgbuf_init");
	if ((buf = malloc(sizes[3])) == NULL)
		err(1, NULL);
	for (i = 0; i < 4; i++) {
		fill(buf, sizes[i], i);
		pid = i % 2 ? 4242 : 0;
		if (imsg_compose(&a, 100 + i, 7 * i, pid, -1, buf,
		    sizes[i]) != 1)
			err(1, "imsg_compose %zu", sizes[i]);
	}
	/* The other way at the same time, from b to a. */
	if (imsg_compose(&b, 99, 1, 0, -1, "back", 4) != 1)
		err(1, "imsg_compose back");
	for (i = 0; i < 4; i++) {
		mt_pump(&a, &b, &imsg, &ps);
		if (imsg_get_type(&imsg) != (uint32_t)(100 + i) ||
		    imsg_get_peerid(&imsg) != (uint32_t)(7 * i))
			errx(1, "size %zu: got type %u peerid %u", sizes[i],
			    imsg_get_type(&imsg), imsg_get_peerid(&imsg));
		pid = i % 2 ? 4242 : getpid();
		if (imsg_get_pid(&imsg) != pid)
			errx(1, "size %zu: got pid %d, expected %d", sizes[i],
			    (int)imsg_get_pid(&imsg), (int)pid);
		if (imsg_get_fd(&imsg) != -1)
			errx(1, "size %zu: got an fd, expected none",
			    sizes[i]);
		check_payload("round trip", &imsg, sizes[i], i);
		imsg_free(&imsg);
	}
	mt_pump(&b, &a, &imsg, NULL);
	if (imsg_get_data(&imsg, word, sizeof(word)) == -1 ||
	    memcmp(word, "back", 4) != 0)
		errx(1, "reverse: got no \"back\"");
	imsg_free(&imsg);
	if (imsg_get_len(&imsg) != 0 || imsgbuf_get(&b, &imsg) != 0)
		errx(1, "round trip: leftovers after the last message");
	if (tiny && (ps.ps_partial == 0 || ps.ps_short == 0))
		errx(1, "round trip: got %zu partial writes and %zu short "
		    "reads, expected some of each", ps.ps_partial,
		    ps.ps_short);
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	free(buf);
	close(sv[0]);
	close(sv[1]);
	mt_fd_expect("round trip", base);
	printf("round trip 0, 1, 4095, %zu bytes%s: ok (%zu reads, %zu "
	    "partial writes)\n", sizes[3], tiny ? ", tiny buffers" : "",
	    ps.ps_reads, ps.ps_partial);
}

/* Over the limit: refused on compose and, from a laxer peer, on get. */
static void
test_too_large(void)
{
	struct imsgbuf	 a, b;
	struct imsg	 imsg;
	unsigned char	*buf;
	size_t		 len = IMSG_MAXSIZE_DEFAULT - IMSG_HEADER_SIZE + 1;
	int		 sv[2], rv, base;

	base = mt_fd_count();
	mkpair(sv, 0);
	imsgbuf_init(&a, sv[0]);
	imsgbuf_init(&b, sv[1]);
	if ((buf = calloc(1, len)) == NULL)
		err(1, NULL);
	errno = 0;
	if (imsg_compose(&a, 1, 0, 0, -1, buf, len) != -1 || errno != ERANGE)
		errx(1, "compose maxsize+1: got errno %d, expected ERANGE",
		    errno);
	if (imsgbuf_queuelen(&a) != 0)
		errx(1, "compose maxsize+1: something was queued");
	if (imsgbuf_set_maxsize(&a, IMSG_MAXSIZE_LIMIT) == -1 ||
	    imsg_compose(&a, 1, 0, 0, -1, buf, len) != 1 ||
	    imsgbuf_flush(&a) == -1)
		err(1, "compose with a raised maximum");
	read_all(&b);
	errno = 0;
	if ((rv = imsgbuf_get(&b, &imsg)) != -1 || errno != ERANGE)
		errx(1, "get maxsize+1: got %d errno %d, expected -1 ERANGE",
		    rv, errno);
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	free(buf);
	close(sv[0]);
	close(sv[1]);
	mt_fd_expect("too large", base);
	printf("maxsize+1 refused on compose and get: ok\n");
}

/* A peer writing single bytes: no message before its last byte. */
static void
test_bytewise(void)
{
	static const size_t	 sizes[] = { 0, 1, 300, 0, 4095 };
	unsigned char		*stream;
	struct imsg_hdr		 hdr;
	struct imsgbuf		 b;
	struct imsg		 imsg;
	size_t			 total = 0, off = 0, ends[5], i, k = 0;
	int			 sv[2], rv;

	for (i = 0; i < 5; i++)
		total += IMSG_HEADER_SIZE + sizes[i];
	if ((stream = malloc(total)) == NULL)
		err(1, NULL);
	for (i = 0; i < 5; i++) {
		memset(&hdr, 0, sizeof(hdr));
		hdr.ih_type = 10 + i;
		hdr.ih_len = IMSG_HEADER_SIZE + sizes[i];
		memcpy(stream + off, &hdr, sizeof(hdr));
		fill(stream + off + sizeof(hdr), sizes[i], 50 + i);
		off += hdr.ih_len;
		ends[i] = off;
	}
	mkpair(sv, 1);
	imsgbuf_init(&b, sv[1]);
	for (off = 0; off < total; off++) {
		if (write(sv[0], stream + off, 1) != 1)
			err(1, "write");
		if (imsgbuf_read(&b) != 1)
			err(1, "imsgbuf_read after byte %zu", off);
		while ((rv = imsgbuf_get(&b, &imsg)) == 1) {
			if (k >= 5 || off + 1 != ends[k])
				errx(1, "bytewise: got a message after byte "
				    "%zu, expected after %zu", off + 1,
				    k < 5 ? ends[k] : 0);
			if (imsg_get_type(&imsg) != 10 + k)
				errx(1, "bytewise: got type %u, expected %zu",
				    imsg_get_type(&imsg), 10 + k);
			check_payload("bytewise", &imsg, sizes[k], 50 + k);
			imsg_free(&imsg);
			k++;
		}
		if (rv == -1)
			err(1, "bytewise: imsgbuf_get");
	}
	if (k != 5)
		errx(1, "bytewise: got %zu messages, expected 5", k);
	imsgbuf_clear(&b);
	free(stream);
	close(sv[0]);
	close(sv[1]);
	printf("peer writing one byte at a time: ok\n");
}

static void
test_fd_pipe(void)
{
	struct imsgbuf	 a, b;
	struct imsg	 imsg;
	int		 sv[2], p[2], fd, base;
	ino_t		 ino;

	base = mt_fd_count();
	mkpair(sv, 0);
	imsgbuf_init(&a, sv[0]);
	imsgbuf_init(&b, sv[1]);
	if (pipe(p) == -1)
		err(1, "pipe");
	ino = fd_ino(p[0]);
	if (imsg_compose(&a, 5, 0, 0, p[0], "pipe", 4) != 1)
		err(1, "imsg_compose");
	mt_pump(&a, &b, &imsg, NULL);
	/* Sent, so closed on our side: only the received copy is open. */
	mt_fd_expect("pipe sent", base + 4);
	if ((fd = imsg_get_fd(&imsg)) == -1)
		errx(1, "pipe: got no fd, expected one");
	if (imsg_get_fd(&imsg) != -1)
		errx(1, "pipe: the fd could be taken twice");
	if (fd_ino(fd) != ino)
		errx(1, "pipe: got inode %llu, expected %llu",
		    (unsigned long long)fd_ino(fd), (unsigned long long)ino);
	if ((fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0)
		errx(1, "pipe: received fd is not close-on-exec");
	pipe_check("hello", fd, p[1]);
	imsg_free(&imsg);
	close(fd);
	close(p[1]);
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
	mt_fd_expect("pipe", base);
	printf("pass a pipe's read end: ok\n");
}

/*
 * Twenty pipes in a row, between messages without fds.  Queued whole
 * before the first write, several messages share a recvmsg(), so fds
 * arrive ahead of the message that claims them.
 */
static void
test_fd_series(int tiny)
{
	struct imsgbuf	a, b;
	struct imsg	imsg;
	int		sv[2], p[20][2], fd, i, n, base;
	ino_t		ino[20];
	char		word[16];

	base = mt_fd_count();
	mkpair(sv, tiny);
	imsgbuf_init(&a, sv[0]);
	imsgbuf_init(&b, sv[1]);
	for (i = 0; i < 20; i++) {
		if (pipe(p[i]) == -1)
			err(1, "pipe");
		ino[i] = fd_ino(p[i][0]);
		if (imsg_compose(&a, 1, i, 0, -1, NULL, 0) != 1 ||
		    imsg_compose(&a, 2, i, 0, p[i][0], &i, sizeof(i)) != 1 ||
		    (i % 3 == 0 &&
		    imsg_compose(&a, 1, i, 0, -1, "x", 1) != 1))
			err(1, "imsg_compose");
	}
	for (i = 0; i < 20; i++) {
		/* Type 1 messages between carry no fd. */
		for (;;) {
			mt_pump(&a, &b, &imsg, NULL);
			if (imsg_get_type(&imsg) != 1)
				break;
			if (imsg_get_fd(&imsg) != -1)
				errx(1, "series %d: got an fd, expected none",
				    i);
			imsg_free(&imsg);
		}
		if (imsg_get_type(&imsg) != 2 || imsg_get_peerid(&imsg) !=
		    (uint32_t)i || imsg_get_data(&imsg, &n, sizeof(n)) == -1 ||
		    n != i)
			errx(1, "series %d: got type %u peerid %u", i,
			    imsg_get_type(&imsg), imsg_get_peerid(&imsg));
		if ((fd = imsg_get_fd(&imsg)) == -1 || fd_ino(fd) != ino[i])
			errx(1, "series %d: got fd %d, not the pipe sent", i,
			    fd);
		snprintf(word, sizeof(word), "pipe%d", i);
		pipe_check(word, fd, p[i][1]);
		imsg_free(&imsg);
		close(fd);
		close(p[i][1]);
	}
	if (b.ib_rend != b.ib_rpos || imsgbuf_queuelen(&a) != 0)
		errx(1, "series: bytes left over");
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
	mt_fd_expect("series", base);
	printf("20 fds in a row, in order%s: ok\n",
	    tiny ? ", tiny buffers" : "");
}

/* The fd comes with the first byte, the rest of the message after it. */
static void
test_fd_bytewise(void)
{
	struct imsg_hdr	 hdr;
	struct imsgbuf	 b;
	struct imsg	 imsg;
	unsigned char	 msg[IMSG_HEADER_SIZE + 3];
	size_t		 off;
	int		 sv[2], p[2], fd, base;

	base = mt_fd_count();
	mkpair(sv, 0);
	imsgbuf_init(&b, sv[1]);
	if (pipe(p) == -1)
		err(1, "pipe");
	memset(&hdr, 0, sizeof(hdr));
	hdr.ih_type = 3;
	hdr.ih_len = sizeof(msg);
	hdr.ih_flags = IMSGF_HASFD;
	memcpy(msg, &hdr, sizeof(hdr));
	memcpy(msg + sizeof(hdr), "abc", 3);
	for (off = 0; off < sizeof(msg); off++) {
		raw_send(sv[0], msg + off, 1, &p[0], off == 0 ? 1 : 0);
		if (imsgbuf_read(&b) != 1)
			err(1, "imsgbuf_read");
		if (off + 1 < sizeof(msg) && imsgbuf_get(&b, &imsg) != 0)
			errx(1, "fd bytewise: message before its end");
	}
	if (imsgbuf_get(&b, &imsg) != 1 || (fd = imsg_get_fd(&imsg)) == -1)
		errx(1, "fd bytewise: got no message with an fd");
	pipe_check("bytes", fd, p[1]);
	close(fd);
	imsg_free(&imsg);
	imsgbuf_clear(&b);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
	mt_fd_expect("fd bytewise", base);
	printf("fd with the first of single bytes: ok\n");
}

static void
expect_get(const char *what, struct imsgbuf *ib, int want, int wanterr)
{
	struct imsg	imsg;
	int		rv;

	errno = 0;
	rv = imsgbuf_get(ib, &imsg);
	if (rv != want || (want == -1 && errno != wanterr))
		errx(1, "%s: got %d (%s), expected %d (%s)", what, rv,
		    strerror(errno), want, strerror(wanterr));
	if (rv == 1)
		imsg_free(&imsg);
}

/* Garbage, short and unknown-flag headers; the error repeats. */
static void
test_bad_header(void)
{
	struct imsgbuf	b;
	unsigned char	junk[64];
	int		sv[2], base;

	base = mt_fd_count();
	mkpair(sv, 0);
	imsgbuf_init(&b, sv[1]);
	memset(junk, 0xa5, sizeof(junk));
	raw_send(sv[0], junk, 7, NULL, 0);
	read_all(&b);
	expect_get("7 garbage bytes", &b, 0, 0);
	raw_send(sv[0], junk, sizeof(junk), NULL, 0);
	read_all(&b);
	expect_get("garbage", &b, -1, ERANGE);
	expect_get("garbage again", &b, -1, ERANGE);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);

	mkpair(sv, 0);
	imsgbuf_init(&b, sv[1]);
	raw_hdr(sv[0], 1, IMSG_HEADER_SIZE - 1, 0, NULL, 0);
	read_all(&b);
	expect_get("length below header size", &b, -1, ERANGE);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);

	mkpair(sv, 0);
	imsgbuf_init(&b, sv[1]);
	raw_hdr(sv[0], 1, 0, 0, NULL, 0);
	read_all(&b);
	expect_get("length 0", &b, -1, ERANGE);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);

	mkpair(sv, 0);
	imsgbuf_init(&b, sv[1]);
	raw_hdr(sv[0], 1, IMSG_HEADER_SIZE, 0x80, NULL, 0);
	read_all(&b);
	expect_get("unknown flag", &b, -1, EBADMSG);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
	mt_fd_expect("bad headers", base);
	printf("garbage, short length, unknown flag: ok\n");
}

/*
 * A 16 MiB claim is refused from its header alone, and the bytes after
 * it never grow the read buffer beyond the maximum size.
 */
static void
test_huge_claim(void)
{
	struct imsgbuf	 b;
	unsigned char	*zeros;
	size_t		 len = 256 * 1024, off = 0;
	ssize_t		 n;
	int		 sv[2], base;

	base = mt_fd_count();
	mkpair(sv, 0);
	imsgbuf_init(&b, sv[1]);
	raw_hdr(sv[0], 1, 16 * 1024 * 1024, 0, NULL, 0);
	read_all(&b);
	expect_get("16 MiB claim", &b, -1, ERANGE);
	if ((zeros = calloc(1, len)) == NULL)
		err(1, NULL);
	while (off < len) {
		if ((n = write(sv[0], zeros + off, len - off)) == -1) {
			if (errno != EAGAIN)
				err(1, "write");
			if (read_all(&b) == -1 && errno == ENOBUFS)
				break;
			continue;
		}
		off += n;
	}
	read_all(&b);
	if (imsgbuf_read(&b) != -1 || errno != ENOBUFS)
		errx(1, "16 MiB claim: got no ENOBUFS on a full buffer");
	if (b.ib_rsize > IMSG_MAXSIZE_DEFAULT)
		errx(1, "16 MiB claim: read buffer grew to %zu", b.ib_rsize);
	expect_get("16 MiB claim, again", &b, -1, ERANGE);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);

	mkpair(sv, 0);
	imsgbuf_init(&b, sv[1]);
	imsgbuf_set_maxsize(&b, IMSG_MAXSIZE_LIMIT);
	raw_hdr(sv[0], 1, IMSG_MAXSIZE_LIMIT + 1, 0, NULL, 0);
	read_all(&b);
	expect_get("limit+1 claim", &b, -1, ERANGE);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
	free(zeros);
	mt_fd_expect("huge claim", base);
	printf("16 MiB length claims: ok\n");
}

static void
test_fd_missing(void)
{
	struct imsgbuf	b;
	int		sv[2], base;

	base = mt_fd_count();
	mkpair(sv, 0);
	imsgbuf_init(&b, sv[1]);
	raw_hdr(sv[0], 1, IMSG_HEADER_SIZE, IMSGF_HASFD, NULL, 0);
	read_all(&b);
	expect_get("fd flag without fd", &b, -1, EBADMSG);
	expect_get("fd flag without fd, again", &b, -1, EBADMSG);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
	mt_fd_expect("fd missing", base);
	printf("fd flag but no fd: ok\n");
}

/*
 * An fd nobody claims is closed once its message is taken, and is not
 * handed to a later message that claims one.  The same for an fd sent
 * with the middle of a message.
 */
static void
test_fd_unclaimed(void)
{
	struct imsg_hdr	 hdr;
	struct imsgbuf	 b;
	unsigned char	 msg[IMSG_HEADER_SIZE + 20];
	int		 sv[2], p[2], base;

	base = mt_fd_count();
	mkpair(sv, 0);
	imsgbuf_init(&b, sv[1]);
	if (pipe(p) == -1)
		err(1, "pipe");
	raw_hdr(sv[0], 1, IMSG_HEADER_SIZE, 0, &p[0], 1);
	read_all(&b);
	mt_fd_expect("unclaimed fd received", base + 5);
	expect_get("message with an unclaimed fd", &b, 1, 0);
	mt_fd_expect("unclaimed fd closed", base + 4);
	raw_hdr(sv[0], 1, IMSG_HEADER_SIZE, IMSGF_HASFD, NULL, 0);
	read_all(&b);
	expect_get("claim after an unclaimed fd", &b, -1, EBADMSG);
	imsgbuf_clear(&b);
	close(sv[1]);
	close(sv[0]);

	mkpair(sv, 0);
	imsgbuf_init(&b, sv[1]);
	memset(&hdr, 0, sizeof(hdr));
	hdr.ih_len = sizeof(msg);
	memset(msg, 'm', sizeof(msg));
	memcpy(msg, &hdr, sizeof(hdr));
	raw_send(sv[0], msg, 10, NULL, 0);
	read_all(&b);
	raw_send(sv[0], msg + 10, sizeof(msg) - 10, &p[0], 1);
	read_all(&b);
	mt_fd_expect("mid-message fd received", base + 5);
	expect_get("message with an fd in its middle", &b, 1, 0);
	mt_fd_expect("mid-message fd closed", base + 4);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
	mt_fd_expect("unclaimed", base);
	printf("unclaimed fds closed: ok\n");
}

/* Three fds with one claiming message: the first is kept, two closed. */
static void
test_fd_extra(void)
{
	struct imsgbuf	b;
	struct imsg	imsg;
	int		sv[2], p[3][2], fds[3], fd, i, base;

	base = mt_fd_count();
	mkpair(sv, 0);
	imsgbuf_init(&b, sv[1]);
	for (i = 0; i < 3; i++) {
		if (pipe(p[i]) == -1)
			err(1, "pipe");
		fds[i] = p[i][0];
	}
	raw_hdr(sv[0], 1, IMSG_HEADER_SIZE, IMSGF_HASFD, fds, 3);
	read_all(&b);
	mt_fd_expect("extra fds closed on receipt", base + 2 + 6 + 1);
	if (imsgbuf_get(&b, &imsg) != 1 || (fd = imsg_get_fd(&imsg)) == -1)
		errx(1, "extra fds: got no message with an fd");
	if (fd_ino(fd) != fd_ino(p[0][0]))
		errx(1, "extra fds: got not the first fd");
	imsg_free(&imsg);
	close(fd);
	imsgbuf_clear(&b);
	for (i = 0; i < 3; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
	close(sv[0]);
	close(sv[1]);
	mt_fd_expect("extra fds", base);
	printf("extra fds in one message closed: ok\n");
}

/* EOF inside a message, one with an fd: 0, and clear closes the fd. */
static void
test_eof_midway(void)
{
	struct imsg_hdr	hdr;
	struct imsgbuf	b;
	unsigned char	msg[IMSG_HEADER_SIZE + 10];
	int		sv[2], p[2], base;

	base = mt_fd_count();
	mkpair(sv, 0);
	imsgbuf_init(&b, sv[1]);
	if (pipe(p) == -1)
		err(1, "pipe");
	memset(&hdr, 0, sizeof(hdr));
	hdr.ih_len = IMSG_HEADER_SIZE + 100;
	hdr.ih_flags = IMSGF_HASFD;
	memset(msg, 0, sizeof(msg));
	memcpy(msg, &hdr, sizeof(hdr));
	raw_send(sv[0], msg, sizeof(msg), &p[0], 1);
	close(p[0]);
	close(sv[0]);
	if (imsgbuf_read(&b) != (ssize_t)sizeof(msg))
		err(1, "imsgbuf_read");
	if (imsgbuf_read(&b) != 0)
		errx(1, "EOF midway: got no EOF");
	expect_get("EOF midway", &b, 0, 0);
	mt_fd_expect("EOF midway, fd held", base + 3);
	imsgbuf_clear(&b);
	close(p[1]);
	close(sv[1]);
	mt_fd_expect("EOF midway", base);
	printf("EOF inside a message: ok\n");
}

/*
 * Random headers of plausible and implausible lengths and flags, with
 * random fds: every result is -1, 0 or 1, and nothing leaks.
 */
static void
test_fuzz(void)
{
	struct imsg_hdr	 hdr;
	struct imsgbuf	 b;
	struct imsg	 imsg;
	unsigned char	 body[256];
	int		 sv[2], p[2], round, i, rv, fd, base;
	int		 counts[3] = { 0, 0, 0 };

	base = mt_fd_count();
	srandom(1);
	memset(body, 0, sizeof(body));
	if (pipe(p) == -1)
		err(1, "pipe");
	for (round = 0; round < 2000; round++) {
		mkpair(sv, round % 2);
		imsgbuf_init(&b, sv[1]);
		imsgbuf_set_maxsize(&b, IMSG_HEADER_SIZE + 100);
		for (i = 0; i < 4; i++) {
			memset(&hdr, 0, sizeof(hdr));
			hdr.ih_len = random() % 8 == 0 ? (uint32_t)random() :
			    (uint32_t)(random() % 140);
			hdr.ih_flags = random() % 4 == 0 ? (uint32_t)random() :
			    (uint32_t)(random() % 2);
			memcpy(body, &hdr, sizeof(hdr));
			raw_send(sv[0], body, sizeof(hdr) + random() % 100,
			    &p[0], random() % 3 == 0);
			read_all(&b);
			while ((rv = imsgbuf_get(&b, &imsg)) == 1) {
				if ((fd = imsg_get_fd(&imsg)) != -1)
					close(fd);
				imsg_free(&imsg);
				counts[2]++;
			}
			counts[rv + 1]++;
		}
		imsgbuf_clear(&b);
		close(sv[0]);
		close(sv[1]);
	}
	close(p[0]);
	close(p[1]);
	mt_fd_expect("fuzz", base);
	printf("fuzz: ok (%d errors, %d waits, %d messages)\n", counts[0],
	    counts[1], counts[2]);
}

static void
test_api_errors(void)
{
	struct imsgbuf	a, b;
	struct imsg	imsg;
	unsigned char	big[100];
	uint32_t	word;
	int		sv[2], p[2];

	mkpair(sv, 0);
	imsgbuf_init(&a, sv[0]);
	imsgbuf_init(&b, sv[1]);
	if (imsgbuf_set_maxsize(&a, IMSG_HEADER_SIZE - 1) != -1 ||
	    imsgbuf_set_maxsize(&a, IMSG_MAXSIZE_LIMIT + 1) != -1 ||
	    errno != EINVAL || a.ib_maxsize != IMSG_MAXSIZE_DEFAULT)
		errx(1, "set_maxsize: bad sizes accepted");
	if (imsgbuf_set_maxsize(&a, IMSG_HEADER_SIZE + 50) == -1)
		err(1, "set_maxsize");
	if (pipe(p) == -1)
		err(1, "pipe");
	memset(big, 0, sizeof(big));
	if (imsg_compose(&a, 1, 0, 0, p[0], big, sizeof(big)) != -1 ||
	    errno != ERANGE)
		errx(1, "compose too large with fd: not refused");
	if (fcntl(p[0], F_GETFD) != -1 || errno != EBADF)
		errx(1, "compose too large: the fd was not closed");
	if (imsg_compose(&a, 1, 0, 0, -1, NULL, 3) != -1 || errno != EINVAL)
		errx(1, "compose NULL data: not refused");
	if (imsgbuf_init(&b, -1) != -1 || errno != EBADF)
		errx(1, "init with fd -1: not refused");
	imsgbuf_init(&b, sv[1]);
	word = 0xdeadbeef;
	if (imsg_compose(&a, 1, 0, 0, -1, &word, sizeof(word)) != 1 ||
	    imsgbuf_flush(&a) == -1)
		err(1, "compose");
	read_all(&b);
	if (imsgbuf_get(&b, &imsg) != 1)
		errx(1, "get: no message");
	if (imsg_get_data(&imsg, big, 3) != -1 || errno != EBADMSG ||
	    imsg_get_data(&imsg, big, 5) != -1 || errno != EBADMSG)
		errx(1, "get_data: wrong length accepted");
	word = 0;
	if (imsg_get_data(&imsg, &word, sizeof(word)) != 0 ||
	    word != 0xdeadbeef)
		errx(1, "get_data: got %#x, expected 0xdeadbeef", word);
	imsg_free(&imsg);
	imsg_free(&imsg);
	imsgbuf_clear(&a);
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
	printf("argument errors: ok\n");
}

/* A gone peer is EPIPE, not SIGPIPE; clear closes the queued fd. */
static void
test_epipe(void)
{
	struct imsgbuf	a;
	int		sv[2], p[2], base;

	base = mt_fd_count();
	mkpair(sv, 0);
	imsgbuf_init(&a, sv[0]);
	if (pipe(p) == -1)
		err(1, "pipe");
	close(sv[1]);
	if (imsg_compose(&a, 1, 0, 0, -1, "x", 1) != 1 ||
	    imsg_compose(&a, 1, 0, 0, p[0], "y", 1) != 1)
		err(1, "imsg_compose");
	if (imsgbuf_write(&a) != -1 || errno != EPIPE)
		errx(1, "write to a closed peer: got no EPIPE");
	if (imsgbuf_flush(&a) != -1 || errno != EPIPE)
		errx(1, "flush to a closed peer: got no EPIPE");
	if (imsgbuf_queuelen(&a) != 2)
		errx(1, "write to a closed peer: got %u queued, expected 2",
		    imsgbuf_queuelen(&a));
	imsgbuf_clear(&a);
	if (imsgbuf_queuelen(&a) != 0)
		errx(1, "clear: queue not empty");
	close(p[1]);
	close(sv[0]);
	mt_fd_expect("EPIPE", base);
	printf("write to a closed peer: ok\n");
}

/*
 * With the fd table full, read consumes nothing (EAGAIN), so that the
 * fd is not lost; once a slot is free the message comes with it.
 */
static void
test_fd_exhaustion(void)
{
	struct mt_full	 full;
	struct imsgbuf	 a, b;
	struct imsg	 imsg;
	int		 sv[2], p[2], fd;

	mkpair(sv, 0);
	imsgbuf_init(&a, sv[0]);
	imsgbuf_init(&b, sv[1]);
	if (pipe(p) == -1)
		err(1, "pipe");
	if (imsg_compose(&a, 1, 0, 0, p[0], NULL, 0) != 1 ||
	    imsgbuf_flush(&a) == -1)
		err(1, "imsg_compose");
	mt_fd_fill(&full, sv[1]);
	if (imsgbuf_read(&b) != -1 || errno != EAGAIN)
		errx(1, "full fd table: got no EAGAIN");
	expect_get("full fd table", &b, 0, 0);
	mt_fd_free_one(&full);
	if (imsgbuf_read(&b) <= 0)
		err(1, "imsgbuf_read after freeing a slot");
	mt_fd_unfill(&full);
	if (imsgbuf_get(&b, &imsg) != 1 || (fd = imsg_get_fd(&imsg)) == -1)
		errx(1, "full fd table: message lost its fd");
	pipe_check("late", fd, p[1]);
	close(fd);
	imsg_free(&imsg);
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
	printf("full fd table: ok\n");
}

/*
 * imsgbuf_reserve_fd(): with the fd table full, the channel still
 * receives a message and its fd, in the slot it kept; the slot is
 * taken back once one is free, and imsgbuf_clear() gives it up.
 */
static void
test_fd_reserve(void)
{
	struct mt_full	 full;
	struct imsgbuf	 a, b;
	struct imsg	 imsg;
	int		 sv[2], p[2], fd, base;

	base = mt_fd_count();
	mkpair(sv, 0);
	imsgbuf_init(&a, sv[0]);
	imsgbuf_init(&b, sv[1]);
	if (imsgbuf_reserve_fd(&b) == -1)
		err(1, "imsgbuf_reserve_fd");
	if (pipe(p) == -1)
		err(1, "pipe");
	if (imsg_compose(&a, 1, 0, 0, p[0], NULL, 0) != 1 ||
	    imsgbuf_flush(&a) == -1)
		err(1, "imsg_compose");
	mt_fd_fill(&full, sv[0]);
	if (imsgbuf_read(&b) <= 0)
		err(1, "full fd table, slot reserved: imsgbuf_read");
	if (imsgbuf_get(&b, &imsg) != 1 || (fd = imsg_get_fd(&imsg)) == -1)
		errx(1, "full fd table, slot reserved: message lost its fd");
	imsg_free(&imsg);
	close(fd);
	mt_fd_unfill(&full);
	/* Taken back with the next read, which finds nothing. */
	if (imsgbuf_read(&b) != -1 || errno != EAGAIN)
		errx(1, "empty channel: got no EAGAIN");
	if (mt_fd_count() != base + 4)
		errx(1, "reserved slot: got %d fds, expected %d", mt_fd_count(),
		    base + 4);
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
	mt_fd_expect("reserved slot", base);
	printf("full fd table, slot reserved: ok\n");
}

/* Ten thousand messages queued, then drained in turns. */
static void
test_many(void)
{
	struct imsgbuf	 a, b;
	struct imsg	 imsg;
	unsigned char	 buf[300];
	uint32_t	 i;
	int		 sv[2];

	mkpair(sv, 0);
	imsgbuf_init(&a, sv[0]);
	imsgbuf_init(&b, sv[1]);
	for (i = 0; i < NMANY; i++) {
		fill(buf, i % 300, i);
		if (imsg_compose(&a, 1, i, 0, -1, buf, i % 300) != 1)
			err(1, "imsg_compose %u", i);
	}
	if (imsgbuf_queuelen(&a) != NMANY)
		errx(1, "many: got %u queued, expected %d",
		    imsgbuf_queuelen(&a), NMANY);
	for (i = 0; i < NMANY; i++) {
		mt_pump(&a, &b, &imsg, NULL);
		if (imsg_get_peerid(&imsg) != i)
			errx(1, "many: got message %u, expected %u",
			    imsg_get_peerid(&imsg), i);
		check_payload("many", &imsg, i % 300, i);
		imsg_free(&imsg);
	}
	if (imsgbuf_queuelen(&a) != 0)
		errx(1, "many: queue not drained");
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
	printf("%d messages queued and drained: ok\n", NMANY);
}

/* The same through imsgbuf_flush() in a child, read until EOF. */
static void
test_many_flush(void)
{
	struct imsgbuf	 a, b;
	struct imsg	 imsg;
	struct pollfd	 pfd;
	unsigned char	 buf[300];
	uint32_t	 i, got = 0;
	ssize_t		 n;
	int		 sv[2], status;
	pid_t		 pid;

	mkpair(sv, 0);
	fflush(NULL);
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		close(sv[1]);
		imsgbuf_init(&a, sv[0]);
		for (i = 0; i < NMANY; i++) {
			fill(buf, i % 300, i);
			if (imsg_compose(&a, 1, i, 0, -1, buf, i % 300) != 1)
				err(1, "imsg_compose %u", i);
		}
		if (imsgbuf_flush(&a) == -1)
			err(1, "imsgbuf_flush");
		imsgbuf_clear(&a);
		exit(0);
	}
	close(sv[0]);
	imsgbuf_init(&b, sv[1]);
	for (;;) {
		pfd.fd = sv[1];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, -1) == -1)
			err(1, "poll");
		if ((n = imsgbuf_read(&b)) == -1 && errno != EAGAIN)
			err(1, "imsgbuf_read");
		if (n == 0)
			break;
		while (imsgbuf_get(&b, &imsg) == 1) {
			if (imsg_get_peerid(&imsg) != got)
				errx(1, "flush: got message %u, expected %u",
				    imsg_get_peerid(&imsg), got);
			check_payload("flush", &imsg, got % 300, got);
			imsg_free(&imsg);
			got++;
		}
	}
	if (got != NMANY || waitpid(pid, &status, 0) == -1 ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		errx(1, "flush: got %u messages, status %d", got, status);
	imsgbuf_clear(&b);
	close(sv[1]);
	printf("%d messages through imsgbuf_flush: ok\n", NMANY);
}

int
main(void)
{
	int	base;

	base = mt_fd_count();
	test_roundtrip(IMSG_MAXSIZE_DEFAULT, 0);
	test_roundtrip(IMSG_MAXSIZE_DEFAULT, 1);
	test_roundtrip(IMSG_MAXSIZE_LIMIT, 1);
	test_too_large();
	test_bytewise();
	test_fd_pipe();
	test_fd_series(0);
	test_fd_series(1);
	test_fd_bytewise();
	test_bad_header();
	test_huge_claim();
	test_fd_missing();
	test_fd_unclaimed();
	test_fd_extra();
	test_eof_midway();
	test_fuzz();
	test_api_errors();
	test_epipe();
	test_fd_exhaustion();
	test_fd_reserve();
	test_many();
	test_many_flush();
	mt_fd_expect("all tests", base);
	return (0);
}
