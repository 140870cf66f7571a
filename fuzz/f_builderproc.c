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
 * builderproc whole: its own code (builderproc.c included with main
 * renamed, every builder_*.c linked) on a real client socket, with the
 * parent, storeproc and mountproc played by fake peers over real imsg
 * channels.  Input: a flags byte (bit 0: the client is trusted; bits
 * 1-7: which paths of each QUERY_VALID storeproc says are valid), then
 * what the client sends (a recorded Nix session makes a good seed),
 * then, after REC_MARKER, what a client inside a recursive build
 * sends on the build's own socket.  The fake storeproc serves two
 * derivations made here, one of them recursive; the fake mountproc
 * refuses every build at GO but the recursive one, which "runs"
 * (BUILD_SOCKET, STARTED) until both clients are idle, then EXITED.
 *
 * Properties beyond "no crash" (ASan, UBSan, and fatal(): a client
 * must never end builderproc, so an exit is a failure):
 * - every request builderproc sends to storeproc or mountproc is
 *   accepted by that process's own decoder (msg_recv_* with the type
 *   it came with), and to the parent is of the size the parent reads;
 * - once the client has left and every request is answered, its
 *   session goes away, and builderproc holds no descriptor more than
 *   before the client came.
 */
/* link: builderproc/sched.c builderproc/session_cache.c */
/* link: builderproc/sched_drv.c builderproc/sched_env.c */
/* link: builderproc/sched_log.c builderproc/session_modify.c */
/* link: builderproc/builder_to_mount.c builderproc/session_ops.c */
/* link: builderproc/recursive.c builderproc/sched_req.c */
/* link: builderproc/session.c builderproc/builder_to_store.c */
/* link: builderproc/session_upload.c builderproc/sched_users.c */
/* link: builderproc/sched_attrs.c builderproc/sched_graph.c */
/* link: builderproc/session_query.c builderproc/session_roots.c */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>

#include "drv.h"
#include "fuzz.h"
#include "msg_ctl.h"
#include "msg_mount.h"
#include "../builderproc/sched.h"

int	builderproc_main(int, char *[]);

#define main	builderproc_main
#include "../builderproc/builderproc.c"
#undef main

#define SD		FUZZ_STOREDIR
#define IDLE_ROUNDS	20	/* loop rounds without progress: idle */
#define GONE_ROUNDS	2000	/* for the session to go after the client */

/* The other end of each of builderproc's channels. */
static struct imsgbuf	 fake_parent, fake_store, fake_mount;
static char		 sockpath[108];
static int		 trusted;
static unsigned int	 validmask;
static struct msg_mount_build	 mount_build;
static int		 mount_building;

/*
 * Two derivations storeproc serves, made here so that their paths are
 * right: a plain one and one that wants recursive Nix.  gen-seeds.py
 * asks for their paths (FUZZ_PRINT_DRVS=1) to write client sessions
 * that build them.
 */
#define NDRVS		2
static char		*drv_text[NDRVS];
static size_t		 drv_len[NDRVS];
static char		 drv_path[NDRVS][STOREPATH_MAX];

/*
 * The client bytes after this marker go to the recursive socket of a
 * build, once it is listening.
 */
#define REC_MARKER	"\0rnixd-recursive"
#define REC_MARKERLEN	(sizeof(REC_MARKER) - 1)
static char		 recpath[108];
static uint64_t		 run_id;	/* the build mountproc "runs" */
static int		 run_pty = -1;	/* its log pipe, our end */
static int		 run_exited;

static int	fake_serve(struct imsgbuf *, const char *,
		    int (*)(struct imsg *, const char **));
static void	fake_channel(struct imsgbuf *, struct imsgbuf *, size_t);
static int	parent_reply(struct imsg *, const char **);
static int	store_reply(struct imsg *, const char **);
static int	mount_reply(struct imsg *, const char **);
static void	fake_reply_drv(uint32_t, const char *);
static void	mount_run(struct imsgbuf *, uint64_t);
static void	mount_exit(struct imsgbuf *);
static void	make_drv(int, const char *, int);
static void	mount_exit_now(void);
static void	unix_addr(struct sockaddr_un *, const char *);
static int	unix_listen(const char *);
static int	unix_connect(const char *, int);

