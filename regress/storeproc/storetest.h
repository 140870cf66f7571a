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
 * What the storeproc unit tests share (t_store.c, t_build.c): a store
 * under a scratch directory, storeproc's handlers on one end of a real
 * channel and the test, playing builderproc, on the other, and checks
 * of what a request left in the store.  The globals keep the names
 * both tests used for them.
 */
#ifndef RNIXD_STORETEST_H
#define RNIXD_STORETEST_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "imsg.h"
#include "imsgev.h"

extern char		top[256];	/* the scratch directory */
extern char		storedir[300], statedir[300];
extern struct imsgbuf	ib_store, ib_client;	/* storeproc, the test */
extern struct imsgev	iev_store, iev_client;
extern int		have_nixhash;	/* nix-hash is on PATH */

typedef int	(*st_dispatch_fn)(struct imsgev *, struct imsg *);

/* A connected pair of channels with storeproc's size limit. */
void	st_pair(struct imsgbuf *, struct imsgbuf *);
/*
 * Logging to stderr, stdout line-buffered, SIGPIPE ignored; top as
 * /tmp/rnixd-<name>.XXXXXX, the store and its database in it,
 * the builderproc channel driven by the two dispatchers, and
 * storeproc's environment with parent as its parent channel (or NULL).
 */
void	st_setup(const char *, st_dispatch_fn store, st_dispatch_fn client,
	    struct imsgbuf *parent);
/* The database closed, top removed. */
void	st_cleanup(void);
/*
 * A reply both tests take alike: STORE_ERROR's text, STORE_OK, or
 * STORE_PATHS; 0, or -1 and a reason.  Any other type exits.
 */
int	st_recv_reply(struct imsg *, char **text, char ***paths,
	    size_t *npaths, const char **);
/* Exit if the reply was refused (rc -1), else note its type, and done. */
void	st_reply_done(struct imsg *, int rc, const char *, uint32_t *type,
	    int *done);
/* Run the event loop until *done, for at most a minute. */
void	st_wait(const int *);
/* Exit unless the reply's type is want; text says why, if any. */
void	st_expect_type(uint32_t got, const char *text, uint32_t want,
	    const char *what);
/* Exit if a temporary of storeproc's is left in the store dir. */
void	st_expect_no_temp(const char *);
void	st_write_file(const char *, const char *, mode_t);
/* Exit unless narhash is what nix-hash says of the path (if it can). */
void	st_check_nixhash(const char *, const char *);
/*
 * The path written with text and registered directly as valid, with
 * ca (or NULL) and its references, as an older rnixd or a test's
 * fixture would.
 */
void	st_register(const char *, const char *, const char *ca, char **,
	    size_t);

/* A NAR in memory. */
struct st_buf {
	char	*b_data;
	size_t	 b_len;
};

int	st_buf_sink(void *, const void *, size_t);
/* The NAR of a path. */
void	st_nar_of(const char *, struct st_buf *);

#endif /* RNIXD_STORETEST_H */
