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
 * Payload streams between a client and storeproc.  Uploads (AddToStore,
 * AddToStoreNar, AddMultipleToStore, AddTextToStore) go through a pipe
 * whose read end went to storeproc with the request: the client's
 * frames are decoded as they arrive and their payload written to the
 * pipe.  When the pipe is full the session stops reading its client
 * until it drains, so no NAR is ever held whole here.  An
 * AddMultipleToStore payload is split: a count, then per path its info
 * and a NAR whose end nar_parse_feed_prefix() finds; each path gets
 * its own pipe and STORE_ADD_NAR, the next one only once storeproc
 * accepted the last.  After an error the rest of the frames is read
 * and dropped, so the connection stays usable (worker-protocol.md
 * 4.3).
 *
 * Downloads (NarFromPath) run the other way: storeproc writes the NAR
 * into a pipe and we copy it to the client after STDERR_LAST, reading
 * the pipe only while little output is queued.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builderproc.h"
#include "session.h"
#include "log.h"
#include "msg_store.h"
#include "nar.h"

#define UPLOAD_PIPE_SIZE	(1024 * 1024)

/* What one step of consuming the payload did. */
#define STEP_NEED	0	/* it needs more payload */
#define STEP_PROGRESS	1
#define STEP_BLOCKED	2

enum multi_state {
	UM_COUNT,		/* the number of paths */
	UM_INFO,		/* a path's info */
	UM_NAR,			/* its NAR, going to storeproc */
	UM_WAIT,		/* storeproc has yet to accept it */
	UM_TAIL			/* past the last path: dropped */
};

struct upload {
	struct session		*u_session;
	int			 u_mode;
	int			 u_flags;
	struct wire_frames	 u_frames;
	int			 u_end;		/* the terminator was read */
	int			 u_fd;		/* pipe to storeproc, or -1 */
	struct event		 u_ev;
	int			 u_evon;
	unsigned char		*u_buf;		/* payload not passed on */
	size_t			 u_off;
	size_t			 u_len;
	size_t			 u_cap;
	size_t			 u_need;	/* bytes the next item needs */
	enum multi_state	 u_state;
	uint64_t		 u_count;
	uint64_t		 u_index;
	int			 u_acked;	/* storeproc took this path */
	size_t			 u_charged;	/* of max-request-memory */
	struct nar_parser	*u_nar;
	size_t			 u_ready;	/* NAR bytes checked, unsent */
};

struct download {
	struct session		*d_session;
	int			 d_fd;
	struct event		 d_ev;
	int			 d_evon;
	int			 d_eof;
};

static const struct nar_parse_cb	upload_nar_cb;

static void	upload_writable(int, short, void *);
static void	upload_to_discard(struct upload *);
static const unsigned char	*upload_pending(const struct upload *);
static void	download_readable(int, short, void *);

/* A pipe: the read end for storeproc, our end nonblocking. */
static int
upload_pipe(int fds[2], int ours)
{
	if (pipe2(fds, O_CLOEXEC) == -1) {
		log_warn("pipe2");
		return (-1);
	}
	if (fcntl(fds[ours], F_SETFL, O_NONBLOCK) == -1) {
		log_warn("fcntl");
		close(fds[0]);
		close(fds[1]);
		return (-1);
	}
	/* Fewer wakeups for big NARs; the default size works too. */
	(void)fcntl(fds[ours], F_SETPIPE_SZ, UPLOAD_PIPE_SIZE);
	return (0);
}

