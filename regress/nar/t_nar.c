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
 * nar.c: the published vectors of nix-formats.md section 3, restore and
 * dump round trips, chunking independence of the push parser, and a
 * hostile corpus that must be refused with the right message without
 * anything being created outside the restore target.
 *
 * SEED=n replays the random chunkings of a failed run.
 */
#include <sys/param.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "nar.h"
#include "../lib/tbuf.h"

/* link: regress/lib/tbuf.c */

static char	 topdir[1024];
static int	 topfd;
static unsigned	 seed;

/*
 * Small utilities.
 */
static void
buf_printf(struct tbuf *b, const char *fmt, ...)
{
	char	*s;
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	if ((n = vasprintf(&s, fmt, ap)) == -1)
		err(1, "vasprintf");
	va_end(ap);
	tbuf_add(b, s, n);
	free(s);
}

static int
buf_sink(void *arg, const void *p, size_t n)
{
	tbuf_add(arg, p, n);
	return (0);
}

static void
sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char	md[32];
	int		i;

	if (EVP_Digest(p, n, md, NULL, EVP_sha256(), NULL) != 1)
		errx(1, "EVP_Digest");
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void
hex_decode(const char *hex, struct tbuf *b)
{
	unsigned int	c;

	for (; *hex != '\0'; hex++) {
		if (*hex == ' ' || *hex == '\n')
			continue;
		if (sscanf(hex, "%2x", &c) != 1)
			errx(1, "bad hex in test");
		tbuf_add(b, &(unsigned char){ c }, 1);
		hex++;
	}
}

static void
write_file(int dirfd, const char *name, const void *data, size_t len,
    mode_t mode)
{
	int	fd;

	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd == -1)
		err(1, "create %s", name);
	if (write(fd, data, len) != (ssize_t)len)
		err(1, "write %s", name);
	if (fchmod(fd, mode) == -1)
		err(1, "fchmod %s", name);
	close(fd);
}

static int
open_dir(int dirfd, const char *name)
{
	int	fd;

	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY)) == -1)
		err(1, "open %s", name);
	return (fd);
}

static int
make_dir(int dirfd, const char *name)
{
	if (mkdirat(dirfd, name, 0755) == -1)
		err(1, "mkdir %s", name);
	return (open_dir(dirfd, name));
}

static void
dump(int dirfd, const char *path, struct tbuf *out)
{
	const char	*errstr;

	out->tb_len = 0;
	if (nar_dump_path(dirfd, path, buf_sink, out, &errstr) == -1)
		errx(1, "dump %s: %s", path, errstr);
}

static void
check_hash(const char *what, const struct tbuf *b, size_t size,
    const char *sha)
{
	char	hex[65];

	if (b->tb_len != size)
		errx(1, "%s: NAR size: got %zu, expected %zu", what, b->tb_len,
		    size);
	sha256_hex(b->tb_data, b->tb_len, hex);
	if (strncmp(hex, sha, strlen(sha)) != 0)
		errx(1, "%s: sha256: got %s, expected %s", what, hex, sha);
}

/* Feed in chunks of len bytes (0: random sizes); returns -1 or 0. */
static int
restore_chunked(int dirfd, const char *name, const struct tbuf *nar,
    size_t chunk, const char **errstr)
{
	struct nar_restore	*nr;
	size_t			 off, n;
	int			 r = 0;

	if ((nr = nar_restore_new(dirfd, name, errstr)) == NULL)
		return (-1);
	for (off = 0; r == 0 && off < nar->tb_len; off += n) {
		n = chunk != 0 ? chunk : 1 + (size_t)random() % 100;
		if (n > nar->tb_len - off)
			n = nar->tb_len - off;
		r = nar_restore_feed(nr, nar->tb_data + off, n, errstr);
	}
	if (r == 0)
		r = nar_restore_finish(nr, errstr);
	if (r == -1) {
		/* errstr lives in the restorer; keep a copy. */
		static char	saved[1024];

		strlcpy(saved, *errstr, sizeof(saved));
		*errstr = saved;
	}
	nar_restore_free(nr);
	return (r);
}

/*
 * Published vectors.
 */
static void
build_tiny(int dirfd)
{
	int	fd;

	fd = make_dir(dirfd, "tiny");
	write_file(fd, "f", "hi\n", 3, 0644);
	if (symlinkat("f", fd, "l") == -1)
		err(1, "symlink");
	write_file(fd, "x", "x", 1, 0755);
	close(fd);
}

static void
build_tree(int dirfd)
{
	int	fd, sfd;

	fd = make_dir(dirfd, "tree");
	write_file(fd, "a.txt", "hello\n", 6, 0644);
	if (symlinkat("a.txt", fd, "link") == -1)
		err(1, "symlink");
	sfd = make_dir(fd, "sub");
	write_file(sfd, "run.sh", "#!/bin/sh\necho hi\n", 18, 0755);
	close(sfd);
	close(fd);
}

static const char hello_hex[] =
    "0d00000000000000 6e69782d61726368 6976652d31000000 0100000000000000 "
    "2800000000000000 0400000000000000 7479706500000000 0700000000000000 "
    "726567756c617200 0800000000000000 636f6e74656e7473 0600000000000000 "
    "68656c6c6f0a0000 0100000000000000 2900000000000000";

