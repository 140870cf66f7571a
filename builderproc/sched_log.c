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
 * A running build's log: the pty master mountproc handed over is read
 * until EIO (the builder and everything it started are gone).  Each
 * line goes, as Nix 2.8 sends it, to every client that waits for the
 * goal, directly or through other goals: a Build activity, started the
 * first time the client hears of this build, with one BuildLogLine
 * result per line.  The raw bytes also go down a pipe to storeproc,
 * which writes the log file nix-store -l reads.  The last lines are
 * kept for the failure message; the timers for timeout and
 * max-silent-time live here, since output is what resets silence.
 * The lines of an inner build of a recursive one also join the outer
 * build's log (buildlog_inner_line) and reach the outer build's clients.
 *
 * Nothing is dropped and nothing grows without bound: when storeproc's
 * pipe is full (the rest of a read waits in g_pend) or a client has
 * SESSION_OUT_HIGH bytes unsent, the pty is not read for a while, so the
 * builder blocks in write(2).  Silence is not counted meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builderproc.h"
#include "session.h"
#include "sched.h"
#include "log.h"
#include "msg_store.h"

static void	buildlog_read(int, short, void *);
static void	buildlog_timeout(int, short, void *);
static void	buildlog_silence(int, short, void *);
static void	buildlog_resume(int, short, void *);

static void
buildlog_ok_reply(void *arg, struct imsg *imsg)
{
	(void)arg;
	if (imsg_get_type(imsg) != IMSG_STORE_OK)
		log_debug("build log not kept");
}

/* The limits of the first client that wants the goal, else the config. */
static void
buildlog_limits(struct goal *g, unsigned int *timeout, unsigned int *silence)
{
	struct session	*s;

	*timeout = builder_env.be_conf->conf_timeout;
	*silence = builder_env.be_conf->conf_max_silent_time;
	if ((s = req_first_session(g)) == NULL)
		return;
	if (s->s_opts.opt_max_silent_time > 0 &&
	    s->s_opts.opt_max_silent_time <= CONFIG_UINT_MAX)
		*silence = s->s_opts.opt_max_silent_time;
	req_session_timeout(s, timeout);
}

void
buildlog_start(struct goal *g)
{
	struct timeval	tv = { 0, 0 };
	unsigned int	timeout, silence;
	int		fds[2];
	uint32_t	id;

	if (fcntl(g->g_logfd, F_SETFL, O_NONBLOCK) == -1)
		log_warn("%s: fcntl", __func__);
	event_set(&g->g_ev_log, g->g_logfd, EV_READ | EV_PERSIST, buildlog_read,
	    g);
	event_add(&g->g_ev_log, NULL);
	evtimer_set(&g->g_ev_timeout, buildlog_timeout, g);
	evtimer_set(&g->g_ev_silence, buildlog_silence, g);
	evtimer_set(&g->g_ev_resume, buildlog_resume, g);
	g->g_paused = 0;
	buildlog_limits(g, &timeout, &silence);
	g->g_silence = silence;
	g->g_timeout = timeout;
	if (timeout > 0) {
		tv.tv_sec = timeout;
		evtimer_add(&g->g_ev_timeout, &tv);
	}
	if (silence > 0) {
		tv.tv_sec = silence;
		evtimer_add(&g->g_ev_silence, &tv);
	}
	g->g_act = sched_activity_id();
	req_log_begin(g);
	if (pipe2(fds, O_CLOEXEC) == -1) {
		log_warn("%s: pipe2", __func__);
		return;
	}
	if (fcntl(fds[1], F_SETFL, O_NONBLOCK) == -1)
		log_warn("%s: fcntl", __func__);
	g->g_storelog = fds[1];
	id = bstore_call_new(buildlog_ok_reply, NULL);
	msg_send_path(builder_store(), IMSG_STORE_BUILD_LOG, id,
	    g->g_path, fds[0]);
}

static void
buildlog_tail_add(struct goal *g, const char *line, size_t len)
{
	char	*copy;

	if ((copy = strndup(line, len)) == NULL)
		fatal("strndup");
	if (g->g_ntail < GOAL_TAIL_LINES) {
		g->g_tail[g->g_ntail++] = copy;
		return;
	}
	free(g->g_tail[g->g_tailpos]);
	g->g_tail[g->g_tailpos] = copy;
	g->g_tailpos = (g->g_tailpos + 1) % GOAL_TAIL_LINES;
}

void
buildlog_tail_free(struct goal *g)
{
	size_t	i;

	for (i = 0; i < g->g_ntail; i++)
		free(g->g_tail[i]);
	g->g_ntail = g->g_tailpos = 0;
	free(g->g_line);
	g->g_line = NULL;
	g->g_linelen = 0;
}

