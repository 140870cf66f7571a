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
 * Helpers shared by the fuzz targets (fuzz.h).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "fuzz.h"
#include "imsg.h"
#include "log.h"
#include "nar.h"

static void	fuzz_dir_only(int, const char *, const char *);

void
fuzz_fail(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "fuzz property failed: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/*
 * libFuzzer calls this once, before the first input.  Most targets
 * need nothing but quiet logging, and get it here; a target that sets
 * more up defines its own, which the linker takes instead of this weak
 * one, and calls fuzz_quiet() first.
 */
__attribute__((__weak__)) int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return (0);
}

/*
 * The code under test logs every refusal; at a million inputs a
 * second that is noise, so logging goes to syslog at its lowest
 * verbosity, which a fuzzing machine need not read.
 */
void
fuzz_quiet(void)
{
	/* FUZZ_LOG=1, to see what a reproducer makes the code do. */
	if (getenv("FUZZ_LOG") != NULL) {
		log_init(1, LOG_DAEMON);
		log_setverbose(2);
	} else {
		log_init(0, LOG_DAEMON);
		log_setverbose(0);
	}
	log_procinit("fuzz");
}

int
fuzz_fd_count(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		fuzz_fail("opendir /proc/self/fd: %s", strerror(errno));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return (n);
}

void
fuzz_fd_expect(const char *what, int before)
{
	int	now;

	if ((now = fuzz_fd_count()) != before)
		fuzz_fail("%s: %d descriptors open, %d before", what, now,
		    before);
}

void
fuzz_in_init(struct fuzz_in *fi, const uint8_t *buf, size_t len)
{
	fi->fi_buf = buf;
	fi->fi_len = len;
	fi->fi_off = 0;
}

/* The next byte, or 0 once the input is used up. */
uint8_t
fuzz_in_byte(struct fuzz_in *fi)
{
	if (fi->fi_off >= fi->fi_len)
		return (0);
	return (fi->fi_buf[fi->fi_off++]);
}

size_t
fuzz_in_left(const struct fuzz_in *fi)
{
	return (fi->fi_len - fi->fi_off);
}

/*
 * A chunk: a 2-byte little-endian length, then at most that many
 * bytes (fewer at the end of the input).
 */
const uint8_t *
fuzz_in_take(struct fuzz_in *fi, size_t *lenp)
{
	const uint8_t	*p;
	size_t		 len;

	len = fuzz_in_byte(fi);
	len |= (size_t)fuzz_in_byte(fi) << 8;
	if (len > fuzz_in_left(fi))
		len = fuzz_in_left(fi);
	p = fi->fi_buf + fi->fi_off;
	fi->fi_off += len;
	*lenp = len;
	return (p);
}

void
fuzz_chan_open(struct fuzz_chan *fc, size_t maxsize)
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, fc->fc_fds) == -1)
		fuzz_fail("socketpair: %s", strerror(errno));
	/* Room for the largest message in flight at once. */
	maxsize += IMSG_HEADER_SIZE;
	if (setsockopt(fc->fc_fds[0], SOL_SOCKET, SO_SNDBUF, &maxsize,
	    sizeof(int)) == -1)
		fuzz_fail("SO_SNDBUF: %s", strerror(errno));
	if (imsgbuf_init(&fc->fc_send, fc->fc_fds[0]) == -1 ||
	    imsgbuf_init(&fc->fc_recv, fc->fc_fds[1]) == -1 ||
	    imsgbuf_set_maxsize(&fc->fc_send, maxsize) == -1 ||
	    imsgbuf_set_maxsize(&fc->fc_recv, maxsize) == -1)
		fuzz_fail("imsgbuf_init: %s", strerror(errno));
}

/*
 * Compose a message as a peer would and carry it over; the fd, if not
 * -1, is the channel's from here on.  Returns -1 if it cannot be sent
 * (too large), which the caller takes as an uninteresting input.
 */
int
fuzz_chan_send(struct fuzz_chan *fc, uint32_t type, uint32_t peerid,
    int fd, const void *data, size_t len)
{
	if (imsg_compose(&fc->fc_send, type, peerid, 0, fd, data, len) == -1)
		return (-1);
	fuzz_chan_pump(fc);
	return (0);
}

/* Carry everything queued on the sending end over to the other. */
void
fuzz_chan_pump(struct fuzz_chan *fc)
{
	while (imsgbuf_queuelen(&fc->fc_send) > 0) {
		if (imsgbuf_write(&fc->fc_send) == -1)
			fuzz_fail("imsgbuf_write: %s", strerror(errno));
		if (imsgbuf_read(&fc->fc_recv) == -1 && errno != EAGAIN)
			fuzz_fail("imsgbuf_read: %s", strerror(errno));
	}
}

