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

struct kind;

/* Decode imsg; if accepted, send it again on iev and return 0. */
typedef int	 resend_fn(struct imsg *, const struct kind *, uint32_t);

/*
 * A type a store peer decodes, the receiver it is given to and, where
 * one receiver serves several types, what tells them apart: the
 * length limit of a text, or whether paths may be derived outputs.
 */
struct kind {
	uint32_t	 k_type;
	resend_fn	*k_resend;
	size_t		 k_arg;
};

/*
 * Most messages decode into one struct, perhaps with a descriptor, or
 * into an array and its count, and are sent again from that: such a
 * receiver is made from its pair's functions by one of these, so that
 * a message of these shapes is one line below and one row in kinds[].
 * What the sender makes of it, take_resent() judges.
 */
#define RESEND_STRUCT(fn, stype, recv, send, sfree)			\
static int								\
fn(struct imsg *imsg, const struct kind *k, uint32_t sid)		\
{									\
	stype		 v;						\
	const char	*errstr;					\
									\
	(void)k;							\
	if (recv(imsg, SD, &v, &errstr) == -1)				\
		return (-1);						\
	(void)send(iev.iev_ibuf, sid, &v);				\
	sfree(&v);							\
	return (0);							\
}

#define RESEND_STRUCT_FD(fn, stype, recv, send, sfree)			\
static int								\
fn(struct imsg *imsg, const struct kind *k, uint32_t sid)		\
{									\
	stype		 v;						\
	const char	*errstr;					\
	int		 fd;						\
									\
	(void)k;							\
	if (recv(imsg, SD, &v, &fd, &errstr) == -1)			\
		return (-1);						\
	(void)send(iev.iev_ibuf, sid, &v, fd);				\
	sfree(&v);							\
	return (0);							\
}

#define RESEND_ARRAY(fn, etype, recv, send, sfree)			\
static int								\
fn(struct imsg *imsg, const struct kind *k, uint32_t sid)		\
{									\
	etype		*v;						\
	const char	*errstr;					\
	size_t		 n;						\
									\
	(void)k;							\
	if (recv(imsg, SD, &v, &n, &errstr) == -1)			\
		return (-1);						\
	(void)send(iev.iev_ibuf, sid, v, n);				\
	sfree(v, n);							\
	return (0);							\
}

static struct fuzz_chan	 chan;
static struct imsgev	 iev;

static int	dispatch_none(struct imsgev *, struct imsg *);
static resend_fn	r_path, r_paths, r_empty, r_text, r_info, r_add_sigs,
		r_verify, r_verify_result, r_readlinks, r_readlinks_reply,
		r_drv;

RESEND_STRUCT_FD(r_add, struct msg_add, msg_recv_add, msg_send_add,
    msg_add_free)
RESEND_STRUCT_FD(r_add_nar, struct msg_add_nar, msg_recv_add_nar,
    msg_send_add_nar, msg_add_nar_free)
RESEND_STRUCT_FD(r_build_outputs, struct msg_build, msg_recv_build_outputs,
    msg_send_build_outputs, msg_build_free)
RESEND_STRUCT(r_gc, struct msg_gc, msg_recv_gc, msg_send_gc, msg_gc_free)
RESEND_STRUCT(r_gc_result, struct msg_gc_result, msg_recv_gc_result,
    msg_send_gc_result, msg_gc_result_free)
RESEND_STRUCT(r_missing, struct msg_missing, msg_recv_missing,
    msg_send_missing, msg_missing_free)
RESEND_STRUCT(r_build_result, struct msg_build_result,
    msg_recv_build_result, msg_send_build_result, msg_build_result_free)
RESEND_ARRAY(r_outputs, struct msg_output, msg_recv_outputs,
    msg_send_outputs, msg_outputs_free)
RESEND_ARRAY(r_roots, struct msg_root, msg_recv_roots, msg_send_roots,
    msg_roots_free)

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
	{ IMSG_STORE_QUERY_MISSING,	r_paths,	1 /* derived */ },
	{ IMSG_STORE_QUERY_ALL,		r_empty },
	{ IMSG_STORE_FIND_ROOTS,	r_empty },
	{ IMSG_STORE_SESSION_END,	r_empty },
	{ IMSG_STORE_OK,		r_empty },
	{ IMSG_STORE_UPLOAD_DONE,	r_empty },
	{ IMSG_STORE_ERROR,		r_text,		MSG_ERROR_MAX },
	{ IMSG_STORE_LOG,		r_text,		MSG_ERROR_MAX },
	{ IMSG_STORE_QUERY_HASHPART,	r_text,		STOREPATH_HASH_LEN },
	{ IMSG_STORE_INDIRECT_ROOT,	r_text,		MSG_LINKPATH_MAX },
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
r_path(struct imsg *imsg, const struct kind *k, uint32_t sid)
{
	const char	*errstr;
	char		*path;
	int		 fd = -1;

	if (msg_recv_path(imsg, SD, &path, &fd, &errstr) == -1)
		return (-1);
	(void)msg_send_path(iev.iev_ibuf, k->k_type, sid, path, fd);
	free(path);
	return (0);
}

