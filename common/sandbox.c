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
 * The seccomp allow-lists of the parent's children, built with
 * libseccomp (the spawner's filter, which builders inherit, is in
 * spawner/spawner_filter.c).  Each list is what the process does after
 * its privilege drop and no more; the comment on each group says who
 * needs it.  Adding a call here widens what an attacker inside that
 * process can do: say why.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sandbox.h"

/* Every child: memory, its sockets, time, signals, exit, syslog. */
static const int sandbox_base[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(close), SCMP_SYS(exit), SCMP_SYS(exit_group),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
	/* a poll or sleep stopped and continued resumes through it */
	SCMP_SYS(restart_syscall),
	SCMP_SYS(rt_sigaction), SCMP_SYS(sigaltstack),
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(madvise), SCMP_SYS(futex),
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(getrandom),
	/* libevent and libc look at their ids (issetugid-like checks) */
	SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid),
	SCMP_SYS(getegid),
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday), SCMP_SYS(time),
	SCMP_SYS(nanosleep), SCMP_SYS(clock_nanosleep),
	SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(lseek),
	SCMP_SYS(fcntl), SCMP_SYS(poll), SCMP_SYS(ppoll),
	/* imsg with fd passing */
	SCMP_SYS(sendmsg), SCMP_SYS(recvmsg),
	/* syslog(3) sends on its socket and reconnects after an error */
	SCMP_SYS(sendto), SCMP_SYS(connect),
	/* glibc's time zone code looks for /etc/localtime */
	SCMP_SYS(openat),
};

/* storeproc: files and SQLite inside its confined view of the store. */
static const int sandbox_store[] = {
	SCMP_SYS(epoll_create1), SCMP_SYS(epoll_ctl), SCMP_SYS(epoll_wait),
	SCMP_SYS(epoll_pwait),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(fsync),
	SCMP_SYS(fdatasync), SCMP_SYS(ftruncate), SCMP_SYS(fallocate),
	SCMP_SYS(getdents64), SCMP_SYS(flock), SCMP_SYS(fstatfs),
	SCMP_SYS(mkdirat), SCMP_SYS(mkdir), SCMP_SYS(rmdir),
	SCMP_SYS(unlinkat), SCMP_SYS(unlink),
	SCMP_SYS(renameat), SCMP_SYS(renameat2), SCMP_SYS(rename),
	SCMP_SYS(linkat), SCMP_SYS(symlinkat), SCMP_SYS(readlinkat),
	SCMP_SYS(readlink), SCMP_SYS(access), SCMP_SYS(faccessat),
	SCMP_SYS(faccessat2), SCMP_SYS(fchmod),
	SCMP_SYS(fchown), SCMP_SYS(fchownat), SCMP_SYS(utimensat),
	SCMP_SYS(fgetxattr), SCMP_SYS(flistxattr), SCMP_SYS(fremovexattr),
	SCMP_SYS(llistxattr), SCMP_SYS(lremovexattr),
	SCMP_SYS(getcwd), SCMP_SYS(umask),
	SCMP_SYS(pipe2), SCMP_SYS(sched_yield),
	/*
	 * A build's outputs are copied and hashed in a forked child, so
	 * the event loop keeps serving (store_build.c): the fork (clone
	 * without namespaces, below), the child's set_robust_list, the
	 * parent's wait4 and its kill of a child that sent garbage.
	 */
	SCMP_SYS(wait4), SCMP_SYS(set_robust_list), SCMP_SYS(kill),
};

/* builderproc: sockets and its event loop; it has no files to touch. */
static const int sandbox_builder[] = {
	SCMP_SYS(epoll_create1), SCMP_SYS(epoll_ctl), SCMP_SYS(epoll_wait),
	SCMP_SYS(epoll_pwait),
	SCMP_SYS(accept4), SCMP_SYS(accept), SCMP_SYS(getsockopt),
	SCMP_SYS(shutdown), SCMP_SYS(socketpair), SCMP_SYS(pipe2),
	SCMP_SYS(recvfrom), SCMP_SYS(getsockname),
};

/*
 * mountproc: imsg only; the spawner, started before this filter, does
 * every mount, namespace and file operation.  wait4 learns how the
 * spawner died; fork without exec (regress/sandbox) stays allowed but
 * is not used.
 */
static const int sandbox_mount[] = {
	SCMP_SYS(wait4), SCMP_SYS(waitid), SCMP_SYS(clone), SCMP_SYS(clone3),
	SCMP_SYS(set_robust_list),
};

