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
 * Builds inside builderproc: goals (one per .drv path, shared by every
 * session that wants it), the scheduler, the build users, the builder
 * environment and the log.  Included by sched*.c, the two peer
 * adapters (builder_to_store.c, builder_to_mount.c), recursive.c, and
 * the protocol server's session_modify.c and session_ops.c, whose
 * build ops start and cancel requests here.
 *
 * The dependency runs one way: the protocol server calls the
 * scheduler, never the reverse.  What the scheduler needs of the
 * session a request came from, it asks through the sched_client_*
 * functions declared below, an interface this header owns and
 * session_modify.c implements.
 *
 * A goal is loaded (its .drv text from storeproc, then the goals of its
 * inputDrvs, recursively, so that hashDerivationModulo can run over the
 * whole graph in memory) independently of being wanted (someone needs
 * its outputs: a client's request, or a wanted goal that depends on
 * it).  Only wanted goals check their outputs and build; the inputs of
 * a goal whose outputs are valid are loaded but never realised, as in
 * Nix.
 */
#ifndef RNIXD_SCHED_H
#define RNIXD_SCHED_H

#include <sys/queue.h>
#include <sys/tree.h>

#include <event.h>
#include <stdint.h>
#include <time.h>

#include "drv.h"
#include "storepath.h"

struct goal;
struct build_req;
struct rec_build;
struct imsg;
struct session;

/* Loading. */
enum goal_load {
	GL_NONE,	/* nothing asked yet */
	GL_FETCH,	/* STORE_QUERY_DRV is out */
	GL_INPUTS,	/* waiting for input goals to load */
	GL_READY,	/* the whole graph below is in memory, hashed */
	GL_FAILED	/* g_load_err says why */
};

/* Realisation. */
enum goal_state {
	GS_IDLE,
	GS_CHECK,	/* QUERY_VALID of the outputs is out */
	GS_DEPS,	/* waiting for input goals to realise */
	GS_QUEUED,	/* ready: waits for a job slot and a build user */
	GS_CLOSURE,	/* QUERY_CLOSURE of the inputs is out */
	GS_MOUNT,	/* START/ITEM/GO sent, waiting for STARTED */
	GS_RUN,		/* the builder runs */
	GS_REGISTER,	/* STORE_BUILD_OUTPUTS is out */
	GS_CLEANUP,	/* MOUNT_BUILD_CLEANUP is out */
	GS_DONE
};

/* Who waits for a goal: a parent goal or a client's request. */
struct waiter {
	TAILQ_ENTRY(waiter)	 w_entry;
	struct goal		*w_goal;
	struct build_req	*w_req;
	size_t			 w_idx;		/* in w_req */
};
TAILQ_HEAD(waiter_list, waiter);

/* The last lines of the log, for the failure message. */
#define GOAL_TAIL_LINES	10
#define GOAL_LINE_MAX	(64 * 1024)	/* longer lines are cut */
/*
 * A client with this much output queued holds its builds' logs: the
 * pty is not read until it drains, and the builder blocks writing, as
 * it does under Nix's daemon, rather than builderproc's memory grow.
 */
#define BUILD_LOG_HIGH	(1024 * 1024)
#define BUILD_LOG_POLL	5		/* ms between checks while held */

struct goal {
	RB_ENTRY(goal)		 g_entry;
	char			*g_path;	/* the .drv */
	char			 g_name[STOREPATH_NAME_MAX + 1];
	unsigned int		 g_refs;
	int			 g_private;	/* BuildDerivation's: no tree */
	uint64_t		 g_mode;	/* WIRE_BUILD_*: private only */

	enum goal_load		 g_load;
	char			*g_load_err;
	struct drv		*g_drv;
	struct goal		**g_inputs;	/* d_inputs order */
	size_t			 g_ninputs;
	size_t			 g_load_wait;	/* inputs not READY */
	struct waiter_list	 g_load_waiters;
	char			 g_hash[65];	/* modulo, mask, base16 */
	char			(*g_outpaths)[STOREPATH_MAX];
	int			*g_valid;