static void
fake_channel(struct imsgbuf *ours, struct imsgbuf *theirs, size_t max)
{
	int	fds[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, fds) == -1)
		fuzz_fail("socketpair: %s", strerror(errno));
	if (imsgbuf_init(ours, fds[0]) == -1 ||
	    imsgbuf_init(theirs, fds[1]) == -1 ||
	    imsgbuf_set_maxsize(ours, max) == -1 ||
	    imsgbuf_set_maxsize(theirs, max) == -1)
		fuzz_fail("imsgbuf_init: %s", strerror(errno));
}

static void
fake_reply_paths(uint32_t sid, char **paths, size_t npaths, int filter)
{
	struct wire_out	 out;
	size_t		 i, n = 0;

	wire_out_init(&out, MSG_STORE_MAXSIZE);
	for (i = 0; i < npaths; i++)
		if (!filter || (validmask >> (i % 7) & 1))
			n++;
	wire_put_u64(&out, n);
	for (i = 0; i < npaths; i++)
		if (!filter || (validmask >> (i % 7) & 1))
			wire_put_string(&out, paths[i]);
	if (out.wo_error)
		fuzz_fail("encoding a STORE_PATHS reply");
	imsg_compose(&fake_store, IMSG_STORE_PATHS, sid, 0, -1, out.wo_buf,
	    out.wo_len);
	wire_out_free(&out);
}

static void
fake_reply(uint32_t type, uint32_t sid, const void *data, size_t len)
{
	if (imsg_compose(&fake_store, type, sid, 0, -1, data, len) == -1)
		fuzz_fail("imsg_compose: %s", strerror(errno));
}

static void
fake_reply_error(uint32_t sid)
{
	struct wire_out	out;

	wire_out_init(&out, 1024);
	wire_put_string(&out, "error: refused by the fuzzer's storeproc");
	fake_reply(IMSG_STORE_ERROR, sid, out.wo_buf, out.wo_len);
	wire_out_free(&out);
}

static void
fake_reply_drv(uint32_t sid, const char *path)
{
	struct wire_out	out;
	int		i;

	for (i = 0; i < NDRVS; i++)
		if (drv_text[i] != NULL && strcmp(path, drv_path[i]) == 0)
			break;
	if (i == NDRVS) {
		fake_reply_error(sid);
		return;
	}
	wire_out_init(&out, MSG_STORE_MAXSIZE);
	wire_put_bytes(&out, drv_text[i], drv_len[i]);
	fake_reply(IMSG_STORE_DRV, sid, out.wo_buf, out.wo_len);
	wire_out_free(&out);
}

/*
 * Decode a request with storeproc's own decoder (as storeproc.c
 * dispatches it) and answer: no path valid unless the input says so,
 * nothing found, and an error for anything that would change the
 * store (refuse).  -1 and why if storeproc would not take it.
 */
