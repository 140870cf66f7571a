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
 * imsgbuf_set_fdpass(): on a channel whose peer passes no descriptors,
 * imsgbuf_read() makes no fd-table check (no fcntl at all, enforced
 * with a seccomp filter that fails fcntl), a descriptor sent anyway
 * still arrives while there is room, and with the table full it is
 * lost and its message fails with EBADMSG, leaking nothing.  The
 * default keeps the check: under the same filter its read fails.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "../msg/msgtest.h"

/* link: regress/msg/msgtest.c */

static void	mkpair(int [2]);
static void	send_one(int, int, const char *);
static void	pipe_check(const char *, int);
static int	run_without_fcntl(int);
static void	test_no_fcntl(void);
static void	test_fd_anyway(void);
static void	test_full_table(void);

static void
mkpair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sv) == -1)
		err(1, "socketpair");
}

/* One message "text" with fd (or -1) from a fresh imsgbuf on sock. */
static void
send_one(int sock, int fd, const char *text)
{
	struct imsgbuf	w;

	if (imsgbuf_init(&w, sock) == -1 ||
	    imsg_compose(&w, 7, 1, 0, fd, text, strlen(text) + 1) != 1 ||
	    imsgbuf_flush(&w) == -1)
		err(1, "send_one");
	imsgbuf_clear(&w);
}

/* fd must be the read end of a pipe whose write end holds "x". */
static void
pipe_check(const char *what, int fd)
{
	char	c;

	if (read(fd, &c, 1) != 1 || c != 'x')
		errx(1, "%s: the fd is not the pipe sent", what);
}

/*
 * In a child with fcntl failing (EPERM), read one message on an
 * imsgbuf with fd passing on or off.  Returns the child's exit status:
 * 0 got the message, 2 the read failed with EPERM, 1 anything else.
 */
static int
run_without_fcntl(int fdpass)
{
	struct imsgbuf	 r;
	struct imsg	 imsg;
	scmp_filter_ctx	 ctx;
	pid_t		 pid;
	int		 sv[2], status;

	mkpair(sv);
	send_one(sv[0], -1, "hello");
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL ||
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		    SCMP_SYS(fcntl), 0) != 0 || seccomp_load(ctx) != 0)
			_exit(1);
		imsgbuf_init(&r, sv[1]);
		imsgbuf_set_fdpass(&r, fdpass);
		if (imsgbuf_read(&r) == -1)
			_exit(errno == EPERM ? 2 : 1);
		if (imsgbuf_get(&r, &imsg) != 1 ||
		    strcmp(imsg_get_buf(&imsg, NULL), "hello") != 0)
			_exit(1);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) == -1)
		err(1, "waitpid");
	close(sv[0]);
	close(sv[1]);
	return (WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

static void
test_no_fcntl(void)
{
	int	rc;

	if ((rc = run_without_fcntl(1)) != 2)
		errx(1, "fd passing on, fcntl denied: got exit %d, expected "
		    "2 (the read checks the fd table)", rc);
	if ((rc = run_without_fcntl(0)) != 0)
		errx(1, "fd passing off, fcntl denied: got exit %d, expected "
		    "0 (no fcntl before the read)", rc);
	printf("fd passing off: the read makes no fcntl: ok\n");
}

/* The peer passes one after all: with room, it arrives as sent. */
static void
test_fd_anyway(void)
{
	struct imsgbuf	 r;
	struct imsg	 imsg;
	int		 sv[2], p[2], fd, base = mt_fd_count();

	mkpair(sv);
	if (pipe(p) == -1 || write(p[1], "x", 1) != 1)
		err(1, "pipe");
	send_one(sv[0], p[0], "with fd");
	imsgbuf_init(&r, sv[1]);
	imsgbuf_set_fdpass(&r, 0);
	if (imsgbuf_read(&r) <= 0)
		err(1, "imsgbuf_read");
	if (imsgbuf_get(&r, &imsg) != 1 || (fd = imsg_get_fd(&imsg)) == -1)
		errx(1, "fd passing off, room: got no fd, expected the pipe");
	pipe_check("fd passing off, room", fd);
	close(fd);
	imsg_free(&imsg);
	imsgbuf_clear(&r);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
	mt_fd_expect("fd passing off, room", base);
	printf("fd passing off: a descriptor sent anyway arrives: ok\n");
}

/* With the table full the read goes on, and the message fails. */
static void
test_full_table(void)
{
	struct mt_full	 full;
	struct imsgbuf	 r;
	struct imsg	 imsg;
	int		 sv[2], p[2], rc;
	int		 base = mt_fd_count();

	mkpair(sv);
	if (pipe(p) == -1)
		err(1, "pipe");
	send_one(sv[0], p[0], "lost");
	imsgbuf_init(&r, sv[1]);
	imsgbuf_set_fdpass(&r, 0);
	mt_fd_fill(&full, sv[1]);
	if (imsgbuf_read(&r) <= 0)
		errx(1, "fd passing off, full table: got no bytes, expected "
		    "the message");
	mt_fd_unfill(&full);
	if ((rc = imsgbuf_get(&r, &imsg)) != -1 || errno != EBADMSG)
		errx(1, "fd passing off, full table: got %d, expected -1 "
		    "EBADMSG", rc);
	imsgbuf_clear(&r);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
	mt_fd_expect("fd passing off, full table", base);
	printf("fd passing off: full table loses the fd, EBADMSG: ok\n");
}

int
main(void)
{
	test_no_fcntl();
	test_fd_anyway();
	test_full_table();
	return (0);
}
