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
 * rnixd: a privilege-separated, Nix-compatible store and build daemon.
 * This is the parent: root, small, and busy only with signals, reaping
 * and the few questions its children cannot answer themselves.
 */
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "msg_ctl.h"
#include "parent.h"

struct rnixd_conf	*parent_conf;
struct child		 children[PROC_MAX];

static const char	*conffile = CONFIG_FILE;
static int		 conffile_given;

static void	parent_loop(int);
static int	parent_dispatch_child(struct child *);
static int	parent_dispatch_store(struct child *, struct imsg *);
static int	parent_dispatch_builder(struct child *, struct imsg *);
static int	parent_dispatch_mount(struct child *, struct imsg *);
static int	parent_handle_ready(struct child *, struct imsg *);
static int	parent_handle_ready_users(struct child *, struct imsg *);
static void	parent_reload(void);
static int	parent_reap(void);
static struct rnixd_conf *parent_load_config(FILE *);

static __attribute__((__noreturn__)) void
usage(void)
{
	extern char	*__progname;

	fprintf(stderr, "usage: %s [-dnv] [-f file]\n", __progname);
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct parent_ids	 ids;
	int			 ch, debug = 0, noaction = 0, verbose = 0;
	int			 listenfd, sigfd;
	sigset_t		 mask;

	setproctitle_init(argc, argv, environ);
	log_init(1, LOG_DAEMON);	/* stderr until we daemonize */
	while ((ch = getopt(argc, argv, "df:nv")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'f':
			conffile = optarg;
			conffile_given = 1;
			break;
		case 'n':
			noaction = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	if (argc != optind)
		usage();
	if ((parent_conf = parent_load_config(stderr)) == NULL)
		exit(1);
	if (noaction) {
		if (verbose)
			config_print(stdout, parent_conf);
		else
			fprintf(stderr, "configuration OK\n");
		exit(0);
	}
	if (geteuid() != 0)
		errx(1, "need root privileges");
	if (parent_lookup_ids(parent_conf, &ids) == -1)
		exit(1);

	log_init(debug, LOG_DAEMON);
	log_setverbose(verbose);
	log_procinit("parent");
	if (!debug && daemon(0, 0) == -1)
		fatal("daemon");
	/*
	 * Orphans of our children become ours: the spawner's guard, which
	 * outlives the spawner to kill the build users' processes, and
	 * builders whose spawner died.  Shutting down waits for them, so a
	 * guard still at work cannot kill the builds of a daemon started
	 * after this one.
	 */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == -1)
		fatal("prctl PR_SET_CHILD_SUBREAPER");
	parent_make_dirs(parent_conf, &ids);
	listenfd = parent_listen(parent_conf);

	/* Signals arrive through a signalfd; children unblock them. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1)
		fatal("sigprocmask");
	if ((sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		fatal("signalfd");
	signal(SIGPIPE, SIG_IGN);

	parent_spawn_children(debug, verbose, listenfd);
	/* storeproc's root lookups outgrow the default message size. */
	if (imsgbuf_set_maxsize(&children[PROC_STORE].ch_ibuf,
	    MSG_READLINKS_MAXSIZE) == -1)
		fatal("imsgbuf_set_maxsize");
	setproctitle("parent");
	log_info("startup");
	parent_loop(sigfd);
	/* NOTREACHED */
	return (1);
}

/*
 * The configuration file is optional only at its default place: a
 * fresh install runs on the defaults.  A file named with -f must exist.
 */
static struct rnixd_conf *
parent_load_config(FILE *errs)
{
	struct rnixd_conf	*conf;

	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		fatal("calloc");
	if (!conffile_given && access(conffile, F_OK) == -1 &&
	    errno == ENOENT) {
		config_init_defaults(conf);
		return (conf);
	}
	if (config_parse_file(conffile, conf, errs) == -1) {
		free(conf);
		return (NULL);
	}
	/* Every build would fail on a missing one: say so now. */
	if (config_check_sandbox_paths(conf, conffile, errs) == -1) {
		config_free(conf);
		free(conf);
		return (NULL);
	}
	return (conf);
}

static __attribute__((__noreturn__)) void
parent_shutdown(int status)
{
	parent_stop_children();
	parent_unlink_socket(parent_conf);
	log_info("terminating");
	exit(status);
}

static void
parent_handle_signal(int sigfd)
{
	struct signalfd_siginfo	si;

	while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			parent_shutdown(0);
		case SIGHUP:
			parent_reload();
			break;
		case SIGCHLD:
			if (parent_reap() == -1)
				parent_shutdown(1);
			break;
		}
	}
}

