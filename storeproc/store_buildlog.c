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
 * Build logs (BUILD_LOG): the bytes a builder printed, read from the
 * pipe builderproc passes while the build runs, kept where Nix 2.8
 * keeps them so that nix-store -l and nix log find them:
 * <log-dir>/drvs/<first 2 chars of the drv's base name>/<the rest>.
 * Nix writes them bzip2'ed (<...>.bz2, compress-build-log) but reads a
 * plain file first; rnixd writes them plain.  Clients, even through
 * the daemon socket, read that file themselves.
 *
 * A log is written under a temporary name next to its final one and
 * renamed into place at the end, so a reader sees the previous log or
 * the whole new one.  At most STORE_BUILD_LOG_MAX bytes are kept per
 * log; the rest is read and dropped (the builder never blocks on us)
 * and a last line says so.  builderproc's max-log-size, if set, kills
 * the build long before.
 */
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"
#include "log.h"
#include "nar.h"
#include "storeproc.h"

#define BLOG_READS_PER_WAKEUP	4

struct blog {
	TAILQ_ENTRY(blog)	 bl_entry;
	uint32_t		 bl_sid;
	int			 bl_fd;		/* the pipe */
	int			 bl_dirfd;	/* drvs/<2 chars> */
	int			 bl_filefd;
	char			 bl_tmp[STORE_TMP_MAX];
	char			 bl_name[STOREPATH_MAX];
	uint64_t		 bl_bytes;
	int			 bl_cut;
	struct event		 bl_ev;
};

static TAILQ_HEAD(, blog)	blogs = TAILQ_HEAD_INITIALIZER(blogs);
static int			blog_drvsfd = -1;
static uint64_t			blog_max = STORE_BUILD_LOG_MAX;
static unsigned char		blog_buf[NAR_BUFSIZE];

/*
 * Where logs go: <logdir>/drvs, made if missing.  max 0 keeps the
 * default.  Without it every BUILD_LOG is answered with an error.
 */
int
store_buildlog_init(const char *logdir, uint64_t max)
{
	int	fd;

	if (max != 0)
		blog_max = max;
	if ((fd = open(logdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (-1);
	if (mkdirat(fd, "drvs", 0755) == -1 && errno != EEXIST) {
		close(fd);
		return (-1);
	}
	if (blog_drvsfd != -1)
		close(blog_drvsfd);
	blog_drvsfd = openat(fd, "drvs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	close(fd);
	return (blog_drvsfd == -1 ? -1 : 0);
}

static void
blog_free(struct blog *bl)
{
	if (event_initialized(&bl->bl_ev))
		event_del(&bl->bl_ev);
	if (bl->bl_fd != -1)
		close(bl->bl_fd);
	if (bl->bl_filefd != -1)
		close(bl->bl_filefd);
	if (bl->bl_tmp[0] != '\0')
		(void)unlinkat(bl->bl_dirfd, bl->bl_tmp, 0);
	if (bl->bl_dirfd != -1)
		close(bl->bl_dirfd);
	TAILQ_REMOVE(&blogs, bl, bl_entry);
	free(bl);
}

/* Keep what fits under the limit, count the rest. */
static int
blog_feed(struct blog *bl, const void *buf, size_t len)
{
	size_t	keep = len;

	if (bl->bl_bytes >= blog_max)
		keep = 0;
	else if (blog_max - bl->bl_bytes < len)
		keep = blog_max - bl->bl_bytes;
	if (keep < len)
		bl->bl_cut = 1;
	bl->bl_bytes += len;
	return (keep == 0 ? 0 : write_all(bl->bl_filefd, buf, keep));
}

static int
blog_finish(struct blog *bl)
{
	char	note[128];

	if (bl->bl_cut) {
		snprintf(note, sizeof(note), "\nrnixd: log cut after %llu "
		    "of %llu bytes\n", (unsigned long long)blog_max,
		    (unsigned long long)bl->bl_bytes);
		if (write_all(bl->bl_filefd, note, strlen(note)) == -1)
			return (-1);
	}
	if (close(bl->bl_filefd) == -1) {
		bl->bl_filefd = -1;
		return (-1);
	}
	bl->bl_filefd = -1;
	if (renameat(bl->bl_dirfd, bl->bl_tmp, bl->bl_dirfd, bl->bl_name) ==
	    -1)
		return (-1);
	bl->bl_tmp[0] = '\0';
	return (0);
}

static void
blog_read(int fd, short events, void *arg)
{
	struct blog	*bl = arg;
	ssize_t		 n;
	int		 i;

	(void)events;
	for (i = 0; i < BLOG_READS_PER_WAKEUP; i++) {
		if ((n = read(fd, blog_buf, sizeof(blog_buf))) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			break;
		}
		if (n == 0) {
			if (blog_finish(bl) == -1)
				break;
			store_reply_ok(bl->bl_sid);
			blog_free(bl);
			return;
		}
		if (blog_feed(bl, blog_buf, n) == -1)
			break;
	}
	if (i == BLOG_READS_PER_WAKEUP)
		return;
	store_reply_error(bl->bl_sid, "cannot write the build log: %s",
	    strerror(errno));
	blog_free(bl);
}

/* drvs/<2 chars>, the temporary file in it, the read event. */
static int
blog_start(struct blog *bl, const char *base)
{
	char	sub[3];

	memcpy(sub, base, 2);
	sub[2] = '\0';
	strlcpy(bl->bl_name, base + 2, sizeof(bl->bl_name));
	if ((mkdirat(blog_drvsfd, sub, 0755) == -1 && errno != EEXIST) ||
	    (bl->bl_dirfd = openat(blog_drvsfd, sub, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		return (-1);
	store_tmpname(bl->bl_tmp, sizeof(bl->bl_tmp), "log");
	if ((bl->bl_filefd = openat(bl->bl_dirfd, bl->bl_tmp, O_WRONLY |
	    O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644)) == -1) {
		bl->bl_tmp[0] = '\0';
		return (-1);
	}
	if (fcntl(bl->bl_fd, F_SETFL, O_NONBLOCK) == -1)
		return (-1);
	event_set(&bl->bl_ev, bl->bl_fd, EV_READ | EV_PERSIST, blog_read, bl);
	event_add(&bl->bl_ev, NULL);
	return (0);
}

void
store_handle_build_log(struct imsg *imsg)
{
	struct blog	*bl;
	const char	*errstr;
	char		*path;
	size_t		 len;
	uint32_t	 sid = imsg_get_peerid(imsg);
	int		 fd;

	if (msg_recv_path(imsg, store_env.se_storedir, &path, &fd,
	    &errstr) == -1) {
		store_bad_request(imsg, errstr);
		return;
	}
	len = strlen(path);
	if (len < 4 || strcmp(path + len - 4, ".drv") != 0 ||
	    blog_drvsfd == -1) {
		if (blog_drvsfd == -1)
			store_reply_error(sid, "no log directory");
		else
			store_reply_error(sid, "path '%s' is not a derivation",
			    path);
		free(path);
		close(fd);
		return;
	}
	if ((bl = calloc(1, sizeof(*bl))) == NULL)
		fatal("%s", __func__);
	bl->bl_sid = sid;
	bl->bl_fd = fd;
	bl->bl_dirfd = bl->bl_filefd = -1;
	TAILQ_INSERT_TAIL(&blogs, bl, bl_entry);
	if (blog_start(bl, store_base(path)) == -1) {
		store_reply_error(sid, "cannot write the build log of '%s': %s",
		    path, strerror(errno));
		blog_free(bl);
	}
	free(path);
}
