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
 * .drv text: what drv_parse accepts, drv_unparse prints back to the
 * very same bytes (the parser takes canonical ATerm only, and a .drv's
 * store path hashes its bytes, so any other outcome would be a wrong
 * path).  A valid derivation is also classified and, when it has no
 * input derivations to load, hashed modulo and given its output
 * paths, which must be valid store paths; a second parse of the
 * printed text must agree.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drv.h"
#include "fuzz.h"
#include "storepath.h"

static int	load_none(void *, const char *, struct drv **,
		    const char **);
static void	check_paths(const struct drv *);

static int
load_none(void *arg, const char *path, struct drv **dp, const char **errstr)
{
	(void)arg;
	(void)path;
	*dp = NULL;
	*errstr = "no input derivations while fuzzing";
	return (-1);
}

static void
check_paths(const struct drv *d)
{
	struct drv_hasher	  dh;
	struct drv_type		  dt;
	char			(*out)[STOREPATH_MAX];
	const char		 *errstr;
	size_t			  i;

	if (drv_type(d, &dt, &errstr) == -1 || d->d_ninputs > 0)
		return;
	if ((out = calloc(d->d_noutputs + 1, sizeof(*out))) == NULL)
		fuzz_fail("calloc");
	drv_hasher_init(&dh, FUZZ_STOREDIR, load_none, NULL);
	if (drv_output_paths(&dh, "fuzz", d, out, &errstr) == 0) {
		for (i = 0; i < d->d_noutputs; i++)
			if (storepath_parse(FUZZ_STOREDIR, out[i], NULL, NULL,
			    &errstr) == -1)
				fuzz_fail("output path %s: %s", out[i],
				    errstr);
	}
	drv_hasher_clear(&dh);
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	struct drv	*d, *d2;
	const char	*errstr;
	char		*text, *text2;
	size_t		 textlen, textlen2;

	if (drv_parse(FUZZ_STOREDIR, (const char *)buf, len, &d,
	    &errstr) == -1)
		return (0);
	if (drv_unparse(d, 0, NULL, 0, &text, &textlen, &errstr) == -1)
		fuzz_fail("a parsed drv does not print: %s", errstr);
	if (textlen != len || memcmp(text, buf, len) != 0)
		fuzz_fail("printed drv differs from the parsed text");
	if (drv_parse(FUZZ_STOREDIR, text, textlen, &d2, &errstr) == -1)
		fuzz_fail("printed drv does not parse: %s", errstr);
	if (drv_unparse(d2, 1, NULL, 0, &text2, &textlen2, &errstr) == -1)
		fuzz_fail("masked print fails: %s", errstr);
	check_paths(d);
	free(text2);
	free(text);
	drv_free(d2);
	drv_free(d);
	return (0);
}
