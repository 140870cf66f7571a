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
 * The IMSG_MOUNT_* payloads (msg_mount.h): one send and one receive
 * function per message.  Fixed parts are the structs of msg_mount.h in
 * host byte order (both ends run on one machine), zeroed before they
 * are filled so that no padding leaks; strings follow them, each
 * NUL-terminated.  Receivers trust nothing: builderproc parses hostile
 * bytes, and mountproc and its spawner check everything it sends.
 */
#include <sys/types.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msg_mount.h"
#include "proc.h"
#include "storepath.h"

#define MSG_MOUNT_PAYLOAD_MAX	(MSG_MOUNT_MAXSIZE - IMSG_HEADER_SIZE)

static void	msg_compose_ibuf(void *, uint32_t, uint32_t, int,
		    const void *, size_t);
static int	msg_fail(int, const char **, const char *);
static int	msg_fixed(struct imsg *, void *, size_t, int, int *,
		    const char **);
static int	msg_check_abs(const char *);
static size_t	msg_item_max(uint32_t);
static int	msg_send_item(struct msg_mount_chan *, uint64_t, uint32_t,
		    int, const char *, const char *);
static int	msg_check_build(const struct msg_mount_build *);
static int	msg_get_strings(const char *, size_t, const char **,
		    const char **);
static int	msg_item_add(struct msg_mount_build *, uint32_t, int,
		    const char *, const char *, const char *, const char **);
static int	msg_item_check(uint32_t, const char *, const char *,
		    const char *, const char **);

static void
msg_compose_ibuf(void *arg, uint32_t type, uint32_t peerid, int fd,
    const void *data, size_t len)
{
	if (imsg_compose(arg, type, peerid, 0, fd, data, len) == -1)
		fatal("imsg_compose %s", imsg_type_name(type));
}

void
msg_mount_chan_ibuf(struct msg_mount_chan *mc, struct imsgbuf *ib)
{
	mc->mc_compose = msg_compose_ibuf;
	mc->mc_arg = ib;
}

static int
msg_fail(int fd, const char **errstr, const char *why)
{
	if (fd != -1)
		close(fd);
	*errstr = why;
	return (-1);
}

/*
 * A fixed-size payload: exactly len bytes, and an fd exactly when
 * wantfd says so (taken into *fdp, or closed on failure).
 */
static int
msg_fixed(struct imsg *imsg, void *buf, size_t len, int wantfd, int *fdp,
    const char **errstr)
{
	int	fd;

	fd = imsg_get_fd(imsg);
	if (wantfd && fd == -1)
		return (msg_fail(-1, errstr, "missing fd"));
	if (!wantfd && fd != -1)
		return (msg_fail(fd, errstr, "unexpected fd"));
	if (imsg_get_len(imsg) < len)
		return (msg_fail(fd, errstr, "truncated payload"));
	if (imsg_get_len(imsg) > len)
		return (msg_fail(fd, errstr, "trailing bytes in payload"));
	if (imsg_get_data(imsg, buf, len) == -1)
		return (msg_fail(fd, errstr, "truncated payload"));
	if (fdp != NULL)
		*fdp = fd;
	return (0);
}

int
msg_mount_peek_id(struct imsg *imsg, uint64_t *id)
{
	const void	*buf;
	size_t		 len;

	buf = imsg_get_buf(imsg, &len);
	if (buf == NULL || len < sizeof(*id))
		return (-1);
	memcpy(id, buf, sizeof(*id));
	return (0);
}

/* Absolute, no empty, "." or ".." component, not "/" itself. */
static int
msg_check_abs(const char *path)
{
	const char	*p, *q;
	size_t		 len;

	if (path[0] != '/' || path[1] == '\0')
		return (-1);
	for (p = path + 1; ; p = q + 1) {
		q = strchrnul(p, '/');
		len = q - p;
		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return (-1);
		if (*q == '\0')
			return (0);
	}
}

/*
 * "builtin:" and a name without '/': rnixd-builtin gets the name as
 * its argument and answers one it does not know with Nix's error.
 */
static int
msg_check_builtin(const char *s)
{
	size_t	len = strlen(MOUNT_BUILTIN_PREFIX);

	if (strncmp(s, MOUNT_BUILTIN_PREFIX, len) != 0 || s[len] == '\0' ||
	    strchr(s + len, '/') != NULL)
		return (-1);
	return (0);
}

