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
 * The output checks of a derivation with structured attributes, from
 * its __json (see outcheck.h).
 *
 * __json is parsed with jansson: its parser is strict and stops at a
 * fixed nesting depth, the text is bounded by the .drv's own limit and
 * OC_JSON_MAX, and the tree by OC_JSON_MEM_MAX: a few bytes of JSON
 * make a value of some dozens, so a text within limits could still
 * take builderproc's memory.  What Nix 2.8 does with values of unexpected types
 * is kept, as its JSON library behaves: a list that is a single string
 * is that one string, null is an empty list, an object is the list of
 * its values in key order, and any non-string in a list is an error
 * raised when that output is checked.  Nix 2.8 reads no ignoreSelfRefs
 * from outputChecks; neither does this.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drv.h"
#include "log.h"
#include "outcheck.h"

/* Nix shows the arguments of its errors in bold magenta. */
#define OC_HL(s)	"\x1b[35;1m" s "\x1b[0m"

static const char *
oc_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return ("object");
	case JSON_ARRAY:
		return ("array");
	case JSON_STRING:
		return ("string");
	case JSON_NULL:
		return ("null");
	case JSON_TRUE:
	case JSON_FALSE:
		return ("boolean");
	default:
		return ("number");
	}
}

/* A size as Nix's JSON library converts any number (or Boolean). */
static int
oc_get_size(struct outcheck *oc, const json_t *v, uint64_t *size)
{
	double	d;

	if (json_is_integer(v))
		*size = (uint64_t)json_integer_value(v);
	else if (json_is_real(v)) {
		d = json_real_value(v);
		if (d < 0 && d > -9.2e18)
			*size = (uint64_t)(int64_t)d;
		else if (d >= 0 && d < 1.8e19)
			*size = (uint64_t)d;
		else
			*size = UINT64_MAX;
	} else if (json_is_boolean(v))
		*size = json_is_true(v);
	else {
		oc->oc_error = outcheck_format("[json.exception."
		    "type_error.302] type must be number, but is %s",
		    oc_type_name(v));
		return (-1);
	}
	return (0);
}

static int
oc_key_cmp(const void *a, const void *b)
{
	return (strcmp(*(const char *const *)a, *(const char *const *)b));
}

/* One element of a list: a string, or the output's error. */
static int
oc_get_elem(struct outcheck *oc, enum outcheck_list l, const json_t *v,
    const char *drvpath)
{
	const char	*s;
	size_t		 len;

	if (!json_is_string(v)) {
		oc->oc_error = outcheck_format("attribute '" OC_HL("%s") "' of "
		    "derivation '" OC_HL("%s") "' must be a list of strings",
		    outcheck_names[l], drvpath);
		return (-1);
	}
	s = json_string_value(v);
	len = json_string_length(v);
	if (memchr(s, '\0', len) != NULL) {
		oc->oc_error = outcheck_format("derivation contains an illegal "
		    "reference specifier '" OC_HL("%s") "'", s);
		return (-1);
	}
	if (oc->oc_nspecs[l] >= OC_SPECS_MAX) {
		oc->oc_error = outcheck_format("attribute '" OC_HL("%s") "' of "
		    "derivation '" OC_HL("%s") "' has too many elements",
		    outcheck_names[l], drvpath);
		return (-1);
	}
	outcheck_add_spec(oc, l, s, len);
	return (0);
}

/* An object's values, in the order of their keys. */
static int
oc_get_values(struct outcheck *oc, enum outcheck_list l, json_t *v,
    const char *drvpath)
{
	const char	**keys, *key;
	json_t		 *elem;
	size_t		  n = 0, i;
	int		  rc = 0;

	if ((keys = calloc(json_object_size(v) + 1, sizeof(*keys))) == NULL)
		fatal("%s", __func__);
	json_object_foreach(v, key, elem)
		keys[n++] = key;
	qsort(keys, n, sizeof(*keys), oc_key_cmp);
	for (i = 0; rc == 0 && i < n; i++)
		rc = oc_get_elem(oc, l, json_object_get(v, keys[i]), drvpath);
	free(keys);
	return (rc);
}

static int
oc_get_list(struct outcheck *oc, enum outcheck_list l, json_t *v,
    const char *drvpath)
{
	size_t	i;
	int	rc = 0;

	oc->oc_flags |= OC_F_LIST(l);
	if (json_is_array(v)) {
		for (i = 0; rc == 0 && i < json_array_size(v); i++)
			rc = oc_get_elem(oc, l, json_array_get(v, i), drvpath);
	} else if (json_is_object(v))
		rc = oc_get_values(oc, l, v, drvpath);
	else if (!json_is_null(v))
		rc = oc_get_elem(oc, l, v, drvpath);
	return (rc);
}

