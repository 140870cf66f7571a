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
 * rnixd.conf: config_parse_buf on any bytes (a config reload reads
 * what an administrator, or whoever can write the file, put there).
 * A text that parses prints, with config_print, a canonical form that
 * parses again and prints the same: the -nv output is a fixed point.
 * Error messages go to a memory stream and must stay within
 * CONFIG_ERRORS_MAX lines plus the "too many errors" one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

static char	*print_conf(const struct rnixd_conf *, size_t *);
static size_t	 count_lines(const char *, size_t);

static char *
print_conf(const struct rnixd_conf *conf, size_t *lenp)
{
	FILE	*fp;
	char	*text = NULL;

	if ((fp = open_memstream(&text, lenp)) == NULL)
		fuzz_fail("open_memstream");
	if (config_print(fp, conf) == -1)
		fuzz_fail("config_print failed on a parsed config");
	if (fclose(fp) == EOF)
		fuzz_fail("fclose");
	return (text);
}

static size_t
count_lines(const char *text, size_t len)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++)
		if (text[i] == '\n')
			n++;
	return (n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	struct rnixd_conf	 conf, conf2;
	FILE			*errs;
	char			*errtext = NULL, *text, *text2;
	size_t			 errlen, textlen, textlen2;
	int			 rc;

	if ((errs = open_memstream(&errtext, &errlen)) == NULL)
		fuzz_fail("open_memstream");
	memset(&conf, 0, sizeof(conf));
	rc = config_parse_buf("fuzz.conf", (const char *)buf, len, &conf,
	    errs);
	fclose(errs);
	if (count_lines(errtext, errlen) > CONFIG_ERRORS_MAX + 2)
		fuzz_fail("%zu error lines", count_lines(errtext, errlen));
	if ((rc == 0) != (errlen == 0))
		fuzz_fail("parse returned %d with %zu bytes of errors", rc,
		    errlen);
	free(errtext);
	if (rc == -1)
		return (0);
	text = print_conf(&conf, &textlen);
	memset(&conf2, 0, sizeof(conf2));
	if (config_parse_buf("printed.conf", text, textlen, &conf2,
	    stderr) == -1)
		fuzz_fail("printed config does not parse:\n%s", text);
	text2 = print_conf(&conf2, &textlen2);
	if (textlen != textlen2 || memcmp(text, text2, textlen) != 0)
		fuzz_fail("printing is not a fixed point:\n%s---\n%s", text,
		    text2);
	free(text2);
	free(text);
	config_free(&conf2);
	config_free(&conf);
	return (0);
}
