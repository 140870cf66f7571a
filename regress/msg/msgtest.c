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
 * The generic cases of the message pair tests (msgtest.h).
 */
#include <sys/resource.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg_ctl.h"
#include "msgtest.h"
#include "wirebuf.h"

/* mt_pump()'s loop bound: a hang is a failure. */
#define MT_PUMP_LIMIT	10000000

size_t	mt_ncases;
int	mt_anyfd = -1;

void
mt_init(void)
{
	if ((mt_anyfd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		err(1, "/dev/null");
}

int
mt_dir_count(const char *path)
{
	DIR		*dir;
	struct dirent	*de;
	int		 n = 0;

	if ((dir = opendir(path)) == NULL)
		err(1, "opendir %s", path);
	while ((de = readdir(dir)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(dir);
	return (n);
}

/* Open descriptors, not counting the one opendir() uses. */
int
mt_fd_count(void)
{
	return (mt_dir_count("/proc/self/fd") - 1);
}

void
mt_fd_expect(const char *what, int want)
{
	int	got;

	if ((got = mt_fd_count()) != want)
		errx(1, "%s: got %d open fds, expected %d", what, got, want);
}

void
mt_fake(struct imsg *imsg, uint32_t type, const void *buf, size_t len,
    int fd)
{
	memset(imsg, 0, sizeof(*imsg));
	imsg->im_hdr.ih_type = type;
	imsg->im_hdr.ih_len = IMSG_HEADER_SIZE + len;
	imsg->im_fd = fd == -1 ? -1 : dup(fd);
	imsg->im_datalen = len;
	if (len > 0) {
		if ((imsg->im_data = malloc(len)) == NULL)
			err(1, NULL);
		memcpy(imsg->im_data, buf, len);
	}
}

void
mt_expect(const char *what, mt_recv_fn fn, uint32_t type, const void *buf,
    size_t len, int fd, int good)
{
	struct imsg	 imsg;
	const char	*errstr = NULL;
	int		 before, rc;

	before = mt_fd_count();
	mt_fake(&imsg, type, buf, len, fd);
	rc = fn(&imsg, &errstr);
	imsg_free(&imsg);
	if (good && rc != 0)
		errx(1, "%s: refused (%s), expected accepted", what, errstr);
	if (!good && rc != -1)
		errx(1, "%s: accepted, expected refused", what);
	if (!good && errstr == NULL)
		errx(1, "%s: refused without a reason", what);
	if (mt_fd_count() != before)
		errx(1, "%s: %d fds before, %d after", what, before,
		    mt_fd_count());
	mt_ncases++;
}

void
mt_generic(const char *name, mt_recv_fn fn, uint32_t type, const void *buf,
    size_t len, int needfd)
{
	unsigned char	*copy;
	char		 what[128];
	size_t		 cut;
	int		 fd;

	fd = needfd ? mt_anyfd : -1;
	mt_expect(name, fn, type, buf, len, fd, 1);
	for (cut = 0; cut < len; cut++) {
		snprintf(what, sizeof(what), "%s cut at %zu", name, cut);
		mt_expect(what, fn, type, buf, cut, fd, 0);
	}
	if ((copy = calloc(1, len + 1)) == NULL)
		err(1, NULL);
	memcpy(copy, buf, len);
	snprintf(what, sizeof(what), "%s + trailing byte", name);
	mt_expect(what, fn, type, copy, len + 1, fd, 0);
	copy[len] = 'x';
	mt_expect(what, fn, type, copy, len + 1, fd, 0);
	free(copy);
	snprintf(what, sizeof(what), "%s %s fd", name,
	    needfd ? "without its" : "with an unexpected");
	mt_expect(what, fn, type, buf, len, needfd ? -1 : mt_anyfd, 0);
	printf("%s: good, every cut, trailing, fd: ok\n", name);
}

int
mt_r_readlinks(struct imsg *imsg, const char **errstr)
{
	char	**links;
	size_t	  n;

	if (msg_recv_readlinks(imsg, &links, &n, errstr) == -1)
		return (-1);
	wire_strings_free(links, n);
	return (0);
}

int
mt_r_readlinks_reply(struct imsg *imsg, const char **errstr)
{
	struct msg_readlink	*rl;
	size_t			 n;

	if (msg_recv_readlinks_reply(imsg, &rl, &n, errstr) == -1)
		return (-1);
	msg_readlinks_free(rl, n);
	return (0);
}

void
mt_fd_fill(struct mt_full *f, int fd)
{
	struct rlimit	 rl;
	int		 d;

	if (getrlimit(RLIMIT_NOFILE, &f->f_old) == -1)
		err(1, "getrlimit");
	rl = f->f_old;
	rl.rlim_cur = mt_fd_count() + 64;
	if (rl.rlim_cur > f->f_old.rlim_cur)
		rl.rlim_cur = f->f_old.rlim_cur;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(1, "setrlimit");
	f->f_ndup = 0;
	while (f->f_ndup < 256 && (d = dup(fd)) != -1)
		f->f_dups[f->f_ndup++] = d;
	if (f->f_ndup == 256 || errno != EMFILE)
		errx(1, "could not fill the fd table");
}

void
mt_fd_free_one(struct mt_full *f)
{
	close(f->f_dups[--f->f_ndup]);
}

void
mt_fd_unfill(struct mt_full *f)
{
	while (f->f_ndup > 0)
		close(f->f_dups[--f->f_ndup]);
	if (setrlimit(RLIMIT_NOFILE, &f->f_old) == -1)
		err(1, "setrlimit");
}

void
mt_pump(struct imsgbuf *w, struct imsgbuf *r, struct imsg *imsg,
    struct mt_pump_stats *ps)
{
	ssize_t	n;
	long	i;
	int	rv;

	for (i = 0; i < MT_PUMP_LIMIT; i++) {
		if ((rv = imsgbuf_get(r, imsg)) == 1)
			return;
		if (rv == -1)
			err(1, "imsgbuf_get");
		if (ps != NULL && r->ib_rend > r->ib_rpos)
			ps->ps_short++;
		if (imsgbuf_write(w) == -1)
			err(1, "imsgbuf_write");
		if (ps != NULL && imsgbuf_queuelen(w) > 0)
			ps->ps_partial++;
		if ((n = imsgbuf_read(r)) == -1 && errno != EAGAIN)
			err(1, "imsgbuf_read");
		if (n == 0)
			errx(1, "imsgbuf_read: got EOF, expected data");
		if (ps != NULL && n > 0)
			ps->ps_reads++;
	}
	errx(1, "mt_pump: no message after %ld turns", i);
}
