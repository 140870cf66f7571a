/*
 * Worker-protocol sessions on the daemon socket.  Each client gets a
 * session: its peer credentials go to the parent for a verdict, then
 * the handshake, then one operation after another.  Bytes are buffered
 * until a whole request has arrived (the wire_get_* functions say 0
 * until then and consume nothing), so a slow or hostile client costs
 * memory bounded by SESSION_INBUF_MAX and never blocks anyone else.
 * Anything wrong with a client closes that client only.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builderproc.h"
#include "log.h"

static struct session_tree	sessions = RB_INITIALIZER(&sessions);
static unsigned int		nsessions;
static uint32_t			session_next_id = 1;
static struct event		ev_accept;
static struct event		ev_accept_pause;


static void	session_accept(int, short, void *);
static void	session_accept_pause_end(int, short, void *);
static void	session_read(int, short, void *);
static void	session_write(int, short, void *);
static void	session_process(struct session *);
static void	session_close(struct session *);
static void	session_flush(struct session *);

RB_GENERATE(session_tree, session, s_entry, session_cmp)

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

void
session_listen(int fd)
{
	event_set(&ev_accept, fd, EV_READ | EV_PERSIST, session_accept, NULL);
	event_add(&ev_accept, NULL);
	evtimer_set(&ev_accept_pause, session_accept_pause_end, NULL);
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
session_accept_pause(int seconds)
{
	struct timeval	tv = { seconds, 0 };

	event_del(&ev_accept);
	evtimer_add(&ev_accept_pause, &tv);
}

static void
session_new(int fd)
{
	struct session		*s;
	struct ucred		 cred;
	struct msg_cred_req	 req;
	socklen_t		 len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warn("SO_PEERCRED");
		close(fd);
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_warn("calloc");
		close(fd);
		return;
	}
	s->s_fd = fd;
	s->s_id = session_next_id++;
	s->s_uid = cred.uid;
	s->s_gid = cred.gid;
	s->s_pid = cred.pid;
	s->s_state = SESSION_CRED;
	wire_out_init(&s->s_out, SESSION_OUTBUF_MAX);
	RB_INSERT(session_tree, &sessions, s);
	nsessions++;
	event_set(&s->s_ev_read, fd, EV_READ | EV_PERSIST, session_read, s);
	event_set(&s->s_ev_write, fd, EV_WRITE, session_write, s);
	event_add(&s->s_ev_read, NULL);

	req.mcq_id = s->s_id;
	req.mcq_uid = cred.uid;
	req.mcq_gid = cred.gid;
	imsgev_compose(&iev_parent, IMSG_CTL_CRED_REQ, 0, -1, &req,
	    sizeof(req));
	log_debug("session %u: uid %u pid %d connected", s->s_id, cred.uid,
	    cred.pid);
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
				log_warnx("out of descriptors, pausing accept");
				session_accept_pause(1);
			} else if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("accept4");
			return;
		}
		session_new(cfd);
	}
}

void
session_handle_cred(const struct msg_cred_reply *reply)
{
	struct session	key, *s;

	key.s_id = reply->mcr_id;
	/* The client may be gone already: then there is nothing to do. */
	if ((s = RB_FIND(session_tree, &sessions, &key)) == NULL ||
	    s->s_state != SESSION_CRED)
		return;
	s->s_cred = reply->mcr_flags;
	strlcpy(s->s_user, reply->mcr_name, sizeof(s->s_user));
	s->s_state = SESSION_HELLO;
	session_process(s);
}

static void
session_read(int fd, short events, void *arg)
{
	struct session	*s = arg;
	unsigned char	*p;
	ssize_t		 n;

	(void)events;
	if (s->s_incap - s->s_inlen < 4096) {
		if (s->s_incap >= SESSION_INBUF_MAX) {
			log_warnx("session %u: request too large", s->s_id);
			session_close(s);
			return;
		}
		if ((p = realloc(s->s_in, s->s_incap + 65536)) == NULL) {
			log_warn("session %u", s->s_id);
			session_close(s);
			return;
		}
		s->s_in = p;
		s->s_incap += 65536;
	}
	n = read(fd, s->s_in + s->s_inlen, s->s_incap - s->s_inlen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (n == -1)
			log_warn("session %u: read", s->s_id);
		log_debug("session %u: client went away", s->s_id);
		session_close(s);
		return;
	}
	s->s_inlen += n;
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
		session_flush(s);
		return;
	}
	if (n == -1) {
		log_debug("session %u: write: %s", s->s_id, strerror(errno));
		session_close(s);
		return;
	}
	wire_out_drain(&s->s_out, n);
	session_flush(s);
}

