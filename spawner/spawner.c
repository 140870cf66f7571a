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
 * rnixd-spawner: exec'd by mountproc, before mountproc drops root,
 * because builders are exec'd from here and inherit whatever filter
 * this process has (spawner_filter.c).  Exec'd, not forked, so that it
 * starts with a fresh address space that holds none of mountproc's
 * code: no config or NAR parser.  Its settings come from mountproc as
 * one typed message (SPAWNER_SETUP).  It keeps the few capabilities
 * sandbox creation needs on the host (the namespaces themselves need
 * none: they are owned by each build's new user namespace) and serves
 * only mountproc, which has already checked every request against its
 * permission table.
 */
#include <sys/prctl.h>
#include <sys/queue.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "msg_mount.h"
#include "priv.h"
#include "proc.h"
#include "spawner.h"

struct spawn_run {
	TAILQ_ENTRY(spawn_run)	 sr_entry;
	struct mount_run	 sr_run;
	int			 sr_exited;
};

static TAILQ_HEAD(, spawn_run)	 runs = TAILQ_HEAD_INITIALIZER(runs);
static struct imsgbuf		 sp_ibuf;
static struct msg_mount_build	 sp_build;	/* being received */
static int			 sp_receiving;
static char			 sp_store[MSG_SPAWNER_DIR_MAX];
static char			 sp_builds[PATH_MAX];
static int			 sp_guardfd = -1;	/* to the guard */
static int			 sp_builtinfd = -1;	/* rnixd-builtin */

static void	spawner_usage(void) __attribute__((noreturn));
static void	spawner_open_builtin(void);
static void	spawner_setup(struct msg_spawner_setup *);
static void	spawner_loop(void) __attribute__((noreturn));
static void	spawner_drain(void);
static void	spawner_dispatch(struct imsg *);
static void	spawner_go(void);
static void	spawner_reap(void);
static void	spawner_sweep(void);
static void	spawner_shutdown(void) __attribute__((noreturn));
static struct spawn_run *spawner_find(uint64_t);

/*
 * CAP_SETUID, CAP_SETGID: the id maps of a build's user namespace
 * name the build user and group; stray processes are killed as the
 * build user.
 * CAP_CHOWN: the build directory, the store dir inside the root and
 * the pty are handed to the build user and group.
 * CAP_FOWNER: inputs are hard-linked from the store (protected
 * hardlinks), and build directories are made removable whatever
 * modes the builder left.
 * CAP_DAC_OVERRIDE: those directories belong to the build user.
 */
static const int spawner_caps[] = {
	CAP_SETUID, CAP_SETGID, CAP_CHOWN, CAP_FOWNER, CAP_DAC_OVERRIDE
};

int
main(int argc, char *argv[])
{
	struct msg_spawner_setup	ss;
	struct stat			st;
	int				ch, debug = 0, verbose = 0;

	setproctitle_init(argc, argv, environ);
	while ((ch = getopt(argc, argv, "dv")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			spawner_usage();
		}
	}
	if (optind != argc)
		spawner_usage();
	/* mountproc leaves us our end of its channel here, and no more. */
	if (fstat(PROC_SPAWNER_FD, &st) == -1 || !S_ISSOCK(st.st_mode))
		spawner_usage();
	log_init(debug, LOG_DAEMON);
	log_setverbose(verbose);
	log_procinit(proc_name(PROC_SPAWNER));
	spawner_setup(&ss);
	spawner_open_builtin();
	/*
	 * A write to a gone guard is an error to log, not a silent
	 * death; builders get every signal back at its default
	 * (sb_child_signals).
	 */
	signal(SIGPIPE, SIG_IGN);
	setproctitle("spawner");
	priv_drop(ss.mss_uid, ss.mss_gid, spawner_caps,
	    sizeof(spawner_caps) / sizeof(spawner_caps[0]));
	/*
	 * The drop made us undumpable, and so each build's first process
	 * until it execs: then its namespaces could not be opened
	 * (/proc/<pid>/ns) without CAP_SYS_PTRACE.  Only our own user,
	 * mountproc, could trace us, and it is chrooted and filtered.
	 */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == -1)
		fatal("PR_SET_DUMPABLE");
	spawner_sweep();
	/*
	 * From here on: files, namespaces, forks and the exec of
	 * builders; every call but the host-wide ones of the spawner's
	 * deny-list, which builders and the guard inherit.
	 */
	spawner_filter_enter();
	sp_guardfd = spawner_guard_start(PROC_SPAWNER_FD);
	log_debug("%s running", proc_name(PROC_SPAWNER));
	spawner_loop();
}

static void
spawner_usage(void)
{
	errx(1, "%s must be started by rnixd-mountproc",
	    proc_name(PROC_SPAWNER));
}

