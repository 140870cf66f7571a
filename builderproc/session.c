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
 * Worker-protocol sessions on the daemon socket.  Each client gets a
 * session: its peer credentials go to the parent for a verdict, then
 * the handshake, then one operation after another (session_ops.c).
 * Bytes are buffered until a whole request has arrived (the wire_get_*
 * functions say 0 until then and consume nothing, and wi_need says how
 * much to wait for), so a slow or hostile client costs memory bounded
 * by SESSION_INBUF_MAX and never blocks anyone else.  While an
 * operation waits for storeproc the session parses nothing more; other
 * sessions go on.  Anything wrong with a client closes that client
 * only.
 *
 * What all clients together may hold is bounded too: connections per
 * user (and per recursive build), a handshake and an idle timeout,
 * descriptors kept free for the daemon's own channels, and one memory
 * budget for incomplete requests (max-request-memory), beyond a first
 * read buffer every connection has: a request that would go over it
 * waits, unread, in session_memq until memory is given back.
 *
 * Output is bounded the same way.  A session with SESSION_OUT_HIGH
 * bytes unsent produces no more (no next request, no NAR read, its
 * build's log paused) until its client reads; what its output buffers
 * hold past SESSION_OUT_FREE counts against the same budget, and a
 * reply made in one piece that does not fit is refused with an error,
 * never waited for: a client that does not read would hold it.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "builderproc.h"
#include "session.h"
#include "recursive.h"
#include "log.h"
#include "msg_ctl.h"
#include "msg_store.h"

/* The connections one uid holds on the daemon socket. */
struct session_user {
	RB_ENTRY(session_user)	 su_entry;
	uid_t			 su_uid;
	unsigned int		 su_nconns;
};
RB_HEAD(session_users, session_user);

static struct session_tree	sessions = RB_INITIALIZER(&sessions);
static struct session_users	session_users = RB_INITIALIZER(&session_users);
static TAILQ_HEAD(, session)	session_memq =
				    TAILQ_HEAD_INITIALIZER(session_memq);
static size_t			session_mem_used;	/* s_incap, uploads */
static size_t			session_out_used;	/* sum of s_outheld */
static unsigned int		nsessions;
static uint32_t			session_next_id = 1;
static struct event		ev_accept;
static struct event		ev_accept_pause;
static struct event		ev_sweep;
static struct log_limit		session_ll_fds;
static struct log_limit		session_ll_user;
static struct log_limit		session_ll_mem;

static void	session_accept(int, short, void *);
static void	session_accept_pause_end(int, short, void *);
static void	session_sweep(int, short, void *);
static int	session_expired(const struct session *, time_t);
static struct session_user *session_user_add(uid_t);
static void	session_user_del(struct session_user *);
static void	session_read(int, short, void *);
static void	session_write(int, short, void *);
static void	session_hup(int, short, void *);
static int	session_flush(struct session *);
static void	session_fail(struct session *, const char *);
static void	session_update_read(struct session *, int);
static void	session_in(struct session *, struct wire_in *);
static void	session_run(struct session *);
static void	session_mem_release(struct session *);
static void	session_mem_wake(void);
static int	session_want_read(const struct session *);

int	session_user_cmp(struct session_user *, struct session_user *);
RB_PROTOTYPE(session_users, session_user, su_entry, session_user_cmp)
RB_GENERATE(session_users, session_user, su_entry, session_user_cmp)

RB_GENERATE(session_tree, session, s_entry, session_cmp)

int
session_user_cmp(struct session_user *a, struct session_user *b)
{
	return (a->su_uid < b->su_uid ? -1 : a->su_uid > b->su_uid);
}

/* Timeouts count in whole seconds of a clock nobody can set. */
time_t
session_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec);
}

/*
 * Whatever a client can make happen again and again is logged through
 * this: one line per interval, then the count of those not logged.
 */