	enum goal_state		 g_state;
	unsigned int		 g_nwant;
	int			 g_keep_going;
	int			 g_busy;	/* a reply is due to us */
	size_t			 g_deps_wait;
	size_t			 g_deps_failed;
	struct waiter_list	 g_waiters;
	TAILQ_ENTRY(goal)	 g_queue;

	/* The result. */
	int			 g_status;	/* WIRE_BS_* */
	char			*g_error;
	time_t			 g_start;
	time_t			 g_stop;
	unsigned int		 g_times_built;

	/* The build. */
	uint64_t		 g_build_id;
	int			 g_user;	/* index in the pool, or -1 */
	int			 g_slot;	/* holds a job slot */
	int			 g_inner;	/* queued in the inner queue */
	uid_t			 g_uid;		/* whose build: see the queue */
	char			**g_closure;
	size_t			 g_nclosure;
	int			 g_logfd;
	int			 g_storelog;	/* pipe to storeproc */
	char			*g_pend;	/* not yet in the pipe */
	size_t			 g_npend;
	int			 g_paused;	/* g_ev_log not armed */
	struct event		 g_ev_log;
	struct event		 g_ev_resume;
	struct event		 g_ev_timeout;
	struct event		 g_ev_silence;
	int			 g_killed;	/* WIRE_BS_* the kill means */
	char			*g_kill_msg;
	char			*g_line;	/* partial line */
	size_t			 g_linelen;
	char			*g_tail[GOAL_TAIL_LINES];
	size_t			 g_ntail;
	size_t			 g_tailpos;
	uint64_t		 g_act;		/* Build activity id */
	unsigned int		 g_timeout;	/* seconds, 0: none */
	unsigned int		 g_silence;
	unsigned int		 g_mark;	/* walks to the requests */
	int			 g_stuck;	/* rec_goal_stuck() at g_mark */
	int			 g_exit;	/* wait status */
	struct rec_build	*g_rec;		/* recursive Nix, or NULL */

	/*
	 * preferLocalBuild and allowSubstitutes, read when the .drv is
	 * loaded.  Every build is local and nothing is substituted yet;
	 * they matter once substitution and remote builders exist.
	 */
	int			 g_prefer_local;
	int			 g_allow_subst;
	/* exportReferencesGraph: the input closure's path infos. */
	struct wire_path_info	*g_graph;
	size_t			 g_ngraph;
	size_t			 g_graph_wait;	/* replies due */
	int			 g_graph_err;	/* one of them failed */
	int			 g_graph_phase;	/* GP_* */
	struct graph_drv	*g_gdrv;	/* its .drvs, path order */
	size_t			 g_ngdrv;
	size_t			 g_graph_nout;	/* gd_nout, summed */
};

/*
 * A .drv of the input closure and the closure of its outputs, which
 * exportReferencesGraph adds when the .drv is in a graph; gd_err is
 * Nix's error for it (an output without a path, or one not valid).
 */
struct graph_drv {
	char		 *gd_path;
	struct drv	 *gd_drv;	/* while its outputs are asked */
	size_t		  gd_next;	/* the output asked */
	char		**gd_out;
	size_t		  gd_nout;
	char		 *gd_err;
};

/*
 * What a derivation's attributes make of its build (sched_attrs.c):
 * structured attributes, the files of the build dir, the output
 * placeholders and the impure variables a fixed-output build gets.
 */
struct json_t;
struct msg_mount_file;
struct wire_path_info;
struct drv_attrs {
	struct json_t		*da_json;	/* __json, or NULL */
	const char		*da_pass;	/* passAsFile, or NULL */
	struct msg_mount_file	*da_files;
	size_t			 da_nfiles;
	char			**da_ph;	/* placeholders, sorted */
	char			**da_ph_path;	/* the output paths */
	size_t			 da_nph;
	char			**da_impure;	/* impureEnvVars, FOD only */
	size_t			 da_nimpure;
};