/* One whole line, without its "\n" (and the pty's "\r"). */
static void
buildlog_line(struct goal *g, const char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	buildlog_tail_add(g, line, len);
	req_log_line(g, line, len);
}

static void
buildlog_bytes(struct goal *g, const char *buf, size_t len)
{
	const char	*nl;
	size_t		 n;
	char		*p;

	while (len > 0) {
		nl = memchr(buf, '\n', len);
		n = nl != NULL ? (size_t)(nl - buf) : len;
		if (g->g_linelen + n > GOAL_LINE_MAX)
			n = GOAL_LINE_MAX - g->g_linelen;
		if ((p = realloc(g->g_line, g->g_linelen + n + 1)) == NULL)
			fatal("realloc");
		g->g_line = p;
		memcpy(p + g->g_linelen, buf, n);
		g->g_linelen += n;
		if (nl != NULL) {
			buildlog_line(g, g->g_line, g->g_linelen);
			g->g_linelen = 0;
			n = nl - buf + 1;
		} else if (g->g_linelen == GOAL_LINE_MAX) {
			buildlog_line(g, g->g_line, g->g_linelen);
			g->g_linelen = 0;
		}
		buf += n;
		len -= n;
	}
}

/* Into storeproc's pipe; what does not fit now waits in g_pend. */
static void
buildlog_store(struct goal *g, const char *buf, size_t len)
{
	ssize_t	n;

	if (g->g_storelog == -1 || len == 0)
		return;
	if (g->g_npend == 0) {
		if ((n = write(g->g_storelog, buf, len)) == -1) {
			if (errno != EAGAIN && errno != EINTR) {
				log_warn("%s: build log pipe", g->g_path);
				close(g->g_storelog);
				g->g_storelog = -1;
				return;
			}
			n = 0;
		}
		buf += n;
		len -= n;
		if (len == 0)
			return;
	}
	if ((g->g_pend = realloc(g->g_pend, g->g_npend + len)) == NULL)
		fatal("realloc");
	memcpy(g->g_pend + g->g_npend, buf, len);
	g->g_npend += len;
}

/* Move what waits in g_pend to the pipe; 0 once nothing waits. */
static int
buildlog_store_flush(struct goal *g)
{
	ssize_t	n;

	if (g->g_npend == 0)
		return (0);
	if (g->g_storelog == -1) {
		g->g_npend = 0;
		return (0);
	}
	if ((n = write(g->g_storelog, g->g_pend, g->g_npend)) == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return (-1);
		log_warn("%s: build log pipe", g->g_path);
		close(g->g_storelog);
		g->g_storelog = -1;
		g->g_npend = 0;
		return (0);
	}
	memmove(g->g_pend, g->g_pend + n, g->g_npend - n);
	g->g_npend -= n;
	return (g->g_npend == 0 ? 0 : -1);
}

static void
buildlog_silence_restart(struct goal *g)
{
	struct timeval	tv = { 0, 0 };

	if (g->g_silence > 0) {
		tv.tv_sec = g->g_silence;
		evtimer_add(&g->g_ev_silence, &tv);
	}
}

/* Stop reading the pty until storeproc and the clients catch up. */
static void
buildlog_hold(struct goal *g)
{
	struct timeval	tv = { 0, BUILD_LOG_POLL * 1000 };

	if (!g->g_paused) {
		event_del(&g->g_ev_log);
		evtimer_del(&g->g_ev_silence);
		g->g_paused = 1;
	}
	evtimer_add(&g->g_ev_resume, &tv);
}

static void
buildlog_resume(int fd, short events, void *arg)
{
	struct goal	*g = arg;

	(void)fd;
	(void)events;
	if (g->g_logfd == -1)
		return;
	if (buildlog_store_flush(g) == -1 || req_log_congested(g)) {
		buildlog_hold(g);
		return;
	}
	g->g_paused = 0;
	event_add(&g->g_ev_log, NULL);
	buildlog_silence_restart(g);
}