void
log_limit_warnx(struct log_limit *ll, const char *fmt, ...)
{
	va_list	ap;
	char	msg[256];
	time_t	now = session_now();

	if (now < ll->ll_next) {
		ll->ll_dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ll->ll_dropped > 0)
		log_warnx("%s (and %lu more like it)", msg, ll->ll_dropped);
	else
		log_warnx("%s", msg);
	ll->ll_dropped = 0;
	ll->ll_next = now + LOG_LIMIT_INTERVAL;
}

/*
 * Whether a connection that got descriptor fd leaves the reserve free.
 * Linux hands out the lowest free number, so every one below fd is in
 * use and at most the ones above it are free.
 */
int
session_fd_room(int fd)
{
	int	reserve;

	/* Not known (main() did not run: a test harness): keep none. */
	if (builder_env.be_fd_limit <= 0)
		return (1);
	reserve = builder_env.be_fd_limit / 8;
	if (reserve < SESSION_FD_RESERVE)
		reserve = SESSION_FD_RESERVE;
	return (fd < builder_env.be_fd_limit - reserve);
}

int
session_cmp(struct session *a, struct session *b)
{
	return (a->s_id < b->s_id ? -1 : a->s_id > b->s_id);
}

unsigned int
session_count(void)
{
	return (nsessions);
}

struct session *
session_find(uint32_t id)
{
	struct session	key;

	key.s_id = id;
	return (RB_FIND(session_tree, &sessions, &key));
}

int
session_trusted(const struct session *s)
{
	return ((s->s_cred & CRED_TRUSTED) != 0);
}

void
session_listen(int fd)
{
	struct timeval	tv = { 1, 0 };

	event_set(&ev_accept, fd, EV_READ | EV_PERSIST, session_accept, NULL);
	event_add(&ev_accept, NULL);
	evtimer_set(&ev_accept_pause, session_accept_pause_end, NULL);
	event_set(&ev_sweep, -1, EV_PERSIST, session_sweep, NULL);
	evtimer_add(&ev_sweep, &tv);
}

static void
session_accept_pause_end(int fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	event_add(&ev_accept, NULL);
}

/* Out of descriptors: stop accepting for a while instead of spinning. */
void
session_accept_pause(int msec)
{
	struct timeval	tv = { msec / 1000, (msec % 1000) * 1000 };

	event_del(&ev_accept);
	evtimer_add(&ev_accept_pause, &tv);
}

/* Whether s is past its handshake or idle timeout. */
static int
session_expired(const struct session *s, time_t now)
{
	time_t	hs = builder_env.be_conf->conf_handshake_timeout;
	time_t	idle = builder_env.be_conf->conf_idle_timeout;

	/* Whole seconds: a connection gets at least the time it is due. */
	switch (s->s_state) {
	case SESSION_CRED:
	case SESSION_HELLO:
		if (now - s->s_start <= hs)
			return (0);
		log_debug("session %u: no handshake in %llds, closing",
		    s->s_id, (long long)hs);
		return (1);
	case SESSION_CLOSING:
		/* Its last words wait for a client that reads none. */
		return (now - s->s_active > hs);
	default:
		/* An operation whose output waits for its client is idle. */
		if (idle == 0 || (s->s_op != NULL && s->s_out.wo_len == 0) ||
		    now - s->s_active <= idle)
			return (0);
		log_debug("session %u: idle %llds, closing", s->s_id,
		    (long long)idle);
		return (1);
	}
}

/*
 * Once a second: close the connections that have not finished the
 * handshake in time, and those idle too long.  A connection with an
 * operation running (a build, however long) is never idle.  Closing
 * one may end a build and close others (its recursive connections),
 * so the walk goes on from the next id, looked up anew.
 */
static void
session_sweep(int fd, short events, void *arg)
{
	struct session	*s, key;
	time_t		 now = session_now();

	(void)fd;
	(void)events;
	(void)arg;
	s = RB_MIN(session_tree, &sessions);
	while (s != NULL) {
		key.s_id = s->s_id;
		if (session_expired(s, now))
			session_close(s);
		if (key.s_id == UINT32_MAX)
			break;
		key.s_id++;
		s = RB_NFIND(session_tree, &sessions, &key);
	}
}

