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
 * NAR writer, push parser, restorer and tree removal (see nar.h and
 * ref/nix-formats.md section 3).
 *
 * Every string in a NAR is a token: a little-endian u64 length, the
 * bytes, zero padding to a multiple of 8.  The parser is a two-level
 * state machine: a lexer that assembles the length, the payload and the
 * padding of one token from chunks of any size, and a grammar that
 * decides what the finished token means.  Small tokens (keywords, names,
 * symlink targets) are collected in a fixed buffer after their length
 * has been checked against the limit for that place; file contents are
 * passed on as they arrive.
 */
#include <sys/param.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"
#include "nar.h"

#ifndef nitems
#define nitems(a)		(sizeof(a) / sizeof((a)[0]))
#endif

#define NAR_ERR_MAX		1024
#define NAR_QUOTE_MAX		64	/* bytes of a name shown in errors */
#define NAR_ROOT_QUOTE_MAX	512	/* bytes of the caller's path */
/*
 * nar_remove_tree holds one directory fd per level; subtrees deeper
 * than this are first moved up to the top of the tree, so neither fds
 * nor stack grow with the depth of a hostile tree.
 */
#define NAR_REMOVE_DEPTH	64

static char	nar_errbuf[NAR_ERR_MAX];

static void	nar_errf(const char *, ...)
		    __attribute__((__format__ (printf, 1, 2)));
static void	nar_quote(const void *, size_t, size_t, char *, size_t);
static size_t	nar_padlen(uint64_t);
static int	nar_name_valid(const char *, size_t);
static int	nar_list_dir(int, char ***, size_t *);
static void	nar_free_names(char **, size_t);
static int	nar_same_file(const struct stat *, const struct stat *);

/*
 * Writer.
 */
struct nar_writer {
	nar_sink_fn	*nw_sink;
	void		*nw_arg;
	size_t		 nw_len;
	const char	*nw_names[NAR_DEPTH_MAX + 1];	/* for messages */
	char		 nw_target[NAR_TARGET_MAX + 1];
	unsigned char	 nw_buf[NAR_BUFSIZE];
};

static struct nar_writer *nar_writer_new(nar_sink_fn *, void *);
static int	nar_flush(struct nar_writer *);
static int	nar_put(struct nar_writer *, const void *, size_t);
static int	nar_put_u64(struct nar_writer *, uint64_t);
static int	nar_put_token(struct nar_writer *, const void *, size_t);
static int	nar_put_strs(struct nar_writer *, ...);
static void	nar_dump_fail(struct nar_writer *, int, int, const char *,
		    const char *);
static int	nar_dump_node(struct nar_writer *, int, const char *, int);
static int	nar_dump_regular(struct nar_writer *, int, const char *,
		    const struct stat *, int);
static int	nar_dump_contents(struct nar_writer *, int, uint64_t, int);
static int	nar_dump_symlink(struct nar_writer *, int, const char *, int);
static int	nar_dump_dir(struct nar_writer *, int, const char *,
		    const struct stat *, int);
static int	nar_dump_entries(struct nar_writer *, int, char **, size_t,
		    int);

/*
 * Parser.
 */
enum nar_state {
	NS_MAGIC,	/* "nix-archive-1" */
	NS_OPEN,	/* "(" of a node */
	NS_TYPEKW,	/* "type" */
	NS_TYPE,	/* "regular" | "symlink" | "directory" */
	NS_REGFIELD,	/* "executable" | "contents" */
	NS_EXECVAL,	/* "" */
	NS_CONTENTSKW,	/* "contents" after the executable marker */
	NS_CONTENTS,	/* file data, streamed */
	NS_CLOSE,	/* ")" of a file or symlink node */
	NS_TARGETKW,	/* "target" */
	NS_TARGET,	/* symlink target */
	NS_DIRFIELD,	/* "entry" | ")" */
	NS_ENTRYOPEN,	/* "(" of an entry */
	NS_NAMEKW,	/* "name" */
	NS_NAME,	/* entry name */
	NS_NODEKW,	/* "node" */
	NS_ENTRYCLOSE,	/* ")" of an entry */
	NS_DONE		/* root node complete */
};

enum nar_lex {
	NL_LEN,		/* assembling the 8 length bytes */
	NL_DATA,	/* payload */
	NL_PAD		/* zero padding */
};

struct nar_parser {
	struct nar_parse_cb	 np_cb;
	void			*np_arg;
	enum nar_state		 np_state;
	enum nar_lex		 np_lex;
	int			 np_failed;
	int			 np_exec;
	enum nar_type		 np_type;	/* of the open file/symlink */
	int			 np_depth;	/* dirs around the node */
	uint64_t		 np_size;	/* bytes consumed */
	uint64_t		 np_toklen;
	uint64_t		 np_tokleft;
	size_t			 np_padleft;
	size_t			 np_fill;	/* in np_lenbuf or np_tok */
	unsigned char		 np_lenbuf[8];
	char			 np_tok[NAR_TARGET_MAX + 1];
	char			 np_err[NAR_ERR_MAX];
	/*
	 * Last entry name seen in the directory at each depth; one at
	 * depth NAR_DEPTH_MAX may exist, but stays empty.
	 */
	char			 np_names[NAR_DEPTH_MAX + 1][NAR_NAME_MAX + 1];
};