/* The longest string, NUL included, an item of this kind may hold. */
static size_t
msg_item_max(uint32_t kind)
{
	switch (kind) {
	case MSG_MOUNT_ARG:
	case MSG_MOUNT_ENV:
		return (MSG_MOUNT_STRING_MAX);
	case MSG_MOUNT_INPUT:
		return (STOREPATH_MAX);
	default:
		return (MSG_MOUNT_PATH_MAX);
	}
}

/* The shape of one entry, whichever side checks it. */
static int
msg_item_check(uint32_t kind, const char *storedir, const char *s,
    const char *s2, const char **errstr)
{
	if (strlen(s) + 1 > msg_item_max(kind) ||
	    (s2 != NULL && strlen(s2) + 1 > msg_item_max(kind))) {
		*errstr = "item too long";
		return (-1);
	}
	switch (kind) {
	case MSG_MOUNT_BUILDER:
		if (msg_check_builtin(s) == -1 && msg_check_abs(s) == -1) {
			*errstr = "builder is not a clean absolute path or "
			    "builtin:<name>";
			return (-1);
		}
		break;
	case MSG_MOUNT_ENV:
		if (s[0] == '=' || strchr(s, '=') == NULL) {
			*errstr = "environment entry is not NAME=value";
			return (-1);
		}
		break;
	case MSG_MOUNT_INPUT:
		if (storedir != NULL && storepath_parse(storedir, s, NULL,
		    NULL, errstr) == -1)
			return (-1);
		break;
	case MSG_MOUNT_BIND:
		if (msg_check_abs(s) == -1 || msg_check_abs(s2) == -1) {
			*errstr = "sandbox path is not a clean absolute path";
			return (-1);
		}
		break;
	}
	return (0);
}

/* Everything msg_send_build will send, checked before any of it goes. */
static int
msg_check_build(const struct msg_mount_build *mb)
{
	const char	*errstr;
	size_t		 i, bytes = 0;

	if (mb->mmb_id == 0 || (mb->mmb_flags & ~MOUNT_F_ALL) != 0 ||
	    mb->mmb_builder == NULL || mb->mmb_nargs > MSG_MOUNT_ITEMS_MAX ||
	    mb->mmb_nenv > MSG_MOUNT_ITEMS_MAX ||
	    mb->mmb_ninputs > MSG_MOUNT_ITEMS_MAX ||
	    mb->mmb_nbinds > MSG_MOUNT_ITEMS_MAX)
		return (-1);
	if (msg_item_check(MSG_MOUNT_BUILDER, NULL, mb->mmb_builder, NULL,
	    &errstr) == -1)
		return (-1);
	bytes += strlen(mb->mmb_builder) + 1;
	for (i = 0; i < mb->mmb_nargs; i++) {
		if (msg_item_check(MSG_MOUNT_ARG, NULL, mb->mmb_args[i], NULL,
		    &errstr) == -1)
			return (-1);
		bytes += strlen(mb->mmb_args[i]) + 1;
	}
	for (i = 0; i < mb->mmb_nenv; i++) {
		if (msg_item_check(MSG_MOUNT_ENV, NULL, mb->mmb_env[i], NULL,
		    &errstr) == -1)
			return (-1);
		bytes += strlen(mb->mmb_env[i]) + 1;
	}
	for (i = 0; i < mb->mmb_ninputs; i++) {
		if (msg_item_check(MSG_MOUNT_INPUT, NULL, mb->mmb_inputs[i],
		    NULL, &errstr) == -1)
			return (-1);
		bytes += strlen(mb->mmb_inputs[i]) + 1;
	}
	for (i = 0; i < mb->mmb_nbinds; i++) {
		if (msg_item_check(MSG_MOUNT_BIND, NULL,
		    mb->mmb_binds[i].mmbd_target,
		    mb->mmb_binds[i].mmbd_source, &errstr) == -1)
			return (-1);
		bytes += strlen(mb->mmb_binds[i].mmbd_target) +
		    strlen(mb->mmb_binds[i].mmbd_source) + 2;
	}
	return (bytes > MSG_MOUNT_BUILD_BYTES ? -1 : 0);
}

