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
