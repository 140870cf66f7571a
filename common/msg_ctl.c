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
 * The framework messages (msg_ctl.h): one send and one receive
 * function per message, over msg.h's builder and reader.  The parent
 * links this file: no event library, no client codec.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "msg.h"
#include "msg_ctl.h"

static void	msg_close_ctl(struct msg *);
static int	msg_get_uid(struct msg_in *, void *);
static void	msg_free_nothing(void *);
static int	msg_get_link(struct msg_in *, char **);
static int	msg_get_readlink(struct msg_in *, void *);
static void	msg_free_readlink(void *);

/* The parent's setup and answers: too large is a bug, not an input. */
static void
msg_close_ctl(struct msg *m)
{
	if (msg_close(m) == -1)
		fatalx("%s: payload too large", imsg_type_name(m->m_type));
}

void
msg_send_peer(struct imsgbuf *ib, enum proc_type proc, int fd)
{
	struct msg	m;

	msg_open(&m, ib, IMSG_CTL_PEER, 0, fd);
	msg_put_u32(&m, proc);
	msg_close_ctl(&m);
}

int
msg_recv_peer(struct imsg *imsg, enum proc_type *proc, int *fd,
    const char **errstr)
{
	struct msg_in	in;
	uint32_t	p = 0;

	if (msg_begin(imsg, &in, 1) == 0 && msg_get_u32(&in, &p) == 0 &&
	    (p <= PROC_PARENT || p >= PROC_MAX))
		(void)msg_fail(&in, "not a sibling");
	if (msg_end(&in, errstr) == -1)
		return (-1);
	*proc = p;
	*fd = in.mi_fd;
	return (0);
}

void
msg_send_listen(struct imsgbuf *ib, int fd)
{
	struct msg	m;

	msg_open(&m, ib, IMSG_CTL_LISTEN, 0, fd);
	msg_close_ctl(&m);
}

int
msg_recv_listen(struct imsg *imsg, int *fd, const char **errstr)
{
	struct msg_in	in;

	(void)msg_begin(imsg, &in, 1);
	if (msg_end(&in, errstr) == -1)
		return (-1);
	*fd = in.mi_fd;
	return (0);
}

void
msg_send_ready(struct imsgbuf *ib)
{
	struct msg	m;

	msg_open(&m, ib, IMSG_CTL_READY, 0, -1);
	msg_put_u32(&m, IMSG_VERSION);
	msg_close_ctl(&m);
}

int
msg_recv_ready(struct imsg *imsg, const char **errstr)
{
	static char	why[64];
	struct msg_in	in;
	uint32_t	version;

	if (msg_begin(imsg, &in, 0) == 0 &&
	    msg_get_u32(&in, &version) == 0 && version != IMSG_VERSION) {
		(void)snprintf(why, sizeof(why), "imsg version %u, "
		    "expected %u", version, IMSG_VERSION);
		(void)msg_fail(&in, why);
	}
	return (msg_end(&in, errstr));
}

void
msg_send_cred_req(struct imsgbuf *ib, uint32_t id, uid_t uid, gid_t gid)
{
	struct msg	m;

	msg_open(&m, ib, IMSG_CTL_CRED_REQ, 0, -1);
	msg_put_u32(&m, id);
	msg_put_u32(&m, uid);
	msg_put_u32(&m, gid);
	msg_close_ctl(&m);
}

int
msg_recv_cred_req(struct imsg *imsg, uint32_t *id, uid_t *uid, gid_t *gid,
    const char **errstr)
{
	struct msg_in	in;
	uint32_t	i, u, g;

	if (msg_begin(imsg, &in, 0) == 0 && msg_get_u32(&in, &i) == 0 &&
	    msg_get_u32(&in, &u) == 0 && msg_get_u32(&in, &g) == 0 &&
	    (u == (uint32_t)-1 || g == (uint32_t)-1))
		(void)msg_fail(&in, "invalid uid or gid");
	if (msg_end(&in, errstr) == -1)
		return (-1);
	*id = i;
	*uid = u;
	*gid = g;
	return (0);
}

