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
 * mountproc: the permission half of building.  It holds no capability
 * once set up (the spawner, which it execs first, makes sandboxes),
 * runs under its own seccomp allow-list, and passes builderproc's
 * requests to the spawner only when its permission table allows them.
 * It does not link libevent: one poll loop over three channels is all
 * it needs.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "mountproc.h"
#include "msg.h"
#include "priv.h"
#include "sandbox.h"

#define MOUNT_NPEERS	3	/* parent, builderproc, spawner */
#define MOUNT_SPAWNER_EXEC	"rnixd-spawner"

struct imsgbuf		*mount_to_builder;
struct imsgbuf		*mount_to_spawner;

static struct child_setup	setup;
static struct mount_peer	peers[MOUNT_NPEERS];
static struct imsgbuf		ibuf_builder, ibuf_spawner;
static pid_t			spawner_pid;

static void	mount_loop(void) __attribute__((noreturn));
static pid_t	mount_start_spawner(int *);
static void	mount_exec_spawner(int) __attribute__((noreturn));
static void	mount_make_builds(const struct rnixd_conf *, uid_t, gid_t);
static void	mount_chroot(const struct rnixd_conf *);
static void	mount_drain_peer(struct mount_peer *);
static void	mount_lost_spawner(int) __attribute__((noreturn));
static int	mount_dispatch_parent(struct mount_peer *, struct imsg *);
static int	mount_dispatch_builder(struct mount_peer *, struct imsg *);
static int	mount_dispatch_spawner(struct mount_peer *, struct imsg *);

int
main(int argc, char *argv[])
{
	struct passwd	*pw;
	uid_t		 uid;
	gid_t		 gid;
	int		 spawnfd;

	setproctitle_init(argc, argv, environ);
	child_init(PROC_MOUNT, argc, argv, &setup);
	if (setup.cs_peer[PROC_BUILDER] == -1)
		fatalx("no link to builderproc");
	if ((pw = getpwnam(setup.cs_conf.conf_mount_user)) == NULL)
		fatalx("unknown mount-user %s", setup.cs_conf.conf_mount_user);
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	perm_init(&setup.cs_conf);
	mount_make_builds(&setup.cs_conf, uid, gid);
	/* Before any filter of ours: builders are exec'd from there. */
	spawner_pid = mount_start_spawner(&spawnfd);
	mount_chroot(&setup.cs_conf);
	priv_drop(uid, gid, NULL, 0);
	/*
	 * From here on: imsg with the parent, builderproc and the
	 * spawner, and reaping the spawner.  No files, no exec, no
	 * network, no capabilities: the spawner does the sandbox work.
	 */
	sandbox_enter(PROC_MOUNT);
	setproctitle("mount");
	signal(SIGPIPE, SIG_IGN);

	if (imsgbuf_init(&ibuf_builder, setup.cs_peer[PROC_BUILDER]) == -1 ||
	    imsgbuf_init(&ibuf_spawner, spawnfd) == -1 ||
	    imsgbuf_set_maxsize(&ibuf_builder, MSG_MOUNT_MAXSIZE) == -1 ||
	    imsgbuf_set_maxsize(&ibuf_spawner, MSG_MOUNT_MAXSIZE) == -1)
		fatal("imsgbuf_init");
	mount_to_builder = &ibuf_builder;
	mount_to_spawner = &ibuf_spawner;
	/* The spawner's first message; it has no config parser. */
	if (msg_send_spawner_setup(mount_to_spawner, uid, gid,
	    setup.cs_conf.conf_store_dir, setup.cs_conf.conf_state_dir) == -1)
		fatalx("store-dir or state-dir too long for the spawner");
	peers[0] = (struct mount_peer){ PROC_PARENT, "parent",
	    &setup.cs_parent, mount_dispatch_parent };
	peers[1] = (struct mount_peer){ PROC_BUILDER, "builderproc",
	    &ibuf_builder, mount_dispatch_builder };
	peers[2] = (struct mount_peer){ PROC_SPAWNER, "spawner",
	    &ibuf_spawner, mount_dispatch_spawner };
	child_report_ready(&setup);
	log_debug("%s running", proc_name(setup.cs_proc));
	/* child_init() may have read past READY already. */
	mount_drain_peer(&peers[0]);
	mount_loop();
}