static void
test_vectors(void)
{
	struct tbuf	 nar = { 0 }, want = { 0 };
	const char	*errstr;
	char		 hex[65];

	printf("vectors: tiny tree (704 bytes), tree (888), hello (120)\n");
	build_tiny(topfd);
	dump(topfd, "tiny", &nar);
	check_hash("tiny", &nar, 704, "f5b99433b2b0e8e27a86f05e959a666f"
	    "856a51a97f8f5c59d88d2e4d3c4006af");
	build_tree(topfd);
	dump(topfd, "tree", &nar);
	check_hash("tree", &nar, 888, "ab9e600c5a3d4f86783075f9ca16467e"
	    "51d69a2780c8b8db76a21de48960d4fc");

	hex_decode(hello_hex, &want);
	write_file(topfd, "hello", "hello\n", 6, 0644);
	dump(topfd, "hello", &nar);
	if (nar.tb_len != want.tb_len ||
	    memcmp(nar.tb_data, want.tb_data, want.tb_len) != 0)
		errx(1, "hello: NAR bytes differ from the published dump");
	/* Only the ends of this digest are published. */
	check_hash("hello", &nar, 120, "1c37d01a");
	sha256_hex(nar.tb_data, nar.tb_len, hex);
	if (strcmp(hex + 60, "fc13") != 0)
		errx(1, "hello: sha256: got %s, expected 1c37d01a...fc13", hex);
	nar.tb_len = 0;
	if (nar_dump_buf("hello\n", 6, 0, buf_sink, &nar, &errstr) == -1)
		errx(1, "nar_dump_buf: %s", errstr);
	if (nar.tb_len != want.tb_len ||
	    memcmp(nar.tb_data, want.tb_data, want.tb_len) != 0)
		errx(1, "nar_dump_buf: NAR bytes differ from the published "
		    "dump");
	tbuf_free(&nar);
	tbuf_free(&want);
}

/*
 * Round trips: restore the NAR of a tree, dump it again, same bytes,
 * whatever the chunking.
 */
