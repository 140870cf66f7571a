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
 * AddPermRoot (op 47, protocol 1.36): a trusted client's permanent GC
 * root, made as nix-daemon makes it: the path becomes a temporary root
 * of the session (storeproc), the link is made (by the parent, as the
 * client's own user: the link lives anywhere on the host), and then it
 * is registered as an indirect root (storeproc); the reply is the
 * link.  Untrusted clients are refused, as by Nix, and so is a link
 * inside the store.  s_flag says which of the three answers is next.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builderproc.h"
#include "session.h"
#include "log.h"
#include "msg_ctl.h"
#include "msg_store.h"

/* In s_flag, above the OPF_* bits. */
#define PERM_TEMP_ROOT	0x10	/* storeproc takes the temporary root */
#define PERM_LINK	0x20	/* the parent makes the link */
#define PERM_INDIRECT	0x30	/* storeproc registers it */

static int	perm_in_store(const char *);

int
parse_perm_root(struct session *s, struct wire_in *in, struct op_args *args)
{
	int	rc;

	if ((rc = parse_path(s, in, args)) != 1)
		return (rc);
	return (wire_get_string(in, &args->oa_str, NULL,
	    MSG_PERM_LINK_MAX - 1));
}

/* The store dir itself or anything below it. */
static int
perm_in_store(const char *path)
{
	const char	*sd = builder_storedir();
	size_t		 n = strlen(sd);

	return (strncmp(path, sd, n) == 0 &&
	    (path[n] == '/' || path[n] == '\0'));
}

int
run_add_perm_root(struct session *s, struct op_args *args)
{
	char	canon[MSG_PERM_LINK_MAX];

	if (!session_trusted(s)) {
		ops_error(s, "you are not privileged to create perm roots\n\n"
		    "hint: you can just do this client-side without special "
		    "privileges, and probably want to do that instead.");
		return (1);
	}
	if (ops_canon_path(args->oa_str, canon, sizeof(canon)) == -1 ||
	    strcmp(canon, "/") == 0) {
		ops_error(s, "invalid permanent root '%s'", args->oa_str);
		return (1);
	}
	if (perm_in_store(canon)) {
		ops_error(s, "creating a garbage collector root (%s) in the "
		    "Nix store is forbidden (are you running nix-build inside "
		    "the store?)", canon);
		return (1);
	}
	if ((s->s_link = strdup(canon)) == NULL)
		fatal("%s", __func__);
	s->s_flag = PERM_TEMP_ROOT;
	ops_request_path(s, IMSG_STORE_TEMP_ROOT, args->oa_path);
	args->oa_path = NULL;
	return (1);
}

/* storeproc's answers: the temporary root, then the indirect one. */
int
reply_perm_root(struct session *s, struct imsg *imsg)
{
	struct msg_perm_root	 mpr;

	if (reply_ok_none(s, imsg) == -1)
		return (-1);
	switch (s->s_flag) {
	case PERM_TEMP_ROOT:
		memset(&mpr, 0, sizeof(mpr));
		mpr.mpr_id = s->s_id;
		mpr.mpr_uid = s->s_uid;
		mpr.mpr_gid = s->s_gid;
		strlcpy(mpr.mpr_link, s->s_link, sizeof(mpr.mpr_link));
		strlcpy(mpr.mpr_target, s->s_arg, sizeof(mpr.mpr_target));
		msg_send_perm_root(builder_env.be_parent.iev_ibuf, &mpr);
		s->s_flag = PERM_LINK;
		s->s_wait = 1;
		return (0);
	case PERM_INDIRECT:
		wire_put_string(&s->s_reply, s->s_link);
		return (0);
	default:
		return (-1);
	}
}

/* The parent made the link, or says why not. */
void
session_perm_root_reply(const struct msg_perm_root_reply *mprr)
{
	struct session	*s;

	/* The session may have gone meanwhile. */
	if ((s = session_find(mprr->mprr_id)) == NULL || s->s_op == NULL ||
	    ops_current(s) != WOP_ADD_PERM_ROOT || s->s_flag != PERM_LINK ||
	    !s->s_wait)
		return;
	s->s_wait = 0;
	if (mprr->mprr_error[0] != '\0')
		ops_error(s, "%s", mprr->mprr_error);
	else if (msg_send_text(builder_store(),
	    IMSG_STORE_INDIRECT_ROOT, s->s_id, s->s_link) == -1)
		ops_error(s, "invalid permanent root '%s'", s->s_link);
	else {
		s->s_flag = PERM_INDIRECT;
		s->s_wait = 1;
	}
	session_process(s);
}