/* Count a connection of uid; NULL if it has too many. */
static struct session_user *
session_user_add(uid_t uid)
{
	struct session_user	*su, key;

	key.su_uid = uid;
	if ((su = RB_FIND(session_users, &session_users, &key)) == NULL) {
		if ((su = calloc(1, sizeof(*su))) == NULL) {
			log_warn("calloc");
			return (NULL);
		}
		su->su_uid = uid;
		RB_INSERT(session_users, &session_users, su);
	}
	if (su->su_nconns >= builder_env.be_conf->conf_max_conn_user) {
		log_limit_warnx(&session_ll_user, "uid %u: more than %u "
		    "connections (max-connections-per-user), closing",
		    (unsigned int)uid, builder_env.be_conf->conf_max_conn_user);
		return (NULL);
	}
	su->su_nconns++;
	return (su);
}

static void
session_user_del(struct session_user *su)
{
	if (su == NULL)
		return;
	if (--su->su_nconns == 0) {
		RB_REMOVE(session_users, &session_users, su);
		free(su);
	}
}

static void
session_new(int fd)
{
	struct session		*s;
	struct session_user	*su;
	struct ucred		 cred;
	socklen_t		 len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warn("SO_PEERCRED");
		close(fd);
		return;
	}
	if ((su = session_user_add(cred.uid)) == NULL) {
		close(fd);
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_warn("calloc");
		session_user_del(su);
		close(fd);
		return;
	}
	s->s_fd = fd;
	s->s_suser = su;
	s->s_start = s->s_active = session_now();
	s->s_id = session_next_id++;
	s->s_uid = cred.uid;
	s->s_gid = cred.gid;
	s->s_pid = cred.pid;
	s->s_state = SESSION_CRED;
	wire_out_init(&s->s_out, SESSION_OUTBUF_MAX);
	wire_out_init(&s->s_reply, SESSION_OUTBUF_MAX);
	RB_INSERT(session_tree, &sessions, s);
	nsessions++;
	event_set(&s->s_ev_read, fd, EV_READ | EV_PERSIST, session_read, s);
	event_set(&s->s_ev_write, fd, EV_WRITE, session_write, s);
	event_set(&s->s_ev_hup, fd, EV_CLOSED | EV_PERSIST, session_hup, s);
	session_update_read(s, 1);

	msg_send_cred_req(builder_env.be_parent.iev_ibuf, s->s_id, cred.uid,
	    cred.gid);
	log_debug("session %u: uid %u pid %d connected", s->s_id, cred.uid,
	    cred.pid);
}

/*
 * A connection on a recursive build's socket: only that build's
 * sandbox reaches it, so no credentials to ask the parent about; it is
 * never trusted, and recursive.c restricts what it may do.
 */
void
session_new_recursive(int fd, struct rec_build *rb)
{
	struct session	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_warn("calloc");
		close(fd);
		return;
	}
	s->s_fd = fd;
	s->s_start = s->s_active = session_now();
	s->s_id = session_next_id++;
	s->s_cred = CRED_ALLOWED;
	strlcpy(s->s_user, "(recursive)", sizeof(s->s_user));
	s->s_state = SESSION_HELLO;
	wire_out_init(&s->s_out, SESSION_OUTBUF_MAX);
	wire_out_init(&s->s_reply, SESSION_OUTBUF_MAX);
	RB_INSERT(session_tree, &sessions, s);
	nsessions++;
	rec_session_attach(s, rb);
	event_set(&s->s_ev_read, fd, EV_READ | EV_PERSIST, session_read, s);
	event_set(&s->s_ev_write, fd, EV_WRITE, session_write, s);
	event_set(&s->s_ev_hup, fd, EV_CLOSED | EV_PERSIST, session_hup, s);
	session_update_read(s, 1);
	log_debug("session %u: recursive connection", s->s_id);
}

