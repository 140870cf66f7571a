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
 * Shared by the libFuzzer targets in fuzz/: a failed property aborts,
 * so that libFuzzer keeps the input as a crash; descriptors are
 * counted around each input, since a leak of one per message is what
 * would wear a long-running daemon down.
 */
#ifndef RNIXD_FUZZ_H
#define RNIXD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "imsg.h"

#define FUZZ_STOREDIR	"/nix/store"
#define FUZZ_JAIL	"jail"

/* A cursor over the fuzzer's input, for targets that take it apart. */
struct fuzz_in {
	const uint8_t	*fi_buf;
	size_t		 fi_len;
	size_t		 fi_off;
};

/* A private directory and the jail in it (fuzz_jail_open()). */
struct fuzz_jail {
	int		fj_topfd;
	int		fj_fd;
};

/* Two ends of a real imsg channel over a socketpair. */
struct fuzz_chan {
	int		fc_fds[2];
	struct imsgbuf	fc_send;
	struct imsgbuf	fc_recv;
};

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

void	fuzz_fail(const char *, ...)
	    __attribute__((__noreturn__, __format__(printf, 1, 2)));
void	fuzz_quiet(void);
int	fuzz_fd_count(void);
void	fuzz_fd_expect(const char *, int);

void	fuzz_in_init(struct fuzz_in *, const uint8_t *, size_t);
uint8_t	fuzz_in_byte(struct fuzz_in *);
size_t	fuzz_in_left(const struct fuzz_in *);
const uint8_t *fuzz_in_take(struct fuzz_in *, size_t *);

void	fuzz_chan_open(struct fuzz_chan *, size_t);
int	fuzz_chan_send(struct fuzz_chan *, uint32_t, uint32_t, int,
	    const void *, size_t);
void	fuzz_chan_pump(struct fuzz_chan *);
int	fuzz_chan_next(struct fuzz_chan *, struct imsg *);
int	fuzz_chan_recv(struct fuzz_chan *, struct imsg *);
int	fuzz_null_fd(void);
char	*fuzz_tmpdir(const char *);
void	fuzz_jail_open(struct fuzz_jail *, const char *);
void	fuzz_jail_check(const struct fuzz_jail *, const char *);
void	fuzz_jail_empty(const struct fuzz_jail *, const char *);

#endif /* RNIXD_FUZZ_H */
