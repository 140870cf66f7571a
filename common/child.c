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
 * Child start-up, shared by storeproc, builderproc and mountproc.
 * Everything received here comes from our own parent, so a malformed
 * message is a broken invariant and fatal.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "msg_ctl.h"

static void	child_parse_flags(struct child_setup *, int, char **);
static int	child_setup_handle(struct child_setup *, struct imsg *);

void
child_init(enum proc_type proc, int argc, char **argv,
    struct child_setup *cs)
{
	struct stat	st;
	struct imsg	imsg;
	int		ready = 0, rc;
	enum proc_type	p;

	memset(cs, 0, sizeof(*cs));
	cs->cs_proc = proc;
	cs->cs_listen = -1;
	for (p = 0; p < PROC_MAX; p++)
		cs->cs_peer[p] = -1;
	child_parse_flags(cs, argc, argv);
	if (fstat(PROC_PARENT_FD, &st) == -1 || !S_ISSOCK(st.st_mode))
		errx(1, "%s must be started by rnixd", proc_name(proc));

	log_init(cs->cs_debug, LOG_DAEMON);
	log_setverbose(cs->cs_verbose);
	log_procinit(proc_name(proc));
	if (imsgbuf_init(&cs->cs_parent, PROC_PARENT_FD) == -1)
		fatal("imsgbuf_init");

	while (!ready) {
		struct pollfd	pfd = { PROC_PARENT_FD, POLLIN, 0 };

		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		switch (imsgbuf_read(&cs->cs_parent)) {
		case -1:
			if (errno == EAGAIN)
				continue;
			fatal("imsgbuf_read");
		case 0:
			fatalx("parent went away during setup");
		}
		while (!ready && (rc = imsgbuf_get(&cs->cs_parent, &imsg))
		    == 1) {
			ready = child_setup_handle(cs, &imsg);
			imsg_free(&imsg);
		}
		if (!ready && rc == -1)
			fatal("imsgbuf_get");
	}
}

static void
child_parse_flags(struct child_setup *cs, int argc, char **argv)
{
	int	ch;

	while ((ch = getopt(argc, argv, "dv")) != -1) {
		switch (ch) {
		case 'd':
			cs->cs_debug = 1;
			break;
		case 'v':
			cs->cs_verbose++;
			break;
		default:
			errx(1, "%s must be started by rnixd",
			    proc_name(cs->cs_proc));
		}
	}
}

/* Returns 1 at the READY barrier, 0 otherwise. */
static int
child_setup_handle(struct child_setup *cs, struct imsg *imsg)
{
	enum proc_type	 proc;
	const char	*errstr;
	int		 fd;

	switch (imsg_get_type(imsg)) {
	case IMSG_CFG_START:
	case IMSG_CFG_TEXT:
	case IMSG_CFG_DONE:
		if (child_cfg_handle(&cs->cs_cfgbuf, imsg, &cs->cs_conf) == -1)
			fatalx("bad configuration from parent");
		return (0);
	case IMSG_CTL_PEER:
		if (msg_recv_peer(imsg, &proc, &fd, &errstr) == -1)
			fatalx("bad CTL_PEER from parent: %s", errstr);
		if (cs->cs_peer[proc] != -1)
			fatalx("second CTL_PEER for %s", proc_name(proc));
		cs->cs_peer[proc] = fd;
		return (0);
	case IMSG_CTL_LISTEN:
		if (msg_recv_listen(imsg, &fd, &errstr) == -1)
			fatalx("bad CTL_LISTEN from parent: %s", errstr);
		if (cs->cs_listen != -1)
			fatalx("second CTL_LISTEN from parent");
		cs->cs_listen = fd;
		return (0);
	case IMSG_CTL_READY:
		if (msg_recv_ready(imsg, &errstr) == -1)
			fatalx("bad CTL_READY from parent: %s", errstr);
		if (cs->cs_conf.conf_store_dir == NULL)
			fatalx("READY before a configuration");
		return (1);
	default:
		fatalx("unexpected %s from parent during setup",
		    imsg_type_name(imsg_get_type(imsg)));
	}
}