/* Take a batch per wakeup, so a burst of clients drains the backlog fast. */
static void
session_accept(int fd, short events, void *arg)
{
	int	cfd, i;

	(void)events;
	(void)arg;
	for (i = 0; i < SESSION_ACCEPT_BATCH; i++) {
		if ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK |
		    SOCK_CLOEXEC)) == -1) {
			if (errno == EMFILE || errno == ENFILE) {
				log_limit_warnx(&session_ll_fds, "out of "
				    "descriptors, pausing accept");
				session_accept_pause(SESSION_ACCEPT_PAUSE);
			} else if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("accept4");
			return;
		}
		if (!session_fd_room(cfd)) {
			close(cfd);
			log_limit_warnx(&session_ll_fds, "descriptors low, "
			    "pausing accept");
			session_accept_pause(SESSION_ACCEPT_PAUSE);
			return;
		}
		session_new(cfd);
	}
}

void
session_handle_cred(const struct msg_cred_reply *reply)
{
	struct session	*s;

	/* The client may be gone already: then there is nothing to do. */
	if ((s = session_find(reply->mcr_id)) == NULL ||
	    s->s_state != SESSION_CRED)
		return;
	s->s_cred = reply->mcr_flags;
	strlcpy(s->s_user, reply->mcr_name, sizeof(s->s_user));
	s->s_state = SESSION_HELLO;
	session_process(s);
}

/*
 * While its input is not read (an upload waits for storeproc, the
 * buffer is full, output is queued) a client that leaves would go
 * unseen: the kernel still says so (EV_CLOSED, EPOLLRDHUP), and the
 * session ends as a read of end of file would end it.
 */
static void
session_update_read(struct session *s, int on)
{
	int	hup = !on && s->s_state != SESSION_CLOSING;

	if (on && !s->s_reading)
		event_add(&s->s_ev_read, NULL);
	else if (!on && s->s_reading)
		event_del(&s->s_ev_read);
	s->s_reading = on;
	if (hup && !s->s_hupwatch)
		event_add(&s->s_ev_hup, NULL);
	else if (!hup && s->s_hupwatch)
		event_del(&s->s_ev_hup);
	s->s_hupwatch = hup;
}

static void
session_hup(int fd, short events, void *arg)
{
	struct session	*s = arg;

	(void)fd;
	(void)events;
	log_debug("session %u: client went away while not read", s->s_id);
	session_close(s);
}

/*
 * The size a buffer grows to: at once to what the request is known to
 * need, so that a request holds all of its memory or none beyond the
 * first read buffer; doubling while its size is not known yet.
 */
static size_t
session_next_cap(const struct session *s)
{
	size_t	cap, want;

	if (s->s_incap == 0)
		return (SESSION_READ_CHUNK);
	want = s->s_inoff + s->s_need;
	if (want < s->s_inlen)
		want = s->s_inlen;
	want += SESSION_READ_CHUNK;
	cap = (want + SESSION_READ_CHUNK - 1) / SESSION_READ_CHUNK *
	    SESSION_READ_CHUNK;
	if (cap < s->s_incap * 2 && s->s_inoff + s->s_need <= s->s_inlen)
		cap = s->s_incap * 2;
	if (cap > SESSION_INBUF_MAX + SESSION_READ_CHUNK)
		cap = SESSION_INBUF_MAX + SESSION_READ_CHUNK;
	return (cap);
}

/* Whether growing s's buffer stays within max-request-memory. */
static int
session_mem_fits(const struct session *s)
{
	size_t	grow;

	/* The first buffer is every connection's, budget or not. */
	if (s->s_incap == 0)
		return (1);
	grow = session_next_cap(s) - s->s_incap;
	return (session_mem_used + session_out_used + grow <=
	    builder_env.be_conf->conf_request_memory);
}

/*
 * A copy of a request (upload_text) holds its share of the budget
 * once the request buffer shrank.  Given back without waking anyone
 * here: the caller may be closing a session that is in session_memq;
 * session_process() and session_close() wake the waiters after.
 */
void
session_mem_take(size_t len)
{
	session_mem_used += len;
}

void
session_mem_give(size_t len)
{
	session_mem_used -= len;
}

/*
 * What s's output buffers hold past SESSION_OUT_FREE, counted again
 * after they changed.  A buffer that drained and had grown past it is
 * freed, so that only output still waiting for its client holds part
 * of the budget.
 */
