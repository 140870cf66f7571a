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
 * The build scheduler: wanted goals check their outputs, realise their
 * inputs first, then wait in their user's queue for a job slot
 * (max-jobs across every client, shared between users) and a build
 * user; a build asks storeproc for its input closure, mountproc for a
 * sandbox (builder_to_mount.c), streams the log (sched_log.c) and
 * hands the outputs to storeproc.  A goal wanted by several clients,
 * or several goals, is built once: all wait on it.  When nobody wants
 * a goal any more (its clients left, or failed without keep-going) it
 * stops: dropped from the queue, or its builder killed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builderproc.h"
#include "session.h"
#include "sched.h"
#include "log.h"
#include "msg_store.h"

/*
 * Goals ready to build wait in queues of their user, so that build
 * slots are shared between users rather than handed out in the order
 * asked for: a free slot goes to the user with the fewest slots held,
 * then to the one whose last build started longest ago (a user with
 * none yet, first).  One user's long queue then delays another user's
 * build by one build at most.  A goal is the build of the user of the
 * first client found waiting for it; a goal wanted from inside a
 * recursive build, of the user whose build that is.
 *
 * Goals a recursive build waits for go first (each user's inner
 * queue): each one that runs lets an outer build, which holds a build
 * user while it waits, go on towards its end.
 */
TAILQ_HEAD(goal_queue, goal);
struct sched_user {
	RB_ENTRY(sched_user)	 su_entry;
	uid_t			 su_uid;
	struct goal_queue	 su_inner;
	struct goal_queue	 su_queue;
	unsigned int		 su_running;	/* job slots held */
	uint64_t		 su_started;	/* serial of its last start */
};
RB_HEAD(sched_users, sched_user);
#define SCHED_NOBODY	((uid_t)-1)	/* no client found */

static struct sched_users	sched_users = RB_INITIALIZER(&sched_users);
static uint64_t			sched_serial;
static unsigned int		running;

int	sched_user_cmp(struct sched_user *, struct sched_user *);
RB_PROTOTYPE(sched_users, sched_user, su_entry, sched_user_cmp)
RB_GENERATE(sched_users, sched_user, su_entry, sched_user_cmp)

static void	goal_check(struct goal *);
static void	goal_check_reply(void *, struct imsg *);
static void	goal_deps(struct goal *);
static void	goal_repair_input(struct goal *, size_t);
static void	goal_input_done(struct goal *, size_t, struct goal *);
static void	goal_enqueue(struct goal *);
static void	goal_abandon(struct goal *);
static void	goal_closure_reply(void *, struct imsg *);
static void	goal_register_reply(void *, struct imsg *);
static void	sched_run(void);
static int	goal_system_ok(struct goal *);

int
sched_user_cmp(struct sched_user *a, struct sched_user *b)
{
	return (a->su_uid < b->su_uid ? -1 : a->su_uid > b->su_uid);
}

static struct sched_user *
sched_user_get(uid_t uid)
{
	struct sched_user	*su, key;

	key.su_uid = uid;
	if ((su = RB_FIND(sched_users, &sched_users, &key)) != NULL)
		return (su);
	if ((su = calloc(1, sizeof(*su))) == NULL)
		fatal("calloc");
	su->su_uid = uid;
	TAILQ_INIT(&su->su_inner);
	TAILQ_INIT(&su->su_queue);
	RB_INSERT(sched_users, &sched_users, su);
	return (su);
}

/* Forget a user with nothing queued or running. */
static void
sched_user_put(struct sched_user *su)
{
	if (su->su_running > 0 || !TAILQ_EMPTY(&su->su_inner) ||
	    !TAILQ_EMPTY(&su->su_queue))
		return;
	RB_REMOVE(sched_users, &sched_users, su);
	free(su);
}

/* Whose build g is (see above). */
static uid_t
sched_owner(const struct goal *g)
{
	struct session	*s;
	struct goal	*outer;

	if ((s = req_first_session(g)) == NULL)
		return (SCHED_NOBODY);
	if (s->s_rec == NULL)
		return (s->s_uid);
	/* The outer build runs, so it was queued, and has its owner. */
	if ((outer = rec_outer_goal(s)) == NULL)
		return (SCHED_NOBODY);
	return (outer->g_uid);
}