static void
parent_loop(int sigfd)
{
	struct pollfd	pfd[PROC_MAX];
	enum proc_type	proc;

	for (;;) {
		pfd[PROC_PARENT].fd = sigfd;
		pfd[PROC_PARENT].events = POLLIN;
		for (proc = PROC_STORE; proc < PROC_MAX; proc++) {
			pfd[proc].fd = children[proc].ch_ibuf.ib_fd;
			pfd[proc].events = POLLIN;
			if (imsgbuf_queuelen(&children[proc].ch_ibuf) > 0)
				pfd[proc].events |= POLLOUT;
		}
		if (poll(pfd, PROC_MAX, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[PROC_PARENT].revents & POLLIN)
			parent_handle_signal(sigfd);
		for (proc = PROC_STORE; proc < PROC_MAX; proc++) {
			if ((pfd[proc].revents & POLLOUT) &&
			    imsgbuf_write(&children[proc].ch_ibuf) == -1) {
				log_warn("write to %s", proc_name(proc));
				parent_shutdown(1);
			}
			if ((pfd[proc].revents & (POLLIN | POLLHUP)) &&
			    parent_dispatch_child(&children[proc]) == -1)
				parent_shutdown(1);
		}
	}
}

void
parent_log_lost(enum proc_type proc, int status)
{
	if (WIFSIGNALED(status))
		log_warnx("lost child: %s terminated; signal %d",
		    proc_name(proc), WTERMSIG(status));
	else
		log_warnx("lost child: %s exited; status %d",
		    proc_name(proc), WEXITSTATUS(status));
}

/*
 * A child that closes its channel is dying, or saw a sibling die first.
 * Give them a moment, so that "lost child" names every child that is
 * gone and how, the first casualty included.
 */
static void
parent_wait_lost(struct child *ch)
{
	int	tries;

	for (tries = 0; tries < 20 && ch->ch_pid > 0; tries++) {
		usleep(50 * 1000);
		parent_reap();
	}
	if (ch->ch_pid > 0)
		log_warnx("lost child: %s closed its channel",
		    proc_name(ch->ch_proc));
}

/* One dispatcher per child: what each may ask of us. */
static int
parent_dispatch_child(struct child *ch)
{
	static int	(*const dispatch[PROC_MAX])(struct child *,
			    struct imsg *) = {
		[PROC_STORE] = parent_dispatch_store,
		[PROC_BUILDER] = parent_dispatch_builder,
		[PROC_MOUNT] = parent_dispatch_mount,
	};
	struct imsg	imsg;
	ssize_t		n;
	int		rc;

	if ((n = imsgbuf_read(&ch->ch_ibuf)) == -1 && errno != EAGAIN)
		log_warn("read from %s", proc_name(ch->ch_proc));
	if (n == 0 || (n == -1 && errno != EAGAIN)) {
		parent_wait_lost(ch);
		return (-1);
	}
	while ((rc = imsgbuf_get(&ch->ch_ibuf, &imsg)) == 1) {
		rc = dispatch[ch->ch_proc](ch, &imsg);
		imsg_free(&imsg);
		if (rc == -1)
			return (-1);
	}
	if (rc == -1) {
		log_warn("bad message from %s", proc_name(ch->ch_proc));
		return (-1);
	}
	return (0);
}

static int
parent_dispatch_store(struct child *ch, struct imsg *imsg)
{
	switch (imsg_get_type(imsg)) {
	case IMSG_CTL_READY:
		return (parent_handle_ready(ch, imsg));
	case IMSG_CTL_READLINKS:
		return (parent_handle_readlinks(ch, imsg));
	default:
		return (proc_unexpected(imsg, ch->ch_proc));
	}
}

static int
parent_dispatch_builder(struct child *ch, struct imsg *imsg)
{
	switch (imsg_get_type(imsg)) {
	case IMSG_CTL_READY:
		return (parent_handle_ready_users(ch, imsg));
	case IMSG_CTL_CRED_REQ:
		return (parent_handle_cred_req(ch, imsg));
	case IMSG_CTL_PERM_ROOT:
		return (parent_handle_perm_root(ch, imsg));
	default:
		return (proc_unexpected(imsg, ch->ch_proc));
	}
}

static int
parent_dispatch_mount(struct child *ch, struct imsg *imsg)
{
	switch (imsg_get_type(imsg)) {
	case IMSG_CTL_READY:
		return (parent_handle_ready_users(ch, imsg));
	default:
		return (proc_unexpected(imsg, ch->ch_proc));
	}
}

/*
 * Once per child: a child of another build of rnixd (a half-upgraded
 * install) speaks other messages, so we refuse to run with it.
 */
static int
parent_handle_ready(struct child *ch, struct imsg *imsg)
{
	const char	*errstr;

	if (msg_recv_ready(imsg, &errstr) == -1) {
		log_warnx("bad CTL_READY from %s: %s; refusing to run "
		    "with it", proc_name(ch->ch_proc), errstr);
		return (-1);
	}
	if (ch->ch_ready) {
		log_warnx("second CTL_READY from %s", proc_name(ch->ch_proc));
		return (-1);
	}
	ch->ch_ready = 1;
	log_debug("%s ready", proc_name(ch->ch_proc));
	if (children[PROC_STORE].ch_ready && children[PROC_BUILDER].ch_ready &&
	    children[PROC_MOUNT].ch_ready)
		log_info("ready, serving %s", parent_conf->conf_daemon_socket);
	return (0);
}

/* READY of builderproc or mountproc: both need the build users then. */
static int
parent_handle_ready_users(struct child *ch, struct imsg *imsg)
{
	if (parent_handle_ready(ch, imsg) == -1)
		return (-1);
	parent_send_build_users_all();
	return (0);
}

/* Returns -1 if one of our children is gone: we fail closed. */
static int
parent_reap(void)
{
	enum proc_type	proc;
	pid_t		pid;
	int		status, lost = 0;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (proc = PROC_STORE; proc < PROC_MAX; proc++) {
			if (children[proc].ch_pid != pid)
				continue;
			children[proc].ch_pid = 0;
			lost = 1;
			parent_log_lost(proc, status);
		}
	}
	return (lost ? -1 : 0);
}

static void
parent_reload(void)
{
	struct rnixd_conf	*conf;
	enum proc_type		 proc;
	char			*errtext = NULL, *line, *next;
	size_t			 errlen = 0;
	FILE			*errs;

	log_info("rereading configuration %s", conffile);
	if ((errs = open_memstream(&errtext, &errlen)) == NULL)
		fatal("open_memstream");
	conf = parent_load_config(errs);
	fclose(errs);
	if (conf == NULL) {
		for (line = errtext; line != NULL && *line != '\0';
		    line = next) {
			if ((next = strchr(line, '\n')) != NULL)
				*next++ = '\0';
			log_warnx("%s", line);
		}
		log_warnx("configuration not reloaded; keeping the old one");
		free(errtext);
		return;
	}
	free(errtext);
	config_free(parent_conf);
	free(parent_conf);
	parent_conf = conf;
	for (proc = PROC_STORE; proc < PROC_MAX; proc++)
		parent_send_config(&children[proc], parent_conf);
	parent_send_build_users_all();
	log_info("configuration reloaded");
}
