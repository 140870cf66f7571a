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
 * The spawner: rnixd-spawner, exec'd by mountproc before mountproc
 * drops root.  It is the only process besides the parent that sees the
 * host and holds capabilities (spawner.c says which and why): it makes
 * each build's sandbox and execs the builder in it.  It reads nothing
 * but mountproc's imsgs, which mountproc has already checked.
 */
#ifndef RNIXD_SPAWNER_H
#define RNIXD_SPAWNER_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "msg_mount.h"
#include "proc.h"

/* The ids a builder has inside its user namespace, as in Nix 2.8. */
#define MOUNT_SANDBOX_UID	1000
#define MOUNT_SANDBOX_GID	100
#define MOUNT_SANDBOX_BUILD	"/build"

/* One sandbox-paths entry: host source bound at target. */
struct mount_bind {
	char	*mb_target;
	char	*mb_source;
	int	 mb_optional;
};

/*
 * Everything a sandbox is made from.  The environment is complete (the
 * derivation's plus Nix's variables): builderproc computes it, since it
 * is the process that reads the .drv; mountproc only checks its shape.
 */
struct mount_build {
	uint64_t		 mbd_id;
	uid_t			 mbd_uid;	/* host build user */
	gid_t			 mbd_gid;	/* build-users-group */
	unsigned int		 mbd_flags;
	const char		*mbd_store_dir;	/* as the builder sees it */
	const char		*mbd_real_store_dir;	/* on the host */
	const char		*mbd_builds_dir;	/* 0700, holds roots */
	char			*mbd_builder;
	char			**mbd_args;	/* without argv[0] */
	size_t			 mbd_nargs;
	char			**mbd_env;	/* "NAME=value" */
	size_t			 mbd_nenv;
	char			**mbd_inputs;	/* store paths, closure */
	size_t			 mbd_ninputs;
	struct mount_bind	*mbd_binds;
	size_t			 mbd_nbinds;
	const struct msg_mount_file *mbd_files;	/* for the build dir */
	size_t			 mbd_nfiles;
	int			 mbd_builtinfd;	/* rnixd-builtin, or -1 */
};

/* A started sandbox, as the spawner keeps it until cleanup. */
struct mount_run {
	uint64_t	 mr_id;
	uid_t		 mr_uid;
	pid_t		 mr_pid;	/* pid 1 of the sandbox, our child */
	int		 mr_logfd;	/* pty master: builder stdout/stderr */
	int		 mr_mntns;	/* pre-pivot mount namespace */
	int		 mr_userns;
	int		 mr_buildsfd;	/* mbd_builds_dir */
	int		 mr_storefd;	/* the store dir inside the root */
	int		 mr_sockfd;	/* recursive: listening .nix-socket */
	char		 mr_name[24];	/* per-build directory in builds dir */
};

/* spawner_sandbox.c */
int	spawn_check(const struct mount_build *, char *, size_t);
int	spawn_start(const struct mount_build *, struct mount_run *,
	    char *, size_t);
void	spawn_kill(struct mount_run *);
int	spawn_cleanup(struct mount_run *, char *, size_t);
int	spawn_kill_user(uid_t);
int	spawn_bind(struct mount_run *, const char *, const char *,
	    const char *, char *, size_t);
void	spawn_build_free(struct mount_build *);
int	spawn_remove_tree(int, const char *, const char **);

/* spawner_filter.c */
void	spawner_filter_enter(void);
int	spawn_builder_filter(void);

/* spawner_guard.c */
int	spawner_guard_start(int);

#endif /* RNIXD_SPAWNER_H */
