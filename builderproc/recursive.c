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
 * Recursive Nix: a build whose derivation requires the system feature
 * recursive-nix (and the daemon has the experimental feature) gets a
 * listening socket at /build/.nix-socket, made by mountproc's spawner
 * and passed here.  Its connections are sessions like any other but
 * untrusted, bound to the build, and served under a restricted policy
 * (the od_rec column of session_ops.c's op table, carried out here):
 * an explicit list of operations, each of which sees only the allowed
 * paths (the build's input closure, and what was added or built
 * through its socket, with closures).  A path becomes allowed only once
 * mountproc has bound it into the running sandbox, before the reply to
 * the op that produced it goes out.  Added paths are rooted under the
 * build's own id until it is registered or fails, and count as
 * candidate references of its outputs.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builderproc.h"
#include "session.h"
#include "sched.h"
#include "recursive.h"
#include "log.h"
#include "msg_store.h"

#define REC_NOT_ALLOWED	"is not allowed in recursive Nix"

struct rec_path {
	RB_ENTRY(rec_path)	 rp_entry;
	char			*rp_path;
};
RB_HEAD(rec_paths, rec_path);

/*
 * A recursive op's way to its answer: what it made (the candidates)
 * becomes allowed first, their closure asked of storeproc, then each
 * new path bound into the sandbox by mountproc.
 */
enum rec_phase {
	REC_PHASE_OP,		/* the op runs */
	REC_PHASE_CLOSURE,	/* storeproc is asked the closure */
	REC_PHASE_BINDS,	/* mountproc binds the new paths */
	REC_PHASE_DONE		/* they are allowed: the answer may go */
};

/* What recursive.c keeps of one session on a build's socket. */
struct rec_session {
	struct session		*rs_session;
	struct rec_build	*rs_build;	/* whose socket */
	TAILQ_ENTRY(rec_session) rs_entry;
	char			**rs_cand;	/* allowed if the op succeeds */
	size_t			 rs_ncand;
	char			**rs_extra;	/* QueryMissing's unknown */
	size_t			 rs_nextra;
	enum rec_phase		 rs_phase;
	unsigned int		 rs_binds;	/* BIND_PATHs out */
};

struct rec_build {
	TAILQ_ENTRY(rec_build)	 rb_entry;
	struct goal		*rb_goal;
	int			 rb_fd;
	int			 rb_listening;
	struct event		 rb_ev;
	struct event		 rb_ev_pause;	/* accept stopped for a while */
	unsigned int		 rb_nsessions;
	struct rec_paths	 rb_allowed;
	char			**rb_added;	/* through the socket */
	size_t			 rb_nadded;
	uint32_t		 rb_rootid;	/* temp roots of the added */
	TAILQ_HEAD(, rec_session) rb_sessions;
};

/* Every recursive build with a sandbox, oldest first. */
static TAILQ_HEAD(, rec_build)	rec_builds = TAILQ_HEAD_INITIALIZER(rec_builds);

/*
 * Seconds the build users must all stay held by recursive builds that
 * wait for inner builds before one such wait is failed: replies from
 * storeproc that would let an outer build go on come well before.
 */
#define REC_POOL_WAIT	1
static struct event	rec_pool_ev;
static int		rec_pool_armed;
/* One for all recursive sockets: a builder may make them repeat. */
static struct log_limit	rec_ll_accept;

static void	rec_accept_pause(struct rec_build *);
static void	rec_accept_resume(int, short, void *);

int	rec_path_cmp(struct rec_path *, struct rec_path *);
RB_PROTOTYPE(rec_paths, rec_path, rp_entry, rec_path_cmp)
RB_GENERATE(rec_paths, rec_path, rp_entry, rec_path_cmp)

int
rec_path_cmp(struct rec_path *a, struct rec_path *b)
{
	return (strcmp(a->rp_path, b->rp_path));
}

static int
rec_allowed(const struct rec_build *rb, const char *path)
{
	struct rec_path	key;

	key.rp_path = (char *)path;
	return (RB_FIND(rec_paths, (struct rec_paths *)&rb->rb_allowed,
	    &key) != NULL);
}

/* Returns 1 if path was new. */
static int
rec_allow_one(struct rec_build *rb, const char *path)
{
	struct rec_path	*rp;

	if (rec_allowed(rb, path))
		return (0);
	if ((rp = calloc(1, sizeof(*rp))) == NULL ||
	    (rp->rp_path = strdup(path)) == NULL)
		fatal("calloc");
	RB_INSERT(rec_paths, &rb->rb_allowed, rp);
	return (1);
}

static void
rec_noop_reply(void *arg, struct imsg *imsg)
{
	(void)arg;
	(void)imsg;
}

/* The build is about to start: allowed = its input closure. */
void
rec_build_new(struct goal *g)
{
	struct rec_build	*rb;
	size_t			 i;

	if ((rb = calloc(1, sizeof(*rb))) == NULL)
		fatal("calloc");
	rb->rb_goal = g;
	rb->rb_fd = -1;
	RB_INIT(&rb->rb_allowed);
	TAILQ_INIT(&rb->rb_sessions);
	for (i = 0; i < g->g_nclosure; i++)
		rec_allow_one(rb, g->g_closure[i]);
	/* An id of our own for roots: nothing ever answers it. */
	rb->rb_rootid = bstore_call_new(rec_noop_reply, NULL);
	bstore_call_cancel(rb->rb_rootid);
	g->g_rec = rb;
	TAILQ_INSERT_TAIL(&rec_builds, rb, rb_entry);
}

static void
rec_accept(int fd, short events, void *arg)
{
	struct rec_build	*rb = arg;
	int			 cfd, i;

	(void)events;
	for (i = 0; i < SESSION_ACCEPT_BATCH; i++) {
		if ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK |
		    SOCK_CLOEXEC)) == -1) {
			if (errno == EMFILE || errno == ENFILE) {
				log_limit_warnx(&rec_ll_accept, "%s: out of "
				    "descriptors", rb->rb_goal->g_path);
				rec_accept_pause(rb);
			} else if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("accept4");
			return;
		}
		if (!session_fd_room(cfd)) {
			close(cfd);
			log_limit_warnx(&rec_ll_accept, "%s: descriptors low",
			    rb->rb_goal->g_path);
			rec_accept_pause(rb);
			return;
		}
		if (rb->rb_nsessions >=
		    builder_env.be_conf->conf_max_conn_build) {
			close(cfd);
			log_limit_warnx(&rec_ll_accept, "%s: more than %u "
			    "connections (max-connections-per-build), closing",
			    rb->rb_goal->g_path,
			    builder_env.be_conf->conf_max_conn_build);
			continue;
		}
		session_new_recursive(cfd, rb);
	}
}