/* Begin a framed upload; *fd gets the read end for the request. */
int
upload_start(struct session *s, int mode, int flags, int *fd)
{
	struct upload	*up;
	int		 fds[2];

	*fd = -1;
	if ((up = calloc(1, sizeof(*up))) == NULL)
		fatal("calloc");
	up->u_session = s;
	up->u_mode = mode;
	up->u_flags = flags;
	up->u_fd = -1;
	up->u_state = UM_COUNT;
	wire_frames_init(&up->u_frames, WIRE_FRAME_MAX);
	event_set(&up->u_ev, -1, 0, NULL, NULL);
	s->s_up = up;
	if (mode != UPLOAD_MODE_SINGLE)
		return (0);
	if (upload_pipe(fds, 1) == -1) {
		up->u_mode = UPLOAD_MODE_DISCARD;
		return (-1);
	}
	up->u_fd = fds[1];
	*fd = fds[0];
	return (0);
}

/*
 * AddTextToStore: the text is the whole payload, no frames.  It is
 * copied out of the request buffer, which then shrinks back to one
 * read (session_mem_trim): the copy holds the request's share of
 * max-request-memory until the upload ends.
 */
int
upload_text(struct session *s, const unsigned char *text, size_t len,
    int *fd)
{
	struct upload	*up;

	if (upload_start(s, UPLOAD_MODE_SINGLE, 0, fd) == -1) {
		upload_free(s);
		return (-1);
	}
	up = s->s_up;
	up->u_end = 1;
	if (len > 0) {
		if ((up->u_buf = malloc(len)) == NULL)
			fatal("malloc");
		memcpy(up->u_buf, text, len);
		up->u_len = up->u_cap = len;
		session_mem_take(len);
		up->u_charged = len;
	}
	return (0);
}

void
upload_free(struct session *s)
{
	struct upload	*up = s->s_up;

	if (up == NULL)
		return;
	if (up->u_evon)
		event_del(&up->u_ev);
	if (up->u_fd != -1)
		close(up->u_fd);
	nar_parse_free(up->u_nar);
	free(up->u_buf);
	session_mem_give(up->u_charged);
	free(up);
	s->s_up = NULL;
}

/*
 * Close the pipe and tell storeproc whether the payload is whole: end
 * of file alone does not say (a vanished client closes it too).
 */
static void
upload_close_pipe(struct upload *up, int complete)
{
	if (up->u_evon) {
		event_del(&up->u_ev);
		up->u_evon = 0;
	}
	if (up->u_fd != -1) {
		close(up->u_fd);
		up->u_fd = -1;
		msg_send_empty(builder_store(),
		    complete ? IMSG_STORE_UPLOAD_DONE :
		    IMSG_STORE_UPLOAD_ABORT, up->u_session->s_id);
	}
}

/* Drop whatever is left of the payload: the op has failed. */
static void
upload_to_discard(struct upload *up)
{
	upload_close_pipe(up, 0);
	nar_parse_free(up->u_nar);
	up->u_nar = NULL;
	up->u_mode = UPLOAD_MODE_DISCARD;
	up->u_off = up->u_len = 0;
	up->u_ready = 0;
}

/* storeproc answered the request this upload feeds. */
void
upload_store_done(struct session *s, int ok)
{
	struct upload	*up = s->s_up;

	if (up == NULL)
		return;
	if (!ok) {
		upload_to_discard(up);
		return;
	}
	up->u_acked = 1;
	if (up->u_mode == UPLOAD_MODE_MULTI && up->u_state == UM_WAIT) {
		up->u_acked = 0;
		up->u_state = ++up->u_index < up->u_count ? UM_INFO : UM_TAIL;
	}
}

static void
upload_writable(int fd, short events, void *arg)
{
	struct upload	*up = arg;

	(void)fd;
	(void)events;
	up->u_evon = 0;
	session_process(up->u_session);
}

/*
 * Write to the pipe: bytes written, 0 when it is full (we are called
 * again once it has room), -1 when storeproc stopped reading: it
 * failed the add and will say why.
 */
static ssize_t
upload_write(struct upload *up, const void *p, size_t len)
{
	ssize_t	n;

	if ((n = write(up->u_fd, p, len)) > 0)
		return (n);
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		event_set(&up->u_ev, up->u_fd, EV_WRITE, upload_writable, up);
		event_add(&up->u_ev, NULL);
		up->u_evon = 1;
		return (0);
	}
	if (n == -1 && errno != EPIPE)
		log_warn("session %u: write to store pipe",
		    up->u_session->s_id);
	return (-1);
}