/* g gave its job slot back. */
static void
sched_slot_free(struct goal *g)
{
	struct sched_user	*su;

	g->g_slot = 0;
	running--;
	su = sched_user_get(g->g_uid);
	if (su->su_running > 0)
		su->su_running--;
	sched_user_put(su);
}

uint64_t
sched_activity_id(void)
{
	static uint64_t	counter;

	return (((uint64_t)getpid() << 32) + ++counter);
}

static int
goal_failed(const struct goal *g)
{
	return (g->g_status != WIRE_BS_BUILT &&
	    g->g_status != WIRE_BS_ALREADY_VALID &&
	    g->g_status != WIRE_BS_SUBSTITUTED &&
	    g->g_status != WIRE_BS_RESOLVES_TO_ALREADY_VALID);
}

/* The goal is over: tell every waiter, who stop wanting it. */
void
goal_done(struct goal *g, int status, const char *fmt, ...)
{
	struct waiter	*w;
	va_list		 ap;

	g->g_state = GS_DONE;
	g->g_status = status;
	free(g->g_error);
	g->g_error = NULL;
	if (fmt != NULL) {
		va_start(ap, fmt);
		if (vasprintf(&g->g_error, fmt, ap) == -1)
			fatal("vasprintf");
		va_end(ap);
	}
	log_debug("%s: done, status %d", g->g_path, status);
	goal_ref(g);
	/* Nix logs the failure of a goal that others wait for. */
	if (g->g_error != NULL)
		TAILQ_FOREACH(w, &g->g_waiters, w_entry)
			if (w->w_goal != NULL) {
				req_log_error(g, g->g_error);
				break;
			}
	while ((w = TAILQ_FIRST(&g->g_waiters)) != NULL) {
		TAILQ_REMOVE(&g->g_waiters, w, w_entry);
		g->g_nwant--;
		if (w->w_goal != NULL)
			goal_input_done(w->w_goal, w->w_idx, g);
		else
			req_item_done(w->w_req, w->w_idx, g);
		free(w);
	}
	goal_unref(g);
}

/* w wants g's outputs; it is told through goal_done. */
void
goal_want(struct goal *g, struct waiter *w, int keep_going)
{
	TAILQ_INSERT_TAIL(&g->g_waiters, w, w_entry);
	g->g_nwant++;
	if (keep_going)
		g->g_keep_going = 1;
	if (g->g_state == GS_DONE)
		g->g_state = GS_IDLE;	/* ask the store again */
	if (g->g_load == GL_FAILED) {
		goal_done(g, WIRE_BS_MISC_FAILURE, "%s", g->g_load_err);
		return;
	}
	if (g->g_load != GL_READY) {
		goal_load(g);
		return;
	}
	if (g->g_state == GS_IDLE && !g->g_busy)
		goal_check(g);
}

void
goal_unwant(struct goal *g, struct waiter *w)
{
	TAILQ_REMOVE(&g->g_waiters, w, w_entry);
	free(w);
	if (--g->g_nwant == 0)
		goal_abandon(g);
}

/* The graph below g is in memory (or could not be loaded). */
void
goal_loaded(struct goal *g)
{
	if (g->g_nwant == 0 || g->g_state != GS_IDLE || g->g_busy)
		return;
	if (g->g_load == GL_FAILED)
		goal_done(g, WIRE_BS_MISC_FAILURE, "%s", g->g_load_err);
	else if (g->g_load == GL_READY)
		goal_check(g);
}

static void
goal_check(struct goal *g)
{
	uint32_t	 id;
	char		**paths;
	size_t		 i, n = g->g_drv->d_noutputs;

	g->g_state = GS_CHECK;
	g->g_busy = 1;
	goal_ref(g);
	if ((paths = calloc(n + 1, sizeof(*paths))) == NULL)
		fatal("calloc");
	for (i = 0; i < n; i++)
		paths[i] = g->g_outpaths[i];
	id = bstore_call_new(goal_check_reply, g);
	/* Repairing, a valid output counts only if its contents are. */
	if (msg_send_paths(builder_store(), g->g_mode ==
	    WIRE_BUILD_REPAIR ? IMSG_STORE_QUERY_INTACT :
	    IMSG_STORE_QUERY_VALID, id, paths, n) == -1) {
		bstore_call_cancel(id);
		g->g_busy = 0;
		goal_done(g, WIRE_BS_MISC_FAILURE, "derivation '%s' has too "
		    "many outputs to query at once", g->g_path);
		goal_unref(g);
	}
	free(paths);
}

