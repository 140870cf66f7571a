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
 * The message layer under the send/recv pairs of every family
 * (msg_ctl.h, msg_store.h, msg_mount.h): one builder and one reader
 * over a plain struct imsgbuf, one encoding (wirebuf.h: u64
 * little-endian, strings padded to 8 bytes).  The shape is
 * OpenSMTPD's mproc.c; unlike its m_error(), the reader never exits:
 * it records the first failure and every later get fails too, so a
 * receiver reads all fields and asks msg_end() once.
 *
 * Building: msg_open(), msg_put_*(), msg_close().  Every put after a
 * failed one does nothing.  msg_close() queues the message, or, if the
 * encoding failed (too large for the channel, a count over the
 * receiver's limit), sends nothing of it: a reply that must go out
 * (msg_is_reply(), CTL_READLINKS_REPLY) becomes STORE_ERROR "reply too
 * large" with the same peerid, anything else returns -1 so the caller
 * can answer its own client.  An fd given to msg_open() is always
 * consumed (sent or closed).  Composing is fatal only when imsg itself
 * fails (allocation), as every compose is.
 *
 * A channel driven by imsgev (storeproc, builderproc) flushes after
 * each compose by itself (imsgev_init() hooks the imsgbuf), so senders
 * never need to know who drives the channel.
 *
 * Reading: msg_begin(), msg_get_*(), msg_end().  msg_begin() takes the
 * fd out of the imsg at once and fails if it is there when not wanted
 * or missing when wanted.  Getters store nothing on failure, so a
 * receiver that zeroed its struct frees it whole after msg_end()
 * failed; msg_end() also fails on trailing bytes and closes the fd.
 */
#ifndef RNIXD_MSG_H
#define RNIXD_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "imsg.h"
#include "proc.h"
#include "wirebuf.h"

#define MSG_TRUNCATED		"truncated payload"
#define MSG_TRAILING		"trailing bytes in payload"
#define MSG_TOO_LARGE		"reply too large"
#define MSG_TOO_MANY		"too many items"

struct msg {
	struct imsgbuf	*m_ibuf;
	uint32_t	 m_type;
	uint32_t	 m_peerid;
	int		 m_fd;
	struct wire_out	 m_out;
};

/* The largest payload the channel takes. */
size_t	msg_payload_max(const struct imsgbuf *);
/* The replies of storeproc: each ends a request, so one must go out. */
int	msg_is_reply(uint32_t);

void	msg_open(struct msg *, struct imsgbuf *, uint32_t type,
	    uint32_t peerid, int fd);
void	msg_put_u32(struct msg *, uint32_t);
void	msg_put_u64(struct msg *, uint64_t);
void	msg_put_flag(struct msg *, int);
void	msg_put_str(struct msg *, const char *);
/* An optional string (OptStorePath): NULL is "". */
void	msg_put_opt(struct msg *, const char *);
void	msg_put_bytes(struct msg *, const void *, size_t);
/* A text cut to at most max bytes, not inside a UTF-8 sequence. */
void	msg_put_text(struct msg *, const char *, size_t max);
/* A count, then the strings, in order; more than max fails. */
void	msg_put_strs(struct msg *, char *const *, size_t, size_t max);
void	msg_put_path_info(struct msg *, const struct wire_path_info *);
/* A count the receiver would refuse fails the message like a size. */
void	msg_limit(struct msg *, size_t count, size_t max);
int	msg_close(struct msg *);

struct msg_in {
	struct wire_in	 mi_in;
	int		 mi_fd;
	uint32_t	 mi_type;
	const char	*mi_storedir;	/* for store paths; set by caller */
	const char	*mi_errstr;	/* the first failure */
};

int	msg_begin(struct imsg *, struct msg_in *, int wantfd);
/* Record a failure of the caller's own checks; always -1. */
int	msg_fail(struct msg_in *, const char *);
int	msg_get_u32(struct msg_in *, uint32_t *);
int	msg_get_u64(struct msg_in *, uint64_t *);
/* Our senders write booleans as 0 or 1; anything else is garbage. */
int	msg_get_flag(struct msg_in *, int *);
/* A C string (no NUL inside) of at most maxlen bytes. */
int	msg_get_str(struct msg_in *, char **, size_t maxlen);
/* At most maxlen bytes, NUL-terminated in memory, NULs allowed. */
int	msg_get_bytes(struct msg_in *, char **, size_t *, size_t maxlen);
int	msg_get_strs(struct msg_in *, char ***, size_t *, size_t maxcount,
	    size_t maxlen);
/* Checked against mi_storedir. */
int	msg_get_storepath(struct msg_in *, char **);
int	msg_get_opt_storepath(struct msg_in *, char **);
int	msg_get_storepaths(struct msg_in *, char ***, size_t *,
	    size_t maxcount);
int	msg_get_path_info(struct msg_in *, struct wire_path_info *,
	    size_t maxrefs);

/*
 * A count, then that many items of size bytes, each read by get into
 * a zeroed array with one spare zeroed slot at the end.  Every item
 * takes at least 8 bytes of payload, so a count the payload cannot
 * hold is refused before anything is allocated.  On failure the items
 * read so far are freed with freeitem and nothing is stored.
 */
typedef int	(*msg_item_get)(struct msg_in *, void *);
typedef void	(*msg_item_free)(void *);
int	msg_get_array(struct msg_in *, size_t size, size_t max,
	    msg_item_get, msg_item_free, void **, size_t *);
/* What msg_get_array stored: each item with freeitem, then the array. */
void	msg_array_free(void *, size_t nitems, size_t size, msg_item_free);
/*
 * A whole payload that is one such array (store paths checked against
 * storedir, which may be NULL): 0 and the items, or -1 and *errstr.
 */
int	msg_recv_array(struct imsg *, const char *storedir, size_t size,
	    size_t max, msg_item_get, msg_item_free, void **, size_t *,
	    const char **errstr);

/* 0, or -1 with *errstr (static) and the fd closed. */
int	msg_end(struct msg_in *, const char **errstr);

/* A message without payload, in any family (PING, STORE_OK, ...). */
void	msg_send_empty(struct imsgbuf *, uint32_t type, uint32_t peerid);
int	msg_recv_empty(struct imsg *, const char **errstr);

#endif /* RNIXD_MSG_H */