static int
store_reply(struct imsg *imsg, const char **why)
{
	struct msg_add		 ma;
	struct msg_add_nar	 man;
	struct msg_gc		 mg;
	struct msg_build	 mb;
	const char		*errstr = NULL;
	char			*path, **paths, **sigs, *text;
	size_t			 npaths, nsigs;
	uint32_t		 type, sid;
	uint64_t		 zero = 0, zeros[2] = { 0, 0 };
	int			 fd = -1, rc = 0, refuse = 0, a, b;

	type = imsg_get_type(imsg);
	sid = imsg_get_peerid(imsg);
	switch (type) {
	case IMSG_STORE_PING:
		fake_reply(IMSG_STORE_PONG, 0, NULL, 0);
		return (0);
	case IMSG_STORE_QUERY_INFO:
	case IMSG_STORE_QUERY_REFERRERS:
	case IMSG_STORE_QUERY_DERIVERS:
	case IMSG_STORE_QUERY_OUTPUTS:
	case IMSG_STORE_TEMP_ROOT:
	case IMSG_STORE_ENSURE:
	case IMSG_STORE_QUERY_DRV:
	case IMSG_STORE_NAR_FROM_PATH:
	case IMSG_STORE_BUILD_LOG:
		if ((rc = msg_recv_path(imsg, SD, &path, &fd, &errstr)) == -1)
			break;
		if (type == IMSG_STORE_QUERY_INFO)
			fake_reply(IMSG_STORE_INFO, sid, &zero, sizeof(zero));
		else if (type == IMSG_STORE_QUERY_REFERRERS ||
		    type == IMSG_STORE_QUERY_DERIVERS)
			fake_reply(IMSG_STORE_PATHS, sid, &zero, sizeof(zero));
		else if (type == IMSG_STORE_QUERY_OUTPUTS)
			fake_reply(IMSG_STORE_OUTPUTS, sid, &zero,
			    sizeof(zero));
		else if (type == IMSG_STORE_TEMP_ROOT)
			fake_reply(IMSG_STORE_OK, sid, NULL, 0);
		else if (type == IMSG_STORE_QUERY_DRV)
			fake_reply_drv(sid, path);
		else
			fake_reply_error(sid);
		free(path);
		break;
	case IMSG_STORE_QUERY_VALID:
	case IMSG_STORE_QUERY_INTACT:
	case IMSG_STORE_QUERY_CLOSURE:
	case IMSG_STORE_TEMP_ROOTS:
	case IMSG_STORE_QUERY_MISSING:
		if ((rc = msg_recv_paths(imsg, SD,
		    type == IMSG_STORE_QUERY_MISSING, &paths, &npaths,
		    &errstr)) == -1)
			break;
		if (type == IMSG_STORE_QUERY_MISSING)
			fake_reply_error(sid);
		else if (type == IMSG_STORE_QUERY_CLOSURE)
			fake_reply_paths(sid, paths, npaths, 0);
		else if (type == IMSG_STORE_TEMP_ROOTS)
			fake_reply(IMSG_STORE_OK, sid, NULL, 0);
		else
			fake_reply_paths(sid, paths, npaths,
			    type == IMSG_STORE_QUERY_VALID ||
			    type == IMSG_STORE_QUERY_INTACT);
		wire_strings_free(paths, npaths);
		break;
	case IMSG_STORE_QUERY_ALL:
	case IMSG_STORE_FIND_ROOTS:
	case IMSG_STORE_SESSION_END:
	case IMSG_STORE_UPLOAD_DONE:
	case IMSG_STORE_UPLOAD_ABORT:
		if ((rc = msg_recv_empty(imsg, &errstr)) == -1)
			break;
		if (type == IMSG_STORE_QUERY_ALL)
			fake_reply(IMSG_STORE_PATHS, sid, &zero, sizeof(zero));
		else if (type == IMSG_STORE_FIND_ROOTS)
			fake_reply(IMSG_STORE_ROOTS, sid, &zero, sizeof(zero));
		break;
	case IMSG_STORE_QUERY_HASHPART:
	case IMSG_STORE_INDIRECT_ROOT:
		if ((rc = msg_recv_text(imsg,
		    type == IMSG_STORE_QUERY_HASHPART ? STOREPATH_HASH_LEN :
		    MSG_LINKPATH_MAX, &text, &errstr)) == -1)
			break;
		free(text);
		if (type == IMSG_STORE_QUERY_HASHPART)
			fake_reply(IMSG_STORE_PATHS, sid, &zero, sizeof(zero));
		else
			fake_reply_error(sid);
		break;
	case IMSG_STORE_ADD:
		if ((rc = msg_recv_add(imsg, SD, &ma, &fd, &errstr)) == 0)
			msg_add_free(&ma);
		refuse = 1;
		break;
	case IMSG_STORE_ADD_NAR:
		if ((rc = msg_recv_add_nar(imsg, SD, &man, &fd,
		    &errstr)) == 0)
			msg_add_nar_free(&man);
		refuse = 1;
		break;
	case IMSG_STORE_GC:
		if ((rc = msg_recv_gc(imsg, SD, &mg, &errstr)) == 0)
			msg_gc_free(&mg);
		refuse = 1;
		break;
	case IMSG_STORE_ADD_SIGS:
		if ((rc = msg_recv_add_sigs(imsg, SD, &path, &sigs, &nsigs,
		    &errstr)) == 0) {
			free(path);
			wire_strings_free(sigs, nsigs);
		}
		refuse = 1;
		break;
	case IMSG_STORE_VERIFY:
		if ((rc = msg_recv_verify(imsg, &a, &b, &errstr)) == 0)
			/* No errors found, no derivation to repair. */
			fake_reply(IMSG_STORE_VERIFY_RESULT, sid, zeros,
			    sizeof(zeros));
		break;
	case IMSG_STORE_BUILD_OUTPUTS:
		if ((rc = msg_recv_build_outputs(imsg, SD, &mb, &fd,
		    &errstr)) == 0)
			msg_build_free(&mb);
		refuse = 1;
		break;
	default:
		errstr = "not a request storeproc serves";
		rc = -1;
	}
	if (rc == 0 && refuse)
		fake_reply_error(sid);
	if (fd != -1)
		close(fd);
	*why = errstr;
	return (rc);
}

