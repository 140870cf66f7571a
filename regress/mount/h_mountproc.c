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
 * Plays rnixd's parent and builderproc around a real rnixd-mountproc:
 *
 *	h_mountproc mountproc conffile storedir busybox-path bind-path
 *	    uid1 uid2 uid3 outsider-uid gid
 *
 * The parent's part is what parent_spawn.c does: fd 3, the pushed
 * configuration, the builderproc link (CTL_PEER), READY.  Then, as
 * builderproc: a busybox build through START/ITEMs/GO, its log from
 * the pty, EXITED and its output through the dirfd, CLEANUP; refused
 * requests (each answered with MOUNT_ERROR, mountproc still serving;
 * among them a fixed-output build with a recursive-Nix socket);
 * a recursive build that sees a path bound in with BIND_PATH, then is
 * KILLed; and the end of mountproc, after which no build may be left.
 * Prints one line per check; exits 1 at the first failure.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imsg.h"
#include "msg.h"
#include "msg_ctl.h"
#include "msg_mount.h"
#include "proc.h"

#define TIMEOUT_MS	30000

static struct imsgbuf		 ib_parent, ib_builder;
static const char		*storedir, *busybox, *bindpath;
static uid_t			 uids[4];
static pid_t			 mountproc_pid;
static gid_t			 gid;

static void
pump(struct imsgbuf *ib, struct imsg *imsg)
{
	struct pollfd	pfd;
	int		rc;

	for (;;) {
		if ((rc = imsgbuf_get(ib, imsg)) == -1)
			err(1, "imsgbuf_get");
		if (rc == 1)
			return;
		if (imsgbuf_flush(ib) == -1)
			err(1, "imsgbuf_flush");
		pfd.fd = ib->ib_fd;
		pfd.events = POLLIN;
		if ((rc = poll(&pfd, 1, TIMEOUT_MS)) == -1)
			err(1, "poll");
		if (rc == 0)
			errx(1, "no message from mountproc in time");
		if (imsgbuf_read(ib) == 0)
			errx(1, "mountproc closed the channel");
	}
}

static void
expect_type(struct imsg *imsg, uint32_t type)
{
	imsgbuf_flush(&ib_builder);
	pump(&ib_builder, imsg);
	if (imsg_get_type(imsg) != type)
		errx(1, "got %s, expected %s", imsg_type_name(
		    imsg_get_type(imsg)), imsg_type_name(type));
}

/* The refusal of one request, then a PING: mountproc still serves. */
static void
expect_error(const char *what, uint64_t id, uint32_t request,
    const char *text)
{
	struct imsg	 imsg;
	const char	*errstr;
	char		 msg[MSG_MOUNT_ERROR_MAX];
	uint64_t	 gotid;
	uint32_t	 req;

	expect_type(&imsg, IMSG_MOUNT_ERROR);
	if (msg_recv_mount_error(&imsg, &gotid, &req, msg, sizeof(msg),
	    &errstr) == -1)
		errx(1, "%s: bad ERROR: %s", what, errstr);
	imsg_free(&imsg);
	if (gotid != id || req != request || strstr(msg, text) == NULL)
		errx(1, "%s: got ERROR(%s, %llu) \"%s\", expected "
		    "ERROR(%s, %llu) \"%s\"", what, imsg_type_name(req),
		    (unsigned long long)gotid, msg, imsg_type_name(request),
		    (unsigned long long)id, text);
	if (imsg_compose(&ib_builder, IMSG_MOUNT_PING, 0, 0, -1, NULL, 0)
	    == -1)
		err(1, "imsg_compose");
	expect_type(&imsg, IMSG_MOUNT_PONG);
	imsg_free(&imsg);
	printf("%s: refused (%s), still serving: ok\n", what, msg);
}

