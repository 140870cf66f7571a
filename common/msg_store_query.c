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
 * The builderproc <-> storeproc messages that carry paths, texts and
 * query answers (msg_store.h): one send and one receive function per
 * message, over msg.h's builder and reader.
 *
 * A receive function trusts nothing: every field is checked against
 * the limits of msg_store.h before the caller sees it, and on failure
 * nothing stays allocated and a received fd is closed, so a dispatcher
 * only has to log and answer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "msg_store.h"

static int	msg_type_has_fd(uint32_t);
static int	msg_check_outputs(const char *);
static int	msg_check_derived(const char *, const char *, const char **);
static int	msg_get_derived(struct msg_in *, char ***, size_t *);
static int	msg_check_text(struct msg_in *, const char *, size_t);
static void	msg_send_info_type(struct imsgbuf *, uint32_t, uint32_t, int,
		    const struct wire_path_info *);
static int	msg_get_output(struct msg_in *, void *);
static void	msg_free_output(void *);
static int	msg_get_root(struct msg_in *, void *);
static void	msg_free_root(void *);

static int
msg_type_has_fd(uint32_t type)
{
	return (type == IMSG_STORE_ADD || type == IMSG_STORE_ADD_NAR ||
	    type == IMSG_STORE_NAR_FROM_PATH || type == IMSG_STORE_BUILD_LOG ||
	    type == IMSG_STORE_BUILD_OUTPUTS);
}

/* One store path, with an fd for NAR_FROM_PATH and BUILD_LOG. */

int
msg_send_path(struct imsgbuf *ib, uint32_t type, uint32_t sid,
    const char *path, int fd)
{
	struct msg	m;

	msg_open(&m, ib, type, sid, fd);
	msg_put_str(&m, path);
	return (msg_close(&m));
}

int
msg_recv_path(struct imsg *imsg, const char *storedir, char **path,
    int *fd, const char **errstr)
{
	struct msg_in	 in;
	char		*p = NULL;

	(void)msg_begin(imsg, &in, msg_type_has_fd(imsg_get_type(imsg)));
	in.mi_storedir = storedir;
	if (in.mi_fd != -1 && fd == NULL)
		(void)msg_fail(&in, "unexpected fd");
	(void)msg_get_storepath(&in, &p);
	if (msg_end(&in, errstr) == -1) {
		free(p);
		return (-1);
	}
	*path = p;
	if (fd != NULL)
		*fd = in.mi_fd;
	return (0);
}

/* A list of store paths or DerivedPaths. */

int
msg_send_paths(struct imsgbuf *ib, uint32_t type, uint32_t sid,
    char *const *paths, size_t npaths)
{
	struct msg	m;

	msg_open(&m, ib, type, sid, -1);
	msg_put_strs(&m, paths, npaths, MSG_PATHS_MAX);
	return (msg_close(&m));
}

/* "*" or "name[,name...]", each name usable in a store path name. */
static int
msg_check_outputs(const char *outputs)
{
	char		 name[MSG_NAME_MAX + 1];
	const char	*p = outputs;
	size_t		 len;

	if (strcmp(outputs, "*") == 0)
		return (0);
	for (;;) {
		len = strcspn(p, ",");
		if (len == 0 || len > MSG_NAME_MAX)
			return (-1);
		memcpy(name, p, len);
		name[len] = '\0';
		if (storepath_check_name(name, NULL) == -1)
			return (-1);
		if (p[len] == '\0')
			return (0);
		p += len + 1;
	}
}

/* A DerivedPath: an opaque store path or "<drvpath>!<outputs>". */
static int
msg_check_derived(const char *storedir, const char *s, const char **errstr)
{
	char		 path[STOREPATH_MAX];
	const char	*bang;
	size_t		 len;

	if ((bang = strchr(s, '!')) == NULL)
		return (storepath_parse(storedir, s, NULL, NULL, errstr));
	len = bang - s;
	if (len >= sizeof(path)) {
		*errstr = "store path too long";
		return (-1);
	}
	memcpy(path, s, len);
	path[len] = '\0';
	if (storepath_parse(storedir, path, NULL, NULL, errstr) == -1)
		return (-1);
	if (len < 4 || strcmp(path + len - 4, ".drv") != 0) {
		*errstr = "derived path does not name a derivation";
		return (-1);
	}
	if (msg_check_outputs(bang + 1) == -1) {
		*errstr = "invalid output name in derived path";
		return (-1);
	}
	return (0);
}

