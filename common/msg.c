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
 * One builder and one reader for every message family (msg.h).  No
 * event library and no client codec here: the parent links this.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"

static int	msg_got(struct msg_in *, int);

size_t
msg_payload_max(const struct imsgbuf *ib)
{
	return (ib->ib_maxsize - IMSG_HEADER_SIZE);
}

int
msg_is_reply(uint32_t type)
{
	return (type >= IMSG_STORE_OK && type <= IMSG_STORE_BUILD_RESULT);
}

/* Building. */

void
msg_open(struct msg *m, struct imsgbuf *ib, uint32_t type, uint32_t peerid,
    int fd)
{
	m->m_ibuf = ib;
	m->m_type = type;
	m->m_peerid = peerid;
	m->m_fd = fd;
	wire_out_init(&m->m_out, msg_payload_max(ib));
}

void
msg_put_u32(struct msg *m, uint32_t v)
{
	(void)wire_put_u64(&m->m_out, v);
}

void
msg_put_u64(struct msg *m, uint64_t v)
{
	(void)wire_put_u64(&m->m_out, v);
}

void
msg_put_flag(struct msg *m, int v)
{
	(void)wire_put_bool(&m->m_out, v);
}

void
msg_put_str(struct msg *m, const char *s)
{
	(void)wire_put_string(&m->m_out, s);
}

void
msg_put_opt(struct msg *m, const char *s)
{
	msg_put_str(m, s != NULL ? s : "");
}

void
msg_put_bytes(struct msg *m, const void *p, size_t len)
{
	(void)wire_put_bytes(&m->m_out, p, len);
}

