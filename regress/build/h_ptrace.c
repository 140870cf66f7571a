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
 * A hostile builder's uses of ptrace(2), run inside a build sandbox.
 * Each attempt prints "<attempt> <rc> <errno text or ->" (and a few
 * "<attempt> <observation>" lines), so that the shell test can compare
 * the report of rnixd's sandbox with real Nix's line by line:
 *
 *	seize-child, attach-child	tracing its own child
 *	traceme-exec			PTRACE_TRACEME, then exec
 *	seize-init, attach-init		pid 1 of the sandbox (an ancestor)
 *	*-host				HOSTPID, a host process named to it
 *	rewrite				a traced child's harmless chmod made
 *					setuid at syscall entry: the seccomp
 *					filter must still refuse it
 *
 * Usage: h_ptrace HOSTPID FILE
 */
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/ptrace.h>

static long	ptrace_peekme = 0x5eed;

static void
ptrace_report(const char *what, long rc)
{
	/* Success as 0: a new fd's number is no part of the answer. */
	printf("%s %d %s\n", what, rc == -1 ? -1 : 0,
	    rc == -1 ? strerror(errno) : "-");
	fflush(stdout);
}

/* A child that waits to be traced or killed; stdout flushed first. */
static pid_t
ptrace_spawn_sleeper(void)
{
	pid_t	pid;

	fflush(stdout);
	if ((pid = fork()) == 0) {
		for (;;)
			pause();
	}
	return (pid);
}

static void
ptrace_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, __WALL) == -1 && errno == EINTR)
		;
}

/*
 * Wait up to a second for a stop of pid (a tracee; not necessarily
 * our child): "stopped" or "not-stopped".
 */
static const char *
ptrace_wait_stop(pid_t pid)
{
	int	status, i;

	for (i = 0; i < 100; i++) {
		if (waitpid(pid, &status, __WALL | WNOHANG) == pid &&
		    WIFSTOPPED(status))
			return ("stopped");
		usleep(10000);
	}
	return ("not-stopped");
}

/*
 * Full control of a tracee: its registers and its stack; of a child
 * (a copy of us), a variable of ours.
 */
static void
ptrace_control(const char *what, pid_t pid, int child)
{
	struct user_regs_struct	 regs;
	char			 name[64];
	long			 word, rc;

	snprintf(name, sizeof(name), "%s-getregs", what);
	ptrace_report(name, rc = ptrace(PTRACE_GETREGS, pid, NULL, &regs));
#if defined(__x86_64__)
	if (rc == 0) {
		snprintf(name, sizeof(name), "%s-stack", what);
		errno = 0;
		ptrace(PTRACE_PEEKDATA, pid, (void *)regs.rsp, NULL);
		ptrace_report(name, errno != 0 ? -1 : 0);
	}
#endif
	if (!child)
		return;
	snprintf(name, sizeof(name), "%s-peek", what);
	errno = 0;
	word = ptrace(PTRACE_PEEKDATA, pid, &ptrace_peekme, NULL);
	if (errno != 0)
		ptrace_report(name, -1);
	else
		printf("%s %s\n", name, word == ptrace_peekme ? "same" :
		    "other");
	fflush(stdout);
}

static void
ptrace_try_children(void)
{
	pid_t	pid;
	long	rc;

	pid = ptrace_spawn_sleeper();
	ptrace_report("seize-child", rc = ptrace(PTRACE_SEIZE, pid, NULL,
	    NULL));
	if (rc == 0) {
		ptrace_report("seize-child-interrupt",
		    ptrace(PTRACE_INTERRUPT, pid, NULL, NULL));
		printf("seize-child %s\n", ptrace_wait_stop(pid));
		ptrace_control("seize-child", pid, 1);
	}
	ptrace_reap(pid);

	pid = ptrace_spawn_sleeper();
	ptrace_report("attach-child", rc = ptrace(PTRACE_ATTACH, pid, NULL,
	    NULL));
	if (rc == 0) {
		printf("attach-child %s\n", ptrace_wait_stop(pid));
		ptrace_control("attach-child", pid, 1);
		ptrace_report("attach-child-detach",
		    ptrace(PTRACE_DETACH, pid, NULL, NULL));
	}
	ptrace_reap(pid);
}