/* Out of descriptors: stop accepting for a while instead of spinning. */
static void
rec_accept_pause(struct rec_build *rb)
{
	struct timeval	tv = { SESSION_ACCEPT_PAUSE / 1000,
			    (SESSION_ACCEPT_PAUSE % 1000) * 1000 };

	if (!rb->rb_listening)
		return;
	event_del(&rb->rb_ev);
	evtimer_add(&rb->rb_ev_pause, &tv);
}

static void
rec_accept_resume(int fd, short events, void *arg)
{
	struct rec_build	*rb = arg;

	(void)fd;
	(void)events;
	if (rb->rb_listening)
		event_add(&rb->rb_ev, NULL);
}

/* mountproc's spawner made the socket: keep it until the builder runs. */
void
rec_build_socket(struct goal *g, int fd)
{
	if (g->g_rec == NULL || g->g_rec->rb_fd != -1) {
		close(fd);
		return;
	}
	g->g_rec->rb_fd = fd;
}

/* The builder runs: serve its socket. */
void
rec_build_listen(struct goal *g)
{
	struct rec_build	*rb = g->g_rec;

	if (rb == NULL || rb->rb_fd == -1 || rb->rb_listening)
		return;
	event_set(&rb->rb_ev, rb->rb_fd, EV_READ | EV_PERSIST, rec_accept, rb);
	evtimer_set(&rb->rb_ev_pause, rec_accept_resume, rb);
	event_add(&rb->rb_ev, NULL);
	rb->rb_listening = 1;
}

/* The builder exited: its connections and socket go. */
void
rec_build_stop(struct goal *g)
{
	struct rec_build	*rb = g->g_rec;
	struct rec_session	*rs;

	if (rb == NULL)
		return;
	if (rb->rb_listening) {
		event_del(&rb->rb_ev);
		evtimer_del(&rb->rb_ev_pause);
	}
	rb->rb_listening = 0;
	if (rb->rb_fd != -1)
		close(rb->rb_fd);
	rb->rb_fd = -1;
	while ((rs = TAILQ_FIRST(&rb->rb_sessions)) != NULL)
		session_close(rs->rs_session);
}

