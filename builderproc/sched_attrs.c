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
 * What a derivation's attributes do to its build, as Nix 2.8's
 * LocalDerivationGoal does it (startBuilder, initEnv, initTmpDir,
 * writeStructuredAttrs):
 *
 * - each output's placeholder, "/" and the base32 SHA-256 of
 *   "nix-output:<name>", becomes the output's path in the environment
 *   (names and values), the arguments and the build-dir files; the
 *   builder path stays as written, as in 2.8;
 * - passAsFile: each named variable goes to .attr-<base32 SHA-256 of
 *   its name> in the build dir and <name>Path names it;
 * - __json (__structuredAttrs): nothing of the derivation's own
 *   environment is passed; .attrs.json and .attrs.sh hold it, with an
 *   "outputs" object and the exportReferencesGraph closures;
 * - exportReferencesGraph (not structured): one file per name, in the
 *   format of nix-store --register-validity without hashes;
 * - impureEnvVars: for fixed-output builds only, from the daemon's own
 *   environment, which rnixd's processes inherit from the parent;
 * - __noChroot: refused, since rnixd always sandboxes.
 *
 * The files are only made here; the spawner writes them into the build
 * dir (spawner_sandbox.c), through its descriptor, before the builder
 * exists.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "builderproc.h"
#include "sched.h"
#include "drvattrs.h"
#include "hash.h"
#include "log.h"
#include "msg_mount.h"
#include "wire.h"

#define ATTRS_BUILD_TOP	"/build"
#define ATTRS_SPACE	" \t\n\r"	/* Nix's tokenizeString */