static void
setup_parent(const char *prog, const char *conffile)
{
	struct imsg	 imsg;
	char		*text;
	size_t		 len;
	FILE		*f;
	int		 sp[2], sb[2];
	pid_t		 pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sp) == -1 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0, sb) == -1)
		err(1, "socketpair");
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		if (dup2(sp[1], PROC_PARENT_FD) == -1)
			err(1, "dup2");
		closefrom(PROC_PARENT_FD + 1);
		execl(prog, "rnixd-mountproc", "-d", "-v", (char *)NULL);
		err(1, "%s", prog);
	}
	mountproc_pid = pid;
	close(sp[1]);
	if (imsgbuf_init(&ib_parent, sp[0]) == -1 ||
	    imsgbuf_init(&ib_builder, sb[0]) == -1 ||
	    imsgbuf_set_maxsize(&ib_builder, MSG_MOUNT_MAXSIZE) == -1)
		err(1, "imsgbuf_init");
	if ((f = fopen(conffile, "r")) == NULL)
		err(1, "%s", conffile);
	text = malloc(65536);
	len = fread(text, 1, 65536, f);
	fclose(f);
	msg_send_config(&ib_parent, text, len);
	msg_send_peer(&ib_parent, PROC_BUILDER, sb[1]);
	msg_send_ready(&ib_parent);
	free(text);
	pump(&ib_parent, &imsg);
	if (imsg_get_type(&imsg) != IMSG_CTL_READY)
		errx(1, "mountproc sent %s, not READY",
		    imsg_type_name(imsg_get_type(&imsg)));
	imsg_free(&imsg);
	/* The parent's list of build users follows every READY. */
	msg_send_build_users(&ib_parent, gid, uids, 3);
	if (imsgbuf_flush(&ib_parent) == -1)
		err(1, "imsgbuf_flush");
	printf("mountproc set up as the parent does it, READY: ok\n");
}

#define HASH	"0a0b0c0d0f0g0h0i0j0k0l0m0n0p0q0r"

static char	outpath[1024];

static void
send_build(uint64_t id, uid_t uid, gid_t bgid, uint32_t flags,
    const char *script, const char *extra_input, int bind)
{
	struct msg_mount_build	 mb;
	struct msg_mount_bind	 b;
	char			 builder[1024], outenv[1100], *args[3];
	char			*env[3], *inputs[2];

	snprintf(builder, sizeof(builder), "%s/bin/busybox", busybox);
	snprintf(outpath, sizeof(outpath), "%s/%s-out-%llu", storedir, HASH,
	    (unsigned long long)id);
	snprintf(outenv, sizeof(outenv), "out=%s", outpath);
	args[0] = "sh";
	args[1] = "-c";
	args[2] = (char *)script;
	env[0] = outenv;
	env[1] = "PATH=/path-not-set";
	inputs[0] = (char *)busybox;
	inputs[1] = (char *)extra_input;
	b.mmbd_target = "/bin/sh";
	b.mmbd_source = builder;
	b.mmbd_optional = 0;
	memset(&mb, 0, sizeof(mb));
	mb.mmb_id = id;
	mb.mmb_uid = uid;
	mb.mmb_gid = bgid;
	mb.mmb_flags = flags;
	mb.mmb_builder = builder;
	mb.mmb_args = args;
	mb.mmb_nargs = 3;
	mb.mmb_env = env;
	mb.mmb_nenv = 2;
	mb.mmb_inputs = inputs;
	mb.mmb_ninputs = extra_input != NULL ? 2 : 1;
	mb.mmb_binds = &b;
	mb.mmb_nbinds = bind;
	if (msg_send_build(&ib_builder, &mb) == -1)
		errx(1, "build %llu not sent", (unsigned long long)id);
}

static int
expect_started(uint64_t id)
{
	struct imsg	 imsg;
	const char	*errstr;
	uint64_t	 gotid;
	pid_t		 pid;
	int		 fd;

	expect_type(&imsg, IMSG_MOUNT_BUILD_STARTED);
	if (msg_recv_started(&imsg, &gotid, &pid, &fd, &errstr) == -1 ||
	    gotid != id)
		errx(1, "bad STARTED for %llu", (unsigned long long)id);
	imsg_free(&imsg);
	return (fd);
}

/* A recursive build's listening socket, which comes before STARTED. */
static void
expect_socket(uint64_t id)
{
	struct sockaddr_un	 sun;
	struct imsg		 imsg;
	const char		*errstr;
	socklen_t		 len = sizeof(int), slen = sizeof(sun);
	uint64_t		 gotid;
	int			 fd, on = 0;

	expect_type(&imsg, IMSG_MOUNT_BUILD_SOCKET);
	if (msg_recv_build_socket(&imsg, &gotid, &fd, &errstr) == -1 ||
	    gotid != id)
		errx(1, "bad SOCKET for %llu", (unsigned long long)id);
	imsg_free(&imsg);
	memset(&sun, 0, sizeof(sun));
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == -1 ||
	    !on || getsockname(fd, (struct sockaddr *)&sun, &slen) == -1 ||
	    sun.sun_family != AF_UNIX || strstr(sun.sun_path,
	    "/.nix-socket") == NULL)
		errx(1, "SOCKET of %llu: not a listening .nix-socket",
		    (unsigned long long)id);
	close(fd);
}