/* Queue a write if output is pending; close a closing session once empty. */
static void
session_flush(struct session *s)
{
	if (s->s_out.wo_error) {
		log_warnx("session %u: reply too large", s->s_id);
		session_close(s);
		return;
	}
	if (s->s_out.wo_len > 0) {
		event_add(&s->s_ev_write, NULL);
		return;
	}
	if (s->s_state == SESSION_CLOSING)
		session_close(s);
}

static void
session_close(struct session *s)
{
	event_del(&s->s_ev_read);
	event_del(&s->s_ev_write);
	close(s->s_fd);
	RB_REMOVE(session_tree, &sessions, s);
	nsessions--;
	free(s->s_in);
	wire_out_free(&s->s_out);
	wire_options_free(&s->s_opts);
	log_debug("session %u: closed", s->s_id);
	free(s);
}

/* An error the client reads; then the session ends. */
static void
session_fail(struct session *s, const char *msg)
{
	log_debug("session %u: %s", s->s_id, msg);
	wire_put_error(&s->s_out, msg);
	s->s_state = SESSION_CLOSING;
	event_del(&s->s_ev_read);
}

static void
session_consume(struct session *s, size_t used)
{
	memmove(s->s_in, s->s_in + used, s->s_inlen - used);
	s->s_inlen -= used;
}

/* Returns 1 when more requests may follow in the buffer, 0 to wait. */
static int
session_hello(struct session *s)
{
	struct wire_in	in;
	char		msg[256];
	int		rc;

	wire_in_init(&in, s->s_in, s->s_inlen);
	if ((rc = wire_get_client_hello(&in, &s->s_hello)) == 0)
		return (0);
	if (rc == -1) {
		/* No protocol was agreed on: there is no way to say why. */
		log_debug("session %u: %s", s->s_id, in.wi_errstr);
		s->s_state = SESSION_CLOSING;
		event_del(&s->s_ev_read);
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

static int
session_op_set_options(struct session *s, struct wire_in *in)
{
	struct wire_options	opts;
	int			rc;

	memset(&opts, 0, sizeof(opts));
	if ((rc = wire_get_set_options(in, s->s_hello.wh_minor, &opts)) != 1)
		return (rc);
	/*
	 * Untrusted clients may not change daemon settings; their
	 * overrides are dropped, as nix-daemon ignores most of them.
	 */
	wire_options_free(&s->s_opts);
	s->s_opts = opts;
	wire_put_stderr_last(&s->s_out);
	return (1);
}

/* Returns 1 when more requests may follow in the buffer, 0 to wait. */
static int
session_op(struct session *s)
{
	struct wire_in	in;
	uint64_t	op;
	char		msg[128];
	int		rc;

	wire_in_init(&in, s->s_in, s->s_inlen);
	if ((rc = wire_get_u64(&in, &op)) != 1)
		return (0);
	switch (op) {
	case WOP_SET_OPTIONS:
		rc = session_op_set_options(s, &in);
		break;
	default:
		/*
		 * Without the op's arguments parsed there is no telling
		 * where the next request starts: answer, then close, as
		 * nix-daemon does for an operation it does not know.
		 */
		if (wire_op_name(op) != NULL)
			snprintf(msg, sizeof(msg), "operation %s (%llu) is "
			    "not supported by rnixd", wire_op_name(op),
			    (unsigned long long)op);
		else
			snprintf(msg, sizeof(msg), "invalid operation %llu",
			    (unsigned long long)op);
		session_fail(s, msg);
		return (0);
	}
	if (rc == 0)
		return (0);
	if (rc == -1) {
		snprintf(msg, sizeof(msg), "bad %s request: %s",
		    wire_op_name(op), in.wi_errstr);
		session_fail(s, msg);
		return (0);
	}
	session_consume(s, in.wi_off);
	return (1);
}

static void
session_process(struct session *s)
{
	int	more = 1;

	while (more && s->s_inlen > 0) {
		switch (s->s_state) {
		case SESSION_HELLO:
			more = session_hello(s);
			break;
		case SESSION_OPS:
			more = session_op(s);
			break;
		case SESSION_CRED:
		case SESSION_CLOSING:
			more = 0;
			break;
		}
	}
	session_flush(s);
}
