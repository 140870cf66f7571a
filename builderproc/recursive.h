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
 * The recursive-Nix proxy as the protocol server sees it: a session on
 * a build's own socket runs each op through the policy (the op table's
 * od_rec column) and its answer through these filters.  What the
 * scheduler asks of the proxy is in sched.h.
 */
#ifndef RNIXD_RECURSIVE_H
#define RNIXD_RECURSIVE_H

#include "session.h"

struct msg_missing;

/* recursive.c */
void	rec_session_attach(struct session *, struct rec_build *);
void	rec_session_detach(struct session *);
void	rec_clear(struct session *);
void	rec_candidate(struct session *, const char *);
const char *rec_check_refs(struct session *, char *const *, size_t,
	    const char *);
void	rec_censor_info(struct session *, struct wire_path_info *);
char	*rec_censor_error(struct session *, const char *);
int	rec_op_done(struct session *);
int	rec_op_start(struct session *, enum rec_policy, uint64_t,
	    struct wire_in *, struct op_args *);
void	rec_missing_extra(struct session *, struct msg_missing *);


#endif /* RNIXD_RECURSIVE_H */