static void
upload_eat(struct upload *up, size_t n)
{
	up->u_off += n;
	if (up->u_off == up->u_len)
		up->u_off = up->u_len = 0;
}

/*
 * The payload not passed on yet.  Nothing may have come yet, and the
 * buffer is then NULL: NULL + 0 is undefined, so an empty string.
 */
static const unsigned char *
upload_pending(const struct upload *up)
{
	if (up->u_buf == NULL)
		return ((const unsigned char *)"");
	return (up->u_buf + up->u_off);
}

/* Keep a chunk of payload; compact first so the buffer stays small. */
static void
upload_append(struct upload *up, const void *data, size_t len)
{
	unsigned char	*p;
	size_t		 cap;

	if (len == 0)
		return;
	if (up->u_off > 0) {
		memmove(up->u_buf, up->u_buf + up->u_off,
		    up->u_len - up->u_off);
		up->u_len -= up->u_off;
		up->u_off = 0;
	}
	if (len > up->u_cap - up->u_len) {
		cap = up->u_cap < SESSION_READ_CHUNK ? SESSION_READ_CHUNK :
		    up->u_cap;
		while (cap - up->u_len < len)
			cap *= 2;
		if ((p = realloc(up->u_buf, cap)) == NULL)
			fatal("realloc");
		up->u_buf = p;
		up->u_cap = cap;
	}
	memcpy(up->u_buf + up->u_len, data, len);
	up->u_len += len;
}

/* Decode client bytes into payload: 1 if something moved, 0, -1. */
static int
upload_deframe(struct session *s, struct upload *up)
{
	const void	*data;
	size_t		 avail, used, len;
	int		 rc;

	if ((avail = s->s_inlen - s->s_inoff) == 0)
		return (0);
	if (avail > SESSION_READ_CHUNK)
		avail = SESSION_READ_CHUNK;
	rc = wire_frames_push(&up->u_frames, s->s_in + s->s_inoff, avail,
	    &used, &data, &len);
	s->s_inoff += used;
	if (s->s_inoff == s->s_inlen)
		s->s_inoff = s->s_inlen = 0;
	switch (rc) {
	case WIRE_FRAMES_ERROR:
		return (-1);
	case WIRE_FRAMES_END:
		up->u_end = 1;
		break;
	case WIRE_FRAMES_DATA:
		if (up->u_mode != UPLOAD_MODE_DISCARD)
			upload_append(up, data, len);
		break;
	}
	return (1);
}

static int
upload_fail(struct upload *up, const char *what, const char *why)
{
	ops_error(up->u_session, "%s: %s", what, why);
	upload_to_discard(up);
	return (STEP_PROGRESS);
}