static void
goal_check_reply(void *arg, struct imsg *imsg)
{
	struct goal	 *g = arg;
	char		**paths;
	const char	 *errstr;
	size_t		  npaths, i, j, nvalid = 0;

	g->g_busy = 0;
	if (imsg_get_type(imsg) != IMSG_STORE_PATHS ||
	    msg_recv_paths(imsg, builder_storedir(), 0, &paths, &npaths,
	    &errstr) == -1) {
		goal_done(g, WIRE_BS_MISC_FAILURE, "cannot query the store");
		goal_unref(g);
		return;
	}
	for (i = 0; i < g->g_drv->d_noutputs; i++) {
		g->g_valid[i] = 0;
		for (j = 0; j < npaths; j++)
			if (strcmp(paths[j], g->g_outpaths[i]) == 0)
				g->g_valid[i] = 1;
		nvalid += g->g_valid[i];
	}
	wire_strings_free(paths, npaths);
	if (g->g_nwant == 0)
		g->g_state = GS_IDLE;
	else if (g->g_mode == WIRE_BUILD_CHECK) {
		if (nvalid < g->g_drv->d_noutputs)
			goal_done(g, WIRE_BS_MISC_FAILURE, "some outputs of '"
			    OPS_HL("%s") "' are not valid, so checking is not "
			    "possible", g->g_path);
		else if (goal_system_ok(g))
			goal_deps(g);
	} else if (nvalid == g->g_drv->d_noutputs)
		goal_done(g, WIRE_BS_ALREADY_VALID, NULL);
	else if (goal_system_ok(g))
		goal_deps(g);
	goal_unref(g);
}

static int
goal_platform_ok(const char *platform)
{
	return (strcmp(platform, RNIXD_SYSTEM) == 0 ||
	    (RNIXD_EXTRA != NULL && strcmp(platform, RNIXD_EXTRA) == 0));
}

/* Nix's words for a derivation this host cannot build. */
static int
goal_system_ok(struct goal *g)
{
	const struct drv	 *d = g->g_drv;
	const char		**feats, *req;
	char			 *need, *have;
	size_t			  nfeats;
	long			  e;
	int			  ok = 1;

	if ((feats = config_system_features(builder_env.be_conf,
	    &nfeats)) == NULL)
		fatal("config_system_features");
	e = drv_find_env(d, "requiredSystemFeatures");
	req = e >= 0 ? d->d_env[e].de_value : "";
	/*
	 * A fixed-output builder shares the host's network namespace:
	 * it could pass its daemon connection to a process outside.
	 */
	if (sched_feature_wanted(req, "recursive-nix") && sched_fixed(g)) {
		goal_done(g, WIRE_BS_MISC_FAILURE, "the fixed-output "
		    "derivation '" OPS_HL("%s") "' may not use recursive "
		    "Nix: its builder could hand the daemon connection to "
		    "a process outside the sandbox", g->g_path);
		ok = 0;
	} else if (sched_feature_wanted(req, "recursive-nix") &&
	    !config_is_enabled_feature(builder_env.be_conf, XP_RECURSIVE_NIX)) {
		goal_done(g, WIRE_BS_MISC_FAILURE, "building '" OPS_HL("%s")
		    "' needs recursive Nix: set 'experimental-features = "
		    "recursive-nix' in the daemon's configuration", g->g_path);
		ok = 0;
	} else if (sched_features_missing(req, feats, nfeats) ||
	    (!goal_platform_ok(d->d_platform) && !sched_builtin(g))) {
		need = sched_feature_set(req, NULL, 0);
		have = sched_feature_set(NULL, feats, nfeats);
		goal_done(g, WIRE_BS_MISC_FAILURE, "a '" OPS_HL("%s") "' with "
		    "features {%s} is required to build '" OPS_HL("%s") "', "
		    "but I am a '" OPS_HL("%s") "' with features {%s}",
		    d->d_platform, need, g->g_path, RNIXD_SYSTEM, have);
		free(need);
		free(have);
		ok = 0;
	}
	free(feats);
	return (ok);
}

