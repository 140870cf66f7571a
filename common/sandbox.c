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
	SCMP_SYS(faccessat2), SCMP_SYS(fchmod), SCMP_SYS(fchmodat),
	SCMP_SYS(fchown), SCMP_SYS(fchownat), SCMP_SYS(utimensat),
	SCMP_SYS(fgetxattr), SCMP_SYS(flistxattr), SCMP_SYS(fremovexattr),
	SCMP_SYS(llistxattr), SCMP_SYS(lremovexattr),
	SCMP_SYS(getcwd), SCMP_SYS(umask),
	SCMP_SYS(pipe2), SCMP_SYS(sched_yield),
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

/*
 * Calls that set a file mode, and where the mode is: no set-user-ID or
 * set-group-ID file may come out of a build.  Creating calls are on
 * the list too, as their mode is applied as given (less the umask);
 * open and openat only when they create (O_CREAT, or O_TMPFILE, which
 * __O_TMPFILE marks).  mkdir is not: the kernel drops both bits of its
 * mode.  Names, not SCMP_SYS(): fchmodat2 (Linux 6.6) is newer than
 * the kernel headers; a name this libseccomp does not know is skipped,
 * and the spawner's filter, which builders inherit, already refuses it
 * with ENOSYS.
 */
struct sandbox_mode_call {
	const char	*smc_name;
	unsigned int	 smc_mode_arg;
	int		 smc_flags_arg;	/* -1: always sets the mode */
};

static const struct sandbox_mode_call sandbox_mode_calls[] = {
	{ "chmod", 1, -1 }, { "fchmod", 1, -1 }, { "fchmodat", 2, -1 },
	{ "fchmodat2", 2, -1 }, { "creat", 1, -1 }, { "mknod", 1, -1 },
	{ "mknodat", 2, -1 }, { "open", 2, 1 }, { "openat", 3, 2 },
};

static const scmp_datum_t sandbox_create_flags[] = { O_CREAT, __O_TMPFILE };

static int
sandbox_deny_mode(scmp_filter_ctx ctx, const struct sandbox_mode_call *smc,
    int nr, scmp_datum_t bit)
{
	struct scmp_arg_cmp	cmp[2];
	size_t			i;

	cmp[0] = (struct scmp_arg_cmp){ smc->smc_mode_arg,
	    SCMP_CMP_MASKED_EQ, bit, bit };
	if (smc->smc_flags_arg == -1)
		return (seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), nr,
		    1, cmp) == 0 ? 0 : -1);
	for (i = 0; i < NELEM(sandbox_create_flags); i++) {
		cmp[1] = (struct scmp_arg_cmp){ smc->smc_flags_arg,
		    SCMP_CMP_MASKED_EQ, sandbox_create_flags[i],
		    sandbox_create_flags[i] };
		if (seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), nr, 2,
		    cmp) != 0)
			return (-1);
	}
	return (0);
}

static int
sandbox_deny_modes(scmp_filter_ctx ctx)
{
	const struct sandbox_mode_call	*smc;
	size_t				 i;
	int				 nr;

	for (i = 0; i < NELEM(sandbox_mode_calls); i++) {
		smc = &sandbox_mode_calls[i];
		if ((nr = seccomp_syscall_resolve_name(smc->smc_name)) ==
		    __NR_SCMP_ERROR)
			continue;
		if (sandbox_deny_mode(ctx, smc, nr, S_ISUID) == -1 ||
		    sandbox_deny_mode(ctx, smc, nr, S_ISGID) == -1)
			return (-1);
	}
	return (0);
}

/*
 * Calls a builder gets ENOSYS for, as from an older kernel; libcs and
 * programs fall back.  io_uring: its requests (IORING_OP_SETXATTR,
 * opens with any mode) run in the kernel where no seccomp rule sees
 * their arguments.  openat2: its mode and flags are in a struct, which
 * seccomp cannot read; libcs fall back to openat, which is checked.
 */
static const char *const sandbox_builder_nosys[] = {
	"io_uring_setup", "io_uring_enter", "io_uring_register", "openat2",
};

static int
sandbox_builder_deny(scmp_filter_ctx ctx)
{
	size_t	i;
	int	nr;

	for (i = 0; i < NELEM(sandbox_builder_nosys); i++) {
		nr = seccomp_syscall_resolve_name(sandbox_builder_nosys[i]);
		if (nr != __NR_SCMP_ERROR && seccomp_rule_add(ctx,
		    SCMP_ACT_ERRNO(ENOSYS), nr, 0) != 0)
			return (-1);
	}
	for (i = 0; i < NELEM(sandbox_xattr_calls); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOTSUP),
		    sandbox_xattr_calls[i], 0) != 0)
			return (-1);
	return (0);
}

int
sandbox_builder_filter(void)
{
	scmp_filter_ctx	ctx;
	int		rc = -1;

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		return (-1);
	if (sandbox_add_arches(ctx) == -1 || sandbox_deny_modes(ctx) == -1 ||
	    sandbox_builder_deny(ctx) == -1)
		goto out;
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) != 0 ||
	    seccomp_load(ctx) != 0)
		goto out;
	rc = 0;
out:
	seccomp_release(ctx);
	return (rc);
}