static int
msg_send_item(struct msg_mount_chan *mc, uint64_t id, uint32_t kind,
    int optional, const char *s, const char *s2)
{
	struct msg_mount_item	 mi;
	size_t			 len, len2 = 0;
	char			*buf;

	len = strlen(s) + 1;
	if (s2 != NULL)
		len2 = strlen(s2) + 1;
	if ((buf = malloc(sizeof(mi) + len + len2)) == NULL)
		fatal("%s", __func__);
	memset(&mi, 0, sizeof(mi));
	mi.mmi_id = id;
	mi.mmi_kind = kind;
	mi.mmi_optional = optional;
	memcpy(buf, &mi, sizeof(mi));
	memcpy(buf + sizeof(mi), s, len);
	if (s2 != NULL)
		memcpy(buf + sizeof(mi) + len, s2, len2);
	mc->mc_compose(mc->mc_arg, IMSG_MOUNT_BUILD_ITEM, 0, -1, buf,
	    sizeof(mi) + len + len2);
	free(buf);
	return (0);
}

int
msg_send_build(struct msg_mount_chan *mc, const struct msg_mount_build *mb)
{
	struct msg_mount_start	 ms;
	const struct msg_mount_bind *b;
	size_t			 i;

	if (msg_check_build(mb) == -1) {
		log_warnx("build %llu not sent: bad or too large",
		    (unsigned long long)mb->mmb_id);
		return (-1);
	}
	memset(&ms, 0, sizeof(ms));
	ms.mms_id = mb->mmb_id;
	ms.mms_uid = mb->mmb_uid;
	ms.mms_gid = mb->mmb_gid;
	ms.mms_flags = mb->mmb_flags;
	ms.mms_nargs = mb->mmb_nargs;
	ms.mms_nenv = mb->mmb_nenv;
	ms.mms_ninputs = mb->mmb_ninputs;
	ms.mms_nbinds = mb->mmb_nbinds;
	mc->mc_compose(mc->mc_arg, IMSG_MOUNT_BUILD_START, 0, -1, &ms,
	    sizeof(ms));
	msg_send_item(mc, mb->mmb_id, MSG_MOUNT_BUILDER, 0, mb->mmb_builder,
	    NULL);
	for (i = 0; i < mb->mmb_nargs; i++)
		msg_send_item(mc, mb->mmb_id, MSG_MOUNT_ARG, 0,
		    mb->mmb_args[i], NULL);
	for (i = 0; i < mb->mmb_nenv; i++)
		msg_send_item(mc, mb->mmb_id, MSG_MOUNT_ENV, 0,
		    mb->mmb_env[i], NULL);
	for (i = 0; i < mb->mmb_ninputs; i++)
		msg_send_item(mc, mb->mmb_id, MSG_MOUNT_INPUT, 0,
		    mb->mmb_inputs[i], NULL);
	for (i = 0; i < mb->mmb_nbinds; i++) {
		b = &mb->mmb_binds[i];
		msg_send_item(mc, mb->mmb_id, MSG_MOUNT_BIND,
		    b->mmbd_optional != 0, b->mmbd_target, b->mmbd_source);
	}
	return (msg_send_build_id(mc, IMSG_MOUNT_BUILD_GO, mb->mmb_id));
}

int
msg_recv_start(struct imsg *imsg, struct msg_mount_build *mb,
    const char **errstr)
{
	struct msg_mount_start	ms;

	memset(mb, 0, sizeof(*mb));
	if (msg_fixed(imsg, &ms, sizeof(ms), 0, NULL, errstr) == -1)
		return (-1);
	if (ms.mms_id == 0)
		return (msg_fail(-1, errstr, "build id 0"));
	if ((ms.mms_flags & ~MOUNT_F_ALL) != 0)
		return (msg_fail(-1, errstr, "unknown flags"));
	if (ms.mms_nargs > MSG_MOUNT_ITEMS_MAX ||
	    ms.mms_nenv > MSG_MOUNT_ITEMS_MAX ||
	    ms.mms_ninputs > MSG_MOUNT_ITEMS_MAX ||
	    ms.mms_nbinds > MSG_MOUNT_ITEMS_MAX)
		return (msg_fail(-1, errstr, "too many items"));
	if ((mb->mmb_args = calloc(ms.mms_nargs + 1, sizeof(char *))) ==
	    NULL || (mb->mmb_env = calloc(ms.mms_nenv + 1,
	    sizeof(char *))) == NULL || (mb->mmb_inputs =
	    calloc(ms.mms_ninputs + 1, sizeof(char *))) == NULL ||
	    (mb->mmb_binds = calloc(ms.mms_nbinds + 1,
	    sizeof(*mb->mmb_binds))) == NULL)
		fatal("%s", __func__);
	mb->mmb_id = ms.mms_id;
	mb->mmb_uid = ms.mms_uid;
	mb->mmb_gid = ms.mms_gid;
	mb->mmb_flags = ms.mms_flags;
	mb->mmb_want = ms;
	return (0);
}

