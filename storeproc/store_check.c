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
 * Output checks of a finished build (outcheck.h), as Nix 2.8's
 * checkOutputs applies them: after every output is scanned and before
 * any is registered, so a failing check leaves nothing valid.  Outputs
 * go in the order of their names; per output maxSize, maxClosureSize,
 * then allowedReferences, allowedRequisites, disallowedReferences and
 * disallowedRequisites; the first failure is the build's error, in
 * Nix's words.
 *
 * Requisites and closure sizes need the closure of an output, which
 * the database has for every path but this build's outputs: those are
 * not registered yet, and their sizes and references come from the
 * scan.
 */
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "outcheck.h"
#include "storepath.h"
#include "storeproc.h"
#include "store_db.h"

/* Nix shows the arguments of its build errors in bold magenta. */
#define HL(s)		"\x1b[35;1m" s "\x1b[0m"

struct scheck {
	const struct scheck_out	*sc_outs;
	size_t			 sc_nouts;
	char			*sc_err;
	size_t			 sc_errsz;
};

static int	sc_fail(struct scheck *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));

static int
sc_fail(struct scheck *sc, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(sc->sc_err, sc->sc_errsz, fmt, ap);
	va_end(ap);
	return (-1);
}

static const struct scheck_out *
sc_find(struct scheck *sc, const char *path, const char *name)
{
	size_t	i;

	for (i = 0; i < sc->sc_nouts; i++)
		if ((path != NULL && strcmp(sc->sc_outs[i].sco_path,
		    path) == 0) || (name != NULL &&
		    strcmp(sc->sc_outs[i].sco_name, name) == 0))
			return (&sc->sc_outs[i]);
	return (NULL);
}

/* One path of a closure walk: its size, its references queued. */
static int
sc_visit(struct scheck *sc, const char *path, struct pathset *done,
    struct pathset *todo, uint64_t *size)
{
	const struct scheck_out	*o;
	struct db_pathinfo	 dpi;
	const char		*errstr;
	size_t			 i;
	int			 rc;

	if ((o = sc_find(sc, path, NULL)) != NULL && o->sco_new) {
		*size += o->sco_narsize;
		for (i = 0; i < o->sco_nrefs; i++)
			if (!pathset_has(done, o->sco_refs[i]))
				pathset_add(todo, o->sco_refs[i]);
		return (0);
	}
	memset(&dpi, 0, sizeof(dpi));
	if ((rc = db_query_info(store_env.se_db, path, &dpi, &errstr)) != 1)
		return (rc == 0 ? sc_fail(sc, "path '" HL("%s") "' is not "
		    "valid", path) : sc_fail(sc, "%s", errstr));
	*size += dpi.dpi_narsize;
	for (i = 0; i < dpi.dpi_nrefs; i++)
		if (!pathset_has(done, dpi.dpi_refs[i]))
			pathset_add(todo, dpi.dpi_refs[i]);
	db_pathinfo_free(&dpi);
	return (0);
}

/* The closure of an output (itself included) into done, and its size. */
static int
sc_closure(struct scheck *sc, const char *path, struct pathset *done,
    uint64_t *size)
{
	struct pathset		 todo;
	struct pathset_node	*pn;
	char			*p;
	int			 rc = 0;

	*size = 0;
	pathset_init(&todo);
	pathset_add(&todo, path);
	while (rc == 0 && (pn = RB_MIN(pathset, &todo)) != NULL) {
		if ((p = strdup(pn->pn_path)) == NULL)
			fatal("%s", __func__);
		pathset_del(&todo, p);
		pathset_add(done, p);
		rc = sc_visit(sc, p, done, &todo, size);
		free(p);
	}
	pathset_clear(&todo);
	return (rc);
}

/* Specifiers: store paths, or the names of the build's outputs. */
static int
sc_resolve(struct scheck *sc, char *const *specs, size_t nspecs,
    struct pathset *spec)
{
	const struct scheck_out	*o;
	const char		*errstr;
	size_t			 i;

	for (i = 0; i < nspecs; i++) {
		if (storepath_parse(store_env.se_storedir, specs[i], NULL,
		    NULL, &errstr) == 0)
			pathset_add(spec, specs[i]);
		else if ((o = sc_find(sc, NULL, specs[i])) != NULL)
			pathset_add(spec, o->sco_path);
		else
			return (sc_fail(sc, "derivation contains an illegal "
			    "reference specifier '" HL("%s") "'", specs[i]));
	}
	return (0);
}