void
session_out_account(struct session *s)
{
	size_t	held;

	if (s->s_out.wo_len == 0 && s->s_out.wo_cap > SESSION_OUT_FREE)
		wire_out_free(&s->s_out);
	if (s->s_reply.wo_len == 0 && s->s_reply.wo_cap > SESSION_OUT_FREE)
		wire_out_free(&s->s_reply);
	held = s->s_out.wo_cap + s->s_reply.wo_cap;
	held = held > SESSION_OUT_FREE ? held - SESSION_OUT_FREE : 0;
	session_out_used = session_out_used - s->s_outheld + held;
	s->s_outheld = held;
}

/*
 * Whether len more bytes of output for s fit: its own SESSION_OUT_FREE,
 * or the budget.  A reply does not wait for room (the room may be held
 * by clients that never read): it is refused.
 */
int
session_out_fits(const struct session *s, size_t len)
{
	size_t	need, others;

	need = s->s_out.wo_len + len;
	if (need < s->s_out.wo_cap)
		need = s->s_out.wo_cap;
	if (need <= SESSION_OUT_FREE)
		return (1);
	others = session_mem_used + session_out_used - s->s_outheld;
	if (others + (need - SESSION_OUT_FREE) <=
	    builder_env.be_conf->conf_request_memory)
		return (1);
	log_limit_warnx(&session_ll_mem, "session %u: requests and replies "
	    "hold %zu bytes (max-request-memory), refusing a reply of %zu",
	    s->s_id, others + s->s_outheld, len);
	return (0);
}

/*
 * Room for a read at the end of the buffer.  Returns 0; or 1 when it
 * would take more memory than the budget has: the session waits if it
 * holds only its first buffer, and its request is refused (2) if it
 * holds more, as requests that wait while holding memory could wait
 * for each other forever; or -1 when the buffer is full.
 */
static int
session_make_room(struct session *s)
{
	unsigned char	*p;
	size_t		 cap;

	if (s->s_inoff > 0 && s->s_incap - s->s_inlen < SESSION_READ_CHUNK) {
		memmove(s->s_in, s->s_in + s->s_inoff,
		    s->s_inlen - s->s_inoff);
		s->s_inlen -= s->s_inoff;
		s->s_inoff = 0;
	}
	if (s->s_incap - s->s_inlen >= SESSION_READ_CHUNK)
		return (0);
	if (s->s_incap >= SESSION_INBUF_MAX + SESSION_READ_CHUNK)
		return (-1);
	if (!session_mem_fits(s))
		return (s->s_incap > SESSION_READ_CHUNK ? 2 : 1);
	cap = session_next_cap(s);
	if ((p = realloc(s->s_in, cap)) == NULL)
		return (-1);
	session_mem_used += cap - s->s_incap;
	s->s_in = p;
	s->s_incap = cap;
	return (0);
}

/* Over the budget while holding part of it: the request is refused. */
static void
session_mem_refuse(struct session *s)
{
	log_limit_warnx(&session_ll_mem, "session %u: requests hold %zu "
	    "bytes (max-request-memory), refusing", s->s_id,
	    session_mem_used);
	if (s->s_state != SESSION_OPS) {
		session_close(s);
		return;
	}
	session_fail(s, "the daemon has no memory left for requests now "
	    "(max-request-memory); try again later");
	session_process(s);
}

/* Stop reading s until the budget has room for it (session_mem_wake). */
static void
session_mem_wait(struct session *s)
{
	if (!s->s_memwait) {
		log_limit_warnx(&session_ll_mem, "session %u: requests hold "
		    "%zu bytes (max-request-memory), waiting", s->s_id,
		    session_mem_used);
		TAILQ_INSERT_TAIL(&session_memq, s, s_mentry);
		s->s_memwait = 1;
	}
	session_update_read(s, 0);
}

/*
 * First come, first served: a large request is not overtaken forever.
 * The buffer grows here, so that the memory is the waiter's before the
 * next one is looked at; reading resumes, nothing is parsed from here.
 */