void
msg_send_cred_reply(struct imsgbuf *ib, const struct msg_cred_reply *mcr)
{
	struct msg	m;

	msg_open(&m, ib, IMSG_CTL_CRED_REPLY, 0, -1);
	msg_put_u32(&m, mcr->mcr_id);
	msg_put_u32(&m, mcr->mcr_flags);
	msg_put_str(&m, mcr->mcr_name);
	msg_close_ctl(&m);
}

int
msg_recv_cred_reply(struct imsg *imsg, struct msg_cred_reply *mcr,
    const char **errstr)
{
	struct msg_in		in;
	struct msg_cred_reply	new;
	char			*name = NULL;

	memset(&new, 0, sizeof(new));
	if (msg_begin(imsg, &in, 0) == 0 &&
	    msg_get_u32(&in, &new.mcr_id) == 0 &&
	    msg_get_u32(&in, &new.mcr_flags) == 0 &&
	    (new.mcr_flags & ~CRED_ALL) != 0)
		(void)msg_fail(&in, "unknown credential flags");
	/* A build user is never allowed, whatever else it is. */
	if ((new.mcr_flags & CRED_BUILD_USER) &&
	    (new.mcr_flags & (CRED_ALLOWED | CRED_TRUSTED)))
		(void)msg_fail(&in, "build user with access");
	(void)msg_get_str(&in, &name, CRED_NAME_MAX - 1);
	if (msg_end(&in, errstr) == -1) {
		free(name);
		return (-1);
	}
	(void)strlcpy(new.mcr_name, name, sizeof(new.mcr_name));
	free(name);
	*mcr = new;
	return (0);
}

void
msg_send_perm_root(struct imsgbuf *ib, const struct msg_perm_root *mpr)
{
	struct msg	m;

	msg_open(&m, ib, IMSG_CTL_PERM_ROOT, 0, -1);
	msg_put_u32(&m, mpr->mpr_id);
	msg_put_u32(&m, mpr->mpr_uid);
	msg_put_u32(&m, mpr->mpr_gid);
	msg_put_str(&m, mpr->mpr_link);
	msg_put_str(&m, mpr->mpr_target);
	msg_close_ctl(&m);
}

/* A link or target: absolute, bounded, copied into its fixed field. */
static void
perm_get_path(struct msg_in *in, char *dst, size_t dstsz)
{
	char	*p = NULL;

	if (msg_get_str(in, &p, dstsz - 1) == 0 && p[0] != '/')
		(void)msg_fail(in, "relative path");
	if (p != NULL)
		(void)strlcpy(dst, p, dstsz);
	free(p);
}

int
msg_recv_perm_root(struct imsg *imsg, struct msg_perm_root *mpr,
    const char **errstr)
{
	struct msg_in		in;
	struct msg_perm_root	new;

	memset(&new, 0, sizeof(new));
	if (msg_begin(imsg, &in, 0) == 0 &&
	    msg_get_u32(&in, &new.mpr_id) == 0 &&
	    msg_get_u32(&in, &new.mpr_uid) == 0 &&
	    msg_get_u32(&in, &new.mpr_gid) == 0 &&
	    (new.mpr_uid == (uint32_t)-1 || new.mpr_gid == (uint32_t)-1))
		(void)msg_fail(&in, "invalid uid or gid");
	perm_get_path(&in, new.mpr_link, sizeof(new.mpr_link));
	perm_get_path(&in, new.mpr_target, sizeof(new.mpr_target));
	if (msg_end(&in, errstr) == -1)
		return (-1);
	*mpr = new;
	return (0);
}

void
msg_send_perm_root_reply(struct imsgbuf *ib,
    const struct msg_perm_root_reply *mprr)
{
	struct msg	m;

	msg_open(&m, ib, IMSG_CTL_PERM_ROOT_REPLY, 0, -1);
	msg_put_u32(&m, mprr->mprr_id);
	msg_put_str(&m, mprr->mprr_error);
	msg_close_ctl(&m);
}

