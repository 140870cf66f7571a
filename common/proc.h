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
 * The processes of rnixd and the messages they exchange.  Every imsg
 * type lives in one enum, grouped by family; the payloads and their
 * send/recv pairs are in msg_ctl.h, msg_store.h and msg_mount.h.
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
	PROC_MAX,	/* the parent's children end here */
	/*
	 * mountproc's child, exec'd by mountproc, not by the parent:
	 * after PROC_MAX so the parent's loops over its children and
	 * the CTL_PEER check never see it.
	 */
	PROC_SPAWNER = PROC_MAX,
	PROC_NTYPES
};

/* Each child finds its imsg channel to the parent here (STYLE.md). */
#define PROC_PARENT_FD		3
/* The spawner finds its channel to mountproc, which exec'd it, here. */
#define PROC_SPAWNER_FD		3

/*
 * Every message between rnixd's processes, grouped by family.  All
 * executables ship together (rnixd finds its children next to itself),
 * so the numbers are no ABI: a family grows in place.  Bump
 * IMSG_VERSION whenever enum imsg_type or a payload changes; each child
 * reports it in CTL_READY and the parent refuses to run with a child of
 * another version (a half-upgraded install).
 */
#define IMSG_VERSION		4

enum imsg_type {
	IMSG_NONE,

	/* Framework (msg_ctl.h): links, barrier, the root-only lookups. */
	IMSG_CTL_PEER,		/* parent->child: fd to a sibling */
	IMSG_CTL_LISTEN,	/* parent->builder: the daemon socket */
	IMSG_CTL_READY,		/* parent->child: set up; child->parent: up */
	IMSG_CTL_CRED_REQ,	/* builder->parent: who is this uid? */
	IMSG_CTL_CRED_REPLY,	/* parent->builder: name, trust */
	/*
	 * builderproc <-> parent, peerid the session: a trusted client's
	 * AddPermRoot (protocol 1.36).  The link lives anywhere on the
	 * host, so the parent makes it, as the client's own user.
	 */
	IMSG_CTL_PERM_ROOT,		/* builder->parent: link, target */
	IMSG_CTL_PERM_ROOT_REPLY,	/* parent->builder: "" or why not */
	/*
	 * parent -> builderproc, at start and after each configuration
	 * push: the members of build-users-group (builderproc cannot
	 * read /etc/group).
	 */
	IMSG_CTL_BUILD_USERS,
	/*
	 * storeproc <-> parent: what storeproc's confined view cannot see.
	 * Indirect GC roots are symlinks anywhere on the host.
	 */
	IMSG_CTL_READLINKS,		/* store->parent: user link paths */
	IMSG_CTL_READLINKS_REPLY,	/* parent->store: their targets */

	/* Configuration push (msg_ctl.h): START, TEXT chunks, DONE. */
	IMSG_CFG_START,
	IMSG_CFG_TEXT,
	IMSG_CFG_DONE,

