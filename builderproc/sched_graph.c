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
 * exportReferencesGraph needs the references (and, under __json, the
 * NAR hashes and sizes) of the paths it names and of their closures.
 * Those lie in the build's input closure, which Nix 2.8 requires of
 * them, so the path infos of the input closure, asked of storeproc
 * once the closure is known, answer every name of the derivation.
 *
 * Nix 2.8 also adds, for each .drv in a graph, the closures of that
 * derivation's outputs, which may lie outside the input closure.  So,
 * in three steps, each one's replies counted down in g_graph_wait:
 * the path infos of the input closure (GP_INPUTS); each .drv of it
 * and, one output at a time, the closure of its outputs (GP_DRVS);
 * the path infos of the paths those closures add (GP_MORE).  Which
 * .drvs are in a graph is known only when the builder's environment
 * is made, so every .drv of the input closure is asked, and an error
 * (an output not valid) is kept for the graph that holds the .drv.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builderproc.h"
#include "sched.h"
#include "log.h"
#include "msg_store.h"
#include "wire.h"

/*
 * The output closures of all .drvs, counted with their repeats (the
 * .drvs of one package set share most of them); what they add to the
 * input closure is held to MSG_PATHS_MAX, as the input closure is.
 */
#define GRAPH_OUTS_MAX	(4 * MSG_PATHS_MAX)
#define GRAPH_TOO_BIG	2	/* g_graph_err: past those limits */

enum {
	GP_INPUTS,
	GP_DRVS,
	GP_MORE
};

struct graph_call {
	struct goal	*gc_goal;
	size_t		 gc_at;
};

static void	graph_reply(void *, struct imsg *);
static void	graph_step(struct goal *);
static void	graph_drvs_fetch(struct goal *);
static void	graph_drv_reply(void *, struct imsg *);
static void	graph_out_next(struct graph_call *);
static void	graph_out_reply(void *, struct imsg *);
static void	graph_drv_done(struct graph_call *);
static void	graph_more_fetch(struct goal *);
static void	graph_info_send(struct goal *, size_t, const char *);
static int	graph_pcmp(const void *, const void *);
static int	graph_is_drv(const char *);
static const struct graph_drv *graph_drv_find(const struct goal *,
		    const char *);
static int	graph_add_outputs(const struct goal *, char *, char **);
static int	graph_mark(const struct goal *, char **, size_t, int,
		    size_t **, size_t *, char **);
static int	graph_cmp(const void *, const void *);
static long	graph_find(const struct goal *, const char *, size_t);
static long	graph_start(const struct goal *, const char *, char **);
static void	graph_walk(const struct goal *, char *, size_t *, size_t);

/* Does the derivation name paths whose graph it wants? */
int
graph_wanted(const struct goal *g)
{
	long	e;

	if ((e = drv_find_env(g->g_drv, "__json")) >= 0)
		return (strstr(g->g_drv->d_env[e].de_value,
		    "\"exportReferencesGraph\"") != NULL);
	if ((e = drv_find_env(g->g_drv, "exportReferencesGraph")) < 0)
		return (0);
	return (g->g_drv->d_env[e].de_value[strspn(g->g_drv->d_env[e].
	    de_value, " \t\n\r")] != '\0');
}

/* Ask for every path info of the closure; sched_closure_done goes on. */
void
graph_fetch(struct goal *g)
{
	size_t	i;

	graph_free(g);
	if ((g->g_graph = calloc(g->g_nclosure + 1, sizeof(*g->g_graph))) ==
	    NULL)
		fatal("calloc");
	g->g_ngraph = g->g_nclosure;
	g->g_graph_phase = GP_INPUTS;
	if (g->g_nclosure == 0) {
		goal_ref(g);
		sched_closure_done(g, g->g_closure, g->g_nclosure);
		goal_unref(g);
		return;
	}
	g->g_graph_wait = g->g_nclosure;
	for (i = 0; i < g->g_nclosure; i++)
		graph_info_send(g, i, g->g_closure[i]);
}

/* Ask for the path info of path, to be kept in g_graph[at]. */
static void
graph_info_send(struct goal *g, size_t at, const char *path)
{
	struct graph_call	*gc;
	uint32_t		 id;

	if ((gc = calloc(1, sizeof(*gc))) == NULL)
		fatal("calloc");
	gc->gc_goal = g;
	gc->gc_at = at;
	goal_ref(g);
	id = bstore_call_new(graph_reply, gc);
	if (msg_send_path(builder_store(), IMSG_STORE_QUERY_INFO, id, path,
	    -1) == -1)
		fatalx("%s: cannot send a store path", __func__);
}

