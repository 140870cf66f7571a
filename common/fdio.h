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
 * Descriptor chores several processes did, each with its own copy:
 * writing a whole buffer to a descriptor that blocks (a file being
 * filled), opening a directory of a tree to remove.
 */
#ifndef RNIXD_FDIO_H
#define RNIXD_FDIO_H

#include <stddef.h>

/* All of len bytes, retrying after signals: 0, or -1 with errno. */
int	write_all(int, const void *, size_t);
/*
 * A directory in dirfd opened to be emptied: the fd, or -1 with errno
 * and *step the step that failed ("open", "stat", "chmod").
 */
int	open_dir_to_empty(int, const char *, const char **);

#endif /* RNIXD_FDIO_H */
