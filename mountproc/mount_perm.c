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
 * mountproc's permission table (in the manner of OpenSSH's monitor):
 * the only requests builderproc may make, and the state each needs.
 * builderproc parses hostile bytes, so nothing it sends is trusted: a
 * build id must be new to start and live to be used, the build user
 * a member of build-users-group (as read before the privilege drop)
 * not busy with another build, the group that group, store paths
 * valid in our store dir, sandbox paths among the configured ones.
 * A refused request is answered with MOUNT_ERROR and forgotten; the
 * process keeps serving.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mountproc.h"
#include "msg_ctl.h"

static TAILQ_HEAD(, mount_req)	 reqs = TAILQ_HEAD_INITIALIZER(reqs);
static struct mount_group	 group;
static const struct rnixd_conf	*perm_conf;

static struct mount_req	*perm_find(uint64_t);
static size_t	perm_describing(void);
static void	perm_forget(struct mount_req *);
static void	perm_error(struct imsg *, uint64_t, const char *);
static const char *perm_check_start(const struct msg_mount_build *);
static const char *perm_check_bind(const struct msg_mount_bind *);

void
perm_init(const struct rnixd_conf *conf)
{
	perm_conf = conf;
	/* No build user until the parent's list comes: START is refused. */
	group.mg_gid = (gid_t)-1;
}

/*
 * build-users-group's members, as the parent reads them (one rule for
 * builderproc and us), at start and after each reload.  A build that
 * runs keeps its user; the new list decides only the STARTs to come.
 * The parent is trusted: a list that does not decode stops mountproc.
 */
void
perm_handle_build_users(struct imsg *imsg)
{
	const char	*errstr;
	uid_t		*uids;
	gid_t		 gid;
	size_t		 nuids;

	if (msg_recv_build_users(imsg, &gid, &uids, &nuids, &errstr) == -1)
		fatalx("bad CTL_BUILD_USERS from the parent: %s", errstr);
	free(group.mg_uids);
	group.mg_gid = gid;
	group.mg_uids = uids;
	group.mg_nuids = nuids;
	log_debug("build-users-group %s: gid %u, %zu users",
	    perm_conf->conf_build_users_group, (unsigned int)gid, nuids);
}

static struct mount_req *
perm_find(uint64_t id)
{
	struct mount_req	*mq;

	TAILQ_FOREACH(mq, &reqs, mq_entry)
		if (mq->mq_id == id)
			return (mq);
	return (NULL);
}

static void
perm_forget(struct mount_req *mq)
{
	TAILQ_REMOVE(&reqs, mq, mq_entry);
	msg_mount_build_free(&mq->mq_build);
	free(mq);
}

static void
perm_error(struct imsg *imsg, uint64_t id, const char *why)
{
	log_warnx("refused %s of build %llu from builderproc: %s",
	    imsg_type_name(imsg_get_type(imsg)), (unsigned long long)id, why);
	msg_send_mount_error(mount_to_builder, imsg_get_peerid(imsg), id,
	    imsg_get_type(imsg), why);
}

/* A request that could not even be parsed. */
void
perm_refuse(struct imsg *imsg, const char *why)
{
	uint64_t	id;

	if (msg_mount_peek_id(imsg, &id) == -1)
		id = 0;
	perm_error(imsg, id, why);
}

static const char *
perm_check_start(const struct msg_mount_build *mb)
{
	struct mount_req	*mq;
	size_t			 i;

	if (mb->mmb_uid == 0)
		return ("build user may not be root");
	if (mb->mmb_gid != group.mg_gid)
		return ("gid is not build-users-group");
	for (i = 0; i < group.mg_nuids; i++)
		if (group.mg_uids[i] == mb->mmb_uid)
			break;
	if (i == group.mg_nuids)
		return ("uid is not a member of build-users-group");
	TAILQ_FOREACH(mq, &reqs, mq_entry)
		if (mq->mq_refused[0] == '\0' &&
		    mq->mq_build.mmb_uid == mb->mmb_uid)
			return ("build user is busy with another build");
	return (NULL);
}

/*
 * What builderproc may make us hold.  A START allocates room for the
 * items it announces (up to ~3 MiB before any arrives), so only
 * PERM_DESCRIBING_MAX builds may be being described at once, refused
 * or not (ours sends START, items and GO together: one), and a build
 * refused at START keeps only its id until its GO.  Builds past GO
 * are one per build user.
 */
