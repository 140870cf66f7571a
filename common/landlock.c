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
 * Landlock scopes, through raw system calls: glibc has no wrappers.
 *
 * A fixed-output build shares the host's network namespace (it must
 * fetch), and with it the host's abstract Unix socket namespace: a
 * builder could connect to a process of its build user outside and
 * pass it an fd of its output or of its recursive-Nix connection
 * (CVE-2024-27297, CVE-2025-46416).  Landlock's abstract-socket scope
 * closes exactly that channel and leaves the network alone; the signal
 * scope is a second wall next to the builder's own pid namespace.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/landlock.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "landlock.h"

/*
 * Debian 12's <linux/landlock.h> describes ABI 1 only: its ruleset
 * attribute has handled_access_fs and nothing after it, and it names
 * no scope.  The kernel takes the longer structure (ABI 4 added the
 * network field, ABI 6 the scopes) by its size, so it is spelt out
 * here in full, with the scope bits of the kernel's uapi header.
 */
struct landlock_attr_v6 {
	uint64_t	la_handled_access_fs;
	uint64_t	la_handled_access_net;
	uint64_t	la_scoped;
};

#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET	(1ULL << 0)
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL			(1ULL << 1)
#endif

/* Old libcs' headers may lack the numbers (the same on every arch). */
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset	444
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self	446
#endif

int
landlock_abi(void)
{
	long	abi;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	return (abi < 1 ? -1 : (int)abi);
}

int
landlock_scope_self(void)
{
	struct landlock_attr_v6	attr;
	int			fd, saved;

	if (landlock_abi() < LANDLOCK_SCOPE_MIN_ABI) {
		errno = ENOTSUP;
		return (-1);
	}
	memset(&attr, 0, sizeof(attr));
	attr.la_scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET |
	    LANDLOCK_SCOPE_SIGNAL;
	if ((fd = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr),
	    0)) == -1)
		return (-1);
	/* Without a capability, Landlock requires no_new_privs first. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    syscall(SYS_landlock_restrict_self, fd, 0) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return (-1);
	}
	return (close(fd));
}
