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
 * An imsg channel driven by libevent, for the children that run an
 * event loop (storeproc, builderproc).  mountproc polls by hand and
 * does not link libevent.  imsgev only drives the channel: messages
 * are composed on its imsgbuf by msg.h's senders.
 */
#ifndef RNIXD_IMSGEV_H
#define RNIXD_IMSGEV_H

#include <event.h>

#include "imsg.h"
#include "proc.h"

struct imsgev {
	struct imsgbuf	*iev_ibuf;
	struct event	 iev_rev;	/* persistent read */
	struct event	 iev_wev;	/* while the socket is full */
	struct event	 iev_pause;	/* reading stopped: no fd slot */
	enum proc_type	 iev_peer;
	uint32_t	 iev_last_type;	/* of the last message composed */
	/* Called with each message; returns -1 if the peer is broken. */
	int		(*iev_dispatch)(struct imsgev *, struct imsg *);
};

/*
 * Drive an initialised imsgbuf (kept by pointer, so the parent channel
 * child_init() used goes on with what it already buffered).  Fatal on
 * failure: these channels are the process's lifelines.
 */
void	imsgev_init(struct imsgev *, struct imsgbuf *, enum proc_type,
	    int (*)(struct imsgev *, struct imsg *));
/* Stop watching the channel (tests, or a process about to exit). */
void	imsgev_clear(struct imsgev *);
/*
 * Try to send what is queued.  Composes on the imsgbuf of a driven
 * channel call it by themselves (imsgev_init() hooks the imsgbuf), so
 * only code that queued by other means needs it.
 */
void	imsgev_kick(struct imsgev *);

#endif /* RNIXD_IMSGEV_H */