	/*
	 * builderproc <-> storeproc (msg_store.h).  Requests: peerid is
	 * the session id and every request gets exactly one final reply
	 * with the same peerid: its own reply type, STORE_OK or
	 * STORE_ERROR.  STORE_LOG lines may come before it.
	 */
	IMSG_STORE_PING,
	IMSG_STORE_PONG,
	IMSG_STORE_QUERY_INFO,		/* -> STORE_INFO */
	IMSG_STORE_QUERY_VALID,		/* -> STORE_PATHS */
	IMSG_STORE_QUERY_ALL,		/* -> STORE_PATHS */
	IMSG_STORE_QUERY_REFERRERS,	/* -> STORE_PATHS */
	IMSG_STORE_QUERY_DERIVERS,	/* -> STORE_PATHS */
	IMSG_STORE_QUERY_HASHPART,	/* -> STORE_PATHS (0 or 1) */
	IMSG_STORE_QUERY_OUTPUTS,	/* -> STORE_OUTPUTS */
	IMSG_STORE_QUERY_MISSING,	/* -> STORE_MISSING */
	IMSG_STORE_QUERY_DRV,		/* path -> STORE_DRV */
	IMSG_STORE_QUERY_CLOSURE,	/* paths -> STORE_PATHS */
	/* repair mode: the valid paths that hash as recorded */
	IMSG_STORE_QUERY_INTACT,	/* paths -> STORE_PATHS */
	IMSG_STORE_ADD,			/* + fd: stream -> STORE_INFO */
	IMSG_STORE_ADD_NAR,		/* + fd: NAR -> STORE_OK */
	/*
	 * After the pipe of an ADD or ADD_NAR is closed: DONE, the client
	 * sent the whole payload (commit it); ABORT, it did not (fail
	 * it).  End of file alone proves nothing: a client that vanishes
	 * mid-upload closes the pipe too.
	 */
	IMSG_STORE_UPLOAD_DONE,
	IMSG_STORE_UPLOAD_ABORT,
	IMSG_STORE_NAR_FROM_PATH,	/* + fd: we write the NAR -> STORE_OK */
	IMSG_STORE_TEMP_ROOT,		/* -> STORE_OK */
	IMSG_STORE_INDIRECT_ROOT,	/* -> STORE_OK */
	IMSG_STORE_FIND_ROOTS,		/* -> STORE_ROOTS */
	IMSG_STORE_GC,			/* -> STORE_GC_RESULT */
	IMSG_STORE_ADD_SIGS,		/* -> STORE_OK */
	IMSG_STORE_VERIFY,		/* -> STORE_VERIFY_RESULT */
	IMSG_STORE_ENSURE,		/* -> STORE_OK */
	IMSG_STORE_BUILD_OUTPUTS,	/* + dirfd -> STORE_BUILD_RESULT */
	IMSG_STORE_BUILD_LOG,		/* drv path + fd -> STORE_OK */
	IMSG_STORE_SESSION_END,		/* no reply: drop its temp roots */
	/*
	 * No reply: make these paths temporary roots of session peerid.
	 * A build's outputs are first rooted under its own request id;
	 * once registered they are handed to every session that waited
	 * for them (as Nix's worker holds them for its client), and the
	 * request id's roots are dropped.
	 */
	IMSG_STORE_TEMP_ROOTS,
	/* storeproc -> builderproc replies: OK..BUILD_RESULT, no gap. */
	IMSG_STORE_OK,
	IMSG_STORE_ERROR,
	IMSG_STORE_LOG,
	IMSG_STORE_INFO,
	IMSG_STORE_PATHS,
	IMSG_STORE_OUTPUTS,
	IMSG_STORE_MISSING,
	IMSG_STORE_ROOTS,
	IMSG_STORE_GC_RESULT,
	IMSG_STORE_VERIFY_RESULT,
	IMSG_STORE_DRV,			/* the .drv text */
	IMSG_STORE_BUILD_RESULT,	/* registered outputs, or why not */
	/*
	 * storeproc -> builderproc, no reply, peerid 0: a path that was
	 * valid has changed or gone, so path info kept from earlier
	 * answers may be wrong.  Sent before the reply of the request
	 * that made the change.  No payload.
	 */
	IMSG_STORE_CHANGED,
	/*
	 * storeproc -> builderproc, no reply, peerid 0: the info of a
	 * valid path a client will likely ask for next (a target of its
	 * QueryMissing), for builderproc's cache.  Payload: STORE_INFO's.
	 */
	IMSG_STORE_INFO_HINT,

	/*
	 * builderproc <-> mountproc builds, and mountproc <-> its spawner
	 * (the same messages, forwarded after the permission check).
	 * peerid is 0; every payload starts with the 64-bit build id.
	 * Payloads: msg_mount.h.  START, ITEMs, GO describe a build; the
	 * spawner answers STARTED (+ pty master fd) or ERROR, later
	 * EXITED (+ fd of the store dir inside the root, where the
	 * outputs are).  KILL gets EXITED; CLEANUP and BIND_PATH get OK
	 * or ERROR.  Requests are START..BIND_PATH, no gap.
	 */
	IMSG_MOUNT_PING,
	IMSG_MOUNT_PONG,
	IMSG_MOUNT_BUILD_START,
	IMSG_MOUNT_BUILD_ITEM,
	IMSG_MOUNT_BUILD_GO,
	IMSG_MOUNT_BUILD_KILL,
	IMSG_MOUNT_BUILD_CLEANUP,
	IMSG_MOUNT_BIND_PATH,
	IMSG_MOUNT_BUILD_STARTED,
	/*
	 * spawner -> mountproc -> builderproc, just before STARTED, for a
	 * MOUNT_F_RECURSIVE build only: the listening socket at the build
	 * dir's .nix-socket (+ fd).
	 */
	IMSG_MOUNT_BUILD_SOCKET,
	IMSG_MOUNT_BUILD_EXITED,
	IMSG_MOUNT_OK,
	IMSG_MOUNT_ERROR,
	/*
	 * mountproc -> spawner, once, before anything else: the settings
	 * the spawner needs (it has no config parser).
	 */
	IMSG_MOUNT_SPAWNER_SETUP,

	IMSG_TYPE_MAX
};

struct imsg;

const char	*proc_name(enum proc_type);
const char	*imsg_type_name(uint32_t);
/* Logs a message of a type no dispatcher takes from that peer; -1. */
int		 proc_unexpected(struct imsg *, enum proc_type);

#endif /* RNIXD_PROC_H */
