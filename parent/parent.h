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
 * rnixd's parent process: the only one that stays root.  It reads the
 * configuration, creates the directories and the daemon socket, starts
 * the children and then only relays configuration, answers credential
 * questions, and reaps.
 */
#ifndef RNIXD_PARENT_H
#define RNIXD_PARENT_H

#include <sys/types.h>

#include "config.h"
#include "imsg.h"
#include "proc.h"

struct child {
	enum proc_type	 ch_proc;
	pid_t		 ch_pid;
	struct imsgbuf	 ch_ibuf;
	int		 ch_ready;	/* reported running */
};

/* Who the children run as, looked up once at start. */
struct parent_ids {
	uid_t		 pi_store_uid;
	gid_t		 pi_store_gid;
	uid_t		 pi_builder_uid;
	gid_t		 pi_builder_gid;
	uid_t		 pi_mount_uid;
	gid_t		 pi_mount_gid;
	gid_t		 pi_build_gid;	/* build-users-group */
};

/* rnixd.c */
extern struct rnixd_conf	*parent_conf;
extern struct child		 children[PROC_MAX];

/* rnixd.c */
void	parent_log_lost(enum proc_type, int);

/* parent_fs.c */
int	parent_lookup_ids(const struct rnixd_conf *, struct parent_ids *);
void	parent_make_dirs(const struct rnixd_conf *, const struct parent_ids *);
int	parent_listen(const struct rnixd_conf *);
void	parent_unlink_socket(const struct rnixd_conf *);
void	parent_user_dirs(const struct rnixd_conf *, const char *, uid_t);

/* parent_spawn.c */
void	parent_spawn_children(int debug, int verbose, int listenfd);
void	parent_send_config(struct child *, const struct rnixd_conf *);
void	parent_stop_children(void);

/* parent_cred.c */
int	parent_handle_cred_req(struct child *, struct imsg *);
void	parent_send_build_users(struct child *);
void	parent_send_build_users_all(void);
int	parent_cred_trusted(uid_t, gid_t, gid_t *, int *);

/* parent_roots.c */
int	parent_handle_readlinks(struct child *, struct imsg *);

/* parent_perm.c */
int	parent_handle_perm_root(struct child *, struct imsg *);

#endif /* RNIXD_PARENT_H */
