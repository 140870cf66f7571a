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
 * The build ops of one client: BuildPaths (9), BuildPathsWithResults
 * (46) and BuildDerivation (36).  A request holds one item per path
 * asked for: opaque paths are looked up (valid: AlreadyValid; not:
 * NoSubstituters, there being no substituters), derivations wait for
 * their goal to load, then want it.  The op stays open (s_wait) until
 * every item is done, or one failed and the client did not ask to keep
 * going; then the reply or the error goes out as Nix 2.8 words it
 * (worker-protocol.md §7).  Log lines of the goals a request waits
 * for, directly or not, reach its client here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builderproc.h"
#include "session.h"
#include "sched.h"
#include "log.h"
#include "msg_store.h"

static int	req_query_opaque(struct build_req *, char **, size_t);
static void	req_opaque_reply(void *, struct imsg *);
static int	req_cmp_str(const void *, const void *);
static void	req_finish(struct build_req *);
static void	req_put_verify(struct build_req *);
static void	req_free(struct build_req *);
static void	req_hand_back(struct build_req *);
static char	*req_path_list(struct build_item **, size_t);

static unsigned int	mark_gen;

/* Start the op on paths (DerivedPath strings, checked); takes paths. */
void
req_start(struct session *s, char **paths, size_t npaths,
    struct goal *priv)
{
	req_start_mode(s, paths, npaths, priv, WIRE_BUILD_NORMAL, 0);
}

/*
 * The same in a build mode other than normal: each derivation named
 * gets a goal of its own (goal_new_mode), so that checking or repairing
 * it never changes what other clients wait for.  errors: VerifyStore
 * found errors already, and says so whatever the builds do.
 */
void
req_start_mode(struct session *s, char **paths, size_t npaths,
    struct goal *priv, uint64_t mode, int errors)
{
	struct build_req	*req;
	struct build_item	*it;
	char			**opaque, *bang;
	size_t			  i, nopaque = 0;

	if ((req = calloc(1, sizeof(*req))) == NULL ||
	    (req->br_items = calloc(npaths + 1, sizeof(*it))) == NULL ||
	    (opaque = calloc(npaths + 1, sizeof(*opaque))) == NULL)
		fatal("calloc");
	req->br_session = s;
	req->br_op = sched_client_op(s);
	req->br_nitems = req->br_left = npaths;
	req->br_keep_going = s->s_opts.opt_keep_going;
	req->br_mode = mode;
	req->br_errors = errors;
	/* Nix's verifyStore tries to repair every broken path. */
	if (req->br_op == WOP_VERIFY_STORE)
		req->br_keep_going = 1;
	s->s_build = req;
	s->s_wait = 1;
	for (i = 0; i < npaths; i++) {
		it = &req->br_items[i];
		it->bi_path = paths[i];
		if ((it->bi_store = strdup(paths[i])) == NULL)
			fatal("strdup");
		if ((bang = strchr(it->bi_store, '!')) != NULL) {
			*bang = '\0';
			it->bi_drv = 1;
		} else
			opaque[nopaque++] = it->bi_store;
	}
	free(paths);
	if (nopaque > 0 && req_query_opaque(req, opaque, nopaque) == -1) {
		free(opaque);
		sched_client_error(s,
		    "too many store paths in one build request");
		s->s_build = NULL;
		s->s_wait = 0;
		req_free(req);
		return;
	}
	free(opaque);
	for (i = 0; i < npaths; i++) {
		it = &req->br_items[i];
		if (!it->bi_drv)
			continue;
		if (priv != NULL) {
			it->bi_goal = priv;
			goal_ref(priv);
		} else
			it->bi_goal = goal_get(it->bi_store);
		it->bi_waiter = waiter_new(NULL, req, i);
		it->bi_wload = 1;
		goal_load_wait(it->bi_goal, it->bi_waiter);
		if (s->s_build != req)
			break;	/* finished already: req is gone */
	}
}

/*
 * Which opaque paths are valid.  A request the client could send fits
 * one message; if it did not, the client is refused, not the process
 * stopped.
 */
static int
req_query_opaque(struct build_req *req, char **opaque, size_t nopaque)
{
	uint32_t	id;

	id = bstore_call_new(req_opaque_reply, req);
	if (msg_send_paths(builder_store(), IMSG_STORE_QUERY_VALID, id,
	    opaque, nopaque) == -1) {
		bstore_call_cancel(id);
		return (-1);
	}
	req->br_calls++;
	return (0);
}

static void
req_item_set(struct build_req *req, size_t idx, int status, const char *err)
{
	struct build_item	*it = &req->br_items[idx];

	if (it->bi_done)
		return;
	it->bi_done = 1;
	it->bi_status = status;
	/* An error already logged (empty, req_log_error) stays so. */
	if (err != NULL && it->bi_error == NULL &&
	    (it->bi_error = strdup(err)) == NULL)
		fatal("strdup");
	if (status != WIRE_BS_BUILT && status != WIRE_BS_ALREADY_VALID)
		req->br_nfailed++;
	req->br_left--;
	if (req->br_left == 0 || (req->br_nfailed > 0 && !req->br_keep_going))
		req_finish(req);
}

