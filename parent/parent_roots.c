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
 * Indirect GC roots for storeproc.  A root's user link (nix-build's
 * ./result, say) lives anywhere on the host, outside storeproc's
 * confined view, so storeproc sends the link paths here and gets back
 * where each one points.  The parent only looks: lstat(2) and
 * readlink(2) on each path, never following a symlink, never opening,
 * creating or removing anything.
 * The payloads are msg_ctl.h's CTL_READLINKS pair.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msg_ctl.h"
#include "parent.h"

/* The target of link if it is a symlink now, else NULL. */
static char *
parent_readlink(const char *link)
{
	struct stat	 st;
	char		 buf[PATH_MAX];
	char		*target;
	ssize_t		 n;

	if (link[0] != '/' || lstat(link, &st) == -1 || !S_ISLNK(st.st_mode))
		return (NULL);
	if ((n = readlink(link, buf, sizeof(buf) - 1)) <= 0)
		return (NULL);
	buf[n] = '\0';
	if ((target = strdup(buf)) == NULL)
		fatal("%s", __func__);
	return (target);
}

int
parent_handle_readlinks(struct child *ch, struct imsg *imsg)
{
	struct msg_readlink	 *rl;
	char			**links;
	const char		 *errstr;
	size_t			  nlinks, i;

	if (msg_recv_readlinks(imsg, &links, &nlinks, &errstr) == -1) {
		log_warnx("bad CTL_READLINKS from %s: %s",
		    proc_name(ch->ch_proc), errstr);
		return (-1);
	}
	if ((rl = calloc(nlinks + 1, sizeof(*rl))) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < nlinks; i++) {
		rl[i].mrl_link = links[i];
		rl[i].mrl_target = parent_readlink(links[i]);
	}
	log_debug("%zu root links looked up for storeproc", nlinks);
	msg_send_readlinks_reply(&ch->ch_ibuf, rl, nlinks);
	/* The link strings belong to links; free the targets only. */
	for (i = 0; i < nlinks; i++)
		free(rl[i].mrl_target);
	free(rl);
	wire_strings_free(links, nlinks);
	return (0);
}
