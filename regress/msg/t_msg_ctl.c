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
 * msg_ctl.c: every send/recv pair of msg_ctl.h over a real imsg
 * channel.  Each good message makes a round trip and must come back as
 * sent; then its payload is damaged in every generic way (cut at every
 * offset, a trailing byte, an fd taken away or added) and in the ways
 * the message's own rules forbid (a foreign version, unknown flags,
 * root as a build user, a relative link, ...), and every damaged copy
 * must be refused with a reason.  /proc/self/fd is counted around each
 * case, so no received descriptor may leak; LeakSanitizer checks
 * memory in the -asan build.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "msg.h"
#include "msg_ctl.h"
#include "proc.h"
#include "wirebuf.h"
#include "msgtest.h"

/* link: regress/msg/msgtest.c */

/* A message as it went over the channel. */
struct cap {
	uint32_t	 c_type;
	unsigned char	*c_buf;
	size_t		 c_len;
	int		 c_fd;		/* it carried one */
};

static struct imsgbuf	ib_send, ib_recv;

/* The next message the senders queued, over the real channel. */
static void
take(struct imsg *imsg)
{
	int	rc;

	for (;;) {
		if (imsgbuf_queuelen(&ib_send) > 0 &&
		    imsgbuf_write(&ib_send) == -1)
			err(1, "imsgbuf_write");
		if ((rc = imsgbuf_get(&ib_recv, imsg)) == 1)
			return;
		if (rc == -1)
			err(1, "imsgbuf_get");
		if (imsgbuf_read(&ib_recv) == -1 && errno != EAGAIN)
			err(1, "imsgbuf_read");
	}
}

static void
capture(const struct imsg *imsg, struct cap *c)
{
	const void	*data;

	c->c_type = imsg_get_type(imsg);
	c->c_fd = imsg->im_fd != -1;
	data = imsg_get_buf(imsg, &c->c_len);
	if ((c->c_buf = malloc(c->c_len + 1)) == NULL)
		err(1, NULL);
	if (c->c_len > 0)
		memcpy(c->c_buf, data, c->c_len);
}

/* The generic cases of a captured message; its copy is freed. */
static void
generic(const char *name, mt_recv_fn fn, struct cap *c)
{
	mt_generic(name, fn, c->c_type, c->c_buf, c->c_len, c->c_fd);
	free(c->c_buf);
}

/* A payload of u64s, for what no sender would write. */
static void
expect_u64s(const char *what, mt_recv_fn fn, uint32_t type, int fd,
    const uint64_t *v, size_t n, const char *str)
{
	struct wire_out	o;
	size_t		i;

	wire_out_init(&o, 1 << 20);
	for (i = 0; i < n; i++)
		(void)wire_put_u64(&o, v[i]);
	if (str != NULL)
		(void)wire_put_string(&o, str);
	mt_expect(what, fn, type, o.wo_buf, o.wo_len, fd, 0);
	wire_out_free(&o);
}

static int
r_peer(struct imsg *imsg, const char **errstr)
{
	enum proc_type	proc;
	int		fd;

	if (msg_recv_peer(imsg, &proc, &fd, errstr) == -1)
		return (-1);
	close(fd);
	return (0);
}

static int
r_listen(struct imsg *imsg, const char **errstr)
{
	int	fd;

	if (msg_recv_listen(imsg, &fd, errstr) == -1)
		return (-1);
	close(fd);
	return (0);
}

static int
r_ready(struct imsg *imsg, const char **errstr)
{
	return (msg_recv_ready(imsg, errstr));
}

static int
r_cred_req(struct imsg *imsg, const char **errstr)
{
	uint32_t	id;
	uid_t		uid;
	gid_t		gid;

	return (msg_recv_cred_req(imsg, &id, &uid, &gid, errstr));
}

static int
r_cred_reply(struct imsg *imsg, const char **errstr)
{
	struct msg_cred_reply	mcr;

	return (msg_recv_cred_reply(imsg, &mcr, errstr));
}

