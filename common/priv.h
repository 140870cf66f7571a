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
 * Dropping root: the user, the groups and all capabilities but a
 * named few, in the order that cannot be undone.
 */
#ifndef RNIXD_PRIV_H
#define RNIXD_PRIV_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

void	priv_drop(uid_t, gid_t, const int *caps, size_t ncaps);
void	priv_reduce_caps(const int *caps, size_t ncaps);
int	priv_caps_mask(const int *, size_t, uint64_t *);
/* The effective capability set as /proc/self/status shows it. */
uint64_t priv_effective_caps(void);

#endif /* RNIXD_PRIV_H */