/*
 * The spawner (spawner/) is exec'd, not forked, so that it holds none
 * of our code, and from here, still root, so that it can keep the
 * capabilities it needs.  Its end of the link goes on a fixed fd; its
 * settings follow as SPAWNER_SETUP, the first message on the link.
 */
static pid_t
mount_start_spawner(int *fdp)
{
	int	sv[2];
	pid_t	pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sv) == -1)
		fatal("socketpair");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		close(sv[0]);
		mount_exec_spawner(sv[1]);
	}
	close(sv[1]);
	*fdp = sv[0];
	return (pid);
}

/*
 * rnixd-spawner lives next to us, in libexec (as we live next to
 * rnixd's other children: parent_spawn.c), both in the build tree and
 * installed.
 */
static void
mount_exec_spawner(int fd)
{
	char	 self[PATH_MAX], path[PATH_MAX];
	char	*argv[8];
	int	 argc = 0, verbose;
	ssize_t	 len;

	if ((len = readlink("/proc/self/exe", self, sizeof(self) - 1)) == -1)
		fatal("readlink /proc/self/exe");
	self[len] = '\0';
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dirname(self),
	    MOUNT_SPAWNER_EXEC) >= sizeof(path))
		fatalx("path of %s too long", MOUNT_SPAWNER_EXEC);
	/* Nothing of ours but the link; it stays open across the exec. */
	if (fd != PROC_SPAWNER_FD) {
		if (dup2(fd, PROC_SPAWNER_FD) == -1)
			fatal("dup2");
	} else if (fcntl(fd, F_SETFD, 0) == -1)
		fatal("fcntl");
	closefrom(PROC_SPAWNER_FD + 1);
	argv[argc++] = MOUNT_SPAWNER_EXEC;
	if (setup.cs_debug)
		argv[argc++] = "-d";
	for (verbose = setup.cs_verbose; verbose > 0 && argc < 6; verbose--)
		argv[argc++] = "-v";
	argv[argc] = NULL;
	execv(path, argv);
	fatal("execv %s", path);
}

/*
 * <state-dir>/rnixd/builds: the spawner's alone (0700), so no build
 * user can reach another build's root through it.
 */
static void
mount_make_builds(const struct rnixd_conf *conf, uid_t uid, gid_t gid)
{
	char		path[PATH_MAX];
	struct stat	st;

	if ((size_t)snprintf(path, sizeof(path), "%s/rnixd",
	    conf->conf_state_dir) >= sizeof(path))
		fatalx("state-dir too long");
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		fatal("mkdir %s", path);
	strlcat(path, "/builds", sizeof(path));
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		fatal("mkdir %s", path);
	if (lstat(path, &st) == -1 || !S_ISDIR(st.st_mode))
		fatalx("%s is not a directory", path);
	if (chown(path, uid, gid) == -1 ||
	    chmod(path, 0700) == -1)
		fatal("%s", path);
}

/* mountproc reads no file after the drop: the parent's empty root. */
static void
mount_chroot(const struct rnixd_conf *conf)
{
	char	root[PATH_MAX];

	if ((size_t)snprintf(root, sizeof(root), "%s/rnixd/empty",
	    conf->conf_state_dir) >= sizeof(root))
		fatalx("state-dir too long");
	if (chroot(root) == -1 || chdir("/") == -1)
		fatal("chroot %s", root);
}

static void
mount_drain_peer(struct mount_peer *mp)
{
	struct imsg	imsg;
	int		rc;

	while ((rc = imsgbuf_get(mp->mp_ibuf, &imsg)) == 1) {
		rc = mp->mp_dispatch(mp, &imsg);
		imsg_free(&imsg);
		if (rc == -1)
			fatalx("broken messages from %s", mp->mp_name);
	}
	if (rc == -1)
		fatal("bad message from %s", mp->mp_name);
}