static int
r_perm_root(struct imsg *imsg, const char **errstr)
{
	struct msg_perm_root	mpr;

	return (msg_recv_perm_root(imsg, &mpr, errstr));
}

static int
r_perm_root_reply(struct imsg *imsg, const char **errstr)
{
	struct msg_perm_root_reply	mprr;

	return (msg_recv_perm_root_reply(imsg, &mprr, errstr));
}

static int
r_build_users(struct imsg *imsg, const char **errstr)
{
	uid_t	*uids;
	gid_t	 gid;
	size_t	 n;

	if (msg_recv_build_users(imsg, &gid, &uids, &n, errstr) == -1)
		return (-1);
	free(uids);
	return (0);
}

static int
r_cfg_mark(struct imsg *imsg, const char **errstr)
{
	return (msg_recv_cfg_mark(imsg, errstr));
}

static int
r_cfg_text(struct imsg *imsg, const char **errstr)
{
	const char	*text;
	size_t		 len;

	return (msg_recv_cfg_text(imsg, &text, &len, errstr));
}

static int
r_readlinks_error(struct imsg *imsg, const char **errstr)
{
	char	*text;

	if (msg_recv_readlinks_error(imsg, &text, errstr) == -1)
		return (-1);
	free(text);
	return (0);
}

/* PEER, LISTEN and READY: the parent's setup of each child. */
static void
test_setup(void)
{
	struct imsg	 imsg;
	struct cap	 c;
	const char	*errstr;
	enum proc_type	 proc;
	int		 fd;
	uint64_t	 v;

	msg_send_peer(&ib_send, PROC_MOUNT, dup(mt_anyfd));
	take(&imsg);
	capture(&imsg, &c);
	if (msg_recv_peer(&imsg, &proc, &fd, &errstr) == -1 ||
	    proc != PROC_MOUNT || fd == -1)
		errx(1, "PEER round trip");
	close(fd);
	imsg_free(&imsg);
	generic("CTL_PEER", r_peer, &c);
	v = PROC_PARENT;
	expect_u64s("PEER of the parent", r_peer, IMSG_CTL_PEER, mt_anyfd, &v,
	    1, NULL);
	v = PROC_MAX;
	expect_u64s("PEER of the spawner", r_peer, IMSG_CTL_PEER, mt_anyfd, &v,
	    1, NULL);
	v = 1ULL << 32 | PROC_STORE;
	expect_u64s("PEER over 32 bits", r_peer, IMSG_CTL_PEER, mt_anyfd, &v, 1,
	    NULL);

	msg_send_listen(&ib_send, dup(mt_anyfd));
	take(&imsg);
	capture(&imsg, &c);
	if (msg_recv_listen(&imsg, &fd, &errstr) == -1 || fd == -1)
		errx(1, "LISTEN round trip");
	close(fd);
	imsg_free(&imsg);
	generic("CTL_LISTEN", r_listen, &c);

	msg_send_ready(&ib_send);
	take(&imsg);
	capture(&imsg, &c);
	if (msg_recv_ready(&imsg, &errstr) == -1)
		errx(1, "READY round trip: %s", errstr);
	imsg_free(&imsg);
	generic("CTL_READY", r_ready, &c);
	v = IMSG_VERSION + 1;
	expect_u64s("READY of another version", r_ready, IMSG_CTL_READY, -1,
	    &v, 1, NULL);
	mt_fake(&imsg, IMSG_CTL_READY, &v, sizeof(v), -1);
	if (msg_recv_ready(&imsg, &errstr) != -1 ||
	    strstr(errstr, "imsg version") == NULL)
		errx(1, "READY of another version: got \"%s\"", errstr);
	imsg_free(&imsg);
	printf("setup rules (sibling range, version): ok\n");
}