/*
 * The strings after an item header: one (s2 NULL) or two, each
 * NUL-terminated, nothing after the last NUL.
 */
static int
msg_get_strings(const char *buf, size_t len, const char **s,
    const char **s2)
{
	const char	*nul;

	if (len == 0 || (nul = memchr(buf, '\0', len)) == NULL)
		return (-1);
	*s = buf;
	if (s2 == NULL)
		return (nul == buf + len - 1 ? 0 : -1);
	buf = nul + 1;
	len -= buf - *s;
	if (len == 0 || (nul = memchr(buf, '\0', len)) == NULL ||
	    nul != buf + len - 1)
		return (-1);
	*s2 = buf;
	return (0);
}

static int
msg_item_add(struct msg_mount_build *mb, uint32_t kind, int optional,
    const char *s, const char *s2, const char *storedir,
    const char **errstr)
{
	char	**slot = NULL;
	char	 *copy, *copy2 = NULL;

	switch (kind) {
	case MSG_MOUNT_BUILDER:
		if (mb->mmb_builder == NULL)
			slot = &mb->mmb_builder;
		break;
	case MSG_MOUNT_ARG:
		if (mb->mmb_nargs < mb->mmb_want.mms_nargs)
			slot = &mb->mmb_args[mb->mmb_nargs];
		break;
	case MSG_MOUNT_ENV:
		if (mb->mmb_nenv < mb->mmb_want.mms_nenv)
			slot = &mb->mmb_env[mb->mmb_nenv];
		break;
	case MSG_MOUNT_INPUT:
		if (mb->mmb_ninputs < mb->mmb_want.mms_ninputs)
			slot = &mb->mmb_inputs[mb->mmb_ninputs];
		break;
	case MSG_MOUNT_BIND:
		if (mb->mmb_nbinds < mb->mmb_want.mms_nbinds)
			slot = &mb->mmb_binds[mb->mmb_nbinds].mmbd_target;
		break;
	}
	if (slot == NULL)
		return (msg_fail(-1, errstr, "more items than announced"));
	if (msg_item_check(kind, storedir, s, s2, errstr) == -1)
		return (-1);
	mb->mmb_bytes += strlen(s) + 1 + (s2 != NULL ? strlen(s2) + 1 : 0);
	if (mb->mmb_bytes > MSG_MOUNT_BUILD_BYTES)
		return (msg_fail(-1, errstr, "build description too large"));
	if ((copy = strdup(s)) == NULL ||
	    (s2 != NULL && (copy2 = strdup(s2)) == NULL))
		fatal("%s", __func__);
	*slot = copy;
	switch (kind) {
	case MSG_MOUNT_ARG:
		mb->mmb_nargs++;
		break;
	case MSG_MOUNT_ENV:
		mb->mmb_nenv++;
		break;
	case MSG_MOUNT_INPUT:
		mb->mmb_ninputs++;
		break;
	case MSG_MOUNT_BIND:
		mb->mmb_binds[mb->mmb_nbinds].mmbd_source = copy2;
		mb->mmb_binds[mb->mmb_nbinds++].mmbd_optional = optional;
		break;
	}
	return (0);
}

int
msg_recv_item(struct imsg *imsg, const char *storedir,
    struct msg_mount_build *mb, const char **errstr)
{
	struct msg_mount_item	 mi;
	const char		*buf, *s, *s2 = NULL;
	size_t			 len;
	int			 fd;