static size_t
perm_describing(void)
{
	struct mount_req	*mq;
	size_t			 n = 0;

	TAILQ_FOREACH(mq, &reqs, mq_entry)
		if (mq->mq_state == MQ_DESCRIBING)
			n++;
	return (n);
}

void
perm_handle_start(struct imsg *imsg)
{
	struct msg_mount_build	 mb;
	struct mount_req	*mq;
	const char		*errstr, *why;

	if (perm_describing() >= PERM_DESCRIBING_MAX) {
		perm_refuse(imsg, "too many builds being described");
		return;
	}
	if (msg_recv_start(imsg, &mb, &errstr) == -1) {
		perm_refuse(imsg, errstr);
		return;
	}
	if (perm_find(mb.mmb_id) != NULL) {
		perm_error(imsg, mb.mmb_id, "build id in use");
		msg_mount_build_free(&mb);
		return;
	}
	why = perm_check_start(&mb);
	if ((mq = calloc(1, sizeof(*mq))) == NULL)
		fatal("%s", __func__);
	mq->mq_id = mb.mmb_id;
	mq->mq_state = MQ_DESCRIBING;
	mq->mq_build = mb;
	/* Told once, at GO, like any refusal inside a description. */
	if (why != NULL) {
		strlcpy(mq->mq_refused, why, sizeof(mq->mq_refused));
		msg_mount_build_free(&mq->mq_build);
	}
	TAILQ_INSERT_TAIL(&reqs, mq, mq_entry);
}

/* Only what rnixd.conf's sandbox-paths names may be bound in. */
static const char *
perm_check_bind(const struct msg_mount_bind *b)
{
	const struct config_bind	*cb;
	size_t				 i;

	for (i = 0; i < perm_conf->conf_nsandbox_paths; i++) {
		cb = &perm_conf->conf_sandbox_paths[i];
		if (strcmp(cb->cb_target, b->mmbd_target) == 0 &&
		    strcmp(cb->cb_source, b->mmbd_source) == 0 &&
		    (cb->cb_optional != 0) == (b->mmbd_optional != 0))
			return (NULL);
	}
	return ("sandbox path is not in sandbox-paths");
}

void
perm_handle_item(struct imsg *imsg)
{
	struct mount_req	*mq;
	const char		*errstr, *why;
	uint64_t		 id;
	size_t			 nbinds;

	if (msg_mount_peek_id(imsg, &id) == -1 ||
	    (mq = perm_find(id)) == NULL || mq->mq_state != MQ_DESCRIBING) {
		perm_refuse(imsg, "no build being described with this id");
		return;
	}
	if (mq->mq_refused[0] != '\0')
		return;
	nbinds = mq->mq_build.mmb_nbinds;
	if (msg_recv_item(imsg, perm_conf->conf_store_dir, &mq->mq_build,
	    &errstr) == -1) {
		strlcpy(mq->mq_refused, errstr, sizeof(mq->mq_refused));
		return;
	}
	if (mq->mq_build.mmb_nbinds > nbinds && (why = perm_check_bind(
	    &mq->mq_build.mmb_binds[nbinds])) != NULL)
		strlcpy(mq->mq_refused, why, sizeof(mq->mq_refused));
}

void
perm_handle_go(struct imsg *imsg)
{
	struct mount_req	*mq;
	const char		*errstr;
	uint64_t		 id;

	if (msg_mount_peek_id(imsg, &id) == -1 ||
	    (mq = perm_find(id)) == NULL || mq->mq_state != MQ_DESCRIBING) {
		perm_refuse(imsg, "no build being described with this id");
		return;
	}
	if (mq->mq_refused[0] == '\0' &&
	    msg_recv_go(imsg, &mq->mq_build, &errstr) == -1)
		strlcpy(mq->mq_refused, errstr, sizeof(mq->mq_refused));
	if (mq->mq_refused[0] != '\0') {
		perm_error(imsg, id, mq->mq_refused);
		perm_forget(mq);
		return;
	}
	mq->mq_state = MQ_SPAWNING;
	if (msg_send_build(mount_to_spawner, &mq->mq_build) == -1)
		fatalx("%s: a checked build did not encode", __func__);
}

void
perm_handle_kill(struct imsg *imsg)
{
	struct mount_req	*mq;
	const char		*errstr;
	uint64_t		 id;

	if (msg_recv_build_id(imsg, &id, &errstr) == -1) {
		perm_refuse(imsg, errstr);
		return;
	}
	if ((mq = perm_find(id)) == NULL || mq->mq_state == MQ_DESCRIBING) {
		perm_error(imsg, id, "no such build");
		return;
	}
	/* Its EXITED is on its way, or was sent: nothing to add. */
	if (mq->mq_state != MQ_SPAWNING && mq->mq_state != MQ_RUNNING)
		return;
	msg_send_build_id(mount_to_spawner, IMSG_MOUNT_BUILD_KILL, id);
}