static void
goal_deps(struct goal *g)
{
	size_t	i;

	g->g_state = GS_DEPS;
	g->g_deps_wait = g->g_ninputs;
	g->g_deps_failed = 0;
	if (g->g_ninputs == 0) {
		goal_enqueue(g);
		return;
	}
	goal_ref(g);
	for (i = 0; i < g->g_ninputs && g->g_state == GS_DEPS; i++) {
		if (g->g_mode == WIRE_BUILD_REPAIR)
			goal_repair_input(g, i);
		goal_want(g->g_inputs[i], waiter_new(g, NULL, i),
		    g->g_keep_going);
	}
	goal_unref(g);
}

/*
 * As Nix, a derivation rebuilt in repair mode has its inputs realised
 * in repair mode too: a broken input would make a broken rebuild.  The
 * input's goal becomes a private one in that mode.
 */
static void
goal_repair_input(struct goal *g, size_t i)
{
	struct goal	*in = g->g_inputs[i], *pg;

	if (in->g_mode == WIRE_BUILD_REPAIR ||
	    (pg = goal_new_mode(in, WIRE_BUILD_REPAIR)) == NULL)
		return;
	g->g_inputs[i] = pg;
	goal_unref(in);
}

/* Stop wanting every input still pending. */
static void
goal_unwant_inputs(struct goal *g)
{
	struct waiter	*w, *tw;
	size_t		 i;

	for (i = 0; i < g->g_ninputs; i++)
		TAILQ_FOREACH_SAFE(w, &g->g_inputs[i]->g_waiters, w_entry, tw)
			if (w->w_goal == g)
				goal_unwant(g->g_inputs[i], w);
}

static void
goal_input_done(struct goal *g, size_t idx, struct goal *in)
{
	(void)idx;
	if (g->g_state != GS_DEPS)
		return;
	g->g_deps_wait--;
	if (goal_failed(in))
		g->g_deps_failed++;
	if (g->g_deps_failed > 0 && (g->g_deps_wait == 0 ||
	    !g->g_keep_going)) {
		goal_ref(g);
		goal_unwant_inputs(g);
		goal_done(g, WIRE_BS_DEPENDENCY_FAILED, "%zu dependencies of "
		    "derivation '" OPS_HL("%s") "' failed to build",
		    g->g_deps_failed, g->g_path);
		goal_unref(g);
		return;
	}
	if (g->g_deps_wait == 0)
		goal_enqueue(g);
}

static void
goal_enqueue(struct goal *g)
{
	struct sched_user	*su;

	/*
	 * The second line of req_fixed_check(): a fixed-output output
	 * found valid there may have gone since.  Built for a client
	 * outside all sandboxes, it may run; for recursive builds alone,
	 * never.
	 */
	if (sched_fixed(g) && req_wanted_inside(g) &&
	    !req_wanted_outside(g)) {
		goal_done(g, WIRE_BS_MISC_FAILURE, "the fixed-output "
		    "derivation '" OPS_HL("%s") "' may not be built from "
		    "inside a recursive Nix build", g->g_path);
		return;
	}
	g->g_state = GS_QUEUED;
	goal_ref(g);
	g->g_inner = req_wanted_inside(g);
	g->g_uid = sched_owner(g);
	su = sched_user_get(g->g_uid);
	TAILQ_INSERT_TAIL(g->g_inner ? &su->su_inner : &su->su_queue, g,
	    g_queue);
	sched_run();
}

static void
goal_dequeue(struct goal *g)
{
	struct sched_user	*su = sched_user_get(g->g_uid);

	TAILQ_REMOVE(g->g_inner ? &su->su_inner : &su->su_queue, g, g_queue);
	g->g_inner = 0;
	sched_user_put(su);
}

/* Does a's next build go before b's? */
static int
sched_before(const struct sched_user *a, const struct sched_user *b)
{
	if (a->su_running != b->su_running)
		return (a->su_running < b->su_running);
	return (a->su_started < b->su_started);
}

/* The goal the next free slot goes to, or NULL. */
static struct goal *
goal_next(void)
{
	struct sched_user	*su, *inner = NULL, *outer = NULL;

	RB_FOREACH(su, sched_users, &sched_users) {
		if (!TAILQ_EMPTY(&su->su_inner) &&
		    (inner == NULL || sched_before(su, inner)))
			inner = su;
		if (!TAILQ_EMPTY(&su->su_queue) &&
		    (outer == NULL || sched_before(su, outer)))
			outer = su;
	}
	if (inner != NULL)
		return (TAILQ_FIRST(&inner->su_inner));
	if (outer != NULL)
		return (TAILQ_FIRST(&outer->su_queue));
	return (NULL);
}

