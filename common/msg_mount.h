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
 * Payloads of the IMSG_MOUNT_* build messages (proc.h) and their
 * send/recv pairs (msg_mount.c).  A build is described by START (fixed
 * part and the counts of each kind of item), one ITEM per
 * variable-length entry (the builder, each argument, environment
 * entry, input path, sandbox path, part of a build-dir file), and GO;
 * the receiver checks each ITEM against the counts in START and, at
 * GO, that every announced item came.  mountproc then checks the
 * whole build against its permission table (a new build id, a uid of
 * build-users-group and that group's gid, inputs valid store paths in
 * the store dir, sandbox paths among the configured sandbox-paths)
 * before its spawner sees it.
 *
 * Which process computes what: builderproc reads the .drv, so it
 * computes the environment (the derivation's plus Nix's variables:
 * NIX_BUILD_TOP, TMPDIR, NIX_STORE, NIX_BUILD_CORES, ...), the input
 * closure (from storeproc), the network flag (fixed-output), and picks
 * the build user; mountproc owns everything about the sandbox itself
 * (paths, ids inside, mounts) and trusts none of the above beyond its
 * checks.
 *
 * The conversation, builderproc <-> mountproc (and mountproc <-> its
 * spawner, the same messages after the permission check).  Build ids
 * are builderproc's, unique among live builds, never 0.
 *
 *	START, ITEM..., GO	-> STARTED (+ pty master fd) or ERROR(GO);
 *				   a MOUNT_F_RECURSIVE build's STARTED
 *				   comes after SOCKET (+ listening fd)
 *	(the builder exits)	-> EXITED (+ dirfd of the root's store dir)
 *	KILL			-> nothing of its own: EXITED follows
 *	CLEANUP (after EXITED)	-> OK(CLEANUP) or ERROR(CLEANUP); the id
 *				   and the build user are free again
 *	BIND_PATH (while running, MOUNT_F_RECURSIVE builds)
 *				-> OK(BIND_PATH) or ERROR(BIND_PATH)
 *
 * A refused or malformed request is answered with ERROR naming the
 * request type; ERROR and OK carry the request's imsg peerid back, so
 * builderproc may tag requests (say, BIND_PATHs of one recursive
 * session) with it.  Refusals inside a description (a bad ITEM, a bad
 * uid in START) are answered once, at GO; only a START whose id is 0
 * or already live is refused at once (ERROR(START)), and the ITEMs and
 * GO after it are then refused as well.
 *
 * Sending: on the caller's imsgbuf (msg.h), whoever drives it.
 * Senders return -1 (nothing queued, fd closed) only if the payload
 * breaks a limit below; queueing itself is fatal on failure, as every
 * compose is.  An fd given to a sender is
 * always consumed.  Both ends of a channel carrying these messages
 * must imsgbuf_set_maxsize(MSG_MOUNT_MAXSIZE).
 *
 * Receiving: every msg_recv_* reads its payload field by field with
 * msg.h's reader: exact length, strings without embedded NULs, counts
 * and sizes, and the fd (present exactly when the message carries
 * one); it returns 0, or -1 with *errstr (static) set, nothing
 * allocated and a received fd closed.
 */
#ifndef RNIXD_MSG_MOUNT_H
#define RNIXD_MSG_MOUNT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "imsg.h"

#define MSG_MOUNT_ITEMS_MAX	65536	/* per kind */
#define MSG_MOUNT_ERROR_MAX	256
/* One argument or environment entry, NUL included (MAX_ARG_STRLEN). */
#define MSG_MOUNT_STRING_MAX	(128 * 1024)
#define MSG_MOUNT_PATH_MAX	4096	/* builder, sandbox path, NUL incl. */
/* All strings of one build together. */
#define MSG_MOUNT_BUILD_BYTES	(64 * 1024 * 1024)
#define MSG_MOUNT_MAXSIZE	(IMSG_HEADER_SIZE + 256 * 1024)
/* A build-dir file's name, NUL included, and how many files a build has. */
#define MSG_MOUNT_FILE_NAME_MAX	256
#define MSG_MOUNT_FILES_MAX	1024

/*
 * A builder "builtin:<name>" is none of the sandbox's files: the
 * spawner runs rnixd-builtin <name> in its place.
 */
#define MOUNT_BUILTIN_PREFIX	"builtin:"

/* mms_flags */
#define MOUNT_F_NETWORK		0x01	/* fixed-output: host network */
#define MOUNT_F_KVM		0x02	/* bind /dev/kvm if it exists */
#define MOUNT_F_RECURSIVE	0x04	/* recursive-nix: BIND_PATH allowed */
#define MOUNT_F_ALL		0x07

/* IMSG_MOUNT_BUILD_START, field by field */
struct msg_mount_start {
	uint64_t	mms_id;
	uint32_t	mms_uid;	/* host build user */
	uint32_t	mms_gid;	/* build-users-group */
	uint32_t	mms_flags;	/* MOUNT_F_* */
	uint32_t	mms_nargs;
	uint32_t	mms_nenv;
	uint32_t	mms_ninputs;
	uint32_t	mms_nbinds;
	uint32_t	mms_nfileparts;	/* MSG_MOUNT_FILE items */
};

/*
 * IMSG_MOUNT_BUILD_ITEM: id, kind, optional, the string(s).  optional:
 * for MSG_MOUNT_BIND, skip the path if it is missing on the host; for
 * MSG_MOUNT_FILE, leave the file the spawner's instead of the build
 * user's, as Nix 2.8 leaves exportReferencesGraph files the daemon's.
 */
enum msg_mount_kind {
	MSG_MOUNT_BUILDER = 1,	/* absolute path; exactly one */
	MSG_MOUNT_ARG,
	MSG_MOUNT_ENV,		/* "NAME=value" */
	MSG_MOUNT_INPUT,	/* store path */
	MSG_MOUNT_BIND,		/* "target\0source\0" */
	MSG_MOUNT_FILE		/* "name\0part of the contents\0" */
};

/*
 * The other payloads, field by field: GO, KILL, CLEANUP: id.  STARTED:
 * id, pid in mountproc's pid namespace; + fd, the pty master (EIO at
 * the end).  SOCKET: id; + fd, the listening unix socket at the build
 * dir's .nix-socket (in the sandbox, /build/.nix-socket), mode 0600,
 * owned by the build user.  EXITED: id, status as waitpid(2); + fd,
 * the store dir inside the root.  BIND_PATH: id, store path.  OK: id,
 * the request type answered.  ERROR: id, the request type refused, a
 * text of at most MSG_MOUNT_ERROR_MAX - 1 bytes.
 */

/*
 * IMSG_MOUNT_SPAWNER_SETUP, mountproc -> spawner, first and once: the
 * user the spawner runs as (mount-user) and the two directories it
 * works in; everything else comes with each build.
 */
#define MSG_SPAWNER_DIR_MAX	1024	/* NUL included */
struct msg_spawner_setup {	/* as received */
	uint32_t	mss_uid;
	uint32_t	mss_gid;
	char		mss_store_dir[MSG_SPAWNER_DIR_MAX];
	char		mss_state_dir[MSG_SPAWNER_DIR_MAX];
};

/*
 * A file the spawner creates in the build dir before the builder runs
 * (passAsFile's .attr-*, .attrs.json, .attrs.sh, exportReferencesGraph
 * files), owned by the build user.  Its contents travel in parts of at
 * most MSG_MOUNT_STRING_MAX - 1 bytes, consecutive FILE items of the
 * same name, so no imsg outgrows MSG_MOUNT_MAXSIZE; they count against
 * MSG_MOUNT_BUILD_BYTES.  A name is one path component of
 * [A-Za-z0-9_.-], neither "." nor "..", and not sent twice.
 */
struct msg_mount_file {
	char	*mmf_name;
	char	*mmf_data;
	size_t	 mmf_len;
	int	 mmf_keep;	/* not given to the build user */
};

/* One sandbox-paths entry: host source bound at target. */
struct msg_mount_bind {
	char	*mmbd_target;
	char	*mmbd_source;
	int	 mmbd_optional;
};

/*
 * A build description, as sent, or as received so far: msg_recv_start
 * fills the fixed part and mmb_want, each msg_recv_item adds one
 * entry, msg_recv_go checks that all came.  Free with
 * msg_mount_build_free.
 */
struct msg_mount_build {
	uint64_t		  mmb_id;
	uint32_t		  mmb_uid;
	uint32_t		  mmb_gid;
	uint32_t		  mmb_flags;
	char			 *mmb_builder;
	char			**mmb_args;
	size_t			  mmb_nargs;
	char			**mmb_env;
	size_t			  mmb_nenv;
	char			**mmb_inputs;
	size_t			  mmb_ninputs;
	struct msg_mount_bind	 *mmb_binds;
	size_t			  mmb_nbinds;
	struct msg_mount_file	 *mmb_files;
	size_t			  mmb_nfiles;
	size_t			  mmb_nfileparts;	/* receiving: so far */
	struct msg_mount_start	  mmb_want;	/* receiving: as announced */
	size_t			  mmb_bytes;	/* receiving: so far */
};

/*
 * The build id every IMSG_MOUNT_* payload starts with, to find the
 * build before receiving; -1 if the payload is too short.
 */
int	msg_mount_peek_id(struct imsg *, uint64_t *);
/* Absolute, no empty, "." or ".." component, not "/" itself: 0 or -1. */
int	msg_check_abs(const char *);

/* START, every ITEM in order, GO. */
int	msg_send_build(struct imsgbuf *, const struct msg_mount_build *);
int	msg_recv_start(struct imsg *, struct msg_mount_build *,
	    const char **);
/* Store paths are checked against storedir. */
int	msg_recv_item(struct imsg *, const char *storedir,
	    struct msg_mount_build *, const char **);
int	msg_recv_go(struct imsg *, const struct msg_mount_build *,
	    const char **);
void	msg_mount_build_free(struct msg_mount_build *);

/* Both directories absolute; -1 if one is too long. */
int	msg_send_spawner_setup(struct imsgbuf *, uid_t, gid_t,
	    const char *storedir, const char *statedir);
int	msg_recv_spawner_setup(struct imsg *, struct msg_spawner_setup *,
	    const char **);

/* GO, KILL, CLEANUP: the id alone. */
int	msg_send_build_id(struct imsgbuf *, uint32_t type, uint64_t);
int	msg_recv_build_id(struct imsg *, uint64_t *, const char **);

int	msg_send_started(struct imsgbuf *, uint64_t, pid_t, int fd);
int	msg_recv_started(struct imsg *, uint64_t *, pid_t *, int *fd,
	    const char **);
int	msg_send_build_socket(struct imsgbuf *, uint64_t, int fd);
int	msg_recv_build_socket(struct imsg *, uint64_t *, int *fd,
	    const char **);
int	msg_send_exited(struct imsgbuf *, uint64_t, int status,
	    int fd);
int	msg_recv_exited(struct imsg *, uint64_t *, int *status, int *fd,
	    const char **);

int	msg_send_bind_path(struct imsgbuf *, uint32_t peerid,
	    uint64_t, const char *path);
/* *path is a valid store path in storedir (free it). */
int	msg_recv_bind_path(struct imsg *, const char *storedir, uint64_t *,
	    char **path, const char **);

int	msg_send_mount_ok(struct imsgbuf *, uint32_t peerid,
	    uint64_t, uint32_t request);
int	msg_recv_mount_ok(struct imsg *, uint64_t *, uint32_t *request,
	    const char **);
/* The text is cut to MSG_MOUNT_ERROR_MAX - 1 bytes. */
int	msg_send_mount_error(struct imsgbuf *, uint32_t peerid,
	    uint64_t, uint32_t request, const char *msg);
int	msg_recv_mount_error(struct imsg *, uint64_t *, uint32_t *request,
	    char *msg, size_t msglen, const char **);

#endif /* RNIXD_MSG_MOUNT_H */
