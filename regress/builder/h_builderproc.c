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
 * Plays rnixd's parent, storeproc and mountproc around a real
 * rnixd-builderproc, and a Nix client on its daemon socket:
 *
 *	h_builderproc builderproc conffile storedir sockpath logdir
 *
 * The parent's part is what parent_spawn.c does: fd 3, the pushed
 * configuration, the two sibling links (CTL_PEER), the daemon socket
 * (CTL_LISTEN), READY, then the build users.  The fake storeproc
 * answers from a tiny store (paths named "-valid" are valid, one
 * derivation); the fake mountproc refuses every build at START.
 *
 * Then malformed messages from each peer in turn.  What builderproc
 * does with them is what its code and STYLE.md say:
 * - a reply of storeproc the session cannot decode (bad length or
 *   string, too large a count, an fd where none goes) costs that
 *   session: "bad reply from the store", then its connection closes;
 * - a reply nobody waits for (unknown peerid, repeated) is dropped;
 * - a mountproc reply that does not decode, or names no build, is
 *   logged and dropped, and the build waits for a good one;
 * - a type the peer never sends, or broken framing, means the peer is
 *   broken: builderproc exits 1 ("fatal in builderproc: ..."), and
 *   the parent then stops the daemon (fail closed), so each of those
 *   cases gets a builderproc of its own;
 * - anything malformed from the trusted parent is fatal, during the
 *   set-up (child.c) and after it.
 * After every case that is not fatal, a new client is served; no case
 * may end builderproc by a signal (nor, under ASan, by a report).
 * Prints one line per check; exits 1 at the first failure.
 */
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drv.h"
#include "imsg.h"
#include "msg.h"
#include "msg_ctl.h"
#include "msg_mount.h"
#include "msg_store.h"
#include "proc.h"
#include "wire.h"
#include "../msg/msgtest.h"

/* link: regress/msg/msgtest.c */

#define TIMEOUT_MS	20000
/*
 * A peerid of builderproc's own store requests for builds (sched.h's
 * STORE_CALL_BASE and above), none of them made yet.
 */
#define BUILD_CALL_UNKNOWN	(0x80000000U + 12345)

static const char	*bp_prog, *conffile, *storedir, *sockpath, *logdir;
static pid_t		 bp_pid = -1;
static int		 bp_instance;
static char		 bp_log[1024];
static struct imsgbuf	 ib_parent, ib_store, ib_mount;
static int		 ready;		/* builderproc said READY */

static char		 valid_path[256], invalid_path[256];
static char		 drv_path[STOREPATH_MAX], *drv_text;
static size_t		 drv_len;
static int		 bp_nfds = -1;	/* builderproc's, when idle */

/*
 * A hook takes the next store request (or mountproc's next START) instead
 * of the fake peer's normal answer: that is where a case sends its
 * malformed reply.  It returns 1 if it answered.
 */
static int	(*store_hook)(struct imsg *);
static int	(*mount_hook)(struct imsg *, uint64_t);

/*
 * The message layer, as common/ has it now: every message the fake
 * peers send is encoded here, so that a new encoding is a change of
 * these few functions.
 */

static void
compose(struct imsgbuf *ib, uint32_t type, uint32_t peerid, int fd,
    const void *data, size_t len)
{
	if (imsg_compose(ib, type, peerid, 0, fd, data, len) == -1)
		err(1, "imsg_compose %s", imsg_type_name(type));
}

/* Bytes as they are, header and all: framing no encoder would make. */
static void
send_raw_header(struct imsgbuf *ib, uint32_t type, uint32_t len,
    uint32_t flags)
{
	struct imsg_hdr	hdr;

	if (imsgbuf_flush(ib) == -1)
		err(1, "imsgbuf_flush");
	memset(&hdr, 0, sizeof(hdr));
	hdr.ih_type = type;
	hdr.ih_len = len;
	hdr.ih_flags = flags;
	if (write(ib->ib_fd, &hdr, sizeof(hdr)) != sizeof(hdr))
		err(1, "write");
}

static void
store_send_wire(uint32_t type, uint32_t sid, int fd, struct wire_out *out)
{
	if (out->wo_error)
		errx(1, "encoding %s", imsg_type_name(type));
	compose(&ib_store, type, sid, fd, out->wo_buf, out->wo_len);
	wire_out_free(out);
}

/* STORE_PATHS: a count, then the paths; count may lie. */
static void
store_send_paths(uint32_t sid, uint64_t count, char **paths, size_t npaths,
    int fd)
{
	struct wire_out	out;
	size_t		i;

	wire_out_init(&out, MSG_STORE_MAXSIZE);
	wire_put_u64(&out, count);
	for (i = 0; i < npaths; i++)
		wire_put_string(&out, paths[i]);
	store_send_wire(IMSG_STORE_PATHS, sid, fd, &out);
}

static void
store_send_info(uint32_t sid, const char *path)
{
	struct wire_path_info	pi;
	struct wire_out		out;

	memset(&pi, 0, sizeof(pi));
	pi.pi_path = (char *)path;
	pi.pi_deriver = "";
	pi.pi_narhash = "sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1"
	    "iyzicy5s";
	pi.pi_narsize = 4242;
	pi.pi_regtime = 1700000000;
	pi.pi_ca = "";
	wire_out_init(&out, MSG_STORE_MAXSIZE);
	wire_put_bool(&out, path != NULL);
	if (path != NULL)
		wire_put_path_info(&out, &pi, 1);
	store_send_wire(IMSG_STORE_INFO, sid, -1, &out);
}

/* STORE_ERROR's text, of len bytes (a NUL among them, if asked). */
static void
store_send_error(uint32_t sid, const char *text, size_t len)
{
	struct wire_out	out;

	wire_out_init(&out, MSG_STORE_MAXSIZE);
	wire_put_bytes(&out, text, len);
	store_send_wire(IMSG_STORE_ERROR, sid, -1, &out);
}

static void
store_send_drv(uint32_t sid)
{
	struct wire_out	out;

	wire_out_init(&out, MSG_STORE_MAXSIZE);
	wire_put_bytes(&out, drv_text, drv_len);
	store_send_wire(IMSG_STORE_DRV, sid, -1, &out);
}

static void
mount_send_error(uint32_t peerid, uint64_t id, uint32_t request,
    const char *text)
{
	if (msg_send_mount_error(&ib_mount, peerid, id, request, text) == -1)
		errx(1, "MOUNT_ERROR not sent");
}

