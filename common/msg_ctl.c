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
 * CTL_READLINKS: storeproc asks its parent where indirect GC root
 * links point (msg_store.h); the parent's half lives here, apart from
 * msg_store.c, so that the parent links no event library.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "msg_store.h"
#include "msg_util.h"

static int	msg_get_readlink(struct wire_in *, const char *, void *,
		    const char **);

int
msg_recv_readlinks(struct imsg *imsg, char ***links, size_t *nlinks,
    const char **errstr)
{
	struct wire_in	  in;
	char		**items;
	size_t		  nitems, i;
	int		  fd;

	if (msg_begin(imsg, &in, 0, &fd, errstr) == -1 ||
	    msg_got(&in, wire_get_strings(&in, &items, &nitems,
	    MSG_PATHS_MAX, MSG_LINKPATH_MAX), errstr) == -1)
		return (-1);
	for (i = 0; i < nitems; i++)
		if (items[i][0] != '/')
			break;
	if (i < nitems || msg_end(&in, errstr) == -1) {
		if (i < nitems)
			*errstr = "link path is not absolute";
		wire_strings_free(items, nitems);
		return (-1);
	}
	*links = items;
	*nlinks = nitems;
	return (0);
}

/*
 * The parent has no imsgev: it composes on its imsgbuf and cannot go
 * through msg_finish(), so the too-large fallback is repeated here.
 */
void
msg_send_readlinks_reply(struct imsgbuf *ib, const struct msg_readlink *rl,
    size_t nlinks)
{
	struct wire_out	out;
	uint32_t	type = IMSG_CTL_READLINKS_REPLY;
	size_t		i;

	msg_out_init(&out, ib);
	msg_out_limit(&out, nlinks, MSG_PATHS_MAX);
	(void)wire_put_u64(&out, nlinks);
	for (i = 0; i < nlinks && !out.wo_error; i++) {
		(void)wire_put_string(&out, rl[i].mrl_link);
		(void)msg_put_opt(&out, rl[i].mrl_target);
	}
	if (out.wo_error) {
		log_warnx("%s not sent: %s", imsg_type_name(type),
		    out.wo_errstr);
		wire_out_reset(&out);
		type = IMSG_STORE_ERROR;
		if (wire_put_string(&out, MSG_TOO_LARGE) == -1)
			fatalx("%s: channel too small", __func__);
	}
	if (imsg_compose(ib, type, 0, 0, -1, out.wo_buf, out.wo_len) == -1)
		fatal("imsg_compose %s", imsg_type_name(type));
	wire_out_free(&out);
}

/* The store dir is not needed: links and targets are any paths. */
static int
msg_get_readlink(struct wire_in *in, const char *storedir, void *item,
    const char **errstr)
{
	struct msg_readlink	*mrl = item;

	(void)storedir;
	if (msg_get_link(in, 1, &mrl->mrl_link, errstr) == -1 ||
	    msg_got(in, wire_get_string(in, &mrl->mrl_target, NULL,
	    MSG_LINKPATH_MAX), errstr) == -1)
		return (-1);
	/* A symlink's target is never empty: "" says there is none. */
	if (mrl->mrl_target[0] == '\0') {
		free(mrl->mrl_target);
		mrl->mrl_target = NULL;
	}
	return (0);
}

int
msg_recv_readlinks_reply(struct imsg *imsg, struct msg_readlink **links,
    size_t *nlinks, const char **errstr)
{
	struct wire_in	 in;
	void		*items;
	size_t		 n;
	int		 fd;

	if (msg_begin(imsg, &in, 0, &fd, errstr) == -1)
		return (-1);
	if (msg_get_items(&in, sizeof(**links), MSG_PATHS_MAX,
	    msg_get_readlink, NULL, &items, &n, errstr) == -1 ||
	    msg_end(&in, errstr) == -1) {
		msg_readlinks_free(items, n);
		return (-1);
	}
	*links = items;
	*nlinks = n;
	return (0);
}

void
msg_readlinks_free(struct msg_readlink *links, size_t nlinks)
{
	size_t	i;

	if (links == NULL)
		return;
	for (i = 0; i < nlinks; i++) {
		free(links[i].mrl_link);
		free(links[i].mrl_target);
	}
	free(links);
}
