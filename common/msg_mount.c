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
 * function per message, field by field over msg.h's builder and
 * reader, in the one encoding of every family.  Receivers trust
 * nothing: builderproc parses hostile bytes, and mountproc and its
 * spawner check everything it sends.
 */
#include <sys/param.h>
#include <sys/types.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "msg_mount.h"
#include "proc.h"
#include "storepath.h"

static size_t	msg_item_max(uint32_t);
static int	msg_item_check(uint32_t, const char *, const char *,
		    const char *, const char **);
static int	msg_check_build(const struct msg_mount_build *);
static void	msg_send_item(struct imsgbuf *, uint64_t, uint32_t, int,
		    const char *, const char *);
static int	msg_item_add(struct msg_mount_build *, uint32_t, int,
		    const char *, const char *, const char *, const char **);
static int	msg_get_id(struct msg_in *, uint64_t *);
static int	msg_end_fd(struct msg_in *, int *, const char **);
static void	msg_close_mount(struct msg *);
static int	msg_check_file_name(const char *);
static size_t	msg_file_parts(const struct msg_mount_file *);
static const char *msg_file_room(struct msg_mount_build *, int,
		    const char *, size_t);
static int	msg_file_add(struct msg_mount_build *, int, const char *,
		    const char *, const char **);

/* Our own payloads are checked before they go: too large is a bug. */
static void
msg_close_mount(struct msg *m)
{
	if (msg_close(m) == -1)
		fatalx("%s: payload too large", imsg_type_name(m->m_type));
}

/* A build id: never 0. */
static int
msg_get_id(struct msg_in *in, uint64_t *id)
{
	if (msg_get_u64(in, id) == -1)
		return (-1);
	if (*id == 0)
		return (msg_fail(in, "build id 0"));
	return (0);
}

/* msg_end(), handing over the fd the message carried. */
static int
msg_end_fd(struct msg_in *in, int *fd, const char **errstr)
{
	if (msg_end(in, errstr) == -1)
		return (-1);
	*fd = in->mi_fd;
	return (0);
}

int
msg_mount_peek_id(struct imsg *imsg, uint64_t *id)
{
	struct wire_in	 in;
	const void	*buf;
	size_t		 len;

	buf = imsg_get_buf(imsg, &len);
	wire_in_init(&in, buf, len);
	return (wire_get_u64(&in, id) == 1 ? 0 : -1);
}

/* Checked here for the paths of requests, and by the spawner again. */
int
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
	case MSG_MOUNT_FILE:
		return (MSG_MOUNT_STRING_MAX);	/* a part of the contents */
	default:
		return (MSG_MOUNT_PATH_MAX);
	}
}

/*
 * A build-dir file's name: one component the builder's tools take as
 * a plain name, so that it cannot name the build dir, its parent or a
 * path below it.
 */
