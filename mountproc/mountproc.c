/*
 * mountproc: the namespace and mount half of building.  It keeps the
 * few capabilities sandbox creation needs and no more, runs under its
 * own seccomp allow-list, and answers builderproc only for requests its
 * permission table allows.  It does not link libevent: one poll loop
 * over two channels is all it needs.
 */
#include <linux/capability.h>

#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "mountproc.h"
#include "priv.h"
#include "sandbox.h"

static struct child_setup	setup;
static struct mount_peer	peers[2];	/* parent, builderproc */
static struct imsgbuf		ibuf_builder;

static void	mount_loop(void);
static void	mount_drain_peer(struct mount_peer *);
static int	mount_dispatch_parent(struct mount_peer *, struct imsg *);
static int	mount_dispatch_builder(struct mount_peer *, struct imsg *);

/*
 * CAP_SYS_ADMIN: namespaces, mounts, pivot_root, setns.
 * CAP_SYS_CHROOT: setns into a sandbox's mount namespace, chroot.
 * CAP_SETUID, CAP_SETGID: builders run as build users.
 * CAP_CHOWN: the build directory is handed to the build user.
 * CAP_DAC_OVERRIDE, CAP_FOWNER: build directories that builders left
 * unreadable are still removed completely.
 * CAP_KILL: stray processes of a build user are killed after a build.
 */
static const int mount_caps[] = {
	CAP_SYS_ADMIN, CAP_SYS_CHROOT, CAP_SETUID, CAP_SETGID, CAP_CHOWN,
	CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_KILL
};

int
main(int argc, char *argv[])
{
	struct passwd	*pw;

	setproctitle_init(argc, argv, environ);
	child_init(PROC_MOUNT, argc, argv, &setup);
	if (setup.cs_peer[PROC_BUILDER] == -1)
		fatalx("no link to builderproc");
	if ((pw = getpwnam(setup.cs_conf.conf_mount_user)) == NULL)
		fatalx("unknown mount-user %s", setup.cs_conf.conf_mount_user);

	priv_drop(pw->pw_uid, pw->pw_gid, mount_caps,
	    sizeof(mount_caps) / sizeof(mount_caps[0]));
	/*
	 * From here on: namespaces and mounts for sandboxes, forked helpers
	 * that setns() into them, and imsg with the parent and builderproc.
	 * No exec, no network.
	 */
	sandbox_enter(PROC_MOUNT);
	setproctitle("mount");
	signal(SIGPIPE, SIG_IGN);

	peers[0].mp_proc = PROC_PARENT;
	peers[0].mp_dispatch = mount_dispatch_parent;
	peers[1].mp_proc = PROC_BUILDER;
	peers[1].mp_dispatch = mount_dispatch_builder;
	peers[0].mp_ibuf = &setup.cs_parent;
	peers[1].mp_ibuf = &ibuf_builder;
	if (imsgbuf_init(&ibuf_builder, setup.cs_peer[PROC_BUILDER]) == -1)
		fatal("imsgbuf_init");
	child_report_ready(&setup);
	log_debug("%s running", proc_name(setup.cs_proc));
	/* child_init() may have read past READY already. */
	mount_drain_peer(&peers[0]);
	mount_loop();
	return (1);
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
			fatalx("broken messages from %s",
			    proc_name(mp->mp_proc));
	}
	if (rc == -1)
		fatal("bad message from %s", proc_name(mp->mp_proc));
}

static void
mount_read_peer(struct mount_peer *mp)
{
	ssize_t	n;

	if ((n = imsgbuf_read(mp->mp_ibuf)) == -1 && errno != EAGAIN)
		fatal("read from %s", proc_name(mp->mp_proc));
	if (n == 0)
		fatalx("%s went away", proc_name(mp->mp_proc));
	mount_drain_peer(mp);
}

static void
mount_loop(void)
{
	struct pollfd	pfd[2];
	int		i;

	for (;;) {
		for (i = 0; i < 2; i++) {
			pfd[i].fd = peers[i].mp_ibuf->ib_fd;
			pfd[i].events = POLLIN;
			if (imsgbuf_queuelen(peers[i].mp_ibuf) > 0)
				pfd[i].events |= POLLOUT;
		}
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		for (i = 0; i < 2; i++) {
			if ((pfd[i].revents & POLLOUT) &&
			    imsgbuf_write(peers[i].mp_ibuf) == -1)
				fatal("write to %s",
				    proc_name(peers[i].mp_proc));
			if (pfd[i].revents & (POLLIN | POLLHUP))
				mount_read_peer(&peers[i]);
		}
	}
}

static int
mount_dispatch_parent(struct mount_peer *mp, struct imsg *imsg)
{
	struct rnixd_conf	conf;
	int			rc;

	(void)mp;
	switch (imsg_get_type(imsg)) {
	case IMSG_CFG_START:
	case IMSG_CFG_TEXT:
	case IMSG_CFG_DONE:
		if ((rc = child_cfg_handle(&setup.cs_cfgbuf, imsg, &conf))
		    == -1)
			return (-1);
		if (rc == 1) {
			config_free(&setup.cs_conf);
			setup.cs_conf = conf;
		}
		return (0);
	default:
		log_warnx("unexpected %s from parent",
		    imsg_type_name(imsg_get_type(imsg)));
		return (-1);
	}
}

/*
 * Permission table: the only requests builderproc may make.  Anything
 * else is logged and dropped; builderproc parses hostile bytes and is
 * not trusted here.
 */
static int
mount_dispatch_builder(struct mount_peer *mp, struct imsg *imsg)
{
	switch (imsg_get_type(imsg)) {
	case IMSG_MOUNT_PING:
		if (imsg_get_len(imsg) != 0) {
			log_warnx("MOUNT_PING with a payload");
			break;
		}
		if (imsg_compose(mp->mp_ibuf, IMSG_MOUNT_PONG,
		    imsg_get_peerid(imsg), 0, -1, NULL, 0) == -1)
			fatal("imsg_compose");
		break;
	default:
		log_warnx("refused %s from builderproc",
		    imsg_type_name(imsg_get_type(imsg)));
		break;
	}
	return (0);
}
