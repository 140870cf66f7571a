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
 * The framework messages (IMSG_CTL_*, IMSG_CFG_*, proc.h) and their
 * send/recv pairs (msg_ctl.c): the parent's links and barrier, the
 * credential and build-user lookups for builderproc, the configuration
 * push, and the symlink lookups for storeproc's garbage collector.
 *
 * Encoding and the receive contract are msg.h's.  Every receiver
 * checks the whole payload and returns 0, or -1 with *errstr (static)
 * set, nothing allocated and a received fd closed.  Where the sender
 * is the parent (setup, configuration, credentials), the child treats
 * -1 as fatal; the parent treats a bad message from a child as a
 * broken child and stops.
 */
#ifndef RNIXD_MSG_CTL_H
#define RNIXD_MSG_CTL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "imsg.h"
#include "proc.h"
#include "wirebuf.h"

/* IMSG_CTL_PEER: the fd of a sibling of type proc (STORE..MOUNT). */
void	msg_send_peer(struct imsgbuf *, enum proc_type, int fd);
int	msg_recv_peer(struct imsg *, enum proc_type *, int *fd,
	    const char **errstr);

/* IMSG_CTL_LISTEN: no payload, the daemon socket's fd. */
void	msg_send_listen(struct imsgbuf *, int fd);
int	msg_recv_listen(struct imsg *, int *fd, const char **errstr);

/*
 * IMSG_CTL_READY, both ways: the sender's IMSG_VERSION.  The receiver
 * refuses any other version ("imsg version N, expected M").
 */
void	msg_send_ready(struct imsgbuf *);
int	msg_recv_ready(struct imsg *, const char **errstr);

/* IMSG_CTL_CRED_REQ: builderproc's connection id, the peer's ids. */
void	msg_send_cred_req(struct imsgbuf *, uint32_t id, uid_t, gid_t);
int	msg_recv_cred_req(struct imsg *, uint32_t *id, uid_t *, gid_t *,
	    const char **errstr);

/* IMSG_CTL_CRED_REPLY: flags and the user's name (may be ""). */
#define CRED_ALLOWED		0x01
#define CRED_TRUSTED		0x02
#define CRED_BUILD_USER		0x04	/* member of build-users-group */
#define CRED_ALL		0x07
#define CRED_NAME_MAX		64	/* NUL included */
struct msg_cred_reply {
	uint32_t	mcr_id;
	uint32_t	mcr_flags;
	char		mcr_name[CRED_NAME_MAX];
};
void	msg_send_cred_reply(struct imsgbuf *, const struct msg_cred_reply *);
int	msg_recv_cred_reply(struct imsg *, struct msg_cred_reply *,
	    const char **errstr);

/*
 * IMSG_CTL_BUILD_USERS: build-users-group's gid and its members' uids,
 * in group order: none is 0 (root never builds), none twice, at most
 * MSG_BUILD_USERS_MAX.  *uids is allocated (free it; NULL when none).
 */
#define MSG_BUILD_USERS_MAX	2048
void	msg_send_build_users(struct imsgbuf *, gid_t, const uid_t *,
	    size_t);
int	msg_recv_build_users(struct imsg *, gid_t *, uid_t **, size_t *,
	    const char **errstr);

/*
 * IMSG_CFG_START, IMSG_CFG_TEXT..., IMSG_CFG_DONE: the configuration
 * as text (config_print()), in chunks of at most MSG_CFG_CHUNK bytes.
 * START and DONE carry nothing; a TEXT chunk is its bytes as they are
 * (the receiver bounds the whole).
 */
#define MSG_CFG_CHUNK		(16 * 1024)
void	msg_send_config(struct imsgbuf *, const char *, size_t);
int	msg_recv_cfg_mark(struct imsg *, const char **errstr);
int	msg_recv_cfg_text(struct imsg *, const char **text, size_t *len,
	    const char **errstr);

/*
 * IMSG_CTL_READLINKS: absolute link paths; the reply pairs each with
 * its symlink target (NULL when it is not a symlink any more; at most
 * MSG_LINKPATH_MAX bytes).  A reply too large for the channel is sent
 * as STORE_ERROR (peerid 0) instead, which storeproc must take as the
 * answer (msg_recv_readlinks_error); 1000 links per request always
 * fit.  The request sender returns -1 if it does not fit.
 */
#define MSG_LINKPATH_MAX	4096		/* link path */
/* Both ends of the parent <-> storeproc channel: MSG_STORE_MAXSIZE. */
#define MSG_READLINKS_MAXSIZE	IMSG_MAXSIZE_LIMIT
#define MSG_LINKS_MAX		(1 << 16)	/* links in one message */
struct msg_readlink {
	char	*mrl_link;
	char	*mrl_target;
};
int	msg_send_readlinks(struct imsgbuf *, char *const *links, size_t);
int	msg_recv_readlinks(struct imsg *, char ***links, size_t *,
	    const char **errstr);
void	msg_send_readlinks_reply(struct imsgbuf *,
	    const struct msg_readlink *, size_t);
int	msg_recv_readlinks_reply(struct imsg *, struct msg_readlink **,
	    size_t *, const char **errstr);
/* The STORE_ERROR a too-large reply became: its text. */
int	msg_recv_readlinks_error(struct imsg *, char **text,
	    const char **errstr);
void	msg_readlinks_free(struct msg_readlink *, size_t);

#endif /* RNIXD_MSG_CTL_H */
