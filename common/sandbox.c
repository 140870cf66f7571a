/*
 * The seccomp allow-lists of the children, built with libseccomp.
 * Each list is what the process does after its privilege drop and no
 * more; the comment on each group says who needs it.  Adding a call
 * here widens what an attacker inside that process can do: say why.
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
 * mountproc: imsg only; its spawner, forked before this filter, does
 * every mount, namespace and file operation.  wait4 learns how the
 * spawner died; fork without exec (regress/sandbox) stays allowed but
 * is not used.
 */
static const int sandbox_mount[] = {
	SCMP_SYS(wait4), SCMP_SYS(waitid), SCMP_SYS(clone), SCMP_SYS(clone3),
	SCMP_SYS(set_robust_list),
};

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
	if ((rc = seccomp_load(ctx)) < 0)
		fatalx("seccomp_load: %s", strerror(-rc));
	seccomp_release(ctx);
}

/*
 * Builders run 32-bit code too (i686 derivations on x86_64): the
 * filters must see those calls, or a 32-bit chmod would pass.
 */
static int
sandbox_add_arches(scmp_filter_ctx ctx)
{
#if defined(__x86_64__)
	if (seccomp_arch_add(ctx, SCMP_ARCH_X86) != 0 ||
	    seccomp_arch_add(ctx, SCMP_ARCH_X32) != 0)
		return (-1);
#elif defined(__aarch64__)
	if (seccomp_arch_add(ctx, SCMP_ARCH_ARM) != 0)
		return (-1);
#endif
	return (0);
}

/*
 * The spawner and builders: everything a build may do is a large set
 * (compilers, test suites, nested user namespaces), so the list is
 * every call this libseccomp knows, less the calls below, which act
 * on the whole host and which neither a spawner nor a builder needs.
 * A listed call kills the process; a call newer than this build of
 * rnixd fails with ENOSYS, which libcs fall back from.
 */
static const char *const sandbox_spawner_deny[] = {
	"kexec_load", "kexec_file_load", "init_module", "finit_module",
	"delete_module", "create_module", "reboot", "swapon", "swapoff",
	"acct", "settimeofday", "clock_settime", "clock_adjtime",
	"adjtimex", "iopl", "ioperm", "open_by_handle_at", "lookup_dcookie",
	"quotactl", "quotactl_fd", "syslog", "vhangup", "nfsservctl",
	"uselib", "_sysctl", "get_kernel_syms", "query_module", "vm86",
	"vm86old", "add_key", "request_key", "keyctl", "bpf",
	"perf_event_open", "fanotify_init", "mount_setattr",
};

#define SANDBOX_SYSCALL_SCAN	1024

static int
sandbox_spawner_denied(const char *name)
{
	size_t	i;

	for (i = 0; i < NELEM(sandbox_spawner_deny); i++)
		if (strcmp(name, sandbox_spawner_deny[i]) == 0)
			return (1);
	return (0);
}

static void
sandbox_spawner_allow(scmp_filter_ctx ctx, uint32_t arch)
{
	const char	*name;
	int		 nr, num;

	for (num = 0; num < SANDBOX_SYSCALL_SCAN; num++) {
		if ((name = seccomp_syscall_resolve_num_arch(arch, num)) ==
		    NULL)
			continue;
		nr = seccomp_syscall_resolve_name(name);
		if (!sandbox_spawner_denied(name) && nr != __NR_SCMP_ERROR)
			/* A name some added arch lacks is not an error. */
			(void)seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		free((void *)name);
	}
}

void
sandbox_enter_spawner(void)
{
	scmp_filter_ctx	ctx;
	size_t		i;
	int		rc, nr;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_NO_NEW_PRIVS");
	if ((ctx = seccomp_init(SCMP_ACT_ERRNO(ENOSYS))) == NULL)
		fatalx("seccomp_init failed");
	if (sandbox_add_arches(ctx) == -1)
		fatalx("seccomp_arch_add failed");
	sandbox_spawner_allow(ctx, SCMP_ARCH_NATIVE);
#if defined(__x86_64__)
	sandbox_spawner_allow(ctx, SCMP_ARCH_X86);
#endif
	for (i = 0; i < NELEM(sandbox_spawner_deny); i++) {
		nr = seccomp_syscall_resolve_name(sandbox_spawner_deny[i]);
		if (nr != __NR_SCMP_ERROR)
			(void)seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, nr,
			    0);
	}
	if ((rc = seccomp_load(ctx)) < 0)
		fatalx("seccomp_load: %s", strerror(-rc));
	seccomp_release(ctx);
}

/* Every extended attribute call: a NAR cannot hold xattrs. */
static const int sandbox_xattr_calls[] = {
	SCMP_SYS(setxattr), SCMP_SYS(lsetxattr), SCMP_SYS(fsetxattr),
	SCMP_SYS(getxattr), SCMP_SYS(lgetxattr), SCMP_SYS(fgetxattr),
	SCMP_SYS(listxattr), SCMP_SYS(llistxattr), SCMP_SYS(flistxattr),
	SCMP_SYS(removexattr), SCMP_SYS(lremovexattr),
	SCMP_SYS(fremovexattr),
};

static int
sandbox_deny_modes(scmp_filter_ctx ctx, scmp_datum_t bit)
{
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(chmod), 1,
	    SCMP_A1(SCMP_CMP_MASKED_EQ, bit, bit)) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(fchmod), 1,
	    SCMP_A1(SCMP_CMP_MASKED_EQ, bit, bit)) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(fchmodat), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, bit, bit)) != 0)
		return (-1);
	return (0);
}

int
sandbox_builder_filter(void)
{
	scmp_filter_ctx	ctx;
	size_t		i;
	int		rc = -1;

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		return (-1);
	if (sandbox_add_arches(ctx) == -1 ||
	    sandbox_deny_modes(ctx, S_ISUID) == -1 ||
	    sandbox_deny_modes(ctx, S_ISGID) == -1)
		goto out;
	for (i = 0; i < NELEM(sandbox_xattr_calls); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOTSUP),
		    sandbox_xattr_calls[i], 0) != 0)
			goto out;
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) != 0 ||
	    seccomp_load(ctx) != 0)
		goto out;
	rc = 0;
out:
	seccomp_release(ctx);
	return (rc);
}
