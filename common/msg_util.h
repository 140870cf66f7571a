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
 * Internal to the msg_*.c wire files (see msg_store.h): shared limits,
 * messages and the receive pattern msg_begin, msg_got..., msg_end.
 */
#ifndef RNIXD_MSG_UTIL_H
#define RNIXD_MSG_UTIL_H

#include <stddef.h>

#include "imsg.h"
#include "wire.h"

#define MSG_TRUNCATED		"truncated payload"
#define MSG_TRAILING		"trailing bytes in payload"
#define MSG_TOO_LARGE		"reply too large"
#define MSG_TOO_MANY		"too many items"

size_t	msg_payload_max(const struct imsgbuf *);
void	msg_out_init(struct wire_out *, const struct imsgbuf *);
void	msg_out_limit(struct wire_out *, size_t, size_t);
int	msg_put_opt(struct wire_out *, const char *);
int	msg_begin(struct imsg *, struct wire_in *, int, int *,
	    const char **);
int	msg_got(struct wire_in *, int, const char **);
int	msg_end(struct wire_in *, const char **);
int	msg_fail(int, const char **, const char *);
void	msg_close(int);
int	msg_get_link(struct wire_in *, int, char **, const char **);

/* Reads one item of an array into the zeroed slot given. */
typedef int	(*msg_item_getter)(struct wire_in *, const char *, void *,
		    const char **);
int	msg_get_items(struct wire_in *, size_t, size_t, msg_item_getter,
	    const char *, void **, size_t *, const char **);

#endif /* RNIXD_MSG_UTIL_H */