static int	nar_parse_err(struct nar_parser *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static int	nar_cb_fail(struct nar_parser *, const char *);
static int	nar_lex_advance(struct nar_parser *);
static int	nar_token_begin(struct nar_parser *);
static int	nar_token_data(struct nar_parser *, const unsigned char *,
		    size_t);
static int	nar_token_is(const struct nar_parser *, const char *);
static int	nar_bad_token(struct nar_parser *);
static int	nar_grammar(struct nar_parser *);
static int	nar_grammar_node(struct nar_parser *);
static int	nar_grammar_dir(struct nar_parser *);
static int	nar_node_type(struct nar_parser *);
static int	nar_node_end(struct nar_parser *, enum nar_type);
static int	nar_symlink_target(struct nar_parser *);
static int	nar_entry_name(struct nar_parser *);
static void	nar_parse_path(const struct nar_parser *, const char *,
		    char *, size_t);

/*
 * Restorer.
 */
struct nar_restore {
	struct nar_parser	*nr_parser;
	/* Open directories from the caller's parentfd (not ours) down. */
	int			 nr_dirs[NAR_DEPTH_MAX + 2];
	int			 nr_ndirs;
	int			 nr_filefd;
	char			 nr_root[NAR_NAME_MAX + 1];
	char			 nr_name[NAR_NAME_MAX + 1];	/* next node */
	char			 nr_err[NAR_ERR_MAX];
};

static int	nar_restore_fail(struct nar_restore *, const char *,
		    const char **);
static int	nar_restore_directory(void *, const char **);
static int	nar_restore_entry(void *, const char *, const char **);
static int	nar_restore_regular(void *, uint64_t, int, const char **);
static int	nar_restore_data(void *, const void *, size_t, const char **);
static int	nar_restore_symlink(void *, const char *, const char **);
static int	nar_restore_end(void *, enum nar_type, const char **);
static int	nar_restore_read(struct nar_restore *, int, nar_sink_fn *,
		    void *, const char **);

static const struct nar_parse_cb nar_restore_cb = {
	.npc_directory = nar_restore_directory,
	.npc_entry = nar_restore_entry,
	.npc_regular = nar_restore_regular,
	.npc_data = nar_restore_data,
	.npc_symlink = nar_restore_symlink,
	.npc_end = nar_restore_end
};

/*
 * Removal.
 */
static int	nar_remove_fail(const char *, const char *, const char *,
		    int);
static int	nar_remove_dir(int, const char *, int, int, int,
		    const char *, unsigned int *);
static int	nar_remove_open(int, const char *, const char *);
static int	nar_remove_entry(int, const char *, int, int, const char *,
		    unsigned int *);
static int	nar_remove_contents(int, int, int, const char *,
		    unsigned int *);
static int	nar_remove_hoist(int, const char *, int, const char *);

/*
 * Helpers.
 */
static void
nar_errf(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(nar_errbuf, sizeof(nar_errbuf), fmt, ap);
	va_end(ap);
}

/*
 * Names in messages come from hostile NARs and trees: show at most max
 * bytes, and printable ASCII only, escaping the rest as \xNN.
 */
static void
nar_quote(const void *s, size_t len, size_t max, char *out, size_t outsz)
{
	const unsigned char	*p = s;
	size_t			 i, o = 0;

	for (i = 0; i < len && i < max && outsz - o > 4; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\' &&
		    p[i] != '\'')
			out[o++] = p[i];
		else {
			snprintf(out + o, outsz - o, "\\x%02x", p[i]);
			o += 4;
		}
	}
	if (i < len && outsz - o > 3) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static size_t
nar_padlen(uint64_t len)
{
	return ((8 - (len & 7)) & 7);
}

/* One path component: 1..255 bytes, not "." or "..", no '/' or NUL. */
static int
nar_name_valid(const char *name, size_t len)
{
	if (len == 0 || len > NAR_NAME_MAX)
		return (0);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return (0);
	if (memchr(name, '/', len) != NULL || memchr(name, '\0', len) != NULL)
		return (0);
	return (1);
}

static int
nar_cmp_names(const void *a, const void *b)
{
	/* strcmp compares as unsigned char: the byte order Nix sorts by. */
	return (strcmp(*(char * const *)a, *(char * const *)b));
}

/*
 * All names in the directory fd, sorted bytewise.  The directory is
 * read through a duplicate so fd stays open for openat.
 */
static int
nar_list_dir(int fd, char ***namesp, size_t *np)
{
	DIR		*dir;
	struct dirent	*de;
	char		**names = NULL, **nn;
	size_t		 n = 0, cap = 0;
	int		 dfd, saved;

	if ((dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return (-1);
	if ((dir = fdopendir(dfd)) == NULL) {
		close(dfd);
		return (-1);
	}
	rewinddir(dir);
	for (;;) {
		errno = 0;
		if ((de = readdir(dir)) == NULL)
			break;
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((nn = reallocarray(names, cap, sizeof(*names))) ==
			    NULL)
				goto fail;
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto fail;
		n++;
	}
	if (errno != 0)
		goto fail;
	closedir(dir);
	if (n > 1)
		qsort(names, n, sizeof(*names), nar_cmp_names);
	*namesp = names;
	*np = n;
	return (0);
fail:
	saved = errno;
	nar_free_names(names, n);
	closedir(dir);
	errno = saved;
	return (-1);
}

static void
nar_free_names(char **names, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int
nar_same_file(const struct stat *a, const struct stat *b)
{
	return (a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    (a->st_mode & S_IFMT) == (b->st_mode & S_IFMT));
}

/*
 * Writer: tokens go through a NAR_BUFSIZE buffer so the sink sees large
 * chunks; file data is read straight into that buffer.
 */
static struct nar_writer *
nar_writer_new(nar_sink_fn *sink, void *arg)
{
	struct nar_writer	*nw;

	if ((nw = malloc(sizeof(*nw))) == NULL) {
		nar_errf("cannot write NAR: out of memory");
		return (NULL);
	}
	nw->nw_sink = sink;
	nw->nw_arg = arg;
	nw->nw_len = 0;
	return (nw);
}

static int
nar_flush(struct nar_writer *nw)
{
	if (nw->nw_len == 0)
		return (0);
	if (nw->nw_sink(nw->nw_arg, nw->nw_buf, nw->nw_len) == -1) {
		nar_errf("cannot write NAR: the sink failed");
		return (-1);
	}
	nw->nw_len = 0;
	return (0);
}

static int
nar_put(struct nar_writer *nw, const void *data, size_t len)
{
	const unsigned char	*p = data;
	size_t			 n;

	while (len > 0) {
		if (nw->nw_len == sizeof(nw->nw_buf) && nar_flush(nw) == -1)
			return (-1);
		n = MIN(len, sizeof(nw->nw_buf) - nw->nw_len);
		memcpy(nw->nw_buf + nw->nw_len, p, n);
		nw->nw_len += n;
		p += n;
		len -= n;
	}
	return (0);
}

static int
nar_put_u64(struct nar_writer *nw, uint64_t v)
{
	unsigned char	b[8];
	int		i;

	for (i = 0; i < 8; i++)
		b[i] = (v >> (8 * i)) & 0xff;
	return (nar_put(nw, b, sizeof(b)));
}

static int
nar_put_token(struct nar_writer *nw, const void *data, size_t len)
{
	static const unsigned char	zero[8];

	if (nar_put_u64(nw, len) == -1 || nar_put(nw, data, len) == -1)
		return (-1);
	return (nar_put(nw, zero, nar_padlen(len)));
}

/* Keyword tokens, up to a NULL. */
static int
nar_put_strs(struct nar_writer *nw, ...)
{
	va_list		 ap;
	const char	*s;
	int		 r = 0;

	va_start(ap, nw);
	while (r == 0 && (s = va_arg(ap, const char *)) != NULL)
		r = nar_put_token(nw, s, strlen(s));
	va_end(ap);
	return (r);
}

/* "<pre> '<path>'[ <post>][: <strerror>]" naming the node at depth. */
static void
nar_dump_fail(struct nar_writer *nw, int depth, int errnum, const char *pre,
    const char *post)
{
	char	path[NAR_ERR_MAX / 2], q[NAR_ROOT_QUOTE_MAX * 4 + 4];
	int	i;

	nar_quote(nw->nw_names[0], strlen(nw->nw_names[0]),
	    NAR_ROOT_QUOTE_MAX, path, sizeof(path));
	for (i = 1; i <= depth; i++) {
		nar_quote(nw->nw_names[i], strlen(nw->nw_names[i]),
		    NAR_QUOTE_MAX, q, sizeof(q));
		strlcat(path, "/", sizeof(path));
		strlcat(path, q, sizeof(path));
	}
	nar_errf("%s '%s'%s%s%s%s", pre, path, post != NULL ? " " : "",
	    post != NULL ? post : "", errnum != 0 ? ": " : "",
	    errnum != 0 ? strerror(errnum) : "");
}

static int
nar_dump_node(struct nar_writer *nw, int dirfd, const char *name, int depth)
{
	struct stat	st;
	int		r;

	nw->nw_names[depth] = name;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		nar_dump_fail(nw, depth, errno, "cannot stat", NULL);
		return (-1);
	}
	if (nar_put_strs(nw, "(", "type", NULL) == -1)
		return (-1);
	if (S_ISREG(st.st_mode))
		r = nar_dump_regular(nw, dirfd, name, &st, depth);
	else if (S_ISLNK(st.st_mode))
		r = nar_dump_symlink(nw, dirfd, name, depth);
	else if (S_ISDIR(st.st_mode))
		r = nar_dump_dir(nw, dirfd, name, &st, depth);
	else {
		nar_dump_fail(nw, depth, 0, "file", "has an unsupported type");
		return (-1);
	}
	if (r == -1)
		return (-1);
	return (nar_put_strs(nw, ")", NULL));
}

static int
nar_dump_regular(struct nar_writer *nw, int dirfd, const char *name,
    const struct stat *st, int depth)
{
	struct stat	fst;
	int		fd, r;

	/* O_NONBLOCK: should a fifo have been swapped in, do not hang. */
	fd = openat(dirfd, name,
	    O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		nar_dump_fail(nw, depth, errno, "cannot open", NULL);
		return (-1);
	}
	if (fstat(fd, &fst) == -1) {
		nar_dump_fail(nw, depth, errno, "cannot stat", NULL);
		close(fd);
		return (-1);
	}
	if (!nar_same_file(st, &fst)) {
		nar_dump_fail(nw, depth, 0, "file", "changed while dumping");
		close(fd);
		return (-1);
	}
	if (fst.st_mode & S_IXUSR)
		r = nar_put_strs(nw, "regular", "executable", "", "contents",
		    NULL);
	else
		r = nar_put_strs(nw, "regular", "contents", NULL);
	if (r == 0)
		r = nar_dump_contents(nw, fd, fst.st_size, depth);
	close(fd);
	return (r);
}

static int
nar_dump_contents(struct nar_writer *nw, int fd, uint64_t size, int depth)
{
	static const unsigned char	zero[8];
	uint64_t			left = size;
	size_t				want;
	ssize_t				n;

	if (nar_put_u64(nw, size) == -1)
		return (-1);
	while (left > 0) {
		if (nw->nw_len == sizeof(nw->nw_buf) && nar_flush(nw) == -1)
			return (-1);
		want = MIN(left, sizeof(nw->nw_buf) - nw->nw_len);
		if ((n = read(fd, nw->nw_buf + nw->nw_len, want)) == -1) {
			if (errno == EINTR)
				continue;
			nar_dump_fail(nw, depth, errno, "cannot read", NULL);
			return (-1);
		}
		if (n == 0) {
			nar_dump_fail(nw, depth, 0, "file",
			    "changed size while dumping");
			return (-1);
		}
		nw->nw_len += n;
		left -= n;
	}
	return (nar_put(nw, zero, nar_padlen(size)));
}

static int
nar_dump_symlink(struct nar_writer *nw, int dirfd, const char *name,
    int depth)
{
	ssize_t	n;

	n = readlinkat(dirfd, name, nw->nw_target, sizeof(nw->nw_target));
	if (n == -1) {
		nar_dump_fail(nw, depth, errno, "cannot read symlink", NULL);
		return (-1);
	}
	/* Never write what the parser would refuse. */
	if (n == 0 || (size_t)n > NAR_TARGET_MAX) {
		nar_dump_fail(nw, depth, 0, "symlink",
		    n == 0 ? "has an empty target" : "has too long a target");
		return (-1);
	}
	if (nar_put_strs(nw, "symlink", "target", NULL) == -1)
		return (-1);
	return (nar_put_token(nw, nw->nw_target, n));
}

static int
nar_dump_dir(struct nar_writer *nw, int dirfd, const char *name,
    const struct stat *st, int depth)
{
	struct stat	  fst;
	char		**names = NULL;
	size_t		  nnames = 0;
	int		  fd, r = -1;

	fd = openat(dirfd, name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		nar_dump_fail(nw, depth, errno, "cannot open", NULL);
		return (-1);
	}
	if (fstat(fd, &fst) == -1)
		nar_dump_fail(nw, depth, errno, "cannot stat", NULL);
	else if (!nar_same_file(st, &fst))
		nar_dump_fail(nw, depth, 0, "directory",
		    "changed while dumping");
	else if (nar_list_dir(fd, &names, &nnames) == -1)
		nar_dump_fail(nw, depth, errno, "cannot read directory", NULL);
	else if (nnames > 0 && depth >= NAR_DEPTH_MAX)
		nar_dump_fail(nw, depth, 0, "directory",
		    "is nested too deeply");
	else if (nar_put_strs(nw, "directory", NULL) == 0)
		r = nar_dump_entries(nw, fd, names, nnames, depth);
	nar_free_names(names, nnames);
	close(fd);
	return (r);
}

static int
nar_dump_entries(struct nar_writer *nw, int fd, char **names, size_t nnames,
    int depth)
{
	size_t	i, len;

	for (i = 0; i < nnames; i++) {
		len = strlen(names[i]);
		if (!nar_name_valid(names[i], len)) {
			nw->nw_names[depth + 1] = names[i];
			nar_dump_fail(nw, depth + 1, 0, "file",
			    "has a name Nix cannot archive");
			return (-1);
		}
		if (nar_put_strs(nw, "entry", "(", "name", NULL) == -1 ||
		    nar_put_token(nw, names[i], len) == -1 ||
		    nar_put_strs(nw, "node", NULL) == -1 ||
		    nar_dump_node(nw, fd, names[i], depth + 1) == -1 ||
		    nar_put_strs(nw, ")", NULL) == -1)
			return (-1);
	}
	return (0);
}

int
nar_dump_path(int dirfd, const char *path, nar_sink_fn *sink, void *arg,
    const char **errstr)
{
	struct nar_writer	*nw;
	int			 r;

	if ((nw = nar_writer_new(sink, arg)) == NULL) {
		*errstr = nar_errbuf;
		return (-1);
	}
	r = nar_put_strs(nw, NAR_MAGIC, NULL);
	if (r == 0)
		r = nar_dump_node(nw, dirfd, path, 0);
	if (r == 0)
		r = nar_flush(nw);
	free(nw);
	if (r == -1)
		*errstr = nar_errbuf;
	return (r);
}

int
nar_dump_buf(const void *buf, size_t len, int executable, nar_sink_fn *sink,
    void *arg, const char **errstr)
{
	struct nar_writer	*nw;
	int			 r;

	if ((nw = nar_writer_new(sink, arg)) == NULL) {
		*errstr = nar_errbuf;
		return (-1);
	}
	r = nar_put_strs(nw, NAR_MAGIC, "(", "type", "regular", NULL);
	if (r == 0 && executable)
		r = nar_put_strs(nw, "executable", "", NULL);
	if (r == 0)
		r = nar_put_strs(nw, "contents", NULL);
	if (r == 0)
		r = nar_put_token(nw, buf, len);
	if (r == 0)
		r = nar_put_strs(nw, ")", NULL);
	if (r == 0)
		r = nar_flush(nw);
	free(nw);
	if (r == -1)
		*errstr = nar_errbuf;
	return (r);
}

/*
 * Parser.
 */
struct nar_parser *
nar_parse_new(const struct nar_parse_cb *cb, void *arg)
{
	struct nar_parser	*np;

	if ((np = calloc(1, sizeof(*np))) == NULL)
		return (NULL);
	if (cb != NULL)
		np->np_cb = *cb;
	np->np_arg = arg;
	np->np_state = NS_MAGIC;
	np->np_lex = NL_LEN;
	return (np);
}

void
nar_parse_free(struct nar_parser *np)
{
	free(np);
}

static int
nar_parse_err(struct nar_parser *np, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(np->np_err, sizeof(np->np_err), fmt, ap);
	va_end(ap);
	return (-1);
}

static int
nar_cb_fail(struct nar_parser *np, const char *err)
{
	strlcpy(np->np_err, err != NULL ? err : "NAR consumer failed",
	    sizeof(np->np_err));
	return (-1);
}

int
nar_parse_feed_prefix(struct nar_parser *np, const void *buf, size_t len,
    size_t *usedp, const char **errstr)
{
	const unsigned char	*p = buf;
	size_t			 used = 0, n = 0;
	int			 r = 0;

	while (!np->np_failed && used < len && np->np_state != NS_DONE) {
		switch (np->np_lex) {
		case NL_LEN:
			n = MIN(len - used,
			    sizeof(np->np_lenbuf) - np->np_fill);
			memcpy(np->np_lenbuf + np->np_fill, p + used, n);
			np->np_fill += n;
			break;
		case NL_DATA:
			n = MIN(len - used, np->np_tokleft);
			r = nar_token_data(np, p + used, n);
			break;
		case NL_PAD:
			n = MIN(len - used, np->np_padleft);
			if (memcmp(p + used, "\0\0\0\0\0\0\0", n) != 0)
				r = nar_parse_err(np,
				    "NAR has non-zero padding");
			np->np_padleft -= n;
			break;
		}
		used += n;
		np->np_size += n;
		if (r == -1 || nar_lex_advance(np) == -1)
			np->np_failed = 1;
	}
	*usedp = used;
	if (np->np_failed) {
		*errstr = np->np_err;
		return (-1);
	}
	return (0);
}

int
nar_parse_feed(struct nar_parser *np, const void *buf, size_t len,
    const char **errstr)
{
	size_t	used;

	if (nar_parse_feed_prefix(np, buf, len, &used, errstr) == -1)
		return (-1);
	if (used < len) {
		nar_parse_err(np, "NAR has trailing data after the root node");
		np->np_failed = 1;
		*errstr = np->np_err;
		return (-1);
	}
	return (0);
}

int
nar_parse_finish(struct nar_parser *np, const char **errstr)
{
	if (!np->np_failed && np->np_state != NS_DONE) {
		nar_parse_err(np, "NAR is truncated");
		np->np_failed = 1;
	}
	if (np->np_failed) {
		*errstr = np->np_err;
		return (-1);
	}
	return (0);
}

int
nar_parse_done(const struct nar_parser *np)
{
	return (!np->np_failed && np->np_state == NS_DONE);
}

uint64_t
nar_parse_size(const struct nar_parser *np)
{
	return (np->np_size);
}

/* Move the lexer on as far as the bytes seen so far allow. */
static int
nar_lex_advance(struct nar_parser *np)
{
	if (np->np_lex == NL_LEN) {
		if (np->np_fill < sizeof(np->np_lenbuf))
			return (0);
		if (nar_token_begin(np) == -1)
			return (-1);
	}
	if (np->np_lex == NL_DATA) {
		if (np->np_tokleft > 0)
			return (0);
		np->np_lex = NL_PAD;
	}
	if (np->np_padleft > 0)
		return (0);
	np->np_lex = NL_LEN;
	np->np_fill = 0;
	return (nar_grammar(np));
}

/*
 * A token's length is known: bound it by what may stand here before a
 * byte of it is stored.
 */
static int
nar_token_begin(struct nar_parser *np)
{
	uint64_t	len = 0;
	int		i;
	const char	*err = NULL;

	for (i = 7; i >= 0; i--)
		len = (len << 8) | np->np_lenbuf[i];
	np->np_toklen = np->np_tokleft = len;
	np->np_padleft = nar_padlen(len);
	np->np_lex = NL_DATA;
	np->np_fill = 0;
	switch (np->np_state) {
	case NS_CONTENTS:
		if (len > NAR_FILE_MAX)
			return (nar_parse_err(np,
			    "NAR contains a file that is too large"));
		if (np->np_cb.npc_regular != NULL && np->np_cb.npc_regular(
		    np->np_arg, len, np->np_exec, &err) == -1)
			return (nar_cb_fail(np, err));
		return (0);
	case NS_NAME:
		if (len > NAR_NAME_MAX)
			return (nar_parse_err(np, "NAR contains invalid file "
			    "name: longer than %d bytes", NAR_NAME_MAX));
		return (0);
	case NS_TARGET:
		if (len > NAR_TARGET_MAX)
			return (nar_parse_err(np, "NAR symlink target is "
			    "longer than %d bytes", NAR_TARGET_MAX));
		return (0);
	default:
		if (len > NAR_KEYWORD_MAX)
			return (nar_bad_token(np));
		return (0);
	}
}

static int
nar_token_data(struct nar_parser *np, const unsigned char *p, size_t n)
{
	const char	*err = NULL;

	np->np_tokleft -= n;
	if (np->np_state != NS_CONTENTS) {
		memcpy(np->np_tok + np->np_fill, p, n);
		np->np_fill += n;
		return (0);
	}
	if (n > 0 && np->np_cb.npc_data != NULL &&
	    np->np_cb.npc_data(np->np_arg, p, n, &err) == -1)
		return (nar_cb_fail(np, err));
	return (0);
}

static int
nar_token_is(const struct nar_parser *np, const char *kw)
{
	size_t	len = strlen(kw);

	return (np->np_toklen == len && memcmp(np->np_tok, kw, len) == 0);
}

/* The token does not fit its place: say what was wrong there. */
static int
nar_bad_token(struct nar_parser *np)
{
	static const char	*expect[NS_DONE + 1] = {
		[NS_OPEN] = "'('", [NS_TYPEKW] = "'type'",
		[NS_REGFIELD] = "'executable' or 'contents'",
		[NS_CONTENTSKW] = "'contents'", [NS_CLOSE] = "')'",
		[NS_TARGETKW] = "'target'", [NS_DIRFIELD] = "'entry' or ')'",
		[NS_ENTRYOPEN] = "'('", [NS_NAMEKW] = "'name'",
		[NS_NODEKW] = "'node'", [NS_ENTRYCLOSE] = "')'"
	};
	char	 q[NAR_QUOTE_MAX * 4 + 4];

	if (np->np_toklen > NAR_KEYWORD_MAX)
		snprintf(q, sizeof(q), "<%llu bytes>",
		    (unsigned long long)np->np_toklen);
	else {
		nar_quote(np->np_tok, np->np_toklen, NAR_QUOTE_MAX, q,
		    sizeof(q));
	}
	switch (np->np_state) {
	case NS_MAGIC:
		return (nar_parse_err(np,
		    "input doesn't look like a Nix archive"));
	case NS_TYPE:
		return (nar_parse_err(np, "NAR contains unknown file type "
		    "'%s'", q));
	case NS_EXECVAL:
		return (nar_parse_err(np,
		    "NAR executable marker has a non-empty value"));
	case NS_NAMEKW:
		if (nar_token_is(np, "node"))
			return (nar_parse_err(np, "NAR entry name missing"));
		break;
	case NS_REGFIELD:
	case NS_CONTENTSKW:
	case NS_CLOSE:
	case NS_TARGETKW:
	case NS_DIRFIELD:
		/* Fields of a node whose type is known. */
		if (nar_token_is(np, "type"))
			return (nar_parse_err(np,
			    "NAR node has more than one type field"));
		break;
	default:
		break;
	}
	return (nar_parse_err(np, "NAR contains unknown field '%s' where %s "
	    "belongs", q, expect[np->np_state] != NULL ?
	    expect[np->np_state] : "another token"));
}

/* A whole token has arrived: what it means depends on the state. */
static int
nar_grammar(struct nar_parser *np)
{
	/* Small tokens are bounded by NAR_TARGET_MAX in nar_token_begin. */
	if (np->np_state != NS_CONTENTS)
		np->np_tok[np->np_toklen] = '\0';
	switch (np->np_state) {
	case NS_ENTRYOPEN:
	case NS_NAMEKW:
	case NS_NAME:
	case NS_NODEKW:
	case NS_ENTRYCLOSE:
	case NS_DIRFIELD:
		return (nar_grammar_dir(np));
	default:
		return (nar_grammar_node(np));
	}
}

static int
nar_grammar_node(struct nar_parser *np)
{
	switch (np->np_state) {
	case NS_MAGIC:
		if (!nar_token_is(np, NAR_MAGIC))
			return (nar_bad_token(np));
		np->np_state = NS_OPEN;
		return (0);
	case NS_OPEN:
		if (!nar_token_is(np, "("))
			return (nar_bad_token(np));
		np->np_state = NS_TYPEKW;
		return (0);
	case NS_TYPEKW:
		if (!nar_token_is(np, "type"))
			return (nar_bad_token(np));
		np->np_state = NS_TYPE;
		return (0);
	case NS_TYPE:
		return (nar_node_type(np));
	case NS_REGFIELD:
		if (nar_token_is(np, "executable"))
			np->np_state = NS_EXECVAL;
		else if (nar_token_is(np, "contents"))
			np->np_state = NS_CONTENTS;
		else
			return (nar_bad_token(np));
		return (0);
	case NS_EXECVAL:
		if (np->np_toklen != 0)
			return (nar_bad_token(np));
		np->np_exec = 1;
		np->np_state = NS_CONTENTSKW;
		return (0);
	case NS_CONTENTSKW:
		if (!nar_token_is(np, "contents"))
			return (nar_bad_token(np));
		np->np_state = NS_CONTENTS;
		return (0);
	case NS_CONTENTS:
		np->np_state = NS_CLOSE;
		return (0);
	case NS_TARGETKW:
		if (!nar_token_is(np, "target"))
			return (nar_bad_token(np));
		np->np_state = NS_TARGET;
		return (0);
	case NS_TARGET:
		return (nar_symlink_target(np));
	case NS_CLOSE:
		if (!nar_token_is(np, ")"))
			return (nar_bad_token(np));
		return (nar_node_end(np, np->np_type));
	default:
		return (nar_parse_err(np, "NAR parser in a bad state"));
	}
}

static int
nar_grammar_dir(struct nar_parser *np)
{
	switch (np->np_state) {
	case NS_DIRFIELD:
		if (nar_token_is(np, ")"))
			return (nar_node_end(np, NAR_DIRECTORY));
		if (!nar_token_is(np, "entry"))
			return (nar_bad_token(np));
		/* The entry's node would sit one directory deeper. */
		if (np->np_depth >= NAR_DEPTH_MAX)
			return (nar_parse_err(np, "NAR is nested more than %d "
			    "directories deep", NAR_DEPTH_MAX));
		np->np_state = NS_ENTRYOPEN;
		return (0);
	case NS_ENTRYOPEN:
		if (!nar_token_is(np, "("))
			return (nar_bad_token(np));
		np->np_state = NS_NAMEKW;
		return (0);
	case NS_NAMEKW:
		if (!nar_token_is(np, "name"))
			return (nar_bad_token(np));
		np->np_state = NS_NAME;
		return (0);
	case NS_NAME:
		return (nar_entry_name(np));
	case NS_NODEKW:
		if (!nar_token_is(np, "node"))
			return (nar_bad_token(np));
		np->np_depth++;
		np->np_state = NS_OPEN;
		return (0);
	case NS_ENTRYCLOSE:
		if (!nar_token_is(np, ")"))
			return (nar_bad_token(np));
		np->np_state = NS_DIRFIELD;
		return (0);
	default:
		return (nar_parse_err(np, "NAR parser in a bad state"));
	}
}

static int
nar_node_type(struct nar_parser *np)
{
	const char	*err = NULL;

	if (nar_token_is(np, "regular")) {
		np->np_type = NAR_REGULAR;
		np->np_exec = 0;
		np->np_state = NS_REGFIELD;
	} else if (nar_token_is(np, "symlink")) {
		np->np_type = NAR_SYMLINK;
		np->np_state = NS_TARGETKW;
	} else if (nar_token_is(np, "directory")) {
		np->np_names[np->np_depth][0] = '\0';
		np->np_state = NS_DIRFIELD;
		if (np->np_cb.npc_directory != NULL &&
		    np->np_cb.npc_directory(np->np_arg, &err) == -1)
			return (nar_cb_fail(np, err));
	} else
		return (nar_bad_token(np));
	return (0);
}

/* The ")" of a node: back to the entry around it, or done. */
static int
nar_node_end(struct nar_parser *np, enum nar_type type)
{
	const char	*err = NULL;

	if (np->np_cb.npc_end != NULL &&
	    np->np_cb.npc_end(np->np_arg, type, &err) == -1)
		return (nar_cb_fail(np, err));
	if (np->np_depth == 0)
		np->np_state = NS_DONE;
	else {
		np->np_depth--;
		np->np_state = NS_ENTRYCLOSE;
	}
	return (0);
}

static int
nar_symlink_target(struct nar_parser *np)
{
	const char	*err = NULL;

	if (np->np_toklen == 0)
		return (nar_parse_err(np, "NAR symlink target is empty"));
	if (memchr(np->np_tok, '\0', np->np_toklen) != NULL)
		return (nar_parse_err(np,
		    "NAR symlink target contains a NUL byte"));
	if (np->np_cb.npc_symlink != NULL &&
	    np->np_cb.npc_symlink(np->np_arg, np->np_tok, &err) == -1)
		return (nar_cb_fail(np, err));
	np->np_state = NS_CLOSE;
	return (0);
}

static int
nar_entry_name(struct nar_parser *np)
{
	char		*prev = np->np_names[np->np_depth];
	char		 q[NAR_QUOTE_MAX * 4 + 4], qprev[NAR_QUOTE_MAX * 4 + 4];
	const char	*err = NULL;

	if (!nar_name_valid(np->np_tok, np->np_toklen)) {
		nar_quote(np->np_tok, np->np_toklen, NAR_QUOTE_MAX, q,
		    sizeof(q));
		return (nar_parse_err(np,
		    "NAR contains invalid file name '%s'", q));
	}
	/* Also refuses duplicates; the first name is after "". */
	if (strcmp(np->np_tok, prev) <= 0) {
		nar_quote(np->np_tok, np->np_toklen, NAR_QUOTE_MAX, q,
		    sizeof(q));
		nar_quote(prev, strlen(prev), NAR_QUOTE_MAX, qprev,
		    sizeof(qprev));
		return (nar_parse_err(np, "NAR directory is not sorted: "
		    "'%s' after '%s'", q, qprev));
	}
	memcpy(prev, np->np_tok, np->np_toklen + 1);
	if (np->np_cb.npc_entry != NULL &&
	    np->np_cb.npc_entry(np->np_arg, prev, &err) == -1)
		return (nar_cb_fail(np, err));
	np->np_state = NS_NODEKW;
	return (0);
}

/* "root/a/b" for the node being parsed, quoted for a message. */
static void
nar_parse_path(const struct nar_parser *np, const char *root, char *buf,
    size_t bufsz)
{
	char	q[NAR_QUOTE_MAX * 4 + 4];
	int	i;

	nar_quote(root, strlen(root), NAR_QUOTE_MAX, buf, bufsz);
	for (i = 0; i < np->np_depth; i++) {
		nar_quote(np->np_names[i], strlen(np->np_names[i]),
		    NAR_QUOTE_MAX, q, sizeof(q));
		strlcat(buf, "/", bufsz);
		strlcat(buf, q, bufsz);
	}
}

/*
 * Restorer.
 */
struct nar_restore *
nar_restore_new(int parentfd, const char *name, const char **errstr)
{
	struct nar_restore	*nr;

	if (!nar_name_valid(name, strlen(name))) {
		nar_errf("cannot restore NAR as '%s': invalid name", name);
		*errstr = nar_errbuf;
		return (NULL);
	}
	if ((nr = calloc(1, sizeof(*nr))) == NULL ||
	    (nr->nr_parser = nar_parse_new(&nar_restore_cb, nr)) == NULL) {
		free(nr);
		*errstr = "cannot restore NAR: out of memory";
		return (NULL);
	}
	nr->nr_dirs[0] = parentfd;
	nr->nr_ndirs = 1;
	nr->nr_filefd = -1;
	strlcpy(nr->nr_root, name, sizeof(nr->nr_root));
	strlcpy(nr->nr_name, name, sizeof(nr->nr_name));
	return (nr);
}

void
nar_restore_free(struct nar_restore *nr)
{
	if (nr == NULL)
		return;
	if (nr->nr_filefd != -1)
		close(nr->nr_filefd);
	while (nr->nr_ndirs > 1)
		close(nr->nr_dirs[--nr->nr_ndirs]);
	nar_parse_free(nr->nr_parser);
	free(nr);
}

int
nar_restore_feed(struct nar_restore *nr, const void *buf, size_t len,
    const char **errstr)
{
	return (nar_parse_feed(nr->nr_parser, buf, len, errstr));
}

int
nar_restore_finish(struct nar_restore *nr, const char **errstr)
{
	return (nar_parse_finish(nr->nr_parser, errstr));
}

uint64_t
nar_restore_size(const struct nar_restore *nr)
{
	return (nar_parse_size(nr->nr_parser));
}

/* "<what> '<path>': <strerror>" for the node being restored. */
static int
nar_restore_fail(struct nar_restore *nr, const char *what,
    const char **errstr)
{
	char	path[NAR_ERR_MAX / 2];
	int	saved = errno;

	nar_parse_path(nr->nr_parser, nr->nr_root, path, sizeof(path));
	snprintf(nr->nr_err, sizeof(nr->nr_err), "%s '%s': %s", what, path,
	    strerror(saved));
	*errstr = nr->nr_err;
	return (-1);
}

static int
nar_restore_entry(void *arg, const char *name, const char **errstr)
{
	struct nar_restore	*nr = arg;

	(void)errstr;
	strlcpy(nr->nr_name, name, sizeof(nr->nr_name));
	return (0);
}

static int
nar_restore_directory(void *arg, const char **errstr)
{
	struct nar_restore	*nr = arg;
	int			 top = nr->nr_dirs[nr->nr_ndirs - 1], fd;

	if (nr->nr_ndirs >= (int)nitems(nr->nr_dirs)) {
		errno = ELOOP;
		return (nar_restore_fail(nr, "cannot create directory",
		    errstr));
	}
	if (mkdirat(top, nr->nr_name, 0777) == -1)
		return (nar_restore_fail(nr, "cannot create directory",
		    errstr));
	/* Should it have been replaced meanwhile, refuse a symlink. */
	fd = openat(top, nr->nr_name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return (nar_restore_fail(nr, "cannot open directory", errstr));
	nr->nr_dirs[nr->nr_ndirs++] = fd;
	return (0);
}

static int
nar_restore_regular(void *arg, uint64_t size, int executable,
    const char **errstr)
{
	struct nar_restore	*nr = arg;
	struct stat		 st;
	int			 top = nr->nr_dirs[nr->nr_ndirs - 1];

	(void)size;
	nr->nr_filefd = openat(top, nr->nr_name, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0666);
	if (nr->nr_filefd == -1)
		return (nar_restore_fail(nr, "cannot create file", errstr));
	if (!executable)
		return (0);
	if (fstat(nr->nr_filefd, &st) == -1 ||
	    fchmod(nr->nr_filefd, (st.st_mode | 0111) & 07777) == -1)
		return (nar_restore_fail(nr, "cannot make executable",
		    errstr));
	return (0);
}

static int
nar_restore_data(void *arg, const void *buf, size_t len,
    const char **errstr)
{
	struct nar_restore	*nr = arg;

	if (write_all(nr->nr_filefd, buf, len) == -1)
		return (nar_restore_fail(nr, "cannot write", errstr));
	return (0);
}

static int
nar_restore_symlink(void *arg, const char *target, const char **errstr)
{
	struct nar_restore	*nr = arg;

	if (symlinkat(target, nr->nr_dirs[nr->nr_ndirs - 1],
	    nr->nr_name) == -1)
		return (nar_restore_fail(nr, "cannot create symlink", errstr));
	return (0);
}

static int
nar_restore_end(void *arg, enum nar_type type, const char **errstr)
{
	struct nar_restore	*nr = arg;
	int			 fd;

	switch (type) {
	case NAR_REGULAR:
		fd = nr->nr_filefd;
		nr->nr_filefd = -1;
		if (close(fd) == -1)
			return (nar_restore_fail(nr, "cannot write", errstr));
		break;
	case NAR_DIRECTORY:
		close(nr->nr_dirs[--nr->nr_ndirs]);
		break;
	case NAR_SYMLINK:
		break;
	}
	return (0);
}

int
nar_restore_fd(int infd, int parentfd, const char *name, nar_sink_fn *tee,
    void *arg, uint64_t *sizep, const char **errstr)
{
	struct nar_restore	*nr;
	const char		*err;
	int			 r;

	if ((nr = nar_restore_new(parentfd, name, errstr)) == NULL)
		return (-1);
	r = nar_restore_read(nr, infd, tee, arg, &err);
	if (r == 0)
		r = nar_restore_finish(nr, &err);
	if (r == 0 && sizep != NULL)
		*sizep = nar_restore_size(nr);
	if (r == -1) {
		/* The parser's message dies with it. */
		strlcpy(nar_errbuf, err, sizeof(nar_errbuf));
		*errstr = nar_errbuf;
	}
	nar_restore_free(nr);
	return (r);
}

static int
nar_restore_read(struct nar_restore *nr, int infd, nar_sink_fn *tee,
    void *arg, const char **errstr)
{
	struct pollfd	 pfd;
	unsigned char	*buf;
	ssize_t		 n;
	int		 r = -1;

	if ((buf = malloc(NAR_BUFSIZE)) == NULL) {
		*errstr = "cannot read NAR: out of memory";
		return (-1);
	}
	for (;;) {
		if ((n = read(infd, buf, NAR_BUFSIZE)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				pfd.fd = infd;
				pfd.events = POLLIN;
				if (poll(&pfd, 1, -1) != -1 || errno == EINTR)
					continue;
			}
			snprintf(nr->nr_err, sizeof(nr->nr_err),
			    "cannot read NAR: %s", strerror(errno));
			*errstr = nr->nr_err;
			break;
		}
		if (n == 0) {
			r = 0;
			break;
		}
		if (tee != NULL && tee(arg, buf, n) == -1) {
			*errstr = "cannot read NAR: the tee failed";
			break;
		}
		if (nar_restore_feed(nr, buf, n, errstr) == -1)
			break;
	}
	free(buf);
	return (r);
}

/*
 * Removal.
 */
static int
nar_remove_fail(const char *what, const char *name, const char *root,
    int errnum)
{
	char	q[NAR_QUOTE_MAX * 4 + 4], qroot[NAR_QUOTE_MAX * 4 + 4];

	nar_quote(name, strlen(name), NAR_QUOTE_MAX, q, sizeof(q));
	nar_quote(root, strlen(root), NAR_QUOTE_MAX, qroot, sizeof(qroot));
	nar_errf("cannot %s '%s' in tree '%s': %s", what, q, qroot,
	    strerror(errnum));
	return (-1);
}

/* A directory of the tree opened to be emptied (open_dir_to_empty). */
static int
nar_remove_open(int dirfd, const char *name, const char *root)
{
	const char	*step;
	int		 fd;

	if ((fd = open_dir_to_empty(dirfd, name, &step)) == -1)
		return (nar_remove_fail(step, name, root, errno));
	return (fd);
}

/*
 * Empty the open directory fd and remove it as name in dirfd.  An
 * entry made by a call that began before the chmod above may turn up
 * after the listing: the directory is listed again, a few times.
 */
static int
nar_remove_dir(int dirfd, const char *name, int fd, int rootfd, int depth,
    const char *root, unsigned int *serial)
{
	unsigned int	hoisted;
	int		tries, r = 0;

	for (tries = 0; tries < 4; tries++) {
		/* Deep subtrees come up to the top; go until none did. */
		do {
			hoisted = *serial;
			r = nar_remove_contents(fd, rootfd, depth, root,
			    serial);
		} while (r == 0 && fd == rootfd && *serial != hoisted);
		if (r == -1)
			return (-1);
		if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0 ||
		    errno == ENOENT)
			return (0);
		if (errno != ENOTEMPTY && errno != EEXIST)
			break;
	}
	return (nar_remove_fail("remove", name, root, errno));
}

int
nar_remove_tree(int dirfd, const char *name, const char **errstr)
{
	struct stat	st;
	unsigned int	serial = 0;
	int		fd, r = 0;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return (0);
		*errstr = nar_errbuf;
		return (nar_remove_fail("stat", name, name, errno));
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dirfd, name, 0) == -1 && errno != ENOENT)
			r = nar_remove_fail("remove", name, name, errno);
	} else if ((fd = nar_remove_open(dirfd, name, name)) == -1)
		r = -1;
	else {
		r = nar_remove_dir(dirfd, name, fd, fd, 1, name, &serial);
		close(fd);
	}
	if (r == -1)
		*errstr = nar_errbuf;
	return (r);
}

