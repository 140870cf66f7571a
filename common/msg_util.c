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
 * Helpers shared by the msg_*.c wire files: payload limits, the
 * begin/got/end pattern of every receiver, and small encoders.  No
 * event library here: the parent links these too.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg_store.h"
#include "msg_util.h"

/* The largest payload that both the contract and the channel take. */
size_t
msg_payload_max(const struct imsgbuf *ib)
{
	size_t	max = MSG_STORE_MAXSIZE;

	if (ib->ib_maxsize < max)
		max = ib->ib_maxsize;
	return (max - IMSG_HEADER_SIZE);
}

void
msg_out_init(struct wire_out *out, const struct imsgbuf *ib)
{
	wire_out_init(out, msg_payload_max(ib));
}

/* A count the receiver would refuse fails the encoding like a size. */
void
msg_out_limit(struct wire_out *out, size_t count, size_t max)
{
	if (count > max && !out->wo_error) {
		out->wo_error = 1;
		out->wo_errstr = MSG_TOO_MANY;
	}
}

/* An OptStorePath or optional text: NULL is "". */
int
msg_put_opt(struct wire_out *out, const char *s)
{
	return (wire_put_string(out, s != NULL ? s : ""));
}

/*
 * Start on a payload: take the fd out of the imsg at once so that every
 * error path below owns it, and check that it is there exactly when
 * the message needs one.
 */
int
msg_begin(struct imsg *imsg, struct wire_in *in, int wantfd, int *fd,
    const char **errstr)
{
	const void	*buf;
	size_t		 len;

	*fd = imsg_get_fd(imsg);
	if (wantfd && *fd == -1)
		return (msg_fail(-1, errstr, "missing fd"));
	if (!wantfd && *fd != -1) {
		msg_close(*fd);
		*fd = -1;
		return (msg_fail(-1, errstr, "unexpected fd"));
	}
	buf = imsg_get_buf(imsg, &len);
	wire_in_init(in, buf, len);
	return (0);
}

/* A wire getter's answer: the payload is all there is, so 0 is short. */
int
msg_got(struct wire_in *in, int r, const char **errstr)
{
	if (r == 1)
		return (0);
	*errstr = r == 0 ? MSG_TRUNCATED : in->wi_errstr;
	return (-1);
}

int
msg_end(struct wire_in *in, const char **errstr)
{
	if (in->wi_off != in->wi_len) {
		*errstr = MSG_TRAILING;
		return (-1);
	}
	return (0);
}

int
msg_fail(int fd, const char **errstr, const char *why)
{
	msg_close(fd);
	*errstr = why;
	return (-1);
}

void
msg_close(int fd)
{
	if (fd != -1)
		(void)close(fd);
}

/* A link path (absolute, if asked) or root label. */
int
msg_get_link(struct wire_in *in, int absolute, char **link,
    const char **errstr)
{
	char	*s;

	if (msg_got(in, wire_get_string(in, &s, NULL, MSG_LINKPATH_MAX),
	    errstr) == -1)
		return (-1);
	if (s[0] == '\0' || (absolute && s[0] != '/')) {
		free(s);
		*errstr = absolute ? "link path is not absolute" :
		    "link path is empty";
		return (-1);
	}
	*link = s;
	return (0);
}

/*
 * A count, then that many items of size bytes, each read by get into
 * a zeroed array with one spare zeroed slot at the end.  Every item
 * takes at least 16 bytes of payload, so a count the payload cannot
 * hold is refused before anything is allocated.  On failure *items
 * may still hold the array with what get left in it; the caller frees
 * its *nitems slots with the free function of the item type.
 */
int
msg_get_items(struct wire_in *in, size_t size, size_t max,
    msg_item_getter get, const char *storedir, void **items,
    size_t *nitems, const char **errstr)
{
	uint64_t	 n, i;
	char		*slots;

	*items = NULL;
	*nitems = 0;
	if (msg_got(in, wire_get_u64(in, &n), errstr) == -1)
		return (-1);
	if (n > max)
		return (msg_fail(-1, errstr, MSG_TOO_MANY));
	if (n > (in->wi_len - in->wi_off) / 16)
		return (msg_fail(-1, errstr, MSG_TRUNCATED));
	if ((slots = calloc(n + 1, size)) == NULL)
		return (msg_fail(-1, errstr, "out of memory"));
	*items = slots;
	*nitems = n;
	for (i = 0; i < n; i++)
		if (get(in, storedir, slots + i * size, errstr) == -1)
			return (-1);
	return (0);
}
