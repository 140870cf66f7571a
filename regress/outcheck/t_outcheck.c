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
 * Unit tests for common/outcheck.c and outcheck_json.c: the checks read
 * from a derivation's environment and from its __json as Nix 2.8 reads
 * them (values of odd types included), and the bounds on hostile JSON:
 * nesting, and a text whose parsed tree would be too large.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drv.h"
#include "outcheck.h"

#define DRVPATH	"/nix/store/0123456789abcdfghijklmnpqrsvwxyz-x.drv"

static char *const	outputs[] = { "dev", "out" };

static void
want_specs(const char *what, const struct outcheck *oc, enum outcheck_list l,
    const char *want)
{
	char	got[1024] = "";
	size_t	k;

	if (!(oc->oc_flags & OC_F_LIST(l)))
		errx(1, "%s: %s not given", what, outcheck_names[l]);
	for (k = 0; k < oc->oc_nspecs[l]; k++) {
		if (k > 0)
			strlcat(got, " ", sizeof(got));
		strlcat(got, oc->oc_specs[l][k], sizeof(got));
	}
	if (strcmp(got, want) != 0)
		errx(1, "%s: %s got \"%s\", expected \"%s\"", what,
		    outcheck_names[l], got, want);
}

static struct outcheck *
json_ok(const char *what, const char *json, size_t *n)
{
	struct outcheck	*checks;
	char		*err;

	printf("json: %s\n", what);
	if (outcheck_from_json(json, strlen(json), DRVPATH, outputs, 2,
	    &checks, n, &err) == -1)
		errx(1, "%s: %s", what, err);
	return (checks);
}

static void
json_fail(const char *what, const char *json, size_t len, const char *want)
{
	struct outcheck	*checks;
	size_t		 n;
	char		*err;

	printf("json: %s\n", what);
	if (outcheck_from_json(json, len, DRVPATH, outputs, 2, &checks, &n,
	    &err) == 0)
		errx(1, "%s: accepted", what);
	if (strstr(err, want) == NULL)
		errx(1, "%s: got \"%s\", expected \"%s\"", what, err, want);
	free(err);
}

static void
test_env(void)
{
	struct outcheck	*checks;
	const char	*values[OC_NLISTS] = { " out\t/nix/store/a-b\n dev ",
			    NULL, "", NULL };
	size_t		 n, i;

	printf("env: word lists for every output\n");
	outcheck_from_env(values, outputs, 2, &checks, &n);
	if (n != 2)
		errx(1, "env: %zu checks", n);
	for (i = 0; i < n; i++) {
		if (strcmp(checks[i].oc_output, outputs[i]) != 0 ||
		    checks[i].oc_flags != (OC_F_IGNORESELF |
		    OC_F_LIST(OC_ALLOWED_REFS) | OC_F_LIST(OC_DISALLOWED_REFS)))
			errx(1, "env: output %zu flags %x", i,
			    checks[i].oc_flags);
		want_specs("env", &checks[i], OC_ALLOWED_REFS,
		    "out /nix/store/a-b dev");
		want_specs("env", &checks[i], OC_DISALLOWED_REFS, "");
	}
	outcheck_free(checks, n);
	memset(values, 0, sizeof(values));
	outcheck_from_env(values, outputs, 2, &checks, &n);
	if (n != 0)
		errx(1, "env: checks without attributes");
}

static void
test_json(void)
{
	struct outcheck	*c;
	size_t		 n;

	c = json_ok("lists, sizes, only known outputs",
	    "{\"outputChecks\":{\"out\":{\"maxSize\":10,\"maxClosureSize\":"
	    "20,\"allowedReferences\":[\"dev\"],\"disallowedRequisites\":"
	    "[]},\"bin\":{\"maxSize\":1}},\"allowedReferences\":[]}", &n);
	if (n != 1 || strcmp(c[0].oc_output, "out") != 0 ||
	    c[0].oc_maxsize != 10 || c[0].oc_maxclosure != 20 ||
	    c[0].oc_flags != (OC_F_MAXSIZE | OC_F_MAXCLOSURE |
	    OC_F_LIST(OC_ALLOWED_REFS) | OC_F_LIST(OC_DISALLOWED_REQS)))
		errx(1, "json: wrong checks (%zu, flags %x)", n,
		    n > 0 ? c[0].oc_flags : 0);
	want_specs("json", &c[0], OC_ALLOWED_REFS, "dev");
	outcheck_free(c, n);

	/* As Nix's JSON library iterates: a string, null, an object. */
	c = json_ok("a string, null and an object as lists",
	    "{\"outputChecks\":{\"dev\":{\"allowedReferences\":\"out\","
	    "\"allowedRequisites\":null,\"disallowedReferences\":{\"b\":"
	    "\"x\",\"a\":\"y\"},\"maxSize\":true,\"maxClosureSize\":-1}}}",
	    &n);
	if (n != 1 || c[0].oc_maxsize != 1 ||
	    c[0].oc_maxclosure != UINT64_MAX || c[0].oc_error != NULL)
		errx(1, "json: odd types read wrong");
	want_specs("json", &c[0], OC_ALLOWED_REFS, "out");
	want_specs("json", &c[0], OC_ALLOWED_REQS, "");
	want_specs("json", &c[0], OC_DISALLOWED_REFS, "y x");
	outcheck_free(c, n);

	c = json_ok("a number in a list: the output's error",
	    "{\"outputChecks\":{\"out\":{\"allowedReferences\":[1]}}}", &n);
	if (n != 1 || c[0].oc_error == NULL ||
	    strstr(c[0].oc_error, "must be a list of strings") == NULL ||
	    strstr(c[0].oc_error, DRVPATH) == NULL)
		errx(1, "json: no list error");
	outcheck_free(c, n);
	c = json_ok("a string as a size",
	    "{\"outputChecks\":{\"out\":{\"maxSize\":\"1\"}}}", &n);
	if (n != 1 || c[0].oc_error == NULL || strcmp(c[0].oc_error,
	    "[json.exception.type_error.302] type must be number, but is "
	    "string") != 0)
		errx(1, "json: no size error");
	outcheck_free(c, n);
	c = json_ok("no outputChecks object", "[1,2]", &n);
	if (n != 0)
		errx(1, "json: checks from an array");
	c = json_ok("outputChecks of the wrong type",
	    "{\"outputChecks\":{\"out\":[1],\"dev\":5}}", &n);
	if (n != 0)
		errx(1, "json: checks from non-objects");
	json_fail("not JSON", "{\"a\":", 5, "cannot process __json "
	    "attribute of '");
}

static void
test_hostile(void)
{
	char	*text;
	size_t	 len, i, depth = 100000;

	if ((text = malloc(2 * depth)) == NULL)
		err(1, NULL);
	memset(text, '[', depth);
	memset(text + depth, ']', depth);
	json_fail("nested 100,000 deep", text, 2 * depth,
	    "maximum parsing depth");
	free(text);
	/* 15 MB of empty arrays: the tree would take far more. */
	len = 15 * 1024 * 1024;
	if ((text = malloc(len)) == NULL)
		err(1, NULL);
	text[0] = '[';
	for (i = 1; i + 3 < len; i += 3)
		memcpy(text + i, "[],", 3);
	memcpy(text + i - 1, "]", 1);
	json_fail("a tree too large", text, i, "would take more than");
	free(text);
	json_fail("longer than OC_JSON_MAX", "[]", OC_JSON_MAX + 1,
	    "too long");
}

int
main(void)
{
	test_env();
	test_json();
	test_hostile();
	printf("ok\n");
	return (0);
}