/* Nobody wants g now: stop what can be stopped. */
static void
goal_abandon(struct goal *g)
{
	switch (g->g_state) {
	case GS_DEPS:
		g->g_state = GS_IDLE;
		goal_unwant_inputs(g);
		break;
	case GS_QUEUED:
		goal_dequeue(g);
		g->g_state = GS_IDLE;
		goal_unref(g);
		break;
	case GS_MOUNT:
	case GS_RUN:
		if (g->g_killed == 0)
			g->g_killed = -1;
		bmount_kill(g);
		break;
	default:
		/* CHECK, CLOSURE, REGISTER, CLEANUP: the reply decides. */
		break;
	}
}

/* Take queued goals while job slots and build users are free. */
static void
sched_run(void)
{
	struct goal		*g;
	struct sched_user	*su;
	unsigned int		 max = config_max_jobs(builder_env.be_conf);
	int			 u;
	uid_t			 uid;
	gid_t			 gid;

	while ((g = goal_next()) != NULL && running < max) {
		if ((u = users_take(&uid, &gid)) == -1) {
			if (users_count() == 0) {
				goal_dequeue(g);
				goal_done(g, WIRE_BS_MISC_FAILURE, "no build "
				    "users: the group '%s' has no members",
				    builder_env.be_conf->
				    conf_build_users_group);
				goal_unref(g);
				continue;
			}
			/* Maybe every user waits for this very queue. */
			rec_pool_stalled();
			break;
		}
		su = sched_user_get(g->g_uid);
		su->su_running++;
		su->su_started = ++sched_serial;
		goal_dequeue(g);
		running++;
		g->g_slot = 1;
		g->g_user = u;
		sched_closure(g);
	}
}

/* Goals wait for a build user, and only for that. */
int
sched_stalled(void)
{
	return (goal_next() != NULL &&
	    running < config_max_jobs(builder_env.be_conf) &&
	    users_free() == 0);
}

/*
 * A built-in builder (rnixd-builtin, run by the spawner) builds on
 * any host, whatever the system, as in Nix ("builtin" usually).
 */
int
sched_builtin(const struct goal *g)
{
	return (strncmp(g->g_drv->d_builder, "builtin:", 8) == 0);
}

/* Does g get a recursive-Nix socket?  (goal_system_ok let it in.) */
int
sched_recursive(const struct goal *g)
{
	long	e = drv_find_env(g->g_drv, "requiredSystemFeatures");

	return (e >= 0 && config_is_enabled_feature(builder_env.be_conf,
	    XP_RECURSIVE_NIX) && sched_feature_wanted(g->g_drv->d_env[e].
	    de_value, "recursive-nix"));
}

/*
 * A recursive build waits for the builds it asks for: its job slot
 * goes to them, or max-jobs 1 would deadlock.
 */
void
sched_slot_give(struct goal *g)
{
	if (!g->g_slot)
		return;
	sched_slot_free(g);
	sched_run();
}

/* A build ended, one way or the other: free its slot and user. */
void
sched_release(struct goal *g)
{
	rec_build_free(g);
	if (g->g_user != -1)
		users_give(g->g_user);
	g->g_user = -1;
	if (g->g_slot)
		sched_slot_free(g);
	sched_run();
}

