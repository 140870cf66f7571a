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
 * The build users: the members of build-users-group, one per running
 * build, as Nix's UserLock hands them out.  builderproc cannot read
 * /etc/group (its root is empty), so the parent resolves the group and
 * sends the list (IMSG_CTL_BUILD_USERS, msg_ctl.h: the gid and the
 * uids, never root) at start and after every configuration push.  A user
 * in use when a new list comes stays taken until its build ends.
 */
#include <stdlib.h>
#include <string.h>

#include "builderproc.h"
#include "sched.h"
#include "log.h"
#include "msg_ctl.h"

struct build_user {
	uid_t	bu_uid;
	int	bu_busy;
	int	bu_gone;	/* not in the group any more */
};


size_t
users_count(void)
{
	size_t	i, n = 0;

	for (i = 0; i < builder_env.be_nusers; i++)
		n += !builder_env.be_users[i].bu_gone;
	return (n);
}

/* Users handed out and not yet given back, gone from the group or not. */
size_t
users_busy(void)
{
	size_t	i, n = 0;

	for (i = 0; i < builder_env.be_nusers; i++)
		n += builder_env.be_users[i].bu_busy;
	return (n);
}

size_t
users_free(void)
{
	size_t	i, n = 0;

	for (i = 0; i < builder_env.be_nusers; i++)
		n += !builder_env.be_users[i].bu_busy
		    && !builder_env.be_users[i].bu_gone;
	return (n);
}

/* A free build user: its index, or -1 if all are busy. */
int
users_take(uid_t *uid, gid_t *gid)
{
	size_t	i;

	for (i = 0; i < builder_env.be_nusers; i++) {
		if (builder_env.be_users[i].bu_busy
		    || builder_env.be_users[i].bu_gone)
			continue;
		builder_env.be_users[i].bu_busy = 1;
		*uid = builder_env.be_users[i].bu_uid;
		*gid = builder_env.be_users_gid;
		return ((int)i);
	}
	return (-1);
}

void
users_get(int idx, uid_t *uid, gid_t *gid)
{
	*uid = builder_env.be_users[idx].bu_uid;
	*gid = builder_env.be_users_gid;
}

uid_t
users_uid(int idx)
{
	return (builder_env.be_users[idx].bu_uid);
}

void
users_give(int idx)
{
	if (idx >= 0 && (size_t)idx < builder_env.be_nusers)
		builder_env.be_users[idx].bu_busy = 0;
}

/* The parent's list (CTL_BUILD_USERS); -1 if malformed. */
int
users_parse(struct imsg *imsg)
{
	struct build_user	*nu;
	const char		*errstr;
	uid_t			*uids;
	gid_t			 gid;
	size_t			 i, j, n, nuids;

	if (msg_recv_build_users(imsg, &gid, &uids, &nuids, &errstr) == -1) {
		log_warnx("bad CTL_BUILD_USERS from parent: %s", errstr);
		return (-1);
	}
	for (i = 0; i < builder_env.be_nusers; i++)
		builder_env.be_users[i].bu_gone = 1;
	for (i = 0; i < nuids; i++) {
		for (j = 0; j < builder_env.be_nusers; j++)
			if (builder_env.be_users[j].bu_uid == uids[i])
				break;
		if (j < builder_env.be_nusers) {
			builder_env.be_users[j].bu_gone = 0;
			continue;
		}
		n = builder_env.be_nusers + 1;
		nu = reallocarray(builder_env.be_users, n, sizeof(*nu));
		if (nu == NULL)
			fatal("reallocarray");
		builder_env.be_users = nu;
		nu[n - 1].bu_uid = uids[i];
		nu[n - 1].bu_busy = 0;
		nu[n - 1].bu_gone = 0;
		builder_env.be_nusers = n;
	}
	free(uids);
	builder_env.be_users_gid = gid;
	log_debug("%zu build users in group %u", users_count(),
	    builder_env.be_users_gid);
	return (0);
}