void
msg_put_text(struct msg *m, const char *s, size_t max)
{
	size_t	len;

	len = strlen(s);
	if (len > max) {
		len = max;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	(void)wire_put_bytes(&m->m_out, s, len);
}

void
msg_put_strs(struct msg *m, char *const *items, size_t count, size_t max)
{
	msg_limit(m, count, max);
	(void)wire_put_strings(&m->m_out, items, count);
}

void
msg_put_path_info(struct msg *m, const struct wire_path_info *pi)
{
	(void)wire_put_path_info(&m->m_out, pi, 1);
}

void
msg_limit(struct msg *m, size_t count, size_t max)
{
	if (count > max && !m->m_out.wo_error)
		(void)wire_out_fail(&m->m_out, MSG_TOO_MANY);
}

/*
 * Queue what the message holds and free it.  If the encoding failed,
 * nothing of it is sent: a reply becomes STORE_ERROR, a request
 * returns -1.
 */
int
msg_close(struct msg *m)
{
	struct wire_out	*out = &m->m_out;
	uint32_t	 type = m->m_type;
	int		 fd = m->m_fd;

	if (out->wo_error) {
		log_warnx("%s not sent: %s", imsg_type_name(type),
		    out->wo_errstr);
		if (fd != -1)
			(void)close(fd);
		fd = -1;
		if ((!msg_is_reply(type) &&
		    type != IMSG_CTL_READLINKS_REPLY) ||
		    type == IMSG_STORE_ERROR) {
			wire_out_free(out);
			return (-1);
		}
		wire_out_reset(out);
		type = IMSG_STORE_ERROR;
		if (wire_put_string(out, MSG_TOO_LARGE) == -1)
			fatalx("%s: channel too small", __func__);
	}
	if (imsg_compose(m->m_ibuf, type, m->m_peerid, 0, fd, out->wo_buf,
	    out->wo_len) == -1)
		fatal("imsg_compose %s", imsg_type_name(type));
	wire_out_free(out);
	return (0);
}

/* Reading. */

int
msg_begin(struct imsg *imsg, struct msg_in *in, int wantfd)
{
	const void	*buf;
	size_t		 len;

	memset(in, 0, sizeof(*in));
	in->mi_type = imsg_get_type(imsg);
	in->mi_fd = imsg_get_fd(imsg);
	buf = imsg_get_buf(imsg, &len);
	wire_in_init(&in->mi_in, buf, len);
	if (wantfd && in->mi_fd == -1)
		return (msg_fail(in, "missing fd"));
	if (!wantfd && in->mi_fd != -1)
		return (msg_fail(in, "unexpected fd"));
	return (0);
}

int
msg_fail(struct msg_in *in, const char *why)
{
	if (in->mi_errstr == NULL)
		in->mi_errstr = why;
	return (-1);
}

/* A wire getter's answer: the payload is all there is, so 0 is short. */
static int
msg_got(struct msg_in *in, int r)
{
	if (r == 1)
		return (0);
	return (msg_fail(in, r == 0 ? MSG_TRUNCATED : in->mi_in.wi_errstr));
}

int
msg_get_u64(struct msg_in *in, uint64_t *v)
{
	uint64_t	x;

	if (in->mi_errstr != NULL || msg_got(in, wire_get_u64(&in->mi_in,
	    &x)) == -1)
		return (-1);
	*v = x;
	return (0);
}

int
msg_get_u32(struct msg_in *in, uint32_t *v)
{
	uint64_t	x;

	if (msg_get_u64(in, &x) == -1)
		return (-1);
	if (x > UINT32_MAX)
		return (msg_fail(in, "value out of range"));
	*v = (uint32_t)x;
	return (0);
}

int
msg_get_flag(struct msg_in *in, int *flag)
{
	uint64_t	v;

	if (msg_get_u64(in, &v) == -1)
		return (-1);
	if (v > 1)
		return (msg_fail(in, "flag is neither 0 nor 1"));
	*flag = (int)v;
	return (0);
}

int
msg_get_str(struct msg_in *in, char **s, size_t maxlen)
{
	if (in->mi_errstr != NULL)
		return (-1);
	return (msg_got(in, wire_get_string(&in->mi_in, s, NULL, maxlen)));
}

int
msg_get_bytes(struct msg_in *in, char **s, size_t *len, size_t maxlen)
{
	if (in->mi_errstr != NULL)
		return (-1);
	return (msg_got(in, wire_get_string(&in->mi_in, s, len, maxlen)));
}

int
msg_get_strs(struct msg_in *in, char ***items, size_t *count,
    size_t maxcount, size_t maxlen)
{
	if (in->mi_errstr != NULL)
		return (-1);
	return (msg_got(in, wire_get_strings(&in->mi_in, items, count,
	    maxcount, maxlen)));
}

int
msg_get_storepath(struct msg_in *in, char **path)
{
	if (in->mi_errstr != NULL)
		return (-1);
	return (msg_got(in, wire_get_storepath(&in->mi_in, in->mi_storedir,
	    path)));
}

int
msg_get_opt_storepath(struct msg_in *in, char **path)
{
	if (in->mi_errstr != NULL)
		return (-1);
	return (msg_got(in, wire_get_opt_storepath(&in->mi_in,
	    in->mi_storedir, path)));
}

int
msg_get_storepaths(struct msg_in *in, char ***paths, size_t *npaths,
    size_t maxcount)
{
	if (in->mi_errstr != NULL)
		return (-1);
	return (msg_got(in, wire_get_storepaths(&in->mi_in, in->mi_storedir,
	    paths, npaths, maxcount)));
}

/* Path info with path, its refs within the caller's limit. */
int
msg_get_path_info(struct msg_in *in, struct wire_path_info *pi,
    size_t maxrefs)
{
	struct wire_path_info	new;

	if (in->mi_errstr != NULL ||
	    msg_got(in, wire_get_path_info(&in->mi_in, in->mi_storedir, &new,
	    1)) == -1)
		return (-1);
	if (new.pi_nrefs > maxrefs) {
		wire_path_info_free(&new);
		return (msg_fail(in, MSG_TOO_MANY));
	}
	*pi = new;
	return (0);
}

int
msg_get_array(struct msg_in *in, size_t size, size_t max, msg_item_get get,
    msg_item_free freeitem, void **items, size_t *nitems)
{
	uint64_t	 n, i;
	char		*slots;

	if (msg_get_u64(in, &n) == -1)
		return (-1);
	if (n > max)
		return (msg_fail(in, MSG_TOO_MANY));
	if (n > (in->mi_in.wi_len - in->mi_in.wi_off) / 8)
		return (msg_fail(in, MSG_TRUNCATED));
	if ((slots = calloc(n + 1, size)) == NULL)
		return (msg_fail(in, "out of memory"));
	for (i = 0; i < n; i++) {
		if (get(in, slots + i * size) == -1) {
			/* Slot i may hold what its getter read so far. */
			do
				freeitem(slots + i * size);
			while (i-- > 0);
			free(slots);
			return (-1);
		}
	}
	*items = slots;
	*nitems = n;
	return (0);
}

void
msg_array_free(void *items, size_t nitems, size_t size,
    msg_item_free freeitem)
{
	size_t	i;

	if (items == NULL)
		return;
	for (i = 0; i < nitems; i++)
		freeitem((char *)items + i * size);
	free(items);
}

int
msg_recv_array(struct imsg *imsg, const char *storedir, size_t size,
    size_t max, msg_item_get get, msg_item_free freeitem, void **items,
    size_t *nitems, const char **errstr)
{
	struct msg_in	 in;
	void		*got = NULL;
	size_t		 n = 0;

	if (msg_begin(imsg, &in, 0) == 0) {
		in.mi_storedir = storedir;
		(void)msg_get_array(&in, size, max, get, freeitem, &got, &n);
	}
	if (msg_end(&in, errstr) == -1) {
		msg_array_free(got, n, size, freeitem);
		return (-1);
	}
	*items = got;
	*nitems = n;
	return (0);
}

int
msg_end(struct msg_in *in, const char **errstr)
{
	if (in->mi_errstr == NULL && in->mi_in.wi_off != in->mi_in.wi_len)
		(void)msg_fail(in, MSG_TRAILING);
	if (in->mi_errstr == NULL)
		return (0);
	if (in->mi_fd != -1) {
		(void)close(in->mi_fd);
		in->mi_fd = -1;
	}
	*errstr = in->mi_errstr;
	return (-1);
}

/* No payload, any family: PING, PONG, QUERY_ALL, STORE_OK, ... */

void
msg_send_empty(struct imsgbuf *ib, uint32_t type, uint32_t sid)
{
	struct msg	m;

	msg_open(&m, ib, type, sid, -1);
	(void)msg_close(&m);
}

int
msg_recv_empty(struct imsg *imsg, const char **errstr)
{
	struct msg_in	in;

	(void)msg_begin(imsg, &in, 0);
	return (msg_end(&in, errstr));
}
