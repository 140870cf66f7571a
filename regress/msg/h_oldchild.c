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
 * A child of another build of rnixd: it takes the parent's set-up as
 * builderproc does (child_init() checks everything the parent sends),
 * then reports READY with an IMSG_VERSION one higher than the parent's
 * and waits.  With H_OLDCHILD=twice in the environment it is of the
 * parent's version instead, but reports READY twice.
 * regress/msg/version.sh puts it where rnixd looks for
 * rnixd-builderproc.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "msg.h"
#include "msg_ctl.h"

int
main(int argc, char *argv[])
{
	struct child_setup	 setup;
	struct msg		 m;
	const char		*mode;
	int			 twice;

	mode = getenv("H_OLDCHILD");
	twice = mode != NULL && strcmp(mode, "twice") == 0;
	child_init(PROC_BUILDER, argc, argv, &setup);
	msg_open(&m, &setup.cs_parent, IMSG_CTL_READY, 0, -1);
	msg_put_u32(&m, twice ? IMSG_VERSION : IMSG_VERSION + 1);
	if (msg_close(&m) == -1)
		fatalx("cannot report READY");
	if (twice)
		msg_send_ready(&setup.cs_parent);
	if (imsgbuf_flush(&setup.cs_parent) == -1)
		fatalx("cannot report READY");
	/* The parent stops us with SIGTERM once it refused to run. */
	for (;;)
		pause();
}