/* The build is over, registered or not: the added paths' roots go. */
void
rec_build_free(struct goal *g)
{
	struct rec_build	*rb = g->g_rec;
	struct rec_path		*rp, *trp;

	if (rb == NULL)
		return;
	rec_build_stop(g);
	RB_FOREACH_SAFE(rp, rec_paths, &rb->rb_allowed, trp) {
		RB_REMOVE(rec_paths, &rb->rb_allowed, rp);
		free(rp->rp_path);
		free(rp);
	}
	wire_strings_free(rb->rb_added, rb->rb_nadded);
	msg_send_empty(builder_store(), IMSG_STORE_SESSION_END,
	    rb->rb_rootid);
	TAILQ_REMOVE(&rec_builds, rb, rb_entry);
	free(rb);
	g->g_rec = NULL;
}

/* The outputs may refer to the input closure and to what was added. */
char **
rec_build_refs(struct goal *g, size_t *np)
{
	struct rec_build	 *rb = g->g_rec;
	char			**v;
	size_t			  n = 0, i;

	if ((v = calloc(g->g_nclosure + (rb ? rb->rb_nadded : 0) + 1,
	    sizeof(*v))) == NULL)
		fatal("calloc");
	for (i = 0; i < g->g_nclosure; i++)
		v[n++] = g->g_closure[i];
	for (i = 0; rb != NULL && i < rb->rb_nadded; i++)
		v[n++] = rb->rb_added[i];
	*np = n;
	return (v);
}

/* The build whose socket s is connected to. */
struct goal *
rec_outer_goal(const struct session *s)
{
	return (s->s_rec != NULL ? s->s_rec->rs_build->rb_goal : NULL);
}

/* rb's builder runs as a build user and waits for an inner build. */
static int
rec_waiting(const struct rec_build *rb)
{
	struct rec_session	*rs;

	if (rb->rb_goal->g_user == -1 || rb->rb_goal->g_state != GS_RUN)
		return (0);
	TAILQ_FOREACH(rs, &rb->rb_sessions, rs_entry)
		if (rs->rs_session->s_build != NULL)
			return (1);
	return (0);
}

static int	rec_goal_stuck(struct goal *, unsigned int, unsigned int);
static int	rec_build_stuck(const struct rec_build *, unsigned int,
		    unsigned int);
static void	rec_pool_timeout(int, short, void *);

/*
 * Can g end (built or failed) without a build user being given back?
 * Not if it waits for one in the queue, or for inputs none of which
 * can end, or it is a recursive build stuck itself.  Anything waiting
 * for storeproc or mountproc can still end.
 */
static int
rec_goal_stuck_now(struct goal *g, unsigned int gen, unsigned int depth)
{
	size_t	i;

	switch (g->g_state) {
	case GS_QUEUED:
		return (1);
	case GS_DEPS:
		if (g->g_busy)
			return (0);
		for (i = 0; i < g->g_ninputs; i++)
			if (g->g_inputs[i]->g_state != GS_DONE &&
			    !rec_goal_stuck(g->g_inputs[i], gen, depth + 1))
				return (0);
		return (1);
	case GS_RUN:
		return (g->g_rec != NULL &&
		    rec_build_stuck(g->g_rec, gen, depth + 1));
	default:
		return (0);
	}
}

/*
 * rec_goal_stuck_now(), once per goal and walk (gen): inputs shared by
 * many goals make exponentially many paths.  A goal met again while
 * it is being looked at is a cycle of recursive builds, which counts
 * as stuck, as does a walk too deep.  Each answer is "stuck" only if
 * everything below is; the first goal that can end ends the walk, so
 * no answer that assumed a cycle is used after it.
 */
static int
rec_goal_stuck(struct goal *g, unsigned int gen, unsigned int depth)
{
	if (depth > DRV_DEPTH_MAX)
		return (1);
	if (g->g_mark == gen)
		return (g->g_stuck);
	g->g_mark = gen;
	g->g_stuck = 1;
	g->g_stuck = rec_goal_stuck_now(g, gen, depth);
	return (g->g_stuck);
}

/* Every item of req not over waits for a stuck goal. */
static int
rec_req_stuck(const struct build_req *req, unsigned int gen,
    unsigned int depth)
{
	const struct build_item	*it;
	size_t			 i;

	if (req->br_calls > 0)
		return (0);
	for (i = 0; i < req->br_nitems; i++) {
		it = &req->br_items[i];
		if (it->bi_done)
			continue;
		if (!it->bi_drv || it->bi_wload || it->bi_goal == NULL ||
		    !rec_goal_stuck(it->bi_goal, gen, depth))
			return (0);
	}
	return (1);
}

/* rb waits for inner builds, and none of its waits can end. */
static int
rec_build_stuck(const struct rec_build *rb, unsigned int gen,
    unsigned int depth)
{
	struct rec_session	*rs;
	int			 n = 0;

	if (!rec_waiting(rb))
		return (0);
	TAILQ_FOREACH(rs, &rb->rb_sessions, rs_entry) {
		if (rs->rs_session->s_build == NULL)
			continue;
		if (!rec_req_stuck(rs->rs_session->s_build, gen, depth))
			return (0);
		n++;
	}
	return (n > 0);
}

