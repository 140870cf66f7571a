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
 * Output checks (outcheck.c, outcheck_json.c) from a client's
 * derivation.  The first byte picks the source: bit 0 clear, the rest
 * is a __json text; set, the rest is up to four environment values
 * (allowedReferences ... disallowedRequisites) separated by NUL bytes.
 * Properties: the records keep the limits storeproc's receiver checks
 * (known outputs once each, known flags, lists only where flagged,
 * specifiers without NUL and not too long, bounded error text); word
 * lists are exactly the words of the values; a __json result written
 * back as outputChecks JSON reads back to the very same records.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "outcheck.h"

#define DRVPATH	FUZZ_STOREDIR "/0123456789abcdfghijklmnpqrsvwxyz-x.drv"

static char *const	outputs[] = { "bin", "dev", "out" };
#define NOUTPUTS	(sizeof(outputs) / sizeof(outputs[0]))

/* What msg_get_check() would refuse must never be produced. */
static void
check_limits(const struct outcheck *checks, size_t nchecks)
{
	const struct outcheck	*oc;
	size_t			 i, j, l, k, found;

	for (i = 0; i < nchecks; i++) {
		oc = &checks[i];
		for (j = found = 0; j < NOUTPUTS; j++)
			found += strcmp(oc->oc_output, outputs[j]) == 0;
		for (j = 0; j < i; j++)
			if (strcmp(checks[j].oc_output, oc->oc_output) == 0)
				fuzz_fail("two checks of %s", oc->oc_output);
		if (found != 1 || (oc->oc_flags & ~OC_F_ALL) != 0)
			fuzz_fail("bad output or flags");
		if (oc->oc_error != NULL && (oc->oc_error[0] == '\0' ||
		    strlen(oc->oc_error) >= OC_ERROR_MAX))
			fuzz_fail("bad error text");
		for (l = 0; l < OC_NLISTS; l++) {
			if (oc->oc_nspecs[l] > OC_SPECS_MAX ||
			    (oc->oc_nspecs[l] > 0 &&
			    !(oc->oc_flags & OC_F_LIST(l))))
				fuzz_fail("list %zu unflagged or too long", l);
			for (k = 0; k < oc->oc_nspecs[l]; k++)
				if (strlen(oc->oc_specs[l][k]) > OC_SPEC_MAX)
					fuzz_fail("specifier too long");
			if (oc->oc_nspecs[l] > 0 &&
			    oc->oc_specs[l][oc->oc_nspecs[l]] != NULL)
				fuzz_fail("list not NULL-terminated");
		}
	}
}

static int
same_checks(const struct outcheck *a, size_t na, const struct outcheck *b,
    size_t nb)
{
	size_t	i, l, k;

	if (na != nb)
		return (0);
	for (i = 0; i < na; i++) {
		if (strcmp(a[i].oc_output, b[i].oc_output) != 0 ||
		    a[i].oc_flags != b[i].oc_flags ||
		    a[i].oc_maxsize != b[i].oc_maxsize ||
		    a[i].oc_maxclosure != b[i].oc_maxclosure ||
		    (a[i].oc_error == NULL) != (b[i].oc_error == NULL))
			return (0);
		for (l = 0; l < OC_NLISTS; l++) {
			if (a[i].oc_nspecs[l] != b[i].oc_nspecs[l])
				return (0);
			for (k = 0; k < a[i].oc_nspecs[l]; k++)
				if (strcmp(a[i].oc_specs[l][k],
				    b[i].oc_specs[l][k]) != 0)
					return (0);
		}
	}
	return (1);
}

/* The records as an outputChecks JSON text (error-free ones only). */
static char *
write_json(const struct outcheck *checks, size_t nchecks)
{
	json_t	*root, *all, *o, *list;
	char	*text;
	size_t	 i, l, k;

	root = json_object();
	all = json_object();
	for (i = 0; i < nchecks; i++) {
		o = json_object();
		if (checks[i].oc_flags & OC_F_MAXSIZE)
			json_object_set_new(o, "maxSize", json_integer(
			    (json_int_t)checks[i].oc_maxsize));
		if (checks[i].oc_flags & OC_F_MAXCLOSURE)
			json_object_set_new(o, "maxClosureSize", json_integer(
			    (json_int_t)checks[i].oc_maxclosure));
		for (l = 0; l < OC_NLISTS; l++) {
			if (!(checks[i].oc_flags & OC_F_LIST(l)))
				continue;
			list = json_array();
			for (k = 0; k < checks[i].oc_nspecs[l]; k++)
				json_array_append_new(list,
				    json_string(checks[i].oc_specs[l][k]));
			json_object_set_new(o, outcheck_names[l], list);
		}
		json_object_set_new(all, checks[i].oc_output, o);
	}
	json_object_set_new(root, "outputChecks", all);
	if ((text = json_dumps(root, JSON_COMPACT)) == NULL)
		fuzz_fail("json_dumps");
	json_decref(root);
	return (text);
}