/* The paths of used that the list forbids, or -1 with the error. */
static int
sc_list(struct scheck *sc, const struct scheck_out *o,
    const struct outcheck *oc, enum outcheck_list l)
{
	struct pathset		 spec, used;
	struct pathset_node	*pn;
	char			*bad = NULL, *nbad;
	uint64_t		 size;
	size_t			 i;
	int			 allowed, recursive, rc;

	allowed = l == OC_ALLOWED_REFS || l == OC_ALLOWED_REQS;
	recursive = l == OC_ALLOWED_REQS || l == OC_DISALLOWED_REQS;
	pathset_init(&spec);
	pathset_init(&used);
	rc = sc_resolve(sc, oc->oc_specs[l], oc->oc_nspecs[l], &spec);
	if (rc == 0 && recursive) {
		rc = sc_closure(sc, o->sco_path, &used, &size);
		if (oc->oc_flags & OC_F_IGNORESELF)
			pathset_del(&used, o->sco_path);
	} else
		for (i = 0; i < o->sco_nrefs; i++)
			pathset_add(&used, o->sco_refs[i]);
	RB_FOREACH(pn, pathset, &used) {
		if (rc != 0 || allowed == pathset_has(&spec, pn->pn_path))
			continue;
		if (asprintf(&nbad, "%s\n  %s", bad != NULL ? bad : "",
		    pn->pn_path) == -1)
			fatal("%s", __func__);
		free(bad);
		bad = nbad;
	}
	if (rc == 0 && bad != NULL)
		rc = sc_fail(sc, "output '" HL("%s") "' is not allowed to "
		    "refer to the following paths:" HL("%s"), o->sco_path,
		    bad);
	free(bad);
	pathset_clear(&spec);
	pathset_clear(&used);
	return (rc);
}

static int
sc_output(struct scheck *sc, const struct scheck_out *o,
    const struct outcheck *oc)
{
	struct pathset	closure;
	uint64_t	size;
	int		l, rc;

	if (oc->oc_error != NULL)
		return (sc_fail(sc, "%s", oc->oc_error));
	if ((oc->oc_flags & OC_F_MAXSIZE) && o->sco_narsize > oc->oc_maxsize)
		return (sc_fail(sc, "path '" HL("%s") "' is too large at "
		    HL("%llu") " bytes; limit is " HL("%llu") " bytes",
		    o->sco_path, (unsigned long long)o->sco_narsize,
		    (unsigned long long)oc->oc_maxsize));
	if (oc->oc_flags & OC_F_MAXCLOSURE) {
		pathset_init(&closure);
		rc = sc_closure(sc, o->sco_path, &closure, &size);
		pathset_clear(&closure);
		if (rc == -1)
			return (-1);
		if (size > oc->oc_maxclosure)
			return (sc_fail(sc, "closure of path '" HL("%s") "' is "
			    "too large at " HL("%llu") " bytes; limit is "
			    HL("%llu") " bytes", o->sco_path,
			    (unsigned long long)size,
			    (unsigned long long)oc->oc_maxclosure));
	}
	for (l = 0; l < OC_NLISTS; l++)
		if ((oc->oc_flags & OC_F_LIST(l)) &&
		    sc_list(sc, o, oc, l) == -1)
			return (-1);
	return (0);
}

static int
sc_name_cmp(const void *a, const void *b)
{
	const struct scheck_out	*const *oa = a, *const *ob = b;

	return (strcmp((*oa)->sco_name, (*ob)->sco_name));
}

int
store_check_outputs(const struct scheck_out *outs, size_t nouts,
    const struct outcheck *checks, size_t nchecks, char *err, size_t errsz)
{
	struct scheck		  sc;
	const struct scheck_out	**order;
	size_t			  i, k;
	int			  rc = 0;

	if (nchecks == 0)
		return (0);
	sc.sc_outs = outs;
	sc.sc_nouts = nouts;
	sc.sc_err = err;
	sc.sc_errsz = errsz;
	if ((order = calloc(nouts + 1, sizeof(*order))) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < nouts; i++)
		order[i] = &outs[i];
	qsort(order, nouts, sizeof(*order), sc_name_cmp);
	for (i = 0; rc == 0 && i < nouts; i++) {
		if (!order[i]->sco_new)
			continue;
		for (k = 0; k < nchecks; k++)
			if (strcmp(checks[k].oc_output,
			    order[i]->sco_name) == 0)
				break;
		if (k < nchecks)
			rc = sc_output(&sc, order[i], &checks[k]);
	}
	free(order);
	return (rc);
}
