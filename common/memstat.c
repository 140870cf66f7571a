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
 * The heap report of memstat.h.  mallinfo2() counts what malloc has
 * handed out and not had back, whatever the allocator keeps cached or
 * fragmented, so the same work repeated must give the same figure; the
 * resident size seen from outside moves with the allocator's choices.
 */
#include <event.h>
#include <malloc.h>
#include <signal.h>

#include "log.h"
#include "memstat.h"

static struct event	 memstat_ev;
static const char	*memstat_name;

static void
memstat_report(int sig, short events, void *arg)
{
	struct mallinfo2	mi;

	(void)sig;
	(void)events;
	(void)arg;
	mi = mallinfo2();
	log_info("%s heap: %zu bytes in use, %zu mmapped", memstat_name,
	    mi.uordblks, mi.hblkhd);
}

void
memstat_init(const char *name)
{
	memstat_name = name;
	signal_set(&memstat_ev, SIGUSR1, memstat_report, NULL);
	if (signal_add(&memstat_ev, NULL) == -1)
		fatal("signal_add SIGUSR1");
}