/*
 * Goals wait for a build user, and every user is held by a recursive
 * build that waits for inner builds.  Returns 1 if so; then *stuck is
 * the newest such build none of whose waits can end, if every one is
 * so (none can ever give its user back), else NULL: the pool may
 * still move.
 */
static int
rec_pool_full(struct rec_build **stuck)
{
	struct rec_build	*rb, *last = NULL;
	size_t			 n = 0, nstuck = 0;

	*stuck = NULL;
	if (!sched_stalled())
		return (0);
	TAILQ_FOREACH(rb, &rec_builds, rb_entry) {
		if (!rec_waiting(rb))
			continue;
		n++;
		if (rec_build_stuck(rb, req_mark_new(), 0)) {
			nstuck++;
			last = rb;
		}
	}
	if (n == 0 || n < users_busy())
		return (0);
	if (nstuck == n)
		*stuck = last;
	return (1);
}

static void
rec_pool_arm(void)
{
	struct timeval	tv = { REC_POOL_WAIT, 0 };

	evtimer_set(&rec_pool_ev, rec_pool_timeout, NULL);
	evtimer_add(&rec_pool_ev, &tv);
	rec_pool_armed = 1;
}

/*
 * Still full: if stuck for good, the newest stuck build's inner build
 * ops fail, naming the setting, so that its builder can end and give
 * its user back; if not yet, look again later (what may end gives no
 * sign here).
 */
static void
rec_pool_timeout(int fd, short events, void *arg)
{
	struct rec_build	*rb;
	struct rec_session	*rs, *trs;
	char			*msg;

	(void)fd;
	(void)events;
	(void)arg;
	rec_pool_armed = 0;
	if (!rec_pool_full(&rb))
		return;
	if (rb == NULL) {
		rec_pool_arm();
		return;
	}
	if (asprintf(&msg, "cannot build inside '" OPS_HL("%s") "': all "
	    "%zu users of build-users-group '%s' are held by recursive "
	    "builds waiting for inner builds; add users to the group or "
	    "run fewer recursive builds at once", rb->rb_goal->g_path,
	    users_busy(), builder_env.be_conf->conf_build_users_group) == -1)
		fatal("asprintf");
	log_warnx("%s", msg);
	TAILQ_FOREACH_SAFE(rs, &rb->rb_sessions, rs_entry, trs)
		if (rs->rs_session->s_build != NULL)
			req_abort(rs->rs_session, msg);
	free(msg);
}

/* The scheduler found no free build user: is it for good? */
void
rec_pool_stalled(void)
{
	struct rec_build	*rb;

	if (!rec_pool_armed && rec_pool_full(&rb))
		rec_pool_arm();
}

void
rec_session_attach(struct session *s, struct rec_build *rb)
{
	struct rec_session	*rs;

	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		fatal("calloc");
	rs->rs_session = s;
	rs->rs_build = rb;
	rs->rs_phase = REC_PHASE_OP;
	s->s_rec = rs;
	TAILQ_INSERT_TAIL(&rb->rb_sessions, rs, rs_entry);
	rb->rb_nsessions++;
}

void
rec_session_detach(struct session *s)
{
	struct rec_session	*rs = s->s_rec;

	if (rs == NULL)
		return;
	rec_clear(s);
	TAILQ_REMOVE(&rs->rs_build->rb_sessions, rs, rs_entry);
	rs->rs_build->rb_nsessions--;
	s->s_rec = NULL;
	free(rs);
}

/* Forget what the op in progress would have made allowed. */
void
rec_clear(struct session *s)
{
	if (s->s_rec == NULL)
		return;
	wire_strings_free(s->s_rec->rs_cand, s->s_rec->rs_ncand);
	s->s_rec->rs_cand = NULL;
	s->s_rec->rs_ncand = 0;
	wire_strings_free(s->s_rec->rs_extra, s->s_rec->rs_nextra);
	s->s_rec->rs_extra = NULL;
	s->s_rec->rs_nextra = 0;
	s->s_rec->rs_phase = REC_PHASE_OP;
	s->s_rec->rs_binds = 0;
}

static void
rec_push(char ***v, size_t *n, const char *str)
{
	if ((*v = reallocarray(*v, *n + 2, sizeof(**v))) == NULL ||
	    ((*v)[*n] = strdup(str)) == NULL)
		fatal("reallocarray");
	(*n)++;
	(*v)[*n] = NULL;
}