static void
fuzz_json(const char *text, size_t len)
{
	struct outcheck	*checks, *again;
	size_t		 nchecks, nagain, i;
	char		*err, *out;

	if (outcheck_from_json(text, len, DRVPATH, outputs, NOUTPUTS,
	    &checks, &nchecks, &err) == -1) {
		if (err == NULL || strlen(err) >= OC_ERROR_MAX)
			fuzz_fail("refused without a proper message");
		free(err);
		return;
	}
	check_limits(checks, nchecks);
	for (i = 0; i < nchecks; i++)
		if (checks[i].oc_error != NULL ||
		    (checks[i].oc_flags & OC_F_IGNORESELF))
			break;
	if (i == nchecks) {
		out = write_json(checks, nchecks);
		if (outcheck_from_json(out, strlen(out), DRVPATH, outputs,
		    NOUTPUTS, &again, &nagain, &err) == -1)
			fuzz_fail("written checks do not parse: %s", err);
		if (!same_checks(checks, nchecks, again, nagain))
			fuzz_fail("written checks read back differently: %s",
			    out);
		outcheck_free(again, nagain);
		free(out);
	}
	outcheck_free(checks, nchecks);
}

/* The words of one value, joined by single spaces, each cut as kept. */
static char *
words(const char *v)
{
	char	*w, *p;
	size_t	 len, keep, n = 0;

	if ((w = calloc(strlen(v) + 1, 1)) == NULL)
		fuzz_fail("calloc");
	for (p = w; *v != '\0'; v += len) {
		v += strspn(v, " \t\n\r");
		if ((len = strcspn(v, " \t\n\r")) == 0)
			break;
		if (n++ > 0)
			*p++ = ' ';
		if ((keep = len) > OC_SPEC_MAX) {
			keep = OC_SPEC_MAX;
			while (keep > 0 && ((unsigned char)v[keep] & 0xc0) ==
			    0x80)
				keep--;
		}
		memcpy(p, v, keep);
		p += keep;
	}
	return (w);
}

static void
fuzz_env(const uint8_t *buf, size_t len)
{
	const char	*values[OC_NLISTS];
	struct outcheck	*checks;
	char		*copy, *p, *w, *joined;
	size_t		 nchecks, i, k, l, n;

	if ((copy = calloc(len + 1, 1)) == NULL)
		fuzz_fail("calloc");
	memcpy(copy, buf, len);
	memset(values, 0, sizeof(values));
	for (p = copy, l = 0; l < OC_NLISTS && p <= copy + len; l++) {
		values[l] = p;
		p += strlen(p) + 1;
	}
	outcheck_from_env(values, outputs, NOUTPUTS, &checks, &nchecks);
	check_limits(checks, nchecks);
	if (nchecks != (l > 0 ? NOUTPUTS : 0))
		fuzz_fail("%zu checks for %zu outputs", nchecks, NOUTPUTS);
	for (i = 0; i < nchecks; i++)
		for (l = 0; l < OC_NLISTS && checks[i].oc_error == NULL;
		    l++) {
			if (values[l] == NULL)
				continue;
			w = words(values[l]);
			for (k = n = 0; k < checks[i].oc_nspecs[l]; k++)
				n += strlen(checks[i].oc_specs[l][k]) + 1;
			if ((joined = calloc(n + 1, 1)) == NULL)
				fuzz_fail("calloc");
			for (k = 0; k < checks[i].oc_nspecs[l]; k++) {
				if (k > 0)
					strlcat(joined, " ", n + 1);
				strlcat(joined, checks[i].oc_specs[l][k],
				    n + 1);
			}
			if (strcmp(w, joined) != 0)
				fuzz_fail("words of %s: '%s', read '%s'",
				    outcheck_names[l], w, joined);
			free(joined);
			free(w);
		}
	outcheck_free(checks, nchecks);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	if (len == 0)
		return (0);
	if (buf[0] & 1)
		fuzz_env(buf + 1, len - 1);
	else
		fuzz_json((const char *)buf + 1, len - 1);
	return (0);
}