static void
buildlog_read(int fd, short events, void *arg)
{
	struct goal	*g = arg;
	char		 buf[SESSION_READ_CHUNK];
	ssize_t		 n;

	(void)events;
	if ((n = read(fd, buf, sizeof(buf))) == -1 &&
	    (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* EIO: the last process holding the pty slave is gone. */
		buildlog_stop(g);
		return;
	}
	buildlog_store(g, buf, n);
	buildlog_bytes(g, buf, n);
	if (g->g_npend > 0 || req_log_congested(g))
		buildlog_hold(g);
	else
		buildlog_silence_restart(g);
}

/*
 * The rest of the log goes to storeproc, which reads the pipe whatever
 * else it does: wait for it (a builder's last output is at most what
 * a pty and one read hold).
 */
static void
buildlog_store_end(struct goal *g)
{
	int	flags;

	if (g->g_storelog != -1 && g->g_npend > 0 &&
	    (flags = fcntl(g->g_storelog, F_GETFL)) != -1 &&
	    fcntl(g->g_storelog, F_SETFL, flags & ~O_NONBLOCK) != -1)
		(void)buildlog_store_flush(g);
	free(g->g_pend);
	g->g_pend = NULL;
	g->g_npend = 0;
	if (g->g_storelog != -1)
		close(g->g_storelog);
	g->g_storelog = -1;
}

/* End of the log: what remains in the pty, then close everything. */
void
buildlog_stop(struct goal *g)
{
	char	buf[SESSION_READ_CHUNK];
	ssize_t	n;

	if (g->g_logfd == -1)
		return;
	while ((n = read(g->g_logfd, buf, sizeof(buf))) > 0) {
		buildlog_store(g, buf, n);
		buildlog_bytes(g, buf, n);
	}
	if (g->g_linelen > 0) {
		buildlog_line(g, g->g_line, g->g_linelen);
		g->g_linelen = 0;
	}
	event_del(&g->g_ev_log);
	evtimer_del(&g->g_ev_timeout);
	evtimer_del(&g->g_ev_silence);
	evtimer_del(&g->g_ev_resume);
	g->g_paused = 0;
	close(g->g_logfd);
	g->g_logfd = -1;
	buildlog_store_end(g);
	req_log_stop(g);
}

static void
buildlog_kill(struct goal *g, const char *fmt, unsigned int secs)
{
	if (g->g_killed != 0)
		return;
	g->g_killed = WIRE_BS_TIMED_OUT;
	if (asprintf(&g->g_kill_msg, fmt, g->g_path, secs) == -1)
		fatal("asprintf");
	bmount_kill(g);
}

/*
 * A line of an inner build of g (recursive Nix) joins g's own log.  A
 * whole line at once: a partial line of g's builder may be cut by it.
 */
void
buildlog_inner_line(struct goal *g, const char *line, size_t len)
{
	if (g->g_logfd == -1 || g->g_storelog == -1)
		return;
	buildlog_store(g, line, len);
	buildlog_store(g, "\n", 1);
	/* What waits goes out from buildlog_resume, as for g's own output. */
	if (g->g_npend > 0)
		buildlog_hold(g);
	else if (!g->g_paused)
		buildlog_silence_restart(g);	/* g's log grew: not silent */
}

static void
buildlog_timeout(int fd, short events, void *arg)
{
	struct goal	*g = arg;

	(void)fd;
	(void)events;
	buildlog_kill(g, "building of '" OPS_HL("%s") "' timed out after "
	    OPS_HL("%u") " seconds", g->g_timeout);
}

static void
buildlog_silence(int fd, short events, void *arg)
{
	struct goal	*g = arg;

	(void)fd;
	(void)events;
	buildlog_kill(g, "building of '" OPS_HL("%s") "' timed out after "
	    OPS_HL("%u") " seconds of silence", g->g_silence);
}

/* "builder for '…' failed with exit code N;\nlast N log lines:…" */
char *
buildlog_failure_text(struct goal *g)
{
	char	*text, *how, *tmp;
	size_t	 i;
	int	 st = g->g_exit;

	if (WIFEXITED(st)) {
		if (asprintf(&how, "failed with exit code %d",
		    WEXITSTATUS(st)) == -1)
			fatal("asprintf");
	} else if (asprintf(&how, "failed due to signal %d (%s)",
	    WTERMSIG(st), strsignal(WTERMSIG(st))) == -1)
		fatal("asprintf");
	if (asprintf(&text, "builder for '" OPS_HL("%s") "' %s", g->g_path,
	    how) == -1)
		fatal("asprintf");
	free(how);
	if (g->g_ntail == 0)
		return (text);
	if (asprintf(&tmp, "%s;\nlast %zu log lines:\n", text,
	    g->g_ntail) == -1)
		fatal("asprintf");
	free(text);
	text = tmp;
	for (i = 0; i < g->g_ntail; i++) {
		if (asprintf(&tmp, "%s> %s\n", text,
		    g->g_tail[(g->g_tailpos + i) % g->g_ntail]) == -1)
			fatal("asprintf");
		free(text);
		text = tmp;
	}
	if (asprintf(&tmp, "%sFor full logs, run '\x1b[1mnix log %s\x1b[0m'.",
	    text, g->g_path) == -1)
		fatal("asprintf");
	free(text);
	return (tmp);
}