static int
nar_remove_contents(int fd, int rootfd, int depth, const char *root,
    unsigned int *serial)
{
	char	**names;
	size_t	  nnames, i;
	int	  r = 0;

	if (nar_list_dir(fd, &names, &nnames) == -1)
		return (nar_remove_fail("read directory", ".", root, errno));
	for (i = 0; r == 0 && i < nnames; i++)
		r = nar_remove_entry(fd, names[i], rootfd, depth, root,
		    serial);
	nar_free_names(names, nnames);
	return (r);
}

static int
nar_remove_entry(int fd, const char *name, int rootfd, int depth,
    const char *root, unsigned int *serial)
{
	struct stat	st;
	int		cfd, r;

	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return (errno == ENOENT ? 0 :
		    nar_remove_fail("stat", name, root, errno));
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(fd, name, 0) == -1 && errno != ENOENT)
			return (nar_remove_fail("remove", name, root, errno));
		return (0);
	}
	if ((cfd = nar_remove_open(fd, name, root)) == -1)
		return (-1);
	if (depth >= NAR_REMOVE_DEPTH) {
		close(cfd);
		if (nar_remove_hoist(fd, name, rootfd, root) == -1)
			return (-1);
		(*serial)++;
		return (0);
	}
	r = nar_remove_dir(fd, name, cfd, rootfd, depth + 1, root, serial);
	close(cfd);
	return (r);
}

/* Move a deep directory up to the top of the tree being removed. */
static int
nar_remove_hoist(int fd, const char *name, int rootfd, const char *root)
{
	char		tmp[64];
	unsigned int	i;

	for (i = 0; i < 1000; i++) {
		snprintf(tmp, sizeof(tmp), ".nar-remove-%u-%u",
		    (unsigned int)getpid(), arc4random());
		if (renameat2(fd, name, rootfd, tmp, RENAME_NOREPLACE) == 0)
			return (0);
		if (errno != EEXIST)
			break;
	}
	return (nar_remove_fail("move", name, root, errno));
}
