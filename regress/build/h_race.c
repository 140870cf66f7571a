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
 * Drive the race of issue 10 item 1 deterministically: trace storeproc
 * (PID) and, the moment one of its system calls naming NAME (an
 * openat, fstatat, fchmodat, ...) comes back with EACCES, that is
 * when storeproc found a file the builder made unreadable and is about
 * to act on it, exchange DIR/NAME with DIR/OTHER (a symlink to a
 * victim file), then let storeproc go on.  Processes storeproc forks
 * are traced too.  Prints "attached" once tracing, "swapped" after the
 * exchange, and exits 0; is killed by SIGALRM if the moment did not
 * come within TIMEOUT seconds.
 *
 * Mode "swap": exchange DIR/NAME and DIR/OTHER in a tight loop for
 * TIMEOUT seconds or until DIR goes (a racing attacker, not driven).
 *
 * Usage: h_race trace PID DIR NAME OTHER TIMEOUT
 *	  h_race swap DIR NAME OTHER TIMEOUT
 */
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/ptrace.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE	(1 << 1)
#endif

static int
race_exchange(int dfd, const char *a, const char *b)
{
	return (syscall(SYS_renameat2, dfd, a, dfd, b, RENAME_EXCHANGE) ==
	    -1 ? -1 : 0);
}

/* Calls whose second argument is a name relative to the first. */
static int
race_names_path(unsigned long long nr)
{
	switch (nr) {
	case SYS_openat:
	case SYS_newfstatat:
	case SYS_fchmodat:
	case SYS_fchownat:
	case SYS_utimensat:
	case SYS_readlinkat:
	case 452:	/* fchmodat2 */
		return (1);
	}
	return (0);
}

/* The name argument of pid's call, from its memory. */
static int
race_read_name(pid_t pid, unsigned long long addr, char *buf, size_t len)
{
	char	path[64];
	ssize_t	n;
	int	fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	n = pread(fd, buf, len - 1, (off_t)addr);
	close(fd);
	if (n <= 0)
		return (-1);
	buf[n] = '\0';
	return (0);
}

/* Per traced process: did the call now entered name NAME? */
#define RACE_PIDS	64
static pid_t	race_pid[RACE_PIDS];
static int	race_named[RACE_PIDS];

static int *
race_slot(pid_t pid)
{
	int	i;

	for (i = 0; i < RACE_PIDS; i++)
		if (race_pid[i] == pid)
			return (&race_named[i]);
	for (i = 0; i < RACE_PIDS; i++)
		if (race_pid[i] == 0) {
			race_pid[i] = pid;
			race_named[i] = 0;
			return (&race_named[i]);
		}
	errx(2, "too many traced processes");
}

/*
 * Trace pid and every process it forks (storeproc copies a build's
 * outputs in a child); the swap is made in whichever hits the moment.
 * Exiting detaches every tracee; a timeout (SIGALRM) does too.
 */
static int
race_trace(pid_t pid, int dfd, const char *name, const char *other,
    int timeout)
{
	struct ptrace_syscall_info	 si;
	char				 buf[PATH_MAX];
	pid_t				 p;
	int				 status, sig, *named;

	alarm(timeout);
	if (ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACESYSGOOD |
	    PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
	    PTRACE_O_TRACECLONE) == -1)
		err(2, "PTRACE_SEIZE");
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) == -1)
		err(2, "PTRACE_INTERRUPT");
	printf("attached\n");
	fflush(stdout);
	for (;;) {
		if ((p = waitpid(-1, &status, __WALL)) == -1)
			err(2, "waitpid");
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			if (p == pid)
				errx(2, "the traced process ended");
			continue;
		}
		sig = 0;
		if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
			if (ptrace(PTRACE_GET_SYSCALL_INFO, p, sizeof(si),
			    &si) == -1)
				err(2, "PTRACE_GET_SYSCALL_INFO");
			named = race_slot(p);
			if (si.op == PTRACE_SYSCALL_INFO_ENTRY)
				*named = race_names_path(si.entry.nr) &&
				    race_read_name(p, si.entry.args[1], buf,
				    sizeof(buf)) == 0 &&
				    strcmp(buf, name) == 0;
			else if (si.op == PTRACE_SYSCALL_INFO_EXIT &&
			    *named && si.exit.is_error &&
			    si.exit.rval == -EACCES) {
				if (race_exchange(dfd, name, other) == -1)
					err(2, "exchange");
				printf("swapped in process %d\n", (int)p);
				fflush(stdout);
				return (0);
			}
		} else if ((status >> 16) == 0 && WSTOPSIG(status) != SIGTRAP)
			sig = WSTOPSIG(status);	/* a signal: pass it on */
		if (ptrace(PTRACE_SYSCALL, p, 0, sig) == -1 && errno != ESRCH)
			err(2, "PTRACE_SYSCALL");
	}
}

static int
race_swap(int dfd, const char *name, const char *other, int timeout)
{
	time_t		end = time(NULL) + timeout;
	unsigned long	n = 0;

	printf("swapping\n");
	fflush(stdout);
	while (time(NULL) <= end) {
		if (race_exchange(dfd, name, other) == -1) {
			if (errno == ENOENT)
				break;
			err(2, "exchange");
		}
		n++;
	}
	printf("swapped %lu times\n", n);
	return (0);
}

int
main(int argc, char *argv[])
{
	int	dfd;

	if (argc == 7 && strcmp(argv[1], "trace") == 0) {
		if ((dfd = open(argv[3], O_RDONLY | O_DIRECTORY)) == -1)
			err(2, "%s", argv[3]);
		return (race_trace(atoi(argv[2]), dfd, argv[4], argv[5],
		    atoi(argv[6])));
	}
	if (argc == 6 && strcmp(argv[1], "swap") == 0) {
		if ((dfd = open(argv[2], O_RDONLY | O_DIRECTORY)) == -1)
			err(2, "%s", argv[2]);
		return (race_swap(dfd, argv[3], argv[4], atoi(argv[5])));
	}
	fprintf(stderr, "usage: h_race trace pid dir name other timeout\n"
	    "       h_race swap dir name other timeout\n");
	return (2);
}
