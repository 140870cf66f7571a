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
 * Replies from storeproc, routed to their session by peerid.  Every
 * request gets STORE_LOG lines (sent on as STDERR_NEXT), then exactly
 * one final answer: STORE_ERROR or the request's own reply type, which
 * session_ops.c encodes.  A reply for a session that is gone is
 * dropped; imsg_free() closes any descriptor it carried.  storeproc is
 * a sibling, not a trusted one: a malformed reply costs the session,
 * never the process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builderproc.h"
#include "session.h"
#include "sched.h"
#include "log.h"
#include "msg_store.h"

static void
bstore_bad_reply(struct session *s, struct imsg *imsg, const char *why)
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
bstore_handle_log(struct session *s, struct imsg *imsg)
{
	const char	*errstr;
	char		*text, *line;
	size_t		 len;

	if (msg_recv_text(imsg, MSG_ERROR_MAX, &text, &errstr) == -1) {
		bstore_bad_reply(s, imsg, errstr);
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
bstore_handle_error(struct session *s, struct imsg *imsg)
{
	const char	*errstr;
	char		*text;

	if (msg_recv_text(imsg, MSG_ERROR_MAX, &text, &errstr) == -1) {
		bstore_bad_reply(s, imsg, errstr);
		return;
	}
	s->s_wait = 0;
	ops_error(s, "%s", text);
	free(text);
	upload_store_done(s, 0);
}

/*
 * Requests of builds belong to no session: their peerid is above every
 * session id, and the reply goes to the callback registered for it.
 */
struct bstore_call {
	RB_ENTRY(bstore_call)	 sc_entry;
	uint32_t		 sc_id;
	bstore_call_fn		 sc_fn;
	void			*sc_arg;
};
RB_HEAD(bstore_call_tree, bstore_call);

int	bstore_call_cmp(struct bstore_call *, struct bstore_call *);
RB_PROTOTYPE(bstore_call_tree, bstore_call, sc_entry, bstore_call_cmp)

int
bstore_call_cmp(struct bstore_call *a, struct bstore_call *b)
{
	return (a->sc_id < b->sc_id ? -1 : a->sc_id > b->sc_id);
}

RB_GENERATE(bstore_call_tree, bstore_call, sc_entry, bstore_call_cmp)

static struct bstore_call_tree	bstore_calls = RB_INITIALIZER(&bstore_calls);
static uint32_t			bstore_call_next = BSTORE_CALL_BASE;

/* The peerid to send the request with; fn gets the final reply. */
uint32_t
bstore_call_new(bstore_call_fn fn, void *arg)
{
	struct bstore_call	*sc;

	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		fatal("calloc");
	do {
		if (++bstore_call_next < BSTORE_CALL_BASE)
			bstore_call_next = BSTORE_CALL_BASE;
		sc->sc_id = bstore_call_next;
	} while (RB_INSERT(bstore_call_tree, &bstore_calls, sc) != NULL);
	sc->sc_fn = fn;
	sc->sc_arg = arg;
	return (sc->sc_id);
}

/* Forget a call whose answer nobody wants (or an id used for roots). */
void
bstore_call_cancel(uint32_t id)
{
	struct bstore_call	*sc, key;

	key.sc_id = id;
	if ((sc = RB_FIND(bstore_call_tree, &bstore_calls, &key)) != NULL) {
		RB_REMOVE(bstore_call_tree, &bstore_calls, sc);
		free(sc);
	}
}

static void
bstore_call_reply(struct imsg *imsg)
{
	struct bstore_call	*sc, key;

	key.sc_id = imsg_get_peerid(imsg);
	if ((sc = RB_FIND(bstore_call_tree, &bstore_calls, &key)) == NULL) {
		log_warnx("%s for unknown build request %u dropped",
		    imsg_type_name(imsg_get_type(imsg)), key.sc_id);
		return;
	}
	if (imsg_get_type(imsg) == IMSG_STORE_LOG)
		return;
	RB_REMOVE(bstore_call_tree, &bstore_calls, sc);
	sc->sc_fn(sc->sc_arg, imsg);
	free(sc);
}

void
bstore_route_reply(struct imsg *imsg)
{
	struct session	*s;
	uint32_t	 type = imsg_get_type(imsg);

	if (imsg_get_peerid(imsg) >= BSTORE_CALL_BASE) {
		bstore_call_reply(imsg);
		return;
	}

	if ((s = session_find(imsg_get_peerid(imsg))) == NULL ||
	    s->s_op == NULL || !s->s_wait) {
		log_debug("%s for session %u dropped", imsg_type_name(type),
		    imsg_get_peerid(imsg));
		return;
	}
	switch (type) {
	case IMSG_STORE_LOG:
		bstore_handle_log(s, imsg);
		break;
	case IMSG_STORE_ERROR:
		bstore_handle_error(s, imsg);
		break;
	default:
		s->s_wait = 0;
		if (ops_reply(s, imsg) == -1)
			bstore_bad_reply(s, imsg, "unexpected or malformed");
		break;
	}
	session_process(s);
}