/*
 * What builderproc sent one fake peer, each message answered by that
 * peer's reply(), which must take it; how many there were.
 */
static int
fake_serve(struct imsgbuf *ib, const char *peer,
    int (*reply)(struct imsg *, const char **))
{
	struct imsg	 imsg;
	const char	*why;
	int		 n = 0, rc;

	if (imsgbuf_read(ib) == -1 && errno != EAGAIN)
		fuzz_fail("reading builderproc: %s", strerror(errno));
	while ((rc = imsgbuf_get(ib, &imsg)) == 1) {
		if (reply(&imsg, &why) == -1)
			fuzz_fail("%s refuses builderproc's %s: %s", peer,
			    imsg_type_name(imsg_get_type(&imsg)), why);
		imsg_free(&imsg);
		n++;
	}
	if (rc == -1)
		fuzz_fail("builderproc's framing to %s: %s", peer,
		    strerror(errno));
	if (imsgbuf_flush(ib) == -1)
		fuzz_fail("writing to builderproc: %s", strerror(errno));
	return (n);
}

/*
 * A recursive build "runs": its socket listens at recpath, its log is
 * a pipe that stays open until the build exits.
 */
static void
mount_run(struct imsgbuf *mc, uint64_t id)
{
	int	fd, p[2];

	unlink(recpath);
	fd = unix_listen(recpath);
	if (pipe2(p, O_CLOEXEC) == -1)
		fuzz_fail("pipe2: %s", strerror(errno));
	run_id = id;
	run_pty = p[1];
	run_exited = 0;
	msg_send_build_socket(mc, id, fd);
	msg_send_started(mc, id, 4242, p[0]);
}

