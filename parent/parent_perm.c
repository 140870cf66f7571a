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
 * A trusted client's AddPermRoot (protocol 1.36), for builderproc: a
 * symlink to a store path, anywhere on the host.  nix-daemon makes it
 * as root; here a child that has become the client's own user makes
 * it, so it goes only where that user could have made it himself, and
 * only if the parent itself finds the user trusted: builderproc's word
 * is not enough.  storeproc registers the link as an indirect root
 * afterwards, as for AddIndirectRoot.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msg_ctl.h"
#include "parent.h"

#define PERM_NGROUPS_MAX	256
#define PERM_EXISTS		3	/* exit status: a file is in the way */
#define PERM_ERRNO		64	/* exit status: 64 + errno */

/* path, an absolute path with no empty, "." or ".." component. */
static int
perm_canonical(const char *path)
{
	const char	*p;

	if (path[0] != '/' || path[1] == '\0')
		return (0);
	for (p = path; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		if (p[1] == '/' || p[1] == '\0')
			return (0);
		if (p[1] == '.' && (p[2] == '/' || p[2] == '\0'))
			return (0);
		if (p[1] == '.' && p[2] == '.' &&
		    (p[3] == '/' || p[3] == '\0'))
			return (0);
	}
	return (1);
}

/* Is path below the store dir? */
static int
perm_in_store(const char *path)
{
	const char	*sd = parent_conf->conf_store_dir;
	size_t		 n = strlen(sd);

	return (strncmp(path, sd, n) == 0 && path[n] == '/');
}

/* A link outside the store to a top-level store path. */
static int
perm_valid(const struct msg_perm_root *mpr)
{
	const char	*name;

	if (!perm_canonical(mpr->mpr_link) || perm_in_store(mpr->mpr_link) ||
	    !perm_in_store(mpr->mpr_target))
		return (0);
	name = mpr->mpr_target + strlen(parent_conf->conf_store_dir) + 1;
	return (strchr(name, '/') == NULL);
}

/*
 * In the child, as the user: leave a file that is not a symlink into
 * the store alone (as Nix does), else replace it atomically.
 */
static void __attribute__((__noreturn__))
perm_make_link(const struct msg_perm_root *mpr)
{
	struct stat	 st;
	char		 buf[PATH_MAX], tmp[MSG_PERM_LINK_MAX + 32];
	ssize_t		 n;
	int		 saved;

	if (lstat(mpr->mpr_link, &st) == 0) {
		if (!S_ISLNK(st.st_mode) || (n = readlink(mpr->mpr_link, buf,
		    sizeof(buf) - 1)) <= 0)
			_exit(PERM_EXISTS);
		buf[n] = '\0';
		if (!perm_in_store(buf))
			_exit(PERM_EXISTS);
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp-rnixd-%ld", mpr->mpr_link,
	    (long)getpid());
	(void)unlink(tmp);
	if (symlink(mpr->mpr_target, tmp) == -1)
		_exit(PERM_ERRNO + errno);
	if (rename(tmp, mpr->mpr_link) == -1) {
		saved = errno;
		(void)unlink(tmp);
		_exit(PERM_ERRNO + saved);
	}
	_exit(0);
}

/* Make the link as the user; error stays "" on success, else says why. */
static void
perm_run(const struct msg_perm_root *mpr, gid_t *groups, int ngroups,
    char *error, size_t errsz)
{
	pid_t	pid;
	int	status, code;

	if ((pid = fork()) == -1) {
		snprintf(error, errsz, "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		if (setgroups(ngroups, groups) == -1 ||
		    setresgid(mpr->mpr_gid, mpr->mpr_gid, mpr->mpr_gid) == -1 ||
		    setresuid(mpr->mpr_uid, mpr->mpr_uid, mpr->mpr_uid) == -1)
			_exit(PERM_ERRNO + errno);
		perm_make_link(mpr);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			fatal("waitpid");
	code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (code == 0)
		return;
	if (code == PERM_EXISTS)
		snprintf(error, errsz, "cannot create symlink '%s'; already "
		    "exists", mpr->mpr_link);
	else if (code >= PERM_ERRNO)
		snprintf(error, errsz, "cannot create symlink '%s': %s",
		    mpr->mpr_link, strerror(code - PERM_ERRNO));
	else
		snprintf(error, errsz, "cannot create symlink '%s'",
		    mpr->mpr_link);
}

int
parent_handle_perm_root(struct child *ch, struct imsg *imsg)
{
	struct msg_perm_root		mpr;
	struct msg_perm_root_reply	reply;
	gid_t				groups[PERM_NGROUPS_MAX];
	int				ngroups = PERM_NGROUPS_MAX;
	const char			*errstr;

	if (msg_recv_perm_root(imsg, &mpr, &errstr) == -1) {
		log_warnx("bad CTL_PERM_ROOT from %s: %s",
		    proc_name(ch->ch_proc), errstr);
		return (-1);
	}
	memset(&reply, 0, sizeof(reply));
	reply.mprr_id = mpr.mpr_id;
	if (!perm_valid(&mpr))
		snprintf(reply.mprr_error, sizeof(reply.mprr_error),
		    "invalid permanent root '%s'", mpr.mpr_link);
	else if (!parent_cred_trusted(mpr.mpr_uid, mpr.mpr_gid, groups,
	    &ngroups))
		snprintf(reply.mprr_error, sizeof(reply.mprr_error),
		    "you are not privileged to create perm roots");
	else
		perm_run(&mpr, groups, ngroups, reply.mprr_error,
		    sizeof(reply.mprr_error));
	log_debug("perm root %s -> %s for uid %u: %s", mpr.mpr_link,
	    mpr.mpr_target, mpr.mpr_uid, reply.mprr_error[0] != '\0' ?
	    reply.mprr_error : "made");
	msg_send_perm_root_reply(&ch->ch_ibuf, &reply);
	return (0);
}
