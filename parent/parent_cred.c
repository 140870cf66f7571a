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
 * Credential questions from builderproc.  builderproc sees no
 * /etc/passwd or /etc/group (it is chrooted into an empty directory),
 * so for each new client it asks here: given the peer's uid, what is
 * the user called, is it allowed, is it trusted, is it a build user?
 * The answer follows nix-daemon's rules: trusted-users are always
 * allowed, members of build-users-group never are.
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "msg_ctl.h"
#include "parent.h"

#define CRED_NGROUPS_MAX	256

struct cred_user {
	char	 cu_name[CRED_NAME_MAX];
	gid_t	 cu_groups[CRED_NGROUPS_MAX];
	int	 cu_ngroups;
};

/* "*", a user name, or "@group" (the user is a member of group). */
static int
parent_cred_match(const struct cred_user *cu, const struct config_list *list)
{
	struct group	*gr;
	size_t		 i;
	int		 j;

	for (i = 0; i < list->cl_nwords; i++) {
		const char	*word = list->cl_words[i];

		if (strcmp(word, "*") == 0 || strcmp(word, cu->cu_name) == 0)
			return (1);
		if (word[0] != '@' || (gr = getgrnam(word + 1)) == NULL)
			continue;
		for (j = 0; j < cu->cu_ngroups; j++)
			if (cu->cu_groups[j] == gr->gr_gid)
				return (1);
	}
	return (0);
}

static int
parent_cred_lookup(uid_t uid, gid_t gid, struct cred_user *cu)
{
	struct passwd	*pw;

	if ((pw = getpwuid(uid)) == NULL) {
		/* A uid without a name can still be allowed by "*". */
		snprintf(cu->cu_name, sizeof(cu->cu_name), "%u", uid);
		cu->cu_groups[0] = gid;
		cu->cu_ngroups = 1;
		return (0);
	}
	if (strlcpy(cu->cu_name, pw->pw_name, sizeof(cu->cu_name)) >=
	    sizeof(cu->cu_name))
		return (-1);
	cu->cu_ngroups = CRED_NGROUPS_MAX;
	if (getgrouplist(pw->pw_name, pw->pw_gid, cu->cu_groups,
	    &cu->cu_ngroups) == -1)
		cu->cu_ngroups = CRED_NGROUPS_MAX;	/* truncated list */
	return (0);
}

static int
parent_cred_is_build_user(const struct cred_user *cu)
{
	struct group	*gr;
	int		 i;

	if ((gr = getgrnam(parent_conf->conf_build_users_group)) == NULL)
		return (0);
	for (i = 0; i < cu->cu_ngroups; i++)
		if (cu->cu_groups[i] == gr->gr_gid)
			return (1);
	return (0);
}

int
parent_handle_cred_req(struct child *ch, struct imsg *imsg)
{
	struct msg_cred_reply	 reply;
	struct cred_user	 cu;
	const char		*errstr;
	uint32_t		 id;
	uid_t			 uid;
	gid_t			 gid;

	if (msg_recv_cred_req(imsg, &id, &uid, &gid, &errstr) == -1) {
		log_warnx("bad CTL_CRED_REQ from %s: %s",
		    proc_name(ch->ch_proc), errstr);
		return (-1);
	}
	memset(&reply, 0, sizeof(reply));
	reply.mcr_id = id;
	if (parent_cred_lookup(uid, gid, &cu) == 0) {
		strlcpy(reply.mcr_name, cu.cu_name, sizeof(reply.mcr_name));
		if (parent_cred_is_build_user(&cu))
			reply.mcr_flags |= CRED_BUILD_USER;
		else if (parent_cred_match(&cu,
		    &parent_conf->conf_trusted_users))
			reply.mcr_flags |= CRED_TRUSTED | CRED_ALLOWED;
		else if (parent_cred_match(&cu,
		    &parent_conf->conf_allowed_users))
			reply.mcr_flags |= CRED_ALLOWED;
	}
	log_debug("client uid %u (%s): flags %#x", uid, reply.mcr_name,
	    reply.mcr_flags);
	if (reply.mcr_flags & CRED_ALLOWED)
		parent_user_dirs(parent_conf, reply.mcr_name, uid);
	msg_send_cred_reply(&ch->ch_ibuf, &reply);
	return (0);
}

/*
 * Is uid a trusted user (and no build user), by the parent's own
 * reckoning?  Its groups go to groups (*ngroups in: room, out: count),
 * for acting as that user.
 */
int
parent_cred_trusted(uid_t uid, gid_t gid, gid_t *groups, int *ngroups)
{
	struct cred_user	cu;

	if (parent_cred_lookup(uid, gid, &cu) == -1 ||
	    parent_cred_is_build_user(&cu) ||
	    !parent_cred_match(&cu, &parent_conf->conf_trusted_users))
		return (0);
	if (cu.cu_ngroups > *ngroups)
		cu.cu_ngroups = *ngroups;
	memcpy(groups, cu.cu_groups, cu.cu_ngroups * sizeof(*groups));
	*ngroups = cu.cu_ngroups;
	return (1);
}

/*
 * builderproc hands one build user to each running build; it cannot
 * read /etc/group, so it gets the members of build-users-group from
 * here (as Nix takes them: the group's member list, each a user that
 * exists), when it is ready and after each reload.  root never builds
 * and a member listed twice is one user: both are left out here, and
 * the receiver refuses a list that has them.
 */
void
parent_send_build_users(struct child *ch)
{
	struct group	*gr;
	struct passwd	*pw;
	uid_t		*uids;
	gid_t		 gid = 0;
	size_t		 n = 0, i, j;

	if ((uids = calloc(MSG_BUILD_USERS_MAX, sizeof(*uids))) == NULL)
		fatal("calloc");
	if ((gr = getgrnam(parent_conf->conf_build_users_group)) != NULL) {
		gid = gr->gr_gid;
		/* glibc keeps getpwnam's answer apart from getgrnam's. */
		for (i = 0; gr->gr_mem[i] != NULL && n < MSG_BUILD_USERS_MAX;
		    i++) {
			if ((pw = getpwnam(gr->gr_mem[i])) == NULL)
				continue;
			if (pw->pw_uid == 0) {
				log_warnx("build-users-group member %s is "
				    "root: not a build user", gr->gr_mem[i]);
				continue;
			}
			for (j = 0; j < n && uids[j] != pw->pw_uid; j++)
				;
			if (j == n)
				uids[n++] = pw->pw_uid;
		}
	}
	msg_send_build_users(&ch->ch_ibuf, gid, uids, n);
	free(uids);
}

/*
 * builderproc hands out build users and mountproc checks them: both
 * get the one list read here, at start and after each reload.
 * mountproc first: it serves the parent's link before builderproc's
 * in each round of its loop, so it knows the users before any START
 * that names one can reach it.
 */
void
parent_send_build_users_all(void)
{
	if (!children[PROC_MOUNT].ch_ready || !children[PROC_BUILDER].ch_ready)
		return;
	parent_send_build_users(&children[PROC_MOUNT]);
	parent_send_build_users(&children[PROC_BUILDER]);
}
