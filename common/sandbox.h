/*
 * seccomp allow-lists, one per child process.  A call outside the
 * list kills the process (SIGSYS): a confused or compromised process
 * dies instead of reaching the kernel.
 */
#ifndef RNIXD_SANDBOX_H
#define RNIXD_SANDBOX_H

#include "proc.h"

/* Sets PR_SET_NO_NEW_PRIVS and loads the filter; fatal on failure. */
void	sandbox_enter(enum proc_type);

#endif /* RNIXD_SANDBOX_H */
