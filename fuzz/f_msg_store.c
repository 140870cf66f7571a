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
 * The storeproc message decoders of common/msg_store_*.c and msg_ctl.c,
 * each fed the type it is used with, over a real imsg channel.  Input:
 * a 4-byte little-endian imsg type, a flags byte (bit 0: pass a
 * descriptor along) and the payload.
 *
 * Properties beyond "no crash":
 * - no descriptor leaks, whether the message should carry one or not;
 * - what a decoder accepts, the matching encoder sends again, and
 *   decoding and sending that once more gives the same bytes (the
 *   encoding of a decoded message is a fixed point), with the
 *   descriptor still attached.
 */
#include <sys/types.h>

#include <event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "imsg.h"
#include "imsgev.h"
#include "msg_store.h"
#include "proc.h"
#include "wire.h"

#define SD	FUZZ_STOREDIR

/* Decode imsg; if accepted, send it again on iev and return 0. */
typedef int	 resend_fn(struct imsg *, uint32_t, uint32_t);

struct kind {
	uint32_t	 k_type;
	resend_fn	*k_resend;
};

static struct fuzz_chan	 chan;
static struct imsgev	 iev;

static int	dispatch_none(struct imsgev *, struct imsg *);
static int	r_path(struct imsg *, uint32_t, uint32_t);
static int	r_paths(struct imsg *, uint32_t, uint32_t);
static int	r_derived(struct imsg *, uint32_t, uint32_t);
static int	r_empty(struct imsg *, uint32_t, uint32_t);
static int	r_text(struct imsg *, uint32_t, uint32_t);
static int	r_add(struct imsg *, uint32_t, uint32_t);
static int	r_add_nar(struct imsg *, uint32_t, uint32_t);
static int	r_info(struct imsg *, uint32_t, uint32_t);
static int	r_outputs(struct imsg *, uint32_t, uint32_t);
static int	r_missing(struct imsg *, uint32_t, uint32_t);
static int	r_gc(struct imsg *, uint32_t, uint32_t);
static int	r_gc_result(struct imsg *, uint32_t, uint32_t);
static int	r_roots(struct imsg *, uint32_t, uint32_t);
static int	r_add_sigs(struct imsg *, uint32_t, uint32_t);
static int	r_verify(struct imsg *, uint32_t, uint32_t);
static int	r_verify_result(struct imsg *, uint32_t, uint32_t);
static int	r_readlinks(struct imsg *, uint32_t, uint32_t);
static int	r_readlinks_reply(struct imsg *, uint32_t, uint32_t);
static int	r_drv(struct imsg *, uint32_t, uint32_t);
static int	r_build_outputs(struct imsg *, uint32_t, uint32_t);
static int	r_build_result(struct imsg *, uint32_t, uint32_t);

/* Every type a store peer decodes, with the decoder it is given to. */
static const struct kind kinds[] = {
	{ IMSG_STORE_QUERY_INFO,	r_path },
	{ IMSG_STORE_QUERY_REFERRERS,	r_path },
	{ IMSG_STORE_QUERY_DERIVERS,	r_path },
	{ IMSG_STORE_QUERY_OUTPUTS,	r_path },
	{ IMSG_STORE_TEMP_ROOT,		r_path },
	{ IMSG_STORE_ENSURE,		r_path },
	{ IMSG_STORE_QUERY_DRV,		r_path },
	{ IMSG_STORE_NAR_FROM_PATH,	r_path },
	{ IMSG_STORE_BUILD_LOG,		r_path },
	{ IMSG_STORE_QUERY_VALID,	r_paths },
	{ IMSG_STORE_QUERY_INTACT,	r_paths },
	{ IMSG_STORE_PATHS,		r_paths },
	{ IMSG_STORE_QUERY_CLOSURE,	r_paths },
	{ IMSG_STORE_GC,		r_gc },
	{ IMSG_STORE_QUERY_MISSING,	r_derived },
	{ IMSG_STORE_QUERY_ALL,		r_empty },
	{ IMSG_STORE_FIND_ROOTS,	r_empty },
	{ IMSG_STORE_SESSION_END,	r_empty },
	{ IMSG_STORE_OK,		r_empty },
	{ IMSG_STORE_UPLOAD_DONE,	r_empty },
	{ IMSG_STORE_ERROR,		r_text },
	{ IMSG_STORE_LOG,		r_text },
	{ IMSG_STORE_QUERY_HASHPART,	r_text },
	{ IMSG_STORE_INDIRECT_ROOT,	r_text },
	{ IMSG_STORE_ADD,		r_add },
	{ IMSG_STORE_ADD_NAR,		r_add_nar },
	{ IMSG_STORE_INFO,		r_info },
	{ IMSG_STORE_INFO_HINT,		r_info },
	{ IMSG_STORE_OUTPUTS,		r_outputs },
	{ IMSG_STORE_MISSING,		r_missing },
	{ IMSG_STORE_GC_RESULT,		r_gc_result },
	{ IMSG_STORE_ROOTS,		r_roots },
	{ IMSG_STORE_ADD_SIGS,		r_add_sigs },
	{ IMSG_STORE_VERIFY,		r_verify },
	{ IMSG_STORE_VERIFY_RESULT,	r_verify_result },
	{ IMSG_CTL_READLINKS,		r_readlinks },
	{ IMSG_CTL_READLINKS_REPLY,	r_readlinks_reply },
	{ IMSG_STORE_DRV,		r_drv },
	{ IMSG_STORE_BUILD_OUTPUTS,	r_build_outputs },
	{ IMSG_STORE_BUILD_RESULT,	r_build_result },
};