static int	 attrs_err(char **, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static char	*attrs_hash_name(const char *, const char *);
static int	 attrs_word_of(const char *, const char *);
static int	 attrs_bool(const struct goal *, json_t *, const char *,
		    int, int *, char **);
static int	 attrs_strings(const struct goal *, json_t *, const char *,
		    char ***, size_t *, char **);
static struct msg_mount_file *attrs_add_file(struct drv_attrs *,
		    const char *, char *, size_t);
static int	 attrs_placeholders(const struct goal *, struct drv_attrs *);
static int	 attrs_pass_files(const struct goal *, struct drv_attrs *);
static int	 attrs_graph_text(const struct goal *, struct drv_attrs *,
		    char **);
static int	 attrs_structured(const struct goal *, struct drv_attrs *,
		    char **);
static int	 attrs_graph_json(const struct goal *, json_t *, char **);
static json_t	*attrs_graph_info(const struct goal *, size_t);

static int
attrs_err(char **errp, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	if (vasprintf(errp, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	return (-1);
}

/* prefix + the base32 SHA-256 of s (52 characters). */
static char *
attrs_hash_name(const char *prefix, const char *s)
{
	struct hash	 h;
	char		 b32[HASH_STR_MAX], *out;

	hash_buf(HASH_SHA256, s, strlen(s), &h);
	if (hash_format(&h, HASH_ENC_BASE32, 0, b32, sizeof(b32)) == -1)
		fatalx("%s: hash_format", __func__);
	if (asprintf(&out, "%s%s", prefix, b32) == -1)
		fatal("asprintf");
	return (out);
}

/* Is word one of the whitespace-separated words of list? */
static int
attrs_word_of(const char *list, const char *word)
{
	size_t	len = strlen(word), n;

	while (*list != '\0') {
		list += strspn(list, ATTRS_SPACE);
		n = strcspn(list, ATTRS_SPACE);
		if (n == len && n > 0 && strncmp(list, word, n) == 0)
			return (1);
		list += n;
	}
	return (0);
}

/* Nix's getBoolAttr: "1" without __json, a JSON Boolean with it. */
static int
attrs_bool(const struct goal *g, json_t *json, const char *name, int def,
    int *out, char **errp)
{
	json_t	*v;
	long	 e;

	*out = def;
	if (json != NULL) {
		if ((v = json_object_get(json, name)) == NULL)
			return (0);
		if (!json_is_boolean(v))
			return (attrs_err(errp, "attribute '" OPS_HL("%s")
			    "' of derivation '" OPS_HL("%s") "' must be a "
			    "Boolean", name, g->g_path));
		*out = json_is_true(v);
	} else if ((e = drv_find_env(g->g_drv, name)) >= 0)
		*out = strcmp(g->g_drv->d_env[e].de_value, "1") == 0;
	return (0);
}

/* Nix's getStringsAttr: words without __json, a JSON list with it. */
static int
attrs_strings(const struct goal *g, json_t *json, const char *name,
    char ***vp, size_t *np, char **errp)
{
	const char	 *s = NULL, *p;
	json_t		 *v = NULL;
	char		**vec = NULL;
	size_t		  n = 0, i, len;
	long		  e;

	if (json != NULL) {
		if ((v = json_object_get(json, name)) == NULL)
			goto done;
		for (i = 0; json_is_array(v) && i < json_array_size(v); i++)
			if (!json_is_string(json_array_get(v, i)))
				break;
		if (!json_is_array(v) || i < json_array_size(v))
			return (attrs_err(errp, "attribute '" OPS_HL("%s")
			    "' of derivation '" OPS_HL("%s") "' must be a "
			    "list of strings", name, g->g_path));
		if ((vec = calloc(json_array_size(v) + 1, sizeof(*vec))) ==
		    NULL)
			fatal("calloc");
		for (i = 0; i < json_array_size(v); i++)
			if ((vec[n++] = strdup(json_string_value(
			    json_array_get(v, i)))) == NULL)
				fatal("strdup");
		goto done;
	}
	if ((e = drv_find_env(g->g_drv, name)) < 0)
		goto done;
	s = g->g_drv->d_env[e].de_value;
	for (p = s; *p != '\0'; p += len) {
		p += strspn(p, ATTRS_SPACE);
		if ((len = strcspn(p, ATTRS_SPACE)) == 0)
			break;
		if ((vec = reallocarray(vec, n + 2, sizeof(*vec))) == NULL ||
		    (vec[n++] = strndup(p, len)) == NULL)
			fatal("strndup");
		vec[n] = NULL;
	}
done:
	*vp = vec;
	*np = n;
	return (0);
}

/*
 * preferLocalBuild and allowSubstitutes (default true), kept for the
 * scheduler.  A __json that does not parse is the build's error later
 * (attrs_make); here it only leaves the defaults.
 */
void
attrs_flags(struct goal *g)
{
	json_t		*json = NULL;
	const char	*v;
	char		 err[256], *errp = NULL;
	long		 e;

	g->g_prefer_local = 0;
	g->g_allow_subst = 1;
	/* Every goal is loaded, most are never built: parse only if asked. */
	if ((e = drv_find_env(g->g_drv, "__json")) >= 0) {
		v = g->g_drv->d_env[e].de_value;
		if (strstr(v, "\"preferLocalBuild\"") == NULL &&
		    strstr(v, "\"allowSubstitutes\"") == NULL)
			return;
		if ((json = drvattrs_parse(v, strlen(v), err,
		    sizeof(err))) == NULL)
			return;
	}
	if (attrs_bool(g, json, "preferLocalBuild", 0, &g->g_prefer_local,
	    &errp) == -1 || attrs_bool(g, json, "allowSubstitutes", 1,
	    &g->g_allow_subst, &errp) == -1) {
		free(errp);
		errp = NULL;
	}
	json_decref(json);
}

/* The file of a passAsFile variable, if key is one: 1, name in buf. */
int
attrs_file_name(const struct drv_attrs *da, const char *key, char *buf,
    size_t len)
{
	char	*name;

	if (da->da_json != NULL || da->da_pass == NULL ||
	    !attrs_word_of(da->da_pass, key))
		return (0);
	name = attrs_hash_name(".attr-", key);
	if (strlcpy(buf, name, len) >= len)
		fatalx("%s: short buffer", __func__);
	free(name);
	return (1);
}

static struct msg_mount_file *
attrs_add_file(struct drv_attrs *da, const char *name, char *data,
    size_t len)
{
	struct msg_mount_file	*f;

	if ((da->da_files = reallocarray(da->da_files, da->da_nfiles + 1,
	    sizeof(*da->da_files))) == NULL)
		fatal("reallocarray");
	f = &da->da_files[da->da_nfiles++];
	if ((f->mmf_name = strdup(name)) == NULL)
		fatal("strdup");
	f->mmf_data = data;
	f->mmf_len = len;
	f->mmf_keep = 0;
	return (f);
}

/* Nix's inputRewrites of a sandboxed build: placeholder -> path. */
static int
attrs_placeholders(const struct goal *g, struct drv_attrs *da)
{
	const struct drv	*d = g->g_drv;
	char			*out, *tmp;
	size_t			 i, j;

	if ((da->da_ph = calloc(d->d_noutputs + 1, sizeof(char *))) ==
	    NULL || (da->da_ph_path = calloc(d->d_noutputs + 1,
	    sizeof(char *))) == NULL)
		fatal("calloc");
	for (i = 0; i < d->d_noutputs; i++) {
		if (asprintf(&out, "nix-output:%s", d->d_outputs[i].do_name) ==
		    -1)
			fatal("asprintf");
		da->da_ph[i] = attrs_hash_name("/", out);
		free(out);
		if ((da->da_ph_path[i] = strdup(g->g_outpaths[i])) == NULL)
			fatal("strdup");
		da->da_nph++;
	}
	/* In the order of Nix's std::map, which applies them in turn. */
	for (i = 1; i < da->da_nph; i++)
		for (j = i; j > 0 && strcmp(da->da_ph[j - 1],
		    da->da_ph[j]) > 0; j--) {
			tmp = da->da_ph[j];
			da->da_ph[j] = da->da_ph[j - 1];
			da->da_ph[j - 1] = tmp;
			tmp = da->da_ph_path[j];
			da->da_ph_path[j] = da->da_ph_path[j - 1];
			da->da_ph_path[j - 1] = tmp;
		}
	return (0);
}

/* Nix's rewriteStrings: each placeholder in turn, every occurrence. */
char *
attrs_rewrite(const struct drv_attrs *da, const char *s)
{
	const char	*p, *hit;
	char		*cur, *next;
	size_t		 i, plen, rlen, n;
	FILE		*f;

	if ((cur = strdup(s)) == NULL)
		fatal("strdup");
	for (i = 0; i < da->da_nph; i++) {
		if (strstr(cur, da->da_ph[i]) == NULL)
			continue;
		plen = strlen(da->da_ph[i]);
		rlen = strlen(da->da_ph_path[i]);
		if ((f = open_memstream(&next, &n)) == NULL)
			fatal("open_memstream");
		for (p = cur; (hit = strstr(p, da->da_ph[i])) != NULL;
		    p = hit + plen) {
			fwrite(p, 1, hit - p, f);
			fwrite(da->da_ph_path[i], 1, rlen, f);
		}
		fputs(p, f);
		if (fclose(f) == EOF)
			fatal("fclose");
		free(cur);
		cur = next;
	}
	return (cur);
}

/* passAsFile: the variables' values, rewritten, each in its file. */
static int
attrs_pass_files(const struct goal *g, struct drv_attrs *da)
{
	const struct drv	*d = g->g_drv;
	char			 name[64], *data;
	size_t			 i;

	for (i = 0; i < d->d_nenv; i++) {
		if (!attrs_file_name(da, d->d_env[i].de_key, name,
		    sizeof(name)))
			continue;
		data = attrs_rewrite(da, d->d_env[i].de_value);
		attrs_add_file(da, name, data, strlen(data));
	}
	return (0);
}

/*
 * exportReferencesGraph without __json: "name path ..." pairs, each
 * name a file with the closure of its path as nix-store
 * --register-validity reads it (path, empty deriver, the number of
 * references, the references), in path order.
 */
static int
attrs_graph_text(const struct goal *g, struct drv_attrs *da, char **errp)
{
	const struct wire_path_info	*pi;
	char				**words, *data;
	size_t				  nwords, i, j, k, *idx, nidx, len;
	FILE				 *f;
	int				  rc = 0;

	if (attrs_strings(g, NULL, "exportReferencesGraph", &words, &nwords,
	    errp) == -1)
		return (-1);
	if (nwords % 2 != 0) {
		rc = attrs_err(errp, "odd number of tokens in "
		    "'exportReferencesGraph': '" OPS_HL("%s") "'",
		    g->g_drv->d_env[drv_find_env(g->g_drv,
		    "exportReferencesGraph")].de_value);
		goto done;
	}
	for (i = 0; i < nwords && rc == 0; i += 2) {
		if (strspn(words[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz_") == 0 ||
		    strspn(words[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz_0123456789.-") !=
		    strlen(words[i]) ||
		    strlen(words[i]) + 1 > MSG_MOUNT_FILE_NAME_MAX) {
			rc = attrs_err(errp, "invalid file name '"
			    OPS_HL("%s") "' in 'exportReferencesGraph'",
			    words[i]);
			break;
		}
		if (graph_closure(g, &words[i + 1], 1, &idx, &nidx,
		    errp) == -1) {
			rc = -1;
			break;
		}
		if ((f = open_memstream(&data, &len)) == NULL)
			fatal("open_memstream");
		for (j = 0; j < nidx; j++) {
			pi = &g->g_graph[idx[j]];
			fprintf(f, "%s\n\n%zu\n", pi->pi_path, pi->pi_nrefs);
			for (k = 0; k < pi->pi_nrefs; k++)
				fprintf(f, "%s\n", pi->pi_refs[k]);
		}
		if (fclose(f) == EOF)
			fatal("fclose");
		free(idx);
		/* Nix 2.8 does not give these to the build user. */
		attrs_add_file(da, words[i], data, len)->mmf_keep = 1;
	}
done:
	for (i = 0; i < nwords; i++)
		free(words[i]);
	free(words);
	return (rc);
}

/* One path of a graph as Nix's pathInfoToJSON prints it. */
static json_t *
attrs_graph_info(const struct goal *g, size_t at)
{
	const struct wire_path_info	*pi = &g->g_graph[at];
	const enum hash_algo		 sha256 = HASH_SHA256;
	struct hash			 h;
	json_t				*o, *refs;
	char				 nh[HASH_STR_MAX], *start[1], *err;
	size_t				*idx, nidx, i;
	uint64_t			 size = 0;

	if (hash_parse(pi->pi_narhash, &sha256, &h, NULL) == -1 ||
	    hash_format(&h, HASH_ENC_BASE32, 1, nh, sizeof(nh)) == -1)
		strlcpy(nh, pi->pi_narhash, sizeof(nh));
	start[0] = pi->pi_path;
	if (graph_refs_closure(g, start, 1, &idx, &nidx, &err) == -1) {
		free(err);
		nidx = 0;
		idx = NULL;
	}
	for (i = 0; i < nidx; i++)
		size += g->g_graph[idx[i]].pi_narsize;
	free(idx);
	if ((o = json_object()) == NULL || (refs = json_array()) == NULL)
		fatal("json_object");
	for (i = 0; i < pi->pi_nrefs; i++)
		json_array_append_new(refs, json_string(pi->pi_refs[i]));
	json_object_set_new(o, "path", json_string(pi->pi_path));
	json_object_set_new(o, "narHash", json_string(nh));
	json_object_set_new(o, "narSize", json_integer(pi->pi_narsize));
	json_object_set_new(o, "references", refs);
	if (pi->pi_ca != NULL && pi->pi_ca[0] != '\0')
		json_object_set_new(o, "ca", json_string(pi->pi_ca));
	json_object_set_new(o, "closureSize", json_integer(size));
	return (o);
}

/*
 * exportReferencesGraph under __json: an object of name: path or list
 * of paths; each name becomes a top-level attribute holding the path
 * infos of the closure.
 */
static int
attrs_graph_json(const struct goal *g, json_t *json, char **errp)
{
	json_t		*e, *v, *list;
	const char	*key;
	char		**paths;
	size_t		  npaths, i, *idx, nidx;

	if ((e = json_object_get(json, "exportReferencesGraph")) == NULL ||
	    !json_is_object(e))
		return (0);
	e = json_deep_copy(e);
	json_object_foreach(e, key, v) {
		npaths = json_is_array(v) ? json_array_size(v) : 1;
		if ((paths = calloc(npaths + 1, sizeof(*paths))) == NULL)
			fatal("calloc");
		for (i = 0; i < npaths; i++) {
			paths[i] = (char *)json_string_value(json_is_array(v) ?
			    json_array_get(v, i) : v);
			if (paths[i] == NULL) {
				free(paths);
				json_decref(e);
				return (attrs_err(errp, "'exportReferencesGraph"
				    "' of '" OPS_HL("%s") "' must hold store "
				    "paths", g->g_path));
			}
		}
		if (graph_closure(g, paths, npaths, &idx, &nidx,
		    errp) == -1) {
			free(paths);
			json_decref(e);
			return (-1);
		}
		free(paths);
		if ((list = json_array()) == NULL)
			fatal("json_array");
		for (i = 0; i < nidx; i++)
			json_array_append_new(list,
			    attrs_graph_info(g, idx[i]));
		free(idx);
		json_object_set_new(json, key, list);
	}
	json_decref(e);
	return (0);
}

/* .attrs.json and .attrs.sh, placeholders rewritten. */
static int
attrs_structured(const struct goal *g, struct drv_attrs *da, char **errp)
{
	const struct drv	*d = g->g_drv;
	json_t			*outputs;
	char			*text, *data;
	size_t			 i, len;

	if ((outputs = json_object()) == NULL)
		fatal("json_object");
	for (i = 0; i < d->d_noutputs; i++) {
		if (asprintf(&text, "nix-output:%s", d->d_outputs[i].do_name) ==
		    -1)
			fatal("asprintf");
		data = attrs_hash_name("/", text);
		free(text);
		json_object_set_new(outputs, d->d_outputs[i].do_name,
		    json_string(data));
		free(data);
	}
	json_object_set_new(da->da_json, "outputs", outputs);
	if (attrs_graph_json(g, da->da_json, errp) == -1)
		return (-1);
	text = drvattrs_dump_sh(da->da_json, &len);
	data = attrs_rewrite(da, text);
	free(text);
	attrs_add_file(da, ".attrs.sh", data, strlen(data));
	text = drvattrs_dump_json(da->da_json, &len);
	data = attrs_rewrite(da, text);
	free(text);
	attrs_add_file(da, ".attrs.json", data, strlen(data));
	return (0);
}

int
attrs_make(struct goal *g, struct drv_attrs *da, char **errp)
{
	const struct drv	*d = g->g_drv;
	char			 err[256];
	long			 e;
	int			 nochroot;

	memset(da, 0, sizeof(*da));
	attrs_placeholders(g, da);
	if ((e = drv_find_env(d, "__json")) >= 0 &&
	    (da->da_json = drvattrs_parse(d->d_env[e].de_value,
	    strlen(d->d_env[e].de_value), err, sizeof(err))) == NULL)
		return (attrs_err(errp, "cannot process __json attribute of "
		    "'" OPS_HL("%s") "': %s", g->g_path, err));
	if (attrs_bool(g, da->da_json, "__noChroot", 0, &nochroot,
	    errp) == -1)
		return (-1);
	if (nochroot)
		return (attrs_err(errp, "derivation '" OPS_HL("%s") "' has "
		    "'__noChroot' set, but that's not allowed when 'sandbox' "
		    "is 'true'", g->g_path));
	if (sched_fixed(g) && attrs_strings(g, da->da_json, "impureEnvVars",
	    &da->da_impure, &da->da_nimpure, errp) == -1)
		return (-1);
	if (da->da_json != NULL)
		return (attrs_structured(g, da, errp));
	if ((e = drv_find_env(d, "passAsFile")) >= 0)
		da->da_pass = d->d_env[e].de_value;
	if (attrs_pass_files(g, da) == -1 ||
	    attrs_graph_text(g, da, errp) == -1)
		return (-1);
	return (0);
}

void
attrs_free(struct drv_attrs *da)
{
	size_t	i;

	json_decref(da->da_json);
	for (i = 0; i < da->da_nfiles; i++) {
		free(da->da_files[i].mmf_name);
		free(da->da_files[i].mmf_data);
	}
	free(da->da_files);
	for (i = 0; i < da->da_nph; i++) {
		free(da->da_ph[i]);
		free(da->da_ph_path[i]);
	}
	free(da->da_ph);
	free(da->da_ph_path);
	for (i = 0; i < da->da_nimpure; i++)
		free(da->da_impure[i]);
	free(da->da_impure);
	memset(da, 0, sizeof(*da));
}
