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
 * The mountproc side of a build: describe the sandbox (START, ITEMs,
 * GO), take the pty master (STARTED), learn the exit (EXITED, with the
 * root's store dir), kill on a timeout or when nobody waits, clean up.
 * Build ids are ours, never 0, unique among live builds; mountproc's
 * replies are matched to goals by id, and one that matches nothing
 * (a build already cleaned up) is dropped with its fd.
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builderproc.h"
#include "sched.h"
#include "log.h"
#include "wire.h"
#include "msg_mount.h"

static TAILQ_HEAD(, goal_link)	live = TAILQ_HEAD_INITIALIZER(live);
static uint64_t			bmount_next_id;

struct goal_link {
	TAILQ_ENTRY(goal_link)	 gl_entry;
	struct goal		*gl_goal;
};

static struct goal *
bmount_find(uint64_t id)
{
	struct goal_link	*gl;

	TAILQ_FOREACH(gl, &live, gl_entry)
		if (gl->gl_goal->g_build_id == id)
			return (gl->gl_goal);
	return (NULL);
}

static void
bmount_forget(struct goal *g)
{
	struct goal_link	*gl;

	TAILQ_FOREACH(gl, &live, gl_entry)
		if (gl->gl_goal == g) {
			TAILQ_REMOVE(&live, gl, gl_entry);
			free(gl);
			return;
		}
}

/* The sandbox-paths entries, as mountproc wants them. */
static struct msg_mount_bind *
bmount_binds(size_t *n)
{
	struct msg_mount_bind	*b;
	struct config_bind	*cb;
	size_t			 i;

	*n = builder_env.be_conf->conf_nsandbox_paths;
	if ((b = calloc(*n + 1, sizeof(*b))) == NULL)
		fatal("calloc");
	for (i = 0; i < *n; i++) {
		cb = &builder_env.be_conf->conf_sandbox_paths[i];
		b[i].mmbd_target = cb->cb_target;
		b[i].mmbd_source = cb->cb_source;
		b[i].mmbd_optional = cb->cb_optional;
	}
	return (b);
}

void
bmount_start(struct goal *g)
{
	struct msg_mount_build	 mb;
	struct goal_link	*gl;
	struct drv_type		 dt;
	struct drv_attrs	 da;
	const char		*errstr;
	char			*err;
	uid_t			 uid;
	gid_t			 gid;
	size_t			 i;

	memset(&mb, 0, sizeof(mb));
	/* rnixd-builtin takes the name as argv[1]; it may hold no '/'. */
	if (sched_builtin(g) && (g->g_drv->d_builder[8] == '\0' ||
	    strchr(g->g_drv->d_builder + 8, '/') != NULL)) {
		sched_fail_early(g, "unsupported builtin builder");
		return;
	}
	/* Before anything is set up: Nix refuses these before building. */
	if (attrs_make(g, &da, &err) == -1) {
		attrs_free(&da);
		sched_fail_early(g, err);
		free(err);
		return;
	}
	do {
		if (++bmount_next_id == 0)
			bmount_next_id = 1;
	} while (bmount_find(bmount_next_id) != NULL);
	g->g_build_id = bmount_next_id;
	users_get(g->g_user, &uid, &gid);
	mb.mmb_id = g->g_build_id;
	mb.mmb_uid = uid;
	mb.mmb_gid = gid;
	if (drv_type(g->g_drv, &dt, &errstr) == 0 && dt.dt_kind == DRV_FIXED)
		mb.mmb_flags |= MOUNT_F_NETWORK;
	if (sched_recursive(g)) {
		rec_build_new(g);
		mb.mmb_flags |= MOUNT_F_RECURSIVE;
	}
	mb.mmb_builder = g->g_drv->d_builder;
	if ((mb.mmb_args = calloc(g->g_drv->d_nargs + 1,
	    sizeof(*mb.mmb_args))) == NULL)
		fatal("calloc");
	for (i = 0; i < g->g_drv->d_nargs; i++)
		mb.mmb_args[i] = attrs_rewrite(&da, g->g_drv->d_args[i]);
	mb.mmb_nargs = g->g_drv->d_nargs;
	mb.mmb_files = da.da_files;
	mb.mmb_nfiles = da.da_nfiles;
	if (env_make(g, &da, &mb.mmb_env, &mb.mmb_nenv) == -1) {
		wire_strings_free(mb.mmb_args, mb.mmb_nargs);
		attrs_free(&da);
		sched_fail_early(g, "cannot make the builder's environment");
		return;
	}
	mb.mmb_inputs = g->g_closure;
	mb.mmb_ninputs = g->g_nclosure;
	mb.mmb_binds = bmount_binds(&mb.mmb_nbinds);
	g->g_state = GS_MOUNT;
	g->g_start = time(NULL);
	if (msg_send_build(builder_mount(), &mb) == -1) {
		wire_strings_free(mb.mmb_env, mb.mmb_nenv);
		wire_strings_free(mb.mmb_args, mb.mmb_nargs);
		attrs_free(&da);
		free(mb.mmb_binds);
		sched_fail_early(g, "the build is too large for the sandbox");
		return;
	}
	wire_strings_free(mb.mmb_env, mb.mmb_nenv);
	wire_strings_free(mb.mmb_args, mb.mmb_nargs);
	attrs_free(&da);
	free(mb.mmb_binds);
	if ((gl = calloc(1, sizeof(*gl))) == NULL)
		fatal("calloc");
	gl->gl_goal = g;
	TAILQ_INSERT_TAIL(&live, gl, gl_entry);
	log_debug("%s: build %llu started%s%s", g->g_path,
	    (unsigned long long)g->g_build_id,
	    g->g_prefer_local ? ", preferLocalBuild" : "",
	    g->g_allow_subst ? "" : ", allowSubstitutes false");
}

void
bmount_kill(struct goal *g)
{
	if (g->g_state == GS_RUN || g->g_state == GS_MOUNT)
		msg_send_build_id(builder_mount(), IMSG_MOUNT_BUILD_KILL,
		    g->g_build_id);
}

void
bmount_cleanup(struct goal *g)
{
	g->g_state = GS_CLEANUP;
	msg_send_build_id(builder_mount(), IMSG_MOUNT_BUILD_CLEANUP,
	    g->g_build_id);
}

static void
bmount_started(struct imsg *imsg)
{
	struct goal	*g;
	const char	*errstr;
	uint64_t	 id;
	pid_t		 pid;
	int		 fd;

	if (msg_recv_started(imsg, &id, &pid, &fd, &errstr) == -1) {
		log_warnx("bad MOUNT_BUILD_STARTED: %s", errstr);
		return;
	}
	if ((g = bmount_find(id)) == NULL || g->g_state != GS_MOUNT) {
		close(fd);
		return;
	}
	g->g_state = GS_RUN;
	g->g_logfd = fd;
	buildlog_start(g);
	if (g->g_rec != NULL) {
		rec_build_listen(g);
		/* It waits for its inner builds: no job slot held. */
		sched_slot_give(g);
	}
	if (g->g_nwant == 0)
		bmount_kill(g);
}

static void
bmount_exited(struct imsg *imsg)
{
	struct goal	*g;
	const char	*errstr;
	char		*text;
	uint64_t	 id;
	int		 status, fd;

	if (msg_recv_exited(imsg, &id, &status, &fd, &errstr) == -1) {
		log_warnx("bad MOUNT_BUILD_EXITED: %s", errstr);
		return;
	}
	if ((g = bmount_find(id)) == NULL || g->g_state != GS_RUN) {
		close(fd);
		return;
	}
	buildlog_stop(g);
	rec_build_stop(g);
	g->g_exit = status;
	g->g_stop = time(NULL);
	if (g->g_killed == -1) {
		close(fd);
		sched_finish(g, WIRE_BS_MISC_FAILURE, "build cancelled");
	} else if (g->g_killed != 0) {
		close(fd);
		sched_finish(g, g->g_killed, g->g_kill_msg);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		sched_register(g, fd);
	else {
		close(fd);
		text = buildlog_failure_text(g);
		sched_finish(g, sched_fixed(g) ? WIRE_BS_TRANSIENT_FAILURE :
		    WIRE_BS_PERMANENT_FAILURE, text);
		free(text);
	}
}

static void
bmount_error(struct imsg *imsg)
{
	struct goal	*g;
	const char	*errstr;
	char		 msg[MSG_MOUNT_ERROR_MAX];
	uint64_t	 id;
	uint32_t	 req;

	if (msg_recv_mount_error(imsg, &id, &req, msg, sizeof(msg),
	    &errstr) == -1) {
		log_warnx("bad MOUNT_ERROR: %s", errstr);
		return;
	}
	if (req == IMSG_MOUNT_BIND_PATH) {
		rec_bind_reply(imsg_get_peerid(imsg), msg);
		return;
	}
	if ((g = bmount_find(id)) == NULL)
		return;
	log_warnx("%s: mountproc: %s: %s", g->g_path, imsg_type_name(req),
	    msg);
	if (req == IMSG_MOUNT_BUILD_CLEANUP) {
		bmount_forget(g);
		sched_cleaned(g);
	} else if (g->g_state == GS_MOUNT) {
		bmount_forget(g);
		sched_fail_early(g, msg);
	}
}

static void
bmount_ok(struct imsg *imsg)
{
	struct goal	*g;
	const char	*errstr;
	uint64_t	 id;
	uint32_t	 req;

	if (msg_recv_mount_ok(imsg, &id, &req, &errstr) == -1) {
		log_warnx("bad MOUNT_OK: %s", errstr);
		return;
	}
	if (req == IMSG_MOUNT_BIND_PATH) {
		rec_bind_reply(imsg_get_peerid(imsg), NULL);
		return;
	}
	if ((g = bmount_find(id)) == NULL || req != IMSG_MOUNT_BUILD_CLEANUP)
		return;
	bmount_forget(g);
	sched_cleaned(g);
}

static void
bmount_socket(struct imsg *imsg)
{
	struct goal	*g;
	const char	*errstr;
	uint64_t	 id;
	int		 fd;

	if (msg_recv_build_socket(imsg, &id, &fd, &errstr) == -1) {
		log_warnx("bad MOUNT_BUILD_SOCKET: %s", errstr);
		return;
	}
	if ((g = bmount_find(id)) == NULL || g->g_state != GS_MOUNT) {
		close(fd);
		return;
	}
	rec_build_socket(g, fd);
}

/* Recursive Nix: bind path into g's running sandbox; peerid answers. */
void
bmount_bind(struct goal *g, uint32_t peerid, const char *path)
{
	if (msg_send_bind_path(builder_mount(), peerid, g->g_build_id,
	    path) == -1)
		rec_bind_reply(peerid, "bad path");
}

/* mountproc's answers about builds. */
int
bmount_route_reply(struct imsg *imsg)
{
	switch (imsg_get_type(imsg)) {
	case IMSG_MOUNT_BUILD_STARTED:
		bmount_started(imsg);
		break;
	case IMSG_MOUNT_BUILD_EXITED:
		bmount_exited(imsg);
		break;
	case IMSG_MOUNT_BUILD_SOCKET:
		bmount_socket(imsg);
		break;
	case IMSG_MOUNT_OK:
		bmount_ok(imsg);
		break;
	case IMSG_MOUNT_ERROR:
		bmount_error(imsg);
		break;
	default:
		return (-1);
	}
	return (0);
}