static int
graph_cmp(const void *a, const void *b)
{
	const struct wire_path_info	*x = a, *y = b;

	if (x->pi_path == NULL || y->pi_path == NULL)
		return ((x->pi_path != NULL) - (y->pi_path != NULL));
	return (strcmp(x->pi_path, y->pi_path));
}

static void
graph_reply(void *arg, struct imsg *imsg)
{
	struct graph_call	*gc = arg;
	struct goal		*g = gc->gc_goal;
	struct wire_path_info	 pi;
	const char		*errstr;
	int			 found;

	if (imsg_get_type(imsg) != IMSG_STORE_INFO ||
	    msg_recv_info(imsg, builder_storedir(), &found, &pi, &errstr) == -1)
		g->g_graph_err = 1;
	else if (!found)
		g->g_graph_err = 1;
	else if (g->g_graph != NULL && gc->gc_at < g->g_ngraph)
		g->g_graph[gc->gc_at] = pi;
	else
		wire_path_info_free(&pi);
	free(gc);
	if (--g->g_graph_wait == 0)
		graph_step(g);
	goal_unref(g);
}

/* The replies of a step are in: on to the next, or the build. */
static void
graph_step(struct goal *g)
{
	qsort(g->g_graph, g->g_ngraph, sizeof(*g->g_graph), graph_cmp);
	switch (g->g_graph_phase) {
	case GP_INPUTS:
		g->g_graph_phase = GP_DRVS;
		graph_drvs_fetch(g);
		break;
	case GP_DRVS:
		g->g_graph_phase = GP_MORE;
		graph_more_fetch(g);
		break;
	default:
		sched_closure_done(g, g->g_closure, g->g_nclosure);
		break;
	}
}

static int
graph_is_drv(const char *p)
{
	size_t	len;

	return (p != NULL && (len = strlen(p)) > 4 &&
	    strcmp(p + len - 4, ".drv") == 0);
}

/* Load each .drv of the input closure (g_graph is sorted). */
static void
graph_drvs_fetch(struct goal *g)
{
	struct graph_call	*gc;
	size_t			 i, n = 0;
	uint32_t		 id;

	if (g->g_graph_err) {
		graph_step(g);
		return;
	}
	for (i = 0; i < g->g_ngraph; i++)
		n += graph_is_drv(g->g_graph[i].pi_path);
	if (n == 0) {
		graph_step(g);
		return;
	}
	if ((g->g_gdrv = calloc(n, sizeof(*g->g_gdrv))) == NULL)
		fatal("calloc");
	for (i = 0; i < g->g_ngraph; i++)
		if (graph_is_drv(g->g_graph[i].pi_path) &&
		    (g->g_gdrv[g->g_ngdrv++].gd_path =
		    strdup(g->g_graph[i].pi_path)) == NULL)
			fatal("strdup");
	g->g_graph_wait = n;
	for (i = 0; i < n; i++) {
		if ((gc = calloc(1, sizeof(*gc))) == NULL)
			fatal("calloc");
		gc->gc_goal = g;
		gc->gc_at = i;
		goal_ref(g);
		id = bstore_call_new(graph_drv_reply, gc);
		if (msg_send_path(builder_store(), IMSG_STORE_QUERY_DRV, id,
		    g->g_gdrv[i].gd_path, -1) == -1)
			fatalx("%s: cannot send a store path", __func__);
	}
}

static void
graph_drv_reply(void *arg, struct imsg *imsg)
{
	struct graph_call	*gc = arg;
	struct goal		*g = gc->gc_goal;
	struct graph_drv	*gd;
	const char		*errstr;
	char			*text;
	size_t			 len;

	if (g->g_gdrv == NULL || gc->gc_at >= g->g_ngdrv) {
		graph_drv_done(gc);
		return;
	}
	gd = &g->g_gdrv[gc->gc_at];
	if (imsg_get_type(imsg) != IMSG_STORE_DRV ||
	    msg_recv_drv(imsg, &text, &len, &errstr) == -1) {
		if (asprintf(&gd->gd_err, "cannot read the derivation '"
		    OPS_HL("%s") "'", gd->gd_path) == -1)
			fatal("asprintf");
	} else {
		if (drv_parse(builder_storedir(), text, len, &gd->gd_drv,
		    &errstr) == -1 && asprintf(&gd->gd_err, "error parsing "
		    "derivation '" OPS_HL("%s") "': %s", gd->gd_path,
		    errstr) == -1)
			fatal("asprintf");
		free(text);
	}
	if (gd->gd_err != NULL) {
		graph_drv_done(gc);
		return;
	}
	graph_out_next(gc);
}

