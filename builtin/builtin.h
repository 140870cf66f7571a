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
 * rnixd-builtin: the builders Nix 2.8 runs in its own code for
 * derivations whose builder is "builtin:<name>".  The spawner execs
 * it as the builder, inside the sandbox, as the build user and under
 * the builder's seccomp filter, so that the archive and directory
 * walking code below never runs with a privilege.  Statically linked:
 * the sandbox holds no dynamic loader or library.
 */
#ifndef RNIXD_BUILTIN_H
#define RNIXD_BUILTIN_H

#include <stddef.h>

struct archive;

/* builtin.c */
int	 builtin_fail(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
void	 builtin_warn(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
const char *builtin_attr(const char *);

/* builtin_buildenv.c */
int	 builtin_buildenv(void);

/* builtin_archive.c */
struct archive *builtin_unpack_reader(void);
int	 builtin_unpack(struct archive *, int, char *, size_t);

/* builtin_unpack.c */
int	 builtin_unpack_channel(void);

#endif /* RNIXD_BUILTIN_H */