static int
dispatch_none(struct imsgev *i, struct imsg *imsg)
{
	(void)i;
	(void)imsg;
	fuzz_fail("the event loop never runs here");
}

static int
r_path(struct imsg *imsg, uint32_t type, uint32_t sid)
{
	const char	*errstr;
	char		*path;
	int		 fd = -1;

	if (msg_recv_path(imsg, SD, &path, &fd, &errstr) == -1)
		return (-1);
	if (msg_send_path(iev.iev_ibuf, type, sid, path, fd) == -1)
		fuzz_fail("msg_send_path refuses a received path");
	free(path);
	return (0);
}

static int
r_paths(struct imsg *imsg, uint32_t type, uint32_t sid)
{
	const char	 *errstr;
	char		**paths;
	size_t		  npaths;

	if (msg_recv_paths(imsg, SD, 0, &paths, &npaths, &errstr) == -1)
		return (-1);
	if (msg_send_paths(iev.iev_ibuf, type, sid, paths, npaths) == -1)
		fuzz_fail("msg_send_paths refuses received paths");
	wire_strings_free(paths, npaths);
	return (0);
}

static int
r_derived(struct imsg *imsg, uint32_t type, uint32_t sid)
{
	const char	 *errstr;
	char		**paths;
	size_t		  npaths;

	if (msg_recv_paths(imsg, SD, 1, &paths, &npaths, &errstr) == -1)
		return (-1);
	if (msg_send_paths(iev.iev_ibuf, type, sid, paths, npaths) == -1)
		fuzz_fail("msg_send_paths refuses received paths");
	wire_strings_free(paths, npaths);
	return (0);
}

static int
r_empty(struct imsg *imsg, uint32_t type, uint32_t sid)
{
	const char	*errstr;

	if (msg_recv_empty(imsg, &errstr) == -1)
		return (-1);
	msg_send_empty(iev.iev_ibuf, type, sid);
	return (0);
}

static int
r_text(struct imsg *imsg, uint32_t type, uint32_t sid)
{
	const char	*errstr;
	char		*text;
	size_t		 max;

	switch (type) {
	case IMSG_STORE_QUERY_HASHPART:
		max = STOREPATH_HASH_LEN;
		break;
	case IMSG_STORE_INDIRECT_ROOT:
		max = MSG_LINKPATH_MAX;
		break;
	default:
		max = MSG_ERROR_MAX;
		break;
	}
	if (msg_recv_text(imsg, max, &text, &errstr) == -1)
		return (-1);
	if (msg_send_text(iev.iev_ibuf, type, sid, text) == -1)
		fuzz_fail("msg_send_text refuses a received text");
	free(text);
	return (0);
}

static int
r_add(struct imsg *imsg, uint32_t type, uint32_t sid)
{
	struct msg_add	 ma;
	const char	*errstr;
	int		 fd;

	(void)type;
	if (msg_recv_add(imsg, SD, &ma, &fd, &errstr) == -1)
		return (-1);
	if (msg_send_add(iev.iev_ibuf, sid, &ma, fd) == -1)
		fuzz_fail("msg_send_add refuses a received add");
	msg_add_free(&ma);
	return (0);
}

static int
r_add_nar(struct imsg *imsg, uint32_t type, uint32_t sid)
{
	struct msg_add_nar	 man;
	const char		*errstr;
	int			 fd;

	(void)type;
	if (msg_recv_add_nar(imsg, SD, &man, &fd, &errstr) == -1)
		return (-1);
	if (msg_send_add_nar(iev.iev_ibuf, sid, &man, fd) == -1)
		fuzz_fail("msg_send_add_nar refuses a received add");
	msg_add_nar_free(&man);
	return (0);
}

