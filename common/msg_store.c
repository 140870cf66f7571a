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
 * Payloads of the builderproc <-> storeproc messages and of the parent's
 * symlink lookups, one send and one receive function per message.
 *
 * A receive function trusts nothing: the payload is parsed with the
 * wire.h getters, a getter that runs out of bytes means a truncated
 * payload, anything left over afterwards is an error, and every field
 * is checked against the limits of msg_store.h before the caller sees
 * it.  On failure nothing stays allocated and a received fd is closed,
 * so a dispatcher only has to log and answer.
 *
 * A send function encodes into a wire_out bounded by what the channel
 * can carry, so an oversized payload shows up as an encoding error and
 * never reaches imsg_compose(), whose failure is fatal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msg_store.h"
#include "msg_util.h"

static int	msg_is_reply(uint32_t);
static int	msg_type_has_fd(uint32_t);
static int	msg_finish(struct imsgev *, uint32_t, uint32_t, int,
		    struct wire_out *);
static int	msg_get_flag(struct wire_in *, int *, const char **);
static int	msg_check_outputs(const char *, const char **);
static int	msg_check_derived(const char *, const char *, const char **);
static int	msg_check_text(uint32_t, const char *, size_t, size_t,
		    const char **);
static size_t	msg_text_cut(const char *, size_t, size_t);
static void	msg_send_info_type(struct imsgev *, uint32_t, uint32_t, int,
		    const struct wire_path_info *);
static int	msg_get_path_info(struct wire_in *, const char *,
		    struct wire_path_info *, const char **);
static int	msg_get_paths(struct wire_in *, const char *, char ***,
		    size_t *, const char **);
static int	msg_get_derived(struct wire_in *, const char *, char ***,
		    size_t *, const char **);
static int	msg_get_add(struct wire_in *, const char *, struct msg_add *,
		    const char **);
static int	msg_get_output(struct wire_in *, const char *, void *,
		    const char **);
static int	msg_get_root(struct wire_in *, const char *, void *,
		    const char **);
static int	msg_check_fixed(const char *, const char *, const char **);
static int	msg_get_build_output(struct wire_in *, const char *,
		    struct msg_build_output *, const char **);
static void	msg_put_checks(struct wire_out *, const struct outcheck *,
		    size_t);
static int	msg_get_check(struct wire_in *, const struct msg_build *,
		    struct outcheck *, const char **);
static int	msg_get_checks(struct wire_in *, struct msg_build *,
		    const char **);
static int	msg_get_build(struct wire_in *, const char *,
		    struct msg_build *, const char **);
static int	msg_get_built(struct wire_in *, const char *, void *,
		    const char **);
static int	msg_get_build_result(struct wire_in *, const char *,
		    struct msg_build_result *, const char **);

/* Encoding. */

/* The replies of storeproc: each ends a request, so one must go out. */
static int
msg_is_reply(uint32_t type)
{
	return ((type >= IMSG_STORE_OK && type <= IMSG_STORE_VERIFY_RESULT) ||
	    type == IMSG_STORE_DRV || type == IMSG_STORE_BUILD_RESULT);
}

static int
msg_type_has_fd(uint32_t type)
{
	return (type == IMSG_STORE_ADD || type == IMSG_STORE_ADD_NAR ||
	    type == IMSG_STORE_NAR_FROM_PATH || type == IMSG_STORE_BUILD_LOG ||
	    type == IMSG_STORE_BUILD_OUTPUTS);
}

/*
 * Queue what out holds and free it.  If the encoding failed, nothing
 * of it is sent: a reply becomes STORE_ERROR, a request returns -1.
 */
static int
msg_finish(struct imsgev *iev, uint32_t type, uint32_t sid, int fd,
    struct wire_out *out)
{
	if (out->wo_error) {
		log_warnx("%s to %s not sent: %s", imsg_type_name(type),
		    proc_name(iev->iev_peer), out->wo_errstr);
		msg_close(fd);
		fd = -1;
		if (!msg_is_reply(type) || type == IMSG_STORE_ERROR) {
			wire_out_free(out);
			return (-1);
		}
		wire_out_reset(out);
		type = IMSG_STORE_ERROR;
		if (wire_put_string(out, MSG_TOO_LARGE) == -1)
			fatalx("%s: channel too small", __func__);
	}
	imsgev_compose(iev, type, sid, fd, out->wo_buf, out->wo_len);
	wire_out_free(out);
	return (0);
}

/* Decoding. */

/* Our senders write booleans as 0 or 1; anything else is garbage. */
static int
msg_get_flag(struct wire_in *in, int *flag, const char **errstr)
{
	uint64_t	v;

	if (msg_got(in, wire_get_u64(in, &v), errstr) == -1)
		return (-1);
	if (v > 1) {
		*errstr = "flag is neither 0 nor 1";
		return (-1);
	}
	*flag = (int)v;
	return (0);
}

/* "*" or "name[,name...]", each name usable in a store path name. */
static int
msg_check_outputs(const char *outputs, const char **errstr)
{
	char		 name[MSG_NAME_MAX + 1];
	const char	*p = outputs;
	size_t		 len;

	if (strcmp(outputs, "*") == 0)
		return (0);
	for (;;) {
		len = strcspn(p, ",");
		if (len == 0 || len > MSG_NAME_MAX)
			goto bad;
		memcpy(name, p, len);
		name[len] = '\0';
		if (storepath_check_name(name, NULL) == -1)
			goto bad;
		if (p[len] == '\0')
			return (0);
		p += len + 1;
	}
 bad:
	*errstr = "invalid output name in derived path";
	return (-1);
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
	return (msg_check_outputs(bang + 1, errstr));
}

/* The rule of each text message, on top of the caller's maxlen. */
static int
msg_check_text(uint32_t type, const char *s, size_t len, size_t maxlen,
    const char **errstr)
{
	switch (type) {
	case IMSG_STORE_QUERY_HASHPART:
		if (len != STOREPATH_HASH_LEN ||
		    storepath_check_hashpart(s, len) == -1) {
			*errstr = "invalid hash part";
			return (-1);
		}
		break;
	case IMSG_STORE_INDIRECT_ROOT:
		if (s[0] != '/') {
			*errstr = "indirect root is not an absolute path";
			return (-1);
		}
		if (len > MSG_LINKPATH_MAX) {
			*errstr = "indirect root path too long";
			return (-1);
		}
		break;
	case IMSG_STORE_ERROR:
	case IMSG_STORE_LOG:
		if (len > MSG_ERROR_MAX) {
			*errstr = "text too long";
			return (-1);
		}
		break;
	}
	if (len > maxlen) {
		*errstr = "text too long";
		return (-1);
	}
	return (0);
}