	if ((fd = imsg_get_fd(imsg)) != -1)
		return (msg_fail(fd, errstr, "unexpected fd"));
	buf = imsg_get_buf(imsg, &len);
	if (buf == NULL || len < sizeof(mi))
		return (msg_fail(-1, errstr, "truncated payload"));
	memcpy(&mi, buf, sizeof(mi));
	if (mi.mmi_id != mb->mmb_id)
		return (msg_fail(-1, errstr, "item of another build"));
	if (mi.mmi_kind < MSG_MOUNT_BUILDER || mi.mmi_kind > MSG_MOUNT_BIND)
		return (msg_fail(-1, errstr, "unknown item kind"));
	if (mi.mmi_optional > 1 ||
	    (mi.mmi_optional && mi.mmi_kind != MSG_MOUNT_BIND))
		return (msg_fail(-1, errstr, "bad optional flag"));
	if (len - sizeof(mi) > MSG_MOUNT_STRING_MAX + MSG_MOUNT_PATH_MAX)
		return (msg_fail(-1, errstr, "item too long"));
	if (msg_get_strings(buf + sizeof(mi), len - sizeof(mi), &s,
	    mi.mmi_kind == MSG_MOUNT_BIND ? &s2 : NULL) == -1)
		return (msg_fail(-1, errstr, "item strings malformed"));
	return (msg_item_add(mb, mi.mmi_kind, mi.mmi_optional, s, s2,
	    storedir, errstr));
}

int
msg_recv_go(struct imsg *imsg, const struct msg_mount_build *mb,
    const char **errstr)
{
	struct msg_mount_id	md;

	if (msg_fixed(imsg, &md, sizeof(md), 0, NULL, errstr) == -1)
		return (-1);
	if (md.mmd_id != mb->mmb_id)
		return (msg_fail(-1, errstr, "GO of another build"));
	if (mb->mmb_builder == NULL ||
	    mb->mmb_nargs != mb->mmb_want.mms_nargs ||
	    mb->mmb_nenv != mb->mmb_want.mms_nenv ||
	    mb->mmb_ninputs != mb->mmb_want.mms_ninputs ||
	    mb->mmb_nbinds != mb->mmb_want.mms_nbinds)
		return (msg_fail(-1, errstr, "fewer items than announced"));
	return (0);
}

void
msg_mount_build_free(struct msg_mount_build *mb)
{
	size_t	i;

	free(mb->mmb_builder);
	for (i = 0; mb->mmb_args != NULL && i < mb->mmb_nargs; i++)
		free(mb->mmb_args[i]);
	free(mb->mmb_args);
	for (i = 0; mb->mmb_env != NULL && i < mb->mmb_nenv; i++)
		free(mb->mmb_env[i]);
	free(mb->mmb_env);
	for (i = 0; mb->mmb_inputs != NULL && i < mb->mmb_ninputs; i++)
		free(mb->mmb_inputs[i]);
	free(mb->mmb_inputs);
	for (i = 0; mb->mmb_binds != NULL && i < mb->mmb_nbinds; i++) {
		free(mb->mmb_binds[i].mmbd_target);
		free(mb->mmb_binds[i].mmbd_source);
	}
	free(mb->mmb_binds);
	memset(mb, 0, sizeof(*mb));
}

int
msg_send_spawner_setup(struct msg_mount_chan *mc, uid_t uid, gid_t gid,
    const char *storedir, const char *statedir)
{
	struct msg_spawner_setup	ms;

	memset(&ms, 0, sizeof(ms));
	ms.mss_uid = uid;
	ms.mss_gid = gid;
	if (strlcpy(ms.mss_store_dir, storedir, sizeof(ms.mss_store_dir)) >=
	    sizeof(ms.mss_store_dir) ||
	    strlcpy(ms.mss_state_dir, statedir, sizeof(ms.mss_state_dir)) >=
	    sizeof(ms.mss_state_dir))
		return (-1);
	mc->mc_compose(mc->mc_arg, IMSG_MOUNT_SPAWNER_SETUP, 0, -1, &ms,
	    sizeof(ms));
	return (0);
}

int
msg_recv_spawner_setup(struct imsg *imsg, struct msg_spawner_setup *ms,
    const char **errstr)
{
	if (imsg_get_type(imsg) != IMSG_MOUNT_SPAWNER_SETUP)
		return (msg_fail(-1, errstr, "not a SPAWNER_SETUP"));
	if (msg_fixed(imsg, ms, sizeof(*ms), 0, NULL, errstr) == -1)
		return (-1);
	if (memchr(ms->mss_store_dir, '\0', sizeof(ms->mss_store_dir)) ==
	    NULL ||
	    memchr(ms->mss_state_dir, '\0', sizeof(ms->mss_state_dir)) ==
	    NULL)
		return (msg_fail(-1, errstr, "unterminated directory"));
	if (msg_check_abs(ms->mss_store_dir) == -1 ||
	    msg_check_abs(ms->mss_state_dir) == -1)
		return (msg_fail(-1, errstr, "directory not absolute"));
	return (0);
}