/* CRED_REQ and CRED_REPLY: who a client is. */
static void
test_cred(void)
{
	struct msg_cred_reply	 mcr, got;
	struct imsg		 imsg;
	struct cap		 c;
	const char		*errstr;
	char			 name[CRED_NAME_MAX + 1];
	uint64_t		 v[3];
	uint32_t		 id;
	uid_t			 uid;
	gid_t			 gid;

	msg_send_cred_req(&ib_send, 77, 1000, 100);
	take(&imsg);
	capture(&imsg, &c);
	if (msg_recv_cred_req(&imsg, &id, &uid, &gid, &errstr) == -1 ||
	    id != 77 || uid != 1000 || gid != 100)
		errx(1, "CRED_REQ round trip");
	imsg_free(&imsg);
	generic("CTL_CRED_REQ", r_cred_req, &c);
	v[0] = 1;
	v[1] = (uint32_t)-1;
	v[2] = 100;
	expect_u64s("CRED_REQ of uid -1", r_cred_req, IMSG_CTL_CRED_REQ, -1,
	    v, 3, NULL);

	memset(&mcr, 0, sizeof(mcr));
	mcr.mcr_id = 77;
	mcr.mcr_flags = CRED_ALLOWED | CRED_TRUSTED;
	memset(mcr.mcr_name, 'n', CRED_NAME_MAX - 1);
	msg_send_cred_reply(&ib_send, &mcr);
	take(&imsg);
	capture(&imsg, &c);
	if (msg_recv_cred_reply(&imsg, &got, &errstr) == -1 ||
	    got.mcr_id != 77 || got.mcr_flags != mcr.mcr_flags ||
	    strcmp(got.mcr_name, mcr.mcr_name) != 0)
		errx(1, "CRED_REPLY round trip");
	imsg_free(&imsg);
	generic("CTL_CRED_REPLY", r_cred_reply, &c);
	v[0] = 77;
	v[1] = 0x08;
	expect_u64s("CRED_REPLY with unknown flags", r_cred_reply,
	    IMSG_CTL_CRED_REPLY, -1, v, 2, "alice");
	v[1] = CRED_BUILD_USER | CRED_ALLOWED;
	expect_u64s("CRED_REPLY of an allowed build user", r_cred_reply,
	    IMSG_CTL_CRED_REPLY, -1, v, 2, "nixbld1");
	v[1] = CRED_ALLOWED;
	memset(name, 'n', CRED_NAME_MAX);
	name[CRED_NAME_MAX] = '\0';
	expect_u64s("CRED_REPLY with a long name", r_cred_reply,
	    IMSG_CTL_CRED_REPLY, -1, v, 2, name);
	printf("credential rules (ids, flags, name): ok\n");
}

/*
 * PERM_ROOT's payload by hand: id, uid, gid, link, target; the link's
 * length is strlen's unless linklen is given (for a NUL inside).
 */
static void
expect_perm(const char *what, uint32_t uid, const char *link,
    size_t linklen, const char *target)
{
	struct wire_out	o;

	wire_out_init(&o, 1 << 20);
	(void)wire_put_u64(&o, 5);
	(void)wire_put_u64(&o, uid);
	(void)wire_put_u64(&o, 100);
	(void)wire_put_bytes(&o, link, linklen != 0 ? linklen : strlen(link));
	(void)wire_put_string(&o, target);
	mt_expect(what, r_perm_root, IMSG_CTL_PERM_ROOT, o.wo_buf, o.wo_len,
	    -1, 0);
	wire_out_free(&o);
}