/* It exits: EXITED with a descriptor of an empty store dir. */
static void
mount_exit(struct imsgbuf *mc)
{
	int	fd;

	if ((fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		fuzz_fail("open /: %s", strerror(errno));
	close(run_pty);
	run_pty = -1;
	run_exited = 1;
	unlink(recpath);
	msg_send_exited(mc, run_id, 0, fd);
}

static void
mount_exit_now(void)
{

	mount_exit(&fake_mount);
	if (imsgbuf_flush(&fake_mount) == -1)
		fuzz_fail("writing to builderproc: %s", strerror(errno));
}

/* mountproc's decoders; every build but a recursive one is refused. */
static int
mount_reply(struct imsg *imsg, const char **why)
{
	const char		*errstr = NULL;
	char			*path;
	uint64_t		 id;
	uint32_t		 type;
	int			 rc = 0;

	type = imsg_get_type(imsg);
	switch (type) {
	case IMSG_MOUNT_PING:
		imsg_compose(&fake_mount, IMSG_MOUNT_PONG, 0, 0, -1, NULL, 0);
		return (0);
	case IMSG_MOUNT_BUILD_START:
		if (mount_building)
			msg_mount_build_free(&mount_build);
		rc = msg_recv_start(imsg, &mount_build, &errstr);
		mount_building = rc == 0;
		break;
	case IMSG_MOUNT_BUILD_ITEM:
		if (!mount_building)
			fuzz_fail("an ITEM without START");
		rc = msg_recv_item(imsg, SD, &mount_build, &errstr);
		break;
	case IMSG_MOUNT_BUILD_GO:
		if (!mount_building)
			fuzz_fail("GO without START");
		if ((rc = msg_recv_go(imsg, &mount_build, &errstr)) == 0 &&
		    (mount_build.mmb_flags & MOUNT_F_RECURSIVE) &&
		    run_pty == -1)
			mount_run(&fake_mount, mount_build.mmb_id);
		else if (rc == 0)
			msg_send_mount_error(&fake_mount, imsg_get_peerid(imsg),
			    mount_build.mmb_id, type, "refused by the fuzzer");
		msg_mount_build_free(&mount_build);
		mount_building = 0;
		break;
	case IMSG_MOUNT_BUILD_KILL:
	case IMSG_MOUNT_BUILD_CLEANUP:
		if ((rc = msg_recv_build_id(imsg, &id, &errstr)) == -1)
			break;
		if (type == IMSG_MOUNT_BUILD_CLEANUP)
			msg_send_mount_ok(&fake_mount, imsg_get_peerid(imsg),
			    id, type);
		else if (id == run_id && run_pty != -1)
			mount_exit(&fake_mount);
		break;
	case IMSG_MOUNT_BIND_PATH:
		if ((rc = msg_recv_bind_path(imsg, SD, &id, &path,
		    &errstr)) == 0) {
			free(path);
			msg_send_mount_error(&fake_mount,
			    imsg_get_peerid(imsg), id, type,
			    "refused by the fuzzer");
		}
		break;
	default:
		errstr = "not a request mountproc serves";
		rc = -1;
	}
	*why = errstr;
	return (rc);
}

/* The parent answers a client's credentials; the rest it takes. */
static int
parent_reply(struct imsg *imsg, const char **why)
{
	struct msg_cred_reply	 reply;
	uint32_t		 id;
	uid_t			 uid;
	gid_t			 gid;

	if (imsg_get_type(imsg) != IMSG_CTL_CRED_REQ)
		return (0);
	if (msg_recv_cred_req(imsg, &id, &uid, &gid, why) == -1)
		return (-1);
	memset(&reply, 0, sizeof(reply));
	reply.mcr_id = id;
	reply.mcr_flags = CRED_ALLOWED | (trusted ? CRED_TRUSTED : 0);
	strlcpy(reply.mcr_name, trusted ? "root" : "alice",
	    sizeof(reply.mcr_name));
	msg_send_cred_reply(&fake_parent, &reply);
	return (0);
}

/* One turn of builderproc's loop and of each fake peer. */
static int
turn(void)
{
	int	n;

	event_loop(EVLOOP_NONBLOCK);
	n = fake_serve(&fake_parent, "the parent", parent_reply);
	n += fake_serve(&fake_store, "storeproc", store_reply);
	n += fake_serve(&fake_mount, "mountproc", mount_reply);
	event_loop(EVLOOP_NONBLOCK);
	return (n);
}

/*
 * An input-addressed derivation of no inputs, its output paths
 * computed as nix-instantiate would, in canonical order throughout.
 */
static void
make_drv(int i, const char *name, int recursive)
{
	struct drv_hasher	 dh;
	struct drv		*d;
	const char		*errstr;
	char			 out[1][STOREPATH_MAX];
	int			 pass;

	out[0][0] = '\0';
	for (pass = 0; pass < 2; pass++) {
		if ((d = drv_new()) == NULL)
			fuzz_fail("drv_new");
		if (drv_add_output(d, "out", out[0], "", "", &errstr) == -1 ||
		    drv_set_platform(d, RNIXD_SYSTEM, &errstr) == -1 ||
		    drv_set_builder(d, "/bin/sh", &errstr) == -1 ||
		    drv_add_arg(d, "-c", &errstr) == -1 ||
		    drv_add_arg(d, "nix-build --version", &errstr) == -1 ||
		    drv_add_env(d, "builder", "/bin/sh", &errstr) == -1 ||
		    drv_add_env(d, "name", name, &errstr) == -1 ||
		    drv_add_env(d, "out", out[0], &errstr) == -1 ||
		    (recursive && drv_add_env(d, "requiredSystemFeatures",
		    "recursive-nix", &errstr) == -1) ||
		    drv_add_env(d, "system", RNIXD_SYSTEM, &errstr) == -1)
			fuzz_fail("making %s: %s", name, errstr);
		if (pass == 1)
			break;
		drv_hasher_init(&dh, SD, NULL, NULL);
		if (drv_output_paths(&dh, name, d, out, &errstr) == -1)
			fuzz_fail("output path of %s: %s", name, errstr);
		drv_hasher_clear(&dh);
		drv_free(d);
	}
	if (drv_unparse(d, 0, NULL, 0, &drv_text[i], &drv_len[i],
	    &errstr) == -1 || drv_store_path(SD, name, d, drv_path[i],
	    sizeof(drv_path[i]), &errstr) == -1)
		fuzz_fail("printing %s: %s", name, errstr);
	drv_free(d);
	if (getenv("FUZZ_PRINT_DRVS") != NULL)
		printf("%s\n", drv_path[i]);
}

static void
unix_addr(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	strlcpy(sun->sun_path, path, sizeof(sun->sun_path));
}

/* A socket listening at path, for the client or a recursive build. */
static int
unix_listen(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	unix_addr(&sun, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1 || bind(fd, (struct sockaddr *)&sun,
	    sizeof(sun)) == -1 || listen(fd, 16) == -1)
		fuzz_fail("listening socket %s: %s", path, strerror(errno));
	return (fd);
}

/* A socket connected to path, or -1 if nothing listens there. */
static int
unix_connect(const char *path, int flags)
{
	struct sockaddr_un	 sun;
	int			 fd, saved_errno;

	unix_addr(&sun, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags,
	    0)) == -1)
		fuzz_fail("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved_errno = errno;
		close(fd);
		errno = saved_errno;
		return (-1);
	}
	return (fd);
}