static void
session_mem_wake(void)
{
	struct session	*s;

	/* A busy one may be parsing its buffer: it is not moved under it. */
	while ((s = TAILQ_FIRST(&session_memq)) != NULL && !s->s_busy &&
	    session_mem_fits(s)) {
		TAILQ_REMOVE(&session_memq, s, s_mentry);
		s->s_memwait = 0;
		/* Should it fail, session_read() tries again and says so. */
		(void)session_make_room(s);
		session_update_read(s, session_want_read(s));
	}
}

/* The session goes: its buffer and its place in the queue with it. */
static void
session_mem_release(struct session *s)
{
	if (s->s_memwait) {
		TAILQ_REMOVE(&session_memq, s, s_mentry);
		s->s_memwait = 0;
	}
	free(s->s_in);
	session_mem_used -= s->s_incap;
	s->s_in = NULL;
	s->s_inoff = s->s_inlen = s->s_incap = 0;
	session_mem_wake();
}

/*
 * Once a request is consumed, a buffer that grew for it goes back to
 * one read's size, so that the budget is held only while a request is
 * being received (or by what an operation copied of it).
 */
static void
session_mem_trim(struct session *s)
{
	unsigned char	*p;
	size_t		 left = s->s_inlen - s->s_inoff;

	if (s->s_incap <= SESSION_READ_CHUNK || left > SESSION_READ_CHUNK / 2)
		return;
	memmove(s->s_in, s->s_in + s->s_inoff, left);
	s->s_inoff = 0;
	s->s_inlen = left;
	if ((p = realloc(s->s_in, SESSION_READ_CHUNK)) == NULL)
		return;
	session_mem_used -= s->s_incap - SESSION_READ_CHUNK;
	s->s_in = p;
	s->s_incap = SESSION_READ_CHUNK;
	session_mem_wake();
}

static void
session_read(int fd, short events, void *arg)
{
	struct session	*s = arg;
	ssize_t		 n;
	int		 rc;

	(void)events;
	if ((rc = session_make_room(s)) == 1) {
		session_mem_wait(s);
		return;
	}
	if (rc == 2) {
		session_mem_refuse(s);
		return;
	}
	if (rc == -1) {
		log_warnx("session %u: input buffer full", s->s_id);
		session_close(s);
		return;
	}
	n = read(fd, s->s_in + s->s_inlen, s->s_incap - s->s_inlen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (n == -1)
			log_debug("session %u: read: %s", s->s_id,
			    strerror(errno));
		log_debug("session %u: client went away", s->s_id);
		session_close(s);
		return;
	}
	s->s_inlen += n;
	s->s_active = session_now();
	session_process(s);
}

static void
session_write(int fd, short events, void *arg)
{
	struct session	*s = arg;
	ssize_t		 n;

	(void)events;
	n = write(fd, s->s_out.wo_buf, s->s_out.wo_len);
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		(void)session_flush(s);
		return;
	}
	if (n == -1) {
		log_debug("session %u: write: %s", s->s_id, strerror(errno));
		session_close(s);
		return;
	}
	wire_out_drain(&s->s_out, n);
	s->s_active = session_now();
	session_out_account(s);
	/* Below the mark again: a waiting download or reader resumes. */
	if (s->s_out.wo_len < SESSION_OUT_HIGH) {
		session_process(s);
		return;
	}
	(void)session_flush(s);
}

/*
 * Queue a write if output is pending; close a closing session once
 * empty.  Returns -1 if s is gone, 1 if what was written took the
 * output below SESSION_OUT_HIGH (what waited for that may go on), or
 * 0.
 */
static int
session_flush(struct session *s)
{
	size_t	before = s->s_out.wo_len;
	ssize_t	n;

	if (s->s_out.wo_error) {
		log_warnx("session %u: reply too large", s->s_id);
		session_close(s);
		return (-1);
	}
	if (s->s_out.wo_len > 0) {
		/*
		 * Most replies fit the socket: send at once rather than a
		 * loop iteration later, which is most of a query's latency.
		 */
		n = write(s->s_fd, s->s_out.wo_buf, s->s_out.wo_len);
		if (n > 0) {
			wire_out_drain(&s->s_out, n);
			s->s_active = session_now();
		}
		if (s->s_out.wo_len > 0) {
			event_add(&s->s_ev_write, NULL);
			return (before >= SESSION_OUT_HIGH &&
			    s->s_out.wo_len < SESSION_OUT_HIGH);
		}
	}
	if (s->s_state == SESSION_CLOSING) {
		session_close(s);
		return (-1);
	}
	return (before >= SESSION_OUT_HIGH);
}

