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
 * NAR (Nix ARchive): the canonical serialisation of a file tree that
 * Nix hashes and ships.  A writer that dumps a tree held open through
 * directory fds, a push parser that takes untrusted bytes in chunks of
 * any size, and a restorer built on the parser that never follows a
 * symlink or resolves a path string.  Memory use is flat: no whole NAR
 * and no whole file is ever buffered.
 */
#ifndef RNIXD_NAR_H
#define RNIXD_NAR_H

#include <stddef.h>
#include <stdint.h>

#define NAR_MAGIC		"nix-archive-1"
#define NAR_DEPTH_MAX		256	/* directories a node may sit in */
#define NAR_NAME_MAX		255	/* longest entry name (NAME_MAX) */
#define NAR_TARGET_MAX		4095	/* longest symlink target */
#define NAR_KEYWORD_MAX		13	/* longest keyword: NAR_MAGIC */
#define NAR_FILE_MAX		INT64_MAX	/* largest file (off_t) */
#define NAR_BUFSIZE		65536	/* writer and reader chunk size */

enum nar_type {
	NAR_REGULAR,
	NAR_SYMLINK,
	NAR_DIRECTORY
};

/*
 * Receives NAR bytes (writer output, or the raw input of
 * nar_restore_fd).  Returns 0, or -1 to abort the operation.
 */
typedef int	nar_sink_fn(void *, const void *, size_t);

/*
 * Error strings returned through errstr by nar_dump_*, nar_restore_fd
 * and nar_remove_tree live in a static buffer that the next of these
 * calls overwrites; those of a parser or restorer object live as long
 * as the object.
 */

/*
 * Serialise the file, symlink or directory at path (relative to dirfd,
 * or AT_FDCWD) without following a symlink at any level below it.
 * Other file types, or nesting deeper than NAR_DEPTH_MAX, are errors.
 */
int	nar_dump_path(int, const char *, nar_sink_fn *, void *,
	    const char **);
/* The NAR of one regular file holding buf (a text store path). */
int	nar_dump_buf(const void *, size_t, int, nar_sink_fn *, void *,
	    const char **);

/*
 * Events of the push parser, in stream order.  A node is announced by
 * npc_regular, npc_symlink or npc_directory and closed by npc_end; each
 * directory entry is announced by npc_entry (a valid, sorted name)
 * before its node.  A regular file's contents arrive as npc_data chunks
 * totalling size bytes.  Any callback may be NULL; a callback returns
 * -1 and sets its errstr to stop the parser.
 */
struct nar_parse_cb {
	int	(*npc_directory)(void *, const char **);
	int	(*npc_entry)(void *, const char *, const char **);
	int	(*npc_regular)(void *, uint64_t, int, const char **);
	int	(*npc_data)(void *, const void *, size_t, const char **);
	int	(*npc_symlink)(void *, const char *, const char **);
	int	(*npc_end)(void *, enum nar_type, const char **);
};

struct nar_parser;

/* Returns NULL only when out of memory. */
struct nar_parser *nar_parse_new(const struct nar_parse_cb *, void *);
void	 nar_parse_free(struct nar_parser *);
/*
 * Feed the next chunk.  Bytes after the root node are an error.  After
 * an error every call fails with the same message.
 */
int	 nar_parse_feed(struct nar_parser *, const void *, size_t,
	    const char **);
/*
 * Same, but stops at the end of the root node and stores in *used how
 * much of the chunk belonged to the NAR, for a NAR embedded in a
 * longer stream.
 */
int	 nar_parse_feed_prefix(struct nar_parser *, const void *, size_t,
	    size_t *, const char **);
/* At end of input: -1 ("NAR is truncated") unless the root is done. */
int	 nar_parse_finish(struct nar_parser *, const char **);
int	 nar_parse_done(const struct nar_parser *);
/* Bytes consumed so far: the narSize once done. */
uint64_t nar_parse_size(const struct nar_parser *);

/*
 * Restore a NAR as name (one path component, which must not exist)
 * inside the directory parentfd.  Everything is created relative to
 * directory fds held open by the restorer, with O_EXCL and O_NOFOLLOW:
 * directories 0777 and files 0666 less the umask; as in Nix, an
 * executable file then gets +x for everyone.  On failure nothing is
 * removed: call nar_remove_tree(parentfd, name).
 */
struct nar_restore;

struct nar_restore *nar_restore_new(int, const char *, const char **);
void	 nar_restore_free(struct nar_restore *);
int	 nar_restore_feed(struct nar_restore *, const void *, size_t,
	    const char **);
int	 nar_restore_finish(struct nar_restore *, const char **);
uint64_t nar_restore_size(const struct nar_restore *);

/*
 * Read a whole NAR from infd until end of file and restore it; every
 * byte of the NAR is also passed to tee (if not NULL) first, so the
 * caller can hash it.  The NAR size is stored in *sizep if not NULL.
 */
int	 nar_restore_fd(int, int, const char *, nar_sink_fn *, void *,
	    uint64_t *, const char **);

/*
 * Delete name inside dirfd and, if it is a directory, everything under
 * it, through directory fds and without following symlinks.  A missing
 * name is not an error.
 */
int	 nar_remove_tree(int, const char *, const char **);

#endif /* RNIXD_NAR_H */