static void
check_restored_tiny(int dirfd, const char *name)
{
	struct stat	st;
	char		target[16];
	ssize_t		n;
	int		fd;

	fd = open_dir(dirfd, name);
	if (fstatat(fd, "x", &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISREG(st.st_mode) || (st.st_mode & 0111) != 0111)
		errx(1, "restored x: not an executable file");
	if (fstatat(fd, "f", &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISREG(st.st_mode) || (st.st_mode & 0111) != 0 ||
	    st.st_size != 3)
		errx(1, "restored f: not a 3-byte plain file");
	n = readlinkat(fd, "l", target, sizeof(target));
	if (n != 1 || target[0] != 'f')
		errx(1, "restored l: not a symlink to f");
	close(fd);
}

static void
test_roundtrip(void)
{
	struct tbuf	 nar = { 0 }, again = { 0 };
	const char	*errstr, *roots[] = { "tiny", "tree", "hello" };
	char		 name[64];
	size_t		 chunk, i;
	int		 rfd;

	printf("round trip: restore with chunks 1..17 and random, dump\n");
	rfd = make_dir(topfd, "rt");
	for (i = 0; i < 3; i++) {
		dump(topfd, roots[i], &nar);
		for (chunk = 0; chunk <= 17; chunk++) {
			snprintf(name, sizeof(name), "%s.%zu", roots[i], chunk);
			if (restore_chunked(rfd, name, &nar, chunk, &errstr) ==
			    -1)
				errx(1, "restore %s: %s", name, errstr);
			dump(rfd, name, &again);
			if (again.tb_len != nar.tb_len || memcmp(again.tb_data,
			    nar.tb_data, nar.tb_len) != 0)
				errx(1, "%s: dump of the restored tree differs",
				    name);
			if (i == 0)
				check_restored_tiny(rfd, name);
			if (nar_remove_tree(rfd, name, &errstr) == -1)
				errx(1, "remove %s: %s", name, errstr);
			if (faccessat(rfd, name, F_OK, AT_SYMLINK_NOFOLLOW) !=
			    -1)
				errx(1, "%s still there after removal", name);
		}
	}
	close(rfd);
	tbuf_free(&nar);
	tbuf_free(&again);
}

/*
 * Event traces must not depend on the chunking.
 */
static int
ev_directory(void *arg, const char **errstr)
{
	(void)errstr;
	buf_printf(arg, "D\n");
	return (0);
}

static int
ev_entry(void *arg, const char *name, const char **errstr)
{
	(void)errstr;
	buf_printf(arg, "E %s\n", name);
	return (0);
}

static int
ev_regular(void *arg, uint64_t size, int exec, const char **errstr)
{
	(void)errstr;
	buf_printf(arg, "R %llu %d\n", (unsigned long long)size, exec);
	return (0);
}

static int
ev_data(void *arg, const void *p, size_t n, const char **errstr)
{
	(void)errstr;
	if (n == 0)
		errx(1, "npc_data called with no data");
	tbuf_add(arg, p, n);
	return (0);
}

static int
ev_symlink(void *arg, const char *target, const char **errstr)
{
	(void)errstr;
	buf_printf(arg, "S %s\n", target);
	return (0);
}

static int
ev_end(void *arg, enum nar_type type, const char **errstr)
{
	(void)errstr;
	buf_printf(arg, "\nX %d\n", (int)type);
	return (0);
}

static const struct nar_parse_cb trace_cb = {
	ev_directory, ev_entry, ev_regular, ev_data, ev_symlink, ev_end
};

/* Parse in chunks (0: random); returns -1 and the error, or 0. */
static int
parse_chunked(const struct tbuf *nar, size_t chunk, struct tbuf *trace,
    char *errbuf, size_t errsz)
{
	struct nar_parser	*np;
	const char		*errstr;
	size_t			 off, n;
	int			 r = 0;

	if ((np = nar_parse_new(&trace_cb, trace)) == NULL)
		err(1, "nar_parse_new");
	for (off = 0; r == 0 && off < nar->tb_len; off += n) {
		n = chunk != 0 ? chunk : 1 + (size_t)random() % 64;
		if (n > nar->tb_len - off)
			n = nar->tb_len - off;
		r = nar_parse_feed(np, nar->tb_data + off, n, &errstr);
	}
	if (r == 0)
		r = nar_parse_finish(np, &errstr);
	if (r == 0 && nar_parse_size(np) != nar->tb_len)
		errx(1, "nar_parse_size: got %llu, expected %zu",
		    (unsigned long long)nar_parse_size(np), nar->tb_len);
	if (r == -1)
		strlcpy(errbuf, errstr, errsz);
	nar_parse_free(np);
	return (r);
}

static void
test_chunking(void)
{
	struct tbuf	 nar = { 0 }, ref = { 0 }, trace = { 0 };
	const char	*roots[] = { "tiny", "tree", "hello" };
	char		 errbuf[1024];
	size_t		 chunk, i;
	int		 round;

	printf("chunking: parse traces equal for chunks 1..17 and random\n");
	for (i = 0; i < 3; i++) {
		dump(topfd, roots[i], &nar);
		ref.tb_len = 0;
		if (parse_chunked(&nar, nar.tb_len, &ref, errbuf,
		    sizeof(errbuf)) == -1)
			errx(1, "parse %s: %s", roots[i], errbuf);
		for (chunk = 1; chunk <= 17 + 100; chunk++) {
			round = chunk > 17;
			trace.tb_len = 0;
			if (parse_chunked(&nar, round ? 0 : chunk, &trace,
			    errbuf, sizeof(errbuf)) == -1)
				errx(1, "parse %s chunk %zu: %s", roots[i],
				    chunk, errbuf);
			if (trace.tb_len != ref.tb_len || memcmp(trace.tb_data,
			    ref.tb_data, ref.tb_len) != 0)
				errx(1, "%s: trace with chunk %zu differs",
				    roots[i], chunk);
		}
	}
	if (strstr((char *)ref.tb_data, "X 0") == NULL)
		errx(1, "trace has no file end");
	tbuf_free(&nar);
	tbuf_free(&ref);
	tbuf_free(&trace);
}

/*
 * A NAR builder for the hostile corpus.
 */
static void
nb_strs(struct tbuf *b, ...)
{
	va_list		 ap;
	const char	*s;

	va_start(ap, b);
	while ((s = va_arg(ap, const char *)) != NULL)
		tbuf_str(b, s);
	va_end(ap);
}

static void
nb_file(struct tbuf *b, const char *data, int exec)
{
	nb_strs(b, "(", "type", "regular", NULL);
	if (exec)
		nb_strs(b, "executable", "", NULL);
	nb_strs(b, "contents", NULL);
	tbuf_bytes(b, data, strlen(data));
	nb_strs(b, ")", NULL);
}

static void
nb_entry(struct tbuf *b, const void *name, size_t len)
{
	nb_strs(b, "entry", "(", "name", NULL);
	tbuf_bytes(b, name, len);
	nb_strs(b, "node", NULL);
}

/* A directory holding plain files with the given names, in order. */
static void
nb_dir_files(struct tbuf *b, const char *const *names, size_t nnames,
    const size_t *lens)
{
	size_t	i;

	nb_strs(b, NAR_MAGIC, "(", "type", "directory", NULL);
	for (i = 0; i < nnames; i++) {
		nb_entry(b, names[i], lens != NULL ? lens[i] :
		    strlen(names[i]));
		nb_file(b, "evil\n", 0);
		nb_strs(b, ")", NULL);
	}
	nb_strs(b, ")", NULL);
}

static void
nb_names(struct tbuf *b, const char *a, const char *c)
{
	const char	*names[] = { a, c };

	nb_dir_files(b, names, c != NULL ? 2 : 1, NULL);
}

static void
nb_symlink_root(struct tbuf *b, const void *target, size_t len)
{
	nb_strs(b, NAR_MAGIC, "(", "type", "symlink", "target", NULL);
	tbuf_bytes(b, target, len);
	nb_strs(b, ")", NULL);
}

/* Directories nested depth deep, the innermost holding a file. */
static void
nb_deep(struct tbuf *b, int depth, int emptydir)
{
	int	i;

	nb_strs(b, NAR_MAGIC, NULL);
	for (i = 0; i < depth; i++) {
		nb_strs(b, "(", "type", "directory", NULL);
		nb_entry(b, "d", 1);
	}
	if (emptydir)
		nb_strs(b, "(", "type", "directory", ")", NULL);
	else
		nb_file(b, "deep\n", 0);
	for (i = 0; i < depth; i++)
		nb_strs(b, ")", ")", NULL);
}

static void
c_badmagic(struct tbuf *b)
{
	nb_strs(b, "nix-archive-2", NULL);
	nb_file(b, "x", 0);
}

static void
c_hugemagic(struct tbuf *b)
{
	tbuf_u64(b, (uint64_t)1 << 63);
	tbuf_add(b, "nix-archive-1\0\0\0", 16);
}

static void
c_emptyinput(struct tbuf *b)
{
	(void)b;
}

static void
c_badpad_contents(struct tbuf *b)
{
	nb_strs(b, NAR_MAGIC, "(", "type", "regular", "contents", NULL);
	tbuf_u64(b, 3);
	tbuf_add(b, "hi\n\0\0\0\0\1", 8);
	nb_strs(b, ")", NULL);
}

static void
c_badpad_keyword(struct tbuf *b)
{
	nb_strs(b, NAR_MAGIC, "(", NULL);
	tbuf_u64(b, 4);
	tbuf_add(b, "type\0\0x\0", 8);
	nb_strs(b, "regular", "contents", "", ")", NULL);
}

static void
c_unsorted(struct tbuf *b)
{
	nb_names(b, "b", "a");
}

static void
c_duplicate(struct tbuf *b)
{
	nb_names(b, "a", "a");
}

static void
c_bytewise(struct tbuf *b)
{
	/* 'B' (0x42) sorts before 'a' bytewise, whatever the locale. */
	nb_names(b, "a", "B");
}

static void
c_dot(struct tbuf *b)
{
	nb_names(b, ".", NULL);
}

static void
c_dotdot(struct tbuf *b)
{
	nb_names(b, "..", NULL);
}

static void
c_slash(struct tbuf *b)
{
	nb_names(b, "a/b", NULL);
}

static void
c_slash_escape(struct tbuf *b)
{
	nb_names(b, "../x", NULL);
}

static void
c_nul(struct tbuf *b)
{
	const char	*names[] = { "a\0b" };
	size_t		 lens[] = { 3 };

	nb_dir_files(b, names, 1, lens);
}

static void
c_empty_name(struct tbuf *b)
{
	nb_names(b, "", NULL);
}

static void
c_long_name(struct tbuf *b)
{
	char	name[NAR_NAME_MAX + 2];

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	nb_names(b, name, NULL);
}

static void
c_huge_name(struct tbuf *b)
{
	nb_strs(b, NAR_MAGIC, "(", "type", "directory", "entry", "(", "name",
	    NULL);
	tbuf_u64(b, (uint64_t)1 << 63);
	tbuf_add(b, "aaaaaaaa", 8);
}

static void
c_target_empty(struct tbuf *b)
{
	nb_symlink_root(b, "", 0);
}

static void
c_target_long(struct tbuf *b)
{
	char	target[NAR_TARGET_MAX + 1];

	memset(target, 't', sizeof(target));
	nb_symlink_root(b, target, sizeof(target));
}

static void
c_target_nul(struct tbuf *b)
{
	nb_symlink_root(b, "/tmp\0x", 6);
}

static void
c_deep(struct tbuf *b)
{
	nb_deep(b, NAR_DEPTH_MAX + 1, 0);
}

static void
c_huge_contents(struct tbuf *b)
{
	nb_strs(b, NAR_MAGIC, "(", "type", "regular", "contents", NULL);
	tbuf_u64(b, (uint64_t)1 << 63);
	tbuf_add(b, "data", 4);
}

static void
c_max_contents(struct tbuf *b)
{
	nb_strs(b, NAR_MAGIC, "(", "type", "regular", "contents", NULL);
	tbuf_u64(b, UINT64_MAX);
}

static void
c_short_contents(struct tbuf *b)
{
	nb_strs(b, NAR_MAGIC, "(", "type", "regular", "contents", NULL);
	tbuf_u64(b, 100);
	tbuf_add(b, "only ten b", 10);
}

static void
c_exec_value(struct tbuf *b)
{
	nb_strs(b, NAR_MAGIC, "(", "type", "regular", "executable", "1",
	    "contents", "", ")", NULL);
}

static void
c_exec_after(struct tbuf *b)
{
	nb_strs(b, NAR_MAGIC, "(", "type", "regular", "contents", "x",
	    "executable", "", ")", NULL);
}

static void
c_unknown_field(struct tbuf *b)
{
	nb_strs(b, NAR_MAGIC, "(", "type", "regular", "mtime", "1",
	    "contents", "", ")", NULL);
}

static void
c_huge_keyword(struct tbuf *b)
{
	nb_strs(b, NAR_MAGIC, "(", "type", "regular", NULL);
	tbuf_u64(b, (uint64_t)1 << 63);
}

static void
c_unknown_type(struct tbuf *b)
{
	nb_strs(b, NAR_MAGIC, "(", "type", "fifo", ")", NULL);
}

static void
c_second_type(struct tbuf *b)
{
	nb_strs(b, NAR_MAGIC, "(", "type", "regular", "type", "directory",
	    ")", NULL);
}

static void
c_no_open(struct tbuf *b)
{
	nb_strs(b, NAR_MAGIC, "type", "regular", "contents", "", ")", NULL);
}

static void
c_no_type(struct tbuf *b)
{
	nb_strs(b, NAR_MAGIC, "(", "contents", "", ")", NULL);
}

static void
c_name_missing(struct tbuf *b)
{
	nb_strs(b, NAR_MAGIC, "(", "type", "directory", "entry", "(",
	    "node", NULL);
	nb_file(b, "x", 0);
	nb_strs(b, ")", ")", NULL);
}

static void
c_entry_in_file(struct tbuf *b)
{
	nb_strs(b, NAR_MAGIC, "(", "type", "regular", "entry", NULL);
}

static void
c_trailing(struct tbuf *b)
{
	nb_strs(b, NAR_MAGIC, NULL);
	nb_file(b, "x", 0);
	tbuf_u64(b, 0);
}

static void
c_trailing_byte(struct tbuf *b)
{
	nb_strs(b, NAR_MAGIC, NULL);
	nb_file(b, "x", 0);
	tbuf_add(b, "\n", 1);
}

/*
 * A symlink to the outside, then an entry that tries to go through it;
 * the restorer must refuse the name and write nothing outside.
 */
static void
c_through_symlink(struct tbuf *b)
{
	char	target[PATH_MAX];

	snprintf(target, sizeof(target), "%s/box/outside", topdir);
	nb_strs(b, NAR_MAGIC, "(", "type", "directory", NULL);
	nb_entry(b, "l", 1);
	nb_strs(b, "(", "type", "symlink", "target", target, ")", ")", NULL);
	nb_entry(b, "l/x", 3);
	nb_file(b, "evil\n", 0);
	nb_strs(b, ")", ")", NULL);
}

/* Same with a relative symlink and the same name again as a directory. */
static void
c_symlink_then_dir(struct tbuf *b)
{
	nb_strs(b, NAR_MAGIC, "(", "type", "directory", NULL);
	nb_entry(b, "l", 1);
	nb_strs(b, "(", "type", "symlink", "target", "../../outside", ")",
	    ")", NULL);
	nb_entry(b, "l", 1);
	nb_strs(b, "(", "type", "directory", NULL);
	nb_entry(b, "x", 1);
	nb_file(b, "evil\n", 0);
	nb_strs(b, ")", ")", ")", ")", NULL);
}

struct hostile {
	const char	*h_name;
	void		(*h_build)(struct tbuf *);
	const char	*h_err;
};

static const struct hostile corpus[] = {
	{ "empty input", c_emptyinput, "NAR is truncated" },
	{ "bad magic", c_badmagic, "input doesn't look like a Nix archive" },
	{ "huge magic", c_hugemagic,
	    "input doesn't look like a Nix archive" },
	{ "padding in contents", c_badpad_contents,
	    "NAR has non-zero padding" },
	{ "padding in keyword", c_badpad_keyword,
	    "NAR has non-zero padding" },
	{ "unsorted", c_unsorted, "NAR directory is not sorted" },
	{ "duplicate", c_duplicate, "NAR directory is not sorted" },
	{ "bytewise order", c_bytewise, "NAR directory is not sorted" },
	{ "name .", c_dot, "NAR contains invalid file name '.'" },
	{ "name ..", c_dotdot, "NAR contains invalid file name '..'" },
	{ "name a/b", c_slash, "NAR contains invalid file name 'a/b'" },
	{ "name ../x", c_slash_escape,
	    "NAR contains invalid file name '../x'" },
	{ "name with NUL", c_nul,
	    "NAR contains invalid file name 'a\\x00b'" },
	{ "empty name", c_empty_name, "NAR contains invalid file name ''" },
	{ "256-byte name", c_long_name,
	    "NAR contains invalid file name: longer than 255 bytes" },
	{ "2^63-byte name", c_huge_name,
	    "NAR contains invalid file name: longer than 255 bytes" },
	{ "empty target", c_target_empty, "NAR symlink target is empty" },
	{ "4096-byte target", c_target_long,
	    "NAR symlink target is longer than 4095 bytes" },
	{ "target with NUL", c_target_nul,
	    "NAR symlink target contains a NUL byte" },
	{ "depth limit + 1", c_deep, "NAR is nested more than 256" },
	{ "2^63-byte file", c_huge_contents,
	    "NAR contains a file that is too large" },
	{ "2^64-1-byte file", c_max_contents,
	    "NAR contains a file that is too large" },
	{ "short file", c_short_contents, "NAR is truncated" },
	{ "executable value", c_exec_value,
	    "NAR executable marker has a non-empty value" },
	{ "executable after contents", c_exec_after,
	    "NAR contains unknown field 'executable' where ')' belongs" },
	{ "unknown field", c_unknown_field,
	    "NAR contains unknown field 'mtime'" },
	{ "2^63-byte keyword", c_huge_keyword,
	    "NAR contains unknown field '<9223372036854775808 bytes>'" },
	{ "unknown type", c_unknown_type,
	    "NAR contains unknown file type 'fifo'" },
	{ "second type", c_second_type,
	    "NAR node has more than one type field" },
	{ "no open paren", c_no_open,
	    "NAR contains unknown field 'type' where '(' belongs" },
	{ "no type", c_no_type,
	    "NAR contains unknown field 'contents' where 'type' belongs" },
	{ "node before name", c_name_missing, "NAR entry name missing" },
	{ "entry in a file", c_entry_in_file,
	    "NAR contains unknown field 'entry'" },
	{ "trailing token", c_trailing,
	    "NAR has trailing data after the root node" },
	{ "trailing byte", c_trailing_byte,
	    "NAR has trailing data after the root node" },
	{ "through a symlink", c_through_symlink,
	    "NAR contains invalid file name 'l/x'" },
	{ "symlink then dir", c_symlink_then_dir,
	    "NAR directory is not sorted" },
};

/*
 * Everything under box except box/target, one sorted line per file, so
 * that anything created, removed or changed outside the target shows.
 */
static struct tbuf	 snap_lines;
static size_t		 snap_skip;

static int
snap_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)flag;
	(void)f;
	if (strncmp(path + snap_skip, "/target", 7) == 0 &&
	    (path[snap_skip + 7] == '\0' || path[snap_skip + 7] == '/'))
		return (0);
	buf_printf(&snap_lines, "%s %o %lld\n", path + snap_skip,
	    (unsigned int)st->st_mode, (long long)st->st_size);
	return (0);
}