static int
listen_socket(void)
{
	char	*dir;

	dir = fuzz_tmpdir("fuzz-builderproc");
	/* As long as a sockaddr_un's sun_path. */
	if ((size_t)snprintf(sockpath, sizeof(sockpath), "%s/socket",
	    dir) >= sizeof(sockpath))
		fuzz_fail("TMPDIR too long for a socket");
	snprintf(recpath, sizeof(recpath), "%s/rec-socket", dir);
	free(dir);
	return (unix_listen(sockpath));
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const uid_t	uids[] = { 30001, 30002 };
	int		n;

	(void)argc;
	(void)argv;
	fuzz_quiet();
	signal(SIGPIPE, SIG_IGN);
	memset(&setup, 0, sizeof(setup));
	setup.cs_proc = PROC_BUILDER;
	builder_env.be_conf = &setup.cs_conf;
	config_init_defaults(builder_env.be_conf);
	builder_env.be_conf->conf_experimental_features |=
	    1U << XP_RECURSIVE_NIX;
	make_drv(0, "fuzz-plain", 0);
	make_drv(1, "fuzz-recursive", 1);
	if (getenv("FUZZ_PRINT_DRVS") != NULL)
		exit(0);
	event_init();
	fake_channel(&fake_parent, &setup.cs_parent, IMSG_MAXSIZE_DEFAULT);
	fake_channel(&fake_store, &ibuf_store, MSG_STORE_MAXSIZE);
	fake_channel(&fake_mount, &ibuf_mount, MSG_MOUNT_MAXSIZE);
	imsgbuf_set_fdpass(&ibuf_store, 0);
	setup.cs_listen = listen_socket();
	imsgev_init(&builder_env.be_parent, &setup.cs_parent, PROC_PARENT,
	    builder_dispatch_parent);
	imsgev_init(&builder_env.be_store, &ibuf_store, PROC_STORE,
	    builder_dispatch_store);
	imsgev_init(&builder_env.be_mount, &ibuf_mount, PROC_MOUNT,
	    builder_dispatch_mount);
	/* Build users as the parent pushes them: two of group 30000. */
	msg_send_build_users(&fake_parent, 30000, uids, 2);
	pongs_missing = 2;
	msg_send_empty(builder_store(), IMSG_STORE_PING, 0);
	msg_send_empty(builder_mount(), IMSG_MOUNT_PING, 0);
	for (n = 0; pongs_missing > 0 && n < IDLE_ROUNDS; n++)
		turn();
	if (pongs_missing > 0)
		fuzz_fail("builderproc did not come up");
	return (0);
}