/*
 * Ask the closure of the next output, one at a time in output order,
 * so that the output Nix's error names is the one Nix names.
 */
static void
graph_out_next(struct graph_call *gc)
{
	struct goal		*g = gc->gc_goal;
	struct graph_drv	*gd = &g->g_gdrv[gc->gc_at];
	const char		*p;
	uint32_t		 id;

	if (gd->gd_next >= gd->gd_drv->d_noutputs) {
		graph_drv_done(gc);
		return;
	}
	p = gd->gd_drv->d_outputs[gd->gd_next++].do_path;
	if (p == NULL || *p == '\0') {
		if ((gd->gd_err = strdup("exportReferences on CA derivations "
		    "is not yet implemented")) == NULL)
			fatal("strdup");
		graph_drv_done(gc);
		return;
	}
	id = bstore_call_new(graph_out_reply, gc);
	if (msg_send_paths(builder_store(), IMSG_STORE_QUERY_CLOSURE, id,
	    (char **)&p, 1) == -1)
		fatalx("%s: cannot send a store path", __func__);
}

static void
graph_out_reply(void *arg, struct imsg *imsg)
{
	struct graph_call	*gc = arg;
	struct goal		*g = gc->gc_goal;
	struct graph_drv	*gd;
	const char		*errstr;
	char			**paths, **all;
	size_t			 npaths, i;

	if (g->g_gdrv == NULL || gc->gc_at >= g->g_ngdrv) {
		graph_drv_done(gc);
		return;
	}
	gd = &g->g_gdrv[gc->gc_at];
	if (imsg_get_type(imsg) == IMSG_STORE_ERROR) {
		/* "path '...' is not valid", as computeFSClosure says. */
		if (msg_recv_text(imsg, MSG_ERROR_MAX, &gd->gd_err,
		    &errstr) == -1 && (gd->gd_err = strdup("bad reply from "
		    "the store")) == NULL)
			fatal("strdup");
	} else if (imsg_get_type(imsg) != IMSG_STORE_PATHS ||
	    msg_recv_paths(imsg, builder_storedir(), 0, &paths, &npaths,
	    &errstr) == -1) {
		if ((gd->gd_err = strdup("bad reply from the store")) == NULL)
			fatal("strdup");
	} else if (g->g_graph_nout + npaths > GRAPH_OUTS_MAX) {
		wire_strings_free(paths, npaths);
		g->g_graph_err = GRAPH_TOO_BIG;
	} else {
		if ((all = reallocarray(gd->gd_out, gd->gd_nout + npaths + 1,
		    sizeof(*all))) == NULL)
			fatal("reallocarray");
		for (i = 0; i < npaths; i++)
			all[gd->gd_nout++] = paths[i];
		g->g_graph_nout += npaths;
		gd->gd_out = all;
		free(paths);
	}
	if (gd->gd_err != NULL || g->g_graph_err)
		graph_drv_done(gc);
	else
		graph_out_next(gc);
}

/* A .drv is done with (its call's reference and count with it). */
static void
graph_drv_done(struct graph_call *gc)
{
	struct goal		*g = gc->gc_goal;
	struct graph_drv	*gd;

	if (g->g_gdrv != NULL && gc->gc_at < g->g_ngdrv) {
		gd = &g->g_gdrv[gc->gc_at];
		if (gd->gd_drv != NULL)
			drv_free(gd->gd_drv);
		gd->gd_drv = NULL;
	}
	free(gc);
	if (g->g_graph_wait > 0 && --g->g_graph_wait == 0)
		graph_step(g);
	goal_unref(g);
}

static int
graph_pcmp(const void *a, const void *b)
{
	return (strcmp(*(char * const *)a, *(char * const *)b));
}

/*
 * Path infos of what the output closures add to the input closure, at
 * most MSG_PATHS_MAX paths in all, as for the input closure itself.
 */
