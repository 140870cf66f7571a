/*
 * builderproc: worker-protocol sessions, build supervision and the
 * recursive-Nix proxy.  It holds no privilege: no root, no capability,
 * an empty root directory and a seccomp allow-list.
 */
#ifndef RNIXD_BUILDERPROC_H
#define RNIXD_BUILDERPROC_H

#include <sys/types.h>
#include <sys/tree.h>

#include <event.h>

#include "config.h"
#include "imsgev.h"
#include "wire.h"

/* Bytes of one request buffered before it is complete. */
#define SESSION_INBUF_MAX	(16 * 1024 * 1024)
/* Connections accepted per wakeup of the listening socket. */
#define SESSION_ACCEPT_BATCH	64
/* Bytes of replies queued to a client that does not read. */
#define SESSION_OUTBUF_MAX	(64 * 1024 * 1024)

enum session_state {
	SESSION_CRED,		/* waiting for the parent's answer */
	SESSION_HELLO,		/* protocol handshake */
	SESSION_OPS,		/* serving operations */
	SESSION_CLOSING		/* flush what is queued, then close */
};

struct session {
	RB_ENTRY(session)	 s_entry;
	uint32_t		 s_id;
	int			 s_fd;
	uid_t			 s_uid;
	gid_t			 s_gid;
	pid_t			 s_pid;
	uint32_t		 s_cred;	/* CRED_* from the parent */
	char			 s_user[64];
	enum session_state	 s_state;
	struct wire_hello	 s_hello;
	struct wire_options	 s_opts;
	struct event		 s_ev_read;
	struct event		 s_ev_write;
	unsigned char		*s_in;
	size_t			 s_inlen;
	size_t			 s_incap;
	struct wire_out		 s_out;
};

RB_HEAD(session_tree, session);
int	session_cmp(struct session *, struct session *);
RB_PROTOTYPE(session_tree, session, s_entry, session_cmp)

/* builderproc.c */
extern struct rnixd_conf	*builder_conf;
extern struct imsgev		 iev_parent;
extern struct imsgev		 iev_store;
extern struct imsgev		 iev_mount;

/* builder_session.c */
void	session_listen(int);
void	session_accept_pause(int);
void	session_handle_cred(const struct msg_cred_reply *);
unsigned int	session_count(void);

#endif /* RNIXD_BUILDERPROC_H */