static int
cmp_lines(const void *a, const void *b)
{
	return (strcmp(*(char * const *)a, *(char * const *)b));
}

static char *
snapshot(void)
{
	char	 box[PATH_MAX], *lines[4096], *p, *out;
	size_t	 n = 0, i, len = 0;

	snprintf(box, sizeof(box), "%s/box", topdir);
	snap_skip = strlen(box);
	snap_lines.tb_len = 0;
	if (nftw(box, snap_one, 16, FTW_PHYS) == -1)
		err(1, "nftw");
	tbuf_add(&snap_lines, "", 1);
	for (p = strtok((char *)snap_lines.tb_data, "\n"); p != NULL &&
	    n < 4096; p = strtok(NULL, "\n"))
		lines[n++] = p;
	qsort(lines, n, sizeof(*lines), cmp_lines);
	for (i = 0; i < n; i++)
		len += strlen(lines[i]) + 1;
	if ((out = calloc(1, len + 1)) == NULL)
		err(1, "calloc");
	for (i = 0; i < n; i++) {
		strlcat(out, lines[i], len + 1);
		strlcat(out, "\n", len + 1);
	}
	return (out);
}

static void
check_target_empty(int targetfd, const char *what)
{
	DIR		*dir;
	struct dirent	*de;
	int		 fd;

	if ((fd = dup(targetfd)) == -1 || (dir = fdopendir(fd)) == NULL)
		err(1, "fdopendir");
	rewinddir(dir);
	while ((de = readdir(dir)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			errx(1, "%s: '%s' left in the target", what,
			    de->d_name);
	closedir(dir);
}

/* The message must be the same whole, byte by byte, and restoring. */
static void
check_hostile(const struct hostile *h, int targetfd, const char *before)
{
	struct tbuf	 nar = { 0 }, trace = { 0 };
	const char	*errstr;
	char		 errbuf[1024], *after;
	size_t		 chunk;

	h->h_build(&nar);
	for (chunk = 1; chunk <= 8; chunk++) {
		if (parse_chunked(&nar, chunk == 8 ? nar.tb_len + 1 : chunk,
		    &trace, errbuf, sizeof(errbuf)) == 0)
			errx(1, "%s: parse succeeded, expected \"%s\"",
			    h->h_name, h->h_err);
		if (strstr(errbuf, h->h_err) == NULL)
			errx(1, "%s: got \"%s\", expected \"%s\"", h->h_name,
			    errbuf, h->h_err);
	}
	for (chunk = 0; chunk <= 3; chunk++) {
		if (restore_chunked(targetfd, "out", &nar, chunk, &errstr) ==
		    0)
			errx(1, "%s: restore succeeded", h->h_name);
		if (strstr(errstr, h->h_err) == NULL)
			errx(1, "%s: restore: got \"%s\", expected \"%s\"",
			    h->h_name, errstr, h->h_err);
		after = snapshot();
		if (strcmp(before, after) != 0)
			errx(1, "%s: the restore changed things outside the "
			    "target:\n%s\nvs\n%s", h->h_name, after, before);
		free(after);
		if (nar_remove_tree(targetfd, "out", &errstr) == -1)
			errx(1, "%s: remove: %s", h->h_name, errstr);
		check_target_empty(targetfd, h->h_name);
	}
	printf("  %-28s %s\n", h->h_name, errbuf);
	tbuf_free(&nar);
	tbuf_free(&trace);
}

static int
setup_box(int *targetfdp)
{
	int	boxfd, ofd;

	boxfd = make_dir(topfd, "box");
	ofd = make_dir(boxfd, "outside");
	write_file(ofd, "keep", "keep\n", 5, 0644);
	close(ofd);
	if (symlinkat("outside", boxfd, "lnk") == -1)
		err(1, "symlink");
	*targetfdp = make_dir(boxfd, "target");
	return (boxfd);
}

static void
test_hostile(void)
{
	char	*before;
	size_t	 i;
	int	 boxfd, targetfd;

	printf("hostile corpus:\n");
	boxfd = setup_box(&targetfd);
	before = snapshot();
	for (i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++)
		check_hostile(&corpus[i], targetfd, before);
	free(before);
	close(targetfd);
	close(boxfd);
}

/* Every proper prefix of a valid NAR is a truncated NAR. */
static void
test_truncated(void)
{
	struct tbuf	 nar = { 0 }, part = { 0 }, trace = { 0 };
	const char	*errstr;
	char		 errbuf[1024], *before, *after;
	size_t		 len;
	int		 boxfd, targetfd;

	printf("truncated: every prefix of the tree NAR\n");
	if ((boxfd = open_dir(topfd, "box")) == -1)
		err(1, "box");
	targetfd = open_dir(boxfd, "target");
	before = snapshot();
	dump(topfd, "tree", &nar);
	for (len = 0; len < nar.tb_len; len++) {
		part.tb_len = 0;
		tbuf_add(&part, nar.tb_data, len);
		if (parse_chunked(&part, 1 + len % 9, &trace, errbuf,
		    sizeof(errbuf)) == 0 ||
		    strcmp(errbuf, "NAR is truncated") != 0)
			errx(1, "prefix %zu: got \"%s\", expected \"NAR is "
			    "truncated\"", len, errbuf);
		if (restore_chunked(targetfd, "out", &part, 0, &errstr) == 0 ||
		    strcmp(errstr, "NAR is truncated") != 0)
			errx(1, "restore prefix %zu: got \"%s\"", len,
			    errstr);
		if (nar_remove_tree(targetfd, "out", &errstr) == -1)
			errx(1, "remove prefix %zu: %s", len, errstr);
		check_target_empty(targetfd, "truncated");
	}
	after = snapshot();
	if (strcmp(before, after) != 0)
		errx(1, "truncated restores changed things outside");
	free(before);
	free(after);
	close(targetfd);
	close(boxfd);
	tbuf_free(&nar);
	tbuf_free(&part);
	tbuf_free(&trace);
}

/*
 * The limits themselves are allowed, and what the restorer makes of
 * them dumps back to the same bytes.
 */
static void
accept_one(const char *what, const struct tbuf *nar)
{
	struct tbuf	 again = { 0 };
	const char	*errstr;
	int		 rfd;

	rfd = open_dir(topfd, "rt");
	if (restore_chunked(rfd, "lim", nar, 0, &errstr) == -1)
		errx(1, "%s: %s", what, errstr);
	dump(rfd, "lim", &again);
	if (again.tb_len != nar->tb_len ||
	    memcmp(again.tb_data, nar->tb_data, nar->tb_len) != 0)
		errx(1, "%s: dump of the restored tree differs", what);
	if (nar_remove_tree(rfd, "lim", &errstr) == -1)
		errx(1, "%s: remove: %s", what, errstr);
	close(rfd);
	tbuf_free(&again);
}

static void
test_limits(void)
{
	struct tbuf	 nar = { 0 };
	char		 name[NAR_NAME_MAX + 1], target[NAR_TARGET_MAX];

	printf("limits: 255-byte name, 4095-byte target, depth %d, "
	    "bytewise order\n", NAR_DEPTH_MAX);
	memset(name, 'n', NAR_NAME_MAX);
	name[NAR_NAME_MAX] = '\0';
	nb_names(&nar, name, NULL);
	accept_one("255-byte name", &nar);
	nar.tb_len = 0;
	memset(target, 't', sizeof(target));
	nb_symlink_root(&nar, target, sizeof(target));
	accept_one("4095-byte target", &nar);
	nar.tb_len = 0;
	nb_deep(&nar, NAR_DEPTH_MAX, 0);
	accept_one("depth limit", &nar);
	nar.tb_len = 0;
	nb_deep(&nar, NAR_DEPTH_MAX, 1);
	accept_one("empty directory at the depth limit", &nar);
	nar.tb_len = 0;
	nb_names(&nar, "B", "a");
	accept_one("bytewise order", &nar);
	nar.tb_len = 0;
	nb_strs(&nar, NAR_MAGIC, NULL);
	nb_file(&nar, "", 1);
	accept_one("empty executable", &nar);
	tbuf_free(&nar);
}

/*
 * Restoring over an existing name, even a symlink to the outside, fails
 * without touching what the symlink points to.
 */
static void
test_existing(void)
{
	struct tbuf	 nar = { 0 };
	const char	*errstr, *roots[] = { "tiny", "hello" };
	char		*before, *after;
	size_t		 i;
	int		 boxfd, targetfd;

	printf("existing: restore onto a symlink to the outside\n");
	boxfd = open_dir(topfd, "box");
	targetfd = open_dir(boxfd, "target");
	for (i = 0; i < 2; i++) {
		if (symlinkat("../outside", targetfd, "out") == -1)
			err(1, "symlink");
		before = snapshot();
		dump(topfd, roots[i], &nar);
		if (restore_chunked(targetfd, "out", &nar, 0, &errstr) == 0)
			errx(1, "restore onto a symlink succeeded");
		if (strstr(errstr, "File exists") == NULL)
			errx(1, "restore onto a symlink: got \"%s\"", errstr);
		after = snapshot();
		if (strcmp(before, after) != 0)
			errx(1, "restore onto a symlink changed the outside");
		free(before);
		free(after);
		if (unlinkat(targetfd, "out", 0) == -1)
			err(1, "unlink");
	}
	if (nar_restore_new(targetfd, "../x", &errstr) != NULL ||
	    strstr(errstr, "invalid name") == NULL)
		errx(1, "nar_restore_new accepted '../x'");
	close(targetfd);
	close(boxfd);
	tbuf_free(&nar);
}

/*
 * Dump errors and the writer's own limits.
 */
static void
expect_dump_error(int dirfd, const char *path, const char *want)
{
	struct tbuf	 out = { 0 };
	const char	*errstr;

	if (nar_dump_path(dirfd, path, buf_sink, &out, &errstr) == 0)
		errx(1, "dump %s succeeded, expected \"%s\"", path, want);
	if (strstr(errstr, want) == NULL)
		errx(1, "dump %s: got \"%s\", expected \"%s\"", path, errstr,
		    want);
	tbuf_free(&out);
}

static int
failing_sink(void *arg, const void *p, size_t n)
{
	(void)arg;
	(void)p;
	(void)n;
	return (-1);
}

static void
test_dump_errors(void)
{
	struct tbuf	 out = { 0 };
	const char	*errstr;
	int		 fd, i, next;

	printf("dump errors: fifo, missing file, too deep, failing sink\n");
	fd = make_dir(topfd, "bad");
	if (mkfifoat(fd, "fifo", 0644) == -1)
		err(1, "mkfifo");
	close(fd);
	expect_dump_error(topfd, "bad", "file 'bad/fifo' has an unsupported "
	    "type");
	expect_dump_error(topfd, "missing", "cannot stat 'missing'");
	fd = make_dir(topfd, "deep");
	for (i = 0; i < NAR_DEPTH_MAX; i++) {
		next = make_dir(fd, "d");
		close(fd);
		fd = next;
	}
	/* An empty directory at the limit is fine, an entry in it is not. */
	close(fd);
	dump(topfd, "deep", &out);
	fd = open_dir(topfd, "deep");
	for (i = 0; i < NAR_DEPTH_MAX; i++) {
		next = open_dir(fd, "d");
		close(fd);
		fd = next;
	}
	write_file(fd, "f", "", 0, 0644);
	close(fd);
	expect_dump_error(topfd, "deep", "is nested too deeply");
	if (nar_dump_path(topfd, "tiny", failing_sink, NULL, &errstr) == 0 ||
	    strstr(errstr, "cannot write NAR") == NULL)
		errx(1, "failing sink not reported");
	tbuf_free(&out);
}

/*
 * nar_remove_tree on a tree deeper than it keeps fds for, with
 * read-only directories and a symlink to the outside.
 */
static void
test_remove(void)
{
	const char	*errstr;
	char		*before, *after;
	int		 boxfd, targetfd, fd, next, i;

	printf("remove: 1000 deep, read-only dirs, symlinks out\n");
	boxfd = open_dir(topfd, "box");
	targetfd = open_dir(boxfd, "target");
	before = snapshot();
	fd = make_dir(targetfd, "out");
	for (i = 0; i < 1000; i++) {
		if (symlinkat("../../../outside", fd, "up") == -1 ||
		    symlinkat("/", fd, "root") == -1)
			err(1, "symlink");
		write_file(fd, "f", "x", 1, 0444);
		next = make_dir(fd, i % 2 ? "a" : "b");
		if (fchmod(fd, 0555) == -1)
			err(1, "fchmod");
		close(fd);
		fd = next;
	}
	close(fd);
	if (nar_remove_tree(targetfd, "out", &errstr) == -1)
		errx(1, "nar_remove_tree: %s", errstr);
	check_target_empty(targetfd, "remove");
	after = snapshot();
	if (strcmp(before, after) != 0)
		errx(1, "nar_remove_tree changed the outside");
	if (nar_remove_tree(targetfd, "out", &errstr) == -1)
		errx(1, "nar_remove_tree of a missing name: %s", errstr);
	free(before);
	free(after);
	close(targetfd);
	close(boxfd);
}

/*
 * nar_restore_fd: tee sees exactly the NAR, size is right, a slow
 * non-blocking pipe works, trailing bytes fail.
 */
static void
test_restore_fd(void)
{
	struct tbuf	 nar = { 0 }, tee = { 0 }, again = { 0 };
	const char	*errstr;
	uint64_t	 size;
	size_t		 off;
	pid_t		 pid;
	int		 p[2], rfd, status;

	printf("nar_restore_fd: slow non-blocking pipe, tee, size\n");
	dump(topfd, "tree", &nar);
	if (pipe2(p, O_NONBLOCK) == -1)
		err(1, "pipe");
	fflush(NULL);
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		close(p[0]);
		fcntl(p[1], F_SETFL, 0);
		for (off = 0; off < nar.tb_len; off += 100) {
			if (write(p[1], nar.tb_data + off, MIN(100,
			    nar.tb_len - off)) == -1)
				_exit(1);
			usleep(2000);
		}
		_exit(0);
	}
	close(p[1]);
	rfd = open_dir(topfd, "rt");
	if (nar_restore_fd(p[0], rfd, "fd", buf_sink, &tee, &size,
	    &errstr) == -1)
		errx(1, "nar_restore_fd: %s", errstr);
	close(p[0]);
	if (waitpid(pid, &status, 0) == -1 || status != 0)
		errx(1, "writer failed");
	if (size != nar.tb_len || tee.tb_len != nar.tb_len ||
	    memcmp(tee.tb_data, nar.tb_data, nar.tb_len) != 0)
		errx(1, "nar_restore_fd: size %llu, tee %zu, expected %zu",
		    (unsigned long long)size, tee.tb_len, nar.tb_len);
	dump(rfd, "fd", &again);
	if (again.tb_len != nar.tb_len ||
	    memcmp(again.tb_data, nar.tb_data, nar.tb_len) != 0)
		errx(1, "nar_restore_fd: dump differs");
	if (nar_remove_tree(rfd, "fd", &errstr) == -1)
		errx(1, "remove: %s", errstr);
	close(rfd);
	tbuf_free(&nar);
	tbuf_free(&tee);
	tbuf_free(&again);
}

/* A NAR inside a longer stream: feed_prefix stops at its end. */
static void
test_prefix(void)
{
	struct nar_parser	*np;
	struct tbuf		 nar = { 0 };
	const char		*errstr;
	size_t			 off, used, n, total = 0;

	printf("feed_prefix: NAR followed by other data\n");
	dump(topfd, "tiny", &nar);
	tbuf_add(&nar, "more protocol data", 18);
	if ((np = nar_parse_new(NULL, NULL)) == NULL)
		err(1, "nar_parse_new");
	for (off = 0; off < nar.tb_len; off += n) {
		n = MIN(13, nar.tb_len - off);
		if (nar_parse_feed_prefix(np, nar.tb_data + off, n, &used,
		    &errstr) == -1)
			errx(1, "feed_prefix: %s", errstr);
		total += used;
		if (used < n)
			break;
	}
	if (total != 704 || !nar_parse_done(np) ||
	    nar_parse_size(np) != 704 || nar_parse_finish(np, &errstr) == -1)
		errx(1, "feed_prefix: got %zu bytes, expected 704", total);
	nar_parse_free(np);
	tbuf_free(&nar);
}

/*
 * Random damage to valid NARs: the verdict and message must not depend
 * on the chunking, and whatever is accepted is canonical, so restoring
 * it and dumping the result gives back the very same bytes.
 */
static void
mutate(struct tbuf *b)
{
	unsigned char	junk[8];
	size_t		off;
	int		i, k;

	for (k = 1 + random() % 3; k > 0 && b->tb_len > 8; k--) {
		off = (size_t)random() % b->tb_len;
		for (i = 0; i < 8; i++)
			junk[i] = random() % 3 == 0 ? 0 : random();
		switch (random() % 5) {
		case 0:
			b->tb_data[off] = random();
			break;
		case 1:
			b->tb_len = off;
			break;
		case 2:
			off &= ~(size_t)7;
			tbuf_add(b, junk, 8);
			memmove(b->tb_data + off + 8, b->tb_data + off,
			    b->tb_len - 8 - off);
			memcpy(b->tb_data + off, junk, 8);
			break;
		case 3:
			off &= ~(size_t)7;
			if (off + 8 <= b->tb_len) {
				memmove(b->tb_data + off, b->tb_data + off + 8,
				    b->tb_len - off - 8);
				b->tb_len -= 8;
			}
			break;
		case 4:
			off &= ~(size_t)7;
			if (off + 8 <= b->tb_len)
				memcpy(b->tb_data + off, junk, 8);
			break;
		}
	}
}

static void
mutation_one(const struct tbuf *nar, int targetfd, int *naccepted)
{
	struct tbuf	 trace = { 0 }, again = { 0 };
	const char	*errstr;
	char		 e1[1024], e2[1024];
	int		 r1, r2, r3;

	e1[0] = e2[0] = '\0';
	r1 = parse_chunked(nar, nar->tb_len + 1, &trace, e1, sizeof(e1));
	r2 = parse_chunked(nar, 0, &trace, e2, sizeof(e2));
	if (r1 != r2 || strcmp(e1, e2) != 0)
		errx(1, "mutation: whole gives %d \"%s\", chunked %d \"%s\"",
		    r1, e1, r2, e2);
	r3 = restore_chunked(targetfd, "out", nar, 0, &errstr);
	if (r3 != r1 || (r3 == -1 && strcmp(errstr, e1) != 0))
		errx(1, "mutation: parse gives \"%s\", restore \"%s\"", e1,
		    r3 == -1 ? errstr : "success");
	if (r3 == 0) {
		(*naccepted)++;
		dump(targetfd, "out", &again);
		if (again.tb_len != nar->tb_len ||
		    memcmp(again.tb_data, nar->tb_data, nar->tb_len) != 0)
			errx(1, "mutation: accepted a NAR that does not "
			    "round-trip");
	}
	if (nar_remove_tree(targetfd, "out", &errstr) == -1)
		errx(1, "mutation: remove: %s", errstr);
	tbuf_free(&trace);
	tbuf_free(&again);
}

static void
test_mutations(void)
{
	struct tbuf	 orig = { 0 }, nar = { 0 };
	const char	*roots[] = { "tiny", "tree", "hello" };
	char		*before, *after;
	int		 boxfd, targetfd, i, naccepted = 0;

	printf("mutations: 3000 damaged NARs, whole vs chunked vs restore\n");
	boxfd = open_dir(topfd, "box");
	targetfd = open_dir(boxfd, "target");
	before = snapshot();
	for (i = 0; i < 3000; i++) {
		dump(topfd, roots[i % 3], &orig);
		nar.tb_len = 0;
		tbuf_add(&nar, orig.tb_data, orig.tb_len);
		mutate(&nar);
		mutation_one(&nar, targetfd, &naccepted);
	}
	check_target_empty(targetfd, "mutations");
	after = snapshot();
	if (strcmp(before, after) != 0)
		errx(1, "mutations changed things outside the target");
	printf("  %d accepted (and round-tripped), %d refused\n", naccepted,
	    3000 - naccepted);
	free(before);
	free(after);
	close(targetfd);
	close(boxfd);
	tbuf_free(&orig);
	tbuf_free(&nar);
}

static void
cleanup(void)
{
	const char	*errstr;
	char		*parent, *base;
	int		 pfd;

	if ((parent = strdup(topdir)) == NULL)
		err(1, "strdup");
	base = strrchr(parent, '/');
	*base++ = '\0';
	if ((pfd = open(parent, O_RDONLY | O_DIRECTORY)) == -1)
		err(1, "%s", parent);
	if (nar_remove_tree(pfd, base, &errstr) == -1)
		errx(1, "cleanup: %s", errstr);
	close(pfd);
	free(parent);
}

int
main(void)
{
	const char	*s;

	seed = (s = getenv("SEED")) != NULL ? (unsigned)strtoul(s, NULL, 10) :
	    (unsigned)time(NULL) ^ (unsigned)getpid();
	/* Keep stdout and errx's stderr in order in the log. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("SEED=%u\n", seed);
	srandom(seed);
	umask(022);
	snprintf(topdir, sizeof(topdir), "%s/t_nar.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(topdir) == NULL)
		err(1, "mkdtemp");
	if ((topfd = open(topdir, O_RDONLY | O_DIRECTORY)) == -1)
		err(1, "%s", topdir);
	printf("scratch %s\n", topdir);
	test_vectors();
	test_roundtrip();
	test_chunking();
	test_hostile();
	test_truncated();
	test_limits();
	test_existing();
	test_dump_errors();
	test_remove();
	test_restore_fd();
	test_prefix();
	test_mutations();
	close(topfd);
	cleanup();
	printf("ok\n");
	return (0);
}