/* The end of a message built by hand: it must encode. */
static void
msg_send(struct msg *m)
{
	if (m->m_out.wo_error)
		errx(1, "encoding %s: %s", imsg_type_name(m->m_type),
		    m->m_out.wo_errstr);
	if (msg_close(m) == -1)
		errx(1, "%s not sent", imsg_type_name(m->m_type));
}

/* CRED_REPLY as msg_ctl.c writes it, with fd (-1 for none). */
static void
parent_send_cred_fd(uint32_t id, uint32_t flags, const char *name, int fd)
{
	struct msg	m;

	msg_open(&m, &ib_parent, IMSG_CTL_CRED_REPLY, 0, fd);
	msg_put_u32(&m, id);
	msg_put_u32(&m, flags);
	msg_put_str(&m, name);
	msg_send(&m);
}

static void
parent_send_cred(uint32_t id, uint32_t flags, const char *name)
{
	parent_send_cred_fd(id, flags, name, -1);
}

/* BUILD_USERS announcing nuids, with two uids: the count may lie. */
static void
parent_send_users(uint32_t gid, uint32_t nuids)
{
	struct msg	m;

	msg_open(&m, &ib_parent, IMSG_CTL_BUILD_USERS, 0, -1);
	msg_put_u32(&m, gid);
	msg_put_u64(&m, nuids);
	msg_put_u32(&m, 30001);
	msg_put_u32(&m, 30002);
	msg_send(&m);
}

static void
parent_send_peer(uint32_t proc, int fd)
{
	struct msg	m;

	msg_open(&m, &ib_parent, IMSG_CTL_PEER, 0, fd);
	msg_put_u32(&m, proc);
	msg_send(&m);
}

static void
parent_send_cfg_text(const char *text, size_t len)
{
	struct msg	m;

	msg_open(&m, &ib_parent, IMSG_CFG_TEXT, 0, -1);
	msg_put_bytes(&m, text, len);
	msg_send(&m);
}

static void
parent_send_config(void)
{
	char	 text[8192];
	size_t	 len;
	FILE	*f;

	if ((f = fopen(conffile, "r")) == NULL)
		err(1, "%s", conffile);
	len = fread(text, 1, sizeof(text), f);
	fclose(f);
	msg_send_config(&ib_parent, text, len);
}

/* A descriptor nobody needs, to send where none belongs. */
static int
spare_fd(void)
{
	int	fd;

	if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		err(1, "/dev/null");
	return (fd);
}

/*
 * The fake peers.
 */

/* Requests of builderproc that the fake storeproc answers. */
static void
store_serve(struct imsg *imsg)
{
	const char	*errstr;
	char		*path, **paths, **valid;
	size_t		 npaths, nvalid, i;
	uint32_t	 type = imsg_get_type(imsg);
	uint32_t	 sid = imsg_get_peerid(imsg);
	int		 fd = -1;

	if (type == IMSG_STORE_PING) {
		compose(&ib_store, IMSG_STORE_PONG, 0, -1, NULL, 0);
		return;
	}
	if (store_hook != NULL && store_hook(imsg)) {
		store_hook = NULL;
		return;
	}
	switch (type) {
	case IMSG_STORE_QUERY_INFO:
	case IMSG_STORE_QUERY_DRV:
	case IMSG_STORE_BUILD_LOG:
		if (msg_recv_path(imsg, storedir, &path, &fd, &errstr) == -1)
			errx(1, "builderproc's %s: %s", imsg_type_name(type),
			    errstr);
		if (fd != -1)
			close(fd);
		if (type == IMSG_STORE_QUERY_INFO)
			store_send_info(sid, strstr(path, "-valid") != NULL ?
			    path : NULL);
		else if (type == IMSG_STORE_BUILD_LOG)
			compose(&ib_store, IMSG_STORE_OK, sid, -1, NULL, 0);
		else if (strcmp(path, drv_path) == 0)
			store_send_drv(sid);
		else
			store_send_error(sid, "no such drv", 11);
		free(path);
		break;
	case IMSG_STORE_QUERY_VALID:
	case IMSG_STORE_QUERY_CLOSURE:
	case IMSG_STORE_TEMP_ROOTS:
		if (msg_recv_paths(imsg, storedir, 0, &paths, &npaths,
		    &errstr) == -1)
			errx(1, "builderproc's %s: %s", imsg_type_name(type),
			    errstr);
		if ((valid = calloc(npaths + 1, sizeof(*valid))) == NULL)
			err(1, NULL);
		/* Valid: "-valid" paths and the derivation. */
		for (i = nvalid = 0; i < npaths; i++)
			if (type == IMSG_STORE_QUERY_CLOSURE ||
			    strstr(paths[i], "-valid") != NULL ||
			    strcmp(paths[i], drv_path) == 0)
				valid[nvalid++] = paths[i];
		if (type != IMSG_STORE_TEMP_ROOTS)
			store_send_paths(sid, nvalid, valid, nvalid, -1);
		free(valid);
		wire_strings_free(paths, npaths);
		break;
	case IMSG_STORE_SESSION_END:
		break;
	default:
		store_send_error(sid, "not served by the harness", 25);
		break;
	}
}

static void
mount_serve(struct imsg *imsg)
{
	uint32_t	type = imsg_get_type(imsg);
	uint64_t	id;

	switch (type) {
	case IMSG_MOUNT_PING:
		compose(&ib_mount, IMSG_MOUNT_PONG, 0, -1, NULL, 0);
		break;
	case IMSG_MOUNT_BUILD_START:
		/* Refused at once; the ITEMs and GO that follow, ignored. */
		if (msg_mount_peek_id(imsg, &id) == -1)
			errx(1, "START without an id");
		if (mount_hook != NULL && mount_hook(imsg, id)) {
			mount_hook = NULL;
			break;
		}
		mount_send_error(imsg_get_peerid(imsg), id, type,
		    "refused by the harness's mountproc");
		break;
	case IMSG_MOUNT_BUILD_ITEM:
	case IMSG_MOUNT_BUILD_GO:
		break;
	default:
		errx(1, "builderproc sent mountproc %s", imsg_type_name(type));
	}
}

static void
parent_serve(struct imsg *imsg)
{
	const char	*errstr;
	uint32_t	 id;
	uid_t		 uid;
	gid_t		 gid;

	switch (imsg_get_type(imsg)) {
	case IMSG_CTL_READY:
		if (msg_recv_ready(imsg, &errstr) == -1)
			errx(1, "builderproc's READY: %s", errstr);
		ready = 1;
		parent_send_users(30000, 2);
		break;
	case IMSG_CTL_CRED_REQ:
		if (msg_recv_cred_req(imsg, &id, &uid, &gid, &errstr) == -1)
			errx(1, "builderproc's CRED_REQ: %s", errstr);
		parent_send_cred(id, CRED_ALLOWED | CRED_TRUSTED, "root");
		break;
	default:
		errx(1, "builderproc sent the parent %s",
		    imsg_type_name(imsg_get_type(imsg)));
	}
}