int
child_cfg_handle(struct child_cfgbuf *cc, struct imsg *imsg,
    struct rnixd_conf *conf)
{
	const char	*data, *errstr;
	size_t		 len;
	char		*p;
	int		 rc;

	switch (imsg_get_type(imsg)) {
	case IMSG_CFG_START:
		if (msg_recv_cfg_mark(imsg, &errstr) == -1) {
			log_warnx("bad CFG_START: %s", errstr);
			return (-1);
		}
		free(cc->cc_text);
		cc->cc_text = NULL;
		cc->cc_len = 0;
		cc->cc_open = 1;
		return (0);
	case IMSG_CFG_TEXT:
		if (msg_recv_cfg_text(imsg, &data, &len, &errstr) == -1) {
			log_warnx("bad CFG_TEXT: %s", errstr);
			return (-1);
		}
		if (!cc->cc_open || cc->cc_len + len > CONFIG_FILE_MAX) {
			log_warnx("bad CFG_TEXT");
			return (-1);
		}
		if ((p = realloc(cc->cc_text, cc->cc_len + len)) == NULL)
			fatal("realloc");
		memcpy(p + cc->cc_len, data, len);
		cc->cc_text = p;
		cc->cc_len += len;
		return (0);
	case IMSG_CFG_DONE:
		if (msg_recv_cfg_mark(imsg, &errstr) == -1) {
			log_warnx("bad CFG_DONE: %s", errstr);
			return (-1);
		}
		if (!cc->cc_open) {
			log_warnx("CFG_DONE without CFG_START");
			return (-1);
		}
		cc->cc_open = 0;
		rc = config_parse_buf("pushed configuration", cc->cc_text,
		    cc->cc_len, conf, stderr);
		free(cc->cc_text);
		cc->cc_text = NULL;
		cc->cc_len = 0;
		return (rc == 0 ? 1 : -1);
	default:
		return (-1);
	}
}

static int
child_conf_str_changed(const char *a, const char *b)
{
	return (strcmp(a, b) != 0);
}

/*
 * Paths and users take effect only at start, and processes keep
 * pointers to them (storeproc's store_env): the running values stay,
 * the new ones are freed with the old configuration.
 */
static void
child_conf_keep(struct rnixd_conf *conf, struct rnixd_conf *old)
{
	char	**keep[][2] = {
		{ &conf->conf_store_dir, &old->conf_store_dir },
		{ &conf->conf_state_dir, &old->conf_state_dir },
		{ &conf->conf_log_dir, &old->conf_log_dir },
		{ &conf->conf_store_user, &old->conf_store_user },
		{ &conf->conf_builder_user, &old->conf_builder_user },
		{ &conf->conf_mount_user, &old->conf_mount_user },
	};
	char	 *tmp;
	size_t	  i;

	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		tmp = *keep[i][0];
		*keep[i][0] = *keep[i][1];
		*keep[i][1] = tmp;
	}
}

int
child_reload_config(struct child_setup *cs, struct imsg *imsg)
{
	struct rnixd_conf	 conf;
	struct rnixd_conf	*old = &cs->cs_conf;
	int			 rc;

	if ((rc = child_cfg_handle(&cs->cs_cfgbuf, imsg, &conf)) == -1)
		fatalx("bad configuration from parent");
	if (rc == 0)
		return (0);
	if (child_conf_str_changed(conf.conf_store_dir, old->conf_store_dir) ||
	    child_conf_str_changed(conf.conf_state_dir, old->conf_state_dir) ||
	    child_conf_str_changed(conf.conf_log_dir, old->conf_log_dir) ||
	    child_conf_str_changed(conf.conf_store_user,
	    old->conf_store_user) ||
	    child_conf_str_changed(conf.conf_builder_user,
	    old->conf_builder_user) ||
	    child_conf_str_changed(conf.conf_mount_user,
	    old->conf_mount_user))
		log_warnx("%s: changes of paths and users need a restart",
		    proc_name(cs->cs_proc));
	child_conf_keep(&conf, old);
	config_free(old);
	*old = conf;
	return (1);
}

void
child_report_ready(struct child_setup *cs)
{
	msg_send_ready(&cs->cs_parent);
}
