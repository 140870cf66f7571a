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
 * Output checks (see outcheck.h): the records, and the checks of a
 * derivation without structured attributes.  The JSON side is in
 * outcheck_json.c, so that a program that only passes checks on does
 * not link the JSON library.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "outcheck.h"

const char *const outcheck_names[OC_NLISTS] = {
	"allowedReferences",
	"allowedRequisites",
	"disallowedReferences",
	"disallowedRequisites"
};

char *
outcheck_format(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fatal("%s", __func__);
	va_end(ap);
	if (strlen(s) >= OC_ERROR_MAX)
		s[OC_ERROR_MAX - 1] = '\0';
	return (s);
}

/*
 * A specifier longer than any store path or output name can only be
 * illegal; it is kept cut (between UTF-8 characters), so that it still
 * is, and fails in its turn.
 */
void
outcheck_add_spec(struct outcheck *oc, enum outcheck_list l, const char *s,
    size_t len)
{
	char	**specs;
	size_t	  n = oc->oc_nspecs[l];

	if (len > OC_SPEC_MAX) {
		len = OC_SPEC_MAX;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	if ((specs = reallocarray(oc->oc_specs[l], n + 2,
	    sizeof(*specs))) == NULL || (specs[n] = strndup(s, len)) == NULL)
		fatal("%s", __func__);
	specs[n + 1] = NULL;
	oc->oc_specs[l] = specs;
	oc->oc_nspecs[l] = n + 1;
}

struct outcheck *
outcheck_grow(struct outcheck **checks, size_t *nchecks, const char *output)
{
	struct outcheck	*oc;

	if ((oc = reallocarray(*checks, *nchecks + 1, sizeof(*oc))) == NULL)
		fatal("%s", __func__);
	*checks = oc;
	oc += (*nchecks)++;
	memset(oc, 0, sizeof(*oc));
	if ((oc->oc_output = strdup(output)) == NULL)
		fatal("%s", __func__);
	return (oc);
}

void
outcheck_free(struct outcheck *checks, size_t nchecks)
{
	size_t	i, l, k;

	for (i = 0; i < nchecks; i++) {
		free(checks[i].oc_output);
		free(checks[i].oc_error);
		for (l = 0; l < OC_NLISTS; l++) {
			for (k = 0; k < checks[i].oc_nspecs[l]; k++)
				free(checks[i].oc_specs[l][k]);
			free(checks[i].oc_specs[l]);
		}
	}
	free(checks);
}

/*
 * Without structured attributes: each attribute is a list of words,
 * the same for every output, and requisites do not count the output
 * itself.
 */
int
outcheck_from_env(const char *const values[OC_NLISTS], char *const *outputs,
    size_t noutputs, struct outcheck **checks, size_t *nchecks)
{
	struct outcheck	*oc;
	const char	*p;
	size_t		 i, len;
	int		 l, any = 0;

	*checks = NULL;
	*nchecks = 0;
	for (l = 0; l < OC_NLISTS; l++)
		any |= values[l] != NULL;
	for (i = 0; any && i < noutputs; i++) {
		oc = outcheck_grow(checks, nchecks, outputs[i]);
		oc->oc_flags = OC_F_IGNORESELF;
		for (l = 0; l < OC_NLISTS; l++) {
			if ((p = values[l]) == NULL)
				continue;
			oc->oc_flags |= OC_F_LIST(l);
			for (;;) {
				p += strspn(p, " \t\n\r");
				if ((len = strcspn(p, " \t\n\r")) == 0)
					break;
				if (oc->oc_nspecs[l] >= OC_SPECS_MAX &&
				    oc->oc_error == NULL)
					oc->oc_error = outcheck_format(
					    "attribute '%s' has too many "
					    "elements", outcheck_names[l]);
				else if (oc->oc_nspecs[l] < OC_SPECS_MAX)
					outcheck_add_spec(oc, l, p, len);
				p += len;
			}
		}
	}
	return (0);
}