/*
 * QueryMissing's unknown set holds store paths: a derivation target's
 * .drv, not "drv!outputs" (the client parses each as a store path).
 * A set: each once.
 */
static void
rec_push_unknown(char ***v, size_t *n, const char *derived)
{
	size_t	len = strcspn(derived, "!"), i;
	char	*path;

	if ((path = strndup(derived, len)) == NULL)
		fatal("strndup");
	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i], path) == 0)
			break;
	if (i == *n)
		rec_push(v, n, path);
	free(path);
}

/* The op in progress makes path allowed if it succeeds. */
void
rec_candidate(struct session *s, const char *path)
{
	if (s->s_rec != NULL)
		rec_push(&s->s_rec->rs_cand, &s->s_rec->rs_ncand, path);
}

/* NULL if every reference of an add is allowed, else why not. */
const char *
rec_check_refs(struct session *s, char *const *refs, size_t n,
    const char *self)
{
	static char	msg[STOREPATH_MAX + 128];
	size_t		i;

	if (s->s_rec == NULL)
		return (NULL);
	for (i = 0; i < n; i++) {
		if (self != NULL && strcmp(refs[i], self) == 0)
			continue;
		if (!rec_allowed(s->s_rec->rs_build, refs[i])) {
			snprintf(msg, sizeof(msg), "reference '%s' of an added "
			    "path is unknown in recursive Nix", refs[i]);
			return (msg);
		}
	}
	return (NULL);
}

/* Path info as a recursive client sees it: nothing of the host's. */
void
rec_censor_info(struct session *s, struct wire_path_info *pi)
{
	if (s->s_rec == NULL)
		return;
	free(pi->pi_deriver);
	pi->pi_deriver = NULL;
	pi->pi_regtime = 0;
	pi->pi_ultimate = 0;
	wire_strings_free(pi->pi_sigs, pi->pi_nsigs);
	pi->pi_sigs = NULL;
	pi->pi_nsigs = 0;
}

/* An inner build's failure, without the log tail. */
char *
rec_censor_error(struct session *s, const char *err)
{
	char	*text;
	size_t	 len;

	len = strlen(err);
	if (s != NULL && s->s_rec != NULL && strstr(err, ";\nlast ") != NULL)
		len = strstr(err, ";\nlast ") - err;
	if ((text = strndup(err, len)) == NULL)
		fatal("strndup");
	return (text);
}

/* The closure of the candidates is known: bind what is new. */
static void
rec_closure_reply(void *arg, struct imsg *imsg)
{
	struct session		 *s;
	struct rec_session	 *rs;
	char			**paths;
	const char		 *errstr;
	size_t			  npaths, i;

	if ((s = session_find((uint32_t)(uintptr_t)arg)) == NULL ||
	    (rs = s->s_rec) == NULL || rs->rs_phase != REC_PHASE_CLOSURE)
		return;
	s->s_wait = 0;
	if (imsg_get_type(imsg) != IMSG_STORE_PATHS ||
	    msg_recv_paths(imsg, builder_storedir(), 0, &paths, &npaths,
	    &errstr) == -1) {
		ops_error(s, "cannot query the closure of the new paths");
		session_process(s);
		return;
	}
	rs->rs_phase = REC_PHASE_BINDS;
	(void)msg_send_paths(builder_store(), IMSG_STORE_TEMP_ROOTS,
	    rs->rs_build->rb_rootid, paths, npaths);
	wire_strings_free(rs->rs_cand, rs->rs_ncand);
	rs->rs_cand = NULL;
	rs->rs_ncand = 0;
	for (i = 0; i < npaths; i++) {
		if (rec_allowed(rs->rs_build, paths[i]))
			continue;
		rec_push(&rs->rs_cand, &rs->rs_ncand, paths[i]);
		bmount_bind(rs->rs_build->rb_goal, s->s_id, paths[i]);
		rs->rs_binds++;
	}
	wire_strings_free(paths, npaths);
	if (rs->rs_binds > 0)
		s->s_wait = 1;
	session_process(s);
}

/*
 * The op is about to answer: first make its new paths allowed (their
 * closure from storeproc, then a bind each).  Returns 1 while that
 * goes on, 0 when the answer may go out.
 */
int
rec_op_done(struct session *s)
{
	struct rec_session	*rs = s->s_rec;
	uint32_t		 id;

	if (rs == NULL || s->s_error != NULL || rs->rs_ncand == 0 ||
	    rs->rs_phase != REC_PHASE_OP)
		return (0);
	rs->rs_phase = REC_PHASE_CLOSURE;
	id = bstore_call_new(rec_closure_reply, (void *)(uintptr_t)s->s_id);
	if (msg_send_paths(builder_store(), IMSG_STORE_QUERY_CLOSURE, id,
	    rs->rs_cand, rs->rs_ncand) == -1) {
		ops_error(s, "too many new paths");
		return (0);
	}
	s->s_wait = 1;
	return (1);
}

