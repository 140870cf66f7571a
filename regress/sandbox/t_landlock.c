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
 * landlock.c: a forked child scopes itself, then: connecting and
 * sending to an abstract socket the parent made fails with EPERM, as
 * does signalling the parent; an abstract socket it makes itself
 * still works.
 * The parent asserts the child's verdict and that its own sockets got
 * nothing.  Skips (77) on a kernel without Landlock scopes.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "landlock.h"

static socklen_t
abstract_addr(struct sockaddr_un *sun, const char *name)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	strlcpy(sun->sun_path + 1, name, sizeof(sun->sun_path) - 1);
	return (offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

static int
abstract_listen(const char *name, int type)
{
	struct sockaddr_un	sun;
	socklen_t		len = abstract_addr(&sun, name);
	int			s;

	if ((s = socket(AF_UNIX, type | SOCK_NONBLOCK, 0)) == -1)
		err(1, "socket");
	if (bind(s, (struct sockaddr *)&sun, len) == -1)
		err(1, "bind %s", name);
	if (type == SOCK_STREAM && listen(s, 4) == -1)
		err(1, "listen");
	return (s);
}

/* 0 with errno EPERM if refused as the scope refuses, else 1. */
static int
refused(const char *what, int rc)
{
	if (rc == -1 && errno == EPERM)
		return (0);
	warnx("%s: got %d (%s), expected EPERM", what, rc,
	    rc == -1 ? strerror(errno) : "worked");
	return (1);
}

static int
child_checks(const char *stream, const char *dgram, const char *own)
{
	struct sockaddr_un	sun;
	socklen_t		len;
	int			s, l, bad = 0;

	if (landlock_scope_self() == -1)
		err(1, "landlock_scope_self");
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	len = abstract_addr(&sun, stream);
	bad += refused("connect outside", connect(s, (struct sockaddr *)&sun,
	    len));
	close(s);
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	len = abstract_addr(&sun, dgram);
	bad += refused("sendto outside", (int)sendto(s, "x", 1, 0,
	    (struct sockaddr *)&sun, len));
	close(s);
	bad += refused("kill outside", kill(getppid(), 0));
	l = abstract_listen(own, SOCK_STREAM);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	len = abstract_addr(&sun, own);
	if (connect(s, (struct sockaddr *)&sun, len) == -1) {
		warn("connect to its own socket");
		bad++;
	}
	close(s);
	close(l);
	return (bad);
}

int
main(void)
{
	char	stream[64], dgram[64], own[64], buf[8];
	pid_t	pid;
	int	ls, ds, status;

	if (landlock_abi() < LANDLOCK_SCOPE_MIN_ABI) {
		printf("kernel has no Landlock scopes\n");
		return (77);
	}
	snprintf(stream, sizeof(stream), "t_landlock-%d", (int)getpid());
	snprintf(dgram, sizeof(dgram), "t_landlock-%d-d", (int)getpid());
	snprintf(own, sizeof(own), "t_landlock-%d-own", (int)getpid());
	ls = abstract_listen(stream, SOCK_STREAM);
	ds = abstract_listen(dgram, SOCK_DGRAM);
	fflush(stdout);
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0)
		_exit(child_checks(stream, dgram, own) == 0 ? 0 : 1);
	if (waitpid(pid, &status, 0) == -1)
		err(1, "waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		errx(1, "scoped child: status %#x, expected exit 0", status);
	printf("scoped: outside refused, its own socket works: ok\n");
	if (accept(ls, NULL, NULL) != -1 || errno != EAGAIN)
		errx(1, "the stream listener got a connection");
	if (recv(ds, buf, sizeof(buf), 0) != -1 || errno != EAGAIN)
		errx(1, "the datagram socket got data");
	printf("outside listeners got nothing: ok\n");
	return (0);
}