static int
req_cmp_str(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* Paths named by the thousand: valid ones are looked up sorted. */
static void
req_opaque_reply(void *arg, struct imsg *imsg)
{
	struct build_req	 *req = arg;
	char			**paths, *key;
	const char		 *errstr;
	size_t			  npaths, i;

	if (req->br_session == NULL) {
		if (--req->br_calls == 0)
			req_free(req);
		return;
	}
	if (imsg_get_type(imsg) != IMSG_STORE_PATHS ||
	    msg_recv_paths(imsg, builder_storedir(), 0, &paths, &npaths,
	    &errstr) == -1) {
		paths = NULL;
		npaths = 0;
	}
	/*
	 * The call counts until the loop is over: an item may finish the
	 * request (req_finish), which frees it only when no call is out.
	 */
	if (npaths > 0)
		qsort(paths, npaths, sizeof(*paths), req_cmp_str);
	for (i = 0; i < req->br_nitems && req->br_session != NULL; i++) {
		if (req->br_items[i].bi_drv)
			continue;
		key = req->br_items[i].bi_store;
		if (npaths > 0 && bsearch(&key, paths, npaths,
		    sizeof(*paths), req_cmp_str) != NULL)
			req_item_set(req, i, WIRE_BS_ALREADY_VALID, NULL);
		else
			req_item_set(req, i, WIRE_BS_NO_SUBSTITUTERS, NULL);
	}
	wire_strings_free(paths, npaths);
	if (--req->br_calls == 0 && req->br_session == NULL)
		req_free(req);
}

/*
 * No network from inside a recursive build: no fixed-output builds.
 * A fixed-output derivation whose output is valid builds nothing, so
 * only the graph's fixed-output derivations with an invalid output
 * refuse the target.  Which are valid is storeproc's to say: the item
 * waits for it (bi_wfixed), and goal_enqueue() refuses again should
 * one become invalid in between.
 */
struct req_fixed {
	struct build_req	 *rf_req;
	size_t			  rf_idx;
	struct goal		**rf_goals;
	size_t			  rf_ngoals;
};

static void	req_fixed_reply(void *, struct imsg *);
static void	req_fixed_free(struct req_fixed *);

static void
req_fixed_refuse(struct build_req *req, size_t idx, struct goal *fixed)
{
	struct build_item	*it = &req->br_items[idx];
	char			*msg;

	if (asprintf(&msg, "cannot build '" OPS_HL("%s") "': the "
	    "fixed-output derivation '" OPS_HL("%s") "' may not be built "
	    "from inside a recursive Nix build", it->bi_goal->g_path,
	    fixed->g_path) == -1)
		fatal("asprintf");
	req_item_set(req, idx, WIRE_BS_MISC_FAILURE, msg);
	free(msg);
}

/* Returns 1 if the item waits for the check, else 0: want it now. */
static int
req_fixed_check(struct build_req *req, size_t idx)
{
	struct build_item	*it = &req->br_items[idx];
	struct req_fixed	*rf;
	char			**paths;
	size_t			  i, j, n = 0;
	uint32_t		  id;

	if (req->br_session == NULL || req->br_session->s_rec == NULL)
		return (0);
	if ((rf = calloc(1, sizeof(*rf))) == NULL)
		fatal("calloc");
	if (rec_graph_fixed(it->bi_goal, ++mark_gen, 0, &rf->rf_goals,
	    &rf->rf_ngoals) == 0) {
		free(rf);
		return (0);
	}
	rf->rf_req = req;
	rf->rf_idx = idx;
	for (i = 0; i < rf->rf_ngoals; i++)
		n += rf->rf_goals[i]->g_drv->d_noutputs;
	if ((paths = calloc(n + 1, sizeof(*paths))) == NULL)
		fatal("calloc");
	for (n = 0, i = 0; i < rf->rf_ngoals; i++) {
		goal_ref(rf->rf_goals[i]);
		for (j = 0; j < rf->rf_goals[i]->g_drv->d_noutputs; j++)
			paths[n++] = rf->rf_goals[i]->g_outpaths[j];
	}
	id = bstore_call_new(req_fixed_reply, rf);
	if (msg_send_paths(builder_store(), IMSG_STORE_QUERY_VALID, id,
	    paths, n) == -1) {
		/* Too large a graph to ask about: refuse it whole. */
		bstore_call_cancel(id);
		free(paths);
		req_fixed_free(rf);
		free(it->bi_waiter);
		it->bi_waiter = NULL;
		req_item_set(req, idx, WIRE_BS_MISC_FAILURE, "too many "
		    "fixed-output derivations to check in one build");
		return (1);
	}
	it->bi_wfixed = 1;
	req->br_calls++;
	free(paths);
	return (1);
}

static void
req_fixed_free(struct req_fixed *rf)
{
	size_t	i;

	for (i = 0; i < rf->rf_ngoals; i++)
		goal_unref(rf->rf_goals[i]);
	free(rf->rf_goals);
	free(rf);
}

/* The first fixed-output goal of rf with an output not in valid. */
static struct goal *
req_fixed_invalid(struct req_fixed *rf, char **valid, size_t nvalid)
{
	struct goal	*g;
	size_t		 i, j, k;
	int		 found;

	for (i = 0; i < rf->rf_ngoals; i++) {
		g = rf->rf_goals[i];
		for (j = 0; j < g->g_drv->d_noutputs; j++) {
			for (found = 0, k = 0; k < nvalid; k++)
				if (strcmp(valid[k], g->g_outpaths[j]) == 0)
					found = 1;
			if (!found)
				return (g);
		}
	}
	return (NULL);
}

static void
req_fixed_reply(void *arg, struct imsg *imsg)
{
	struct req_fixed	*rf = arg;
	struct build_req	*req = rf->rf_req;
	struct build_item	*it = &req->br_items[rf->rf_idx];
	struct goal		*fixed;
	char			**valid = NULL;
	const char		 *errstr;
	size_t			  nvalid = 0;

	req->br_calls--;
	if (req->br_session != NULL && it->bi_wfixed) {
		it->bi_wfixed = 0;
		/* A reply that cannot be read proves nothing valid. */
		if (imsg_get_type(imsg) != IMSG_STORE_PATHS ||
		    msg_recv_paths(imsg, builder_storedir(), 0, &valid, &nvalid,
		    &errstr) == -1)
			nvalid = 0;
		if ((fixed = req_fixed_invalid(rf, valid, nvalid)) != NULL) {
			free(it->bi_waiter);
			it->bi_waiter = NULL;
			req_fixed_refuse(req, rf->rf_idx, fixed);
		} else {
			it->bi_wwant = 1;
			goal_want(it->bi_goal, it->bi_waiter,
			    req->br_keep_going);
		}
		wire_strings_free(valid, nvalid);
	} else if (req->br_session == NULL && req->br_calls == 0)
		req_free(req);
	req_fixed_free(rf);
}

/*
 * Recursive Nix: a target whose graph names a path the build may not
 * use (rec_graph_unknown) fails as an unknown target does, before
 * anything of it is wanted, so nothing of it is built.  Returns 1 if
 * the item was refused.
 */
static int
req_unknown_check(struct build_req *req, size_t idx)
{
	struct build_item	*it = &req->br_items[idx];
	const char		*path;
	char			*msg;

	if (req->br_session == NULL || req->br_session->s_rec == NULL ||
	    (path = rec_graph_unknown(req->br_session, it->bi_goal,
	    ++mark_gen, 0)) == NULL)
		return (0);
	if (asprintf(&msg, "cannot build '" OPS_HL("%s") "' in recursive "
	    "Nix because path '" OPS_HL("%s") "' is unknown: it is neither "
	    "an input of this build nor added or built through its socket",
	    it->bi_path, path) == -1)
		fatal("asprintf");
	log_debug("session %u: %s", req->br_session->s_id, msg);
	free(it->bi_waiter);
	it->bi_waiter = NULL;
	req_item_set(req, idx, WIRE_BS_MISC_FAILURE, msg);
	free(msg);
	return (1);
}

/* The item's goal is loaded: want it, or fail if it could not load. */
void
req_loaded(struct build_req *req, size_t idx)
{
	struct build_item	*it = &req->br_items[idx];
	struct goal		*g = it->bi_goal, *pg;

	it->bi_wload = 0;
	if (g->g_load == GL_FAILED) {
		free(it->bi_waiter);
		it->bi_waiter = NULL;
		req_item_set(req, idx, WIRE_BS_MISC_FAILURE, g->g_load_err);
		return;
	}
	if (req->br_mode != WIRE_BUILD_NORMAL && !g->g_private) {
		if ((pg = goal_new_mode(g, req->br_mode)) == NULL) {
			free(it->bi_waiter);
			it->bi_waiter = NULL;
			req_item_set(req, idx, WIRE_BS_MISC_FAILURE, "cannot "
			    "copy the derivation to build it in this mode");
			return;
		}
		goal_unref(g);		/* the shared goal: loaded, unwanted */
		it->bi_goal = g = pg;
	}
	if (req_unknown_check(req, idx) || req_fixed_check(req, idx))
		return;
	it->bi_wwant = 1;
	goal_want(g, it->bi_waiter, req->br_keep_going);
}

void
req_item_done(struct build_req *req, size_t idx, struct goal *g)
{
	struct build_item	*it = &req->br_items[idx];

	it->bi_wwant = 0;
	it->bi_waiter = NULL;	/* goal_done frees it */
	char			*err = NULL;

	it->bi_times = g->g_times_built;
	it->bi_start = g->g_start;
	it->bi_stop = g->g_stop;
	/* A recursive client gets no log tail (the log is the outer's). */
	if (g->g_error != NULL)
		err = sched_client_censor(req->br_session, g->g_error);
	req_item_set(req, idx, g->g_status, err);
	free(err);
}

/* Stop waiting for anything; the request itself lives on if asked. */
static void
req_detach(struct build_req *req)
{
	struct build_item	*it;
	size_t			 i;

	for (i = 0; i < req->br_nitems; i++) {
		it = &req->br_items[i];
		if (it->bi_wload) {
			TAILQ_REMOVE(&it->bi_goal->g_load_waiters,
			    it->bi_waiter, w_entry);
			free(it->bi_waiter);
		} else if (it->bi_wwant)
			goal_unwant(it->bi_goal, it->bi_waiter);
		else if (it->bi_wfixed)
			free(it->bi_waiter);
		it->bi_wload = it->bi_wwant = it->bi_wfixed = 0;
		it->bi_waiter = NULL;
	}
}

static void
req_free(struct build_req *req)
{
	struct build_item	*it;
	size_t			 i;

	req_detach(req);
	for (i = 0; i < req->br_nitems; i++) {
		it = &req->br_items[i];
		if (it->bi_goal != NULL)
			goal_unref(it->bi_goal);
		free(it->bi_path);
		free(it->bi_store);
		free(it->bi_error);
	}
	free(req->br_items);
	free(req->br_acts);
	free(req);
}

/* The session is going away, or its op is cleared. */
void
req_cancel(struct session *s)
{
	struct build_req	*req = s->s_build;

	if (req == NULL)
		return;
	s->s_build = NULL;
	req->br_session = NULL;
	req_detach(req);
	if (req->br_calls == 0)
		req_free(req);
}

/*
 * Did the client ask for this output?  path is "<drv>!*" or
 * "<drv>!<name>,<name>...", as the client wrote it.
 */
static int
req_output_wanted(const char *path, const char *name)
{
	const char	*p, *q;
	size_t		 len = strlen(name);

	if ((p = strchr(path, '!')) == NULL || strcmp(p + 1, "*") == 0)
		return (1);
	for (p++; ; p = q + 1) {
		q = strchrnul(p, ',');
		if ((size_t)(q - p) == len && strncmp(p, name, len) == 0)
			return (1);
		if (*q == '\0')
			return (0);
	}
}

/*
 * Realisation JSON of each output the client asked for: what
 * builtOutputs maps to.
 */
static void
req_put_outputs(struct wire_out *out, struct goal *g, const char *path)
{
	const char	*base;
	char		*key, *json;
	size_t		 i, n = 0;

	if (g == NULL || g->g_outpaths == NULL) {
		wire_put_u64(out, 0);
		return;
	}
	for (i = 0; i < g->g_drv->d_noutputs; i++)
		if (req_output_wanted(path, g->g_drv->d_outputs[i].do_name))
			n++;
	wire_put_u64(out, n);
	/* Output names are sorted in the .drv, so the keys are too. */
	for (i = 0; i < g->g_drv->d_noutputs; i++) {
		if (!req_output_wanted(path, g->g_drv->d_outputs[i].do_name))
			continue;
		base = g->g_outpaths[i] + strlen(builder_storedir()) + 1;
		if (asprintf(&key, "sha256:%s!%s", g->g_hash,
		    g->g_drv->d_outputs[i].do_name) == -1 ||
		    asprintf(&json, "{\"dependentRealisations\":{},\"id\":"
		    "\"%s\",\"outPath\":\"%s\",\"signatures\":[]}", key,
		    base) == -1)
			fatal("asprintf");
		wire_put_string(out, key);
		wire_put_string(out, json);
		free(key);
		free(json);
	}
}

static void
req_put_result(struct build_req *req, struct build_item *it)
{
	struct wire_out	*out = &req->br_session->s_reply;
	unsigned int	 minor = req->br_session->s_hello.wh_minor;
	int		 ok = it->bi_status == WIRE_BS_BUILT ||
			    it->bi_status == WIRE_BS_ALREADY_VALID;
	char		*msg = NULL;

	if (!it->bi_done)
		it->bi_status = WIRE_BS_MISC_FAILURE;
	if (it->bi_error != NULL && asprintf(&msg, "\x1b[0m%s",
	    it->bi_error) == -1)
		fatal("asprintf");
	if (req->br_op != WOP_BUILD_DERIVATION)
		wire_put_string(out, it->bi_path);
	wire_put_u64(out, it->bi_status);
	wire_put_string(out, msg != NULL ? msg : "");
	free(msg);
	if (minor >= 29) {
		wire_put_u64(out, it->bi_times);
		wire_put_bool(out, 0);
		wire_put_u64(out, it->bi_times > 0 ? it->bi_start : 0);
		wire_put_u64(out, it->bi_times > 0 ? it->bi_stop : 0);
	}
	/*
	 * cpuUser and cpuSystem, optional microseconds: Nix fills them
	 * from a build's cgroup only; rnixd runs builders in none, so
	 * both are absent (tag 0), as with Nix without use-cgroups.
	 */
	if (minor >= 37) {
		wire_put_u64(out, 0);
		wire_put_u64(out, 0);
	}
	if (minor >= 28)
		req_put_outputs(out, ok && it->bi_drv ? it->bi_goal : NULL,
		    it->bi_path);
}

/* The name in a store path: what follows "<hash>-". */
static const char *
req_path_name(const char *path)
{
	const char	*base = strrchr(path, '/'), *name;

	base = base != NULL ? base + 1 : path;
	return ((name = strchr(base, '-')) != NULL ? name + 1 : base);
}

/* Nix's order of goals: substitutions, then builds; by name, path. */
static int
req_cmp_goal(const void *a, const void *b)
{
	const struct build_item	*x = *(struct build_item *const *)a;
	const struct build_item	*y = *(struct build_item *const *)b;
	int			 c;

	if (x->bi_drv != y->bi_drv)
		return (x->bi_drv - y->bi_drv);
	if ((c = strcmp(req_path_name(x->bi_store),
	    req_path_name(y->bi_store))) != 0)
		return (c);
	return (strcmp(x->bi_store, y->bi_store));
}

static int
req_cmp_path(const void *a, const void *b)
{
	return (strcmp((*(struct build_item *const *)a)->bi_store,
	    (*(struct build_item *const *)b)->bi_store));
}

/*
 * The failed items, once each, in Nix's order of goals; those not
 * over (stopped by a failure, no keep-going) count as failed, as in
 * Nix.  Returns how many.
 */
static size_t
req_failed_items(struct build_req *req, struct build_item **v)
{
	struct build_item	*it;
	size_t			 i, n = 0, j;

	for (i = 0; i < req->br_nitems; i++) {
		it = &req->br_items[i];
		if (it->bi_done && (it->bi_status == WIRE_BS_BUILT ||
		    it->bi_status == WIRE_BS_ALREADY_VALID))
			continue;
		v[n++] = it;
	}
	/* Sorted, a path named twice is next to itself. */
	qsort(v, n, sizeof(*v), req_cmp_path);
	for (i = 0, j = 0; i < n; i++)
		if (j == 0 || strcmp(v[j - 1]->bi_store, v[i]->bi_store) != 0)
			v[j++] = v[i];
	qsort(v, j, sizeof(*v), req_cmp_goal);
	return (j);
}

/*
 * "'a', 'b', 'c'": built in one pass, since a client may name tens of
 * thousands of paths and rebuilding the string for each would take
 * minutes, all other sessions waiting.
 */
static char *
req_path_list(struct build_item **v, size_t n)
{
	char	*list, *p;
	size_t	 i, len = 1;

	for (i = 0; i < n; i++)
		len += strlen(v[i]->bi_store) + 4;
	if ((list = malloc(len)) == NULL)
		fatal("malloc");
	for (p = list, i = 0; i < n; i++)
		p += snprintf(p, len - (p - list), "%s'%s'", i > 0 ? ", " : "",
		    v[i]->bi_store);
	*p = '\0';
	return (list);
}

/*
 * BuildPaths: u64 1, or the error of the one failure, or a summary of
 * the failed paths (sorted).  An empty error went out in the log
 * already, as Nix logs the error of a goal other goals wait for
 * (req_log_error) and keeps no error to throw.  The first error in
 * Nix's order is thrown or logged last, the others logged at once.
 */
static void
req_put_paths_error(struct build_req *req)
{
	struct session		 *s = req->br_session;
	struct build_item	**v, *first = NULL;
	char			 *list;
	size_t			  i, n;

	if ((v = calloc(req->br_nitems + 1, sizeof(*v))) == NULL)
		fatal("calloc");
	n = req_failed_items(req, v);
	for (i = 0; i < n; i++) {
		if (v[i]->bi_error == NULL || v[i]->bi_error[0] == '\0')
			continue;
		if (first == NULL)
			first = v[i];
		else
			req_session_error(s, v[i]->bi_error);
	}
	qsort(v, n, sizeof(*v), req_cmp_path);
	list = req_path_list(v, n);
	if (n == 0)
		wire_put_u64(&s->s_reply, 1);
	else if (n == 1 && first != NULL)
		sched_client_error(s, "%s", first->bi_error);
	else {
		if (first != NULL)
			req_session_error(s, first->bi_error);
		sched_client_error(s, "build of " OPS_HL("%s") " failed",
		    list);
	}
	free(list);
	free(v);
}

/*
 * VerifyStore with repair: each failed rebuild is logged, as Nix logs
 * a repair that failed, and counts as an error found.
 */
static void
req_put_verify(struct build_req *req)
{
	struct build_item	*it;
	size_t			 i;
	int			 errors = req->br_errors;

	for (i = 0; i < req->br_nitems; i++) {
		it = &req->br_items[i];
		if (it->bi_done && (it->bi_status == WIRE_BS_BUILT ||
		    it->bi_status == WIRE_BS_ALREADY_VALID))
			continue;
		errors = 1;
		if (it->bi_error != NULL && it->bi_error[0] != '\0')
			req_session_error(req->br_session, it->bi_error);
	}
	wire_put_bool(&req->br_session->s_reply, errors);
}

/* Recursive Nix: what was built becomes allowed, with its closure. */
static void
req_candidates(struct build_req *req)
{
	struct build_item	*it;
	size_t			 i, j;

	if (req->br_session->s_rec == NULL)
		return;
	for (i = 0; i < req->br_nitems; i++) {
		it = &req->br_items[i];
		if (!it->bi_done || !it->bi_drv || it->bi_goal == NULL ||
		    it->bi_goal->g_outpaths == NULL ||
		    (it->bi_status != WIRE_BS_BUILT &&
		    it->bi_status != WIRE_BS_ALREADY_VALID))
			continue;
		for (j = 0; j < it->bi_goal->g_drv->d_noutputs; j++)
			sched_client_candidate(req->br_session,
			    it->bi_goal->g_outpaths[j]);
	}
}

static void
req_finish(struct build_req *req)
{
	struct session	*s = req->br_session;
	size_t		 i;

	if (s == NULL)
		return;
	req_detach(req);
	req_stop_acts(req);
	if (req->br_op == WOP_VERIFY_STORE)
		req_put_verify(req);
	else if (req->br_op == WOP_BUILD_PATHS)
		req_put_paths_error(req);
	else if (req->br_op == WOP_BUILD_DERIVATION)
		req_put_result(req, &req->br_items[0]);
	else {
		wire_put_u64(&s->s_reply, req->br_nitems);
		for (i = 0; i < req->br_nitems; i++)
			req_put_result(req, &req->br_items[i]);
	}
	req_candidates(req);
	req_hand_back(req);
}

/*
 * The reply is written: the session goes on to its next op, and req
 * lives on only while store calls of it are out.
 */
static void
req_hand_back(struct build_req *req)
{
	struct session	*s = req->br_session;

	s->s_build = NULL;
	s->s_wait = 0;
	req->br_session = NULL;
	if (req->br_calls == 0)
		req_free(req);
	sched_client_resume(s);
}

/* A generation of g_mark no walk has used yet. */
unsigned int
req_mark_new(void)
{
	return (++mark_gen);
}

/*
 * Every request waiting for g, directly or through other goals: fn is
 * called once per request.  Marks keep diamonds from repeating.
 */
static void
goal_walk(struct goal *g, void (*fn)(struct build_req *, void *), void *arg,
    unsigned int gen)
{
	struct waiter	*w;

	if (g->g_mark == gen)
		return;
	g->g_mark = gen;
	TAILQ_FOREACH(w, &g->g_waiters, w_entry) {
		if (w->w_goal != NULL)
			goal_walk(w->w_goal, fn, arg, gen);
		else if (w->w_req->br_session != NULL &&
		    w->w_req->br_mark != gen) {
			w->w_req->br_mark = gen;
			fn(w->w_req, arg);
		}
	}
}

static void
req_first(struct build_req *req, void *arg)
{
	struct session	**sp = arg;

	if (*sp == NULL)
		*sp = req->br_session;
}

struct session *
req_first_session(const struct goal *g)
{
	struct session	*s = NULL;

	goal_walk((struct goal *)g, req_first, &s, ++mark_gen);
	return (s);
}

/* The client's "timeout" override (untrusted clients may set it). */
void
req_session_timeout(struct session *s, unsigned int *timeout)
{
	const char	*errstr;
	size_t		 i;
	long long	 v;

	for (i = 0; i < s->s_opts.opt_noverrides; i++) {
		if (strcmp(s->s_opts.opt_overrides[i].wp_key, "timeout") != 0 &&
		    strcmp(s->s_opts.opt_overrides[i].wp_key,
		    "build-timeout") != 0)
			continue;
		v = strtonum(s->s_opts.opt_overrides[i].wp_value, 0,
		    CONFIG_UINT_MAX, &errstr);
		if (errstr == NULL)
			*timeout = v;
	}
}

struct roots_arg {
	char		**ra_paths;
	size_t		  ra_npaths;
};

static void
req_roots(struct build_req *req, void *arg)
{
	struct roots_arg	*ra = arg;

	(void)msg_send_paths(builder_store(), IMSG_STORE_TEMP_ROOTS,
	    req->br_session->s_id, ra->ra_paths, ra->ra_npaths);
}

/*
 * Hand the new outputs' temporary roots to every session waiting on g,
 * directly or through the goals that need it, once each: the waiters
 * form a DAG, whose paths can be exponentially many.
 */
void
req_root_waiters(struct goal *g, char **paths, size_t npaths)
{
	struct roots_arg	ra = { paths, npaths };

	goal_walk(g, req_roots, &ra, ++mark_gen);
}

struct walk_arg {
	int		 wa_found;
	unsigned int	 wa_gen;
};

/*
 * The log of an inner build goes to the outer build's clients and log
 * (req_log): either lagging holds it, as if the outer build wrote it.
 */
static void
req_congested(struct build_req *req, void *arg)
{
	struct walk_arg	*wa = arg;
	struct goal	*outer;

	if (req->br_session->s_rec != NULL) {
		outer = rec_outer_goal(req->br_session);
		if (outer == NULL || outer->g_mark == wa->wa_gen)
			return;
		if (outer->g_npend >= BUILD_LOG_HIGH)
			wa->wa_found = 1;
		goal_walk(outer, req_congested, wa, wa->wa_gen);
	} else if (req->br_session->s_out.wo_len >= SESSION_OUT_HIGH)
		wa->wa_found = 1;
}

/* A client of g has more log queued than it may: stop reading the pty. */
int
req_log_congested(struct goal *g)
{
	struct walk_arg	wa = { 0, ++mark_gen };

	goal_walk(g, req_congested, &wa, wa.wa_gen);
	return (wa.wa_found);
}

static void
req_inside(struct build_req *req, void *arg)
{
	int	*inside = arg;

	if (req->br_session->s_rec != NULL)
		*inside = 1;
}

static void
req_outside(struct build_req *req, void *arg)
{
	int	*outside = arg;

	if (req->br_session->s_rec == NULL)
		*outside = 1;
}

/* Does a client outside every sandbox wait for g, directly or not? */
int
req_wanted_outside(struct goal *g)
{
	int	outside = 0;

	goal_walk(g, req_outside, &outside, ++mark_gen);
	return (outside);
}

/* Does a recursive build wait for g, directly or not? */
int
req_wanted_inside(struct goal *g)
{
	int	inside = 0;

	goal_walk(g, req_inside, &inside, ++mark_gen);
	return (inside);
}

/*
 * Fail the build op of s now with msg, whatever it waits for: the
 * goals it wanted are let go (dropped from the queue if nobody else
 * wants them).
 */
void
req_abort(struct session *s, const char *msg)
{
	struct build_req	*req = s->s_build;

	if (req == NULL)
		return;
	req_detach(req);
	req_stop_acts(req);
	sched_client_error(s, "%s", msg);
	req_hand_back(req);
}

static int
req_has_act(struct build_req *req, uint64_t act)
{
	size_t	i;

	for (i = 0; i < req->br_nacts; i++)
		if (req->br_acts[i] == act)
			return (1);
	return (0);
}

static void
req_drop_act(struct build_req *req, uint64_t act)
{
	size_t	i;

	for (i = 0; i < req->br_nacts; i++)
		if (req->br_acts[i] == act) {
			req->br_acts[i] = req->br_acts[--req->br_nacts];
			return;
		}
}

/*
 * Output queued from deep inside the scheduler: only count it and arm
 * the write event, since running the session here could close it
 * mid-walk.
 */
static void
req_session_kick(struct session *s)
{
	sched_client_account(s);
	if (s->s_out.wo_len > 0)
		event_add(&s->s_ev_write, NULL);
}

struct log_arg {
	struct goal	*la_goal;
	const char	*la_line;
	size_t		 la_len;
	int		 la_stop;
	unsigned int	 la_gen;
};

static void	req_log(struct build_req *, void *);

/*
 * An inner build of a recursive one.  Its log does not go into the
 * sandbox (Nix's recursive daemon sends the builder no log either):
 * it goes where Nix sends it, to the outer build's clients, and into
 * the outer build's own log, so that nix log shows it too.
 */
static void
req_log_outer(struct session *s, struct log_arg *la)
{
	struct goal	*outer = rec_outer_goal(s);

	if (outer == NULL || outer->g_mark == la->la_gen)
		return;
	if (la->la_line != NULL && !la->la_stop)
		buildlog_inner_line(outer, la->la_line, la->la_len);
	goal_walk(outer, req_log, la, la->la_gen);
}

static void
req_log(struct build_req *req, void *arg)
{
	struct log_arg		*la = arg;
	struct goal		*g = la->la_goal;
	struct session		*s = req->br_session;
	struct wire_field	 f[4];
	char			*text, *line;
	uint64_t		*acts;

	if (s->s_flag & OPF_LAST_SENT)
		return;
	if (s->s_rec != NULL) {
		req_log_outer(s, la);
		return;
	}
	if (!req_has_act(req, g->g_act)) {
		if (la->la_stop)
			return;
		if ((acts = reallocarray(req->br_acts, req->br_nacts + 1,
		    sizeof(*acts))) == NULL)
			fatal("reallocarray");
		req->br_acts = acts;
		acts[req->br_nacts++] = g->g_act;
		/* Nix's words for each build mode. */
		if (asprintf(&text, g->g_mode == WIRE_BUILD_REPAIR ?
		    "repairing outputs of '%s'" : g->g_mode ==
		    WIRE_BUILD_CHECK ? "checking outputs of '%s'" :
		    "building '%s'", g->g_path) == -1)
			fatal("asprintf");
		f[0] = (struct wire_field){ WIRE_FIELD_STRING, 0, g->g_path };
		f[1] = (struct wire_field){ WIRE_FIELD_STRING, 0, "" };
		f[2] = (struct wire_field){ WIRE_FIELD_INT, 1, NULL };
		f[3] = (struct wire_field){ WIRE_FIELD_INT, 1, NULL };
		wire_put_start_activity(&s->s_out, g->g_act, WIRE_LVL_INFO,
		    WIRE_ACT_BUILD, text, f, 4, 0);
		free(text);
	}
	if (la->la_stop) {
		wire_put_stop_activity(&s->s_out, g->g_act);
		req_drop_act(req, g->g_act);
	} else if (la->la_line != NULL) {
		if ((line = strndup(la->la_line, la->la_len)) == NULL)
			fatal("strndup");
		f[0] = (struct wire_field){ WIRE_FIELD_STRING, 0, line };
		wire_put_result(&s->s_out, g->g_act, WIRE_RES_BUILD_LOG_LINE,
		    f, 1);
		free(line);
	}
	req_session_kick(s);
}

void
req_log_line(struct goal *g, const char *line, size_t len)
{
	struct log_arg	la = { g, line, len, 0, ++mark_gen };

	goal_walk(g, req_log, &la, la.la_gen);
}

/*
 * A build starts: its clients print "building '…'" now, as Nix's do,
 * whether or not the builder ever writes a line.
 */
void
req_log_begin(struct goal *g)
{
	struct log_arg	la = { g, NULL, 0, 0, ++mark_gen };

	goal_walk(g, req_log, &la, la.la_gen);
}

/* Tell the clients of a build that it is over; each forgets it. */
void
req_log_stop(struct goal *g)
{
	struct log_arg	la = { g, NULL, 0, 1, ++mark_gen };

	goal_walk(g, req_log, &la, la.la_gen);
}

void
req_stop_acts(struct build_req *req)
{
	struct session	*s = req->br_session;
	size_t		 i;

	/* Builds still running when the op ends: close their activity. */
	for (i = 0; s != NULL && i < req->br_nacts; i++)
		if ((s->s_flag & OPF_LAST_SENT) == 0)
			wire_put_stop_activity(&s->s_out, req->br_acts[i]);
	req->br_nacts = 0;
}

/* An error Nix logs rather than throws: "error: …" on the client. */
void
req_session_error(struct session *s, const char *msg)
{
	char	*line;

	if (asprintf(&line, "\x1b[31;1merror:\x1b[0m %s\n", msg) == -1)
		fatal("asprintf");
	wire_put_stderr_next(&s->s_out, line);
	free(line);
}

struct req_logged {
	struct goal	*rl_goal;
	const char	*rl_msg;
};

/*
 * The error goes to the client now.  BuildPaths wanting the goal too
 * then throws no error of it (an empty text marks the item), as Nix.
 */
static void
req_error(struct build_req *req, void *arg)
{
	struct req_logged	*rl = arg;
	struct build_item	*it;
	size_t			 i;

	/* Not to a recursive client: its failure carries no log tail. */
	if (req->br_session->s_rec != NULL)
		return;
	req_session_error(req->br_session, rl->rl_msg);
	req_session_kick(req->br_session);
	if (req->br_op != WOP_BUILD_PATHS)
		return;
	for (i = 0; i < req->br_nitems; i++) {
		it = &req->br_items[i];
		if (it->bi_goal == rl->rl_goal && !it->bi_done &&
		    it->bi_error == NULL && (it->bi_error = strdup("")) == NULL)
			fatal("strdup");
	}
}

/*
 * A goal others wait for failed: the clients of those others see why
 * now.  A client wanting only the goal itself gets the error as its
 * result, as from Nix, where a goal nothing waits for keeps its error.
 */
void
req_log_error(struct goal *g, const char *msg)
{
	struct req_logged	 rl;
	struct waiter		*w;
	unsigned int		 gen = ++mark_gen;

	rl.rl_goal = g;
	rl.rl_msg = msg;
	g->g_mark = gen;
	TAILQ_FOREACH(w, &g->g_waiters, w_entry)
		if (w->w_goal != NULL)
			goal_walk(w->w_goal, req_error, &rl, gen);
}