/*
 * rnixd-builtin, which lives next to us: opened now and run from this
 * descriptor as the builder of builtin: derivations, since no sandbox
 * shows the host's files.  Without it, those builds fail, saying so.
 */
static void
spawner_open_builtin(void)
{
	char	self[PATH_MAX], path[PATH_MAX], *slash;
	ssize_t	len;

	if ((len = readlink("/proc/self/exe", self, sizeof(self) - 1)) == -1)
		fatal("readlink /proc/self/exe");
	self[len] = '\0';
	if ((slash = strrchr(self, '/')) != NULL)
		*slash = '\0';
	if ((size_t)snprintf(path, sizeof(path), "%s/rnixd-builtin", self) >=
	    sizeof(path))
		fatalx("path of rnixd-builtin too long");
	if ((sp_builtinfd = open(path, O_PATH | O_CLOEXEC)) == -1)
		log_warn("%s (builtin: builders cannot run)", path);
}

/*
 * The first message, read before anything else is done: who we run as
 * and where the store and the build dirs are.  mountproc is our parent
 * and composed it: a bad one is fatal.
 */
static void
spawner_setup(struct msg_spawner_setup *ss)
{
	struct pollfd	 pfd = { PROC_SPAWNER_FD, POLLIN, 0 };
	struct imsg	 imsg;
	const char	*errstr;
	ssize_t		 n;
	int		 rc;

	if (imsgbuf_init(&sp_ibuf, PROC_SPAWNER_FD) == -1 ||
	    imsgbuf_set_maxsize(&sp_ibuf, MSG_MOUNT_MAXSIZE) == -1)
		fatal("imsgbuf_init");
	while ((rc = imsgbuf_get(&sp_ibuf, &imsg)) == 0) {
		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if ((n = imsgbuf_read(&sp_ibuf)) == -1 && errno != EAGAIN)
			fatal("read from mountproc");
		if (n == 0)
			fatalx("mountproc went away before the setup");
	}
	if (rc == -1)
		fatal("bad message from mountproc");
	rc = msg_recv_spawner_setup(&imsg, ss, &errstr);
	imsg_free(&imsg);
	if (rc == -1)
		fatalx("bad SPAWNER_SETUP from mountproc: %s", errstr);
	strlcpy(sp_store, ss->mss_store_dir, sizeof(sp_store));
	if ((size_t)snprintf(sp_builds, sizeof(sp_builds), "%s/rnixd/builds",
	    ss->mss_state_dir) >= sizeof(sp_builds))
		fatalx("state-dir too long");
}

/*
 * Build dirs of a daemon that died without cleaning up (a spawner
 * killed cannot): no build of ours runs yet, so all of them go.  A
 * spawner still cleaning up after a dead mountproc may race us: what
 * it removed first is no error.
 */
