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
 * The unit tests' byte buffer and wire string encoder (tbuf.h).
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "tbuf.h"

void
tbuf_add(struct tbuf *b, const void *p, size_t n)
{
	if (b->tb_len + n > b->tb_cap) {
		b->tb_cap = (b->tb_len + n) * 2 + 64;
		if ((b->tb_data = realloc(b->tb_data, b->tb_cap)) == NULL)
			err(1, "realloc");
	}
	if (n > 0)
		memcpy(b->tb_data + b->tb_len, p, n);
	b->tb_len += n;
}

void
tbuf_u64(struct tbuf *b, uint64_t v)
{
	unsigned char	le[8];
	int		i;

	for (i = 0; i < 8; i++)
		le[i] = v >> (8 * i);
	tbuf_add(b, le, 8);
}

void
tbuf_bytes(struct tbuf *b, const void *p, size_t n)
{
	static const unsigned char	zero[8];

	tbuf_u64(b, n);
	tbuf_add(b, p, n);
	tbuf_add(b, zero, (8 - n % 8) % 8);
}

void
tbuf_str(struct tbuf *b, const char *s)
{
	tbuf_bytes(b, s, strlen(s));
}

void
tbuf_free(struct tbuf *b)
{
	free(b->tb_data);
	memset(b, 0, sizeof(*b));
}