/* outputChecks.<output>, in Nix's order; stops at the first error. */
static void
oc_get_output(struct outcheck *oc, json_t *o, const char *drvpath)
{
	json_t	*v;
	int	 l;

	if ((v = json_object_get(o, "maxSize")) != NULL) {
		oc->oc_flags |= OC_F_MAXSIZE;
		if (oc_get_size(oc, v, &oc->oc_maxsize) == -1)
			return;
	}
	if ((v = json_object_get(o, "maxClosureSize")) != NULL) {
		oc->oc_flags |= OC_F_MAXCLOSURE;
		if (oc_get_size(oc, v, &oc->oc_maxclosure) == -1)
			return;
	}
	for (l = 0; l < OC_NLISTS; l++)
		if ((v = json_object_get(o, outcheck_names[l])) != NULL &&
		    oc_get_list(oc, l, v, drvpath) == -1)
			return;
}

/* What the parse holds; the allocator is set around one parse only. */
static size_t	oc_mem_used;
static int	oc_mem_refused;

static void *
oc_mem_alloc(size_t size)
{
	max_align_t	*p;

	if (size > OC_JSON_MEM_MAX - oc_mem_used ||
	    (p = malloc(sizeof(*p) + size)) == NULL) {
		oc_mem_refused = 1;
		return (NULL);
	}
	*(size_t *)(void *)p = size;
	oc_mem_used += size;
	return (p + 1);
}

static void
oc_mem_free(void *ptr)
{
	max_align_t	*p = ptr;

	if (p == NULL)
		return;
	p--;
	oc_mem_used -= *(size_t *)(void *)p;
	free(p);
}

int
outcheck_from_json(const char *json, size_t len, const char *drvpath,
    char *const *outputs, size_t noutputs, struct outcheck **checks,
    size_t *nchecks, char **err)
{
	json_error_t	 jerr;
	json_malloc_t	 prev_alloc;
	json_free_t	 prev_free;
	json_t		*root, *all, *o;
	const char	*base;
	size_t		 i;

	*checks = NULL;
	*nchecks = 0;
	base = strrchr(drvpath, '/') != NULL ? strrchr(drvpath, '/') + 1 :
	    drvpath;
	if (len > OC_JSON_MAX) {
		*err = outcheck_format("cannot process __json attribute of '"
		    OC_HL("%s") "': %zu bytes is too long", base, len);
		return (-1);
	}
	json_get_alloc_funcs(&prev_alloc, &prev_free);
	json_set_alloc_funcs(oc_mem_alloc, oc_mem_free);
	oc_mem_refused = 0;
	if ((root = json_loadb(json, len, JSON_DECODE_ANY | JSON_ALLOW_NUL,
	    &jerr)) == NULL) {
		json_set_alloc_funcs(prev_alloc, prev_free);
		if (oc_mem_refused)
			*err = outcheck_format("cannot process __json "
			    "attribute of '" OC_HL("%s") "': its values would "
			    "take more than %lu MiB", base,
			    OC_JSON_MEM_MAX >> 20);
		else
			*err = outcheck_format("cannot process __json "
			    "attribute of '" OC_HL("%s") "': %s at line %d, "
			    "column %d", base, jerr.text, jerr.line,
			    jerr.column);
		return (-1);
	}
	all = json_object_get(root, "outputChecks");
	for (i = 0; all != NULL && i < noutputs; i++) {
		if ((o = json_object_get(all, outputs[i])) == NULL ||
		    !json_is_object(o))
			continue;
		oc_get_output(outcheck_grow(checks, nchecks, outputs[i]), o,
		    drvpath);
	}
	json_decref(root);
	json_set_alloc_funcs(prev_alloc, prev_free);
	return (0);
}

int
outcheck_from_drv(const struct drv *d, const char *drvpath,
    struct outcheck **checks, size_t *nchecks, char **err)
{
	const char	*values[OC_NLISTS];
	char		**outputs;
	size_t		  i;
	long		  e;
	int		  l, rc;

	if ((outputs = calloc(d->d_noutputs + 1, sizeof(*outputs))) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < d->d_noutputs; i++)
		outputs[i] = d->d_outputs[i].do_name;
	if ((e = drv_find_env(d, "__json")) != -1)
		rc = outcheck_from_json(d->d_env[e].de_value,
		    strlen(d->d_env[e].de_value), drvpath, outputs,
		    d->d_noutputs, checks, nchecks, err);
	else {
		for (l = 0; l < OC_NLISTS; l++)
			values[l] = (e = drv_find_env(d, outcheck_names[l])) ==
			    -1 ? NULL : d->d_env[e].de_value;
		rc = outcheck_from_env(values, outputs, d->d_noutputs,
		    checks, nchecks);
	}
	free(outputs);
	return (rc);
}
