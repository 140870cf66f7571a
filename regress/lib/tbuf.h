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
 * A growing byte buffer for the unit tests, and a hand encoder of the
 * strings of Nix's wire format and NARs on it (64-bit little-endian
 * length, the bytes, zero padding to 8), written apart from
 * common/wirebuf.c so that tests of the decoders do not trust the
 * encoder under test.  Allocation failure exits.
 */
#ifndef RNIXD_TBUF_H
#define RNIXD_TBUF_H

#include <stddef.h>
#include <stdint.h>

struct tbuf {
	unsigned char	*tb_data;
	size_t		 tb_len;
	size_t		 tb_cap;
};

void	tbuf_add(struct tbuf *, const void *, size_t);
void	tbuf_u64(struct tbuf *, uint64_t);
/* A length-prefixed, padded string of these bytes. */
void	tbuf_bytes(struct tbuf *, const void *, size_t);
void	tbuf_str(struct tbuf *, const char *);
/* Freed and emptied, ready for use again. */
void	tbuf_free(struct tbuf *);

#endif /* RNIXD_TBUF_H */
