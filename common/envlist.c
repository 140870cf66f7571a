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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envlist.h"
#include "log.h"

static int	envlist_cmp(const void *, const void *);

void
envlist_set(struct envlist *el, const char *key, const char *value)
{
	size_t	i, klen = strlen(key);
	char	*s;

	if (asprintf(&s, "%s=%s", key, value) == -1)
		fatal("asprintf");
	for (i = 0; i < el->el_n; i++)
		if (strncmp(el->el_v[i], key, klen) == 0 &&
		    el->el_v[i][klen] == '=') {
			free(el->el_v[i]);
			el->el_v[i] = s;
			return;
		}
	if ((el->el_v = reallocarray(el->el_v, el->el_n + 2,
	    sizeof(*el->el_v))) == NULL)
		fatal("reallocarray");
	el->el_v[el->el_n++] = s;
	el->el_v[el->el_n] = NULL;
}

/* By key alone: "A=1" before "AB=0", as Nix's std::map orders them. */
static int
envlist_cmp(const void *a, const void *b)
{
	const char	*x = *(char *const *)a, *y = *(char *const *)b;
	size_t		 xl = strcspn(x, "="), yl = strcspn(y, "=");
	int		 rc;

	if ((rc = memcmp(x, y, xl < yl ? xl : yl)) != 0)
		return (rc);
	return ((xl > yl) - (xl < yl));
}

void
envlist_sort(struct envlist *el)
{
	qsort(el->el_v, el->el_n, sizeof(*el->el_v), envlist_cmp);
}
