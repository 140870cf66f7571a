/*
 * SIGUSR1 makes an event-driven child log how much of its heap is in
 * use: a way to find leaks in a running daemon, where valgrind cannot
 * run under the seccomp filters (regress/daemon/leaks.sh).
 */
#ifndef RNIXD_MEMSTAT_H
#define RNIXD_MEMSTAT_H

/* After event_init(); the process's name goes into the line. */
void	memstat_init(const char *);

#endif /* RNIXD_MEMSTAT_H */