static int
r_info(struct imsg *imsg, uint32_t type, uint32_t sid)
{
	struct wire_path_info	 pi;
	const char		*errstr;
	int			 found;

	if (msg_recv_info(imsg, SD, &found, &pi, &errstr) == -1)
		return (-1);
	if (type == IMSG_STORE_INFO_HINT) {
		/* A hint always carries an info; found is 1 on the wire. */
		if (!found) {
			wire_path_info_free(&pi);
			return (-1);
		}
		msg_send_info_hint(iev.iev_ibuf, &pi);
	} else
		msg_send_info(iev.iev_ibuf, sid, found, found ? &pi : NULL);
	wire_path_info_free(&pi);
	return (0);
}

static int
r_outputs(struct imsg *imsg, uint32_t type, uint32_t sid)
{
	struct msg_output	*outs;
	const char		*errstr;
	size_t			 nouts;

	(void)type;
	if (msg_recv_outputs(imsg, SD, &outs, &nouts, &errstr) == -1)
		return (-1);
	msg_send_outputs(iev.iev_ibuf, sid, outs, nouts);
	msg_outputs_free(outs, nouts);
	return (0);
}

static int
r_missing(struct imsg *imsg, uint32_t type, uint32_t sid)
{
	struct msg_missing	 mm;
	const char		*errstr;

	(void)type;
	if (msg_recv_missing(imsg, SD, &mm, &errstr) == -1)
		return (-1);
	msg_send_missing(iev.iev_ibuf, sid, &mm);
	msg_missing_free(&mm);
	return (0);
}

static int
r_gc(struct imsg *imsg, uint32_t type, uint32_t sid)
{
	struct msg_gc	 mg;
	const char	*errstr;

	(void)type;
	if (msg_recv_gc(imsg, SD, &mg, &errstr) == -1)
		return (-1);
	if (msg_send_gc(iev.iev_ibuf, sid, &mg) == -1)
		fuzz_fail("msg_send_gc refuses a received request");
	msg_gc_free(&mg);
	return (0);
}

static int
r_gc_result(struct imsg *imsg, uint32_t type, uint32_t sid)
{
	struct msg_gc_result	 mgr;
	const char		*errstr;

	(void)type;
	if (msg_recv_gc_result(imsg, SD, &mgr, &errstr) == -1)
		return (-1);
	msg_send_gc_result(iev.iev_ibuf, sid, &mgr);
	msg_gc_result_free(&mgr);
	return (0);
}

static int
r_roots(struct imsg *imsg, uint32_t type, uint32_t sid)
{
	struct msg_root	*roots;
	const char	*errstr;
	size_t		 nroots;

	(void)type;
	if (msg_recv_roots(imsg, SD, &roots, &nroots, &errstr) == -1)
		return (-1);
	msg_send_roots(iev.iev_ibuf, sid, roots, nroots);
	msg_roots_free(roots, nroots);
	return (0);
}

static int
r_add_sigs(struct imsg *imsg, uint32_t type, uint32_t sid)
{
	const char	 *errstr;
	char		 *path, **sigs;
	size_t		  nsigs;

	(void)type;
	if (msg_recv_add_sigs(imsg, SD, &path, &sigs, &nsigs, &errstr) == -1)
		return (-1);
	if (msg_send_add_sigs(iev.iev_ibuf, sid, path, sigs, nsigs) == -1)
		fuzz_fail("msg_send_add_sigs refuses received sigs");
	free(path);
	wire_strings_free(sigs, nsigs);
	return (0);
}

static int
r_verify(struct imsg *imsg, uint32_t type, uint32_t sid)
{
	const char	*errstr;
	int		 check, repair;

	(void)type;
	if (msg_recv_verify(imsg, &check, &repair, &errstr) == -1)
		return (-1);
	msg_send_verify(iev.iev_ibuf, sid, check, repair);
	return (0);
}

static int
r_verify_result(struct imsg *imsg, uint32_t type, uint32_t sid)
{
	const char	*errstr;
	char		**drvs;
	size_t		  ndrvs;
	int		  errors;

	(void)type;
	if (msg_recv_verify_result(imsg, SD, &errors, &drvs, &ndrvs,
	    &errstr) == -1)
		return (-1);
	msg_send_verify_result(iev.iev_ibuf, sid, errors, drvs, ndrvs);
	wire_strings_free(drvs, ndrvs);
	return (0);
}

static int
r_readlinks(struct imsg *imsg, uint32_t type, uint32_t sid)
{
	const char	 *errstr;
	char		**links;
	size_t		  nlinks;

	(void)type;
	(void)sid;
	if (msg_recv_readlinks(imsg, &links, &nlinks, &errstr) == -1)
		return (-1);
	if (msg_send_readlinks(iev.iev_ibuf, links, nlinks) == -1)
		fuzz_fail("msg_send_readlinks refuses received links");
	wire_strings_free(links, nlinks);
	return (0);
}

