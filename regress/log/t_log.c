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
 * log.c: messages reach stderr in foreground mode, log_debug only when
 * verbose, log_warn appends strerror, fatalx names the process and
 * exits 1.
 */
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static char *
capture(void (*fn)(void), int *status)
{
	static char	buf[4096];
	int		fds[2];
	ssize_t		n;
	size_t		off = 0;
	pid_t		pid;

	if (pipe(fds) == -1)
		err(1, "pipe");
	fflush(NULL);
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDERR_FILENO);
		fn();
		exit(0);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf + off, sizeof(buf) - 1 - off)) > 0)
		off += n;
	buf[off] = '\0';
	close(fds[0]);
	if (waitpid(pid, status, 0) == -1)
		err(1, "waitpid");
	return (buf);
}

static void
quiet(void)
{
	log_init(1, LOG_DAEMON);
	log_setverbose(0);
	log_procinit("testproc");
	log_debug("hidden %d", 1);
	log_info("shown %d", 2);
	errno = ENOENT;
	log_warn("open %s", "x");
	log_warnx("plain");
}

static void
verbose(void)
{
	log_init(1, LOG_DAEMON);
	log_setverbose(1);
	log_debug("debug %s", "on");
}

static void
dies(void)
{
	log_init(1, LOG_DAEMON);
	log_procinit("storeproc");
	fatalx("broken %s", "invariant");
}

static void
expect(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want) != 0)
		errx(1, "%s: got \"%s\", expected \"%s\"", what, got, want);
	printf("%s: ok\n", what);
}

int
main(void)
{
	int	status;
	char	*out;

	out = capture(quiet, &status);
	expect("quiet", out,
	    "shown 2\nopen x: No such file or directory\nplain\n");
	out = capture(verbose, &status);
	expect("verbose", out, "debug on\n");
	out = capture(dies, &status);
	expect("fatalx", out, "fatal in storeproc: broken invariant\n");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 1)
		errx(1, "fatalx: exit status %d, expected 1", status);
	return (0);
}
