/*
 * The processes of rnixd and the messages they exchange.  Every imsg
 * type lives in one enum, in commented families; append, never
 * renumber, so logs and tests stay readable across versions.
 */
#ifndef RNIXD_PROC_H
#define RNIXD_PROC_H

#include <sys/types.h>

#include <stdint.h>

enum proc_type {
	PROC_PARENT,
	PROC_STORE,
	PROC_BUILDER,
	PROC_MOUNT,
	PROC_MAX
};

/* Each child finds its imsg channel to the parent here (STYLE.md). */
#define PROC_PARENT_FD		3

enum imsg_type {
	IMSG_NONE,

	/* Framework: peers, barrier, log level, peer credentials. */
	IMSG_CTL_PEER,		/* parent->child: fd to a sibling */
	IMSG_CTL_LISTEN,	/* parent->builder: the daemon socket */
	IMSG_CTL_READY,		/* parent->child: setup done; child->parent: running */
	IMSG_CTL_VERBOSE,	/* parent->child: new -v level */
	IMSG_CTL_CRED_REQ,	/* builder->parent: who is this uid? */
	IMSG_CTL_CRED_REPLY,	/* parent->builder: name, trust */

	/* Configuration push: START, TEXT chunks, DONE. */
	IMSG_CFG_START,
	IMSG_CFG_TEXT,
	IMSG_CFG_DONE,

	/* builderproc <-> storeproc */
	IMSG_STORE_PING,
	IMSG_STORE_PONG,

	/* builderproc <-> mountproc */
	IMSG_MOUNT_PING,
	IMSG_MOUNT_PONG,

	IMSG_TYPE_MAX
};

/* IMSG_CTL_PEER */
struct msg_peer {
	uint32_t	mp_proc;	/* enum proc_type of the other end */
};

/* IMSG_CTL_CRED_REQ */
struct msg_cred_req {
	uint32_t	mcq_id;		/* builder's connection id */
	uint32_t	mcq_uid;
	uint32_t	mcq_gid;
};

/* IMSG_CTL_CRED_REPLY */
#define CRED_ALLOWED		0x01
#define CRED_TRUSTED		0x02
#define CRED_BUILD_USER		0x04	/* member of build-users-group */
#define CRED_NAME_MAX		64
struct msg_cred_reply {
	uint32_t	mcr_id;
	uint32_t	mcr_flags;
	char		mcr_name[CRED_NAME_MAX];
};

const char	*proc_name(enum proc_type);
const char	*imsg_type_name(uint32_t);

#endif /* RNIXD_PROC_H */