static void
spawner_sweep(void)
{
	struct dirent	*de;
	const char	*errstr;
	DIR		*dir;
	int		 fd;

	if ((fd = open(sp_builds, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		log_warn("%s", sp_builds);
		return;
	}
	if ((dir = fdopendir(fd)) == NULL)
		fatal("fdopendir");
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		log_info("removing the build dir %s/%s left by an earlier "
		    "run", sp_builds, de->d_name);
		if (spawn_remove_tree(fd, de->d_name, &errstr) == -1)
			log_warnx("%s/%s: %s", sp_builds, de->d_name, errstr);
	}
	closedir(dir);
}

static void
spawner_loop(void)
{
	struct pollfd	pfd[2];
	sigset_t	mask;
	ssize_t		n;
	int		sfd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1 ||
	    (sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	/* What came with the setup, in the same read. */
	spawner_drain();
	for (;;) {
		pfd[0].fd = PROC_SPAWNER_FD;
		pfd[0].events = POLLIN;
		if (imsgbuf_queuelen(&sp_ibuf) > 0)
			pfd[0].events |= POLLOUT;
		pfd[1].fd = sfd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo	si;

			while (read(sfd, &si, sizeof(si)) > 0)
				;
			spawner_reap();
		}
		if ((pfd[0].revents & POLLOUT) &&
		    imsgbuf_write(&sp_ibuf) == -1)
			spawner_shutdown();
		if ((pfd[0].revents & (POLLIN | POLLHUP)) == 0)
			continue;
		if ((n = imsgbuf_read(&sp_ibuf)) == -1 && errno != EAGAIN)
			spawner_shutdown();
		if (n == 0)
			spawner_shutdown();
		spawner_drain();
	}
}

static void
spawner_drain(void)
{
	struct imsg	imsg;
	int		rc;

	while ((rc = imsgbuf_get(&sp_ibuf, &imsg)) == 1) {
		spawner_dispatch(&imsg);
		imsg_free(&imsg);
	}
	if (rc == -1)
		fatal("bad message from mountproc");
}

static struct spawn_run *
spawner_find(uint64_t id)
{
	struct spawn_run	*sr;

	TAILQ_FOREACH(sr, &runs, sr_entry)
		if (sr->sr_run.mr_id == id)
			return (sr);
	return (NULL);
}

static void
spawner_cleanup(struct imsg *imsg, struct spawn_run *sr)
{
	char	err[MSG_MOUNT_ERROR_MAX];
	uint64_t id = sr->sr_run.mr_id;

	TAILQ_REMOVE(&runs, sr, sr_entry);
	if (spawn_cleanup(&sr->sr_run, err, sizeof(err)) == -1)
		msg_send_mount_error(&sp_ibuf, imsg_get_peerid(imsg), id,
		    IMSG_MOUNT_BUILD_CLEANUP, err);
	else
		msg_send_mount_ok(&sp_ibuf, imsg_get_peerid(imsg), id,
		    IMSG_MOUNT_BUILD_CLEANUP);
	free(sr);
}

static void
spawner_bind(struct imsg *imsg)
{
	struct spawn_run	*sr;
	const char		*errstr;
	char			*path, err[MSG_MOUNT_ERROR_MAX];
	uint64_t		 id;

	if (msg_recv_bind_path(imsg, sp_store, &id, &path,
	    &errstr) == -1)
		fatalx("bad BIND_PATH from mountproc: %s", errstr);
	if ((sr = spawner_find(id)) == NULL || sr->sr_exited)
		msg_send_mount_error(&sp_ibuf, imsg_get_peerid(imsg), id,
		    IMSG_MOUNT_BIND_PATH, "build is not running");
	else if (spawn_bind(&sr->sr_run, sp_builds,
	    sp_store, path, err, sizeof(err)) == -1)
		msg_send_mount_error(&sp_ibuf, imsg_get_peerid(imsg), id,
		    IMSG_MOUNT_BIND_PATH, err);
	else
		msg_send_mount_ok(&sp_ibuf, imsg_get_peerid(imsg), id,
		    IMSG_MOUNT_BIND_PATH);
	free(path);
}

/* mountproc is our parent and checked all this: doubt is fatal. */
static void
spawner_dispatch(struct imsg *imsg)
{
	struct spawn_run	*sr;
	const char		*errstr = "out of order";
	uint64_t		 id;

	switch (imsg_get_type(imsg)) {
	case IMSG_MOUNT_BUILD_START:
		if (sp_receiving ||
		    msg_recv_start(imsg, &sp_build, &errstr) == -1)
			fatalx("bad START from mountproc: %s", errstr);
		sp_receiving = 1;
		break;
	case IMSG_MOUNT_BUILD_ITEM:
		if (!sp_receiving || msg_recv_item(imsg,
		    sp_store, &sp_build, &errstr) == -1)
			fatalx("bad ITEM from mountproc: %s", errstr);
		break;
	case IMSG_MOUNT_BUILD_GO:
		if (!sp_receiving ||
		    msg_recv_go(imsg, &sp_build, &errstr) == -1)
			fatalx("bad GO from mountproc: %s", errstr);
		sp_receiving = 0;
		spawner_go();
		break;
	case IMSG_MOUNT_BUILD_KILL:
		if (msg_recv_build_id(imsg, &id, &errstr) == -1)
			fatalx("bad KILL from mountproc: %s", errstr);
		/* A build that failed to start has nothing to kill. */
		if ((sr = spawner_find(id)) != NULL && !sr->sr_exited)
			spawn_kill(&sr->sr_run);
		break;
	case IMSG_MOUNT_BUILD_CLEANUP:
		if (msg_recv_build_id(imsg, &id, &errstr) == -1 ||
		    (sr = spawner_find(id)) == NULL || !sr->sr_exited)
			fatalx("bad CLEANUP from mountproc");
		spawner_cleanup(imsg, sr);
		break;
	case IMSG_MOUNT_BIND_PATH:
		spawner_bind(imsg);
		break;
	default:
		fatalx("unexpected %s from mountproc",
		    imsg_type_name(imsg_get_type(imsg)));
	}
}

/* The received description, in the form spawner_sandbox.c takes. */
static int
spawner_convert(struct msg_mount_build *mmb, struct mount_build *mb)
{
	size_t	i;

	memset(mb, 0, sizeof(*mb));
	mb->mbd_id = mmb->mmb_id;
	mb->mbd_uid = mmb->mmb_uid;
	mb->mbd_gid = mmb->mmb_gid;
	mb->mbd_flags = mmb->mmb_flags;
	mb->mbd_store_dir = sp_store;
	mb->mbd_real_store_dir = sp_store;
	mb->mbd_builds_dir = sp_builds;
	mb->mbd_builtinfd = sp_builtinfd;
	if ((mb->mbd_binds = calloc(mmb->mmb_nbinds + 1,
	    sizeof(*mb->mbd_binds))) == NULL)
		return (-1);
	for (i = 0; i < mmb->mmb_nbinds; i++) {
		mb->mbd_binds[i].mb_target = mmb->mmb_binds[i].mmbd_target;
		mb->mbd_binds[i].mb_source = mmb->mmb_binds[i].mmbd_source;
		mb->mbd_binds[i].mb_optional = mmb->mmb_binds[i].mmbd_optional;
	}
	mb->mbd_nbinds = mmb->mmb_nbinds;
	/* execve() wants NULL-terminated vectors; START left room. */
	mb->mbd_builder = mmb->mmb_builder;
	mb->mbd_args = mmb->mmb_args;
	mb->mbd_nargs = mmb->mmb_nargs;
	mb->mbd_env = mmb->mmb_env;
	mb->mbd_nenv = mmb->mmb_nenv;
	mb->mbd_inputs = mmb->mmb_inputs;
	mb->mbd_ninputs = mmb->mmb_ninputs;
	mb->mbd_files = mmb->mmb_files;
	mb->mbd_nfiles = mmb->mmb_nfiles;
	return (0);
}

static void
spawner_go(void)
{
	struct mount_build	 mb;
	struct spawn_run	*sr;
	char			 err[MSG_MOUNT_ERROR_MAX];
	uint64_t		 id = sp_build.mmb_id;

	if ((sr = calloc(1, sizeof(*sr))) == NULL ||
	    spawner_convert(&sp_build, &mb) == -1)
		fatal("%s", __func__);
	if (spawner_find(id) != NULL)
		fatalx("build %llu started twice", (unsigned long long)id);
	/* No build the guard does not know of: none could outlive us. */
	if (write(sp_guardfd, &mb.mbd_uid, sizeof(mb.mbd_uid)) !=
	    sizeof(mb.mbd_uid))
		fatal("the guard is gone");
	if (spawn_start(&mb, &sr->sr_run, err, sizeof(err)) == -1) {
		log_warnx("build %llu: %s", (unsigned long long)id, err);
		msg_send_mount_error(&sp_ibuf, 0, id, IMSG_MOUNT_BUILD_GO,
		    err);
		free(sr);
	} else {
		TAILQ_INSERT_TAIL(&runs, sr, sr_entry);
		/* The recursive socket first: builderproc serves it. */
		if (sr->sr_run.mr_sockfd != -1)
			msg_send_build_socket(&sp_ibuf, id,
			    sr->sr_run.mr_sockfd);
		sr->sr_run.mr_sockfd = -1;
		/* The log is builderproc's alone from now on. */
		msg_send_started(&sp_ibuf, id, sr->sr_run.mr_pid,
		    sr->sr_run.mr_logfd);
		sr->sr_run.mr_logfd = -1;
	}
	free(mb.mbd_binds);
	msg_mount_build_free(&sp_build);
}

static void
spawner_reap(void)
{
	struct spawn_run	*sr;
	pid_t			 pid;
	int			 status, fd;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		TAILQ_FOREACH(sr, &runs, sr_entry)
			if (sr->sr_run.mr_pid == pid)
				break;
		if (sr == NULL)
			continue;
		sr->sr_exited = 1;
		sr->sr_run.mr_pid = -1;
		/* Nothing of the build may change its outputs any more. */
		if (spawn_kill_user(sr->sr_run.mr_uid) == -1)
			log_warn("build %llu: killing its user",
			    (unsigned long long)sr->sr_run.mr_id);
		if ((fd = dup(sr->sr_run.mr_storefd)) == -1)
			fatal("dup");
		msg_send_exited(&sp_ibuf, sr->sr_run.mr_id, status, fd);
	}
}

/* mountproc is gone: no build outlives it. */
static void
spawner_shutdown(void)
{
	struct spawn_run	*sr;
	int			 status;

	while ((sr = TAILQ_FIRST(&runs)) != NULL) {
		TAILQ_REMOVE(&runs, sr, sr_entry);
		if (!sr->sr_exited) {
			spawn_kill(&sr->sr_run);
			while (waitpid(sr->sr_run.mr_pid, &status, 0) == -1 &&
			    errno == EINTR)
				;
		}
		sr->sr_run.mr_pid = -1;
		(void)spawn_cleanup(&sr->sr_run, NULL, 0);
		free(sr);
	}
	_exit(0);
}