/* mountproc answered a BIND_PATH of session peerid. */
void
rec_bind_reply(uint32_t peerid, const char *error)
{
	struct session		*s;
	struct rec_session	*rs;
	struct rec_build	*rb;
	size_t			 i;

	if ((s = session_find(peerid)) == NULL || (rs = s->s_rec) == NULL ||
	    rs->rs_phase != REC_PHASE_BINDS || rs->rs_binds == 0)
		return;
	if (error != NULL) {
		log_warnx("session %u: bind: %s", s->s_id, error);
		ops_error(s, "cannot make a new path appear in the sandbox");
	}
	if (--rs->rs_binds > 0)
		return;
	rs->rs_phase = REC_PHASE_DONE;
	rb = rs->rs_build;
	s->s_wait = 0;
	for (i = 0; s->s_error == NULL && i < rs->rs_ncand; i++)
		if (rec_allow_one(rs->rs_build, rs->rs_cand[i]))
			rec_push(&rb->rb_added, &rb->rb_nadded,
			    rs->rs_cand[i]);
	session_process(s);
}

/*
 * The policy, as the op table's od_rec column says.  Each op either
 * answers here or runs as usual; those that look at the request do it
 * on the arguments the op's own parser read.
 */
static int
rec_path_op(struct session *s, enum rec_policy rec, struct wire_in *in,
    struct op_args *args)
{
	if (args->oa_path == NULL)
		fatalx("%s: a path policy without a parsed path",
		    ops_name(s));
	if (rec_allowed(s->s_rec->rs_build, args->oa_path))
		return (ops_run(s, in, args));
	if (rec == REC_PATH_FALSE ||
	    (rec == REC_PATH_NOTFOUND && s->s_hello.wh_minor >= 17))
		wire_put_bool(&s->s_reply, 0);
	else
		ops_error(s, "path '" OPS_HL("%s") "' is unknown in recursive "
		    "Nix: it is neither an input of this build nor added or "
		    "built through its socket", args->oa_path);
	return (1);
}

/* Only the allowed ones of the paths asked about go to storeproc. */
static int
rec_valid_paths(struct session *s, struct wire_in *in, struct op_args *args)
{
	size_t	nok = 0, i;

	for (i = 0; i < args->oa_npaths; i++) {
		if (rec_allowed(s->s_rec->rs_build, args->oa_paths[i]))
			args->oa_paths[nok++] = args->oa_paths[i];
		else
			free(args->oa_paths[i]);
	}
	args->oa_npaths = nok;
	return (ops_run(s, in, args));
}

static int
rec_all_paths(struct session *s)
{
	struct rec_path	 *rp;
	char		**v = NULL;
	size_t		  n = 0;

	RB_FOREACH(rp, rec_paths, &s->s_rec->rs_build->rb_allowed) {
		if ((v = reallocarray(v, n + 1, sizeof(*v))) == NULL)
			fatal("reallocarray");
		v[n++] = rp->rp_path;
	}
	wire_put_string_set(&s->s_reply, v, n);
	free(v);
	return (1);
}

/* The derived path's store path (the .drv, or the path itself). */
static int
rec_derived_allowed(struct session *s, const char *dp)
{
	char	*base;
	int	 ok;

	if ((base = strdup(dp)) == NULL)
		fatal("strdup");
	base[strcspn(base, "!")] = '\0';
	ok = rec_allowed(s->s_rec->rs_build, base);
	free(base);
	return (ok);
}

/* Unknown targets are reported unknown; only the others are asked. */
static int
rec_missing(struct session *s, struct wire_in *in, struct op_args *args)
{
	struct rec_session	*rs = s->s_rec;
	size_t			 nok = 0, i;

	for (i = 0; i < args->oa_npaths; i++) {
		if (rec_derived_allowed(s, args->oa_paths[i]))
			args->oa_paths[nok++] = args->oa_paths[i];
		else {
			rec_push_unknown(&rs->rs_extra, &rs->rs_nextra,
			    args->oa_paths[i]);
			free(args->oa_paths[i]);
		}
	}
	args->oa_npaths = nok;
	if (nok > 0)
		return (ops_run(s, in, args));
	wire_put_u64(&s->s_reply, 0);
	wire_put_u64(&s->s_reply, 0);
	wire_put_string_set(&s->s_reply, rs->rs_extra, rs->rs_nextra);
	wire_put_u64(&s->s_reply, 0);
	wire_put_u64(&s->s_reply, 0);
	return (1);
}