/* Read one channel and serve what came; 0 at end of file. */
static int
peer_read(struct imsgbuf *ib, void (*serve)(struct imsg *))
{
	struct imsg	imsg;
	ssize_t		n;
	int		rc;

	if ((n = imsgbuf_read(ib)) == -1 && errno != EAGAIN)
		err(1, "imsgbuf_read");
	if (n == 0)
		return (0);
	while ((rc = imsgbuf_get(ib, &imsg)) == 1) {
		serve(&imsg);
		imsg_free(&imsg);
	}
	if (rc == -1)
		err(1, "builderproc's framing");
	return (1);
}

/*
 * One round: flush what the fake peers queued, wait up to ms for
 * anything from builderproc or on fd (the client, -1 if none), serve
 * the peers.  Returns 1 if fd is readable, -1 if builderproc closed a
 * channel (it exits), 0 otherwise.
 */
static int
pump(int fd, int ms)
{
	struct pollfd	pfd[4];
	int		i, rc;

	if (imsgbuf_flush(&ib_parent) == -1 || imsgbuf_flush(&ib_store) ==
	    -1 || imsgbuf_flush(&ib_mount) == -1)
		return (-1);
	pfd[0].fd = ib_parent.ib_fd;
	pfd[1].fd = ib_store.ib_fd;
	pfd[2].fd = ib_mount.ib_fd;
	pfd[3].fd = fd;
	for (i = 0; i < 4; i++)
		pfd[i].events = POLLIN;
	if ((rc = poll(pfd, 4, ms)) == -1)
		err(1, "poll");
	if (rc == 0)
		return (0);
	if ((pfd[0].revents & (POLLIN | POLLHUP)) &&
	    peer_read(&ib_parent, parent_serve) == 0)
		return (-1);
	if ((pfd[1].revents & (POLLIN | POLLHUP)) &&
	    peer_read(&ib_store, store_serve) == 0)
		return (-1);
	if ((pfd[2].revents & (POLLIN | POLLHUP)) &&
	    peer_read(&ib_mount, mount_serve) == 0)
		return (-1);
	if (imsgbuf_flush(&ib_parent) == -1 || imsgbuf_flush(&ib_store) ==
	    -1 || imsgbuf_flush(&ib_mount) == -1)
		return (-1);
	return (fd != -1 && (pfd[3].revents & (POLLIN | POLLHUP)) != 0);
}

/*
 * builderproc itself.
 */

static int
log_has(const char *text)
{
	char	 buf[65536];
	size_t	 len;
	FILE	*f;

	if ((f = fopen(bp_log, "r")) == NULL)
		err(1, "%s", bp_log);
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	return (strstr(buf, text) != NULL);
}

static void
expect_log(const char *what, const char *text)
{
	int	i;

	/* Waiting, the fake peers serve (and send what they queued). */
	for (i = 0; i < 100 && !log_has(text); i++)
		(void)pump(-1, 20);
	if (!log_has(text))
		errx(1, "%s: builderproc did not log \"%s\" (log %s)", what,
		    text, bp_log);
}

static void
channel(struct imsgbuf *ib, int *theirs, size_t maxsize)
{
	int	sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sv) == -1)
		err(1, "socketpair");
	if (imsgbuf_init(ib, sv[0]) == -1 ||
	    imsgbuf_set_maxsize(ib, maxsize) == -1)
		err(1, "imsgbuf_init");
	*theirs = sv[1];
}

static int
listen_socket(void)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, sockpath, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		errx(1, "%s: too long", sockpath);
	unlink(sockpath);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, 16) == -1)
		err(1, "%s", sockpath);
	return (fd);
}

/* Fork and exec builderproc on fd 3, its log on stderr. */
static void
bp_spawn(void)
{
	int	sp, logfd;

	channel(&ib_parent, &sp, IMSG_MAXSIZE_DEFAULT);
	bp_instance++;
	snprintf(bp_log, sizeof(bp_log), "%s/builderproc.%d.log", logdir,
	    bp_instance);
	if ((logfd = open(bp_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1)
		err(1, "%s", bp_log);
	if ((bp_pid = fork()) == -1)
		err(1, "fork");
	if (bp_pid == 0) {
		if (dup2(sp, PROC_PARENT_FD) == -1 || dup2(logfd, 2) == -1)
			err(1, "dup2");
		closefrom(PROC_PARENT_FD + 1);
		execl(bp_prog, "rnixd-builderproc", "-d", "-v", "-v",
		    (char *)NULL);
		err(1, "%s", bp_prog);
	}
	close(sp);
	close(logfd);
	ready = 0;
}

/* The rest of the set-up, as parent_spawn.c sends it. */
static void
bp_setup(void)
{
	int	store_fd, mount_fd, listen_fd;

	channel(&ib_store, &store_fd, MSG_STORE_MAXSIZE);
	channel(&ib_mount, &mount_fd, MSG_MOUNT_MAXSIZE);
	listen_fd = listen_socket();
	parent_send_config();
	parent_send_peer(PROC_STORE, store_fd);
	parent_send_peer(PROC_MOUNT, mount_fd);
	msg_send_listen(&ib_parent, listen_fd);
	msg_send_ready(&ib_parent);
}

static void
bp_start(void)
{
	struct timespec	start, now;

	bp_spawn();
	bp_setup();
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!ready) {
		if (pump(-1, 100) == -1)
			errx(1, "builderproc ended during set-up (log %s)",
			    bp_log);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > TIMEOUT_MS / 1000)
			errx(1, "builderproc not READY in time");
	}
}

static void
bp_close_channels(void)
{
	imsgbuf_clear(&ib_parent);
	imsgbuf_clear(&ib_store);
	imsgbuf_clear(&ib_mount);
	close(ib_parent.ib_fd);
	close(ib_store.ib_fd);
	close(ib_mount.ib_fd);
}

static void
check_status(const char *what, int status, int code)
{
	if (WIFSIGNALED(status))
		errx(1, "%s: builderproc killed by signal %d (log %s)", what,
		    WTERMSIG(status), bp_log);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != code)
		errx(1, "%s: builderproc exit status %d, expected %d (log %s)",
		    what, WEXITSTATUS(status), code, bp_log);
}

