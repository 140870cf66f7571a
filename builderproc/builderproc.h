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
 * builderproc: worker-protocol sessions, build supervision and the
 * recursive-Nix proxy.  It holds no privilege: no root, no capability,
 * an empty root directory and a seccomp allow-list.
 *
 * Three rooms, each with its own header: the protocol server
 * (session*.c, session.h), the scheduler (sched*.c, sched.h, with the
 * peer adapters builder_to_store.c and builder_to_mount.c) and the
 * recursive proxy (recursive.c, recursive.h).  This header holds what
 * every room needs.
 */
#ifndef RNIXD_BUILDERPROC_H
#define RNIXD_BUILDERPROC_H

#include <sys/types.h>

#include <time.h>

#include "config.h"
#include "imsgev.h"

struct build_user;
struct imsg;
struct msg_cred_reply;
struct rec_build;
struct wire_path_info;

/* Seconds between two lines of one rate-limited warning. */
#define LOG_LIMIT_INTERVAL	10

/* A warning logged at most once per LOG_LIMIT_INTERVAL, with a count. */
struct log_limit {
	time_t		ll_next;	/* monotonic seconds */
	unsigned long	ll_dropped;	/* lines not logged since */
};

/* Nix shows the arguments of its messages in bold magenta. */
#define OPS_HL(fmt)	"\x1b[35;1m" fmt "\x1b[0m"

/*
 * What every room of builderproc shares: main() fills it before the
 * main loop; a unit test or fuzzer fills what it links.  State that
 * only one file needs stays static in that file.
 */
struct builder_env {
	struct rnixd_conf	*be_conf;
	int			 be_fd_limit;	/* RLIMIT_NOFILE */
	struct imsgev		 be_parent;
	struct imsgev		 be_store;
	struct imsgev		 be_mount;
	struct build_user	*be_users;	/* the build-users group */
	size_t			 be_nusers;
	gid_t			 be_users_gid;
};

/* builderproc.c */
extern struct builder_env	builder_env;


/* The store directory as clients name it: /nix/store. */
static inline const char *
builder_storedir(void)
{
	return (builder_env.be_conf->conf_store_dir);
}

/* The channels under be_store and be_mount, which msg.h's senders take. */
static inline struct imsgbuf *
builder_store(void)
{
	return (builder_env.be_store.iev_ibuf);
}

static inline struct imsgbuf *
builder_mount(void)
{
	return (builder_env.be_mount.iev_ibuf);
}

/* session.c */
void	log_limit_warnx(struct log_limit *, const char *, ...)
	    __attribute__((__format__ (printf, 2, 3)));
int	session_fd_room(int);
void	session_new_recursive(int, struct rec_build *);
void	session_listen(int);
void	session_handle_cred(const struct msg_cred_reply *);

/* session_cache.c */
void	cache_info_put(const struct wire_path_info *);
void	cache_info_flush(void);

/* The peer adapters and sched_users.c, for builderproc.c's dispatchers. */
void	bstore_route_reply(struct imsg *);
int	bmount_route_reply(struct imsg *);
int	users_parse(struct imsg *);

#endif /* RNIXD_BUILDERPROC_H */