/* Cut a text to max bytes, not inside a UTF-8 sequence. */
static size_t
msg_text_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return (len);
	len = max;
	while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;
	return (len);
}

/* Path info with path, its refs within our own limit. */
static int
msg_get_path_info(struct wire_in *in, const char *storedir,
    struct wire_path_info *pi, const char **errstr)
{
	if (msg_got(in, wire_get_path_info(in, storedir, pi, 1),
	    errstr) == -1)
		return (-1);
	if (pi->pi_nrefs > MSG_PATHS_MAX) {
		wire_path_info_free(pi);
		*errstr = MSG_TOO_MANY;
		return (-1);
	}
	return (0);
}

static int
msg_get_paths(struct wire_in *in, const char *storedir, char ***paths,
    size_t *npaths, const char **errstr)
{
	return (msg_got(in, wire_get_storepaths(in, storedir, paths, npaths,
	    MSG_PATHS_MAX), errstr));
}

/* One store path, with an fd for NAR_FROM_PATH. */

int
msg_send_path(struct imsgev *iev, uint32_t type, uint32_t sid,
    const char *path, int fd)
{
	struct wire_out	out;

	msg_out_init(&out, iev->iev_ibuf);
	(void)wire_put_string(&out, path);
	return (msg_finish(iev, type, sid, fd, &out));
}

int
msg_recv_path(struct imsg *imsg, const char *storedir, char **path,
    int *fd, const char **errstr)
{
	struct wire_in	 in;
	char		*p;
	int		 rfd;

	if (msg_begin(imsg, &in, msg_type_has_fd(imsg_get_type(imsg)), &rfd,
	    errstr) == -1)
		return (-1);
	if (rfd != -1 && fd == NULL)
		return (msg_fail(rfd, errstr, "unexpected fd"));
	if (msg_got(&in, wire_get_storepath(&in, storedir, &p),
	    errstr) == -1)
		return (msg_fail(rfd, errstr, *errstr));
	if (msg_end(&in, errstr) == -1) {
		free(p);
		return (msg_fail(rfd, errstr, *errstr));
	}
	*path = p;
	if (fd != NULL)
		*fd = rfd;
	return (0);
}

/* A list of store paths or DerivedPaths. */

int
msg_send_paths(struct imsgev *iev, uint32_t type, uint32_t sid,
    char *const *paths, size_t npaths)
{
	struct wire_out	out;

	msg_out_init(&out, iev->iev_ibuf);
	msg_out_limit(&out, npaths, MSG_PATHS_MAX);
	(void)wire_put_strings(&out, paths, npaths);
	return (msg_finish(iev, type, sid, -1, &out));
}

