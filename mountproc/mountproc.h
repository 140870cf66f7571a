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
 * mountproc: checks builderproc's sandbox requests against its
 * permission table and hands the allowed ones to the spawner
 * (spawner/), which it starts; it parses nothing but its own imsgs.
 */
#ifndef RNIXD_MOUNTPROC_H
#define RNIXD_MOUNTPROC_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "imsg.h"
#include "msg_mount.h"
#include "proc.h"

struct mount_peer {
	enum proc_type	 mp_proc;
	const char	*mp_name;
	struct imsgbuf	*mp_ibuf;
	int		(*mp_dispatch)(struct mount_peer *, struct imsg *);
};

/* Builds between START and GO at once (mount_perm.c). */
#define PERM_DESCRIBING_MAX	4

/*
 * What mountproc knows about a build builderproc asked for: the
 * permission table's state.  A description being received, the spawner
 * starting it, running, exited (its dirfd given out), being cleaned.
 */
enum mount_req_state {
	MQ_DESCRIBING,
	MQ_SPAWNING,
	MQ_RUNNING,
	MQ_EXITED,
	MQ_CLEANING
};

struct mount_req {
	TAILQ_ENTRY(mount_req)	 mq_entry;
	uint64_t		 mq_id;
	enum mount_req_state	 mq_state;
	struct msg_mount_build	 mq_build;
	char			 mq_refused[MSG_MOUNT_ERROR_MAX];
};

/* build-users-group, as the parent last sent it (CTL_BUILD_USERS). */
struct mount_group {
	gid_t		 mg_gid;
	uid_t		*mg_uids;
	size_t		 mg_nuids;
};

/* mountproc.c */
extern struct imsgbuf		*mount_to_builder;
extern struct imsgbuf		*mount_to_spawner;

/* mount_perm.c */
void	perm_init(const struct rnixd_conf *);
void	perm_handle_build_users(struct imsg *);
void	perm_handle_start(struct imsg *);
void	perm_handle_item(struct imsg *);
void	perm_handle_go(struct imsg *);
void	perm_handle_kill(struct imsg *);
void	perm_handle_cleanup(struct imsg *);
void	perm_handle_bind(struct imsg *);
void	perm_refuse(struct imsg *, const char *);
int	perm_spawner_reply(struct imsg *);

#endif /* RNIXD_MOUNTPROC_H */
