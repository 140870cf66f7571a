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
 * builderproc: serves the Nix worker protocol to clients of the daemon
 * socket.  It parses every byte clients send, so it runs with nothing
 * worth stealing: an unprivileged user, no capabilities, an empty
 * read-only root, and a seccomp allow-list of socket calls.
 */
#include <sys/resource.h>

#include <event.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builderproc.h"
#include "session.h"
#include "child.h"
#include "log.h"
#include "memstat.h"
#include "msg_ctl.h"
#include "msg_mount.h"
#include "msg_store.h"
#include "priv.h"
#include "sandbox.h"

struct builder_env	builder_env;

static struct child_setup	setup;
static struct imsgbuf		ibuf_store;
static struct imsgbuf		ibuf_mount;
static int			pongs_missing;

static void	builder_priority(struct imsgev *);
static int	builder_dispatch_parent(struct imsgev *, struct imsg *);
static int	builder_dispatch_store(struct imsgev *, struct imsg *);
static void	builder_info_hint(struct imsg *);
static int	builder_dispatch_mount(struct imsgev *, struct imsg *);

int
main(int argc, char *argv[])
{
	struct passwd	*pw;
	struct rlimit	 rl;
	char		 root[PATH_MAX];

	setproctitle_init(argc, argv, environ);
	child_init(PROC_BUILDER, argc, argv, &setup);
	builder_env.be_conf = &setup.cs_conf;
	if (setup.cs_peer[PROC_STORE] == -1 ||
	    setup.cs_peer[PROC_MOUNT] == -1 || setup.cs_listen == -1)
		fatalx("setup incomplete");
	/* Connections must leave room for the rest (session_fd_room). */
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("getrlimit");
	builder_env.be_fd_limit = rl.rlim_cur > INT_MAX ? INT_MAX : rl.rlim_cur;
	if ((pw = getpwnam(builder_env.be_conf->conf_builder_user)) == NULL)
		fatalx("unknown builder-user %s",
		    builder_env.be_conf->conf_builder_user);
	if ((size_t)snprintf(root, sizeof(root), "%s/rnixd/empty",
	    builder_env.be_conf->conf_state_dir) >= sizeof(root))
		fatalx("state-dir too long");
	/* max-jobs = auto, now or after a reload: /sys is out of reach. */
	config_init_cpus();
	if (chroot(root) == -1 || chdir("/") == -1)
		fatal("chroot %s", root);
	priv_drop(pw->pw_uid, pw->pw_gid, NULL, 0);
	/*
	 * From here on: accept clients, read and write sockets, imsg with
	 * the parent, storeproc and mountproc.  No files, no exec, no
	 * network sockets, no capabilities.
	 */
	sandbox_enter(PROC_BUILDER);
	setproctitle("builder");

	event_init();
	/* Two priorities: the daemon's own channels (0) before clients. */
	if (event_priority_init(2) == -1)
		fatalx("event_priority_init");
	signal(SIGPIPE, SIG_IGN);
	memstat_init("builderproc");
	if (imsgbuf_init(&ibuf_store, setup.cs_peer[PROC_STORE]) == -1 ||
	    imsgbuf_init(&ibuf_mount, setup.cs_peer[PROC_MOUNT]) == -1)
		fatal("imsgbuf_init");
	/* Path sets and path infos can be large; storeproc agrees. */
	if (imsgbuf_set_maxsize(&ibuf_store, MSG_STORE_MAXSIZE) == -1 ||
	    imsgbuf_set_maxsize(&ibuf_mount, MSG_MOUNT_MAXSIZE) == -1)
		fatal("imsgbuf_set_maxsize");
	/*
	 * storeproc's replies never carry a descriptor (msg_store.h), nor
	 * does the parent after the set-up: so clients filling the fd
	 * table cannot keep these two channels from being read.
	 * mountproc's do (log pipes, sockets): it gets a slot of its own.
	 */
	imsgbuf_set_fdpass(&ibuf_store, 0);
	imsgbuf_set_fdpass(&setup.cs_parent, 0);
	if (imsgbuf_reserve_fd(&ibuf_mount) == -1)
		fatal("imsgbuf_reserve_fd");
	imsgev_init(&builder_env.be_parent, &setup.cs_parent, PROC_PARENT,
	    builder_dispatch_parent);
	imsgev_init(&builder_env.be_store, &ibuf_store, PROC_STORE,
	    builder_dispatch_store);
	imsgev_init(&builder_env.be_mount, &ibuf_mount, PROC_MOUNT,
	    builder_dispatch_mount);
	builder_priority(&builder_env.be_parent);
	builder_priority(&builder_env.be_store);
	builder_priority(&builder_env.be_mount);
	/* Serve only once both siblings answer: the links are alive. */
	pongs_missing = 2;
	msg_send_empty(builder_store(), IMSG_STORE_PING, 0);
	msg_send_empty(builder_mount(), IMSG_MOUNT_PING, 0);
	event_dispatch();
	fatalx("event loop ended");
}