/* PERM_ROOT and its reply: a trusted client's AddPermRoot. */
static void
test_perm_root(void)
{
	struct msg_perm_root		 mpr, got;
	struct msg_perm_root_reply	 mprr, gotr;
	struct wire_out			 o;
	struct imsg			 imsg;
	struct cap			 c;
	const char			*errstr;
	char				 lng[MSG_PERM_ERROR_MAX + 1];
	uint64_t			 v[1];

	memset(&mpr, 0, sizeof(mpr));
	mpr.mpr_id = 5;
	mpr.mpr_uid = 1000;
	mpr.mpr_gid = 100;
	lng[0] = '/';
	memset(lng + 1, 'l', MSG_PERM_LINK_MAX - 2);
	lng[MSG_PERM_LINK_MAX - 1] = '\0';
	(void)strlcpy(mpr.mpr_link, lng, sizeof(mpr.mpr_link));
	(void)strlcpy(mpr.mpr_target, "/nix/store/"
	    "00000000000000000000000000000000-a", sizeof(mpr.mpr_target));
	msg_send_perm_root(&ib_send, &mpr);
	take(&imsg);
	capture(&imsg, &c);
	if (msg_recv_perm_root(&imsg, &got, &errstr) == -1 ||
	    got.mpr_id != 5 || got.mpr_uid != 1000 || got.mpr_gid != 100 ||
	    strcmp(got.mpr_link, mpr.mpr_link) != 0 ||
	    strcmp(got.mpr_target, mpr.mpr_target) != 0)
		errx(1, "PERM_ROOT round trip");
	imsg_free(&imsg);
	generic("CTL_PERM_ROOT", r_perm_root, &c);
	expect_perm("PERM_ROOT of uid -1", (uint32_t)-1, "/home/a/r", 0,
	    "/nix/store/x");
	expect_perm("PERM_ROOT with a relative link", 1000, "home/a/r", 0,
	    "/nix/store/x");
	expect_perm("PERM_ROOT with an empty target", 1000, "/home/a/r", 0,
	    "");
	expect_perm("PERM_ROOT with a NUL in the link", 1000, "/home/a\0b",
	    10, "/nix/store/x");
	lng[MSG_PERM_LINK_MAX - 1] = 'l';
	lng[MSG_PERM_LINK_MAX] = '\0';
	expect_perm("PERM_ROOT with a long link", 1000, lng, 0,
	    "/nix/store/x");
	lng[MSG_PERM_TARGET_MAX] = '\0';
	expect_perm("PERM_ROOT with a long target", 1000, "/home/a/r", 0,
	    lng);

	memset(&mprr, 0, sizeof(mprr));
	mprr.mprr_id = 5;
	memset(mprr.mprr_error, 'e', MSG_PERM_ERROR_MAX - 1);
	msg_send_perm_root_reply(&ib_send, &mprr);
	take(&imsg);
	capture(&imsg, &c);
	if (msg_recv_perm_root_reply(&imsg, &gotr, &errstr) == -1 ||
	    gotr.mprr_id != 5 ||
	    strcmp(gotr.mprr_error, mprr.mprr_error) != 0)
		errx(1, "PERM_ROOT_REPLY round trip");
	imsg_free(&imsg);
	generic("CTL_PERM_ROOT_REPLY", r_perm_root_reply, &c);
	v[0] = 5;
	memset(lng, 'e', MSG_PERM_ERROR_MAX);
	lng[MSG_PERM_ERROR_MAX] = '\0';
	expect_u64s("PERM_ROOT_REPLY with a long error", r_perm_root_reply,
	    IMSG_CTL_PERM_ROOT_REPLY, -1, v, 1, lng);
	expect_u64s("PERM_ROOT_REPLY without its error", r_perm_root_reply,
	    IMSG_CTL_PERM_ROOT_REPLY, -1, v, 1, NULL);
	wire_out_init(&o, 1 << 20);
	(void)wire_put_u64(&o, 5);
	(void)wire_put_bytes(&o, "no\0pe", 6);
	mt_expect("PERM_ROOT_REPLY with a NUL in the error",
	    r_perm_root_reply, IMSG_CTL_PERM_ROOT_REPLY, o.wo_buf, o.wo_len,
	    -1, 0);
	wire_out_free(&o);
	printf("perm root rules (ids, paths, bounds): ok\n");
}

