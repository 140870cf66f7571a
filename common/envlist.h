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
 * A builder's environment as it is built up: "key=value" strings, a
 * later value of a key replacing the earlier, sorted by key at the end
 * as Nix's std::map keeps them.  builderproc makes it (sched_env.c);
 * the sandbox test harness makes the same by hand.
 */
#ifndef RNIXD_ENVLIST_H
#define RNIXD_ENVLIST_H

#include <stddef.h>

struct envlist {
	char	**el_v;		/* NULL-terminated once one is set */
	size_t	  el_n;
};

void	envlist_set(struct envlist *, const char *, const char *);
void	envlist_sort(struct envlist *);

#endif /* RNIXD_ENVLIST_H */
