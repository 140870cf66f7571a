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
 * Privilege drop for the children.  Run as root, once, before the
 * sandbox: set the groups and ids, keep only the capabilities the
 * privilege table grants (also in the bounding set, so no exec can get
 * others back), clear the ambient set.  Every failure is fatal: a
 * process that could not drop must not serve.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include <errno.h>
#include <grp.h>
#include <stdint.h>
#include <unistd.h>

#include "log.h"
#include "priv.h"

/* Highest capability number the kernel may know; unknown ones fail EINVAL. */
#define PRIV_CAP_LAST	63

static int
priv_capset(uint64_t mask)
{
	struct __user_cap_header_struct	hdr;
	struct __user_cap_data_struct	data[2];

	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	hdr.pid = 0;
	data[0].effective = data[0].permitted = (uint32_t)mask;
	data[1].effective = data[1].permitted = (uint32_t)(mask >> 32);
	data[0].inheritable = data[1].inheritable = 0;
	return (syscall(SYS_capset, &hdr, data));
}

uint64_t
priv_effective_caps(void)
{
	struct __user_cap_header_struct	hdr;
	struct __user_cap_data_struct	data[2];

	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	hdr.pid = 0;
	if (syscall(SYS_capget, &hdr, data) == -1)
		fatal("capget");
	return ((uint64_t)data[1].effective << 32 | data[0].effective);
}

int
priv_caps_mask(const int *caps, size_t ncaps, uint64_t *mask)
{
	size_t	i;

	*mask = 0;
	for (i = 0; i < ncaps; i++) {
		if (caps[i] < 0 || caps[i] > PRIV_CAP_LAST)
			return (-1);
		*mask |= (uint64_t)1 << caps[i];
	}
	return (0);
}

static void
priv_drop_bounding(uint64_t keep)
{
	int	cap;

	for (cap = 0; cap <= PRIV_CAP_LAST; cap++) {
		if (keep & ((uint64_t)1 << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1) {
			/* Past the last capability the kernel knows. */
			if (errno == EINVAL)
				break;
			fatal("PR_CAPBSET_DROP %d", cap);
		}
	}
}

void
priv_drop(uid_t uid, gid_t gid, const int *caps, size_t ncaps)
{
	uint64_t	keep;

	if (priv_caps_mask(caps, ncaps, &keep) == -1)
		fatalx("bad capability list");
	/* Needs CAP_SETPCAP, which this drop itself removes last. */
	priv_drop_bounding(keep);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1)
		fatal("PR_CAP_AMBIENT_CLEAR_ALL");
	if (keep != 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_KEEPCAPS");
	if (setgroups(1, &gid) == -1)
		fatal("setgroups");
	if (setresgid(gid, gid, gid) == -1)
		fatal("setresgid");
	if (setresuid(uid, uid, uid) == -1)
		fatal("setresuid");
	if (priv_capset(keep) == -1)
		fatal("capset");
	if (keep != 0 && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == -1)
		fatal("PR_SET_KEEPCAPS");
	/*
	 * Paranoia: the drop must be irreversible, unless CAP_SETUID was
	 * kept on purpose (the spawner and its guard act as build users).
	 */
	if (uid != 0 && (keep & ((uint64_t)1 << CAP_SETUID)) == 0 &&
	    (setuid(0) != -1 || seteuid(0) != -1))
		fatalx("could regain root after dropping privileges");
	if (priv_effective_caps() != keep)
		fatalx("capabilities not as required after the drop");
}

/*
 * A process that needs fewer capabilities than its parent dropped to
 * (the spawner's guard) gives up the rest, for good.
 */
void
priv_reduce_caps(const int *caps, size_t ncaps)
{
	uint64_t	keep;

	if (priv_caps_mask(caps, ncaps, &keep) == -1)
		fatalx("bad capability list");
	if (priv_capset(keep & priv_effective_caps()) == -1)
		fatal("capset");
}