static int
client_connect(void)
{
	int	fd;

	if ((fd = unix_connect(sockpath, 0)) == -1)
		fuzz_fail("connect %s: %s", sockpath, strerror(errno));
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
		fuzz_fail("O_NONBLOCK: %s", strerror(errno));
	return (fd);
}

/* Write some of the client's bytes, read and drop the replies. */
static int
client_turn(int fd, const uint8_t *buf, size_t len, size_t *off, int *eof)
{
	char	junk[65536];
	ssize_t	n;
	int	progress = 0;

	if (*off < len) {
		if ((n = write(fd, buf + *off, len - *off)) > 0) {
			*off += n;
			progress = 1;
		} else if (n == -1 && errno != EAGAIN)
			*off = len;	/* builderproc hung up */
	}
	while ((n = read(fd, junk, sizeof(junk))) > 0)
		progress = 1;
	if (n == 0 || (n == -1 && errno != EAGAIN))
		*eof = 1;
	return (progress);
}

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	const uint8_t	*rec = NULL;
	size_t		 off = 0, roff = 0, clen, rlen = 0;
	int		 fds, fd, rfd = -1, idle = 0, eof = 0, reof = 0, n;

	if (len < 1)
		return (0);
	trusted = buf[0] & 1;
	validmask = buf[0] >> 1;
	buf++;
	len--;
	clen = len;
	if ((rec = memmem(buf, len, REC_MARKER, REC_MARKERLEN)) != NULL) {
		clen = rec - buf;
		rec += REC_MARKERLEN;
		rlen = len - clen - REC_MARKERLEN;
	}
	fds = fuzz_fd_count();
	fd = client_connect();
	/*
	 * A client waits for its replies with the socket open, so the
	 * session is left until it is idle: all sent, nothing moves.
	 * The recursive client speaks once the build runs; when both are
	 * idle, the build exits.
	 */
	while (!eof && idle < IDLE_ROUNDS) {
		n = turn();
		n += client_turn(fd, buf, clen, &off, &eof);
		/* The recursive client, once the build's socket listens. */
		if (rec != NULL && rfd == -1 && run_pty != -1 &&
		    (rfd = unix_connect(recpath, SOCK_NONBLOCK)) != -1)
			n++;
		if (rfd != -1 && !reof)
			n += client_turn(rfd, rec, rlen, &roff, &reof);
		idle = n > 0 ? 0 : idle + 1;
		if (idle == IDLE_ROUNDS && run_pty != -1) {
			if (rfd != -1)
				close(rfd);
			rfd = -1;
			reof = 1;
			mount_exit_now();
			idle = 0;
		}
	}
	if (rfd != -1)
		close(rfd);
	if (run_pty != -1)
		mount_exit_now();
	/* The client leaves; its session must follow. */
	close(fd);
	for (n = 0; session_count() > 0 && n < GONE_ROUNDS; n++)
		turn();
	if (session_count() > 0)
		fuzz_fail("a session outlives its client");
	turn();
	fuzz_fd_expect("builderproc", fds);
	return (0);
}