static int
r_readlinks_reply(struct imsg *imsg, uint32_t type, uint32_t sid)
{
	struct msg_readlink	*rl;
	const char		*errstr;
	size_t			 nrl;

	(void)type;
	(void)sid;
	if (msg_recv_readlinks_reply(imsg, &rl, &nrl, &errstr) == -1)
		return (-1);
	msg_send_readlinks_reply(&chan.fc_send, rl, nrl);
	msg_readlinks_free(rl, nrl);
	return (0);
}

static int
r_drv(struct imsg *imsg, uint32_t type, uint32_t sid)
{
	const char	*errstr;
	char		*text;
	size_t		 len;

	(void)type;
	if (msg_recv_drv(imsg, &text, &len, &errstr) == -1)
		return (-1);
	msg_send_drv(iev.iev_ibuf, sid, text, len);
	free(text);
	return (0);
}

static int
r_build_outputs(struct imsg *imsg, uint32_t type, uint32_t sid)
{
	struct msg_build	 mb;
	const char		*errstr;
	int			 fd;

	(void)type;
	if (msg_recv_build_outputs(imsg, SD, &mb, &fd, &errstr) == -1)
		return (-1);
	if (msg_send_build_outputs(iev.iev_ibuf, sid, &mb, fd) == -1)
		fuzz_fail("msg_send_build_outputs refuses a received build");
	msg_build_free(&mb);
	return (0);
}

static int
r_build_result(struct imsg *imsg, uint32_t type, uint32_t sid)
{
	struct msg_build_result	 mr;
	const char		*errstr;

	(void)type;
	if (msg_recv_build_result(imsg, SD, &mr, &errstr) == -1)
		return (-1);
	msg_send_build_result(iev.iev_ibuf, sid, &mr);
	msg_build_result_free(&mr);
	return (0);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	event_init();
	fuzz_chan_open(&chan, MSG_STORE_MAXSIZE - IMSG_HEADER_SIZE);
	imsgev_init(&iev, &chan.fc_send, PROC_STORE, dispatch_none);
	return (0);
}

/* Take what the encoder queued; -1 if it sent another type. */
static int
take_resent(uint32_t type, struct imsg *imsg)
{
	/* imsgev may have written it already; fatal if it never came. */
	fuzz_chan_pump(&chan);
	fuzz_chan_recv(&chan, imsg);
	if (imsg_get_type(imsg) != type) {
		/* An encoder may turn an oversized reply into an error. */
		imsg_free(imsg);
		return (-1);
	}
	return (0);
}

static void
fixed_point(const struct kind *k, uint32_t sid, struct imsg *first)
{
	struct imsg	 second;
	const void	*b1, *b2;
	size_t		 l1, l2;
	int		 fd1;

	fd1 = first->im_fd != -1;
	b1 = imsg_get_buf(first, &l1);
	if (k->k_resend(first, k->k_type, sid) == -1)
		fuzz_fail("type %u: decoder refuses its encoder's output",
		    k->k_type);
	if (take_resent(k->k_type, &second) == -1)
		fuzz_fail("type %u: re-sent as another type", k->k_type);
	b2 = imsg_get_buf(&second, &l2);
	if (l1 != l2 || (l1 > 0 && memcmp(b1, b2, l1) != 0))
		fuzz_fail("type %u: encoding is not a fixed point", k->k_type);
	if (fd1 != (second.im_fd != -1))
		fuzz_fail("type %u: descriptor lost or gained", k->k_type);
	imsg_free(&second);
}

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	const struct kind	*k = NULL;
	struct imsg		 imsg, first;
	uint32_t		 type;
	size_t			 i;
	int			 fds, fd = -1, rc;

	if (len < 5)
		return (0);
	type = buf[0] | buf[1] << 8 | buf[2] << 16 | (uint32_t)buf[3] << 24;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].k_type == type)
			k = &kinds[i];
	if (k == NULL)
		return (0);
	fds = fuzz_fd_count();
	if (buf[4] & 1)
		fd = fuzz_null_fd();
	if (fuzz_chan_send(&chan, type, 7, fd, buf + 5, len - 5) == -1)
		return (0);
	fuzz_chan_recv(&chan, &imsg);
	rc = k->k_resend(&imsg, type, 7);
	imsg_free(&imsg);
	if (rc == 0 && take_resent(type, &first) == 0) {
		fixed_point(k, 7, &first);
		imsg_free(&first);
	}
	fuzz_fd_expect("msg_store", fds);
	return (0);
}