/* Every target must be allowed, and the build mode normal. */
static int
rec_build_paths(struct session *s, struct wire_in *in, struct op_args *args)
{
	size_t	npaths = args->oa_npaths, i;
	int	rc;

	if (args->oa_mode == WIRE_BUILD_REPAIR)
		ops_error(s, "repairing is not allowed because you are not "
		    "in 'trusted-users'");
	else if (args->oa_mode != WIRE_BUILD_NORMAL)
		ops_error(s, "unsupported build mode in recursive Nix");
	for (i = 0; s->s_error == NULL && i < npaths; i++)
		if (!rec_derived_allowed(s, args->oa_paths[i]))
			ops_error(s, "cannot build '" OPS_HL("%s") "' in "
			    "recursive Nix because path is unknown",
			    args->oa_paths[i]);
	if (s->s_error != NULL)
		return (1);
	rc = ops_run(s, in, args);
	/* The goals may be queued already, behind every user. */
	if (npaths > 0)
		rec_pool_stalled();
	return (rc);
}

/* Roots and the collector: accepted, and nothing happens. */
static int
rec_gc_noop(struct session *s, struct wire_in *in, uint64_t op)
{
	char		**paths, *str;
	uint64_t	  action, v;
	size_t		  npaths;
	int		  rc, b;

	switch (op) {
	case WOP_ADD_TEMP_ROOT:
	case WOP_ADD_INDIRECT_ROOT:
		if ((rc = wire_get_string(in, &str, NULL, 4096)) != 1)
			return (rc);
		free(str);
		wire_put_u64(&s->s_reply, 1);
		return (1);
	case WOP_SYNC_WITH_GC:
	case WOP_OPTIMISE_STORE:
		wire_put_u64(&s->s_reply, 1);
		return (1);
	case WOP_FIND_ROOTS:
		wire_put_u64(&s->s_reply, 0);
		return (1);
	}
	/* CollectGarbage: action, paths, ignoreLiveness, maxFreed, 3 more. */
	if ((rc = wire_get_u64(in, &action)) != 1 ||
	    (rc = wire_get_storepaths(in, builder_storedir(), &paths, &npaths,
	    MSG_PATHS_MAX)) != 1)
		return (rc);
	wire_strings_free(paths, npaths);
	if ((rc = wire_get_bool(in, &b)) != 1 ||
	    (rc = wire_get_u64(in, &v)) != 1 ||
	    (rc = wire_get_u64(in, &v)) != 1 ||
	    (rc = wire_get_u64(in, &v)) != 1 ||
	    (rc = wire_get_u64(in, &v)) != 1)
		return (rc);
	if (b)
		ops_error(s, "you are not allowed to ignore liveness");
	wire_put_u64(&s->s_reply, 0);
	wire_put_u64(&s->s_reply, 0);
	wire_put_u64(&s->s_reply, 0);
	return (1);
}

/* Nothing is checked, and nothing repaired. */
static int
rec_verify(struct session *s, struct op_args *args)
{
	if (args->oa_repair)
		ops_error(s, "you are not privileged to repair paths");
	else
		wire_put_bool(&s->s_reply, 0);
	return (1);
}

static int
rec_set_options(struct session *s, struct wire_in *in, struct op_args *args)
{
	int	rc;

	/* Parsed, and forgotten: the outer build's client decides. */
	if ((rc = ops_run(s, in, args)) == 1) {
		wire_options_free(&s->s_opts);
		memset(&s->s_opts, 0, sizeof(s->s_opts));
	}
	return (rc);
}

/*
 * An op not on the list (QueryPathFromHashPart, BuildDerivation,
 * AddSignatures, AddBuildLog, RegisterDrvOutput, QueryRealisation,
 * ExportPath, ImportPaths): its own parser read its arguments, so the
 * connection stays usable; it never runs, and nothing goes to
 * storeproc or mountproc.
 */
static int
rec_refuse(struct session *s, uint64_t op)
{
	int	fd;

	ops_error(s, "operation '%s' " REC_NOT_ALLOWED, ops_name(s));
	/* AddBuildLog's framed log follows: read to its end, dropped. */
	if (op == WOP_ADD_BUILD_LOG)
		upload_start(s, UPLOAD_MODE_DISCARD, 0, &fd);
	return (1);
}

/*
 * Start op on a recursive session, as its policy rec says, args being
 * what the op's parser read (if it has one); as ops_start returns.
 */
