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
 * The filters of the spawner and of the builders it execs, built with
 * libseccomp.  The builder's own filter goes on top of the spawner's,
 * which it inherits, just before the exec (spawner_sandbox.c).
 */
#include <sys/prctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "spawner.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Builders run 32-bit code too (i686 derivations on x86_64): the
 * filters must see those calls, or a 32-bit chmod would pass.
 */
static int
sf_add_arches(scmp_filter_ctx ctx)
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
 * The spawner's filter, which is not an allow-list as every other
 * process's is, because builders inherit it: seccomp filters survive
 * fork and exec and cannot be removed, so whatever the spawner may not
 * call, no builder may call either, and a builder runs compilers, test
 * suites and nested user namespaces, any call of which an allow-list
 * would have to foresee.  So the list is every call this libseccomp
 * knows, less the calls below, which act on the whole host and which
 * neither a spawner, its guard nor a builder needs.  A listed call
 * kills the process; a call newer than this build of rnixd fails with
 * ENOSYS, which libcs fall back from.  What keeps the spawner itself
 * small is elsewhere: it is exec'd fresh, links no parser, and reads
 * only mountproc's checked messages.
 */
static const char *const sf_spawner_deny[] = {
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
sf_spawner_denied(const char *name)
{
	size_t	i;

	for (i = 0; i < NELEM(sf_spawner_deny); i++)
		if (strcmp(name, sf_spawner_deny[i]) == 0)
			return (1);
	return (0);
}

static void
sf_spawner_allow(scmp_filter_ctx ctx, uint32_t arch)
{
	const char	*name;
	int		 nr, num;

	for (num = 0; num < SANDBOX_SYSCALL_SCAN; num++) {
		if ((name = seccomp_syscall_resolve_num_arch(arch, num)) ==
		    NULL)
			continue;
		nr = seccomp_syscall_resolve_name(name);
		if (!sf_spawner_denied(name) && nr != __NR_SCMP_ERROR)
			/* A name some added arch lacks is not an error. */
			(void)seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		free((void *)name);
	}
}

void
spawner_filter_enter(void)
{
	scmp_filter_ctx	ctx;
	size_t		i;
	int		rc, nr;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_NO_NEW_PRIVS");
	if ((ctx = seccomp_init(SCMP_ACT_ERRNO(ENOSYS))) == NULL)
		fatalx("seccomp_init failed");
	if (sf_add_arches(ctx) == -1)
		fatalx("seccomp_arch_add failed");
	sf_spawner_allow(ctx, SCMP_ARCH_NATIVE);
#if defined(__x86_64__)
	sf_spawner_allow(ctx, SCMP_ARCH_X86);
#endif
	for (i = 0; i < NELEM(sf_spawner_deny); i++) {
		nr = seccomp_syscall_resolve_name(sf_spawner_deny[i]);
		if (nr != __NR_SCMP_ERROR)
			(void)seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, nr,
			    0);
	}
	if ((rc = seccomp_load(ctx)) < 0)
		fatalx("seccomp_load: %s", strerror(-rc));
	seccomp_release(ctx);
}

/* Every extended attribute call: a NAR cannot hold xattrs. */
static const int sf_xattr_calls[] = {
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
struct sf_mode_call {
	const char	*smc_name;
	unsigned int	 smc_mode_arg;
	int		 smc_flags_arg;	/* -1: always sets the mode */
};

static const struct sf_mode_call sf_mode_calls[] = {
	{ "chmod", 1, -1 }, { "fchmod", 1, -1 }, { "fchmodat", 2, -1 },
	{ "fchmodat2", 2, -1 }, { "creat", 1, -1 }, { "mknod", 1, -1 },
	{ "mknodat", 2, -1 }, { "open", 2, 1 }, { "openat", 3, 2 },
};

static const scmp_datum_t sf_create_flags[] = { O_CREAT, __O_TMPFILE };

static int
sf_deny_mode(scmp_filter_ctx ctx, const struct sf_mode_call *smc,
    int nr, scmp_datum_t bit)
{
	struct scmp_arg_cmp	cmp[2];
	size_t			i;

	cmp[0] = (struct scmp_arg_cmp){ smc->smc_mode_arg,
	    SCMP_CMP_MASKED_EQ, bit, bit };
	if (smc->smc_flags_arg == -1)
		return (seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), nr,
		    1, cmp) == 0 ? 0 : -1);
	for (i = 0; i < NELEM(sf_create_flags); i++) {
		cmp[1] = (struct scmp_arg_cmp){ smc->smc_flags_arg,
		    SCMP_CMP_MASKED_EQ, sf_create_flags[i],
		    sf_create_flags[i] };
		if (seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), nr, 2,
		    cmp) != 0)
			return (-1);
	}
	return (0);
}

static int
sf_deny_modes(scmp_filter_ctx ctx)
{
	const struct sf_mode_call	*smc;
	size_t				 i;
	int				 nr;

	for (i = 0; i < NELEM(sf_mode_calls); i++) {
		smc = &sf_mode_calls[i];
		if ((nr = seccomp_syscall_resolve_name(smc->smc_name)) ==
		    __NR_SCMP_ERROR)
			continue;
		if (sf_deny_mode(ctx, smc, nr, S_ISUID) == -1 ||
		    sf_deny_mode(ctx, smc, nr, S_ISGID) == -1)
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
static const char *const sf_builder_nosys[] = {
	"io_uring_setup", "io_uring_enter", "io_uring_register", "openat2",
};

static int
sf_builder_deny(scmp_filter_ctx ctx)
{
	size_t	i;
	int	nr;

	for (i = 0; i < NELEM(sf_builder_nosys); i++) {
		nr = seccomp_syscall_resolve_name(sf_builder_nosys[i]);
		if (nr != __NR_SCMP_ERROR && seccomp_rule_add(ctx,
		    SCMP_ACT_ERRNO(ENOSYS), nr, 0) != 0)
			return (-1);
	}
	for (i = 0; i < NELEM(sf_xattr_calls); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOTSUP),
		    sf_xattr_calls[i], 0) != 0)
			return (-1);
	return (0);
}

int
spawn_builder_filter(void)
{
	scmp_filter_ctx	ctx;
	int		rc = -1;

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		return (-1);
	if (sf_add_arches(ctx) == -1 || sf_deny_modes(ctx) == -1 ||
	    sf_builder_deny(ctx) == -1)
		goto out;
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) != 0 ||
	    seccomp_load(ctx) != 0)
		goto out;
	rc = 0;
out:
	seccomp_release(ctx);
	return (rc);
}
