/*
 * libevent glue for imsg channels between rnixd processes.  A sibling
 * or the parent closing its end means that process is gone; the parent
 * will stop everything, so exiting here is the fail-closed answer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "imsgev.h"
#include "log.h"

static void	imsgev_handler(int, short, void *);

static void
imsgev_update(struct imsgev *iev)
{
	short	events = EV_READ;

	if (imsgbuf_queuelen(iev->iev_ibuf) > 0)
		events |= EV_WRITE;
	/* One-shot events: re-arm after every wakeup, not only on change. */
	if (event_initialized(&iev->iev_ev))
		event_del(&iev->iev_ev);
	iev->iev_events = events;
	event_set(&iev->iev_ev, iev->iev_ibuf->ib_fd, events, imsgev_handler,
	    iev);
	event_add(&iev->iev_ev, NULL);
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
	/* event_initialized() must not read stack garbage. */
	memset(&iev->iev_ev, 0, sizeof(iev->iev_ev));
	iev->iev_ibuf = ibuf;
	iev->iev_peer = peer;
	iev->iev_dispatch = dispatch;
	iev->iev_events = 0;
	imsgev_drain(iev);
	imsgev_update(iev);
}

void
imsgev_compose(struct imsgev *iev, uint32_t type, uint32_t peerid, int fd,
    const void *data, size_t len)
{
	if (imsg_compose(iev->iev_ibuf, type, peerid, 0, fd, data, len) == -1)
		fatal("imsg_compose %s to %s", imsg_type_name(type),
		    proc_name(iev->iev_peer));
	imsgev_update(iev);
}

static void
imsgev_handler(int fd, short events, void *arg)
{
	struct imsgev	*iev = arg;
	ssize_t		 n;

	(void)fd;
	if (events & EV_WRITE) {
		if (imsgbuf_write(iev->iev_ibuf) == -1)
			fatal("write to %s", proc_name(iev->iev_peer));
	}
	if (events & EV_READ) {
		if ((n = imsgbuf_read(iev->iev_ibuf)) == -1 &&
		    errno != EAGAIN)
			fatal("read from %s", proc_name(iev->iev_peer));
		if (n == 0)
			fatalx("%s went away", proc_name(iev->iev_peer));
		imsgev_drain(iev);
	}
	imsgev_update(iev);
}