/* The log until text appears (or, with text NULL, to its end). */
static void
read_log(int fd, const char *text, char *buf, size_t bufsz)
{
	struct pollfd	pfd;
	size_t		len = 0;
	ssize_t		n;

	buf[0] = '\0';
	for (;;) {
		if (text != NULL && strstr(buf, text) != NULL)
			return;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, TIMEOUT_MS) <= 0)
			errx(1, "log: nothing in time; so far: %s", buf);
		if ((n = read(fd, buf + len, bufsz - len - 1)) == -1 &&
		    errno == EIO)
			n = 0;
		if (n == -1)
			err(1, "read log");
		if (n == 0) {
			if (text != NULL)
				errx(1, "log ended without %s: %s", text, buf);
			return;
		}
		len += n;
		buf[len] = '\0';
	}
}

static int
expect_exited(uint64_t id, int *status)
{
	struct imsg	 imsg;
	const char	*errstr;
	uint64_t	 gotid;
	int		 fd;

	expect_type(&imsg, IMSG_MOUNT_BUILD_EXITED);
	if (msg_recv_exited(&imsg, &gotid, status, &fd, &errstr) == -1 ||
	    gotid != id)
		errx(1, "bad EXITED for %llu", (unsigned long long)id);
	imsg_free(&imsg);
	return (fd);
}

static void
cleanup_build(uint64_t id, const char *buildsdir)
{
	struct imsg	 imsg;
	struct stat	 st;
	const char	*errstr;
	char		 path[1024];
	uint64_t	 gotid;
	uint32_t	 req;

	msg_send_build_id(&ib_builder, IMSG_MOUNT_BUILD_CLEANUP, id);
	expect_type(&imsg, IMSG_MOUNT_OK);
	if (msg_recv_mount_ok(&imsg, &gotid, &req, &errstr) == -1 ||
	    gotid != id || req != IMSG_MOUNT_BUILD_CLEANUP)
		errx(1, "bad OK for CLEANUP of %llu", (unsigned long long)id);
	imsg_free(&imsg);
	snprintf(path, sizeof(path), "%s/%llu", buildsdir,
	    (unsigned long long)id);
	if (lstat(path, &st) == 0 || errno != ENOENT)
		errx(1, "%s still there after CLEANUP", path);
	printf("build %llu: CLEANUP OK, build dir gone: ok\n",
	    (unsigned long long)id);
}

/* Processes of uid, other than zombies nobody waits for. */
static int
user_procs(uid_t uid)
{
	struct dirent	*de;
	struct stat	 st;
	char		 path[300];
	DIR		*d;
	int		 n = 0;

	if ((d = opendir("/proc")) == NULL)
		err(1, "/proc");
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s", de->d_name);
		if (stat(path, &st) == 0 && st.st_uid == uid)
			n++;
	}
	closedir(d);
	return (n);
}

static void
test_build(const char *buildsdir)
{
	char	log[8192], buf[64];
	int	logfd, dirfd, fd, status;
	ssize_t	n;

	send_build(1, uids[0], gid, 0, "echo hello-log; echo to-stderr >&2; "
	    "mkdir $out && echo built >$out/result && "
	    "test -x /bin/sh && echo sh-there >>$out/result", NULL, 1);
	logfd = expect_started(1);
	read_log(logfd, NULL, log, sizeof(log));
	close(logfd);
	if (strstr(log, "hello-log") == NULL ||
	    strstr(log, "to-stderr") == NULL)
		errx(1, "build log: got \"%s\", expected both lines", log);
	dirfd = expect_exited(1, &status);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		errx(1, "build 1: status %d, expected exit 0", status);
	snprintf(log, sizeof(log), "%s/result", strrchr(outpath, '/') + 1);
	if ((fd = openat(dirfd, log, O_RDONLY | O_NOFOLLOW)) == -1)
		err(1, "output %s in the dirfd", log);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	close(dirfd);
	buf[n > 0 ? n : 0] = '\0';
	if (strcmp(buf, "built\nsh-there\n") != 0)
		errx(1, "output: got \"%s\"", buf);
	printf("build 1: log from the pty, EXITED 0, output in the dirfd: "
	    "ok\n");
	cleanup_build(1, buildsdir);
}

