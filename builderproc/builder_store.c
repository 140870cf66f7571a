/*
 * Replies from storeproc, routed to their session by peerid.  Every
 * request gets STORE_LOG lines (sent on as STDERR_NEXT), then exactly
 * one final answer: STORE_ERROR or the request's own reply type, which
 * builder_ops.c encodes.  A reply for a session that is gone is
 * dropped; imsg_free() closes any descriptor it carried.  storeproc is
 * a sibling, not a trusted one: a malformed reply costs the session,
 * never the process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builderproc.h"
#include "log.h"
#include "msg_store.h"

static void
store_bad_reply(struct session *s, struct imsg *imsg, const char *why)
{
	log_warnx("session %u: bad %s from storeproc: %s", s->s_id,
	    imsg_type_name(imsg_get_type(imsg)), why);
	s->s_wait = 0;
	ops_error(s, "internal error: bad reply from the store");
	s->s_error_close = 1;
	upload_store_done(s, 0);
}

/* Nix sends lvlInfo lines only to clients at that verbosity or more. */
static void
store_handle_log(struct session *s, struct imsg *imsg)
{
	const char	*errstr;
	char		*text, *line;
	size_t		 len;

	if (msg_recv_text(imsg, MSG_ERROR_MAX, &text, &errstr) == -1) {
		store_bad_reply(s, imsg, errstr);
		return;
	}
	/* Once a NAR streams, nothing else may go to the client. */
	if (s->s_opts.opt_verbosity >= WIRE_LVL_INFO &&
	    (s->s_flag & OPF_LAST_SENT) == 0) {
		len = strlen(text);
		if (len > 0 && text[len - 1] == '\n')
			wire_put_stderr_next(&s->s_out, text);
		else {
			if (asprintf(&line, "%s\n", text) == -1)
				fatal("asprintf");
			wire_put_stderr_next(&s->s_out, line);
			free(line);
		}
	}
	free(text);
}

static void
store_handle_error(struct session *s, struct imsg *imsg)
{
	const char	*errstr;
	char		*text;

	if (msg_recv_text(imsg, MSG_ERROR_MAX, &text, &errstr) == -1) {
		store_bad_reply(s, imsg, errstr);
		return;
	}
	s->s_wait = 0;
	ops_error(s, "%s", text);
	free(text);
	upload_store_done(s, 0);
}

void
store_route_reply(struct imsg *imsg)
{
	struct session	*s;
	uint32_t	 type = imsg_get_type(imsg);

	if ((s = session_find(imsg_get_peerid(imsg))) == NULL ||
	    s->s_op == NULL || !s->s_wait) {
		log_debug("%s for session %u dropped", imsg_type_name(type),
		    imsg_get_peerid(imsg));
		return;
	}
	switch (type) {
	case IMSG_STORE_LOG:
		store_handle_log(s, imsg);
		break;
	case IMSG_STORE_ERROR:
		store_handle_error(s, imsg);
		break;
	default:
		s->s_wait = 0;
		if (ops_reply(s, imsg) == -1)
			store_bad_reply(s, imsg, "unexpected or malformed");
		break;
	}
	session_process(s);
}
