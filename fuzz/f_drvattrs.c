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
 * A derivation's __json (common/drvattrs.c): what jansson accepts must
 * print as .attrs.json and .attrs.sh; the printed JSON must parse back
 * to an equal value and print to the very same bytes (a fixed point,
 * so the reals' shortest form reads back exactly), and neither file
 * may hold a NUL.  What is refused must come with a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drvattrs.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t	*root, *again;
	char	 err[256], *js, *js2, *sh;
	size_t	 jslen, js2len, shlen;

	err[0] = '\0';
	if ((root = drvattrs_parse((const char *)data, size, err,
	    sizeof(err))) == NULL) {
		if (err[0] == '\0')
			fuzz_fail("refused without a reason");
		return (0);
	}
	js = drvattrs_dump_json(root, &jslen);
	sh = drvattrs_dump_sh(root, &shlen);
	if (memchr(js, '\0', jslen) != NULL || memchr(sh, '\0', shlen) != NULL)
		fuzz_fail("a NUL in the printed files");
	if ((again = drvattrs_parse(js, jslen, err, sizeof(err))) == NULL)
		fuzz_fail("printed JSON does not parse: %s: %s", err, js);
	if (!json_equal(root, again))
		fuzz_fail("printed JSON reads back different: %s", js);
	js2 = drvattrs_dump_json(again, &js2len);
	if (js2len != jslen || memcmp(js, js2, jslen) != 0)
		fuzz_fail("not a fixed point: %s / %s", js, js2);
	free(js);
	free(js2);
	free(sh);
	json_decref(root);
	json_decref(again);
	return (0);
}
