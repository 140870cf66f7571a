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
 * Landlock scopes for builders: what a build may not reach outside its
 * own processes even where it shares a namespace with the host.
 */
#ifndef RNIXD_LANDLOCK_H
#define RNIXD_LANDLOCK_H

/* The first Landlock ABI with scopes (Linux 6.12). */
#define LANDLOCK_SCOPE_MIN_ABI	6

/* The kernel's Landlock ABI version, or -1 (errno set) if none. */
int	landlock_abi(void);

/*
 * Confines the calling thread, and all it execs or forks later, so
 * that it can neither connect or send to an abstract Unix socket made
 * outside nor signal a process outside.  Sets no_new_privs (Landlock
 * needs it from an unprivileged caller).  Returns -1 with errno set,
 * ENOTSUP if the kernel has no scopes.
 */
int	landlock_scope_self(void);

#endif /* RNIXD_LANDLOCK_H */