static void
graph_more_fetch(struct goal *g)
{
	struct wire_path_info	*pi;
	char			**more;
	size_t			  i, j, n = 0, k, base;

	for (i = 0; i < g->g_ngdrv; i++)
		n += g->g_gdrv[i].gd_nout;
	if (g->g_graph_err || n == 0) {
		graph_step(g);
		return;
	}
	if ((more = calloc(n, sizeof(*more))) == NULL)
		fatal("calloc");
	for (n = 0, i = 0; i < g->g_ngdrv; i++)
		for (j = 0; j < g->g_gdrv[i].gd_nout; j++)
			if (graph_find(g, g->g_gdrv[i].gd_out[j],
			    strlen(g->g_gdrv[i].gd_out[j])) == -1)
				more[n++] = g->g_gdrv[i].gd_out[j];
	qsort(more, n, sizeof(*more), graph_pcmp);
	for (k = 0, i = 0; i < n; i++)
		if (k == 0 || strcmp(more[k - 1], more[i]) != 0)
			more[k++] = more[i];
	if (k == 0 || g->g_ngraph + k > MSG_PATHS_MAX) {
		if (k != 0)
			g->g_graph_err = GRAPH_TOO_BIG;
		free(more);
		graph_step(g);
		return;
	}
	base = g->g_ngraph;
	if ((pi = reallocarray(g->g_graph, base + k + 1, sizeof(*pi))) ==
	    NULL)
		fatal("reallocarray");
	memset(pi + base, 0, (k + 1) * sizeof(*pi));
	g->g_graph = pi;
	g->g_ngraph = base + k;
	g->g_graph_wait = k;
	for (i = 0; i < k; i++)
		graph_info_send(g, base + i, more[i]);
	free(more);
}

void
graph_free(struct goal *g)
{
	size_t	i;

	for (i = 0; g->g_graph != NULL && i < g->g_ngraph; i++)
		wire_path_info_free(&g->g_graph[i]);
	free(g->g_graph);
	g->g_graph = NULL;
	g->g_ngraph = 0;
	g->g_graph_err = 0;
	g->g_graph_phase = GP_INPUTS;
	for (i = 0; i < g->g_ngdrv; i++) {
		free(g->g_gdrv[i].gd_path);
		if (g->g_gdrv[i].gd_drv != NULL)
			drv_free(g->g_gdrv[i].gd_drv);
		wire_strings_free(g->g_gdrv[i].gd_out, g->g_gdrv[i].gd_nout);
		free(g->g_gdrv[i].gd_err);
	}
	free(g->g_gdrv);
	g->g_gdrv = NULL;
	g->g_ngdrv = 0;
	g->g_graph_nout = 0;
}

/* The index of a store path (len bytes of path) in g_graph, or -1. */
static long
graph_find(const struct goal *g, const char *path, size_t len)
{
	size_t	lo = 0, hi = g->g_ngraph, mid;
	int	c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (g->g_graph[mid].pi_path == NULL) {
			hi = mid;
			continue;
		}
		c = strncmp(g->g_graph[mid].pi_path, path, len);
		if (c == 0 && g->g_graph[mid].pi_path[len] != '\0')
			c = 1;
		if (c == 0)
			return (mid);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (-1);
}

/*
 * A path of exportReferencesGraph, a store path or a path below one,
 * as the index of its store path in g_graph; -1 with Nix's error.
 */
static long
graph_start(const struct goal *g, const char *p, char **errp)
{
	const char	*dir = builder_storedir();
	size_t		 dlen = strlen(dir), len;
	long		 at;

	if (strncmp(p, dir, dlen) != 0 || p[dlen] != '/' ||
	    p[dlen + 1] == '\0') {
		if (asprintf(errp, "'exportReferencesGraph' contains a "
		    "non-store path '" OPS_HL("%s") "'", p) == -1)
			fatal("asprintf");
		return (-1);
	}
	len = dlen + 1 + strcspn(p + dlen + 1, "/");
	if ((at = graph_find(g, p, len)) == -1) {
		if (asprintf(errp, "cannot export references of path '"
		    OPS_HL("%.*s") "' because it is not in the input "
		    "closure of the derivation", (int)len, p) == -1)
			fatal("asprintf");
		return (-1);
	}
	return (at);
}

/* Mark what the marked entries on the stack refer to, transitively. */
static void
graph_walk(const struct goal *g, char *mark, size_t *stack, size_t nstack)
{
	const char	*p;
	size_t		 at, j;
	long		 ref;

	while (nstack > 0) {
		at = stack[--nstack];
		for (j = 0; j < g->g_graph[at].pi_nrefs; j++) {
			p = g->g_graph[at].pi_refs[j];
			if ((ref = graph_find(g, p, strlen(p))) == -1 ||
			    mark[ref])
				continue;
			mark[ref] = 1;
			stack[nstack++] = ref;
		}
	}
}

