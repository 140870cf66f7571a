/*
 * mountproc: creates build sandboxes and binds store paths into running
 * ones, on builderproc's request; it parses nothing but its own imsgs.
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

/* The ids a builder has inside its user namespace, as in Nix 2.8. */
#define MOUNT_SANDBOX_UID	1000
#define MOUNT_SANDBOX_GID	100
#define MOUNT_SANDBOX_BUILD	"/build"
/* Builds between START and GO at once (mount_perm.c). */
#define PERM_DESCRIBING_MAX	4

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

/* build-users-group as read at start, before the privilege drop. */
struct mount_group {
	gid_t		 mg_gid;
	uid_t		*mg_uids;
	size_t		 mg_nuids;
};

/* mountproc.c */
extern struct msg_mount_chan	mount_to_builder;
extern struct msg_mount_chan	mount_to_spawner;

/* mount_perm.c */
void	perm_init(const struct rnixd_conf *);
void	perm_handle_start(struct imsg *);
void	perm_handle_item(struct imsg *);
void	perm_handle_go(struct imsg *);
void	perm_handle_kill(struct imsg *);
void	perm_handle_cleanup(struct imsg *);
void	perm_handle_bind(struct imsg *);
void	perm_refuse(struct imsg *, const char *);
int	perm_spawner_reply(struct imsg *);

/* mount_spawner.c */
pid_t	spawner_start(const struct rnixd_conf *, uid_t, gid_t, int *);

/* mount_sandbox.c */
int	sandbox_build_check(const struct mount_build *, char *, size_t);
int	sandbox_build_start(const struct mount_build *, struct mount_run *,
	    char *, size_t);
void	sandbox_build_kill(struct mount_run *);
int	sandbox_build_cleanup(struct mount_run *, char *, size_t);
int	sandbox_kill_user(uid_t);
int	sandbox_build_bind(struct mount_run *, const char *, const char *,
	    const char *, char *, size_t);
void	mount_build_free(struct mount_build *);

#endif /* RNIXD_MOUNTPROC_H */