RB_HEAD(goal_tree, goal);

/* One client op: BuildPaths, BuildPathsWithResults, BuildDerivation. */
struct build_item {
	char		*bi_path;	/* as the client wrote it */
	char		*bi_store;	/* opaque path, or the .drv */
	int		 bi_drv;	/* has '!' */
	struct goal	*bi_goal;
	struct waiter	*bi_waiter;
	int		 bi_wload;	/* bi_waiter waits for the load */
	int		 bi_wwant;	/* bi_waiter wants the goal */
	int		 bi_wfixed;	/* its fixed-output check is out */
	int		 bi_done;
	unsigned int	 bi_times;
	time_t		 bi_start;
	time_t		 bi_stop;
	int		 bi_status;
	char		*bi_error;
};

struct build_req {
	struct session		*br_session;
	uint64_t		 br_op;
	struct build_item	*br_items;
	size_t			 br_nitems;
	size_t			 br_left;	/* items not done */
	int			 br_keep_going;
	uint64_t		 br_mode;	/* WIRE_BUILD_* of targets */
	int			 br_errors;	/* VerifyStore found some */
	unsigned int		 br_calls;	/* QUERY_VALIDs out */
	size_t			 br_nfailed;
	unsigned int		 br_mark;
	uint64_t		*br_acts;	/* Build activities started */
	size_t			 br_nacts;
};

/* The system this build of rnixd runs builders for. */
#if defined(__x86_64__)
#define RNIXD_SYSTEM	"x86_64-linux"
#define RNIXD_EXTRA	"i686-linux"
#elif defined(__aarch64__)
#define RNIXD_SYSTEM	"aarch64-linux"
#define RNIXD_EXTRA	NULL
#elif defined(__i386__)
#define RNIXD_SYSTEM	"i686-linux"
#define RNIXD_EXTRA	NULL
#else
#error "unknown system"
#endif

/* builder_to_store.c: store requests made by builds, not by sessions. */
#define BSTORE_CALL_BASE	0x80000000U
typedef void	(*bstore_call_fn)(void *, struct imsg *);
uint32_t	 bstore_call_new(bstore_call_fn, void *);
void		 bstore_call_cancel(uint32_t);

/* sched_drv.c */
struct goal	*goal_get(const char *drvpath);
struct goal	*goal_new_private(const char *drvpath, struct drv *);
struct goal	*goal_new_mode(struct goal *, uint64_t);
void		 goal_ref(struct goal *);
void		 goal_unref(struct goal *);
void		 goal_load(struct goal *);
void		 goal_load_wait(struct goal *, struct waiter *);
struct waiter	*waiter_new(struct goal *, struct build_req *, size_t);
int		 goal_find_output(const struct goal *, const char *);

