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
 * What every child does before it serves: check that rnixd started it,
 * receive its configuration and links from the parent, wait for the
 * READY barrier.  Also the configuration push after a SIGHUP.
 */
#ifndef RNIXD_CHILD_H
#define RNIXD_CHILD_H

#include <stddef.h>

#include "config.h"
#include "imsg.h"
#include "proc.h"

struct child_cfgbuf {
	char		*cc_text;
	size_t		 cc_len;
	int		 cc_open;	/* between CFG_START and CFG_DONE */
};

struct child_setup {
	enum proc_type		 cs_proc;
	struct imsgbuf		 cs_parent;	/* fd PROC_PARENT_FD */
	struct rnixd_conf	 cs_conf;
	struct child_cfgbuf	 cs_cfgbuf;
	int			 cs_peer[PROC_MAX];	/* sibling fds or -1 */
	int			 cs_listen;	/* daemon socket or -1 */
	int			 cs_debug;
	int			 cs_verbose;
};

/* Flags, logging, fd check, setup messages until READY; fatal on error. */
void	child_init(enum proc_type, int, char **, struct child_setup *);

/*
 * Feed one IMSG_CFG_* message.  Returns 1 when a complete configuration
 * was parsed into *conf (the caller owns it), 0 when more is to come,
 * -1 on a malformed push (logged).
 */
int	child_cfg_handle(struct child_cfgbuf *, struct imsg *,
	    struct rnixd_conf *);

/*
 * After start-up: feed one IMSG_CFG_* message; once a pushed
 * configuration is complete, it replaces cs_conf (returns 1).  Paths
 * and users are used at start only: a change is logged as needing a
 * restart.  A malformed push from the parent is fatal.
 */
int	child_reload_config(struct child_setup *, struct imsg *);

/* Tell the parent this process is serving. */
void	child_report_ready(struct child_setup *);

#endif /* RNIXD_CHILD_H */