int
rec_op_start(struct session *s, enum rec_policy rec, uint64_t op,
    struct wire_in *in, struct op_args *args)
{
	switch (rec) {
	case REC_DELEGATE:
		return (ops_run(s, in, args));
	case REC_PATH_FALSE:
	case REC_PATH_NOTFOUND:
	case REC_PATH_ERROR:
		return (rec_path_op(s, rec, in, args));
	case REC_PATHS_FILTER:
		return (rec_valid_paths(s, in, args));
	case REC_PATHS_ALLOWED:
		return (rec_all_paths(s));
	case REC_MISSING_FILTER:
		return (rec_missing(s, in, args));
	case REC_BUILD_FILTER:
		return (rec_build_paths(s, in, args));
	case REC_EMPTY:
		wire_put_u64(&s->s_reply, 0);
		return (1);
	case REC_GC_NOOP:
		return (rec_gc_noop(s, in, op));
	case REC_VERIFY:
		return (rec_verify(s, args));
	case REC_OPTIONS:
		return (rec_set_options(s, in, args));
	case REC_REFUSE:
		break;
	}
	return (rec_refuse(s, op));
}

/* Drop from v the paths s may not know of. */
static void
rec_keep_allowed(struct session *s, char **v, size_t *n)
{
	size_t	i, kept = 0;

	for (i = 0; i < *n; i++) {
		if (rec_allowed(s->s_rec->rs_build, v[i]))
			v[kept++] = v[i];
		else
			free(v[i]);
	}
	*n = kept;
}

/*
 * QueryMissing: what storeproc found below the allowed targets is told
 * only for allowed paths (an added .drv can name any path as input,
 * and whether it would be built says whether its outputs are valid);
 * the targets that were not asked about are unknown.
 */
void
rec_missing_extra(struct session *s, struct msg_missing *mm)
{
	size_t	i;

	if (s->s_rec == NULL)
		return;
	rec_keep_allowed(s, mm->mm_will_build, &mm->mm_nwill_build);
	rec_keep_allowed(s, mm->mm_will_substitute,
	    &mm->mm_nwill_substitute);
	rec_keep_allowed(s, mm->mm_unknown, &mm->mm_nunknown);
	for (i = 0; i < s->s_rec->rs_nextra; i++)
		rec_push_unknown(&mm->mm_unknown, &mm->mm_nunknown,
		    s->s_rec->rs_extra[i]);
}

/*
 * The first path the graph below g names that the build of s may not
 * use, or NULL: a .drv, or an input source, not allowed.  The text of
 * every .drv counts, all the way down, not what its adder declared as
 * its references (nothing ties the two together): else a .drv added
 * through the socket could name any valid path as an input source,
 * and its build would read it and hand on its closure.  gen marks the
 * goals seen, so that a shared input is looked at once.
 */
const char *
rec_graph_unknown(const struct session *s, struct goal *g, unsigned int gen,
    unsigned int depth)
{
	const char	*path;
	size_t		 i;

	if (s->s_rec == NULL || g->g_mark == gen)
		return (NULL);
	g->g_mark = gen;
	if (depth > DRV_DEPTH_MAX || g->g_drv == NULL ||
	    !rec_allowed(s->s_rec->rs_build, g->g_path))
		return (g->g_path);
	for (i = 0; i < g->g_drv->d_nsrcs; i++)
		if (!rec_allowed(s->s_rec->rs_build, g->g_drv->d_srcs[i]))
			return (g->g_drv->d_srcs[i]);
	for (i = 0; i < g->g_ninputs; i++)
		if ((path = rec_graph_unknown(s, g->g_inputs[i], gen,
		    depth + 1)) != NULL)
			return (path);
	return (NULL);
}

/*
 * The fixed-output derivations in the graph below g, added to *list;
 * returns how many there are now.  gen marks the goals seen: a graph
 * of shared inputs has exponentially many paths, and each goal is
 * looked at once.
 */
size_t
rec_graph_fixed(struct goal *g, unsigned int gen, unsigned int depth,
    struct goal ***list, size_t *n)
{
	size_t	i;

	if (depth > DRV_DEPTH_MAX || g->g_drv == NULL || g->g_mark == gen)
		return (*n);
	g->g_mark = gen;
	if (sched_fixed(g)) {
		if ((*list = reallocarray(*list, *n + 1,
		    sizeof(**list))) == NULL)
			fatal("reallocarray");
		(*list)[(*n)++] = g;
		return (*n);
	}
	for (i = 0; i < g->g_ninputs; i++)
		(void)rec_graph_fixed(g->g_inputs[i], gen, depth + 1, list, n);
	return (*n);
}