int
msg_send_build_id(struct msg_mount_chan *mc, uint32_t type, uint64_t id)
{
	struct msg_mount_id	md;

	if (id == 0)
		return (-1);
	memset(&md, 0, sizeof(md));
	md.mmd_id = id;
	mc->mc_compose(mc->mc_arg, type, 0, -1, &md, sizeof(md));
	return (0);
}

int
msg_recv_build_id(struct imsg *imsg, uint64_t *id, const char **errstr)
{
	struct msg_mount_id	md;

	if (msg_fixed(imsg, &md, sizeof(md), 0, NULL, errstr) == -1)
		return (-1);
	if (md.mmd_id == 0)
		return (msg_fail(-1, errstr, "build id 0"));
	*id = md.mmd_id;
	return (0);
}

int
msg_send_started(struct msg_mount_chan *mc, uint64_t id, pid_t pid, int fd)
{
	struct msg_mount_started	mt;

	if (id == 0 || pid <= 0 || fd == -1) {
		if (fd != -1)
			close(fd);
		return (-1);
	}
	memset(&mt, 0, sizeof(mt));
	mt.mmt_id = id;
	mt.mmt_pid = pid;
	mc->mc_compose(mc->mc_arg, IMSG_MOUNT_BUILD_STARTED, 0, fd, &mt,
	    sizeof(mt));
	return (0);
}

int
msg_recv_started(struct imsg *imsg, uint64_t *id, pid_t *pid, int *fd,
    const char **errstr)
{
	struct msg_mount_started	mt;
	int				rfd;

	if (msg_fixed(imsg, &mt, sizeof(mt), 1, &rfd, errstr) == -1)
		return (-1);
	if (mt.mmt_id == 0)
		return (msg_fail(rfd, errstr, "build id 0"));
	if (mt.mmt_pid <= 0)
		return (msg_fail(rfd, errstr, "bad pid"));
	*id = mt.mmt_id;
	*pid = mt.mmt_pid;
	*fd = rfd;
	return (0);
}

int
msg_send_build_socket(struct msg_mount_chan *mc, uint64_t id, int fd)
{
	struct msg_mount_id	md;

	if (id == 0 || fd == -1) {
		if (fd != -1)
			close(fd);
		return (-1);
	}
	memset(&md, 0, sizeof(md));
	md.mmd_id = id;
	mc->mc_compose(mc->mc_arg, IMSG_MOUNT_BUILD_SOCKET, 0, fd, &md,
	    sizeof(md));
	return (0);
}

int
msg_recv_build_socket(struct imsg *imsg, uint64_t *id, int *fd,
    const char **errstr)
{
	struct msg_mount_id	md;
	int			rfd;

	if (msg_fixed(imsg, &md, sizeof(md), 1, &rfd, errstr) == -1)
		return (-1);
	if (md.mmd_id == 0)
		return (msg_fail(rfd, errstr, "build id 0"));
	*id = md.mmd_id;
	*fd = rfd;
	return (0);
}

int
msg_send_exited(struct msg_mount_chan *mc, uint64_t id, int status, int fd)
{
	struct msg_mount_exited	mx;

	if (id == 0 || fd == -1) {
		if (fd != -1)
			close(fd);
		return (-1);
	}
	memset(&mx, 0, sizeof(mx));
	mx.mmx_id = id;
	mx.mmx_status = status;
	mc->mc_compose(mc->mc_arg, IMSG_MOUNT_BUILD_EXITED, 0, fd, &mx,
	    sizeof(mx));
	return (0);
}

int
msg_recv_exited(struct imsg *imsg, uint64_t *id, int *status, int *fd,
    const char **errstr)
{
	struct msg_mount_exited	mx;
	int			rfd;

	if (msg_fixed(imsg, &mx, sizeof(mx), 1, &rfd, errstr) == -1)
		return (-1);
	if (mx.mmx_id == 0)
		return (msg_fail(rfd, errstr, "build id 0"));
	*id = mx.mmx_id;
	*status = mx.mmx_status;
	*fd = rfd;
	return (0);
}