static int
msg_check_file_name(const char *name)
{
	size_t	len = strlen(name);

	if (len == 0 || len + 1 > MSG_MOUNT_FILE_NAME_MAX ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return (-1);
	if (strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_.-") != len)
		return (-1);
	return (0);
}

/* The FILE items a file takes: at least one, even when empty. */
static size_t
msg_file_parts(const struct msg_mount_file *f)
{
	size_t	part = MSG_MOUNT_STRING_MAX - 1;

	return (f->mmf_len == 0 ? 1 : (f->mmf_len + part - 1) / part);
}

/* The shape of one entry, whichever side checks it. */
static int
msg_item_check(uint32_t kind, const char *storedir, const char *s,
    const char *s2, const char **errstr)
{
	if ((kind != MSG_MOUNT_FILE && strlen(s) + 1 > msg_item_max(kind)) ||
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
	case MSG_MOUNT_FILE:
		if (msg_check_file_name(s) == -1) {
			*errstr = "bad build-dir file name";
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
	    mb->mmb_nbinds > MSG_MOUNT_ITEMS_MAX ||
	    mb->mmb_nfiles > MSG_MOUNT_FILES_MAX)
		return (-1);
	for (i = 0; i < mb->mmb_nfiles; i++) {
		if (msg_check_file_name(mb->mmb_files[i].mmf_name) == -1 ||
		    memchr(mb->mmb_files[i].mmf_data, '\0',
		    mb->mmb_files[i].mmf_len) != NULL)
			return (-1);
		bytes += strlen(mb->mmb_files[i].mmf_name) + 1 +
		    mb->mmb_files[i].mmf_len + msg_file_parts(
		    &mb->mmb_files[i]);
		if (bytes > MSG_MOUNT_BUILD_BYTES)
			return (-1);
	}
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

static void
msg_send_item(struct imsgbuf *ib, uint64_t id, uint32_t kind, int optional,
    const char *s, const char *s2)
{
	struct msg	m;

	msg_open(&m, ib, IMSG_MOUNT_BUILD_ITEM, 0, -1);
	msg_put_u64(&m, id);
	msg_put_u32(&m, kind);
	msg_put_flag(&m, optional);
	msg_put_str(&m, s);
	if (s2 != NULL)
		msg_put_str(&m, s2);
	msg_close_mount(&m);
}

/* A file in parts, each a NUL-terminated copy of its slice. */
static void
msg_send_file(struct imsgbuf *ib, uint64_t id,
    const struct msg_mount_file *f)
{
	size_t	 off = 0, n, part = MSG_MOUNT_STRING_MAX - 1;
	char	*buf;

	if ((buf = malloc(part + 1)) == NULL)
		fatal("%s", __func__);
	do {
		n = f->mmf_len - off < part ? f->mmf_len - off : part;
		memcpy(buf, f->mmf_data + off, n);
		buf[n] = '\0';
		msg_send_item(ib, id, MSG_MOUNT_FILE, f->mmf_keep != 0,
		    f->mmf_name, buf);
		off += n;
	} while (off < f->mmf_len);
	free(buf);
}

int
msg_send_build(struct imsgbuf *ib, const struct msg_mount_build *mb)
{
	struct msg			 m;
	const struct msg_mount_bind	*b;
	size_t				 i, nparts = 0;

	if (msg_check_build(mb) == -1) {
		log_warnx("build %llu not sent: bad or too large",
		    (unsigned long long)mb->mmb_id);
		return (-1);
	}
	msg_open(&m, ib, IMSG_MOUNT_BUILD_START, 0, -1);
	msg_put_u64(&m, mb->mmb_id);
	msg_put_u32(&m, mb->mmb_uid);
	msg_put_u32(&m, mb->mmb_gid);
	msg_put_u32(&m, mb->mmb_flags);
	msg_put_u32(&m, mb->mmb_nargs);
	msg_put_u32(&m, mb->mmb_nenv);
	msg_put_u32(&m, mb->mmb_ninputs);
	msg_put_u32(&m, mb->mmb_nbinds);
	for (i = 0; i < mb->mmb_nfiles; i++)
		nparts += msg_file_parts(&mb->mmb_files[i]);
	msg_put_u32(&m, nparts);
	msg_close_mount(&m);
	msg_send_item(ib, mb->mmb_id, MSG_MOUNT_BUILDER, 0, mb->mmb_builder,
	    NULL);
	for (i = 0; i < mb->mmb_nargs; i++)
		msg_send_item(ib, mb->mmb_id, MSG_MOUNT_ARG, 0,
		    mb->mmb_args[i], NULL);
	for (i = 0; i < mb->mmb_nenv; i++)
		msg_send_item(ib, mb->mmb_id, MSG_MOUNT_ENV, 0,
		    mb->mmb_env[i], NULL);
	for (i = 0; i < mb->mmb_ninputs; i++)
		msg_send_item(ib, mb->mmb_id, MSG_MOUNT_INPUT, 0,
		    mb->mmb_inputs[i], NULL);
	for (i = 0; i < mb->mmb_nbinds; i++) {
		b = &mb->mmb_binds[i];
		msg_send_item(ib, mb->mmb_id, MSG_MOUNT_BIND,
		    b->mmbd_optional != 0, b->mmbd_target, b->mmbd_source);
	}
	for (i = 0; i < mb->mmb_nfiles; i++)
		msg_send_file(ib, mb->mmb_id, &mb->mmb_files[i]);
	return (msg_send_build_id(ib, IMSG_MOUNT_BUILD_GO, mb->mmb_id));
}

int
msg_recv_start(struct imsg *imsg, struct msg_mount_build *mb,
    const char **errstr)
{
	struct msg_in		in;
	struct msg_mount_start	ms;

	memset(mb, 0, sizeof(*mb));
	memset(&ms, 0, sizeof(ms));
	(void)msg_begin(imsg, &in, 0);
	(void)msg_get_id(&in, &ms.mms_id);
	(void)msg_get_u32(&in, &ms.mms_uid);
	(void)msg_get_u32(&in, &ms.mms_gid);
	if (msg_get_u32(&in, &ms.mms_flags) == 0 &&
	    (ms.mms_flags & ~MOUNT_F_ALL) != 0)
		(void)msg_fail(&in, "unknown flags");
	(void)msg_get_u32(&in, &ms.mms_nargs);
	(void)msg_get_u32(&in, &ms.mms_nenv);
	(void)msg_get_u32(&in, &ms.mms_ninputs);
	(void)msg_get_u32(&in, &ms.mms_nbinds);
	(void)msg_get_u32(&in, &ms.mms_nfileparts);
	if (ms.mms_nargs > MSG_MOUNT_ITEMS_MAX ||
	    ms.mms_nenv > MSG_MOUNT_ITEMS_MAX ||
	    ms.mms_ninputs > MSG_MOUNT_ITEMS_MAX ||
	    ms.mms_nbinds > MSG_MOUNT_ITEMS_MAX ||
	    ms.mms_nfileparts > MSG_MOUNT_ITEMS_MAX)
		(void)msg_fail(&in, "too many items");
	if (msg_end(&in, errstr) == -1)
		return (-1);
	if ((mb->mmb_args = calloc(ms.mms_nargs + 1, sizeof(char *))) ==
	    NULL || (mb->mmb_env = calloc(ms.mms_nenv + 1,
	    sizeof(char *))) == NULL || (mb->mmb_inputs =
	    calloc(ms.mms_ninputs + 1, sizeof(char *))) == NULL ||
	    (mb->mmb_binds = calloc(ms.mms_nbinds + 1,
	    sizeof(*mb->mmb_binds))) == NULL || (mb->mmb_files =
	    calloc(MIN(ms.mms_nfileparts, MSG_MOUNT_FILES_MAX) + 1,
	    sizeof(*mb->mmb_files))) == NULL)
		fatal("%s", __func__);
	mb->mmb_id = ms.mms_id;
	mb->mmb_uid = ms.mms_uid;
	mb->mmb_gid = ms.mms_gid;
	mb->mmb_flags = ms.mms_flags;
	mb->mmb_want = ms;
	return (0);
}

/*
 * A part of a file: the next part of the last file if the name is the
 * same, else a new file, whose name no earlier file may have had.
 */
static const char *
msg_file_room(struct msg_mount_build *mb, int keep, const char *name,
    size_t len)
{
	size_t	i;

	if (mb->mmb_nfiles > 0 &&
	    strcmp(mb->mmb_files[mb->mmb_nfiles - 1].mmf_name, name) == 0) {
		if (mb->mmb_files[mb->mmb_nfiles - 1].mmf_keep != keep)
			return ("parts of a file disagree on its owner");
	} else {
		for (i = 0; i < mb->mmb_nfiles; i++)
			if (strcmp(mb->mmb_files[i].mmf_name, name) == 0)
				return ("build-dir file sent twice");
		if (mb->mmb_nfiles >= MSG_MOUNT_FILES_MAX)
			return ("too many build-dir files");
		mb->mmb_bytes += strlen(name) + 1;
	}
	mb->mmb_bytes += len + 1;
	if (mb->mmb_bytes > MSG_MOUNT_BUILD_BYTES)
		return ("build description too large");
	return (NULL);
}

static int
msg_file_add(struct msg_mount_build *mb, int keep, const char *name,
    const char *part, const char **errstr)
{
	struct msg_mount_file	*f;
	size_t			 len = strlen(part);
	const char		*why;

	if (mb->mmb_nfileparts >= mb->mmb_want.mms_nfileparts) {
		*errstr = "more items than announced";
		return (-1);
	}
	if (msg_item_check(MSG_MOUNT_FILE, NULL, name, part, errstr) == -1)
		return (-1);
	if ((why = msg_file_room(mb, keep, name, len)) != NULL) {
		*errstr = why;
		return (-1);
	}
	f = NULL;
	if (mb->mmb_nfiles > 0 &&
	    strcmp(mb->mmb_files[mb->mmb_nfiles - 1].mmf_name, name) == 0)
		f = &mb->mmb_files[mb->mmb_nfiles - 1];
	if (f == NULL) {
		f = &mb->mmb_files[mb->mmb_nfiles++];
		if ((f->mmf_name = strdup(name)) == NULL)
			fatal("%s", __func__);
		f->mmf_keep = keep;
	}
	if ((f->mmf_data = realloc(f->mmf_data, f->mmf_len + len + 1)) ==
	    NULL)
		fatal("%s", __func__);
	memcpy(f->mmf_data + f->mmf_len, part, len + 1);
	f->mmf_len += len;
	mb->mmb_nfileparts++;
	return (0);
}

static int
msg_item_add(struct msg_mount_build *mb, uint32_t kind, int optional,
    const char *s, const char *s2, const char *storedir,
    const char **errstr)
{
	char	**slot = NULL;
	char	 *copy, *copy2 = NULL;

	if (kind == MSG_MOUNT_FILE)
		return (msg_file_add(mb, optional, s, s2, errstr));
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
	if (slot == NULL) {
		*errstr = "more items than announced";
		return (-1);
	}
	if (msg_item_check(kind, storedir, s, s2, errstr) == -1)
		return (-1);
	mb->mmb_bytes += strlen(s) + 1 + (s2 != NULL ? strlen(s2) + 1 : 0);
	if (mb->mmb_bytes > MSG_MOUNT_BUILD_BYTES) {
		*errstr = "build description too large";
		return (-1);
	}
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
	struct msg_in	 in;
	uint64_t	 id = 0;
	uint32_t	 kind = 0;
	int		 optional = 0;
	char		*s = NULL, *s2 = NULL;

	(void)msg_begin(imsg, &in, 0);
	if (msg_get_u64(&in, &id) == 0 && id != mb->mmb_id)
		(void)msg_fail(&in, "item of another build");
	if (msg_get_u32(&in, &kind) == 0 &&
	    (kind < MSG_MOUNT_BUILDER || kind > MSG_MOUNT_FILE))
		(void)msg_fail(&in, "unknown item kind");
	if (msg_get_flag(&in, &optional) == 0 && optional &&
	    kind != MSG_MOUNT_BIND && kind != MSG_MOUNT_FILE)
		(void)msg_fail(&in, "bad optional flag");
	(void)msg_get_str(&in, &s, msg_item_max(kind) - 1);
	if (kind == MSG_MOUNT_BIND || kind == MSG_MOUNT_FILE)
		(void)msg_get_str(&in, &s2, msg_item_max(kind) - 1);
	if (msg_end(&in, errstr) == -1 || msg_item_add(mb, kind, optional,
	    s, s2, storedir, errstr) == -1) {
		free(s);
		free(s2);
		return (-1);
	}
	free(s);
	free(s2);
	return (0);
}

int
msg_recv_go(struct imsg *imsg, const struct msg_mount_build *mb,
    const char **errstr)
{
	uint64_t	id;

	if (msg_recv_build_id(imsg, &id, errstr) == -1)
		return (-1);
	if (id != mb->mmb_id) {
		*errstr = "GO of another build";
		return (-1);
	}
	if (mb->mmb_builder == NULL ||
	    mb->mmb_nargs != mb->mmb_want.mms_nargs ||
	    mb->mmb_nenv != mb->mmb_want.mms_nenv ||
	    mb->mmb_ninputs != mb->mmb_want.mms_ninputs ||
	    mb->mmb_nbinds != mb->mmb_want.mms_nbinds ||
	    mb->mmb_nfileparts != mb->mmb_want.mms_nfileparts) {
		*errstr = "fewer items than announced";
		return (-1);
	}
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
	for (i = 0; mb->mmb_files != NULL && i < mb->mmb_nfiles; i++) {
		free(mb->mmb_files[i].mmf_name);
		free(mb->mmb_files[i].mmf_data);
	}
	free(mb->mmb_files);
	memset(mb, 0, sizeof(*mb));
}

int
msg_send_spawner_setup(struct imsgbuf *ib, uid_t uid, gid_t gid,
    const char *storedir, const char *statedir)
{
	struct msg	m;

	if (strlen(storedir) >= MSG_SPAWNER_DIR_MAX ||
	    strlen(statedir) >= MSG_SPAWNER_DIR_MAX)
		return (-1);
	msg_open(&m, ib, IMSG_MOUNT_SPAWNER_SETUP, 0, -1);
	msg_put_u32(&m, uid);
	msg_put_u32(&m, gid);
	msg_put_str(&m, storedir);
	msg_put_str(&m, statedir);
	msg_close_mount(&m);
	return (0);
}

int
msg_recv_spawner_setup(struct imsg *imsg, struct msg_spawner_setup *ms,
    const char **errstr)
{
	struct msg_in	 in;
	char		*store = NULL, *state = NULL;

	memset(ms, 0, sizeof(*ms));
	(void)msg_begin(imsg, &in, 0);
	if (imsg_get_type(imsg) != IMSG_MOUNT_SPAWNER_SETUP)
		(void)msg_fail(&in, "not a SPAWNER_SETUP");
	(void)msg_get_u32(&in, &ms->mss_uid);
	(void)msg_get_u32(&in, &ms->mss_gid);
	(void)msg_get_str(&in, &store, MSG_SPAWNER_DIR_MAX - 1);
	(void)msg_get_str(&in, &state, MSG_SPAWNER_DIR_MAX - 1);
	if (store != NULL && state != NULL &&
	    (msg_check_abs(store) == -1 || msg_check_abs(state) == -1))
		(void)msg_fail(&in, "directory not absolute");
	if (msg_end(&in, errstr) == -1) {
		free(store);
		free(state);
		return (-1);
	}
	(void)strlcpy(ms->mss_store_dir, store, sizeof(ms->mss_store_dir));
	(void)strlcpy(ms->mss_state_dir, state, sizeof(ms->mss_state_dir));
	free(store);
	free(state);
	return (0);
}

int
msg_send_build_id(struct imsgbuf *ib, uint32_t type, uint64_t id)
{
	struct msg	m;

	if (id == 0)
		return (-1);
	msg_open(&m, ib, type, 0, -1);
	msg_put_u64(&m, id);
	msg_close_mount(&m);
	return (0);
}

int
msg_recv_build_id(struct imsg *imsg, uint64_t *id, const char **errstr)
{
	struct msg_in	in;
	uint64_t	i = 0;

	(void)msg_begin(imsg, &in, 0);
	(void)msg_get_id(&in, &i);
	if (msg_end(&in, errstr) == -1)
		return (-1);
	*id = i;
	return (0);
}

int
msg_send_started(struct imsgbuf *ib, uint64_t id, pid_t pid, int fd)
{
	struct msg	m;

	if (id == 0 || pid <= 0 || fd == -1) {
		if (fd != -1)
			close(fd);
		return (-1);
	}
	msg_open(&m, ib, IMSG_MOUNT_BUILD_STARTED, 0, fd);
	msg_put_u64(&m, id);
	msg_put_u32(&m, (uint32_t)pid);
	msg_close_mount(&m);
	return (0);
}

int
msg_recv_started(struct imsg *imsg, uint64_t *id, pid_t *pid, int *fd,
    const char **errstr)
{
	struct msg_in	in;
	uint64_t	i = 0;
	uint32_t	p = 0;

	(void)msg_begin(imsg, &in, 1);
	(void)msg_get_id(&in, &i);
	if (msg_get_u32(&in, &p) == 0 && (p == 0 || p > INT32_MAX))
		(void)msg_fail(&in, "bad pid");
	if (msg_end_fd(&in, fd, errstr) == -1)
		return (-1);
	*id = i;
	*pid = (pid_t)p;
	return (0);
}

int
msg_send_build_socket(struct imsgbuf *ib, uint64_t id, int fd)
{
	struct msg	m;

	if (id == 0 || fd == -1) {
		if (fd != -1)
			close(fd);
		return (-1);
	}
	msg_open(&m, ib, IMSG_MOUNT_BUILD_SOCKET, 0, fd);
	msg_put_u64(&m, id);
	msg_close_mount(&m);
	return (0);
}

int
msg_recv_build_socket(struct imsg *imsg, uint64_t *id, int *fd,
    const char **errstr)
{
	struct msg_in	in;
	uint64_t	i = 0;

	(void)msg_begin(imsg, &in, 1);
	(void)msg_get_id(&in, &i);
	if (msg_end_fd(&in, fd, errstr) == -1)
		return (-1);
	*id = i;
	return (0);
}

int
msg_send_exited(struct imsgbuf *ib, uint64_t id, int status, int fd)
{
	struct msg	m;

	if (id == 0 || fd == -1) {
		if (fd != -1)
			close(fd);
		return (-1);
	}
	msg_open(&m, ib, IMSG_MOUNT_BUILD_EXITED, 0, fd);
	msg_put_u64(&m, id);
	msg_put_u32(&m, (uint32_t)status);
	msg_close_mount(&m);
	return (0);
}

int
msg_recv_exited(struct imsg *imsg, uint64_t *id, int *status, int *fd,
    const char **errstr)
{
	struct msg_in	in;
	uint64_t	i = 0;
	uint32_t	s = 0;

	(void)msg_begin(imsg, &in, 1);
	(void)msg_get_id(&in, &i);
	(void)msg_get_u32(&in, &s);
	if (msg_end_fd(&in, fd, errstr) == -1)
		return (-1);
	*id = i;
	*status = (int)s;
	return (0);
}

int
msg_send_bind_path(struct imsgbuf *ib, uint32_t peerid, uint64_t id,
    const char *path)
{
	struct msg	m;

	if (id == 0 || strlen(path) + 1 > STOREPATH_MAX)
		return (-1);
	msg_open(&m, ib, IMSG_MOUNT_BIND_PATH, peerid, -1);
	msg_put_u64(&m, id);
	msg_put_str(&m, path);
	msg_close_mount(&m);
	return (0);
}

int
msg_recv_bind_path(struct imsg *imsg, const char *storedir, uint64_t *id,
    char **path, const char **errstr)
{
	struct msg_in	 in;
	uint64_t	 i = 0;
	char		*p = NULL;

	(void)msg_begin(imsg, &in, 0);
	in.mi_storedir = storedir;
	(void)msg_get_id(&in, &i);
	(void)msg_get_storepath(&in, &p);
	if (msg_end(&in, errstr) == -1) {
		free(p);
		return (-1);
	}
	*id = i;
	*path = p;
	return (0);
}

int
msg_send_mount_ok(struct imsgbuf *ib, uint32_t peerid, uint64_t id,
    uint32_t request)
{
	struct msg	m;

	msg_open(&m, ib, IMSG_MOUNT_OK, peerid, -1);
	msg_put_u64(&m, id);
	msg_put_u32(&m, request);
	msg_close_mount(&m);
	return (0);
}

int
msg_recv_mount_ok(struct imsg *imsg, uint64_t *id, uint32_t *request,
    const char **errstr)
{
	struct msg_in	in;
	uint64_t	i = 0;
	uint32_t	r = 0;

	(void)msg_begin(imsg, &in, 0);
	(void)msg_get_u64(&in, &i);
	if (msg_get_u32(&in, &r) == 0 && r != IMSG_MOUNT_BUILD_CLEANUP &&
	    r != IMSG_MOUNT_BIND_PATH)
		(void)msg_fail(&in, "OK for a request without one");
	if (msg_end(&in, errstr) == -1)
		return (-1);
	*id = i;
	*request = r;
	return (0);
}

int
msg_send_mount_error(struct imsgbuf *ib, uint32_t peerid, uint64_t id,
    uint32_t request, const char *text)
{
	struct msg	m;

	msg_open(&m, ib, IMSG_MOUNT_ERROR, peerid, -1);
	msg_put_u64(&m, id);
	msg_put_u32(&m, request);
	msg_put_text(&m, text, MSG_MOUNT_ERROR_MAX - 1);
	msg_close_mount(&m);
	return (0);
}

int
msg_recv_mount_error(struct imsg *imsg, uint64_t *id, uint32_t *request,
    char *text, size_t textlen, const char **errstr)
{
	struct msg_in	 in;
	uint64_t	 i = 0;
	uint32_t	 r = 0;
	char		*s = NULL;

	(void)msg_begin(imsg, &in, 0);
	(void)msg_get_u64(&in, &i);
	if (msg_get_u32(&in, &r) == 0 && (r < IMSG_MOUNT_BUILD_START ||
	    r > IMSG_MOUNT_BIND_PATH))
		(void)msg_fail(&in, "error for an unknown request");
	(void)msg_get_str(&in, &s, MSG_MOUNT_ERROR_MAX - 1);
	if (msg_end(&in, errstr) == -1) {
		free(s);
		return (-1);
	}
	*id = i;
	*request = r;
	(void)strlcpy(text, s, textlen);
	free(s);
	return (0);
}