/* builderproc must exit 1 of itself, having logged why. */
static void
expect_exit(const char *what, const char *text)
{
	int	i, status;
	pid_t	pid;

	for (i = 0; i < TIMEOUT_MS / 10; i++) {
		(void)pump(-1, 0);
		if ((pid = waitpid(bp_pid, &status, WNOHANG)) == -1)
			err(1, "waitpid");
		if (pid == bp_pid)
			break;
		usleep(10000);
	}
	if (pid != bp_pid)
		errx(1, "%s: builderproc still runs", what);
	bp_pid = -1;
	check_status(what, status, 1);
	expect_log(what, text);
	bp_close_channels();
	printf("%s: builderproc exits 1, \"%s\": ok\n", what, text);
}

static void
expect_alive(const char *what)
{
	int	status;

	if (waitpid(bp_pid, &status, WNOHANG) == bp_pid) {
		check_status(what, status, 0);
		errx(1, "%s: builderproc ended", what);
	}
}

/*
 * The client: the worker protocol as Nix 2.8 speaks it.  Every wait
 * for bytes also serves the fake peers.
 */

struct client {
	int	c_fd;
	char	c_error[4096];	/* the last STDERR_ERROR's text */
};

/* len bytes, or -1 at end of file (builderproc closed the session). */
static int
client_read(struct client *c, void *buf, size_t len)
{
	unsigned char	*p = buf;
	ssize_t		 n;
	int		 i, rc;

	while (len > 0) {
		for (i = 0; (rc = pump(c->c_fd, 100)) == 0; i++)
			if (i > TIMEOUT_MS / 100)
				errx(1, "no reply from builderproc in time");
		if (rc == -1)
			errx(1, "builderproc ended (log %s)", bp_log);
		if ((n = read(c->c_fd, p, len)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			if (errno == ECONNRESET)
				return (-1);
			err(1, "read client");
		}
		if (n == 0)
			return (-1);
		p += n;
		len -= n;
	}
	return (0);
}

static uint64_t
client_u64(struct client *c)
{
	unsigned char	b[8];
	uint64_t	v = 0;
	int		i;

	if (client_read(c, b, 8) == -1)
		errx(1, "the connection closed in a reply");
	for (i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return (v);
}

/* A string, at most bufsz - 1 bytes kept. */
static void
client_string(struct client *c, char *buf, size_t bufsz)
{
	unsigned char	pad[8];
	uint64_t	len;
	char		ch;
	size_t		i;

	if ((len = client_u64(c)) > 1024 * 1024)
		errx(1, "a string of %llu bytes", (unsigned long long)len);
	for (i = 0; i < len; i++) {
		if (client_read(c, &ch, 1) == -1)
			errx(1, "the connection closed in a string");
		if (i < bufsz - 1)
			buf[i] = ch;
	}
	buf[len < bufsz - 1 ? len : bufsz - 1] = '\0';
	if (len % 8 != 0 && client_read(c, pad, 8 - len % 8) == -1)
		errx(1, "the connection closed in padding");
}

static void
client_skip_fields(struct client *c)
{
	char		buf[4096];
	uint64_t	n;

	for (n = client_u64(c); n > 0; n--)
		if (client_u64(c) == 0)
			(void)client_u64(c);
		else
			client_string(c, buf, sizeof(buf));
}

/* Log messages up to STDERR_LAST (0) or STDERR_ERROR (-1). */
static int
client_stderr(struct client *c)
{
	char		buf[4096];
	uint64_t	msg, n;

	for (;;) {
		switch (msg = client_u64(c)) {
		case STDERR_LAST:
			return (0);
		case STDERR_NEXT:
			client_string(c, buf, sizeof(buf));
			break;
		case STDERR_START_ACTIVITY:
			(void)client_u64(c);
			(void)client_u64(c);
			(void)client_u64(c);
			client_string(c, buf, sizeof(buf));
			client_skip_fields(c);
			(void)client_u64(c);
			break;
		case STDERR_STOP_ACTIVITY:
			(void)client_u64(c);
			break;
		case STDERR_RESULT:
			(void)client_u64(c);
			(void)client_u64(c);
			client_skip_fields(c);
			break;
		case STDERR_ERROR:
			client_string(c, buf, sizeof(buf));	/* "Error" */
			(void)client_u64(c);			/* level */
			client_string(c, buf, sizeof(buf));	/* name */
			client_string(c, c->c_error, sizeof(c->c_error));
			(void)client_u64(c);			/* havePos */
			for (n = client_u64(c); n > 0; n--) {
				(void)client_u64(c);
				client_string(c, buf, sizeof(buf));
			}
			return (-1);
		default:
			errx(1, "stderr message %#llx",
			    (unsigned long long)msg);
		}
	}
}

static void
client_send(struct client *c, struct wire_out *out)
{
	size_t	off = 0;
	ssize_t	n;

	if (out->wo_error)
		errx(1, "encoding a request");
	while (off < out->wo_len) {
		if (pump(-1, 0) == -1)
			errx(1, "builderproc ended (log %s)", bp_log);
		if ((n = write(c->c_fd, out->wo_buf + off, out->wo_len - off))
		    == -1) {
			if (errno == EAGAIN)
				continue;
			err(1, "write client");
		}
		off += n;
	}
	wire_out_free(out);
}

static void
client_open(struct client *c)
{
	struct sockaddr_un	sun;
	struct wire_out		out;
	char			version[64];
	uint64_t		n;

	memset(c, 0, sizeof(*c));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, sockpath, sizeof(sun.sun_path));
	if ((c->c_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 || connect(c->c_fd,
	    (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err(1, "connect %s", sockpath);
	wire_out_init(&out, 4096);
	wire_put_u64(&out, WORKER_MAGIC_1);
	client_send(c, &out);
	if (client_u64(c) != WORKER_MAGIC_2 ||
	    client_u64(c) != PROTOCOL_VERSION)
		errx(1, "handshake: not a Nix 2.8 daemon");
	/* 1.38: our (empty) feature set, then the daemon's, then the rest. */
	wire_out_init(&out, 4096);
	wire_put_u64(&out, PROTOCOL_VERSION);
	wire_put_u64(&out, 0);		/* no features */
	client_send(c, &out);
	for (n = client_u64(c); n > 0; n--)
		client_string(c, version, sizeof(version));
	wire_out_init(&out, 4096);
	wire_put_u64(&out, 0);		/* cpu affinity */
	wire_put_u64(&out, 0);		/* reserveSpace */
	client_send(c, &out);
	client_string(c, version, sizeof(version));
	(void)client_u64(c);		/* trusted (1.35) */
	if (client_stderr(c) != 0)
		errx(1, "handshake refused: %s", c->c_error);
	/* SetOptions, as nix sends it first (worker-protocol.md). */
	wire_out_init(&out, 4096);
	wire_put_u64(&out, WOP_SET_OPTIONS);
	wire_put_u64(&out, 0);
	wire_put_u64(&out, 0);
	wire_put_u64(&out, 0);
	wire_put_u64(&out, 3);
	wire_put_u64(&out, 1);
	wire_put_u64(&out, 0);
	wire_put_u64(&out, 1);
	wire_put_u64(&out, 0);
	wire_put_u64(&out, 0);
	wire_put_u64(&out, 0);
	wire_put_u64(&out, 2);
	wire_put_u64(&out, 1);
	wire_put_u64(&out, 0);
	client_send(c, &out);
	if (client_stderr(c) != 0)
		errx(1, "SetOptions: %s", c->c_error);
}

static void
client_close(struct client *c)
{
	close(c->c_fd);
	c->c_fd = -1;
}

/* IsValidPath: 1 or 0, or -1 after an error (its text in c_error). */
static int
op_is_valid(struct client *c, const char *path)
{
	struct wire_out	out;

	wire_out_init(&out, 4096);
	wire_put_u64(&out, WOP_IS_VALID_PATH);
	wire_put_string(&out, path);
	client_send(c, &out);
	if (client_stderr(c) == -1)
		return (-1);
	return (client_u64(c) != 0);
}

/* QueryPathInfo: its narSize, 0 if not found, -1 after an error. */
static long long
op_path_info(struct client *c, const char *path)
{
	struct wire_out	out;
	char		buf[4096];
	uint64_t	n, narsize;

	wire_out_init(&out, 4096);
	wire_put_u64(&out, WOP_QUERY_PATH_INFO);
	wire_put_string(&out, path);
	client_send(c, &out);
	if (client_stderr(c) == -1)
		return (-1);
	if (client_u64(c) == 0)
		return (0);
	client_string(c, buf, sizeof(buf));		/* deriver */
	client_string(c, buf, sizeof(buf));		/* narHash */
	for (n = client_u64(c); n > 0; n--)
		client_string(c, buf, sizeof(buf));
	(void)client_u64(c);				/* registrationTime */
	narsize = client_u64(c);
	(void)client_u64(c);				/* ultimate */
	for (n = client_u64(c); n > 0; n--)
		client_string(c, buf, sizeof(buf));
	client_string(c, buf, sizeof(buf));		/* ca */
	return (narsize);
}

/* BuildPaths of the derivation's out: 0, or -1 after an error. */
static int
op_build(struct client *c)
{
	struct wire_out	out;
	char		target[STOREPATH_MAX + 8];

	snprintf(target, sizeof(target), "%s!out", drv_path);
	wire_out_init(&out, 4096);
	wire_put_u64(&out, WOP_BUILD_PATHS);
	wire_put_u64(&out, 1);
	wire_put_string(&out, target);
	wire_put_u64(&out, 0);				/* normal */
	client_send(c, &out);
	if (client_stderr(c) == -1)
		return (-1);
	(void)client_u64(c);
	return (0);
}

static int
fd_count(void)
{
	char	path[64];

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)bp_pid);
	return (mt_dir_count(path));
}

/*
 * After a case: a new client is served, and correctly; once it has
 * gone, builderproc holds as many descriptors as before the cases (a
 * descriptor that came where none belongs was closed).
 */
static void
expect_serving(const char *what)
{
	struct client	c;
	int		i;

	expect_alive(what);
	client_open(&c);
	if (op_is_valid(&c, valid_path) != 1 ||
	    op_is_valid(&c, invalid_path) != 0)
		errx(1, "%s: IsValidPath afterwards: wrong answer", what);
	client_close(&c);
	expect_alive(what);
	if (bp_nfds == -1) {
		/* The first time: once the closed session is gone. */
		for (i = 0; i < 30; i++)
			(void)pump(-1, 10);
		bp_nfds = fd_count();
	}
	for (i = 0; i < 100 && fd_count() > bp_nfds; i++)
		(void)pump(-1, 10);
	if (fd_count() > bp_nfds)
		errx(1, "%s: builderproc holds %d descriptors, %d before",
		    what, fd_count(), bp_nfds);
}

/*
 * A store case: the session's IsValidPath gets what the hook sends.
 */
static void
store_case(const char *what, int (*hook)(struct imsg *), const char *log,
    int closes)
{
	struct client	c;
	char		buf[8];

	client_open(&c);
	store_hook = hook;
	if (op_is_valid(&c, valid_path) != -1 ||
	    strstr(c.c_error, "bad reply from the store") == NULL)
		errx(1, "%s: got \"%s\", expected a bad reply error", what,
		    c.c_error);
	if (store_hook != NULL)
		errx(1, "%s: the hook was not called", what);
	if (closes && client_read(&c, buf, 1) != -1)
		errx(1, "%s: the session goes on after a bad reply", what);
	client_close(&c);
	expect_log(what, log);
	expect_serving(what);
	printf("%s: \"bad reply from the store\" to its session, "
	    "builderproc serves on: ok\n", what);
}

static int
hook_short(struct imsg *imsg)
{
	/* A count of one and no path. */
	store_send_paths(imsg_get_peerid(imsg), 1, NULL, 0, -1);
	return (1);
}

static int
hook_long(struct imsg *imsg)
{
	char	*paths[2] = { valid_path, valid_path };

	/* One path announced, two sent: bytes left over. */
	store_send_paths(imsg_get_peerid(imsg), 1, paths, 2, -1);
	return (1);
}

static int
hook_count(struct imsg *imsg)
{
	char	*paths[1] = { valid_path };

	store_send_paths(imsg_get_peerid(imsg), 1ULL << 40, paths, 1, -1);
	return (1);
}

static int
hook_nul(struct imsg *imsg)
{
	struct wire_out	out;
	char		path[256];
	size_t		len = strlen(valid_path);

	/* A store path with a NUL inside. */
	strlcpy(path, valid_path, sizeof(path));
	path[len - 3] = '\0';
	wire_out_init(&out, MSG_STORE_MAXSIZE);
	wire_put_u64(&out, 1);
	wire_put_bytes(&out, path, len);
	store_send_wire(IMSG_STORE_PATHS, imsg_get_peerid(imsg), -1, &out);
	return (1);
}

static int
hook_fd(struct imsg *imsg)
{
	char	*paths[1] = { valid_path };

	store_send_paths(imsg_get_peerid(imsg), 1, paths, 1, spare_fd());
	return (1);
}

static int
hook_wrong_type(struct imsg *imsg)
{
	/* A reply of another request's type: STORE_INFO for a QUERY_VALID. */
	store_send_info(imsg_get_peerid(imsg), valid_path);
	return (1);
}

static int
hook_error_nul(struct imsg *imsg)
{
	store_send_error(imsg_get_peerid(imsg), "error\0hidden", 12);
	return (1);
}

/* The answer goes to another peerid first, then twice to the right one. */
static int
hook_stray(struct imsg *imsg)
{
	char		*paths[1] = { valid_path };
	uint32_t	 sid = imsg_get_peerid(imsg);

	store_send_paths(sid + 1000, 1, paths, 1, -1);
	store_send_paths(BUILD_CALL_UNKNOWN, 0, NULL, 0, -1);
	store_send_paths(sid, 1, paths, 1, -1);
	store_send_paths(sid, 0, NULL, 0, -1);
	return (1);
}

static void
test_store(void)
{
	struct client	c;

	store_case("store: STORE_PATHS cut short", hook_short,
	    "bad STORE_PATHS from storeproc", 1);
	store_case("store: STORE_PATHS with bytes left over", hook_long,
	    "bad STORE_PATHS from storeproc", 1);
	store_case("store: STORE_PATHS with a count of 2^40", hook_count,
	    "bad STORE_PATHS from storeproc", 1);
	store_case("store: a path with a NUL inside", hook_nul,
	    "bad STORE_PATHS from storeproc", 1);
	store_case("store: STORE_PATHS with a descriptor", hook_fd,
	    "bad STORE_PATHS from storeproc", 1);
	store_case("store: STORE_INFO for a QUERY_VALID", hook_wrong_type,
	    "bad STORE_INFO from storeproc", 1);
	store_case("store: STORE_ERROR text with a NUL", hook_error_nul,
	    "bad STORE_ERROR from storeproc", 1);

	/* Replies nobody waits for are dropped; the real one counts. */
	client_open(&c);
	store_hook = hook_stray;
	if (op_is_valid(&c, valid_path) != 1)
		errx(1, "stray replies: IsValidPath: %s", c.c_error);
	if (op_is_valid(&c, invalid_path) != 0)
		errx(1, "stray replies: the repeated reply was taken");
	client_close(&c);
	expect_log("stray replies", "for unknown build request");
	expect_serving("stray replies");
	printf("store: replies for an unknown session, an unknown build "
	    "request, and a repeated one: dropped, the session's own "
	    "answer stands: ok\n");

	compose(&ib_store, IMSG_STORE_PONG, 0, -1, NULL, 0);
	expect_log("store: PONG", "unexpected pong from storeproc");
	compose(&ib_store, IMSG_STORE_PONG, 0, -1, "x", 1);
	expect_log("store: PONG", "bad pong from storeproc: "
	    "trailing bytes in payload");
	expect_serving("store: PONG");
	printf("store: an unsolicited PONG, one with a payload: logged, "
	    "dropped: ok\n");
	compose(&ib_store, IMSG_STORE_CHANGED, 0, -1, "x", 1);
	expect_log("store: CHANGED", "STORE_CHANGED with a payload");
	expect_serving("store: CHANGED");
	printf("store: STORE_CHANGED with a payload: logged, the cache "
	    "dropped: ok\n");
}

/*
 * Client ops answered by the fake storeproc, and a build mountproc
 * refuses.
 */
static void
test_ops(void)
{
	struct client	c;
	long long	size;

	client_open(&c);
	printf("handshake and SetOptions: ok\n");
	if (op_is_valid(&c, valid_path) != 1 ||
	    op_is_valid(&c, invalid_path) != 0)
		errx(1, "IsValidPath: wrong answer");
	printf("IsValidPath, answered by storeproc: ok\n");
	if ((size = op_path_info(&c, valid_path)) != 4242)
		errx(1, "QueryPathInfo: narSize %lld, expected 4242", size);
	if ((size = op_path_info(&c, invalid_path)) != 0)
		errx(1, "QueryPathInfo of an invalid path: %lld", size);
	printf("QueryPathInfo, found and not found: ok\n");
	if (op_build(&c) != -1 || strstr(c.c_error,
	    "refused by the harness's mountproc") == NULL)
		errx(1, "build: got \"%s\", expected mountproc's refusal",
		    c.c_error);
	printf("BuildPaths, START refused by mountproc: \"%s\": ok\n",
	    c.c_error);
	if (op_is_valid(&c, valid_path) != 1)
		errx(1, "IsValidPath after the build: %s", c.c_error);
	client_close(&c);
	expect_serving("ops");
}

/*
 * A mountproc case: at START, the hook's malformed answers; then the
 * right refusal, which the client must get.
 */
static int	(*mount_bad)(uint32_t, uint64_t);

static int
hook_mount(struct imsg *imsg, uint64_t id)
{
	mount_bad(imsg_get_peerid(imsg), id);
	mount_send_error(imsg_get_peerid(imsg), id, IMSG_MOUNT_BUILD_START,
	    "refused after the bad one");
	return (1);
}

static void
mount_case(const char *what, int (*bad)(uint32_t, uint64_t),
    const char *log)
{
	struct client	c;

	client_open(&c);
	mount_bad = bad;
	mount_hook = hook_mount;
	if (op_build(&c) != -1 || strstr(c.c_error,
	    "refused after the bad one") == NULL)
		errx(1, "%s: the build got \"%s\"", what, c.c_error);
	if (mount_hook != NULL)
		errx(1, "%s: the hook was not called", what);
	client_close(&c);
	if (log != NULL)
		expect_log(what, log);
	expect_serving(what);
	printf("%s: dropped, the build fails by the good one: ok\n", what);
}

static int
bad_short_error(uint32_t peerid, uint64_t id)
{
	compose(&ib_mount, IMSG_MOUNT_ERROR, peerid, -1, &id, sizeof(id));
	return (0);
}

/* The text over its limit (the old layer's unterminated buffer). */
static int
bad_unterminated(uint32_t peerid, uint64_t id)
{
	struct msg	m;
	char		text[MSG_MOUNT_ERROR_MAX];

	memset(text, 'x', sizeof(text));
	msg_open(&m, &ib_mount, IMSG_MOUNT_ERROR, peerid, -1);
	msg_put_u64(&m, id);
	msg_put_u32(&m, IMSG_MOUNT_BUILD_START);
	msg_put_bytes(&m, text, sizeof(text));
	msg_send(&m);
	return (0);
}

/*
 * Answers for no build, and BIND_PATH answers for sessions that asked
 * none (every live session id: none is recursive).
 */
static int
bad_unknown_build(uint32_t peerid, uint64_t id)
{
	uint32_t	sid;

	mount_send_error(peerid, id + 1000, IMSG_MOUNT_BUILD_START,
	    "an error for no build");
	for (sid = 1; sid < 128; sid++) {
		msg_send_mount_ok(&ib_mount, sid, id, IMSG_MOUNT_BIND_PATH);
		mount_send_error(sid, id, IMSG_MOUNT_BIND_PATH, "no bind");
	}
	return (0);
}

static int
bad_started_nofd(uint32_t peerid, uint64_t id)
{
	struct msg	m;

	(void)peerid;
	msg_open(&m, &ib_mount, IMSG_MOUNT_BUILD_STARTED, 0, -1);
	msg_put_u64(&m, id);
	msg_put_u32(&m, 4242);
	msg_send(&m);
	return (0);
}

static int
bad_ok_fd(uint32_t peerid, uint64_t id)
{
	struct msg	m;

	msg_open(&m, &ib_mount, IMSG_MOUNT_OK, peerid, spare_fd());
	msg_put_u64(&m, id);
	msg_put_u32(&m, IMSG_MOUNT_BUILD_CLEANUP);
	msg_send(&m);
	return (0);
}

static int
bad_exited_unknown(uint32_t peerid, uint64_t id)
{
	(void)peerid;
	msg_send_exited(&ib_mount, id + 1000, 0, spare_fd());
	/* And a PONG nobody asked for, then one with a payload. */
	compose(&ib_mount, IMSG_MOUNT_PONG, 0, -1, NULL, 0);
	compose(&ib_mount, IMSG_MOUNT_PONG, 0, -1, "x", 1);
	return (0);
}

static void
test_mount(void)
{
	mount_case("mount: MOUNT_ERROR cut short", bad_short_error,
	    "bad MOUNT_ERROR");
	mount_case("mount: MOUNT_ERROR text over its limit", bad_unterminated,
	    "bad MOUNT_ERROR: string too long");
	mount_case("mount: MOUNT_ERROR for an unknown build, BIND_PATH "
	    "answers for sessions that asked none", bad_unknown_build, NULL);
	mount_case("mount: STARTED without its descriptor", bad_started_nofd,
	    "bad MOUNT_BUILD_STARTED");
	mount_case("mount: OK with a descriptor", bad_ok_fd, "bad MOUNT_OK");
	mount_case("mount: EXITED of an unknown build, an unsolicited PONG",
	    bad_exited_unknown, "unexpected pong from mountproc");
}

/*
 * The parent's messages that are well formed but answer nothing.  (A
 * descriptor on one is refused by its receiver, msg_begin(): that is
 * a fatal case below.)  expect_serving() counts builderproc's
 * descriptors.
 */
static void
test_parent(void)
{
	parent_send_cred(999999, CRED_ALLOWED | CRED_TRUSTED, "root");
	parent_send_users(30000, 2);
	parent_send_cred(999998, 0, "");
	expect_serving("parent: CRED_REPLY for no session, BUILD_USERS again");
	printf("parent: CRED_REPLYs for no session, "
	    "BUILD_USERS again: ignored, no descriptor kept, serving: ok\n");
}

/*
 * The fatal cases, each on a builderproc of its own.
 */
struct fatal_case {
	const char	*fc_what;
	int		 fc_setup;	/* during the set-up */
	void		(*fc_send)(void);
	const char	*fc_log;
};

static void
f_store_type(void)
{
	compose(&ib_store, IMSG_MOUNT_PONG, 0, -1, NULL, 0);
}

static void
f_store_unknown(void)
{
	compose(&ib_store, IMSG_TYPE_MAX + 7, 0, -1, NULL, 0);
}

static void
f_store_nofd(void)
{
	send_raw_header(&ib_store, IMSG_STORE_OK, IMSG_HEADER_SIZE,
	    IMSGF_HASFD);
}

static void
f_store_len(void)
{
	send_raw_header(&ib_store, IMSG_STORE_OK, MSG_STORE_MAXSIZE + 1, 0);
}

static void
f_store_flags(void)
{
	send_raw_header(&ib_store, IMSG_STORE_OK, IMSG_HEADER_SIZE, 0x80);
}

static void
f_mount_type(void)
{
	compose(&ib_mount, IMSG_STORE_PONG, 0, -1, NULL, 0);
}

static void
f_mount_len(void)
{
	send_raw_header(&ib_mount, IMSG_MOUNT_OK, 3, 0);
}

static void
f_parent_cred_len(void)
{
	uint32_t	id = 1;

	compose(&ib_parent, IMSG_CTL_CRED_REPLY, 0, -1, &id, sizeof(id));
}

/* A name longer than its field (the old layer's missing NUL). */
static void
f_parent_cred_nul(void)
{
	char	name[CRED_NAME_MAX + 1];

	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	parent_send_cred(1, 0, name);
}

static void
f_parent_cred_fd(void)
{
	parent_send_cred_fd(999998, 0, "", spare_fd());
}

static void
f_parent_users(void)
{
	parent_send_users(30000, MSG_BUILD_USERS_MAX + 1);
}

static void
f_parent_type(void)
{
	compose(&ib_parent, IMSG_STORE_PING, 0, -1, NULL, 0);
}

static void
f_setup_peer_nofd(void)
{
	parent_send_peer(PROC_STORE, -1);
}

static void
f_setup_peer_twice(void)
{
	parent_send_peer(PROC_STORE, spare_fd());
	parent_send_peer(PROC_STORE, spare_fd());
}

/* The process, then 8 bytes more. */
static void
f_setup_peer_len(void)
{
	struct msg	m;

	msg_open(&m, &ib_parent, IMSG_CTL_PEER, 0, spare_fd());
	msg_put_u32(&m, PROC_STORE);
	msg_put_u64(&m, 0);
	msg_send(&m);
}

static void
f_setup_peer_proc(void)
{
	parent_send_peer(PROC_MAX, spare_fd());
}

static void
f_setup_listen_nofd(void)
{
	compose(&ib_parent, IMSG_CTL_LISTEN, 0, -1, NULL, 0);
}

static void
f_setup_type(void)
{
	compose(&ib_parent, IMSG_CTL_CRED_REPLY, 0, -1, NULL, 0);
}

static void
f_setup_ready_early(void)
{
	msg_send_ready(&ib_parent);
}

static void
f_setup_cfg_text(void)
{
	parent_send_cfg_text("x = 1\n", 6);
}

static void
f_setup_cfg_bad(void)
{
	msg_send_config(&ib_parent, "no-such-setting = 1\n", 20);
}

static const struct fatal_case fatal_cases[] = {
	{ "store: a MOUNT_PONG", 0, f_store_type,
	    "broken messages from storeproc" },
	{ "store: an unknown type", 0, f_store_unknown,
	    "broken messages from storeproc" },
	{ "store: the fd flag and no descriptor", 0, f_store_nofd,
	    "bad message from storeproc" },
	{ "store: a length over the maximum", 0, f_store_len,
	    "bad message from storeproc" },
	{ "store: unknown header flags", 0, f_store_flags,
	    "bad message from storeproc" },
	{ "mount: a STORE_PONG", 0, f_mount_type,
	    "broken messages from mountproc" },
	{ "mount: a length under the header's", 0, f_mount_len,
	    "bad message from mountproc" },
	{ "parent: CRED_REPLY of 4 bytes", 0, f_parent_cred_len,
	    "broken messages from parent" },
	{ "parent: CRED_REPLY name over its limit", 0, f_parent_cred_nul,
	    "broken messages from parent" },
	{ "parent: CRED_REPLY with a descriptor", 0, f_parent_cred_fd,
	    "broken messages from parent" },
	{ "parent: BUILD_USERS with too many uids", 0, f_parent_users,
	    "broken messages from parent" },
	{ "parent: a STORE_PING", 0, f_parent_type,
	    "broken messages from parent" },
	{ "set-up: CTL_PEER without a descriptor", 1, f_setup_peer_nofd,
	    "bad CTL_PEER from parent" },
	{ "set-up: CTL_PEER twice for storeproc", 1, f_setup_peer_twice,
	    "second CTL_PEER for storeproc" },
	{ "set-up: CTL_PEER with trailing bytes", 1, f_setup_peer_len,
	    "bad CTL_PEER from parent" },
	{ "set-up: CTL_PEER for no process", 1, f_setup_peer_proc,
	    "bad CTL_PEER from parent" },
	{ "set-up: CTL_LISTEN without a descriptor", 1, f_setup_listen_nofd,
	    "bad CTL_LISTEN from parent" },
	{ "set-up: a CRED_REPLY", 1, f_setup_type,
	    "unexpected CTL_CRED_REPLY from parent during setup" },
	{ "set-up: READY before the configuration", 1, f_setup_ready_early,
	    "READY before a configuration" },
	{ "set-up: CFG_TEXT without CFG_START", 1, f_setup_cfg_text,
	    "bad configuration from parent" },
	{ "set-up: an unknown setting", 1, f_setup_cfg_bad,
	    "bad configuration from parent" },
};

static void
test_fatal(const struct fatal_case *fc)
{
	struct client	c;
	char		what[256];
	int		fd;

	snprintf(what, sizeof(what), "%s (fatal)", fc->fc_what);
	if (fc->fc_setup) {
		bp_spawn();
		fc->fc_send();
		/* Sibling channels, never used: pump() polls them. */
		channel(&ib_store, &fd, MSG_STORE_MAXSIZE);
		close(fd);
		channel(&ib_mount, &fd, MSG_MOUNT_MAXSIZE);
		close(fd);
		expect_exit(what, fc->fc_log);
		return;
	}
	bp_start();
	client_open(&c);
	if (op_is_valid(&c, valid_path) != 1)
		errx(1, "%s: not serving before the case", what);
	fc->fc_send();
	expect_exit(what, fc->fc_log);
	client_close(&c);
}

/* The derivation storeproc serves, its path as nix-instantiate's. */
static void
make_drv(void)
{
	struct drv_hasher	 dh;
	struct utsname		 un;
	struct drv		*d;
	const char		*errstr;
	char			 out[1][STOREPATH_MAX], system[128];
	int			 pass;

	if (uname(&un) == -1)
		err(1, "uname");
	snprintf(system, sizeof(system), "%.64s-linux", un.machine);
	out[0][0] = '\0';
	for (pass = 0; pass < 2; pass++) {
		if ((d = drv_new()) == NULL)
			err(1, "drv_new");
		if (drv_add_output(d, "out", out[0], "", "", &errstr) == -1 ||
		    drv_set_platform(d, system, &errstr) == -1 ||
		    drv_set_builder(d, "/bin/sh", &errstr) == -1 ||
		    drv_add_arg(d, "-c", &errstr) == -1 ||
		    drv_add_arg(d, "echo hi >$out", &errstr) == -1 ||
		    drv_add_env(d, "builder", "/bin/sh", &errstr) == -1 ||
		    drv_add_env(d, "name", "harness", &errstr) == -1 ||
		    drv_add_env(d, "out", out[0], &errstr) == -1 ||
		    drv_add_env(d, "system", system, &errstr) == -1)
			errx(1, "making the derivation: %s", errstr);
		if (pass == 1)
			break;
		drv_hasher_init(&dh, storedir, NULL, NULL);
		if (drv_output_paths(&dh, "harness", d, out, &errstr) == -1)
			errx(1, "output path: %s", errstr);
		drv_hasher_clear(&dh);
		drv_free(d);
	}
	if (drv_unparse(d, 0, NULL, 0, &drv_text, &drv_len, &errstr) == -1 ||
	    drv_store_path(storedir, "harness", d, drv_path, sizeof(drv_path),
	    &errstr) == -1)
		errx(1, "printing the derivation: %s", errstr);
	drv_free(d);
}

int
main(int argc, char *argv[])
{
	size_t	i;
	int	status;

	if (argc != 6)
		errx(2, "usage: h_builderproc builderproc conffile storedir "
		    "sockpath logdir");
	bp_prog = argv[1];
	conffile = argv[2];
	storedir = argv[3];
	sockpath = argv[4];
	logdir = argv[5];
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	snprintf(valid_path, sizeof(valid_path),
	    "%s/0a0b0c0d0f0g0h0i0j0k0l0m0n0p0q0r-harness-valid", storedir);
	snprintf(invalid_path, sizeof(invalid_path),
	    "%s/1a0b0c0d0f0g0h0i0j0k0l0m0n0p0q0r-harness-missing", storedir);
	make_drv();

	bp_start();
	printf("builderproc set up as the parent does it, READY: ok\n");
	test_ops();
	test_store();
	test_mount();
	test_parent();
	/* The parent closes its channel: builderproc ends, not by a signal. */
	bp_close_channels();
	if (waitpid(bp_pid, &status, 0) == -1)
		err(1, "waitpid");
	if (WIFSIGNALED(status))
		errx(1, "builderproc killed by signal %d at the end",
		    WTERMSIG(status));
	printf("builderproc ends when its parent goes, status %d: ok\n",
	    WEXITSTATUS(status));

	for (i = 0; i < sizeof(fatal_cases) / sizeof(fatal_cases[0]); i++)
		test_fatal(&fatal_cases[i]);
	return (0);
}
