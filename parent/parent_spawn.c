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
 * Starting the children: a socketpair each to the parent, fork, the
 * child end on fd 3 and nothing else open above stderr, exec of the
 * child's own executable.  Then the setup every child waits for: its
 * configuration, its sibling links, the daemon socket for builderproc,
 * and the READY barrier.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msg_ctl.h"
#include "parent.h"

static const char *const child_exec_names[PROC_MAX] = {
	[PROC_STORE] = "rnixd-storeproc",
	[PROC_BUILDER] = "rnixd-builderproc",
	[PROC_MOUNT] = "rnixd-mountproc",
};

/* Sibling links: each pair gets one socketpair. */
static const enum proc_type sibling_links[][2] = {
	{ PROC_BUILDER, PROC_STORE },
	{ PROC_BUILDER, PROC_MOUNT },
};

/*
 * Children live next to us: <dir of rnixd>/../libexec/rnixd/, which is
 * both the installed layout (sbin/ and libexec/rnixd/ under a prefix)
 * and the build tree's (obj/bin/, obj/libexec/rnixd/).
 */
static void
parent_exec_path(enum proc_type proc, char *buf, size_t bufsz)
{
	char	self[PATH_MAX];
	ssize_t	len;

	if ((len = readlink("/proc/self/exe", self, sizeof(self) - 1)) == -1)
		fatal("readlink /proc/self/exe");
	self[len] = '\0';
	if ((size_t)snprintf(buf, bufsz, "%s/../libexec/rnixd/%s",
	    dirname(self), child_exec_names[proc]) >= bufsz)
		fatalx("path of %s too long", child_exec_names[proc]);
}

static pid_t
parent_start_child(enum proc_type proc, int fd, int debug, int verbose)
{
	char		 path[PATH_MAX];
	char		*argv[8];
	int		 argc = 0;
	pid_t		 pid;
	sigset_t	 none;

	parent_exec_path(proc, path, sizeof(path));
	switch (pid = fork()) {
	case -1:
		fatal("fork %s", proc_name(proc));
	case 0:
		break;
	default:
		close(fd);
		return (pid);
	}
	if (fd != PROC_PARENT_FD) {
		if (dup2(fd, PROC_PARENT_FD) == -1)
			fatal("dup2");
	} else if (fcntl(fd, F_SETFD, 0) == -1)
		fatal("fcntl");
	closefrom(PROC_PARENT_FD + 1);
	/* The parent blocks signals for its signalfd; exec keeps masks. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	argv[argc++] = (char *)child_exec_names[proc];
	if (debug)
		argv[argc++] = "-d";
	while (verbose-- > 0 && argc < 6)
		argv[argc++] = "-v";
	argv[argc] = NULL;
	execv(path, argv);
	fatal("execv %s", path);
}

void
parent_send_config(struct child *ch, const struct rnixd_conf *conf)
{
	char	*text = NULL;
	size_t	 len = 0;
	FILE	*fp;

	if ((fp = open_memstream(&text, &len)) == NULL)
		fatal("open_memstream");
	if (config_print(fp, conf) == -1 || fclose(fp) == EOF)
		fatalx("cannot print configuration");
	msg_send_config(&ch->ch_ibuf, text, len);
	free(text);
}

static void
parent_link_siblings(void)
{
	size_t		 i;
	int		 sv[2];
	enum proc_type	 a, b;

	for (i = 0; i < sizeof(sibling_links) / sizeof(sibling_links[0]);
	    i++) {
		a = sibling_links[i][0];
		b = sibling_links[i][1];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0, sv) == -1)
			fatal("socketpair");
		msg_send_peer(&children[a].ch_ibuf, b, sv[0]);
		msg_send_peer(&children[b].ch_ibuf, a, sv[1]);
	}
}

void
parent_spawn_children(int debug, int verbose, int listenfd)
{
	enum proc_type	 proc;
	int		 sv[2];

	for (proc = PROC_STORE; proc < PROC_MAX; proc++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0, sv) == -1)
			fatal("socketpair");
		children[proc].ch_proc = proc;
		children[proc].ch_pid = parent_start_child(proc, sv[1],
		    debug, verbose);
		if (imsgbuf_init(&children[proc].ch_ibuf, sv[0]) == -1)
			fatal("imsgbuf_init");
		parent_send_config(&children[proc], parent_conf);
	}
	parent_link_siblings();
	msg_send_listen(&children[PROC_BUILDER].ch_ibuf, listenfd);
	for (proc = PROC_STORE; proc < PROC_MAX; proc++) {
		msg_send_ready(&children[proc].ch_ibuf);
		if (imsgbuf_flush(&children[proc].ch_ibuf) == -1)
			fatal("sending setup to %s", proc_name(proc));
	}
}

/* Ask every child still alive to stop, then wait for all of them. */
void
parent_stop_children(void)
{
	enum proc_type	proc;
	int		status, tries;
	pid_t		pid;

	for (proc = PROC_STORE; proc < PROC_MAX; proc++)
		if (children[proc].ch_pid > 0)
			kill(children[proc].ch_pid, SIGTERM);
	for (tries = 0; tries < 50; tries++) {
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			for (proc = PROC_STORE; proc < PROC_MAX; proc++) {
				if (children[proc].ch_pid != pid)
					continue;
				children[proc].ch_pid = 0;
				/* Not our SIGTERM: it died on its own. */
				if (!WIFSIGNALED(status) ||
				    WTERMSIG(status) != SIGTERM)
					parent_log_lost(proc, status);
			}
		if (pid == -1 && errno == ECHILD)
			return;
		usleep(100 * 1000);
	}
	/*
	 * Five seconds is plenty for a child that has nothing to flush.
	 * An orphan still running then (we are their subreaper) is left.
	 */
	for (proc = PROC_STORE; proc < PROC_MAX; proc++)
		if (children[proc].ch_pid > 0) {
			log_warnx("%s did not stop, killing it",
			    proc_name(proc));
			kill(children[proc].ch_pid, SIGKILL);
			waitpid(children[proc].ch_pid, &status, 0);
		}
}
