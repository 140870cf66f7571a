/*
 * storeproc: owns the store directory and the database; serves typed
 * requests from builderproc and trusts none of them.
 */
#include <linux/capability.h>

#include <event.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "imsgev.h"
#include "log.h"
#include "priv.h"
#include "sandbox.h"
#include "storeproc.h"

static struct child_setup	 setup;
static struct imsgev		 iev_parent;
static struct imsgev		 iev_builder;
static struct imsgbuf		 ibuf_builder;

static int	store_dispatch_parent(struct imsgev *, struct imsg *);
static int	store_dispatch_builder(struct imsgev *, struct imsg *);

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
	struct passwd	*pw;

	setproctitle_init(argc, argv, environ);
	child_init(PROC_STORE, argc, argv, &setup);
	if (setup.cs_peer[PROC_BUILDER] == -1)
		fatalx("no link to builderproc");
	if ((pw = getpwnam(setup.cs_conf.conf_store_user)) == NULL)
		fatalx("unknown store-user %s", setup.cs_conf.conf_store_user);

	store_confine(&setup.cs_conf);
	priv_drop(pw->pw_uid, pw->pw_gid, store_caps,
	    sizeof(store_caps) / sizeof(store_caps[0]));
	/*
	 * From here on: files inside the store, state and log dirs, the
	 * database, and imsg with the parent and builderproc.  No exec, no
	 * network, no new mounts.
	 */
	sandbox_enter(PROC_STORE);
	setproctitle("store");

	event_init();
	signal(SIGPIPE, SIG_IGN);
	if (imsgbuf_init(&ibuf_builder, setup.cs_peer[PROC_BUILDER]) == -1)
		fatal("imsgbuf_init");
	imsgev_init(&iev_parent, &setup.cs_parent, PROC_PARENT,
	    store_dispatch_parent);
	imsgev_init(&iev_builder, &ibuf_builder, PROC_BUILDER,
	    store_dispatch_builder);
	imsgev_compose(&iev_parent, IMSG_CTL_READY, 0, -1, NULL, 0);
	log_debug("%s running", proc_name(setup.cs_proc));
	event_dispatch();
	fatalx("event loop ended");
}

static void
store_handle_config(struct imsg *imsg)
{
	struct rnixd_conf	conf;
	int			rc;

	if ((rc = child_cfg_handle(&setup.cs_cfgbuf, imsg, &conf)) == -1)
		fatalx("bad configuration from parent");
	if (rc == 0)
		return;
	/* Paths and users are fixed at start; the rest may change. */
	if (strcmp(conf.conf_store_dir, setup.cs_conf.conf_store_dir) != 0 ||
	    strcmp(conf.conf_state_dir, setup.cs_conf.conf_state_dir) != 0)
		log_warnx("store-dir and state-dir changes need a restart");
	config_free(&setup.cs_conf);
	setup.cs_conf = conf;
}

static int
store_dispatch_parent(struct imsgev *iev, struct imsg *imsg)
{
	(void)iev;
	switch (imsg_get_type(imsg)) {
	case IMSG_CFG_START:
	case IMSG_CFG_TEXT:
	case IMSG_CFG_DONE:
		store_handle_config(imsg);
		return (0);
	default:
		log_warnx("unexpected %s from parent",
		    imsg_type_name(imsg_get_type(imsg)));
		return (-1);
	}
}

static void
store_handle_ping(struct imsgev *iev, struct imsg *imsg)
{
	if (imsg_get_len(imsg) != 0) {
		log_warnx("STORE_PING with a payload");
		return;
	}
	imsgev_compose(iev, IMSG_STORE_PONG, imsg_get_peerid(imsg), -1,
	    NULL, 0);
}

/* builderproc parses client bytes: everything from it is validated. */
static int
store_dispatch_builder(struct imsgev *iev, struct imsg *imsg)
{
	switch (imsg_get_type(imsg)) {
	case IMSG_STORE_PING:
		store_handle_ping(iev, imsg);
		break;
	default:
		log_warnx("unexpected %s from builderproc",
		    imsg_type_name(imsg_get_type(imsg)));
		break;
	}
	return (0);
}