static void
test_refusals(void)
{
	struct imsg	imsg;
	char		bad[1024];

	send_build(2, uids[3], gid, 0, "true", NULL, 0);
	expect_error("uid outside build-users-group", 2, IMSG_MOUNT_BUILD_GO,
	    "not a member");
	send_build(2, uids[0], gid + 1, 0, "true", NULL, 0);
	expect_error("gid of another group", 2, IMSG_MOUNT_BUILD_GO,
	    "gid is not");
	/* A reload that drops a user: its next build is refused. */
	msg_send_build_users(&ib_parent, gid, uids, 1);
	if (imsgbuf_flush(&ib_parent) == -1)
		err(1, "imsgbuf_flush");
	send_build(2, uids[1], gid, 0, "true", NULL, 0);
	expect_error("uid dropped from the group by a reload", 2,
	    IMSG_MOUNT_BUILD_GO, "not a member");
	msg_send_build_users(&ib_parent, gid, uids, 3);
	if (imsgbuf_flush(&ib_parent) == -1)
		err(1, "imsgbuf_flush");
	send_build(2, uids[0], gid, 0, "true", "/etc", 0);
	expect_error("input outside the store", 2, IMSG_MOUNT_BUILD_GO,
	    "not in the store");
	snprintf(bad, sizeof(bad), "%s/../etc", storedir);
	send_build(2, uids[0], gid, 0, "true", bad, 0);
	expect_error("input with ..", 2, IMSG_MOUNT_BUILD_GO, "");
	send_build(7, uids[0], gid, MOUNT_F_NETWORK | MOUNT_F_RECURSIVE,
	    "true", NULL, 0);
	expect_error("fixed-output and recursive", 7, IMSG_MOUNT_BUILD_GO,
	    "no recursive Nix socket");
	msg_send_build_id(&ib_builder, IMSG_MOUNT_BUILD_KILL, 999);
	expect_error("KILL of an unknown build", 999, IMSG_MOUNT_BUILD_KILL,
	    "no such build");
	msg_send_build_id(&ib_builder, IMSG_MOUNT_BUILD_CLEANUP, 1);
	expect_error("CLEANUP of a cleaned build", 1,
	    IMSG_MOUNT_BUILD_CLEANUP, "no exited build");
	msg_send_bind_path(&ib_builder, 7, 999, bindpath);
	expect_error("BIND_PATH into an unknown build", 999,
	    IMSG_MOUNT_BIND_PATH, "no running build");
	msg_send_bind_path(&ib_builder, 7, 999, "/etc/passwd");
	expect_error("BIND_PATH of a bad path", 999, IMSG_MOUNT_BIND_PATH,
	    "");
	msg_send_bind_path(&ib_builder, 7, 999, bad);
	expect_error("BIND_PATH with ..", 999, IMSG_MOUNT_BIND_PATH, "");
	/* A sandbox path that rnixd.conf does not name. */
	{
		struct msg_mount_build	mb;
		struct msg_mount_bind	b = { "/etc/shadow", "/etc/shadow", 0 };
		char			*args[] = { "x" }, *in[] = {
					    (char *)busybox };

		memset(&mb, 0, sizeof(mb));
		mb.mmb_id = 3;
		mb.mmb_uid = uids[0];
		mb.mmb_gid = gid;
		mb.mmb_builder = "/bin/sh";
		mb.mmb_args = args;
		mb.mmb_nargs = 1;
		mb.mmb_inputs = in;
		mb.mmb_ninputs = 1;
		mb.mmb_binds = &b;
		mb.mmb_nbinds = 1;
		msg_send_build(&ib_builder, &mb);
		expect_error("sandbox path not in sandbox-paths", 3,
		    IMSG_MOUNT_BUILD_GO, "sandbox-paths");
	}
	/* Garbage: a START cut short. */
	if (imsg_compose(&ib_builder, IMSG_MOUNT_BUILD_START, 0, 0, -1,
	    "\x05\0\0\0\0\0\0\0", 8) == -1)
		err(1, "imsg_compose");
	expect_error("truncated START", 5, IMSG_MOUNT_BUILD_START,
	    "truncated");
	(void)imsg;
}

/* VmSize of a process, in kB. */
static long
vmsize(pid_t pid)
{
	char	path[64], line[256];
	FILE	*f;
	long	kb = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		err(1, "%s", path);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmSize: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return (kb);
}

