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
 * The builder's environment, as Nix 2.8 makes it (nix-formats.md §8):
 * PATH, HOME, NIX_STORE and NIX_BUILD_CORES first, which the
 * derivation's own variables may override; then the build directory
 * variables, NIX_OUTPUT_CHECKED for fixed outputs, NIX_LOG_FD and
 * TERM, which it may not.  Sorted by name, as Nix's std::map is, so
 * "env" in a builder prints the same order.  What the attributes add
 * or take away (passAsFile, __json, impureEnvVars, placeholders) comes
 * from sched_attrs.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builderproc.h"
#include "envlist.h"
#include "session.h"
#include "sched.h"
#include "log.h"

#define ENV_BUILD_TOP	"/build"	/* the build dir inside the sandbox */

/* conf cores, else what the first waiting client asked for, else 1. */
static unsigned long long
env_cores(const struct goal *g)
{
	struct session	*s;

	if (builder_env.be_conf->conf_cores != 0)
		return (builder_env.be_conf->conf_cores);
	if ((s = req_first_session(g)) != NULL &&
	    s->s_opts.opt_build_cores > 0 &&
	    s->s_opts.opt_build_cores <= CONFIG_JOBS_MAX)
		return (s->s_opts.opt_build_cores);
	return (1);
}

int
env_make(const struct goal *g, const struct drv_attrs *da, char ***envp,
    size_t *nenvp)
{
	const struct drv	*d = g->g_drv;
	struct drv_type		 dt;
	struct envlist		 e = { NULL, 0 };
	const char		*errstr, *v;
	char			 cores[32], file[64], *key, *s;
	size_t			 i;

	snprintf(cores, sizeof(cores), "%llu", env_cores(g));
	envlist_set(&e, "PATH", "/path-not-set");
	envlist_set(&e, "HOME", "/homeless-shelter");
	envlist_set(&e, "NIX_STORE", builder_storedir());
	envlist_set(&e, "NIX_BUILD_CORES", cores);
	/* Under __json, the derivation's variables are in .attrs.*. */
	for (i = 0; da->da_json == NULL && i < d->d_nenv; i++) {
		if (!attrs_file_name(da, d->d_env[i].de_key, file,
		    sizeof(file))) {
			envlist_set(&e, d->d_env[i].de_key,
			    d->d_env[i].de_value);
			continue;
		}
		if (asprintf(&key, "%sPath", d->d_env[i].de_key) == -1 ||
		    asprintf(&s, "%s/%s", ENV_BUILD_TOP, file) == -1)
			fatal("asprintf");
		envlist_set(&e, key, s);
		free(key);
		free(s);
	}
	envlist_set(&e, "NIX_BUILD_TOP", ENV_BUILD_TOP);
	envlist_set(&e, "TMPDIR", ENV_BUILD_TOP);
	envlist_set(&e, "TEMPDIR", ENV_BUILD_TOP);
	envlist_set(&e, "TMP", ENV_BUILD_TOP);
	envlist_set(&e, "TEMP", ENV_BUILD_TOP);
	envlist_set(&e, "PWD", ENV_BUILD_TOP);
	if (drv_type(d, &dt, &errstr) == 0 && dt.dt_kind == DRV_FIXED)
		envlist_set(&e, "NIX_OUTPUT_CHECKED", "1");
	/* Fixed-output only (attrs_make): the daemon's, or empty. */
	for (i = 0; i < da->da_nimpure; i++)
		envlist_set(&e, da->da_impure[i],
		    (v = getenv(da->da_impure[i])) == NULL ? "" : v);
	envlist_set(&e, "NIX_LOG_FD", "2");
	/* Recursive Nix: the daemon, for this build only (§8). */
	if (g->g_rec != NULL)
		envlist_set(&e, "NIX_REMOTE", "unix://" ENV_BUILD_TOP
		    "/.nix-socket");
	envlist_set(&e, "TERM", "xterm-256color");
	/*
	 * Nix 2.8 names the host's build dir here, which does not exist
	 * in its sandbox; the builder's own path is what works.
	 */
	if (da->da_json != NULL) {
		envlist_set(&e, "NIX_ATTRS_JSON_FILE",
		    ENV_BUILD_TOP "/.attrs.json");
		envlist_set(&e, "NIX_ATTRS_SH_FILE",
		    ENV_BUILD_TOP "/.attrs.sh");
	}
	envlist_sort(&e);
	/* "name=value" as a whole, as Nix rewrites it. */
	for (i = 0; i < e.el_n; i++) {
		s = attrs_rewrite(da, e.el_v[i]);
		free(e.el_v[i]);
		e.el_v[i] = s;
	}
	*envp = e.el_v;
	*nenvp = e.el_n;
	return (0);
}

/* Is word one of the space-separated words of list? */
int
sched_feature_wanted(const char *list, const char *word)
{
	size_t	len = strlen(word), n;

	while (*list != '\0') {
		list += strspn(list, " \t\n");
		n = strcspn(list, " \t\n");
		if (n == len && strncmp(list, word, n) == 0)
			return (1);
		list += n;
	}
	return (0);
}

/* A word of the required list that the host lacks? */
int
sched_features_missing(const char *req, const char **feats, size_t n)
{
	size_t	i, len;
	int	found;

	while (*req != '\0') {
		req += strspn(req, " \t\n");
		if ((len = strcspn(req, " \t\n")) == 0)
			break;
		for (found = 0, i = 0; i < n; i++)
			if (strlen(feats[i]) == len &&
			    strncmp(feats[i], req, len) == 0)
				found = 1;
		if (!found)
			return (1);
		req += len;
	}
	return (0);
}

static int
feature_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* "a, b" in sorted order, each highlighted, from a list or words. */
char *
sched_feature_set(const char *req, const char **feats, size_t n)
{
	char	**v = NULL, *out, *tmp;
	size_t	  nv = 0, i, len;

	while (req != NULL && *req != '\0') {
		req += strspn(req, " \t\n");
		if ((len = strcspn(req, " \t\n")) == 0)
			break;
		if ((v = reallocarray(v, nv + 1, sizeof(*v))) == NULL ||
		    (v[nv++] = strndup(req, len)) == NULL)
			fatal("strndup");
		req += len;
	}
	for (i = 0; i < n; i++)
		if ((v = reallocarray(v, nv + 1, sizeof(*v))) == NULL ||
		    (v[nv++] = strdup(feats[i])) == NULL)
			fatal("strdup");
	if (nv > 0)
		qsort(v, nv, sizeof(*v), feature_cmp);
	if ((out = strdup("")) == NULL)
		fatal("strdup");
	for (i = 0; i < nv; i++) {
		if (i > 0 && strcmp(v[i], v[i - 1]) == 0)
			continue;
		if (asprintf(&tmp, "%s%s" OPS_HL("%s"), out,
		    out[0] != '\0' ? ", " : "", v[i]) == -1)
			fatal("asprintf");
		free(out);
		out = tmp;
	}
	for (i = 0; i < nv; i++)
		free(v[i]);
	free(v);
	return (out);
}
