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
 * What the message pair tests share (t_msg_ctl.c, t_msg_mount.c): a
 * hand-made received message, and the receiver run on a good payload
 * and on every generic damage of it (cut at every offset, a trailing
 * byte, an fd taken away or added), counting descriptors around each
 * case so none may leak.
 */
#ifndef RNIXD_MSGTEST_H
#define RNIXD_MSGTEST_H

#include <sys/resource.h>

#include <stddef.h>
#include <stdint.h>

#include "imsg.h"

/* A receiver under test: 0, or -1 and a reason; frees what it got. */
typedef int	(*mt_recv_fn)(struct imsg *, const char **);

extern size_t	mt_ncases;	/* cases run */
extern int	mt_anyfd;	/* an fd to pass: /dev/null */

void	mt_init(void);
/* Entries of a directory, less those whose name starts with a dot. */
int	mt_dir_count(const char *);
int	mt_fd_count(void);
/* Exit unless exactly want descriptors are open. */
void	mt_fd_expect(const char *, int);
/* The payload copied, the fd dup'ed (unless -1). */
void	mt_fake(struct imsg *, uint32_t, const void *, size_t, int fd);
/* fn must accept (good) or refuse with a reason, leaking no fd. */
void	mt_expect(const char *, mt_recv_fn, uint32_t, const void *, size_t,
	    int fd, int good);
/* The good payload, every cut, a trailing byte, the fd wrong. */
void	mt_generic(const char *, mt_recv_fn, uint32_t, const void *, size_t,
	    int needfd);
/* A full descriptor table: the dups that fill it, the limit before. */
struct mt_full {
	struct rlimit	 f_old;
	int		 f_dups[256];
	int		 f_ndup;
};
/* Lower RLIMIT_NOFILE to a little above what is open, fill with dups. */
void	mt_fd_fill(struct mt_full *, int fd);
/* One slot free again. */
void	mt_fd_free_one(struct mt_full *);
/* Every dup closed, the old limit back. */
void	mt_fd_unfill(struct mt_full *);

/* What mt_pump() saw, for a test of partial reads and writes. */
struct mt_pump_stats {
	size_t	ps_partial;	/* writes that left bytes queued */
	size_t	ps_reads;
	size_t	ps_short;	/* reads that ended inside a message */
};
/*
 * Alternate writes on w with reads on r until r has a message: large
 * ones exceed the socket buffers.  Counts into stats unless NULL.
 */
void	mt_pump(struct imsgbuf *w, struct imsgbuf *r, struct imsg *,
	    struct mt_pump_stats *);

/* The READLINKS pair's receivers, for both message sets' tests. */
int	mt_r_readlinks(struct imsg *, const char **);
int	mt_r_readlinks_reply(struct imsg *, const char **);

#endif /* RNIXD_MSGTEST_H */