/*
 * However many clients are ready, a loop first serves what the parent,
 * storeproc and mountproc sent: the replies clients wait for, and the
 * parent's verdicts, never queue behind a flood.
 */
static void
builder_priority(struct imsgev *iev)
{
	if (event_priority_set(&iev->iev_rev, 0) == -1 ||
	    event_priority_set(&iev->iev_wev, 0) == -1 ||
	    event_priority_set(&iev->iev_pause, 0) == -1)
		fatalx("event_priority_set");
}

static void
builder_pong(const char *from, struct imsg *imsg)
{
	const char	*errstr;

	if (msg_recv_empty(imsg, &errstr) == -1) {
		log_warnx("bad pong from %s: %s", from, errstr);
		return;
	}
	if (pongs_missing <= 0) {
		log_warnx("unexpected pong from %s", from);
		return;
	}
	if (--pongs_missing == 0) {
		session_listen(setup.cs_listen);
		child_report_ready(&setup);
		log_debug("%s running", proc_name(setup.cs_proc));
	}
}

static int
builder_dispatch_parent(struct imsgev *iev, struct imsg *imsg)
{
	struct msg_cred_reply		 reply;
	struct msg_perm_root_reply	 perm;
	const char			*errstr;

	(void)iev;
	switch (imsg_get_type(imsg)) {
	case IMSG_CFG_START:
	case IMSG_CFG_TEXT:
	case IMSG_CFG_DONE:
		child_reload_config(&setup, imsg);
		return (0);
	case IMSG_CTL_CRED_REPLY:
		if (msg_recv_cred_reply(imsg, &reply, &errstr) == -1) {
			log_warnx("bad CTL_CRED_REPLY from parent: %s",
			    errstr);
			return (-1);
		}
		session_handle_cred(&reply);
		return (0);
	case IMSG_CTL_BUILD_USERS:
		return (users_parse(imsg));
	case IMSG_CTL_PERM_ROOT_REPLY:
		if (msg_recv_perm_root_reply(imsg, &perm, &errstr) == -1) {
			log_warnx("bad CTL_PERM_ROOT_REPLY from parent: %s",
			    errstr);
			return (-1);
		}
		session_perm_root_reply(&perm);
		return (0);
	default:
		return (proc_unexpected(imsg, PROC_PARENT));
	}
}

/* Only a hint: a bad one is dropped, nothing depends on it. */
static void
builder_info_hint(struct imsg *imsg)
{
	struct wire_path_info	 pi;
	const char		*errstr;
	int			 found;

	if (msg_recv_info(imsg, builder_env.be_conf->conf_store_dir, &found,
	    &pi, &errstr) == -1) {
		log_warnx("STORE_INFO_HINT: %s", errstr);
		return;
	}
	if (found)
		cache_info_put(&pi);
	wire_path_info_free(&pi);
}

static int
builder_dispatch_store(struct imsgev *iev, struct imsg *imsg)
{
	(void)iev;
	switch (imsg_get_type(imsg)) {
	case IMSG_STORE_PONG:
		builder_pong("storeproc", imsg);
		return (0);
	case IMSG_STORE_INFO_HINT:
		builder_info_hint(imsg);
		return (0);
	case IMSG_STORE_CHANGED:
		/* Forgetting is always safe, whatever came with it. */
		if (imsg_get_len(imsg) != 0)
			log_warnx("STORE_CHANGED with a payload");
		cache_info_flush();
		return (0);
	case IMSG_STORE_OK:
	case IMSG_STORE_ERROR:
	case IMSG_STORE_LOG:
	case IMSG_STORE_INFO:
	case IMSG_STORE_PATHS:
	case IMSG_STORE_OUTPUTS:
	case IMSG_STORE_MISSING:
	case IMSG_STORE_ROOTS:
	case IMSG_STORE_GC_RESULT:
	case IMSG_STORE_VERIFY_RESULT:
	case IMSG_STORE_DRV:
	case IMSG_STORE_BUILD_RESULT:
		bstore_route_reply(imsg);
		return (0);
	default:
		return (proc_unexpected(imsg, PROC_STORE));
	}
}

static int
builder_dispatch_mount(struct imsgev *iev, struct imsg *imsg)
{
	(void)iev;
	switch (imsg_get_type(imsg)) {
	case IMSG_MOUNT_PONG:
		builder_pong("mountproc", imsg);
		return (0);
	case IMSG_MOUNT_BUILD_STARTED:
	case IMSG_MOUNT_BUILD_EXITED:
	case IMSG_MOUNT_BUILD_SOCKET:
	case IMSG_MOUNT_OK:
	case IMSG_MOUNT_ERROR:
		return (bmount_route_reply(imsg));
	default:
		return (proc_unexpected(imsg, PROC_MOUNT));
	}
}
