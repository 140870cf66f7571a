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
 * A builder's attempts to talk to the world through sockets, for
 * regress/build/fodnet.sh.  Each argument is one attempt; each prints
 * a line "what rc errno-text" ("-" when it worked):
 *
 *	stream:NAME	connect to the abstract stream socket NAME, send
 *	dgram:NAME	send a datagram to the abstract socket NAME
 *	self:NAME	listen on the abstract socket NAME and connect to
 *			it from this very process (the build's own)
 *	inet:PORT	connect to 127.0.0.1:PORT, send
 *
 * Usage: h_abstract attempt...
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char	hello[] = "hello from the builder";

static void
report(const char *what, int rc)
{
	printf("%s %d %s\n", what, rc, rc == -1 ? strerror(errno) : "-");
	fflush(stdout);
}

static socklen_t
abstract_addr(struct sockaddr_un *sun, const char *name)
{
	if (strlen(name) > sizeof(sun->sun_path) - 2)
		errx(2, "name too long");
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path + 1, name, strlen(name));
	return (offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

/* Connect a stream socket of the family to sa, send hello. */
static int
try_connect(int family, const struct sockaddr *sa, socklen_t len)
{
	int	s;

	if ((s = socket(family, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	if (connect(s, sa, len) == -1 ||
	    write(s, hello, sizeof(hello) - 1) == -1)
		return (-1);
	return (close(s));
}

static int
try_dgram(const struct sockaddr *sa, socklen_t len)
{
	int	s;

	if ((s = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1)
		err(1, "socket");
	if (sendto(s, hello, sizeof(hello) - 1, 0, sa, len) == -1)
		return (-1);
	return (close(s));
}

static int
try_self(const struct sockaddr *sa, socklen_t len)
{
	char	buf[64];
	int	l, c, a;

	if ((l = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    (c = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	if (bind(l, sa, len) == -1 || listen(l, 1) == -1)
		err(1, "bind");
	if (connect(c, sa, len) == -1 ||
	    write(c, hello, sizeof(hello) - 1) == -1 ||
	    (a = accept(l, NULL, NULL)) == -1 ||
	    read(a, buf, sizeof(buf)) != sizeof(hello) - 1)
		return (-1);
	close(a);
	close(c);
	return (close(l));
}

static int
try_inet(const char *port)
{
	struct sockaddr_in	sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(atoi(port));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return (try_connect(AF_INET, (struct sockaddr *)&sin, sizeof(sin)));
}

int
main(int argc, char *argv[])
{
	struct sockaddr_un	 sun;
	struct sockaddr		*sa = (struct sockaddr *)&sun;
	socklen_t		 len = 0;
	char			*arg;
	int			 i;

	for (i = 1; i < argc; i++) {
		if ((arg = strchr(argv[i], ':')) == NULL)
			errx(2, "bad attempt %s", argv[i]);
		*arg++ = '\0';
		if (strcmp(argv[i], "inet") != 0)
			len = abstract_addr(&sun, arg);
		if (strcmp(argv[i], "stream") == 0)
			report("stream", try_connect(AF_UNIX, sa, len));
		else if (strcmp(argv[i], "dgram") == 0)
			report("dgram", try_dgram(sa, len));
		else if (strcmp(argv[i], "self") == 0)
			report("self", try_self(sa, len));
		else if (strcmp(argv[i], "inet") == 0)
			report("inet", try_inet(arg));
		else
			errx(2, "unknown attempt %s", argv[i]);
	}
	return (0);
}
