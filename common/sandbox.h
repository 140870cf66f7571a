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

/*
 * mountproc's spawner, whose filter every builder inherits: all calls
 * but a list of host-wide ones (which kill); fatal on failure.
 */
void	sandbox_enter_spawner(void);

/*
 * The builder's own filter on top, as Nix's: chmod and friends with
 * S_ISUID or S_ISGID fail with EPERM, every xattr call with ENOTSUP,
 * no_new_privs.  Returns -1 on failure (the caller is about to exec
 * and reports it itself).
 */
int	sandbox_builder_filter(void);

#endif /* RNIXD_SANDBOX_H */