void
session_close(struct session *s)
{
	event_del(&s->s_ev_read);
	event_del(&s->s_ev_write);
	event_del(&s->s_ev_hup);
	close(s->s_fd);
	session_user_del(s->s_suser);
	/* Closing an upload's pipe makes storeproc drop the partial add. */
	ops_clear(s);
	rec_session_detach(s);
	if (s->s_state != SESSION_CRED && s->s_state != SESSION_HELLO)
		msg_send_empty(builder_store(), IMSG_STORE_SESSION_END,
		    s->s_id);
	RB_REMOVE(session_tree, &sessions, s);
	nsessions--;
	wire_out_free(&s->s_out);
	wire_out_free(&s->s_reply);
	session_out_account(s);
	session_mem_release(s);
	wire_options_free(&s->s_opts);
	log_debug("session %u: closed", s->s_id);
	free(s);
}

/* An error the client reads; then the session ends. */
static void
session_fail(struct session *s, const char *msg)
{
	log_debug("session %u: %s", s->s_id, msg);
	if (s->s_hello.wh_minor < 26)
		wire_put_error_legacy(&s->s_out, msg, 1);
	else
		wire_put_error(&s->s_out, msg);
	ops_clear(s);
	s->s_state = SESSION_CLOSING;
	session_update_read(s, 0);
}

static void
session_consume(struct session *s, size_t used)
{
	s->s_inoff += used;
	s->s_need = 0;
	if (s->s_inoff == s->s_inlen)
		s->s_inoff = s->s_inlen = 0;
}

/*
 * The next request, as far as it has arrived.  The buffer holds a read
 * more than SESSION_INBUF_MAX: a request is shown no more than that,
 * so one that is longer never parses whole (wi_need goes past the
 * limit) and every request an op sees is at most the limit.
 */
static void
session_in(struct session *s, struct wire_in *in)
{
	size_t	avail = s->s_inlen - s->s_inoff;

	if (avail > SESSION_INBUF_MAX)
		avail = SESSION_INBUF_MAX;
	wire_in_init(in, s->s_in + s->s_inoff, avail);
}

/* Returns 1 when more requests may follow in the buffer, 0 to wait. */
static int
session_hello(struct session *s)
{
	struct wire_in	in;
	char		msg[256];
	int		rc;

	session_in(s, &in);
	if ((rc = wire_get_client_hello(&in, &s->s_hello)) == 0) {
		s->s_need = in.wi_need;
		return (0);
	}
	if (rc == -1) {
		/* No protocol was agreed on: there is no way to say why. */
		log_debug("session %u: %s", s->s_id, in.wi_errstr);
		s->s_state = SESSION_CLOSING;
		session_update_read(s, 0);
		return (0);
	}
	session_consume(s, in.wi_off);
	if (s->s_hello.wh_state == WIRE_HELLO_MAGIC) {
		wire_put_server_hello(&s->s_out);
		return (1);
	}
	if (s->s_cred & CRED_BUILD_USER) {
		wire_put_daemon_version(&s->s_out, s->s_hello.wh_minor);
		session_fail(s, "build users may not connect to the daemon "
		    "socket");
		return (0);
	}
	if ((s->s_cred & CRED_ALLOWED) == 0) {
		wire_put_daemon_version(&s->s_out, s->s_hello.wh_minor);
		snprintf(msg, sizeof(msg), "user '%s' is not allowed to "
		    "connect to the Nix daemon", s->s_user);
		session_fail(s, msg);
		return (0);
	}
	wire_put_server_post_hello(&s->s_out, s->s_hello.wh_minor);
	s->s_state = SESSION_OPS;
	log_debug("session %u: user %s%s, protocol %#llx", s->s_id,
	    s->s_user, (s->s_cred & CRED_TRUSTED) ? " (trusted)" : "",
	    (unsigned long long)s->s_hello.wh_version);
	return (1);
}