int
msg_send_bind_path(struct msg_mount_chan *mc, uint32_t peerid, uint64_t id,
    const char *path)
{
	struct msg_mount_id	 md;
	size_t			 len = strlen(path) + 1;
	char			*buf;

	if (id == 0 || len > STOREPATH_MAX)
		return (-1);
	if ((buf = malloc(sizeof(md) + len)) == NULL)
		fatal("%s", __func__);
	memset(&md, 0, sizeof(md));
	md.mmd_id = id;
	memcpy(buf, &md, sizeof(md));
	memcpy(buf + sizeof(md), path, len);
	mc->mc_compose(mc->mc_arg, IMSG_MOUNT_BIND_PATH, peerid, -1, buf,
	    sizeof(md) + len);
	free(buf);
	return (0);
}

int
msg_recv_bind_path(struct imsg *imsg, const char *storedir, uint64_t *id,
    char **path, const char **errstr)
{
	struct msg_mount_id	 md;
	const char		*buf, *s;
	size_t			 len;
	int			 fd;

	if ((fd = imsg_get_fd(imsg)) != -1)
		return (msg_fail(fd, errstr, "unexpected fd"));
	buf = imsg_get_buf(imsg, &len);
	if (buf == NULL || len < sizeof(md))
		return (msg_fail(-1, errstr, "truncated payload"));
	memcpy(&md, buf, sizeof(md));
	if (md.mmd_id == 0)
		return (msg_fail(-1, errstr, "build id 0"));
	if (len - sizeof(md) > STOREPATH_MAX ||
	    msg_get_strings(buf + sizeof(md), len - sizeof(md), &s,
	    NULL) == -1)
		return (msg_fail(-1, errstr, "path malformed"));
	if (storepath_parse(storedir, s, NULL, NULL, errstr) == -1)
		return (-1);
	if ((*path = strdup(s)) == NULL)
		fatal("%s", __func__);
	*id = md.mmd_id;
	return (0);
}

int
msg_send_mount_ok(struct msg_mount_chan *mc, uint32_t peerid, uint64_t id,
    uint32_t request)
{
	struct msg_mount_ok	mo;

	memset(&mo, 0, sizeof(mo));
	mo.mmo_id = id;
	mo.mmo_request = request;
	mc->mc_compose(mc->mc_arg, IMSG_MOUNT_OK, peerid, -1, &mo,
	    sizeof(mo));
	return (0);
}

int
msg_recv_mount_ok(struct imsg *imsg, uint64_t *id, uint32_t *request,
    const char **errstr)
{
	struct msg_mount_ok	mo;

	if (msg_fixed(imsg, &mo, sizeof(mo), 0, NULL, errstr) == -1)
		return (-1);
	if (mo.mmo_request != IMSG_MOUNT_BUILD_CLEANUP &&
	    mo.mmo_request != IMSG_MOUNT_BIND_PATH)
		return (msg_fail(-1, errstr, "OK for a request without one"));
	*id = mo.mmo_id;
	*request = mo.mmo_request;
	return (0);
}

int
msg_send_mount_error(struct msg_mount_chan *mc, uint32_t peerid,
    uint64_t id, uint32_t request, const char *msg)
{
	struct msg_mount_error	me;

	memset(&me, 0, sizeof(me));
	me.mme_id = id;
	me.mme_request = request;
	strlcpy(me.mme_msg, msg, sizeof(me.mme_msg));
	mc->mc_compose(mc->mc_arg, IMSG_MOUNT_ERROR, peerid, -1, &me,
	    sizeof(me));
	return (0);
}

int
msg_recv_mount_error(struct imsg *imsg, uint64_t *id, uint32_t *request,
    char *msg, size_t msglen, const char **errstr)
{
	struct msg_mount_error	me;

	if (msg_fixed(imsg, &me, sizeof(me), 0, NULL, errstr) == -1)
		return (-1);
	if (memchr(me.mme_msg, '\0', sizeof(me.mme_msg)) == NULL)
		return (msg_fail(-1, errstr, "error text not terminated"));
	if (me.mme_request < IMSG_MOUNT_BUILD_START ||
	    me.mme_request > IMSG_MOUNT_BIND_PATH)
		return (msg_fail(-1, errstr, "error for an unknown request"));
	*id = me.mme_id;
	*request = me.mme_request;
	strlcpy(msg, me.mme_msg, msglen);
	return (0);
}