void
sched_closure(struct goal *g)
{
	const struct drv	 *d = g->g_drv;
	struct goal		 *in;
	char			**paths;
	size_t			  n = 0, i, j;
	uint32_t		  id;
	int			  o;

	g->g_state = GS_CLOSURE;
	g->g_killed = 0;
	free(g->g_kill_msg);
	g->g_kill_msg = NULL;
	buildlog_tail_free(g);
	wire_strings_free(g->g_closure, g->g_nclosure);
	g->g_closure = NULL;
	g->g_nclosure = 0;
	graph_free(g);
	for (i = 0; i < d->d_ninputs; i++)
		n += d->d_inputs[i].di_noutputs;
	if ((paths = calloc(n + d->d_nsrcs + 1, sizeof(*paths))) == NULL)
		fatal("calloc");
	for (n = 0, i = 0; i < d->d_nsrcs; i++)
		paths[n++] = d->d_srcs[i];
	for (i = 0; i < d->d_ninputs; i++) {
		in = g->g_inputs[i];
		for (j = 0; j < d->d_inputs[i].di_noutputs; j++)
			if ((o = goal_find_output(in,
			    d->d_inputs[i].di_outputs[j])) != -1)
				paths[n++] = in->g_outpaths[o];
	}
	if (n == 0) {
		/* Nothing to ask: answer ourselves the same way. */
		free(paths);
		goal_ref(g);
		sched_closure_done(g, NULL, 0);
		goal_unref(g);
		return;
	}
	goal_ref(g);
	id = bstore_call_new(goal_closure_reply, g);
	if (msg_send_paths(builder_store(), IMSG_STORE_QUERY_CLOSURE, id,
	    paths, n) == -1) {
		/* A .drv any client may add: its failure, not ours. */
		bstore_call_cancel(id);
		free(paths);
		sched_fail_early(g, "derivation has too many inputs to query "
		    "their closure at once");
		goal_unref(g);
		return;
	}
	free(paths);
}

static void
goal_closure_reply(void *arg, struct imsg *imsg)
{
	struct goal	 *g = arg;
	char		**paths, *text;
	const char	 *errstr;
	size_t		  npaths;

	if (imsg_get_type(imsg) == IMSG_STORE_ERROR &&
	    msg_recv_text(imsg, MSG_ERROR_MAX, &text, &errstr) == 0) {
		sched_fail_early(g, text);
		free(text);
	} else if (imsg_get_type(imsg) != IMSG_STORE_PATHS ||
	    msg_recv_paths(imsg, builder_storedir(), 0, &paths, &npaths,
	    &errstr) == -1)
		sched_fail_early(g, "bad input closure from the store");
	else
		sched_closure_done(g, paths, npaths);
	goal_unref(g);
}

/* The inputs are known: on to mountproc, unless nobody waits now. */
void
sched_closure_done(struct goal *g, char **paths, size_t npaths)
{
	g->g_closure = paths;
	g->g_nclosure = npaths;
	if (g->g_nwant == 0) {
		sched_release(g);
		g->g_state = GS_IDLE;
		goal_unref(g);	/* the build's own reference */
		return;
	}
	/* exportReferencesGraph: path infos first; they call us again. */
	if (g->g_graph == NULL && graph_wanted(g)) {
		graph_fetch(g);
		return;
	}
	bmount_start(g);
}

/* The build failed before a sandbox existed: nothing to clean up. */
void
sched_fail_early(struct goal *g, const char *text)
{
	sched_release(g);
	goal_done(g, WIRE_BS_MISC_FAILURE, "%s", text);
	goal_unref(g);	/* the build's own reference */
}

int
sched_fixed(const struct goal *g)
{
	struct drv_type	 dt;
	const char	*errstr;

	return (drv_type(g->g_drv, &dt, &errstr) == 0 &&
	    dt.dt_kind == DRV_FIXED);
}

/* Check mode: does the first client waiting for g keep what failed? */
static int
sched_keep_failed(struct goal *g)
{
	struct session	*s;

	return ((s = req_first_session(g)) != NULL &&
	    sched_client_keep_failed(s));
}

/* The builder exited 0: storeproc takes the outputs from dirfd. */
void
sched_register(struct goal *g, int dirfd)
{
	struct msg_build	 mb;
	struct msg_build_output	*mo;
	const struct drv	*d = g->g_drv;
	char			*err;
	size_t			 i;
	uint32_t		 id;

	g->g_state = GS_REGISTER;
	memset(&mb, 0, sizeof(mb));
	/* storeproc applies them; the JSON is parsed here, unprivileged. */
	if (outcheck_from_drv(d, g->g_path, &mb.mb_checks, &mb.mb_nchecks,
	    &err) == -1) {
		close(dirfd);
		sched_finish(g, WIRE_BS_MISC_FAILURE, err);
		free(err);
		return;
	}
	mb.mb_drv = g->g_path;
	mb.mb_id = g->g_build_id;
	mb.mb_uid = users_uid(g->g_user);
	if ((mo = calloc(d->d_noutputs, sizeof(*mo))) == NULL)
		fatal("calloc");
	for (i = 0; i < d->d_noutputs; i++) {
		mo[i].mbo_name = d->d_outputs[i].do_name;
		mo[i].mbo_path = g->g_outpaths[i];
		mo[i].mbo_algo = d->d_outputs[i].do_algo;
		mo[i].mbo_hash = d->d_outputs[i].do_hash;
	}
	mb.mb_outputs = mo;
	mb.mb_noutputs = d->d_noutputs;
	mb.mb_refs = rec_build_refs(g, &mb.mb_nrefs);
	mb.mb_mode = g->g_mode;
	mb.mb_keep_failed = g->g_mode == WIRE_BUILD_CHECK &&
	    sched_keep_failed(g);
	goal_ref(g);
	id = bstore_call_new(goal_register_reply, g);
	if (msg_send_build_outputs(builder_store(), id, &mb,
	    dirfd) == -1) {
		free(mb.mb_refs);
		free(mo);
		outcheck_free(mb.mb_checks, mb.mb_nchecks);
		goal_unref(g);
		sched_finish(g, WIRE_BS_MISC_FAILURE, "too many outputs");
		return;
	}
	free(mb.mb_refs);
	free(mo);
	outcheck_free(mb.mb_checks, mb.mb_nchecks);
}