static int
msg_get_derived(struct msg_in *in, char ***paths, size_t *npaths)
{
	const char	 *why;
	char		**items;
	size_t		  nitems, i;

	if (msg_get_strs(in, &items, &nitems, MSG_PATHS_MAX,
	    MSG_DERIVED_MAX) == -1)
		return (-1);
	for (i = 0; i < nitems; i++) {
		if (msg_check_derived(in->mi_storedir, items[i],
		    &why) == -1) {
			wire_strings_free(items, nitems);
			return (msg_fail(in, why));
		}
	}
	*paths = items;
	*npaths = nitems;
	return (0);
}

int
msg_recv_paths(struct imsg *imsg, const char *storedir, int derived,
    char ***paths, size_t *npaths, const char **errstr)
{
	struct msg_in	  in;
	char		**items = NULL;
	size_t		  nitems = 0;

	(void)msg_begin(imsg, &in, 0);
	in.mi_storedir = storedir;
	if (derived)
		(void)msg_get_derived(&in, &items, &nitems);
	else
		(void)msg_get_storepaths(&in, &items, &nitems, MSG_PATHS_MAX);
	if (msg_end(&in, errstr) == -1) {
		wire_strings_free(items, nitems);
		return (-1);
	}
	*paths = items;
	*npaths = nitems;
	return (0);
}

/* A text; errors and log lines are cut to fit rather than lost. */

int
msg_send_text(struct imsgbuf *ib, uint32_t type, uint32_t sid,
    const char *text)
{
	struct msg	m;
	size_t		max;

	msg_open(&m, ib, type, sid, -1);
	if (type == IMSG_STORE_ERROR || type == IMSG_STORE_LOG) {
		max = msg_payload_max(ib);
		max = max < 8 ? 0 : max - 8;
		if (max > MSG_ERROR_MAX)
			max = MSG_ERROR_MAX;
		msg_put_text(&m, text, max);
	} else
		msg_put_bytes(&m, text, strlen(text));
	return (msg_close(&m));
}

/* The rule of each text message, on top of the caller's maxlen. */
static int
msg_check_text(struct msg_in *in, const char *s, size_t maxlen)
{
	size_t	len = strlen(s);

	switch (in->mi_type) {
	case IMSG_STORE_QUERY_HASHPART:
		if (len != STOREPATH_HASH_LEN ||
		    storepath_check_hashpart(s, len) == -1)
			return (msg_fail(in, "invalid hash part"));
		break;
	case IMSG_STORE_INDIRECT_ROOT:
		if (s[0] != '/')
			return (msg_fail(in,
			    "indirect root is not an absolute path"));
		if (len > MSG_LINKPATH_MAX)
			return (msg_fail(in, "indirect root path too long"));
		break;
	case IMSG_STORE_ERROR:
	case IMSG_STORE_LOG:
		if (len > MSG_ERROR_MAX)
			return (msg_fail(in, "text too long"));
		break;
	}
	if (len > maxlen)
		return (msg_fail(in, "text too long"));
	return (0);
}

int
msg_recv_text(struct imsg *imsg, size_t maxlen, char **text,
    const char **errstr)
{
	struct msg_in	 in;
	char		*s = NULL;

	(void)msg_begin(imsg, &in, 0);
	if (maxlen > MSG_STORE_MAXSIZE)
		maxlen = MSG_STORE_MAXSIZE;
	if (msg_get_str(&in, &s, maxlen) == 0)
		(void)msg_check_text(&in, s, maxlen);
	if (msg_end(&in, errstr) == -1) {
		free(s);
		return (-1);
	}
	*text = s;
	return (0);
}

/* STORE_INFO: found, then the path info with path. */

static void
msg_send_info_type(struct imsgbuf *ib, uint32_t type, uint32_t sid,
    int found, const struct wire_path_info *pi)
{
	struct msg	m;

	msg_open(&m, ib, type, sid, -1);
	msg_put_flag(&m, found);
	if (found) {
		msg_limit(&m, pi->pi_nrefs, MSG_PATHS_MAX);
		msg_put_path_info(&m, pi);
	}
	(void)msg_close(&m);
}

