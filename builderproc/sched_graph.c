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
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builderproc.h"
#include "sched.h"
#include "log.h"
#include "msg_store.h"
#include "wire.h"

struct graph_call {
	struct goal	*gc_goal;
	size_t		 gc_at;
};

static void	graph_reply(void *, struct imsg *);
static int	graph_cmp(const void *, const void *);
static long	graph_find(const struct goal *, const char *, size_t);
static long	graph_start(const struct goal *, const char *, char **);
static void	graph_walk(const struct goal *, char *, size_t *, size_t);
static int	graph_no_drv(const struct goal *, const char *, char **);

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
	struct graph_call	*gc;
	size_t			 i;
	uint32_t		 id;

	graph_free(g);
	if ((g->g_graph = calloc(g->g_nclosure + 1, sizeof(*g->g_graph))) ==
	    NULL)
		fatal("calloc");
	g->g_ngraph = g->g_nclosure;
	if (g->g_nclosure == 0) {
		goal_ref(g);
		sched_closure_done(g, g->g_closure, g->g_nclosure);
		goal_unref(g);
		return;
	}
	g->g_graph_wait = g->g_nclosure;
	for (i = 0; i < g->g_nclosure; i++) {
		if ((gc = calloc(1, sizeof(*gc))) == NULL)
			fatal("calloc");
		gc->gc_goal = g;
		gc->gc_at = i;
		goal_ref(g);
		id = bstore_call_new(graph_reply, gc);
		if (msg_send_path(builder_store(),
		    IMSG_STORE_QUERY_INFO, id, g->g_closure[i], -1) == -1)
			fatalx("%s: cannot send a store path", __func__);
	}
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
	if (--g->g_graph_wait == 0) {
		qsort(g->g_graph, g->g_ngraph, sizeof(*g->g_graph),
		    graph_cmp);
		sched_closure_done(g, g->g_closure, g->g_nclosure);
	}
	goal_unref(g);
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

/*
 * Nix 2.8 adds the closures of the outputs of every .drv in the graph,
 * which lie outside the input closure; rather than write a different
 * file, say so.
 */
static int
graph_no_drv(const struct goal *g, const char *mark, char **errp)
{
	const char	*p;
	size_t		 i, len;

	for (i = 0; i < g->g_ngraph; i++) {
		p = g->g_graph[i].pi_path;
		len = strlen(p);
		if (!mark[i] || len <= 4 || strcmp(p + len - 4, ".drv") != 0)
			continue;
		if (asprintf(errp, "'exportReferencesGraph' of '" OPS_HL("%s")
		    "' holds the derivation '" OPS_HL("%s") "': exporting the "
		    "outputs of derivations is not supported by rnixd",
		    g->g_path, p) == -1)
			fatal("asprintf");
		return (-1);
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
	size_t	*stack, *idx, i, nstack = 0, n = 0;
	char	*mark;
	long	 at;
	int	 rc = -1;

	*idxp = NULL;
	*nidxp = 0;
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
	if (graph_no_drv(g, mark, errp) == -1)
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