/* BUILD_USERS: the members of build-users-group. */
static void
test_build_users(void)
{
	struct imsg	 imsg;
	struct cap	 c;
	const char	*errstr;
	uid_t		 uids[3] = { 30001, 30002, 30003 }, *got, *many;
	gid_t		 gid;
	size_t		 n, i;
	uint64_t	 v[5];

	msg_send_build_users(&ib_send, 30000, uids, 3);
	take(&imsg);
	capture(&imsg, &c);
	if (msg_recv_build_users(&imsg, &gid, &got, &n, &errstr) == -1 ||
	    gid != 30000 || n != 3 || memcmp(got, uids, sizeof(uids)) != 0)
		errx(1, "BUILD_USERS round trip");
	free(got);
	imsg_free(&imsg);
	generic("CTL_BUILD_USERS", r_build_users, &c);
	msg_send_build_users(&ib_send, 30000, NULL, 0);
	take(&imsg);
	if (msg_recv_build_users(&imsg, &gid, &got, &n, &errstr) == -1 ||
	    n != 0)
		errx(1, "BUILD_USERS without members");
	free(got);
	imsg_free(&imsg);

	v[0] = 30000;
	v[1] = 2;
	v[2] = 30001;
	v[3] = 0;
	expect_u64s("BUILD_USERS with root", r_build_users,
	    IMSG_CTL_BUILD_USERS, -1, v, 4, NULL);
	v[3] = 30001;
	expect_u64s("BUILD_USERS with a uid twice", r_build_users,
	    IMSG_CTL_BUILD_USERS, -1, v, 4, NULL);
	v[1] = MSG_BUILD_USERS_MAX + 1;
	expect_u64s("BUILD_USERS over the limit", r_build_users,
	    IMSG_CTL_BUILD_USERS, -1, v, 4, NULL);
	v[1] = 1;
	v[2] = 1ULL << 32;
	expect_u64s("BUILD_USERS with a uid over 32 bits", r_build_users,
	    IMSG_CTL_BUILD_USERS, -1, v, 3, NULL);
	/* The most the receiver takes goes, one more is never sent. */
	if ((many = calloc(MSG_BUILD_USERS_MAX, sizeof(*many))) == NULL)
		err(1, NULL);
	for (i = 0; i < MSG_BUILD_USERS_MAX; i++)
		many[i] = 40000 + i;
	msg_send_build_users(&ib_send, 30000, many, MSG_BUILD_USERS_MAX);
	take(&imsg);
	if (msg_recv_build_users(&imsg, &gid, &got, &n, &errstr) == -1 ||
	    n != MSG_BUILD_USERS_MAX)
		errx(1, "BUILD_USERS at the limit: %s", errstr);
	free(got);
	free(many);
	imsg_free(&imsg);
	printf("build user rules (root, twice, limits): ok\n");
}

/* CFG_START, CFG_TEXT..., CFG_DONE: the configuration push. */
static void
test_config(void)
{
	struct imsg	 imsg;
	struct cap	 c, text;
	const char	*errstr, *got;
	char		*conf, *all;
	size_t		 len, total = 0, n = 0;

	len = 2 * MSG_CFG_CHUNK + 100;
	if ((conf = malloc(len)) == NULL || (all = malloc(len)) == NULL)
		err(1, NULL);
	memset(conf, 'c', len);
	msg_send_config(&ib_send, conf, len);
	take(&imsg);
	capture(&imsg, &c);
	if (imsg_get_type(&imsg) != IMSG_CFG_START ||
	    msg_recv_cfg_mark(&imsg, &errstr) == -1)
		errx(1, "CFG_START round trip");
	imsg_free(&imsg);
	for (;;) {
		take(&imsg);
		if (imsg_get_type(&imsg) == IMSG_CFG_DONE)
			break;
		if (n == 0)
			capture(&imsg, &text);
		if (msg_recv_cfg_text(&imsg, &got, &len, &errstr) == -1 ||
		    len > MSG_CFG_CHUNK ||
		    total + len > 2 * MSG_CFG_CHUNK + 100)
			errx(1, "CFG_TEXT round trip");
		memcpy(all + total, got, len);
		total += len;
		n++;
		imsg_free(&imsg);
	}
	if (msg_recv_cfg_mark(&imsg, &errstr) == -1)
		errx(1, "CFG_DONE round trip");
	imsg_free(&imsg);
	if (n != 3 || total != 2 * MSG_CFG_CHUNK + 100 ||
	    memcmp(all, conf, total) != 0)
		errx(1, "configuration: %zu chunks, %zu bytes, not as sent", n,
		    total);
	generic("CFG_START", r_cfg_mark, &c);
	generic("CFG_TEXT", r_cfg_text, &text);
	free(conf);
	free(all);
	printf("configuration in 3 chunks, as sent: ok\n");
}