/* Returns 1 when more requests may follow in the buffer, 0 to wait. */
static int
session_op(struct session *s)
{
	struct wire_in	in;
	uint64_t	op;
	int		rc;

	session_in(s, &in);
	if ((rc = wire_get_u64(&in, &op)) != 1) {
		s->s_need = in.wi_need;
		return (0);
	}
	if ((rc = ops_start(s, op, &in)) == 0) {
		s->s_need = in.wi_need;
		return (0);
	}
	if (rc == -1) {
		session_fail(s, in.wi_errstr);
		return (0);
	}
	session_consume(s, in.wi_off);
	return (1);
}

/*
 * Advance the operation in progress.  Returns 1 when it is over and
 * the next request may be parsed, 0 while it waits (for client bytes,
 * pipe room or storeproc).
 */
static int
session_op_progress(struct session *s)
{
	int	rc;

	if (s->s_up != NULL) {
		rc = upload_run(s);
		s->s_blocked = rc == UPLOAD_BLOCKED;
		if (rc == UPLOAD_LOST) {
			session_fail(s, s->s_error != NULL ? s->s_error :
			    "bad framed stream");
			return (0);
		}
		if (rc != UPLOAD_DONE)
			return (0);
	}
	if (s->s_down != NULL) {
		if (!download_run(s))
			return (0);
		download_free(s);
	}
	if (s->s_wait)
		return (0);
	/* Recursive Nix: new paths appear in the sandbox first. */
	if (rec_op_done(s))
		return (0);
	ops_finish(s);
	/* Idle time counts from the end of the operation. */
	s->s_active = session_now();
	return (s->s_state == SESSION_OPS);
}

static int
session_want_read(const struct session *s)
{
	return (s->s_state != SESSION_CLOSING && !s->s_memwait &&
	    s->s_inlen - s->s_inoff < SESSION_INBUF_MAX &&
	    s->s_out.wo_len < SESSION_OUT_HIGH &&
	    !(s->s_up != NULL && s->s_blocked));
}

/* Parse and run what the buffer holds, as far as it goes. */
static void
session_run(struct session *s)
{
	size_t	avail;
	int	more = 1;

	while (more) {
		if (s->s_state != SESSION_HELLO && s->s_state != SESSION_OPS)
			break;
		if (s->s_op != NULL) {
			more = session_op_progress(s);
			continue;
		}
		/* The client reads its replies before it gets more. */
		if (s->s_out.wo_len >= SESSION_OUT_HIGH)
			break;
		avail = s->s_inlen - s->s_inoff;
		if (s->s_need > SESSION_INBUF_MAX) {
			session_fail(s, "request too large");
			break;
		}
		if (avail == 0 || avail < s->s_need)
			break;
		if (s->s_state == SESSION_HELLO)
			more = session_hello(s);
		else
			more = session_op(s);
	}
	if (s->s_state == SESSION_OPS && s->s_op == NULL &&
	    s->s_inlen - s->s_inoff >= SESSION_INBUF_MAX) {
		session_fail(s, "request too large");
		log_warnx("session %u: request too large", s->s_id);
	}
}

/*
 * An op may end inside its own start (req_finish calls here while
 * ops_start has not returned and the request is not consumed yet):
 * a nested call only asks the running one to go round again, so that
 * nothing is parsed twice and the session is not freed under it.
 */
void
session_process(struct session *s)
{
	if (s->s_busy) {
		s->s_busy = SESSION_BUSY_AGAIN;
		return;
	}
	/* Output sent at once may let a paused op or request go on. */
	do {
		do {
			s->s_busy = SESSION_BUSY;
			session_run(s);
		} while (s->s_busy == SESSION_BUSY_AGAIN);
		s->s_busy = 0;
		session_out_account(s);
		session_mem_trim(s);
		/* A waiter passed over while a session was busy goes on now. */
		session_mem_wake();
		session_update_read(s, session_want_read(s));
	} while (session_flush(s) == 1);
}