int
msg_recv_perm_root_reply(struct imsg *imsg, struct msg_perm_root_reply *mprr,
    const char **errstr)
{
	struct msg_in			in;
	struct msg_perm_root_reply	new;
	char				*error = NULL;

	memset(&new, 0, sizeof(new));
	if (msg_begin(imsg, &in, 0) == 0)
		(void)msg_get_u32(&in, &new.mprr_id);
	(void)msg_get_str(&in, &error, sizeof(new.mprr_error) - 1);
	if (msg_end(&in, errstr) == -1) {
		free(error);
		return (-1);
	}
	(void)strlcpy(new.mprr_error, error, sizeof(new.mprr_error));
	free(error);
	*mprr = new;
	return (0);
}

void
msg_send_build_users(struct imsgbuf *ib, gid_t gid, const uid_t *uids,
    size_t nuids)
{
	struct msg	m;
	size_t		i;

	msg_open(&m, ib, IMSG_CTL_BUILD_USERS, 0, -1);
	msg_put_u32(&m, gid);
	msg_limit(&m, nuids, MSG_BUILD_USERS_MAX);
	msg_put_u64(&m, nuids);
	for (i = 0; i < nuids; i++)
		msg_put_u32(&m, uids[i]);
	msg_close_ctl(&m);
}

static int
msg_get_uid(struct msg_in *in, void *item)
{
	uid_t		*uid = item;
	uint32_t	 u;

	if (msg_get_u32(in, &u) == -1)
		return (-1);
	if (u == 0 || u == (uint32_t)-1)
		return (msg_fail(in, "invalid build user uid"));
	*uid = u;
	return (0);
}

static void
msg_free_nothing(void *item)
{
	(void)item;
}

int
msg_recv_build_users(struct imsg *imsg, gid_t *gid, uid_t **uids,
    size_t *nuids, const char **errstr)
{
	struct msg_in	 in;
	uint32_t	 g = 0;
	void		*items = NULL;
	uid_t		*u;
	size_t		 n = 0, i, j;

	if (msg_begin(imsg, &in, 0) == 0 && msg_get_u32(&in, &g) == 0 &&
	    msg_get_array(&in, sizeof(uid_t), MSG_BUILD_USERS_MAX,
	    msg_get_uid, msg_free_nothing, &items, &n) == 0) {
		u = items;
		for (i = 0; i < n; i++)
			for (j = 0; j < i; j++)
				if (u[i] == u[j])
					(void)msg_fail(&in,
					    "build user listed twice");
	}
	if (g == (uint32_t)-1)
		(void)msg_fail(&in, "invalid gid");
	if (msg_end(&in, errstr) == -1) {
		free(items);
		return (-1);
	}
	*gid = g;
	*uids = items;
	*nuids = n;
	return (0);
}

void
msg_send_config(struct imsgbuf *ib, const char *text, size_t len)
{
	struct msg	m;
	size_t		off, chunk;

	msg_open(&m, ib, IMSG_CFG_START, 0, -1);
	msg_close_ctl(&m);
	for (off = 0; off < len; off += chunk) {
		chunk = len - off;
		if (chunk > MSG_CFG_CHUNK)
			chunk = MSG_CFG_CHUNK;
		msg_open(&m, ib, IMSG_CFG_TEXT, 0, -1);
		msg_put_bytes(&m, text + off, chunk);
		msg_close_ctl(&m);
	}
	msg_open(&m, ib, IMSG_CFG_DONE, 0, -1);
	msg_close_ctl(&m);
}

/* CFG_START and CFG_DONE: nothing at all. */
int
msg_recv_cfg_mark(struct imsg *imsg, const char **errstr)
{
	struct msg_in	in;

	(void)msg_begin(imsg, &in, 0);
	return (msg_end(&in, errstr));
}

/* The text stays in the imsg: valid until imsg_free(). */
int
msg_recv_cfg_text(struct imsg *imsg, const char **text, size_t *len,
    const char **errstr)
{
	struct msg_in		 in;
	const unsigned char	*p = NULL;
	size_t			 n = 0;
	int			 r;

	if (msg_begin(imsg, &in, 0) == 0) {
		r = wire_get_string_ref(&in.mi_in, &p, &n, MSG_CFG_CHUNK);
		if (r != 1)
			(void)msg_fail(&in, r == 0 ? MSG_TRUNCATED :
			    in.mi_in.wi_errstr);
	}
	if (msg_end(&in, errstr) == -1)
		return (-1);
	*text = (const char *)p;
	*len = n;
	return (0);
}