static void
ptrace_try_traceme(void)
{
	pid_t	pid;
	int	status;

	fflush(stdout);
	if ((pid = fork()) == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) == -1)
			_exit(100);
		execl("/bin/sh", "sh", "-c", "exit 5", (char *)NULL);
		_exit(101);
	}
	/* The tracee stops at its exec; continued, it runs to its end. */
	while (waitpid(pid, &status, 0) == pid && WIFSTOPPED(status)) {
		printf("traceme-exec stop %s\n", WSTOPSIG(status) == SIGTRAP ?
		    "SIGTRAP" : "other");
		if (ptrace(PTRACE_CONT, pid, NULL, NULL) == -1)
			ptrace_reap(pid);
	}
	printf("traceme-exec exit %d\n", WIFEXITED(status) ?
	    WEXITSTATUS(status) : -1);
	fflush(stdout);
}

/* pid 1 of the sandbox: the builder's shell, our parent. */
static void
ptrace_try_init(void)
{
	long	rc;

	ptrace_report("seize-init", rc = ptrace(PTRACE_SEIZE, 1, NULL,
	    NULL));
	if (rc == 0) {
		ptrace_report("seize-init-interrupt",
		    ptrace(PTRACE_INTERRUPT, 1, NULL, NULL));
		printf("seize-init %s\n", ptrace_wait_stop(1));
		ptrace_control("seize-init", 1, 0);
		ptrace_report("seize-init-detach",
		    ptrace(PTRACE_DETACH, 1, NULL, NULL));
	}
	ptrace_report("attach-init", rc = ptrace(PTRACE_ATTACH, 1, NULL,
	    NULL));
	if (rc == 0) {
		printf("attach-init %s\n", ptrace_wait_stop(1));
		ptrace_report("attach-init-detach",
		    ptrace(PTRACE_DETACH, 1, NULL, NULL));
	}
}

/* A host process, by its pid in the host's namespace. */
static void
ptrace_try_host(pid_t pid)
{
	struct iovec	local, remote;
	char		path[64], buf[8];

	ptrace_report("seize-host", ptrace(PTRACE_SEIZE, pid, NULL, NULL));
	ptrace_report("attach-host", ptrace(PTRACE_ATTACH, pid, NULL,
	    NULL));
	ptrace_report("kill-host", kill(pid, 0));
	local.iov_base = buf;
	local.iov_len = sizeof(buf);
	remote.iov_base = (void *)&ptrace_peekme;
	remote.iov_len = sizeof(buf);
	ptrace_report("vmread-host", process_vm_readv(pid, &local, 1,
	    &remote, 1, 0));
	ptrace_report("pidfd-host", syscall(SYS_pidfd_open, pid, 0));
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	ptrace_report("procmem-host", open(path, O_RDWR));
}

/* The tracee: stop, then a harmless chmod its tracer rewrites. */
static void
ptrace_rewrite_child(const char *file)
{
	struct stat	st;

	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) == -1)
		_exit(100);
	raise(SIGSTOP);
	ptrace_report("rewrite", syscall(SYS_fchmodat, AT_FDCWD, file,
	    0644, 0));
	if (stat(file, &st) == 0)
		printf("rewrite-mode %o\n", (unsigned int)(st.st_mode & 07777));
	fflush(stdout);
	_exit(0);
}

/* Run the tracee to each syscall stop; make its fchmodat setuid. */
static void
ptrace_try_rewrite(const char *file)
{
	struct ptrace_syscall_info	 si;
	struct user_regs_struct		 regs;
	pid_t				 pid;
	int				 status, rewritten = 0;

	fflush(stdout);
	if ((pid = fork()) == 0)
		ptrace_rewrite_child(file);
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) {
		printf("rewrite no-stop\n");
		return;
	}
	ptrace(PTRACE_SETOPTIONS, pid, NULL, PTRACE_O_TRACESYSGOOD);
	for (;;) {
		if (ptrace(PTRACE_SYSCALL, pid, NULL, NULL) == -1 ||
		    waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
			break;
		if (WSTOPSIG(status) != (SIGTRAP | 0x80) ||
		    ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof(si),
		    &si) == -1 || si.op != PTRACE_SYSCALL_INFO_ENTRY ||
		    si.entry.nr != SYS_fchmodat)
			continue;
		if (ptrace(PTRACE_GETREGS, pid, NULL, &regs) == -1)
			break;
#if defined(__x86_64__)
		regs.rdx = 04755;
		rewritten = ptrace(PTRACE_SETREGS, pid, NULL, &regs) == 0;
#endif
		break;
	}
	printf("rewrite-set %s\n", rewritten ? "yes" : "no");
	fflush(stdout);
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
}

int
main(int argc, char *argv[])
{
	if (argc != 3) {
		fprintf(stderr, "usage: h_ptrace hostpid file\n");
		return (2);
	}
	ptrace_try_children();
	ptrace_try_traceme();
	ptrace_try_init();
	ptrace_try_host((pid_t)strtol(argv[1], NULL, 10));
	ptrace_try_rewrite(argv[2]);
	return (0);
}