/* sched.c */
void		 goal_done(struct goal *, int, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
void		 goal_loaded(struct goal *);
void		 sched_release(struct goal *);
void		 sched_closure(struct goal *);
void		 sched_closure_done(struct goal *, char **, size_t);
void		 sched_register(struct goal *, int);
void		 sched_finish(struct goal *, int, const char *);
void		 sched_cleaned(struct goal *);
void		 sched_fail_early(struct goal *, const char *);
int		 sched_fixed(const struct goal *);
int		 sched_recursive(const struct goal *);
int		 sched_builtin(const struct goal *);
void		 sched_slot_give(struct goal *);
int		 sched_stalled(void);

/* builder_to_mount.c */
void		 bmount_start(struct goal *);
void		 bmount_kill(struct goal *);
void		 bmount_cleanup(struct goal *);
void		 bmount_bind(struct goal *, uint32_t, const char *);

/* sched_req.c */
void		 req_start(struct session *, char **, size_t,
		    struct goal *);
void		 req_start_mode(struct session *, char **, size_t,
		    struct goal *, uint64_t, int);
void		 req_cancel(struct session *);
void		 req_item_done(struct build_req *, size_t,
		    struct goal *);
struct session	*req_first_session(const struct goal *);
void		 req_session_timeout(struct session *, unsigned int *);
int		 req_log_congested(struct goal *);
void		 req_log_begin(struct goal *);
void		 req_log_line(struct goal *, const char *, size_t);
void		 req_log_stop(struct goal *);
void		 req_log_error(struct goal *, const char *);
void		 req_session_error(struct session *, const char *);
void		 req_stop_acts(struct build_req *);
void		 req_loaded(struct build_req *, size_t);
void		 goal_want(struct goal *, struct waiter *, int keep_going);
void		 goal_unwant(struct goal *, struct waiter *);
uint64_t	 sched_activity_id(void);
int		 req_wanted_inside(struct goal *);
int		 req_wanted_outside(struct goal *);
void		 req_root_waiters(struct goal *, char **, size_t);
unsigned int	 req_mark_new(void);
void		 req_abort(struct session *, const char *);

/* sched_log.c */
void		 buildlog_start(struct goal *);
void		 buildlog_stop(struct goal *);
void		 buildlog_tail_free(struct goal *);
char		*buildlog_failure_text(struct goal *);
void		 buildlog_inner_line(struct goal *, const char *, size_t);

/* sched_env.c */
int		 env_make(const struct goal *, const struct drv_attrs *,
		    char ***, size_t *);
int		 sched_feature_wanted(const char *, const char *);
int		 sched_features_missing(const char *, const char **, size_t);
char		*sched_feature_set(const char *, const char **, size_t);

/* sched_attrs.c */
void		 attrs_flags(struct goal *);
int		 attrs_make(struct goal *, struct drv_attrs *, char **);
void		 attrs_free(struct drv_attrs *);
char		*attrs_rewrite(const struct drv_attrs *, const char *);
int		 attrs_file_name(const struct drv_attrs *, const char *,
		    char *, size_t);

/* sched_graph.c */
int		 graph_wanted(const struct goal *);
void		 graph_fetch(struct goal *);
void		 graph_free(struct goal *);
int		 graph_closure(const struct goal *, char **, size_t,
		    size_t **, size_t *, char **);
int		 graph_refs_closure(const struct goal *, char **, size_t,
		    size_t **, size_t *, char **);

/*
 * recursive.c: the proxy of a build's recursive-Nix socket, as the
 * scheduler sees it.
 */
void		 rec_build_new(struct goal *);
void		 rec_build_socket(struct goal *, int);
void		 rec_build_listen(struct goal *);
void		 rec_build_stop(struct goal *);
void		 rec_build_free(struct goal *);
char		**rec_build_refs(struct goal *, size_t *);
size_t		 rec_graph_fixed(struct goal *, unsigned int, unsigned int,
		    struct goal ***, size_t *);
const char	*rec_graph_unknown(const struct session *, struct goal *,
		    unsigned int, unsigned int);
void		 rec_pool_stalled(void);
struct goal	*rec_outer_goal(const struct session *);
void		 rec_bind_reply(uint32_t, const char *);

/*
 * The client of a build request, as the scheduler sees it.  Implemented
 * by the protocol server (session_modify.c); the scheduler calls no
 * session_* or ops_* function itself.
 */
uint64_t	 sched_client_op(const struct session *);
void		 sched_client_error(struct session *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
void		 sched_client_resume(struct session *);
void		 sched_client_account(struct session *);
void		 sched_client_candidate(struct session *, const char *);
char		*sched_client_censor(struct session *, const char *);
int		 sched_client_keep_failed(const struct session *);

/* sched_users.c */
int		 users_take(uid_t *, gid_t *);	/* index or -1 */
void		 users_give(int);
void		 users_get(int, uid_t *, gid_t *);
uid_t		 users_uid(int);
size_t		 users_count(void);
size_t		 users_busy(void);
size_t		 users_free(void);

#endif /* RNIXD_SCHED_H */