static int
r_paths(struct imsg *imsg, const struct kind *k, uint32_t sid)
{
	const char	 *errstr;
	char		**paths;
	size_t		  npaths;

	if (msg_recv_paths(imsg, SD, k->k_arg != 0, &paths, &npaths,
	    &errstr) == -1)
		return (-1);
	(void)msg_send_paths(iev.iev_ibuf, k->k_type, sid, paths, npaths);
	wire_strings_free(paths, npaths);
	return (0);
}

static int
r_empty(struct imsg *imsg, const struct kind *k, uint32_t sid)
{
	const char	*errstr;

	if (msg_recv_empty(imsg, &errstr) == -1)
		return (-1);
	msg_send_empty(iev.iev_ibuf, k->k_type, sid);
	return (0);
}

static int
r_text(struct imsg *imsg, const struct kind *k, uint32_t sid)
{
	const char	*errstr;
	char		*text;

	if (msg_recv_text(imsg, k->k_arg, &text, &errstr) == -1)
		return (-1);
	(void)msg_send_text(iev.iev_ibuf, k->k_type, sid, text);
	free(text);
	return (0);
}

static int
r_info(struct imsg *imsg, const struct kind *k, uint32_t sid)
{
	struct wire_path_info	 pi;
	const char		*errstr;
	int			 found;

	if (msg_recv_info(imsg, SD, &found, &pi, &errstr) == -1)
		return (-1);
	if (k->k_type == IMSG_STORE_INFO_HINT) {
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
r_add_sigs(struct imsg *imsg, const struct kind *k, uint32_t sid)
{
	const char	 *errstr;
	char		 *path, **sigs;
	size_t		  nsigs;

	(void)k;
	if (msg_recv_add_sigs(imsg, SD, &path, &sigs, &nsigs, &errstr) == -1)
		return (-1);
	(void)msg_send_add_sigs(iev.iev_ibuf, sid, path, sigs, nsigs);
	free(path);
	wire_strings_free(sigs, nsigs);
	return (0);
}

static int
r_verify(struct imsg *imsg, const struct kind *k, uint32_t sid)
{
	const char	*errstr;
	int		 check, repair;

	(void)k;
	if (msg_recv_verify(imsg, &check, &repair, &errstr) == -1)
		return (-1);
	msg_send_verify(iev.iev_ibuf, sid, check, repair);
	return (0);
}

static int
r_verify_result(struct imsg *imsg, const struct kind *k, uint32_t sid)
{
	const char	*errstr;
	char		**drvs;
	size_t		  ndrvs;
	int		  errors;

	(void)k;
	if (msg_recv_verify_result(imsg, SD, &errors, &drvs, &ndrvs,
	    &errstr) == -1)
		return (-1);
	msg_send_verify_result(iev.iev_ibuf, sid, errors, drvs, ndrvs);
	wire_strings_free(drvs, ndrvs);
	return (0);
}

static int
r_readlinks(struct imsg *imsg, const struct kind *k, uint32_t sid)
{
	const char	 *errstr;
	char		**links;
	size_t		  nlinks;

	(void)k;
	(void)sid;
	if (msg_recv_readlinks(imsg, &links, &nlinks, &errstr) == -1)
		return (-1);
	(void)msg_send_readlinks(iev.iev_ibuf, links, nlinks);
	wire_strings_free(links, nlinks);
	return (0);
}

static int
r_readlinks_reply(struct imsg *imsg, const struct kind *k, uint32_t sid)
{
	struct msg_readlink	*rl;
	const char		*errstr;
	size_t			 nrl;

	(void)k;
	(void)sid;
	if (msg_recv_readlinks_reply(imsg, &rl, &nrl, &errstr) == -1)
		return (-1);
	msg_send_readlinks_reply(&chan.fc_send, rl, nrl);
	msg_readlinks_free(rl, nrl);
	return (0);
}

static int
r_drv(struct imsg *imsg, const struct kind *k, uint32_t sid)
{
	const char	*errstr;
	char		*text;
	size_t		 len;

	(void)k;
	if (msg_recv_drv(imsg, &text, &len, &errstr) == -1)
		return (-1);
	msg_send_drv(iev.iev_ibuf, sid, text, len);
	free(text);
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

/*
 * Take what the encoder queued; -1 if it sent another type (a reply's
 * encoder turns what it cannot encode into STORE_ERROR).  A request's
 * encoder returns -1 and sends nothing instead: for what its decoder
 * accepted, a failure.
 */
static int
take_resent(const struct kind *k, struct imsg *imsg)
{
	/* imsgev may have written it already. */
	fuzz_chan_pump(&chan);
	if (fuzz_chan_next(&chan, imsg) == 0)
		fuzz_fail("%s: the encoder refuses what the decoder accepted",
		    imsg_type_name(k->k_type));
	if (imsg_get_type(imsg) != k->k_type) {
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
	if (k->k_resend(first, k, sid) == -1)
		fuzz_fail("type %u: decoder refuses its encoder's output",
		    k->k_type);
	if (take_resent(k, &second) == -1)
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
	rc = k->k_resend(&imsg, k, 7);
	imsg_free(&imsg);
	if (rc == 0 && take_resent(k, &first) == 0) {
		fixed_point(k, 7, &first);
		imsg_free(&first);
	}
	fuzz_fd_expect("msg_store", fds);
	return (0);
}