static const struct graph_drv *
graph_drv_find(const struct goal *g, const char *path)
{
	size_t	lo = 0, hi = g->g_ngdrv, mid;
	int	c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(g->g_gdrv[mid].gd_path, path)) == 0)
			return (&g->g_gdrv[mid]);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (NULL);
}

/*
 * As Nix 2.8 does, add the closures of the outputs of every .drv the
 * graph held before (those the outputs bring are not looked into);
 * the first .drv's error in path order otherwise.  mark is 1 for the
 * graph so far, 2 for what this adds.
 */
static int
graph_add_outputs(const struct goal *g, char *mark, char **errp)
{
	const struct graph_drv	*gd;
	size_t			 i, j;
	long			 at;

	for (i = 0; i < g->g_ngraph; i++) {
		if (mark[i] != 1 || !graph_is_drv(g->g_graph[i].pi_path))
			continue;
		if ((gd = graph_drv_find(g, g->g_graph[i].pi_path)) == NULL) {
			if (asprintf(errp, "cannot read the derivation '"
			    OPS_HL("%s") "'", g->g_graph[i].pi_path) == -1)
				fatal("asprintf");
			return (-1);
		}
		if (gd->gd_err != NULL) {
			if ((*errp = strdup(gd->gd_err)) == NULL)
				fatal("strdup");
			return (-1);
		}
		/* gd_out is a closure already: no walk. */
		for (j = 0; j < gd->gd_nout; j++) {
			at = graph_find(g, gd->gd_out[j],
			    strlen(gd->gd_out[j]));
			if (at != -1 && !mark[at])
				mark[at] = 2;
		}
	}
	return (0);
}

/*
 * The closure of the paths as indices into g_graph, in path order;
 * Nix's error texts otherwise.
 */
int
graph_closure(const struct goal *g, char **paths, size_t npaths,
    size_t **idxp, size_t *nidxp, char **errp)
{
	return (graph_mark(g, paths, npaths, 1, idxp, nidxp, errp));
}

/*
 * The references' closure alone, without what .drvs add: what Nix's
 * closureSize of a path counts.
 */
int
graph_refs_closure(const struct goal *g, char **paths, size_t npaths,
    size_t **idxp, size_t *nidxp, char **errp)
{
	return (graph_mark(g, paths, npaths, 0, idxp, nidxp, errp));
}

static int
graph_mark(const struct goal *g, char **paths, size_t npaths, int outputs,
    size_t **idxp, size_t *nidxp, char **errp)
{
	size_t	*stack, *idx, i, nstack = 0, n = 0;
	char	*mark;
	long	 at;
	int	 rc = -1;

	*idxp = NULL;
	*nidxp = 0;
	if (g->g_graph_err == GRAPH_TOO_BIG) {
		if (asprintf(errp, "the outputs of the derivations in the "
		    "input closure of '" OPS_HL("%s") "' have too many paths "
		    "for 'exportReferencesGraph'", g->g_path) == -1)
			fatal("asprintf");
		return (-1);
	}
	if (g->g_graph == NULL || g->g_graph_err) {
		if (asprintf(errp, "cannot query the input closure of '"
		    OPS_HL("%s") "' for 'exportReferencesGraph'",
		    g->g_path) == -1)
			fatal("asprintf");
		return (-1);
	}
	if ((mark = calloc(g->g_ngraph + 1, 1)) == NULL ||
	    (stack = calloc(g->g_ngraph + 1, sizeof(*stack))) == NULL)
		fatal("calloc");
	for (i = 0; i < npaths; i++) {
		if ((at = graph_start(g, paths[i], errp)) == -1)
			goto done;
		if (!mark[at]) {
			mark[at] = 1;
			stack[nstack++] = at;
		}
	}
	graph_walk(g, mark, stack, nstack);
	if (outputs && graph_add_outputs(g, mark, errp) == -1)
		goto done;
	if ((idx = calloc(g->g_ngraph + 1, sizeof(*idx))) == NULL)
		fatal("calloc");
	for (i = 0; i < g->g_ngraph; i++)
		if (mark[i])
			idx[n++] = i;
	*idxp = idx;
	*nidxp = n;
	rc = 0;
done:
	free(mark);
	free(stack);
	return (rc);
}