void
perm_handle_cleanup(struct imsg *imsg)
{
	struct mount_req	*mq;
	const char		*errstr;
	uint64_t		 id;

	if (msg_recv_build_id(imsg, &id, &errstr) == -1) {
		perm_refuse(imsg, errstr);
		return;
	}
	if ((mq = perm_find(id)) == NULL || mq->mq_state != MQ_EXITED) {
		perm_error(imsg, id, "no exited build with this id");
		return;
	}
	mq->mq_state = MQ_CLEANING;
	msg_send_build_id(mount_to_spawner, IMSG_MOUNT_BUILD_CLEANUP, id);
}

void
perm_handle_bind(struct imsg *imsg)
{
	struct mount_req	*mq;
	const char		*errstr;
	char			*path;
	uint64_t		 id;

	if (msg_recv_bind_path(imsg, perm_conf->conf_store_dir, &id, &path,
	    &errstr) == -1) {
		perm_refuse(imsg, errstr);
		return;
	}
	if ((mq = perm_find(id)) == NULL || mq->mq_state != MQ_RUNNING)
		perm_error(imsg, id, "no running build with this id");
	else if ((mq->mq_build.mmb_flags & MOUNT_F_RECURSIVE) == 0)
		perm_error(imsg, id, "build is not recursive");
	else
		msg_send_bind_path(mount_to_spawner, imsg_get_peerid(imsg),
		    id, path);
	free(path);
}

/*
 * The spawner's answers, passed on to builderproc as they came, after
 * the table learns from them.  The spawner is our own child: anything
 * malformed or out of order from it is a broken invariant (-1).
 */
int
perm_spawner_reply(struct imsg *imsg)
{
	struct mount_req	*mq;
	const char		*errstr;
	char			 msg[MSG_MOUNT_ERROR_MAX];
	uint64_t		 id;
	uint32_t		 req;
	pid_t			 pid;
	int			 fd, status;

	switch (imsg_get_type(imsg)) {
	case IMSG_MOUNT_BUILD_STARTED:
		if (msg_recv_started(imsg, &id, &pid, &fd, &errstr) == -1 ||
		    (mq = perm_find(id)) == NULL ||
		    mq->mq_state != MQ_SPAWNING)
			return (-1);
		mq->mq_state = MQ_RUNNING;
		return (msg_send_started(mount_to_builder, id, pid, fd));
	case IMSG_MOUNT_BUILD_SOCKET:
		if (msg_recv_build_socket(imsg, &id, &fd, &errstr) == -1)
			return (-1);
		if ((mq = perm_find(id)) == NULL ||
		    mq->mq_state != MQ_SPAWNING ||
		    (mq->mq_build.mmb_flags & MOUNT_F_RECURSIVE) == 0) {
			close(fd);
			return (-1);
		}
		return (msg_send_build_socket(mount_to_builder, id, fd));
	case IMSG_MOUNT_BUILD_EXITED:
		if (msg_recv_exited(imsg, &id, &status, &fd, &errstr) == -1 ||
		    (mq = perm_find(id)) == NULL ||
		    mq->mq_state != MQ_RUNNING)
			return (-1);
		mq->mq_state = MQ_EXITED;
		return (msg_send_exited(mount_to_builder, id, status, fd));
	case IMSG_MOUNT_OK:
		if (msg_recv_mount_ok(imsg, &id, &req, &errstr) == -1 ||
		    (mq = perm_find(id)) == NULL)
			return (-1);
		if (req == IMSG_MOUNT_BUILD_CLEANUP)
			perm_forget(mq);
		return (msg_send_mount_ok(mount_to_builder,
		    imsg_get_peerid(imsg), id, req));
	case IMSG_MOUNT_ERROR:
		if (msg_recv_mount_error(imsg, &id, &req, msg, sizeof(msg),
		    &errstr) == -1 || (mq = perm_find(id)) == NULL)
			return (-1);
		/* A failed start or cleanup leaves nothing to refer to. */
		if (req == IMSG_MOUNT_BUILD_GO ||
		    req == IMSG_MOUNT_BUILD_CLEANUP)
			perm_forget(mq);
		return (msg_send_mount_error(mount_to_builder,
		    imsg_get_peerid(imsg), id, req, msg));
	default:
		return (-1);
	}
}