/* READLINKS, its reply, and the reply turned error. */
static void
test_readlinks(void)
{
	struct msg_readlink	 rl[2], *got;
	struct imsg		 imsg;
	struct cap		 c;
	const char		*errstr;
	char			*links[] = { "/home/u/result", "/tmp/r", NULL };
	char			*text, *bad[] = { "/a", "result", NULL };
	size_t			 n;
	uint64_t		 v = 1;

	if (msg_send_readlinks(&ib_send, links, 2) == -1)
		errx(1, "READLINKS not sent");
	take(&imsg);
	capture(&imsg, &c);
	imsg_free(&imsg);
	generic("CTL_READLINKS", mt_r_readlinks, &c);
	(void)msg_send_readlinks(&ib_send, bad, 2);
	take(&imsg);
	capture(&imsg, &c);
	imsg_free(&imsg);
	mt_expect("READLINKS with a relative link", mt_r_readlinks,
	    IMSG_CTL_READLINKS, c.c_buf, c.c_len, -1, 0);
	free(c.c_buf);

	rl[0].mrl_link = links[0];
	rl[0].mrl_target = "/nix/store/x";
	rl[1].mrl_link = links[1];
	rl[1].mrl_target = NULL;
	msg_send_readlinks_reply(&ib_send, rl, 2);
	take(&imsg);
	capture(&imsg, &c);
	if (msg_recv_readlinks_reply(&imsg, &got, &n, &errstr) == -1 ||
	    n != 2 || strcmp(got[0].mrl_target, "/nix/store/x") != 0 ||
	    got[1].mrl_target != NULL)
		errx(1, "READLINKS_REPLY round trip");
	msg_readlinks_free(got, n);
	imsg_free(&imsg);
	generic("CTL_READLINKS_REPLY", mt_r_readlinks_reply, &c);
	expect_u64s("READLINKS_REPLY with a relative link",
	    mt_r_readlinks_reply, IMSG_CTL_READLINKS_REPLY, -1, &v, 1,
	    "result");

	/* Too large for the channel: STORE_ERROR goes instead. */
	imsgbuf_set_maxsize(&ib_send, IMSG_HEADER_SIZE + 40);
	msg_send_readlinks_reply(&ib_send, rl, 2);
	imsgbuf_set_maxsize(&ib_send, MSG_READLINKS_MAXSIZE);
	take(&imsg);
	capture(&imsg, &c);
	if (imsg_get_type(&imsg) != IMSG_STORE_ERROR ||
	    msg_recv_readlinks_error(&imsg, &text, &errstr) == -1 ||
	    strcmp(text, MSG_TOO_LARGE) != 0)
		errx(1, "a too large READLINKS_REPLY did not become an error");
	free(text);
	imsg_free(&imsg);
	generic("STORE_ERROR for READLINKS", r_readlinks_error, &c);
	printf("readlinks rules (absolute links, too large): ok\n");
}

int
main(void)
{
	int	sv[2], before;

	log_init(1, LOG_USER);
	mt_init();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sv) == -1)
		err(1, "socketpair");
	if (imsgbuf_init(&ib_send, sv[0]) == -1 ||
	    imsgbuf_init(&ib_recv, sv[1]) == -1 ||
	    imsgbuf_set_maxsize(&ib_send, MSG_READLINKS_MAXSIZE) == -1 ||
	    imsgbuf_set_maxsize(&ib_recv, MSG_READLINKS_MAXSIZE) == -1)
		err(1, "imsgbuf");
	before = mt_fd_count();
	test_setup();
	test_cred();
	test_perm_root();
	test_build_users();
	test_config();
	test_readlinks();
	if (mt_fd_count() != before)
		errx(1, "fds: %d before, %d after", before, mt_fd_count());
	imsgbuf_clear(&ib_send);
	imsgbuf_clear(&ib_recv);
	close(sv[0]);
	close(sv[1]);
	printf("%zu cases: ok\n", mt_ncases);
	return (0);
}