/*
 * Only in ASan/UBSan builds (regress/asan): what the sanitizer runtime
 * calls while it prints a report, so that the report comes out whole
 * instead of the process dying of SIGSYS halfway.  It reads
 * /proc/self/maps and the executable's name with open(2) and
 * readlink(2), and protects its shadow pages with mprotect(2).
 * Production builds never get these.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZER	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZER	1
#endif
#endif
#ifdef SANDBOX_SANITIZER
static const int sandbox_sanitizer[] = {
	SCMP_SYS(open), SCMP_SYS(readlink), SCMP_SYS(mprotect),
	SCMP_SYS(sched_yield),
};
#endif

static void
sandbox_allow(scmp_filter_ctx ctx, const int *calls, size_t ncalls)
{
	size_t	i;
	int	rc;

	for (i = 0; i < ncalls; i++) {
		/* A call this architecture lacks is not an error. */
		if (calls[i] < 0)
			continue;
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i],
		    0)) < 0)
			fatalx("seccomp_rule_add %d: %s", calls[i],
			    strerror(-rc));
	}
}

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Linux 6.6; older kernel headers do not know it yet. */
#ifndef __NR_fchmodat2
#define __NR_fchmodat2	452
#endif

/*
 * storeproc changes modes only through descriptors: fchmod, or
 * fchmodat2 with AT_EMPTY_PATH on an O_PATH descriptor (what a builder
 * left unreadable).  A chmod by name could follow a symlink a builder
 * swapped in, so fchmodat, and fchmodat2 without that flag, are not
 * allowed at all (issue 10, item 1).
 */
static void
sandbox_store_chmod(scmp_filter_ctx ctx)
{
	int	rc;

	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fchmodat2),
	    1, SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH))) < 0)
		fatalx("seccomp_rule_add fchmodat2: %s", strerror(-rc));
}

/*
 * storeproc forks (fork(2) is clone(2) without namespace flags) and the
 * child asks for SIGKILL should storeproc die (PR_SET_PDEATHSIG): no
 * other clone and no other prctl.
 */
static void
sandbox_store_fork(scmp_filter_ctx ctx)
{
	const scmp_datum_t	ns = CLONE_NEWNS | CLONE_NEWUTS |
	    CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |
	    CLONE_NEWCGROUP | CLONE_THREAD | CLONE_VM;
	int			rc;

	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
	    SCMP_A0(SCMP_CMP_MASKED_EQ, ns, 0))) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
	    SCMP_A0(SCMP_CMP_EQ, PR_SET_PDEATHSIG))) < 0)
		fatalx("seccomp_rule_add clone, prctl: %s", strerror(-rc));
}

void
sandbox_enter(enum proc_type proc)
{
	scmp_filter_ctx	ctx;
	int		rc;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_NO_NEW_PRIVS");
	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		fatalx("seccomp_init failed");
	sandbox_allow(ctx, sandbox_base, NELEM(sandbox_base));
#ifdef SANDBOX_SANITIZER
	sandbox_allow(ctx, sandbox_sanitizer, NELEM(sandbox_sanitizer));
#endif
	switch (proc) {
	case PROC_STORE:
		sandbox_allow(ctx, sandbox_store, NELEM(sandbox_store));
		sandbox_store_chmod(ctx);
		sandbox_store_fork(ctx);
		break;
	case PROC_BUILDER:
		sandbox_allow(ctx, sandbox_builder, NELEM(sandbox_builder));
		break;
	case PROC_MOUNT:
		sandbox_allow(ctx, sandbox_mount, NELEM(sandbox_mount));
		break;
	default:
		fatalx("%s: no sandbox for process %d", __func__, proc);
	}
	/*
	 * Only AF_UNIX sockets may be made, for syslog's reconnect; no
	 * process of ours talks to the network.
	 */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
	    SCMP_A0(SCMP_CMP_EQ, AF_UNIX))) < 0)
		fatalx("seccomp_rule_add socket: %s", strerror(-rc));
	/*
	 * glibc's qsort(3) asks sysinfo(2) for the memory size before it
	 * sorts more than a few hundred items; failing, it assumes plenty
	 * and sorts as usual.  A sort must not kill the process, nor need
	 * the host's load and memory figures.
	 */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
	    SCMP_SYS(sysinfo), 0)) < 0)
		fatalx("seccomp_rule_add sysinfo: %s", strerror(-rc));
	if ((rc = seccomp_load(ctx)) < 0)
		fatalx("seccomp_load: %s", strerror(-rc));
	seccomp_release(ctx);
}