/* One path's info, then its request with a new pipe. */
static int
upload_multi_info(struct session *s, struct upload *up)
{
	struct msg_add_nar	 man;
	struct wire_in		 in;
	const char		*why;
	int			 rc, fds[2];

	if (up->u_len - up->u_off < up->u_need)
		return (STEP_NEED);
	memset(&man, 0, sizeof(man));
	wire_in_init(&in, upload_pending(up), up->u_len - up->u_off);
	if ((rc = wire_get_path_info(&in, builder_storedir(), &man.man_info,
	    1)) == 0) {
		up->u_need = in.wi_need;
		if (up->u_need > SESSION_INBUF_MAX)
			return (upload_fail(up, "AddMultipleToStore",
			    "path info too large"));
		return (STEP_NEED);
	}
	if (rc == -1)
		return (upload_fail(up, "bad path info in AddMultipleToStore",
		    in.wi_errstr));
	upload_eat(up, in.wi_off);
	up->u_need = 0;
	man.man_repair = (up->u_flags & UPLOAD_REPAIR) != 0;
	man.man_dont_check_sigs = (up->u_flags & UPLOAD_DONT_CHECK_SIGS) != 0;
	if ((why = ops_add_nar_check(s, &man)) != NULL) {
		wire_path_info_free(&man.man_info);
		return (upload_fail(up, "AddMultipleToStore", why));
	}
	if (upload_pipe(fds, 1) == -1) {
		wire_path_info_free(&man.man_info);
		return (upload_fail(up, "AddMultipleToStore",
		    "cannot create a pipe to the store"));
	}
	rc = msg_send_add_nar(builder_store(), s->s_id, &man, fds[0]);
	wire_path_info_free(&man.man_info);
	if (rc == -1) {
		close(fds[1]);
		return (upload_fail(up, "AddMultipleToStore",
		    "request too large"));
	}
	if ((up->u_nar = nar_parse_new(&upload_nar_cb, NULL)) == NULL)
		fatal("nar_parse_new");
	up->u_fd = fds[1];
	up->u_acked = 0;
	up->u_state = UM_NAR;
	s->s_wait = 1;
	return (STEP_PROGRESS);
}

/* Pass the NAR on as far as the parser vouches for its bytes. */
static int
upload_multi_nar(struct upload *up)
{
	const char	*errstr;
	ssize_t		 n;
	size_t		 avail, used;

	if (up->u_ready > 0) {
		if ((n = upload_write(up, upload_pending(up),
		    up->u_ready)) == 0)
			return (STEP_BLOCKED);
		if (n == -1) {
			upload_to_discard(up);
			return (STEP_PROGRESS);
		}
		up->u_ready -= n;
		upload_eat(up, n);
		return (STEP_PROGRESS);
	}
	if (nar_parse_done(up->u_nar)) {
		/* The NAR is all there. */
		upload_close_pipe(up, 1);
		nar_parse_free(up->u_nar);
		up->u_nar = NULL;
		up->u_state = UM_WAIT;
		if (up->u_acked)
			upload_store_done(up->u_session, 1);
		return (STEP_PROGRESS);
	}
	if ((avail = up->u_len - up->u_off) == 0)
		return (STEP_NEED);
	if (avail > SESSION_READ_CHUNK)
		avail = SESSION_READ_CHUNK;
	if (nar_parse_feed_prefix(up->u_nar, upload_pending(up), avail,
	    &used, &errstr) == -1)
		return (upload_fail(up, "bad NAR in AddMultipleToStore",
		    errstr));
	up->u_ready = used;
	return (STEP_PROGRESS);
}

static int
upload_multi_step(struct session *s, struct upload *up)
{
	struct wire_in	in;

	switch (up->u_state) {
	case UM_COUNT:
		wire_in_init(&in, upload_pending(up),
		    up->u_len - up->u_off);
		if (wire_get_u64(&in, &up->u_count) != 1)
			return (STEP_NEED);
		upload_eat(up, in.wi_off);
		up->u_state = up->u_count > 0 ? UM_INFO : UM_TAIL;
		return (STEP_PROGRESS);
	case UM_INFO:
		return (upload_multi_info(s, up));
	case UM_NAR:
		return (upload_multi_nar(up));
	case UM_WAIT:
		return (STEP_BLOCKED);
	case UM_TAIL:
		/* Nix reads no further than the last path either. */
		up->u_off = up->u_len = 0;
		return (STEP_NEED);
	}
	return (STEP_NEED);
}

static int
upload_step(struct session *s, struct upload *up)
{
	ssize_t	n;

	switch (up->u_mode) {
	case UPLOAD_MODE_MULTI:
		return (upload_multi_step(s, up));
	case UPLOAD_MODE_SINGLE:
		if (up->u_off == up->u_len)
			return (STEP_NEED);
		if ((n = upload_write(up, upload_pending(up),
		    up->u_len - up->u_off)) == 0)
			return (STEP_BLOCKED);
		if (n == -1)
			upload_to_discard(up);
		else
			upload_eat(up, n);
		return (STEP_PROGRESS);
	default:
		up->u_off = up->u_len = 0;
		return (STEP_NEED);
	}
}

