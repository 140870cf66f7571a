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
 * storeproc: owns the store directory and the database; serves typed
 * requests from builderproc and trusts none of them.
 */
#include <linux/capability.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "imsgev.h"
#include "log.h"
#include "memstat.h"
#include "priv.h"
#include "sandbox.h"
#include "storeproc.h"
#include "store_db.h"

static struct child_setup	 setup;
static struct imsgev		 iev_parent;
static struct imsgev		 iev_builder;
static struct imsgbuf		 ibuf_builder;

static void	store_own_state(const struct rnixd_conf *, struct passwd *);
static void	store_own_logs(const struct rnixd_conf *, struct passwd *);
static int	store_dispatch_parent(struct imsgev *, struct imsg *);
static int	store_dispatch_builder(struct imsgev *, struct imsg *);
static void	store_changed(void *);

/*
 * CAP_CHOWN: build outputs belong to build users until storeproc makes
 * them the store user's.  CAP_FOWNER: canonicalising their modes and
 * times, and entering directories a builder left unreadable, needs
 * chmod/utimensat on files storeproc does not own yet.
 */
static const int store_caps[] = { CAP_CHOWN, CAP_FOWNER };

int
main(int argc, char *argv[])
{
	struct passwd		*pw;
	struct rnixd_conf	*conf = &setup.cs_conf;
	struct store_db		*db;
	const char		*errstr;

	setproctitle_init(argc, argv, environ);
	child_init(PROC_STORE, argc, argv, &setup);
	if (setup.cs_peer[PROC_BUILDER] == -1)
		fatalx("no link to builderproc");
	if ((pw = getpwnam(conf->conf_store_user)) == NULL)
		fatalx("unknown store-user %s", conf->conf_store_user);

	store_confine(conf);
	store_own_state(conf, pw);
	store_own_logs(conf, pw);
	priv_drop(pw->pw_uid, pw->pw_gid, store_caps,
	    sizeof(store_caps) / sizeof(store_caps[0]));
	/* As the store user, so that new database files are its own. */
	if (db_open(conf->conf_state_dir, conf->conf_store_dir, &db,
	    &errstr) == -1)
		fatalx("database: %s", errstr);
	store_env_init(conf->conf_store_dir, conf->conf_state_dir, db,
	    &ibuf_builder, &setup.cs_parent);
	db_on_change(db, store_changed, NULL);
	store_cleanup_tmp();
	if (store_buildlog_init(conf->conf_log_dir, 0) == -1)
		log_warn("build logs: %s/drvs", conf->conf_log_dir);
	/*
	 * From here on: files inside the store, state and log dirs, the
	 * database, and imsg with the parent and builderproc.  No exec, no
	 * network, no new mounts.
	 */
	sandbox_enter(PROC_STORE);
	setproctitle("store");

	event_init();
	signal(SIGPIPE, SIG_IGN);
	memstat_init("storeproc");
	if (imsgbuf_init(&ibuf_builder, setup.cs_peer[PROC_BUILDER]) == -1)
		fatal("imsgbuf_init");
	/* Path sets and path infos outgrow the default message size. */
	if (imsgbuf_set_maxsize(&ibuf_builder, MSG_STORE_MAXSIZE) == -1 ||
	    imsgbuf_set_maxsize(&setup.cs_parent, MSG_READLINKS_MAXSIZE) == -1)
		fatal("imsgbuf_set_maxsize");
	imsgev_init(&iev_parent, &setup.cs_parent, PROC_PARENT,
	    store_dispatch_parent);
	imsgev_init(&iev_builder, &ibuf_builder, PROC_BUILDER,
	    store_dispatch_builder);
	child_report_ready(&setup);
	log_debug("%s running", proc_name(setup.cs_proc));
	event_dispatch();
	fatalx("event loop ended");
}

/*
 * A state dir that real Nix used as root has root's database and
 * roots directories; storeproc, the store user from here on, must own
 * them.  Nothing is followed: a symlink is left alone.
 */
static void
store_own_state(const struct rnixd_conf *conf, struct passwd *pw)
{
	static const char *const names[] = {
		"db", "db/db.sqlite", "db/db.sqlite-wal", "db/db.sqlite-shm",
		"db/schema", "db/big-lock", "db/reserved", "gcroots",
		"gcroots/auto", "temproots"
	};
	char		path[PATH_MAX];
	struct stat	st;
	size_t		i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s",
		    conf->conf_state_dir, names[i]) >= sizeof(path))
			fatalx("state-dir too long");
		if (lstat(path, &st) == -1 || S_ISLNK(st.st_mode) ||
		    (st.st_uid == pw->pw_uid && st.st_gid == pw->pw_gid))
			continue;
		if (lchown(path, pw->pw_uid, pw->pw_gid) == -1)
			log_warn("chown %s", path);
	}
}

/*
 * Build logs: <log-dir>/drvs and its subdirectories, which real Nix
 * made as root, become the store user's so storeproc can write there.
 * The log dir itself stays as it is.
 */