/* Our own child is gone: said as the parent says it of its children. */
static void
mount_lost_spawner(int status)
{
	if (WIFSIGNALED(status))
		fatalx("lost child: %s died; signal %d",
		    proc_name(PROC_SPAWNER), WTERMSIG(status));
	fatalx("lost child: %s died; exit status %d",
	    proc_name(PROC_SPAWNER), WEXITSTATUS(status));
}

static void
mount_read_peer(struct mount_peer *mp)
{
	ssize_t	n;
	int	status;

	if ((n = imsgbuf_read(mp->mp_ibuf)) == -1 && errno != EAGAIN)
		fatal("read from %s", mp->mp_name);
	if (n == 0) {
		if (mp->mp_proc == PROC_SPAWNER &&
		    waitpid(spawner_pid, &status, WNOHANG) == spawner_pid)
			mount_lost_spawner(status);
		fatalx("%s went away", mp->mp_name);
	}
	mount_drain_peer(mp);
}

static void
mount_loop(void)
{
	struct pollfd	pfd[MOUNT_NPEERS];
	int		i;

	for (;;) {
		for (i = 0; i < MOUNT_NPEERS; i++) {
			pfd[i].fd = peers[i].mp_ibuf->ib_fd;
			pfd[i].events = POLLIN;
			if (imsgbuf_queuelen(peers[i].mp_ibuf) > 0)
				pfd[i].events |= POLLOUT;
		}
		if (poll(pfd, MOUNT_NPEERS, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		for (i = 0; i < MOUNT_NPEERS; i++) {
			if ((pfd[i].revents & POLLOUT) &&
			    imsgbuf_write(peers[i].mp_ibuf) == -1)
				fatal("write to %s", peers[i].mp_name);
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				mount_read_peer(&peers[i]);
		}
	}
}

static int
mount_dispatch_parent(struct mount_peer *mp, struct imsg *imsg)
{
	(void)mp;
	switch (imsg_get_type(imsg)) {
	case IMSG_CFG_START:
	case IMSG_CFG_TEXT:
	case IMSG_CFG_DONE:
		/*
		 * sandbox-paths, which the permission table checks, follow
		 * a reload as builderproc's do; the store dir stays
		 * (child_reload_config).
		 */
		child_reload_config(&setup, imsg);
		return (0);
	case IMSG_CTL_BUILD_USERS:
		perm_handle_build_users(imsg);
		return (0);
	default:
		return (proc_unexpected(imsg, PROC_PARENT));
	}
}

/*
 * Every request of builderproc goes through the permission table
 * (mount_perm.c); builderproc parses hostile bytes and is not trusted.
 * Anything else is logged and dropped.
 */
static int
mount_dispatch_builder(struct mount_peer *mp, struct imsg *imsg)
{
	const char	*errstr;

	switch (imsg_get_type(imsg)) {
	case IMSG_MOUNT_PING:
		if (msg_recv_empty(imsg, &errstr) == -1) {
			log_warnx("bad MOUNT_PING from builderproc: %s",
			    errstr);
			break;
		}
		msg_send_empty(mp->mp_ibuf, IMSG_MOUNT_PONG,
		    imsg_get_peerid(imsg));
		break;
	case IMSG_MOUNT_BUILD_START:
		perm_handle_start(imsg);
		break;
	case IMSG_MOUNT_BUILD_ITEM:
		perm_handle_item(imsg);
		break;
	case IMSG_MOUNT_BUILD_GO:
		perm_handle_go(imsg);
		break;
	case IMSG_MOUNT_BUILD_KILL:
		perm_handle_kill(imsg);
		break;
	case IMSG_MOUNT_BUILD_CLEANUP:
		perm_handle_cleanup(imsg);
		break;
	case IMSG_MOUNT_BIND_PATH:
		perm_handle_bind(imsg);
		break;
	default:
		log_warnx("refused %s from builderproc",
		    imsg_type_name(imsg_get_type(imsg)));
		break;
	}
	return (0);
}

static int
mount_dispatch_spawner(struct mount_peer *mp, struct imsg *imsg)
{
	(void)mp;
	return (perm_spawner_reply(imsg));
}