/* The next message carried over, or 0 if none came. */
int
fuzz_chan_next(struct fuzz_chan *fc, struct imsg *imsg)
{
	int	rc;

	while ((rc = imsgbuf_get(&fc->fc_recv, imsg)) == 0) {
		if (imsgbuf_read(&fc->fc_recv) <= 0)
			return (0);
	}
	if (rc == -1)
		fuzz_fail("imsgbuf_get: %s", strerror(errno));
	return (rc);
}

/* The next message carried over; fatal if there is none. */
int
fuzz_chan_recv(struct fuzz_chan *fc, struct imsg *imsg)
{
	if (fuzz_chan_next(fc, imsg) == 0)
		fuzz_fail("imsgbuf_read: message lost");
	return (1);
}

int
fuzz_null_fd(void)
{
	int	fd;

	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		fuzz_fail("open /dev/null: %s", strerror(errno));
	return (fd);
}

static char	*tmpdirs[4];
static size_t	 ntmpdirs;

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return (rmdir(path));
	return (unlink(path));
}

/*
 * At a normal exit the private directories go; a crash (abort) skips
 * this and leaves them to whoever looks into it.
 */
static void
tmpdirs_remove(void)
{
	size_t	i;

	for (i = 0; i < ntmpdirs; i++)
		(void)nftw(tmpdirs[i], rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A private directory for one run, under TMPDIR or /tmp. */
char *
fuzz_tmpdir(const char *name)
{
	const char	*tmp;
	char		*dir;

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (asprintf(&dir, "%s/rnixd-%s.XXXXXX", tmp, name) == -1)
		fuzz_fail("asprintf");
	if (mkdtemp(dir) == NULL)
		fuzz_fail("mkdtemp %s: %s", dir, strerror(errno));
	if (ntmpdirs == sizeof(tmpdirs) / sizeof(tmpdirs[0]))
		fuzz_fail("too many private directories");
	if (ntmpdirs == 0)
		atexit(tmpdirs_remove);
	if ((tmpdirs[ntmpdirs++] = strdup(dir)) == NULL)
		fuzz_fail("strdup");
	return (dir);
}

/*
 * A private directory (fuzz_tmpdir(name)) holding one empty directory,
 * the jail, where a target lets the code under test write, with the
 * umask a daemon runs under, so that modes come out as they would
 * there.  The directory goes once the process does; a crash leaves it
 * for whoever looks into it.
 */
void
fuzz_jail_open(struct fuzz_jail *fj, const char *name)
{
	char	*dir;

	umask(022);
	dir = fuzz_tmpdir(name);
	if ((fj->fj_topfd = open(dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || mkdirat(fj->fj_topfd, FUZZ_JAIL, 0755) == -1 ||
	    (fj->fj_fd = openat(fj->fj_topfd, FUZZ_JAIL, O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC)) == -1)
		fuzz_fail("%s: %s", dir, strerror(errno));
	free(dir);
}

/*
 * After the code under test wrote name into the jail: nothing may be
 * beside the jail, nor beside name (which may be missing) in it.
 */
void
fuzz_jail_check(const struct fuzz_jail *fj, const char *name)
{
	fuzz_dir_only(fj->fj_topfd, "top", FUZZ_JAIL);
	fuzz_dir_only(fj->fj_fd, FUZZ_JAIL, name);
}

/* Remove name from the jail, which must then be empty. */
void
fuzz_jail_empty(const struct fuzz_jail *fj, const char *name)
{
	const char	*errstr;

	if (nar_remove_tree(fj->fj_fd, name, &errstr) == -1)
		fuzz_fail("removing %s/%s: %s", FUZZ_JAIL, name, errstr);
	fuzz_dir_only(fj->fj_fd, FUZZ_JAIL, NULL);
}

/* dirfd must hold nothing but name (or nothing, if name is NULL). */
static void
fuzz_dir_only(int dirfd, const char *dirname, const char *name)
{
	DIR		*d;
	struct dirent	*de;
	int		 fd;

	if ((fd = dup(dirfd)) == -1 || (d = fdopendir(fd)) == NULL)
		fuzz_fail("fdopendir %s: %s", dirname, strerror(errno));
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (name == NULL || strcmp(de->d_name, name) != 0)
			fuzz_fail("the code under test created %s/%s",
			    dirname, de->d_name);
	}
	closedir(d);
}