int
msg_send_readlinks(struct imsgbuf *ib, char *const *links, size_t nlinks)
{
	struct msg	m;

	msg_open(&m, ib, IMSG_CTL_READLINKS, 0, -1);
	msg_put_strs(&m, links, nlinks, MSG_LINKS_MAX);
	return (msg_close(&m));
}

int
msg_recv_readlinks(struct imsg *imsg, char ***links, size_t *nlinks,
    const char **errstr)
{
	struct msg_in	  in;
	char		**items = NULL;
	size_t		  nitems = 0, i;

	if (msg_begin(imsg, &in, 0) == 0 && msg_get_strs(&in, &items,
	    &nitems, MSG_LINKS_MAX, MSG_LINKPATH_MAX) == 0)
		for (i = 0; i < nitems; i++)
			if (items[i][0] != '/')
				(void)msg_fail(&in,
				    "link path is not absolute");
	if (msg_end(&in, errstr) == -1) {
		wire_strings_free(items, nitems);
		return (-1);
	}
	*links = items;
	*nlinks = nitems;
	return (0);
}

void
msg_send_readlinks_reply(struct imsgbuf *ib, const struct msg_readlink *rl,
    size_t nlinks)
{
	struct msg	m;
	size_t		i;

	msg_open(&m, ib, IMSG_CTL_READLINKS_REPLY, 0, -1);
	msg_limit(&m, nlinks, MSG_LINKS_MAX);
	msg_put_u64(&m, nlinks);
	for (i = 0; i < nlinks; i++) {
		msg_put_str(&m, rl[i].mrl_link);
		msg_put_opt(&m, rl[i].mrl_target);
	}
	/* Too large goes out as STORE_ERROR, which always fits. */
	(void)msg_close(&m);
}

static int
msg_get_link(struct msg_in *in, char **link)
{
	char	*s;

	if (msg_get_str(in, &s, MSG_LINKPATH_MAX) == -1)
		return (-1);
	if (s[0] != '/') {
		free(s);
		return (msg_fail(in, "link path is not absolute"));
	}
	*link = s;
	return (0);
}

static int
msg_get_readlink(struct msg_in *in, void *item)
{
	struct msg_readlink	*mrl = item;

	if (msg_get_link(in, &mrl->mrl_link) == -1 ||
	    msg_get_str(in, &mrl->mrl_target, MSG_LINKPATH_MAX) == -1)
		return (-1);
	/* A symlink's target is never empty: "" says there is none. */
	if (mrl->mrl_target[0] == '\0') {
		free(mrl->mrl_target);
		mrl->mrl_target = NULL;
	}
	return (0);
}

static void
msg_free_readlink(void *item)
{
	struct msg_readlink	*mrl = item;

	free(mrl->mrl_link);
	free(mrl->mrl_target);
}

int
msg_recv_readlinks_reply(struct imsg *imsg, struct msg_readlink **links,
    size_t *nlinks, const char **errstr)
{
	void	*items;

	if (msg_recv_array(imsg, NULL, sizeof(**links), MSG_LINKS_MAX,
	    msg_get_readlink, msg_free_readlink, &items, nlinks,
	    errstr) == -1)
		return (-1);
	*links = items;
	return (0);
}

int
msg_recv_readlinks_error(struct imsg *imsg, char **text,
    const char **errstr)
{
	struct msg_in	 in;
	char		*s = NULL;

	if (msg_begin(imsg, &in, 0) == 0)
		(void)msg_get_str(&in, &s, MSG_LINKPATH_MAX);
	if (msg_end(&in, errstr) == -1) {
		free(s);
		return (-1);
	}
	*text = s;
	return (0);
}

void
msg_readlinks_free(struct msg_readlink *links, size_t nlinks)
{
	msg_array_free(links, nlinks, sizeof(*links), msg_free_readlink);
}