static int
msg_get_derived(struct wire_in *in, const char *storedir, char ***paths,
    size_t *npaths, const char **errstr)
{
	char	**items;
	size_t	  nitems, i;

	if (msg_got(in, wire_get_strings(in, &items, &nitems, MSG_PATHS_MAX,
	    MSG_DERIVED_MAX), errstr) == -1)
		return (-1);
	for (i = 0; i < nitems; i++) {
		if (msg_check_derived(storedir, items[i], errstr) == -1) {
			wire_strings_free(items, nitems);
			return (-1);
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
	struct wire_in	  in;
	char		**items;
	size_t		  nitems;
	int		  fd, r;

	if (msg_begin(imsg, &in, 0, &fd, errstr) == -1)
		return (-1);
	if (derived)
		r = msg_get_derived(&in, storedir, &items, &nitems, errstr);
	else
		r = msg_get_paths(&in, storedir, &items, &nitems, errstr);
	if (r == -1)
		return (-1);
	if (msg_end(&in, errstr) == -1) {
		wire_strings_free(items, nitems);
		return (-1);
	}
	*paths = items;
	*npaths = nitems;
	return (0);
}

/* No payload. */

void
msg_send_empty(struct imsgev *iev, uint32_t type, uint32_t sid)
{
	imsgev_compose(iev, type, sid, -1, NULL, 0);
}

int
msg_recv_empty(struct imsg *imsg, const char **errstr)
{
	struct wire_in	in;
	int		fd;

	if (msg_begin(imsg, &in, 0, &fd, errstr) == -1)
		return (-1);
	return (msg_end(&in, errstr));
}

/* A text; errors and log lines are cut to fit rather than lost. */

int
msg_send_text(struct imsgev *iev, uint32_t type, uint32_t sid,
    const char *text)
{
	struct wire_out	out;
	size_t		len, max;

	len = strlen(text);
	if (type == IMSG_STORE_ERROR || type == IMSG_STORE_LOG) {
		max = msg_payload_max(iev->iev_ibuf);
		max = max < 8 ? 0 : max - 8;
		if (max > MSG_ERROR_MAX)
			max = MSG_ERROR_MAX;
		len = msg_text_cut(text, len, max);
	}
	msg_out_init(&out, iev->iev_ibuf);
	(void)wire_put_bytes(&out, text, len);
	return (msg_finish(iev, type, sid, -1, &out));
}

int
msg_recv_text(struct imsg *imsg, size_t maxlen, char **text,
    const char **errstr)
{
	struct wire_in	 in;
	char		*s;
	size_t		 len;
	int		 fd;

	if (msg_begin(imsg, &in, 0, &fd, errstr) == -1)
		return (-1);
	if (maxlen > MSG_STORE_MAXSIZE)
		maxlen = MSG_STORE_MAXSIZE;
	if (msg_got(&in, wire_get_string(&in, &s, NULL, maxlen),
	    errstr) == -1)
		return (-1);
	len = strlen(s);
	if (msg_check_text(imsg_get_type(imsg), s, len, maxlen,
	    errstr) == -1 || msg_end(&in, errstr) == -1) {
		free(s);
		return (-1);
	}
	*text = s;
	return (0);
}

/* STORE_ADD: name, method, refs, repair; the stream comes on the fd. */

int
msg_parse_method(const char *method, enum ca_kind *kind,
    enum ca_method *how, enum hash_algo *algo, const char **errstr)
{
	const char	*p;

	if (strcmp(method, "text:sha256") == 0) {
		*kind = CA_TEXT;
		*how = CA_FLAT;
		*algo = HASH_SHA256;
		return (0);
	}
	if (strncmp(method, "fixed:", 6) != 0) {
		*errstr = "content address method is not 'text:sha256' or "
		    "'fixed:[r:]<algo>'";
		return (-1);
	}
	p = method + 6;
	*how = CA_FLAT;
	if (strncmp(p, "r:", 2) == 0) {
		*how = CA_RECURSIVE;
		p += 2;
	}
	if (hash_algo_parse(p, algo) == -1) {
		*errstr = "unknown hash algorithm in content address method";
		return (-1);
	}
	*kind = CA_FIXED;
	return (0);
}

int
msg_send_add(struct imsgev *iev, uint32_t sid, const struct msg_add *ma,
    int fd)
{
	struct wire_out	out;

	msg_out_init(&out, iev->iev_ibuf);
	msg_out_limit(&out, ma->ma_nrefs, MSG_PATHS_MAX);
	(void)wire_put_string(&out, ma->ma_name);
	(void)wire_put_string(&out, ma->ma_method);
	(void)wire_put_strings(&out, ma->ma_refs, ma->ma_nrefs);
	(void)wire_put_bool(&out, ma->ma_repair);
	return (msg_finish(iev, IMSG_STORE_ADD, sid, fd, &out));
}

static int
msg_get_add(struct wire_in *in, const char *storedir, struct msg_add *ma,
    const char **errstr)
{
	enum ca_kind	kind;
	enum ca_method	how;
	enum hash_algo	algo;

	if (msg_got(in, wire_get_string(in, &ma->ma_name, NULL,
	    MSG_NAME_MAX), errstr) == -1)
		return (-1);
	if (storepath_check_name(ma->ma_name, errstr) == -1)
		return (-1);
	if (msg_got(in, wire_get_string(in, &ma->ma_method, NULL,
	    MSG_METHOD_MAX), errstr) == -1)
		return (-1);
	if (msg_parse_method(ma->ma_method, &kind, &how, &algo,
	    errstr) == -1)
		return (-1);
	if (msg_get_paths(in, storedir, &ma->ma_refs, &ma->ma_nrefs,
	    errstr) == -1)
		return (-1);
	return (msg_get_flag(in, &ma->ma_repair, errstr));
}

int
msg_recv_add(struct imsg *imsg, const char *storedir, struct msg_add *ma,
    int *fd, const char **errstr)
{
	struct wire_in	in;
	struct msg_add	new;
	int		rfd;

	memset(&new, 0, sizeof(new));
	if (msg_begin(imsg, &in, 1, &rfd, errstr) == -1)
		return (-1);
	if (msg_get_add(&in, storedir, &new, errstr) == -1 ||
	    msg_end(&in, errstr) == -1) {
		msg_add_free(&new);
		return (msg_fail(rfd, errstr, *errstr));
	}
	*ma = new;
	*fd = rfd;
	return (0);
}

void
msg_add_free(struct msg_add *ma)
{
	free(ma->ma_name);
	free(ma->ma_method);
	wire_strings_free(ma->ma_refs, ma->ma_nrefs);
	memset(ma, 0, sizeof(*ma));
}

/* STORE_ADD_NAR: claimed path info and flags; the NAR on the fd. */

int
msg_send_add_nar(struct imsgev *iev, uint32_t sid,
    const struct msg_add_nar *man, int fd)
{
	struct wire_out	out;

	msg_out_init(&out, iev->iev_ibuf);
	msg_out_limit(&out, man->man_info.pi_nrefs, MSG_PATHS_MAX);
	(void)wire_put_path_info(&out, &man->man_info, 1);
	(void)wire_put_bool(&out, man->man_repair);
	(void)wire_put_bool(&out, man->man_dont_check_sigs);
	(void)wire_put_bool(&out, man->man_trusted);
	return (msg_finish(iev, IMSG_STORE_ADD_NAR, sid, fd, &out));
}

int
msg_recv_add_nar(struct imsg *imsg, const char *storedir,
    struct msg_add_nar *man, int *fd, const char **errstr)
{
	struct wire_in		in;
	struct msg_add_nar	new;
	int			rfd;

	memset(&new, 0, sizeof(new));
	if (msg_begin(imsg, &in, 1, &rfd, errstr) == -1)
		return (-1);
	if (msg_get_path_info(&in, storedir, &new.man_info, errstr) == -1)
		return (msg_fail(rfd, errstr, *errstr));
	if (msg_get_flag(&in, &new.man_repair, errstr) == -1 ||
	    msg_get_flag(&in, &new.man_dont_check_sigs, errstr) == -1 ||
	    msg_get_flag(&in, &new.man_trusted, errstr) == -1 ||
	    msg_end(&in, errstr) == -1) {
		msg_add_nar_free(&new);
		return (msg_fail(rfd, errstr, *errstr));
	}
	*man = new;
	*fd = rfd;
	return (0);
}

void
msg_add_nar_free(struct msg_add_nar *man)
{
	wire_path_info_free(&man->man_info);
	memset(man, 0, sizeof(*man));
}

/* STORE_INFO: found, then the path info with path. */

static void
msg_send_info_type(struct imsgev *iev, uint32_t type, uint32_t sid,
    int found, const struct wire_path_info *pi)
{
	struct wire_out	out;

	msg_out_init(&out, iev->iev_ibuf);
	(void)wire_put_bool(&out, found);
	if (found) {
		msg_out_limit(&out, pi->pi_nrefs, MSG_PATHS_MAX);
		(void)wire_put_path_info(&out, pi, 1);
	}
	(void)msg_finish(iev, type, sid, -1, &out);
}

void
msg_send_info(struct imsgev *iev, uint32_t sid, int found,
    const struct wire_path_info *pi)
{
	msg_send_info_type(iev, IMSG_STORE_INFO, sid, found, pi);
}

/* STORE_INFO_HINT: STORE_INFO's payload, always found, peerid 0. */
void
msg_send_info_hint(struct imsgev *iev, const struct wire_path_info *pi)
{
	msg_send_info_type(iev, IMSG_STORE_INFO_HINT, 0, 1, pi);
}

int
msg_recv_info(struct imsg *imsg, const char *storedir, int *found,
    struct wire_path_info *pi, const char **errstr)
{
	struct wire_in		in;
	struct wire_path_info	new;
	int			fd, isfound;

	memset(&new, 0, sizeof(new));
	if (msg_begin(imsg, &in, 0, &fd, errstr) == -1 ||
	    msg_get_flag(&in, &isfound, errstr) == -1)
		return (-1);
	if (isfound &&
	    msg_get_path_info(&in, storedir, &new, errstr) == -1)
		return (-1);
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
msg_send_outputs(struct imsgev *iev, uint32_t sid,
    const struct msg_output *outputs, size_t noutputs)
{
	struct wire_out	out;
	size_t		i;

	msg_out_init(&out, iev->iev_ibuf);
	msg_out_limit(&out, noutputs, MSG_PATHS_MAX);
	(void)wire_put_u64(&out, noutputs);
	for (i = 0; i < noutputs && !out.wo_error; i++) {
		(void)wire_put_string(&out, outputs[i].mo_name);
		(void)msg_put_opt(&out, outputs[i].mo_path);
	}
	(void)msg_finish(iev, IMSG_STORE_OUTPUTS, sid, -1, &out);
}

static int
msg_get_output(struct wire_in *in, const char *storedir, void *item,
    const char **errstr)
{
	struct msg_output	*mo = item;

	if (msg_got(in, wire_get_string(in, &mo->mo_name, NULL,
	    MSG_NAME_MAX), errstr) == -1)
		return (-1);
	if (storepath_check_name(mo->mo_name, NULL) == -1) {
		*errstr = "invalid output name";
		return (-1);
	}
	return (msg_got(in, wire_get_opt_storepath(in, storedir,
	    &mo->mo_path), errstr));
}

int
msg_recv_outputs(struct imsg *imsg, const char *storedir,
    struct msg_output **outputs, size_t *noutputs, const char **errstr)
{
	struct wire_in	 in;
	void		*items;
	size_t		 n;
	int		 fd;

	if (msg_begin(imsg, &in, 0, &fd, errstr) == -1)
		return (-1);
	if (msg_get_items(&in, sizeof(**outputs), MSG_PATHS_MAX,
	    msg_get_output, storedir, &items, &n, errstr) == -1 ||
	    msg_end(&in, errstr) == -1) {
		msg_outputs_free(items, n);
		return (-1);
	}
	*outputs = items;
	*noutputs = n;
	return (0);
}

void
msg_outputs_free(struct msg_output *outputs, size_t noutputs)
{
	size_t	i;

	if (outputs == NULL)
		return;
	for (i = 0; i < noutputs; i++) {
		free(outputs[i].mo_name);
		free(outputs[i].mo_path);
	}
	free(outputs);
}

/* STORE_MISSING: three path sets and two sizes. */

void
msg_send_missing(struct imsgev *iev, uint32_t sid,
    const struct msg_missing *mm)
{
	struct wire_out	out;

	msg_out_init(&out, iev->iev_ibuf);
	msg_out_limit(&out, mm->mm_nwill_build, MSG_PATHS_MAX);
	msg_out_limit(&out, mm->mm_nwill_substitute, MSG_PATHS_MAX);
	msg_out_limit(&out, mm->mm_nunknown, MSG_PATHS_MAX);
	(void)wire_put_strings(&out, mm->mm_will_build, mm->mm_nwill_build);
	(void)wire_put_strings(&out, mm->mm_will_substitute,
	    mm->mm_nwill_substitute);
	(void)wire_put_strings(&out, mm->mm_unknown, mm->mm_nunknown);
	(void)wire_put_u64(&out, mm->mm_download_size);
	(void)wire_put_u64(&out, mm->mm_nar_size);
	(void)msg_finish(iev, IMSG_STORE_MISSING, sid, -1, &out);
}

int
msg_recv_missing(struct imsg *imsg, const char *storedir,
    struct msg_missing *mm, const char **errstr)
{
	struct wire_in		in;
	struct msg_missing	new;
	int			fd;

	memset(&new, 0, sizeof(new));
	if (msg_begin(imsg, &in, 0, &fd, errstr) == -1)
		return (-1);
	if (msg_get_paths(&in, storedir, &new.mm_will_build,
	    &new.mm_nwill_build, errstr) == -1 ||
	    msg_get_paths(&in, storedir, &new.mm_will_substitute,
	    &new.mm_nwill_substitute, errstr) == -1 ||
	    msg_get_paths(&in, storedir, &new.mm_unknown, &new.mm_nunknown,
	    errstr) == -1 ||
	    msg_got(&in, wire_get_u64(&in, &new.mm_download_size),
	    errstr) == -1 ||
	    msg_got(&in, wire_get_u64(&in, &new.mm_nar_size), errstr) == -1 ||
	    msg_end(&in, errstr) == -1) {
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

/* STORE_GC: action, paths to delete, ignoreLiveness, maxFreed. */

int
msg_send_gc(struct imsgev *iev, uint32_t sid, const struct msg_gc *mg)
{
	struct wire_out	out;

	msg_out_init(&out, iev->iev_ibuf);
	msg_out_limit(&out, mg->mg_npaths, MSG_PATHS_MAX);
	(void)wire_put_u64(&out, mg->mg_action);
	(void)wire_put_strings(&out, mg->mg_paths, mg->mg_npaths);
	(void)wire_put_bool(&out, mg->mg_ignore_liveness);
	(void)wire_put_u64(&out, mg->mg_max_freed);
	return (msg_finish(iev, IMSG_STORE_GC, sid, -1, &out));
}

int
msg_recv_gc(struct imsg *imsg, const char *storedir, struct msg_gc *mg,
    const char **errstr)
{
	struct wire_in	in;
	struct msg_gc	new;
	int		fd;

	memset(&new, 0, sizeof(new));
	if (msg_begin(imsg, &in, 0, &fd, errstr) == -1 ||
	    msg_got(&in, wire_get_u64(&in, &new.mg_action), errstr) == -1)
		return (-1);
	/* returnLive, returnDead, deleteDead, deleteSpecific */
	if (new.mg_action > 3)
		return (msg_fail(-1, errstr, "invalid garbage collector "
		    "action"));
	if (msg_get_paths(&in, storedir, &new.mg_paths, &new.mg_npaths,
	    errstr) == -1)
		return (-1);
	if (msg_get_flag(&in, &new.mg_ignore_liveness, errstr) == -1 ||
	    msg_got(&in, wire_get_u64(&in, &new.mg_max_freed),
	    errstr) == -1 ||
	    msg_end(&in, errstr) == -1) {
		msg_gc_free(&new);
		return (-1);
	}
	*mg = new;
	return (0);
}

void
msg_gc_free(struct msg_gc *mg)
{
	wire_strings_free(mg->mg_paths, mg->mg_npaths);
	memset(mg, 0, sizeof(*mg));
}

/* STORE_GC_RESULT: the paths deleted (or live, or dead), bytes freed. */

void
msg_send_gc_result(struct imsgev *iev, uint32_t sid,
    const struct msg_gc_result *mgr)
{
	struct wire_out	out;

	msg_out_init(&out, iev->iev_ibuf);
	msg_out_limit(&out, mgr->mgr_npaths, MSG_PATHS_MAX);
	(void)wire_put_strings(&out, mgr->mgr_paths, mgr->mgr_npaths);
	(void)wire_put_u64(&out, mgr->mgr_bytes_freed);
	(void)msg_finish(iev, IMSG_STORE_GC_RESULT, sid, -1, &out);
}

int
msg_recv_gc_result(struct imsg *imsg, const char *storedir,
    struct msg_gc_result *mgr, const char **errstr)
{
	struct wire_in		in;
	struct msg_gc_result	new;
	int			fd;

	memset(&new, 0, sizeof(new));
	if (msg_begin(imsg, &in, 0, &fd, errstr) == -1 ||
	    msg_get_paths(&in, storedir, &new.mgr_paths, &new.mgr_npaths,
	    errstr) == -1)
		return (-1);
	if (msg_got(&in, wire_get_u64(&in, &new.mgr_bytes_freed),
	    errstr) == -1 || msg_end(&in, errstr) == -1) {
		msg_gc_result_free(&new);
		return (-1);
	}
	*mgr = new;
	return (0);
}

void
msg_gc_result_free(struct msg_gc_result *mgr)
{
	wire_strings_free(mgr->mgr_paths, mgr->mgr_npaths);
	memset(mgr, 0, sizeof(*mgr));
}

/* STORE_ROOTS: count, then (link, store path) pairs. */

void
msg_send_roots(struct imsgev *iev, uint32_t sid,
    const struct msg_root *roots, size_t nroots)
{
	struct wire_out	out;
	size_t		i;

	msg_out_init(&out, iev->iev_ibuf);
	msg_out_limit(&out, nroots, MSG_PATHS_MAX);
	(void)wire_put_u64(&out, nroots);
	for (i = 0; i < nroots && !out.wo_error; i++) {
		(void)wire_put_string(&out, roots[i].mr_link);
		(void)wire_put_string(&out, roots[i].mr_target);
	}
	(void)msg_finish(iev, IMSG_STORE_ROOTS, sid, -1, &out);
}

static int
msg_get_root(struct wire_in *in, const char *storedir, void *item,
    const char **errstr)
{
	struct msg_root	*mr = item;

	if (msg_get_link(in, 0, &mr->mr_link, errstr) == -1)
		return (-1);
	return (msg_got(in, wire_get_storepath(in, storedir, &mr->mr_target),
	    errstr));
}

int
msg_recv_roots(struct imsg *imsg, const char *storedir,
    struct msg_root **roots, size_t *nroots, const char **errstr)
{
	struct wire_in	 in;
	void		*items;
	size_t		 n;
	int		 fd;

	if (msg_begin(imsg, &in, 0, &fd, errstr) == -1)
		return (-1);
	if (msg_get_items(&in, sizeof(**roots), MSG_PATHS_MAX, msg_get_root,
	    storedir, &items, &n, errstr) == -1 ||
	    msg_end(&in, errstr) == -1) {
		msg_roots_free(items, n);
		return (-1);
	}
	*roots = items;
	*nroots = n;
	return (0);
}

void
msg_roots_free(struct msg_root *roots, size_t nroots)
{
	size_t	i;

	if (roots == NULL)
		return;
	for (i = 0; i < nroots; i++) {
		free(roots[i].mr_link);
		free(roots[i].mr_target);
	}
	free(roots);
}

/* STORE_ADD_SIGS: a store path and signatures. */

int
msg_send_add_sigs(struct imsgev *iev, uint32_t sid, const char *path,
    char *const *sigs, size_t nsigs)
{
	struct wire_out	out;

	msg_out_init(&out, iev->iev_ibuf);
	msg_out_limit(&out, nsigs, WIRE_SIGS_MAX);
	(void)wire_put_string(&out, path);
	(void)wire_put_strings(&out, sigs, nsigs);
	return (msg_finish(iev, IMSG_STORE_ADD_SIGS, sid, -1, &out));
}

int
msg_recv_add_sigs(struct imsg *imsg, const char *storedir, char **path,
    char ***sigs, size_t *nsigs, const char **errstr)
{
	struct wire_in	  in;
	char		 *p, **items;
	size_t		  nitems;
	int		  fd;

	if (msg_begin(imsg, &in, 0, &fd, errstr) == -1 ||
	    msg_got(&in, wire_get_storepath(&in, storedir, &p), errstr) == -1)
		return (-1);
	if (msg_got(&in, wire_get_strings(&in, &items, &nitems,
	    WIRE_SIGS_MAX, WIRE_SIG_MAX), errstr) == -1) {
		free(p);
		return (-1);
	}
	if (msg_end(&in, errstr) == -1) {
		free(p);
		wire_strings_free(items, nitems);
		return (-1);
	}
	*path = p;
	*sigs = items;
	*nsigs = nitems;
	return (0);
}

/*
 * STORE_VERIFY: two flags.  STORE_VERIFY_RESULT: whether errors were
 * found, and the derivations to rebuild in repair mode.
 */

void
msg_send_verify(struct imsgev *iev, uint32_t sid, int check_contents,
    int repair)
{
	struct wire_out	out;

	msg_out_init(&out, iev->iev_ibuf);
	(void)wire_put_bool(&out, check_contents);
	(void)wire_put_bool(&out, repair);
	if (msg_finish(iev, IMSG_STORE_VERIFY, sid, -1, &out) == -1)
		fatalx("%s: channel too small", __func__);
}

int
msg_recv_verify(struct imsg *imsg, int *check_contents, int *repair,
    const char **errstr)
{
	struct wire_in	in;
	int		fd, check, rep;

	if (msg_begin(imsg, &in, 0, &fd, errstr) == -1 ||
	    msg_get_flag(&in, &check, errstr) == -1 ||
	    msg_get_flag(&in, &rep, errstr) == -1 ||
	    msg_end(&in, errstr) == -1)
		return (-1);
	*check_contents = check;
	*repair = rep;
	return (0);
}

void
msg_send_verify_result(struct imsgev *iev, uint32_t sid, int errors_found,
    char *const *drvs, size_t ndrvs)
{
	struct wire_out	out;

	msg_out_init(&out, iev->iev_ibuf);
	msg_out_limit(&out, ndrvs, MSG_PATHS_MAX);
	(void)wire_put_bool(&out, errors_found);
	(void)wire_put_strings(&out, drvs, ndrvs);
	if (msg_finish(iev, IMSG_STORE_VERIFY_RESULT, sid, -1, &out) == -1) {
		/* Too many to repair at once: say so, repair none. */
		msg_out_init(&out, iev->iev_ibuf);
		(void)wire_put_bool(&out, 1);
		(void)wire_put_strings(&out, NULL, 0);
		(void)msg_finish(iev, IMSG_STORE_VERIFY_RESULT, sid, -1, &out);
	}
}

int
msg_recv_verify_result(struct imsg *imsg, const char *storedir,
    int *errors_found, char ***drvs, size_t *ndrvs, const char **errstr)
{
	struct wire_in	in;
	char		**paths = NULL;
	size_t		  npaths = 0, i, len;
	int		  fd, found;

	if (msg_begin(imsg, &in, 0, &fd, errstr) == -1 ||
	    msg_get_flag(&in, &found, errstr) == -1 ||
	    msg_get_paths(&in, storedir, &paths, &npaths, errstr) == -1 ||
	    msg_end(&in, errstr) == -1) {
		wire_strings_free(paths, npaths);
		return (-1);
	}
	for (i = 0; i < npaths; i++) {
		len = strlen(paths[i]);
		if (len < 4 || strcmp(paths[i] + len - 4, ".drv") != 0) {
			wire_strings_free(paths, npaths);
			*errstr = "path is not a derivation";
			return (-1);
		}
	}
	*errors_found = found;
	*drvs = paths;
	*ndrvs = npaths;
	return (0);
}

/* CTL_READLINKS: link paths to storeproc's parent, targets back. */

int
msg_send_readlinks(struct imsgev *iev, char *const *links, size_t nlinks)
{
	struct wire_out	out;

	msg_out_init(&out, iev->iev_ibuf);
	msg_out_limit(&out, nlinks, MSG_PATHS_MAX);
	(void)wire_put_strings(&out, links, nlinks);
	return (msg_finish(iev, IMSG_CTL_READLINKS, 0, -1, &out));
}


/* STORE_DRV: the bytes of a .drv file. */

void
msg_send_drv(struct imsgev *iev, uint32_t sid, const char *text, size_t len)
{
	struct wire_out	out;

	msg_out_init(&out, iev->iev_ibuf);
	(void)wire_put_bytes(&out, text, len);
	(void)msg_finish(iev, IMSG_STORE_DRV, sid, -1, &out);
}

int
msg_recv_drv(struct imsg *imsg, char **text, size_t *len,
    const char **errstr)
{
	struct wire_in	 in;
	char		*s;
	size_t		 n;
	int		 fd;

	if (msg_begin(imsg, &in, 0, &fd, errstr) == -1 ||
	    msg_got(&in, wire_get_string(&in, &s, &n, MSG_DRV_MAX),
	    errstr) == -1)
		return (-1);
	if (msg_end(&in, errstr) == -1) {
		free(s);
		return (-1);
	}
	*text = s;
	*len = n;
	return (0);
}

/*
 * STORE_BUILD_OUTPUTS: drv, id, uid, outputs, candidates, mode,
 * keep-failed, checks; + dirfd.  A check: output name, flags, maxSize,
 * maxClosureSize, the four lists of specifiers, the error text ("" for
 * none).
 */

static void
msg_put_checks(struct wire_out *out, const struct outcheck *checks,
    size_t nchecks)
{
	const struct outcheck	*oc;
	size_t			 i, l;

	msg_out_limit(out, nchecks, MSG_OUTPUTS_MAX);
	(void)wire_put_u64(out, nchecks);
	for (i = 0; i < nchecks && !out->wo_error; i++) {
		oc = &checks[i];
		(void)wire_put_string(out, oc->oc_output);
		(void)wire_put_u64(out, oc->oc_flags);
		(void)wire_put_u64(out, oc->oc_maxsize);
		(void)wire_put_u64(out, oc->oc_maxclosure);
		for (l = 0; l < OC_NLISTS; l++) {
			msg_out_limit(out, oc->oc_nspecs[l], OC_SPECS_MAX);
			(void)wire_put_strings(out, oc->oc_specs[l],
			    oc->oc_nspecs[l]);
		}
		(void)wire_put_string(out, oc->oc_error != NULL ?
		    oc->oc_error : "");
	}
}

int
msg_send_build_outputs(struct imsgev *iev, uint32_t sid,
    const struct msg_build *mb, int dirfd)
{
	struct wire_out			 out;
	const struct msg_build_output	*o;
	size_t				 i;

	msg_out_init(&out, iev->iev_ibuf);
	msg_out_limit(&out, mb->mb_noutputs, MSG_OUTPUTS_MAX);
	msg_out_limit(&out, mb->mb_nrefs, MSG_PATHS_MAX);
	(void)wire_put_string(&out, mb->mb_drv);
	(void)wire_put_u64(&out, mb->mb_id);
	(void)wire_put_u64(&out, mb->mb_uid);
	(void)wire_put_u64(&out, mb->mb_noutputs);
	for (i = 0; i < mb->mb_noutputs && !out.wo_error; i++) {
		o = &mb->mb_outputs[i];
		(void)wire_put_string(&out, o->mbo_name);
		(void)wire_put_string(&out, o->mbo_path);
		(void)wire_put_string(&out, o->mbo_algo);
		(void)wire_put_string(&out, o->mbo_hash);
	}
	(void)wire_put_strings(&out, mb->mb_refs, mb->mb_nrefs);
	(void)wire_put_u64(&out, mb->mb_mode);
	(void)wire_put_bool(&out, mb->mb_keep_failed);
	msg_put_checks(&out, mb->mb_checks, mb->mb_nchecks);
	return (msg_finish(iev, IMSG_STORE_BUILD_OUTPUTS, sid, dirfd, &out));
}

/* "" and "", or "[r:]<algo>" and a base16 digest of that algo. */
static int
msg_check_fixed(const char *algo, const char *hash, const char **errstr)
{
	struct hash	h;
	enum hash_algo	a;

	if (algo[0] == '\0' && hash[0] == '\0')
		return (0);
	if (strncmp(algo, "r:", 2) == 0)
		algo += 2;
	if (hash_algo_parse(algo, &a) == -1) {
		*errstr = "unknown hash algorithm of a fixed output";
		return (-1);
	}
	if (strlen(hash) != 2 * hash_algo_len(a) ||
	    hash_parse_digest(hash, strlen(hash), a, &h, errstr) == -1) {
		*errstr = "invalid hash of a fixed output";
		return (-1);
	}
	return (0);
}

static int
msg_get_build_output(struct wire_in *in, const char *storedir,
    struct msg_build_output *o, const char **errstr)
{
	if (msg_got(in, wire_get_string(in, &o->mbo_name, NULL,
	    MSG_NAME_MAX), errstr) == -1)
		return (-1);
	if (storepath_check_name(o->mbo_name, NULL) == -1) {
		*errstr = "invalid output name";
		return (-1);
	}
	if (msg_got(in, wire_get_storepath(in, storedir, &o->mbo_path),
	    errstr) == -1 ||
	    msg_got(in, wire_get_string(in, &o->mbo_algo, NULL,
	    MSG_METHOD_MAX), errstr) == -1 ||
	    msg_got(in, wire_get_string(in, &o->mbo_hash, NULL,
	    MSG_HASH_MAX), errstr) == -1)
		return (-1);
	return (msg_check_fixed(o->mbo_algo, o->mbo_hash, errstr));
}

/* One check: for an output of the build, lists only where flagged. */
static int
msg_get_check(struct wire_in *in, const struct msg_build *mb,
    struct outcheck *oc, const char **errstr)
{
	uint64_t	flags;
	size_t		i, l, found = 0;

	if (msg_got(in, wire_get_string(in, &oc->oc_output, NULL,
	    MSG_NAME_MAX), errstr) == -1 ||
	    msg_got(in, wire_get_u64(in, &flags), errstr) == -1 ||
	    msg_got(in, wire_get_u64(in, &oc->oc_maxsize), errstr) == -1 ||
	    msg_got(in, wire_get_u64(in, &oc->oc_maxclosure), errstr) == -1)
		return (-1);
	for (i = 0; i < mb->mb_noutputs; i++)
		found += strcmp(mb->mb_outputs[i].mbo_name,
		    oc->oc_output) == 0;
	if (found != 1 || (flags & ~(uint64_t)OC_F_ALL) != 0) {
		*errstr = found != 1 ? "a check of no output" :
		    "unknown check flags";
		return (-1);
	}
	oc->oc_flags = (unsigned int)flags;
	for (l = 0; l < OC_NLISTS; l++) {
		if (msg_got(in, wire_get_strings(in, &oc->oc_specs[l],
		    &oc->oc_nspecs[l], OC_SPECS_MAX, OC_SPEC_MAX),
		    errstr) == -1)
			return (-1);
		if (oc->oc_nspecs[l] > 0 && !(flags & OC_F_LIST(l))) {
			*errstr = "specifiers of a list not given";
			return (-1);
		}
	}
	if (msg_got(in, wire_get_string(in, &oc->oc_error, NULL,
	    OC_ERROR_MAX), errstr) == -1)
		return (-1);
	if (oc->oc_error[0] == '\0') {
		free(oc->oc_error);
		oc->oc_error = NULL;
	}
	return (0);
}

static int
msg_get_checks(struct wire_in *in, struct msg_build *mb, const char **errstr)
{
	uint64_t	n, i, j;

	if (msg_got(in, wire_get_u64(in, &n), errstr) == -1)
		return (-1);
	if (n > mb->mb_noutputs || n > (in->wi_len - in->wi_off) / 64) {
		*errstr = n > mb->mb_noutputs ? MSG_TOO_MANY : MSG_TRUNCATED;
		return (-1);
	}
	if (n > 0 && (mb->mb_checks = calloc(n,
	    sizeof(*mb->mb_checks))) == NULL) {
		*errstr = "out of memory";
		return (-1);
	}
	for (i = 0; i < n; i++) {
		mb->mb_nchecks++;
		if (msg_get_check(in, mb, &mb->mb_checks[i], errstr) == -1)
			return (-1);
		for (j = 0; j < i; j++)
			if (strcmp(mb->mb_checks[j].oc_output,
			    mb->mb_checks[i].oc_output) == 0) {
				*errstr = "duplicate check";
				return (-1);
			}
	}
	return (0);
}

static int
msg_get_build(struct wire_in *in, const char *storedir, struct msg_build *mb,
    const char **errstr)
{
	uint64_t	uid, n, i, j;
	size_t		len;

	if (msg_got(in, wire_get_storepath(in, storedir, &mb->mb_drv),
	    errstr) == -1)
		return (-1);
	len = strlen(mb->mb_drv);
	if (len < 4 || strcmp(mb->mb_drv + len - 4, ".drv") != 0) {
		*errstr = "path is not a derivation";
		return (-1);
	}
	if (msg_got(in, wire_get_u64(in, &mb->mb_id), errstr) == -1 ||
	    msg_got(in, wire_get_u64(in, &uid), errstr) == -1 ||
	    msg_got(in, wire_get_u64(in, &n), errstr) == -1)
		return (-1);
	if (uid > UINT32_MAX - 1) {
		*errstr = "invalid build user";
		return (-1);
	}
	mb->mb_uid = (uint32_t)uid;
	if (n == 0 || n > MSG_OUTPUTS_MAX) {
		*errstr = n == 0 ? "a build without outputs" : MSG_TOO_MANY;
		return (-1);
	}
	if (n > (in->wi_len - in->wi_off) / 32) {
		*errstr = MSG_TRUNCATED;
		return (-1);
	}
	if ((mb->mb_outputs = calloc(n, sizeof(*mb->mb_outputs))) == NULL) {
		*errstr = "out of memory";
		return (-1);
	}
	for (i = 0; i < n; i++) {
		mb->mb_noutputs++;
		if (msg_get_build_output(in, storedir, &mb->mb_outputs[i],
		    errstr) == -1)
			return (-1);
		for (j = 0; j < i; j++)
			if (strcmp(mb->mb_outputs[j].mbo_name,
			    mb->mb_outputs[i].mbo_name) == 0 ||
			    strcmp(mb->mb_outputs[j].mbo_path,
			    mb->mb_outputs[i].mbo_path) == 0) {
				*errstr = "duplicate output";
				return (-1);
			}
	}
	if (msg_get_paths(in, storedir, &mb->mb_refs, &mb->mb_nrefs,
	    errstr) == -1 || msg_got(in, wire_get_u64(in, &n), errstr) == -1)
		return (-1);
	if (n > WIRE_BUILD_CHECK) {
		*errstr = "invalid build mode";
		return (-1);
	}
	mb->mb_mode = (uint32_t)n;
	if (msg_get_flag(in, &mb->mb_keep_failed, errstr) == -1)
		return (-1);
	return (msg_get_checks(in, mb, errstr));
}

int
msg_recv_build_outputs(struct imsg *imsg, const char *storedir,
    struct msg_build *mb, int *dirfd, const char **errstr)
{
	struct wire_in		in;
	struct msg_build	new;
	int			rfd;

	memset(&new, 0, sizeof(new));
	if (msg_begin(imsg, &in, 1, &rfd, errstr) == -1)
		return (-1);
	if (msg_get_build(&in, storedir, &new, errstr) == -1 ||
	    msg_end(&in, errstr) == -1) {
		msg_build_free(&new);
		return (msg_fail(rfd, errstr, *errstr));
	}
	*mb = new;
	*dirfd = rfd;
	return (0);
}

void
msg_build_free(struct msg_build *mb)
{
	size_t	i;

	free(mb->mb_drv);
	for (i = 0; i < mb->mb_noutputs; i++) {
		free(mb->mb_outputs[i].mbo_name);
		free(mb->mb_outputs[i].mbo_path);
		free(mb->mb_outputs[i].mbo_algo);
		free(mb->mb_outputs[i].mbo_hash);
	}
	free(mb->mb_outputs);
	wire_strings_free(mb->mb_refs, mb->mb_nrefs);
	outcheck_free(mb->mb_checks, mb->mb_nchecks);
	memset(mb, 0, sizeof(*mb));
}

/*
 * STORE_BUILD_RESULT: 0, the error, the mismatch flag; or 1, a count
 * and (output name, path info with path) pairs.
 */

void
msg_send_build_result(struct imsgev *iev, uint32_t sid,
    const struct msg_build_result *mbr)
{
	struct wire_out	out;
	size_t		i, len;

	msg_out_init(&out, iev->iev_ibuf);
	(void)wire_put_bool(&out, mbr->mbr_error == NULL);
	if (mbr->mbr_error != NULL) {
		len = msg_text_cut(mbr->mbr_error, strlen(mbr->mbr_error),
		    MSG_ERROR_MAX);
		(void)wire_put_bytes(&out, mbr->mbr_error, len);
		(void)wire_put_bool(&out, mbr->mbr_hash_mismatch);
		(void)wire_put_bool(&out, mbr->mbr_not_det);
		(void)msg_finish(iev, IMSG_STORE_BUILD_RESULT, sid, -1, &out);
		return;
	}
	msg_out_limit(&out, mbr->mbr_noutputs, MSG_OUTPUTS_MAX);
	(void)wire_put_u64(&out, mbr->mbr_noutputs);
	for (i = 0; i < mbr->mbr_noutputs && !out.wo_error; i++) {
		msg_out_limit(&out, mbr->mbr_outputs[i].mbt_info.pi_nrefs,
		    MSG_PATHS_MAX);
		(void)wire_put_string(&out, mbr->mbr_outputs[i].mbt_name);
		(void)wire_put_path_info(&out, &mbr->mbr_outputs[i].mbt_info,
		    1);
	}
	(void)msg_finish(iev, IMSG_STORE_BUILD_RESULT, sid, -1, &out);
}

static int
msg_get_built(struct wire_in *in, const char *storedir, void *item,
    const char **errstr)
{
	struct msg_built	*mbt = item;

	if (msg_got(in, wire_get_string(in, &mbt->mbt_name, NULL,
	    MSG_NAME_MAX), errstr) == -1)
		return (-1);
	if (storepath_check_name(mbt->mbt_name, NULL) == -1) {
		*errstr = "invalid output name";
		return (-1);
	}
	return (msg_get_path_info(in, storedir, &mbt->mbt_info, errstr));
}

static int
msg_get_build_result(struct wire_in *in, const char *storedir,
    struct msg_build_result *mbr, const char **errstr)
{
	void	*outputs;
	int	 ok, rc;

	if (msg_get_flag(in, &ok, errstr) == -1)
		return (-1);
	if (!ok) {
		if (msg_got(in, wire_get_string(in, &mbr->mbr_error, NULL,
		    MSG_ERROR_MAX), errstr) == -1)
			return (-1);
		if (msg_get_flag(in, &mbr->mbr_hash_mismatch, errstr) == -1)
			return (-1);
		return (msg_get_flag(in, &mbr->mbr_not_det, errstr));
	}
	/* On failure the free function looks at all slots: all zeroed. */
	rc = msg_get_items(in, sizeof(*mbr->mbr_outputs), MSG_OUTPUTS_MAX,
	    msg_get_built, storedir, &outputs, &mbr->mbr_noutputs, errstr);
	mbr->mbr_outputs = outputs;
	return (rc);
}

int
msg_recv_build_result(struct imsg *imsg, const char *storedir,
    struct msg_build_result *mbr, const char **errstr)
{
	struct wire_in		in;
	struct msg_build_result	new;
	int			fd;

	memset(&new, 0, sizeof(new));
	if (msg_begin(imsg, &in, 0, &fd, errstr) == -1)
		return (-1);
	if (msg_get_build_result(&in, storedir, &new, errstr) == -1 ||
	    msg_end(&in, errstr) == -1) {
		msg_build_result_free(&new);
		return (-1);
	}
	*mbr = new;
	return (0);
}

void
msg_build_result_free(struct msg_build_result *mbr)
{
	size_t	i;

	free(mbr->mbr_error);
	for (i = 0; i < mbr->mbr_noutputs; i++) {
		free(mbr->mbr_outputs[i].mbt_name);
		wire_path_info_free(&mbr->mbr_outputs[i].mbt_info);
	}
	free(mbr->mbr_outputs);
	memset(mbr, 0, sizeof(*mbr));
}
