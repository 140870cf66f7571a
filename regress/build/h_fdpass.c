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
 * A fixed-output builder's attempt to keep a hand on its output after
 * the build: open FILE read-write, pass the fd to a listener on the
 * host's abstract unix socket NAME (reachable in Nix 2.8, which gives
 * fixed-output derivations the host's network namespace; rnixd's
 * Landlock scope refuses the connection), wait for its one-byte
 * acknowledgement, print "sent".
 * Usage: h_fdpass NAME FILE
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <err.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void
fdpass_send(int s, int fd)
{
	struct msghdr	 msg;
	struct cmsghdr	*cm;
	struct iovec	 iov;
	char		 byte = 'F';
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;

	memset(&msg, 0, sizeof(msg));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	iov.iov_base = &byte;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(s, &msg, 0) != 1)
		err(1, "sendmsg");
}

int
main(int argc, char *argv[])
{
	struct sockaddr_un	sun;
	char			ack;
	int			s, fd;

	if (argc != 3)
		errx(2, "usage: h_fdpass name file");
	if ((fd = open(argv[2], O_RDWR)) == -1)
		err(1, "%s", argv[2]);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(argv[1]) > sizeof(sun.sun_path) - 2)
		errx(2, "name too long");
	memcpy(sun.sun_path + 1, argv[1], strlen(argv[1]));
	if ((s = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	if (connect(s, (struct sockaddr *)&sun,
	    offsetof(struct sockaddr_un, sun_path) + 1 + strlen(argv[1])) == -1)
		err(1, "connect");
	fdpass_send(s, fd);
	if (read(s, &ack, 1) != 1)
		err(1, "no acknowledgement");
	printf("sent\n");
	return (0);
}
