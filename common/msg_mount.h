/*
 * Payloads of the IMSG_MOUNT_BUILD_* messages (proc.h).  A build is
 * described by START (fixed part), one ITEM per variable-length entry
 * (builder, each argument, environment entry, input path, sandbox
 * path), and GO; the receiver checks that the items match the counts
 * in START, then the whole build (mountproc: sandbox_build_check and
 * its permission table: a live build id, a uid of build-users-group,
 * inputs valid store paths in the store dir).
 *
 * Which process computes what: builderproc reads the .drv, so it
 * computes the environment (the derivation's plus Nix's variables:
 * NIX_BUILD_TOP, TMPDIR, NIX_STORE, NIX_BUILD_CORES, ...), the input
 * closure (from storeproc), the network flag (fixed-output) and picks
 * the build user; mountproc owns everything about the sandbox itself
 * (paths, ids inside, mounts) and trusts none of the above beyond its
 * checks.  The send/recv pairs (msg_mount.c) are still to be written.
 */
#ifndef RNIXD_MSG_MOUNT_H
#define RNIXD_MSG_MOUNT_H

#include <stdint.h>

#define MSG_MOUNT_ITEMS_MAX	65536	/* per kind */
#define MSG_MOUNT_ERROR_MAX	256

/* IMSG_MOUNT_BUILD_START */
struct msg_mount_start {
	uint64_t	mms_id;
	uint32_t	mms_uid;	/* host build user */
	uint32_t	mms_gid;	/* build-users-group */
	uint32_t	mms_flags;	/* MOUNT_F_NETWORK, MOUNT_F_KVM */
	uint32_t	mms_nargs;
	uint32_t	mms_nenv;
	uint32_t	mms_ninputs;
	uint32_t	mms_nbinds;
};

/* IMSG_MOUNT_BUILD_ITEM: header, then NUL-terminated string(s). */
enum msg_mount_kind {
	MSG_MOUNT_BUILDER = 1,	/* absolute path */
	MSG_MOUNT_ARG,
	MSG_MOUNT_ENV,		/* "NAME=value" */
	MSG_MOUNT_INPUT,	/* store path */
	MSG_MOUNT_BIND		/* "target\0source\0" */
};
struct msg_mount_item {
	uint64_t	mmi_id;
	uint32_t	mmi_kind;
	uint32_t	mmi_optional;	/* MSG_MOUNT_BIND: skip if missing */
};

/* IMSG_MOUNT_BUILD_GO, _KILL, _CLEANUP, IMSG_MOUNT_OK */
struct msg_mount_id {
	uint64_t	mmd_id;
};

/* IMSG_MOUNT_BUILD_STARTED, + fd: the pty master (EIO at the end) */
struct msg_mount_started {
	uint64_t	mmt_id;
	int32_t		mmt_pid;	/* in mountproc's pid namespace */
};

/* IMSG_MOUNT_BUILD_EXITED, + fd: the store dir inside the root */
struct msg_mount_exited {
	uint64_t	mmx_id;
	int32_t		mmx_status;	/* as waitpid(2) */
};

/* IMSG_MOUNT_BIND_PATH: header, then the store path, NUL-terminated. */

/* IMSG_MOUNT_ERROR */
struct msg_mount_error {
	uint64_t	mme_id;
	char		mme_msg[MSG_MOUNT_ERROR_MAX];
};

#endif /* RNIXD_MSG_MOUNT_H */
