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
 * The guard: the spawner's child, which outlives a spawner killed with
 * SIGKILL and then kills every process of each build user the spawner
 * ever ran, wherever it is and whatever it did to its own signals (a
 * builder can clear its parent-death signal).  The spawner writes each
 * build's uid down a pipe before the build starts; the spawner's death
 * is the end of the pipe, whose write end only the spawner holds (its
 * builds get it close-on-exec).  The guard runs under the spawner's
 * filter, which it inherits, with CAP_SETUID alone.
 */
#include <sys/prctl.h>
#include <linux/capability.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "priv.h"
#include "spawner.h"

static void	spawner_guard(int) __attribute__((noreturn));

/* CAP_SETUID: becoming each build user to kill its processes. */
static const int guard_caps[] = { CAP_SETUID };

/*
 * Forks the guard; returns the write end of its pipe.  linkfd, the
 * spawner's channel to mountproc, is closed in the guard: mountproc
 * must see the channel end when the spawner does.
 */
int
spawner_guard_start(int linkfd)
{
	int	p[2];
	pid_t	pid;

	if (pipe2(p, O_CLOEXEC) == -1)
		fatal("pipe2");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		close(linkfd);
		close(p[1]);
		spawner_guard(p[0]);
	}
	close(p[0]);
	return (p[1]);
}

static void
spawner_guard(int fd)
{
	uid_t	*uids = NULL, uid, *p;
	size_t	 nuids = 0, i;
	ssize_t	 n;

	log_procinit("guard");
	prctl(PR_SET_NAME, "rnixd-guard", 0, 0, 0);
	setproctitle("guard");
	priv_reduce_caps(guard_caps, sizeof(guard_caps) /
	    sizeof(guard_caps[0]));
	for (;;) {
		if ((n = read(fd, &uid, sizeof(uid))) == -1 && errno == EINTR)
			continue;
		if (n != sizeof(uid))
			break;
		for (i = 0; i < nuids && uids[i] != uid; i++)
			;
		if (i < nuids || uid == 0)
			continue;
		if ((p = reallocarray(uids, nuids + 1, sizeof(*uids))) ==
		    NULL)
			break;
		uids = p;
		uids[nuids++] = uid;
	}
	/* Read error or end: no spawner is left to stop builds but us. */
	for (i = 0; i < nuids; i++)
		if (spawn_kill_user(uids[i]) == -1)
			log_warn("guard: killing uid %u",
			    (unsigned int)uids[i]);
	_exit(0);
}
