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
 * libevent glue for imsg channels between rnixd processes.  A sibling
 * or the parent closing its end means that process is gone; the parent
 * will stop everything, so exiting here is the fail-closed answer.
 *
 * Reading is a persistent event; writing is tried at once when a
 * message is composed and left to a write event only while the socket
 * is full.  Every request between processes pays these costs, so they
 * are kept to the few system calls the work needs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "imsgev.h"
#include "log.h"

static void	imsgev_read(int, short, void *);
static void	imsgev_write(int, short, void *);
static void	imsgev_pause(struct imsgev *);
static void	imsgev_resume(int, short, void *);
static void	imsgev_notify(void *, uint32_t);

/* Milliseconds a channel is not read while no descriptor slot is free. */
#define IMSGEV_PAUSE_MS	20

static void
imsgev_flush(struct imsgev *iev)
{
	if (imsgbuf_write(iev->iev_ibuf) == -1)
		fatal("write to %s", proc_name(iev->iev_peer));
	if (imsgbuf_queuelen(iev->iev_ibuf) > 0) {
		if (!event_pending(&iev->iev_wev, EV_WRITE, NULL))
			event_add(&iev->iev_wev, NULL);
	} else if (event_pending(&iev->iev_wev, EV_WRITE, NULL))
		event_del(&iev->iev_wev);
}

static void
imsgev_drain(struct imsgev *iev)
{
	struct imsg	imsg;
	int		rc;

	while ((rc = imsgbuf_get(iev->iev_ibuf, &imsg)) == 1) {
		rc = iev->iev_dispatch(iev, &imsg);
		imsg_free(&imsg);
		if (rc == -1)
			fatalx("broken messages from %s",
			    proc_name(iev->iev_peer));
	}
	if (rc == -1)
		fatal("bad message from %s", proc_name(iev->iev_peer));
}

void
imsgev_init(struct imsgev *iev, struct imsgbuf *ibuf, enum proc_type peer,
    int (*dispatch)(struct imsgev *, struct imsg *))
{
	iev->iev_ibuf = ibuf;
	iev->iev_peer = peer;
	iev->iev_dispatch = dispatch;
	event_set(&iev->iev_rev, ibuf->ib_fd, EV_READ | EV_PERSIST,
	    imsgev_read, iev);
	event_set(&iev->iev_wev, ibuf->ib_fd, EV_WRITE, imsgev_write, iev);
	evtimer_set(&iev->iev_pause, imsgev_resume, iev);
	event_add(&iev->iev_rev, NULL);
	imsgbuf_set_notify(ibuf, imsgev_notify, iev);
	/* What the channel's earlier user read ahead is handled now. */
	imsgev_drain(iev);
	imsgev_flush(iev);
}

void
imsgev_clear(struct imsgev *iev)
{
	imsgbuf_set_notify(iev->iev_ibuf, NULL, NULL);
	event_del(&iev->iev_rev);
	event_del(&iev->iev_wev);
	evtimer_del(&iev->iev_pause);
}

/* Send what was queued now, or when the socket takes it. */
void
imsgev_kick(struct imsgev *iev)
{
	imsgev_flush(iev);
}

/*
 * Every compose on a driven imsgbuf lands here (imsgbuf_set_notify),
 * whoever composed it (msg.h's senders know only the imsgbuf): the
 * message goes out at once, inside a dispatch or outside, as it did
 * when each caller flushed.
 */
static void
imsgev_notify(void *arg, uint32_t type)
{
	struct imsgev	*iev = arg;

	iev->iev_last_type = type;
	imsgev_kick(iev);
}

static void
imsgev_write(int fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	imsgev_flush(arg);
}

/*
 * The socket was readable, yet nothing was read: the fd table has no
 * slot for a descriptor the message may bring.  Retrying at once would
 * spin; others free descriptors meanwhile (accepting stops too).
 */
static void
imsgev_pause(struct imsgev *iev)
{
	struct timeval	tv = { 0, IMSGEV_PAUSE_MS * 1000 };

	event_del(&iev->iev_rev);
	evtimer_add(&iev->iev_pause, &tv);
}

static void
imsgev_resume(int fd, short events, void *arg)
{
	struct imsgev	*iev = arg;

	(void)fd;
	(void)events;
	event_add(&iev->iev_rev, NULL);
}

static void
imsgev_read(int fd, short events, void *arg)
{
	struct imsgev	*iev = arg;
	ssize_t		 n;

	(void)fd;
	(void)events;
	if ((n = imsgbuf_read(iev->iev_ibuf)) == -1 && errno != EAGAIN)
		fatal("read from %s", proc_name(iev->iev_peer));
	if (n == -1)
		imsgev_pause(iev);
	if (n == 0)
		fatalx("%s went away", proc_name(iev->iev_peer));
	imsgev_drain(iev);
	/* Dispatchers may have composed on the imsgbuf itself. */
	imsgev_flush(iev);
}
