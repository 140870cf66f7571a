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
 * The derivation graph: one goal per .drv path, in a tree shared by
 * every session, loaded from storeproc (STORE_QUERY_DRV) one .drv at a
 * time.  drv.h's hasher wants a synchronous loader, so a goal counts as
 * loaded only once every goal below it is: then the loader finds any
 * input .drv in memory, and hashDerivationModulo and the output checks
 * run at once.  The texts are kept because the hasher frees what the
 * loader gives it: each call parses a fresh copy.  One hasher lives as
 * long as any goal does, so its memo spares re-hashing shared inputs.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builderproc.h"
#include "sched.h"
#include "log.h"
#include "msg_store.h"

int	goal_cmp(struct goal *, struct goal *);
RB_PROTOTYPE(goal_tree, goal, g_entry, goal_cmp)
RB_GENERATE(goal_tree, goal, g_entry, goal_cmp)

static struct goal_tree		goals = RB_INITIALIZER(&goals);
static struct drv_hasher	hasher;
static int			hasher_live;

static void	goal_load_reply(void *, struct imsg *);
static void	goal_load_fail(struct goal *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static void	goal_load_done(struct goal *);
static void	goal_input_loaded(struct goal *, struct goal *);

int
goal_cmp(struct goal *a, struct goal *b)
{
	return (strcmp(a->g_path, b->g_path));
}

struct waiter *
waiter_new(struct goal *g, struct build_req *req, size_t idx)
{
	struct waiter	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		fatal("calloc");
	w->w_goal = g;
	w->w_req = req;
	w->w_idx = idx;
	return (w);
}

static struct goal *
goal_alloc(const char *drvpath)
{
	struct goal	*g;
	const char	*errstr;

	if ((g = calloc(1, sizeof(*g))) == NULL ||
	    (g->g_path = strdup(drvpath)) == NULL)
		fatal("calloc");
	if (drv_name_from_path(builder_storedir(), drvpath, g->g_name,
	    sizeof(g->g_name), &errstr) == -1)
		g->g_name[0] = '\0';
	TAILQ_INIT(&g->g_load_waiters);
	TAILQ_INIT(&g->g_waiters);
	g->g_user = -1;
	g->g_logfd = -1;
	g->g_storelog = -1;
	if (!hasher_live) {
		drv_hasher_init(&hasher, builder_storedir(), NULL, NULL);
		hasher_live = 1;
	}
	return (g);
}

/* The goal of drvpath, made if there is none; the caller takes a ref. */
struct goal *
goal_get(const char *drvpath)
{
	struct goal	*g, key;

	key.g_path = (char *)drvpath;
	if ((g = RB_FIND(goal_tree, &goals, &key)) != NULL) {
		g->g_refs++;
		return (g);
	}
	g = goal_alloc(drvpath);
	RB_INSERT(goal_tree, &goals, g);
	g->g_refs = 1;
	return (g);
}

/* BuildDerivation's goal: its drv came from the client, not the store. */
struct goal *
goal_new_private(const char *drvpath, struct drv *d)
{
	struct goal	*g;

	g = goal_alloc(drvpath);
	g->g_private = 1;
	g->g_refs = 1;
	g->g_drv = d;
	attrs_flags(g);
	g->g_load = GL_FETCH;
	goal_load_done(g);
	return (g);
}

/*
 * A private goal building g's derivation in another mode (check,
 * repair), so that other clients' goal never changes mode: a copy of
 * its derivation, whose inputs are the shared goals, loaded already,
 * so that it is ready at once.  NULL if g could not be copied.
 */
struct goal *
goal_new_mode(struct goal *g, uint64_t mode)
{
	struct goal	*pg;
	struct drv	*d;
	const char	*errstr;
	char		*text;
	size_t		 len;

	if (drv_unparse(g->g_drv, 0, NULL, 0, &text, &len, &errstr) == -1)
		return (NULL);
	if (drv_parse(builder_storedir(), text, len, &d, &errstr) == -1) {
		free(text);
		return (NULL);
	}
	free(text);
	pg = goal_new_private(g->g_path, d);
	pg->g_mode = mode;
	if (pg->g_load != GL_READY) {
		goal_unref(pg);
		return (NULL);
	}
	return (pg);
}

void
goal_ref(struct goal *g)
{
	g->g_refs++;
}

void
goal_unref(struct goal *g)
{
	size_t	i;

	if (--g->g_refs > 0)
		return;
	if (!g->g_private)
		RB_REMOVE(goal_tree, &goals, g);
	for (i = 0; i < g->g_ninputs; i++)
		if (g->g_inputs[i] != NULL)
			goal_unref(g->g_inputs[i]);
	free(g->g_inputs);
	if (g->g_drv != NULL)
		drv_free(g->g_drv);
	free(g->g_load_err);
	free(g->g_outpaths);
	free(g->g_valid);
	free(g->g_error);
	free(g->g_kill_msg);
	wire_strings_free(g->g_closure, g->g_nclosure);
	graph_free(g);
	buildlog_tail_free(g);
	free(g->g_path);
	free(g);
	if (RB_EMPTY(&goals) && hasher_live) {
		drv_hasher_clear(&hasher);
		hasher_live = 0;
	}
}

/* Parses a fresh copy of a loaded goal's .drv for the hasher. */
static int
goal_hash_load(void *arg, const char *drvpath, struct drv **d,
    const char **errstr)
{
	struct goal	*g, key;
	char		*text;
	size_t		 len;

	(void)arg;
	key.g_path = (char *)drvpath;
	if ((g = RB_FIND(goal_tree, &goals, &key)) == NULL ||
	    g->g_drv == NULL) {
		*errstr = "input derivation not loaded";
		return (-1);
	}
	if (drv_unparse(g->g_drv, 0, NULL, 0, &text, &len, errstr) == -1)
		return (-1);
	if (drv_parse(builder_storedir(), text, len, d, errstr) == -1) {
		free(text);
		return (-1);
	}
	free(text);
	return (0);
}

/* Ask storeproc for the .drv, unless that is done or under way. */
void
goal_load(struct goal *g)
{
	uint32_t	id;

	if (g->g_load != GL_NONE)
		return;
	g->g_load = GL_FETCH;
	goal_ref(g);
	id = bstore_call_new(goal_load_reply, g);
	if (msg_send_path(builder_store(), IMSG_STORE_QUERY_DRV, id,
	    g->g_path, -1) == -1)
		fatalx("%s: cannot send a store path", __func__);
}

/* w is told (goal_loaded on its goal, or its request) once g is. */
void
goal_load_wait(struct goal *g, struct waiter *w)
{
	/* Loaded already (by another client, say): tell w at once. */
	if (g->g_load == GL_READY || g->g_load == GL_FAILED) {
		if (w->w_goal != NULL) {
			goal_input_loaded(w->w_goal, g);
			free(w);
		} else
			req_loaded(w->w_req, w->w_idx);
		return;
	}
	TAILQ_INSERT_TAIL(&g->g_load_waiters, w, w_entry);
	goal_load(g);
}

static void
goal_load_fail(struct goal *g, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	if (vasprintf(&g->g_load_err, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	g->g_load = GL_FAILED;
	goal_load_done(g);
}

static void
goal_load_reply(void *arg, struct imsg *imsg)
{
	struct goal	*g = arg;
	struct drv	*d;
	const char	*errstr;
	char		*text;
	size_t		 len;

	if (imsg_get_type(imsg) == IMSG_STORE_ERROR) {
		if (msg_recv_text(imsg, MSG_ERROR_MAX, &text, &errstr) == -1)
			goal_load_fail(g, "bad reply from the store");
		else {
			/* Nix's words when the .drv itself is not there. */
			if (strstr(text, "is not valid") != NULL)
				goal_load_fail(g, "cannot build missing "
				    "derivation '" OPS_HL("%s") "'", g->g_path);
			else
				goal_load_fail(g, "%s", text);
			free(text);
		}
	} else if (imsg_get_type(imsg) != IMSG_STORE_DRV ||
	    msg_recv_drv(imsg, &text, &len, &errstr) == -1)
		goal_load_fail(g, "bad reply from the store");
	else if (drv_parse(builder_storedir(), text, len, &d, &errstr) == -1) {
		goal_load_fail(g, "error parsing derivation '" OPS_HL("%s")
		    "': %s", g->g_path, errstr);
		free(text);
	} else {
		free(text);
		g->g_drv = d;
		attrs_flags(g);
		goal_load_done(g);
	}
	goal_unref(g);
}

/* The .drv is parsed: load the inputs, or finish if there are none. */
static void
goal_load_inputs(struct goal *g)
{
	struct goal	*in;
	size_t		 i, n = g->g_drv->d_ninputs;

	if (n > 0 && (g->g_inputs = calloc(n, sizeof(*g->g_inputs))) ==
	    NULL)
		fatal("calloc");
	g->g_ninputs = n;
	g->g_load = GL_INPUTS;
	g->g_load_wait = 1;	/* held until every input is asked */
	goal_ref(g);
	for (i = 0; i < n && g->g_load == GL_INPUTS; i++) {
		in = goal_get(g->g_drv->d_inputs[i].di_path);
		g->g_inputs[i] = in;
		if (in->g_load == GL_FAILED) {
			goal_load_fail(g, "%s", in->g_load_err);
			break;
		}
		if (in->g_load == GL_READY)
			continue;
		g->g_load_wait++;
		goal_load_wait(in, waiter_new(g, NULL, i));
	}
	if (g->g_load == GL_INPUTS)
		goal_input_loaded(g, NULL);
	goal_unref(g);
}

/* Hashes and output paths, once the whole graph below is here. */
static void
goal_compute(struct goal *g)
{
	struct hash	 h;
	const char	*errstr;
	size_t		 i, n = g->g_drv->d_noutputs;

	/* A client's BasicDerivation lacks its inputDrvs: no path check. */
	hasher.dh_load = goal_hash_load;
	if ((!g->g_private && drv_check_outputs(&hasher, g->g_path, g->g_drv,
	    &errstr) == -1) ||
	    drv_hash_modulo(&hasher, g->g_name, g->g_drv, 1, &h,
	    &errstr) == -1 ||
	    hash_format(&h, HASH_ENC_BASE16, 0, g->g_hash,
	    sizeof(g->g_hash)) == -1) {
		goal_load_fail(g, "%s", errstr);
		return;
	}
	if ((g->g_outpaths = calloc(n, sizeof(*g->g_outpaths))) == NULL ||
	    (g->g_valid = calloc(n, sizeof(*g->g_valid))) == NULL)
		fatal("calloc");
	for (i = 0; i < n; i++)
		strlcpy(g->g_outpaths[i], g->g_drv->d_outputs[i].do_path,
		    sizeof(g->g_outpaths[i]));
	g->g_load = GL_READY;
	goal_load_done(g);
}

/* An input finished loading (in NULL: the asking loop is over). */
static void
goal_input_loaded(struct goal *g, struct goal *in)
{
	if (g->g_load != GL_INPUTS)
		return;
	if (in != NULL && in->g_load == GL_FAILED) {
		goal_load_fail(g, "%s", in->g_load_err);
		return;
	}
	if (--g->g_load_wait == 0)
		goal_compute(g);
}

/*
 * Called at each step: after the parse (go on to the inputs), and once
 * READY or FAILED (tell whoever waits).
 */
static void
goal_load_done(struct goal *g)
{
	struct waiter	*w;

	if (g->g_load == GL_FETCH) {
		goal_load_inputs(g);
		return;
	}
	if (g->g_load == GL_INPUTS)
		return;
	goal_ref(g);
	while ((w = TAILQ_FIRST(&g->g_load_waiters)) != NULL) {
		TAILQ_REMOVE(&g->g_load_waiters, w, w_entry);
		/* A request keeps its waiter to want the goal with. */
		if (w->w_goal != NULL) {
			goal_input_loaded(w->w_goal, g);
			free(w);
		} else
			req_loaded(w->w_req, w->w_idx);
	}
	goal_loaded(g);
	goal_unref(g);
}

/* Index of the output called name, or -1. */
int
goal_find_output(const struct goal *g, const char *name)
{
	long	i;

	if (g->g_drv == NULL || (i = drv_find_output(g->g_drv, name)) < 0)
		return (-1);
	return ((int)i);
}
