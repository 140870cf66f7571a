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
 * NARs out of the store: hashing a path as it lies on disk, and
 * NAR_FROM_PATH, which writes a valid path's NAR into the pipe
 * builderproc passed.  nar_dump_path() pushes the whole NAR into its
 * sink in one call, while the pipe takes bytes only as fast as the
 * client reads them; so the NAR is dumped into an unlinked temporary
 * file in the store dir first (local disk, no waiting on anyone) and
 * streamed from there as the pipe becomes writable.
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
#include "hash.h"
#include "log.h"
#include "nar.h"
#include "storeproc.h"

struct nar_out {
	TAILQ_ENTRY(nar_out)	 no_entry;
	uint32_t		 no_sid;
	int			 no_fd;		/* the pipe */
	int			 no_tmpfd;	/* the dumped NAR */
	off_t			 no_off;
	off_t			 no_size;
	struct event		 no_ev;
};

static TAILQ_HEAD(, nar_out)	nar_outs = TAILQ_HEAD_INITIALIZER(nar_outs);
static unsigned char		nar_buf[NAR_BUFSIZE];

/* The NAR hash (any algo) and size of name in dirfd, as it is now. */
int
store_nar_hash(int dirfd, const char *name, enum hash_algo algo,
    struct hash *h, uint64_t *size, const char **errstr)
{
	struct hash_sum	hs;

	memset(&hs, 0, sizeof(hs));
	if (hash_init(&hs.hs_ctx, algo) == -1) {
		*errstr = "hash algorithm unavailable";
		return (-1);
	}
	if (nar_dump_path(dirfd, name, hash_sum_sink, &hs, errstr) == -1) {
		hash_abort(&hs.hs_ctx);
		return (-1);
	}
	hash_final(&hs.hs_ctx, h);
	*size = hs.hs_size;
	return (0);
}

static int
nar_file_sink(void *arg, const void *buf, size_t len)
{
	return (write_all(*(int *)arg, buf, len));
}

/* Dump path into an unlinked file; returns its fd or -1. */
static int
nar_dump_tmp(const char *path, off_t *size, const char **errstr)
{
	static char	err[512];
	char		tmp[STORE_TMP_MAX];
	int		fd;

	store_tmpname(tmp, sizeof(tmp), "nar");
	if ((fd = openat(store_env.se_storefd, tmp, O_RDWR | O_CREAT |
	    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
		snprintf(err, sizeof(err), "cannot create a file in '%s': %s",
		    store_env.se_storedir, strerror(errno));
		*errstr = err;
		return (-1);
	}
	if (unlinkat(store_env.se_storefd, tmp, 0) == -1)
		log_warn("unlink %s", tmp);
	if (nar_dump_path(store_env.se_storefd, store_base(path),
	    nar_file_sink, &fd, errstr) == -1 ||
	    (*size = lseek(fd, 0, SEEK_CUR)) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

static void
nar_out_free(struct nar_out *no)
{
	event_del(&no->no_ev);
	close(no->no_fd);
	close(no->no_tmpfd);
	TAILQ_REMOVE(&nar_outs, no, no_entry);
	free(no);
}

static void
nar_out_write(int fd, short events, void *arg)
{
	struct nar_out	*no = arg;
	ssize_t		 n, w;

	(void)events;
	while (no->no_off < no->no_size) {
		if ((n = pread(no->no_tmpfd, nar_buf, sizeof(nar_buf),
		    no->no_off)) <= 0) {
			store_reply_error(no->no_sid, "cannot read the NAR: %s",
			    n == 0 ? "file shrank" : strerror(errno));
			nar_out_free(no);
			return;
		}
		if ((w = write(fd, nar_buf, n)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			/* builderproc gave up on the client. */
			store_reply_error(no->no_sid, "cannot send the NAR: %s",
			    strerror(errno));
			nar_out_free(no);
			return;
		}
		no->no_off += w;
		if (w < n)
			return;
	}
	store_reply_ok(no->no_sid);
	nar_out_free(no);
}

void
store_handle_nar_from_path(struct imsg *imsg)
{
	struct nar_out	*no;
	const char	*errstr;
	char		*path;
	uint32_t	 sid = imsg_get_peerid(imsg);
	int		 fd, tmpfd, valid;
	off_t		 size;

	if (msg_recv_path(imsg, store_env.se_storedir, &path, &fd,
	    &errstr) == -1) {
		store_bad_request(imsg, errstr);
		return;
	}
	if ((valid = store_is_valid(path, &errstr)) != 1 ||
	    (tmpfd = nar_dump_tmp(path, &size, &errstr)) == -1) {
		if (valid == 0)
			store_reply_error(sid, "path '%s' is not valid", path);
		else
			store_reply_error(sid, "%s", errstr);
		close(fd);
		free(path);
		return;
	}
	free(path);
	if ((no = calloc(1, sizeof(*no))) == NULL)
		fatal("%s", __func__);
	no->no_sid = sid;
	no->no_fd = fd;
	no->no_tmpfd = tmpfd;
	no->no_size = size;
	TAILQ_INSERT_TAIL(&nar_outs, no, no_entry);
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
		log_warn("fcntl");
	event_set(&no->no_ev, fd, EV_WRITE | EV_PERSIST, nar_out_write, no);
	event_add(&no->no_ev, NULL);
}