void
msg_send_info(struct imsgbuf *ib, uint32_t sid, int found,
    const struct wire_path_info *pi)
{
	msg_send_info_type(ib, IMSG_STORE_INFO, sid, found, pi);
}

/* STORE_INFO_HINT: STORE_INFO's payload, always found, peerid 0. */
void
msg_send_info_hint(struct imsgbuf *ib, const struct wire_path_info *pi)
{
	msg_send_info_type(ib, IMSG_STORE_INFO_HINT, 0, 1, pi);
}

int
msg_recv_info(struct imsg *imsg, const char *storedir, int *found,
    struct wire_path_info *pi, const char **errstr)
{
	struct msg_in		in;
	struct wire_path_info	new;
	int			isfound = 0;

	memset(&new, 0, sizeof(new));
	(void)msg_begin(imsg, &in, 0);
	in.mi_storedir = storedir;
	if (msg_get_flag(&in, &isfound) == 0 && isfound)
		(void)msg_get_path_info(&in, &new, MSG_PATHS_MAX);
	if (msg_end(&in, errstr) == -1) {
		wire_path_info_free(&new);
		return (-1);
	}
	*found = isfound;
	*pi = new;
	return (0);
}

/* STORE_OUTPUTS: count, then (output name, OptStorePath) pairs. */

void
msg_send_outputs(struct imsgbuf *ib, uint32_t sid,
    const struct msg_output *outputs, size_t noutputs)
{
	struct msg	m;
	size_t		i;

	msg_open(&m, ib, IMSG_STORE_OUTPUTS, sid, -1);
	msg_limit(&m, noutputs, MSG_PATHS_MAX);
	msg_put_u64(&m, noutputs);
	for (i = 0; i < noutputs; i++) {
		msg_put_str(&m, outputs[i].mo_name);
		msg_put_opt(&m, outputs[i].mo_path);
	}
	(void)msg_close(&m);
}

/* A valid output name: store path name characters. */
int
msg_get_output_name(struct msg_in *in, char **name)
{
	char	*s;

	if (msg_get_str(in, &s, MSG_NAME_MAX) == -1)
		return (-1);
	if (storepath_check_name(s, NULL) == -1) {
		free(s);
		return (msg_fail(in, "invalid output name"));
	}
	*name = s;
	return (0);
}

static int
msg_get_output(struct msg_in *in, void *item)
{
	struct msg_output	*mo = item;

	if (msg_get_output_name(in, &mo->mo_name) == -1)
		return (-1);
	return (msg_get_opt_storepath(in, &mo->mo_path));
}

static void
msg_free_output(void *item)
{
	struct msg_output	*mo = item;

	free(mo->mo_name);
	free(mo->mo_path);
}

int
msg_recv_outputs(struct imsg *imsg, const char *storedir,
    struct msg_output **outputs, size_t *noutputs, const char **errstr)
{
	void	*items;

	if (msg_recv_array(imsg, storedir, sizeof(**outputs), MSG_PATHS_MAX,
	    msg_get_output, msg_free_output, &items, noutputs, errstr) == -1)
		return (-1);
	*outputs = items;
	return (0);
}

void
msg_outputs_free(struct msg_output *outputs, size_t noutputs)
{
	msg_array_free(outputs, noutputs, sizeof(*outputs), msg_free_output);
}

/* STORE_MISSING: three path sets and two sizes. */

void
msg_send_missing(struct imsgbuf *ib, uint32_t sid,
    const struct msg_missing *mm)
{
	struct msg	m;

	msg_open(&m, ib, IMSG_STORE_MISSING, sid, -1);
	msg_put_strs(&m, mm->mm_will_build, mm->mm_nwill_build,
	    MSG_PATHS_MAX);
	msg_put_strs(&m, mm->mm_will_substitute, mm->mm_nwill_substitute,
	    MSG_PATHS_MAX);
	msg_put_strs(&m, mm->mm_unknown, mm->mm_nunknown, MSG_PATHS_MAX);
	msg_put_u64(&m, mm->mm_download_size);
	msg_put_u64(&m, mm->mm_nar_size);
	(void)msg_close(&m);
}