/* A bare START, as a compromised builderproc may send one. */
static void
send_start(uint64_t id, uint32_t uid, uint32_t g, uint32_t nitems)
{
	struct msg	m;

	msg_open(&m, &ib_builder, IMSG_MOUNT_BUILD_START, 0, -1);
	msg_put_u64(&m, id);
	msg_put_u32(&m, uid);
	msg_put_u32(&m, g);
	msg_put_u32(&m, 0);
	msg_put_u32(&m, nitems);
	msg_put_u32(&m, nitems);
	msg_put_u32(&m, nitems);
	msg_put_u32(&m, nitems);
	msg_put_u32(&m, 0);		/* no build-dir files */
	if (msg_close(&m) == -1)
		errx(1, "START not sent");
}

/*
 * A compromised builderproc announcing the most items in START after
 * START, never GO: each made mountproc allocate ~3 MiB, without end.
 * Past a few builds being described, START is refused at once.
 */
#define FLOOD_STARTS	64
static void
test_flood(void)
{
	struct imsg		 imsg;
	long			 before, after;
	int			 i, nerr = 0;

	before = vmsize(mountproc_pid);
	for (i = 0; i < FLOOD_STARTS; i++) {
		send_start(1000 + i, uids[i % 3], gid, MSG_MOUNT_ITEMS_MAX);
	}
	if (imsg_compose(&ib_builder, IMSG_MOUNT_PING, 0, 0, -1, NULL, 0)
	    == -1)
		err(1, "imsg_compose");
	for (;;) {
		imsgbuf_flush(&ib_builder);
		pump(&ib_builder, &imsg);
		if (imsg_get_type(&imsg) == IMSG_MOUNT_PONG)
			break;
		if (imsg_get_type(&imsg) != IMSG_MOUNT_ERROR)
			errx(1, "flood: got %s", imsg_type_name(
			    imsg_get_type(&imsg)));
		nerr++;
		imsg_free(&imsg);
	}
	imsg_free(&imsg);
	after = vmsize(mountproc_pid);
	if (after - before > 32 * 1024)
		errx(1, "flood: %d STARTs grew mountproc by %ld kB",
		    FLOOD_STARTS, after - before);
	/* A few are kept (mountproc's PERM_DESCRIBING_MAX), the first. */
	if (nerr < FLOOD_STARTS - 8 || nerr == FLOOD_STARTS)
		errx(1, "flood: %d of %d STARTs refused at once", nerr,
		    FLOOD_STARTS);
	/* Those kept are refused at GO: items are missing. */
	for (i = 0; i < FLOOD_STARTS - nerr; i++) {
		msg_send_build_id(&ib_builder, IMSG_MOUNT_BUILD_GO, 1000 + i);
		expect_error("GO of a flooding START", 1000 + i,
		    IMSG_MOUNT_BUILD_GO, "");
	}
	printf("flood: %d STARTs, %d refused, mountproc grew %ld kB: ok\n",
	    FLOOD_STARTS, nerr, after - before);
}