/* The build's own roots now belong to its clients' sessions. */
static void
goal_hand_over_roots(struct goal *g, uint32_t callid,
    const struct msg_build_result *mr)
{
	char	**paths;
	size_t	  i;

	if ((paths = calloc(mr->mbr_noutputs + 1, sizeof(*paths))) == NULL)
		fatal("calloc");
	for (i = 0; i < mr->mbr_noutputs; i++)
		paths[i] = mr->mbr_outputs[i].mbt_info.pi_path;
	req_root_waiters(g, paths, mr->mbr_noutputs);
	free(paths);
	msg_send_empty(builder_store(), IMSG_STORE_SESSION_END, callid);
}

static void
goal_register_reply(void *arg, struct imsg *imsg)
{
	struct goal		*g = arg;
	struct msg_build_result	 mr;
	const char		*errstr;
	char			*text;

	if (imsg_get_type(imsg) == IMSG_STORE_ERROR &&
	    msg_recv_text(imsg, MSG_ERROR_MAX, &text, &errstr) == 0) {
		sched_finish(g, WIRE_BS_MISC_FAILURE, text);
		free(text);
	} else if (imsg_get_type(imsg) != IMSG_STORE_BUILD_RESULT ||
	    msg_recv_build_result(imsg, builder_storedir(), &mr, &errstr) == -1)
		sched_finish(g, WIRE_BS_MISC_FAILURE, "bad reply from the "
		    "store registering the outputs");
	else {
		if (mr.mbr_error != NULL)
			sched_finish(g, mr.mbr_not_det ?
			    WIRE_BS_NOT_DETERMINISTIC :
			    WIRE_BS_OUTPUT_REJECTED, mr.mbr_error);
		else {
			goal_hand_over_roots(g, imsg_get_peerid(imsg), &mr);
			sched_finish(g, WIRE_BS_BUILT, NULL);
		}
		msg_build_result_free(&mr);
	}
	goal_unref(g);
}

/*
 * The outcome is known: clean the sandbox up, then report.  The text,
 * if any, is kept until the cleanup answers.
 */
void
sched_finish(struct goal *g, int status, const char *text)
{
	g->g_status = status;
	free(g->g_error);
	g->g_error = NULL;
	if (text != NULL && (g->g_error = strdup(text)) == NULL)
		fatal("strdup");
	g->g_stop = time(NULL);
	bmount_cleanup(g);
}

/* The sandbox is gone: the goal is done. */
void
sched_cleaned(struct goal *g)
{
	char	*text = g->g_error;

	sched_release(g);
	g->g_error = NULL;
	/*
	 * Cancelled when nobody wanted it, and wanted again since: whoever
	 * came later asked for a build, not for a cancelled one.
	 */
	if (g->g_killed == -1 && g->g_nwant > 0) {
		free(text);
		g->g_state = GS_IDLE;
		goal_check(g);
		goal_unref(g);	/* the build's own reference */
		return;
	}
	if (g->g_status == WIRE_BS_BUILT)
		g->g_times_built++;
	if (text != NULL) {
		goal_done(g, g->g_status, "%s", text);
		free(text);
	} else
		goal_done(g, g->g_status, NULL);
	goal_unref(g);	/* the build's own reference */
}