int
msg_recv_missing(struct imsg *imsg, const char *storedir,
    struct msg_missing *mm, const char **errstr)
{
	struct msg_in		in;
	struct msg_missing	new;

	memset(&new, 0, sizeof(new));
	(void)msg_begin(imsg, &in, 0);
	in.mi_storedir = storedir;
	(void)msg_get_storepaths(&in, &new.mm_will_build,
	    &new.mm_nwill_build, MSG_PATHS_MAX);
	(void)msg_get_storepaths(&in, &new.mm_will_substitute,
	    &new.mm_nwill_substitute, MSG_PATHS_MAX);
	(void)msg_get_storepaths(&in, &new.mm_unknown, &new.mm_nunknown,
	    MSG_PATHS_MAX);
	(void)msg_get_u64(&in, &new.mm_download_size);
	(void)msg_get_u64(&in, &new.mm_nar_size);
	if (msg_end(&in, errstr) == -1) {
		msg_missing_free(&new);
		return (-1);
	}
	*mm = new;
	return (0);
}

void
msg_missing_free(struct msg_missing *mm)
{
	wire_strings_free(mm->mm_will_build, mm->mm_nwill_build);
	wire_strings_free(mm->mm_will_substitute, mm->mm_nwill_substitute);
	wire_strings_free(mm->mm_unknown, mm->mm_nunknown);
	memset(mm, 0, sizeof(*mm));
}

/* STORE_ROOTS: count, then (link, store path) pairs. */

void
msg_send_roots(struct imsgbuf *ib, uint32_t sid,
    const struct msg_root *roots, size_t nroots)
{
	struct msg	m;
	size_t		i;

	msg_open(&m, ib, IMSG_STORE_ROOTS, sid, -1);
	msg_limit(&m, nroots, MSG_PATHS_MAX);
	msg_put_u64(&m, nroots);
	for (i = 0; i < nroots; i++) {
		msg_put_str(&m, roots[i].mr_link);
		msg_put_str(&m, roots[i].mr_target);
	}
	(void)msg_close(&m);
}

/* A link path or a root label: not empty. */
static int
msg_get_root(struct msg_in *in, void *item)
{
	struct msg_root	*mr = item;

	if (msg_get_str(in, &mr->mr_link, MSG_LINKPATH_MAX) == -1)
		return (-1);
	if (mr->mr_link[0] == '\0')
		return (msg_fail(in, "link path is empty"));
	return (msg_get_storepath(in, &mr->mr_target));
}

static void
msg_free_root(void *item)
{
	struct msg_root	*mr = item;

	free(mr->mr_link);
	free(mr->mr_target);
}

int
msg_recv_roots(struct imsg *imsg, const char *storedir,
    struct msg_root **roots, size_t *nroots, const char **errstr)
{
	void	*items;

	if (msg_recv_array(imsg, storedir, sizeof(**roots), MSG_PATHS_MAX,
	    msg_get_root, msg_free_root, &items, nroots, errstr) == -1)
		return (-1);
	*roots = items;
	return (0);
}

void
msg_roots_free(struct msg_root *roots, size_t nroots)
{
	msg_array_free(roots, nroots, sizeof(*roots), msg_free_root);
}

/* STORE_DRV: the bytes of a .drv file. */

void
msg_send_drv(struct imsgbuf *ib, uint32_t sid, const char *text, size_t len)
{
	struct msg	m;

	msg_open(&m, ib, IMSG_STORE_DRV, sid, -1);
	msg_put_bytes(&m, text, len);
	(void)msg_close(&m);
}

int
msg_recv_drv(struct imsg *imsg, char **text, size_t *len,
    const char **errstr)
{
	struct msg_in	 in;
	char		*s = NULL;
	size_t		 n = 0;

	(void)msg_begin(imsg, &in, 0);
	(void)msg_get_bytes(&in, &s, &n, MSG_DRV_MAX);
	if (msg_end(&in, errstr) == -1) {
		free(s);
		return (-1);
	}
	*text = s;
	*len = n;
	return (0);
}