static void
test_recursive(const char *buildsdir)
{
	struct imsg		 imsg;
	const char		*errstr;
	char			 script[4096], log[8192];
	uint64_t		 id;
	uint32_t		 req;
	int			 fd10, fd11, dirfd, status, i;

	snprintf(script, sizeof(script), "B=%s/bin/busybox; echo started; "
	    "echo sock-$($B stat -c %%a-%%u-%%F /build/.nix-socket | "
	    "$B tr ' ' _); "
	    "while [ ! -e %s/marker ]; do $B sleep 0.1; done; "
	    "echo seen-$($B cat %s/marker); $B sleep 1000", busybox, bindpath,
	    bindpath);
	send_build(10, uids[0], gid, MOUNT_F_RECURSIVE, script, NULL, 0);
	expect_socket(10);
	fd10 = expect_started(10);
	read_log(fd10, "sock-600-1000-socket", log, sizeof(log));
	printf("build 10: its .nix-socket, 0600, the build user's: ok\n");
	snprintf(script, sizeof(script), "echo started; exec %s/bin/busybox "
	    "sleep 1000", busybox);
	send_build(11, uids[1], gid, 0, script, NULL, 0);
	fd11 = expect_started(11);
	read_log(fd11, "started", log, sizeof(log));
	printf("builds 10 (recursive) and 11 running: ok\n");

	msg_send_bind_path(&ib_builder, 77, 11, bindpath);
	expect_error("BIND_PATH into a non-recursive build", 11,
	    IMSG_MOUNT_BIND_PATH, "not recursive");
	send_build(12, uids[0], gid, 0, "true", NULL, 0);
	expect_error("build user busy", 12, IMSG_MOUNT_BUILD_GO, "busy");
	send_start(10, 0, 0, 0);
	expect_error("START of a live build id", 10, IMSG_MOUNT_BUILD_START,
	    "in use");
	msg_send_build_id(&ib_builder, IMSG_MOUNT_BUILD_CLEANUP, 10);
	expect_error("CLEANUP of a running build", 10,
	    IMSG_MOUNT_BUILD_CLEANUP, "no exited build");

	msg_send_bind_path(&ib_builder, 78, 10, bindpath);
	expect_type(&imsg, IMSG_MOUNT_OK);
	if (msg_recv_mount_ok(&imsg, &id, &req, &errstr) == -1 || id != 10 ||
	    req != IMSG_MOUNT_BIND_PATH || imsg_get_peerid(&imsg) != 78)
		errx(1, "bad OK for BIND_PATH");
	imsg_free(&imsg);
	read_log(fd10, "seen-bound", log, sizeof(log));
	printf("BIND_PATH into build 10: OK, the builder sees it: ok\n");
	msg_send_bind_path(&ib_builder, 79, 10, bindpath);
	expect_type(&imsg, IMSG_MOUNT_OK);
	imsg_free(&imsg);
	printf("BIND_PATH of a path already there: OK: ok\n");

	msg_send_build_id(&ib_builder, IMSG_MOUNT_BUILD_KILL, 10);
	dirfd = expect_exited(10, &status);
	close(dirfd);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		errx(1, "build 10: status %d, expected SIGKILL", status);
	for (i = 0; i < 50 && user_procs(uids[0]) > 0; i++)
		usleep(100000);
	if (user_procs(uids[0]) != 0)
		errx(1, "uid %u still has processes after KILL",
		    (unsigned int)uids[0]);
	printf("KILL of build 10: EXITED by SIGKILL, no process of uid %u "
	    "left: ok\n", (unsigned int)uids[0]);
	msg_send_build_id(&ib_builder, IMSG_MOUNT_BUILD_KILL, 11);
	dirfd = expect_exited(11, &status);
	close(dirfd);
	close(fd10);
	close(fd11);
	cleanup_build(10, buildsdir);
	cleanup_build(11, buildsdir);
}

/* mountproc gone: its spawner kills and removes every build. */
static void
test_eof(pid_t mpid, const char *buildsdir)
{
	struct stat	st;
	char		script[1024], log[1024], path[1024];
	int		fd, status, i;

	snprintf(script, sizeof(script), "echo started; exec %s/bin/busybox "
	    "sleep 1000", busybox);
	send_build(20, uids[2], gid, 0, script, NULL, 0);
	fd = expect_started(20);
	read_log(fd, "started", log, sizeof(log));
	close(ib_builder.ib_fd);
	close(ib_parent.ib_fd);
	if (waitpid(mpid, &status, 0) == -1)
		err(1, "waitpid mountproc");
	snprintf(path, sizeof(path), "%s/20", buildsdir);
	for (i = 0; i < 100 && (user_procs(uids[2]) > 0 ||
	    lstat(path, &st) == 0); i++)
		usleep(100000);
	if (user_procs(uids[2]) != 0)
		errx(1, "uid %u still has processes after mountproc ended",
		    (unsigned int)uids[2]);
	if (lstat(path, &st) == 0)
		errx(1, "%s left after mountproc ended", path);
	close(fd);
	printf("mountproc ended: build 20 killed, its dir removed: ok\n");
}

int
main(int argc, char *argv[])
{
	char	buildsdir[512];

	if (argc != 12)
		errx(2, "usage: h_mountproc mountproc conf storedir statedir "
		    "busybox bindpath uid1 uid2 uid3 outsider gid");
	storedir = argv[3];
	busybox = argv[5];
	bindpath = argv[6];
	uids[0] = strtoul(argv[7], NULL, 10);
	uids[1] = strtoul(argv[8], NULL, 10);
	uids[2] = strtoul(argv[9], NULL, 10);
	uids[3] = strtoul(argv[10], NULL, 10);
	gid = strtoul(argv[11], NULL, 10);
	snprintf(buildsdir, sizeof(buildsdir), "%s/rnixd/builds", argv[4]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	setup_parent(argv[1], argv[2]);
	test_build(buildsdir);
	test_refusals();
	test_flood();
	test_recursive(buildsdir);
	/* mountproc is our only child. */
	test_eof(-1, buildsdir);
	return (0);
}
