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
 * Reference scanning: which of a set of store path hash parts occur in
 * a byte stream (an output's NAR serialisation) fed in arbitrary
 * chunks.  The answer is the one Nix 2.8's RefScanSink gives: a
 * candidate is found iff its 32 characters occur anywhere in the
 * stream as consecutive bytes, also inside a longer base32 run and
 * across chunk boundaries.
 */
#ifndef RNIXD_REFSCAN_H
#define RNIXD_REFSCAN_H

#include <stddef.h>

#define REFSCAN_HASH_LEN	32	/* a store path hash part */

struct refscan;

/*
 * Each of the ncands candidates points to at least 32 characters of
 * Nix base32 (for instance into a store path string); only the first
 * 32 are read, and they are copied.  Duplicates are allowed and are
 * found together.  Returns NULL with *errstr set (and errno EINVAL or
 * ENOMEM) on a bad candidate or when memory runs out.
 */
struct refscan	*refscan_new(const char *const *cands, size_t ncands,
		    const char **errstr);
/* Scan the next len bytes of the stream; never fails. */
void		 refscan_feed(struct refscan *, const void *, size_t);
/* 1 if candidate index (as given to refscan_new) was seen, else 0. */
int		 refscan_found(const struct refscan *, size_t index);
/* How many candidates were seen; ncands means scanning can stop. */
size_t		 refscan_nfound(const struct refscan *);
void		 refscan_free(struct refscan *);

#endif /* RNIXD_REFSCAN_H */