static void
store_own_logs(const struct rnixd_conf *conf, struct passwd *pw)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*dir;
	int		 fd, dfd;

	if ((fd = open(conf->conf_log_dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		log_warn("%s", conf->conf_log_dir);
		return;
	}
	if (mkdirat(fd, "drvs", 0755) == -1 && errno != EEXIST)
		log_warn("mkdir %s/drvs", conf->conf_log_dir);
	if ((dfd = openat(fd, "drvs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || (dir = fdopendir(dfd)) == NULL) {
		if (dfd != -1)
			close(dfd);
		close(fd);
		return;
	}
	if (fchown(dfd, pw->pw_uid, pw->pw_gid) == -1)
		log_warn("chown %s/drvs", conf->conf_log_dir);
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.' || fstatat(dfd, de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISDIR(st.st_mode) ||
		    st.st_uid == pw->pw_uid)
			continue;
		if (fchownat(dfd, de->d_name, pw->pw_uid, pw->pw_gid,
		    AT_SYMLINK_NOFOLLOW) == -1)
			log_warn("chown %s/drvs/%s", conf->conf_log_dir,
			    de->d_name);
	}
	closedir(dir);
	close(fd);
}

static int
store_dispatch_parent(struct imsgev *iev, struct imsg *imsg)
{
	(void)iev;
	switch (imsg_get_type(imsg)) {
	case IMSG_CFG_START:
	case IMSG_CFG_TEXT:
	case IMSG_CFG_DONE:
		child_reload_config(&setup, imsg);
		return (0);
	case IMSG_CTL_READLINKS_REPLY:
		store_handle_readlinks_reply(imsg);
		return (0);
	case IMSG_STORE_ERROR:
		store_handle_readlinks_error(imsg);
		return (0);
	default:
		return (proc_unexpected(imsg, PROC_PARENT));
	}
}

/*
 * A valid path changed: tell builderproc, whose path info cache would
 * answer from the past, before the reply of the request that made the
 * change goes out.  A GC deleting many paths says it once.
 */
static void
store_changed(void *arg)
{
	(void)arg;
	if (iev_builder.iev_last_type != IMSG_STORE_CHANGED)
		msg_send_empty(iev_builder.iev_ibuf, IMSG_STORE_CHANGED, 0);
}

static void
store_handle_ping(struct imsgev *iev, struct imsg *imsg)
{
	const char	*errstr;

	if (msg_recv_empty(imsg, &errstr) == -1) {
		log_warnx("bad STORE_PING from builderproc: %s", errstr);
		return;
	}
	msg_send_empty(iev->iev_ibuf, IMSG_STORE_PONG, imsg_get_peerid(imsg));
}

/* builderproc parses client bytes: everything from it is validated. */
static int
store_dispatch_builder(struct imsgev *iev, struct imsg *imsg)
{
	switch (imsg_get_type(imsg)) {
	case IMSG_STORE_PING:
		store_handle_ping(iev, imsg);
		break;
	case IMSG_STORE_QUERY_INFO:
		store_handle_query_info(imsg);
		break;
	case IMSG_STORE_QUERY_VALID:
		store_handle_query_valid(imsg);
		break;
	case IMSG_STORE_QUERY_ALL:
		store_handle_query_all(imsg);
		break;
	case IMSG_STORE_QUERY_REFERRERS:
		store_handle_query_referrers(imsg);
		break;
	case IMSG_STORE_QUERY_DERIVERS:
		store_handle_query_derivers(imsg);
		break;
	case IMSG_STORE_QUERY_HASHPART:
		store_handle_query_hashpart(imsg);
		break;
	case IMSG_STORE_QUERY_OUTPUTS:
		store_handle_query_outputs(imsg);
		break;
	case IMSG_STORE_QUERY_MISSING:
		store_handle_query_missing(imsg);
		break;
	case IMSG_STORE_ADD:
		store_handle_add(imsg);
		break;
	case IMSG_STORE_ADD_NAR:
		store_handle_add_nar(imsg);
		break;
	case IMSG_STORE_NAR_FROM_PATH:
		store_handle_nar_from_path(imsg);
		break;
	case IMSG_STORE_TEMP_ROOT:
		store_handle_temp_root(imsg);
		break;
	case IMSG_STORE_INDIRECT_ROOT:
		store_handle_indirect_root(imsg);
		break;
	case IMSG_STORE_FIND_ROOTS:
		store_handle_find_roots(imsg);
		break;
	case IMSG_STORE_GC:
		store_handle_gc(imsg);
		break;
	case IMSG_STORE_ADD_SIGS:
		store_handle_add_sigs(imsg);
		break;
	case IMSG_STORE_VERIFY:
		store_handle_verify(imsg);
		break;
	case IMSG_STORE_QUERY_INTACT:
		store_handle_query_intact(imsg);
		break;
	case IMSG_STORE_ENSURE:
		store_handle_ensure(imsg);
		break;
	case IMSG_STORE_TEMP_ROOTS:
		store_handle_temp_roots(imsg);
		break;
	case IMSG_STORE_SESSION_END:
		store_handle_session_end(imsg);
		break;
	case IMSG_STORE_UPLOAD_DONE:
	case IMSG_STORE_UPLOAD_ABORT:
		store_handle_upload_end(imsg);
		break;
	case IMSG_STORE_QUERY_DRV:
		store_handle_query_drv(imsg);
		break;
	case IMSG_STORE_QUERY_CLOSURE:
		store_handle_query_closure(imsg);
		break;
	case IMSG_STORE_BUILD_OUTPUTS:
		store_handle_build_outputs(imsg);
		break;
	case IMSG_STORE_BUILD_LOG:
		store_handle_build_log(imsg);
		break;
	default:
		(void)proc_unexpected(imsg, PROC_BUILDER);
		break;
	}
	return (0);
}