/* The terminator was read and the payload passed on. */
static void
upload_end(struct upload *up)
{
	if (up->u_mode == UPLOAD_MODE_MULTI && up->u_state != UM_TAIL)
		ops_error(up->u_session, "AddMultipleToStore: the stream "
		    "ends before its last path");
	/* A path whose NAR was cut short is not whole. */
	upload_close_pipe(up, up->u_mode != UPLOAD_MODE_MULTI ||
	    up->u_state == UM_TAIL);
}

/* Move the upload along as far as input, pipe and storeproc allow. */
int
upload_run(struct session *s)
{
	struct upload	*up = s->s_up;
	int		 rc;

	for (;;) {
		if ((rc = upload_step(s, up)) == STEP_BLOCKED)
			return (UPLOAD_BLOCKED);
		if (rc == STEP_PROGRESS)
			continue;
		if (up->u_end) {
			upload_end(up);
			upload_free(s);
			return (UPLOAD_DONE);
		}
		if ((rc = upload_deframe(s, up)) == -1) {
			ops_error(s, "%s", up->u_frames.wf_errstr);
			s->s_error_close = 1;
			return (UPLOAD_LOST);
		}
		if (rc == 0)
			return (UPLOAD_INPUT);
	}
}

/* NarFromPath: *fd gets the write end for storeproc. */
int
download_start(struct session *s, int *fd)
{
	struct download	*d;
	int		 fds[2];

	*fd = -1;
	if (upload_pipe(fds, 0) == -1)
		return (-1);
	if ((d = calloc(1, sizeof(*d))) == NULL)
		fatal("calloc");
	d->d_session = s;
	d->d_fd = fds[0];
	event_set(&d->d_ev, d->d_fd, EV_READ | EV_PERSIST, download_readable,
	    d);
	s->s_down = d;
	*fd = fds[1];
	return (0);
}

void
download_free(struct session *s)
{
	struct download	*d = s->s_down;

	if (d == NULL)
		return;
	if (d->d_evon)
		event_del(&d->d_ev);
	if (d->d_fd != -1)
		close(d->d_fd);
	free(d);
	s->s_down = NULL;
}

/* 1 once the whole NAR was read; else read only while output is low. */
int
download_run(struct session *s)
{
	struct download	*d = s->s_down;
	int		 want;

	if (d->d_eof)
		return (1);
	want = s->s_out.wo_len < SESSION_OUT_HIGH;
	if (want && !d->d_evon)
		event_add(&d->d_ev, NULL);
	else if (!want && d->d_evon)
		event_del(&d->d_ev);
	d->d_evon = want;
	return (0);
}

static void
download_readable(int fd, short events, void *arg)
{
	struct download	*d = arg;
	struct session	*s = d->d_session;
	unsigned char	 buf[SESSION_READ_CHUNK];
	ssize_t		 n;

	(void)events;
	if ((n = read(fd, buf, sizeof(buf))) == -1 &&
	    (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (n == -1)
			ops_error(s, "reading the NAR from the store: %s",
			    strerror(errno));
		event_del(&d->d_ev);
		d->d_evon = 0;
		close(d->d_fd);
		d->d_fd = -1;
		d->d_eof = 1;
	} else if (s->s_error == NULL) {
		/* The NAR follows STDERR_LAST, raw, not framed. */
		if ((s->s_flag & OPF_LAST_SENT) == 0) {
			wire_put_stderr_last(&s->s_out);
			s->s_flag |= OPF_LAST_SENT;
		}
		ops_out_raw(&s->s_out, buf, n);
	}
	session_process(s);
}
