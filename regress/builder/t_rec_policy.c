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
 * The recursive-Nix policy, op by op, without root, Nix or a daemon:
 * the op table, its parsers and the policy run in this process on a
 * session bound to a recursive build whose input closure is two
 * paths.  storeproc is the far end of a socketpair: a request that
 * reaches it is seen there.  The scheduler and the session layer are
 * replaced by the few functions below, which only record what they
 * are asked.  Every worker-protocol op number, 0 to 50, is sent once
 * with a path of the closure and once with one outside it, and what
 * comes of it (refused, answered here and how, sent to storeproc,
 * built) must be what the expected table below says: a row of the
 * table's policy column changed makes this fail.
 */
/* link: builderproc/session_ops.c builderproc/recursive.c */
/* link: builderproc/session_query.c */
/* link: builderproc/session_modify.c builderproc/session_cache.c */
/* link: builderproc/builder_to_store.c builderproc/session_upload.c */
#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "../../builderproc/recursive.h"
#include "../../builderproc/sched.h"
#include "log.h"
#include "msg_store.h"

#define STORE	"/nix/store"
#define HASH_A	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HASH_D	"dddddddddddddddddddddddddddddddd"
/* The closure: a path and a derivation. */
#define PATH_A	STORE "/" HASH_A "-allowed"
#define DRV_A	STORE "/" HASH_B "-allowed.drv"
/* Valid-looking, never allowed. */
#define PATH_D	STORE "/" HASH_D "-secret"
#define DRV_D	STORE "/" HASH_D "-secret.drv"

#define OPS_MAX		50

/* What the program around the policy would be, reduced to a record. */
static struct rnixd_conf	 conf = { .conf_store_dir = STORE };
struct builder_env		 builder_env;
static struct imsgbuf		 ib_builder, ib_store;
static int			 nbuilds;	/* req_start calls */

/* What the fake storeproc received since the last look. */
static uint32_t			 store_type;
static int			 store_nmsgs;
static size_t			 store_npaths;

void
req_start(struct session *s, char **paths, size_t npaths,
    struct goal *g)
{
	(void)s;
	(void)g;
	nbuilds++;
	wire_strings_free(paths, npaths);
}

void
req_start_mode(struct session *s, char **paths, size_t npaths,
    struct goal *g, uint64_t mode, int errors)
{
	(void)mode;
	(void)errors;
	req_start(s, paths, npaths, g);
}

void
req_cancel(struct session *s)
{
	(void)s;
}

void
req_abort(struct session *s, const char *msg)
{
	(void)s;
	(void)msg;
}

void
bmount_bind(struct goal *g, uint32_t id, const char *path)
{
	(void)g;
	(void)id;
	(void)path;
}

int
sched_fixed(const struct goal *g)
{
	(void)g;
	return (0);
}

unsigned int
req_mark_new(void)
{
	return (1);
}

/* No goal waits for a user: the pool never looks stuck. */
int
sched_stalled(void)
{
	return (0);
}

size_t
users_busy(void)
{
	return (0);
}

struct goal *
goal_new_private(const char *drvpath, struct drv *d)
{
	(void)drvpath;
	(void)d;
	errx(1, "goal_new_private called");
}

void
goal_unref(struct goal *g)
{
	(void)g;
}

struct session *
session_find(uint32_t id)
{
	(void)id;
	return (NULL);
}

void
session_process(struct session *s)
{
	(void)s;
}

void
session_close(struct session *s)
{
	(void)s;
}

void
session_new_recursive(int fd, struct rec_build *rb)
{
	(void)rb;
	close(fd);
}

/* The accept path's, never reached: no connection is accepted here. */
int
session_fd_room(int fd)
{
	(void)fd;
	return (1);
}

void
log_limit_warnx(struct log_limit *ll, const char *fmt, ...)
{
	(void)ll;
	(void)fmt;
}

/*
 * The request and reply budget of session.c: no budget here,
 * every reply fits (the replies of the policy are small).
 */
void
session_mem_take(size_t len)
{
	(void)len;
}

void
session_mem_give(size_t len)
{
	(void)len;
}

void
session_out_account(struct session *s)
{
	(void)s;
}

int
session_out_fits(const struct session *s, size_t len)
{
	(void)s;
	(void)len;
	return (1);
}

/* A recursive session is never trusted. */
int
session_trusted(const struct session *s)
{
	return (s->s_rec == NULL);
}

static int
store_dispatch(struct imsgev *iev, struct imsg *imsg)
{
	(void)iev;
	(void)imsg;
	errx(1, "builderproc was sent a reply");
}

/* Read what the policy let through to storeproc. */
static void
store_drain(void)
{
	struct imsg	  imsg;
	char		**paths;
	const char	 *errstr;
	ssize_t		  n;
	int		  rc;

	store_type = 0;
	store_nmsgs = 0;
	store_npaths = 0;
	while ((n = imsgbuf_read(&ib_store)) > 0)
		;
	if (n == 0)
		errx(1, "the builder side of the store channel closed");
	if (errno != EAGAIN)
		err(1, "imsgbuf_read");
	while ((rc = imsgbuf_get(&ib_store, &imsg)) == 1) {
		if (store_nmsgs++ == 0)
			store_type = imsg_get_type(&imsg);
		if ((store_type == IMSG_STORE_QUERY_VALID ||
		    store_type == IMSG_STORE_QUERY_MISSING) &&
		    msg_recv_paths(&imsg, STORE, 1, &paths, &store_npaths,
		    &errstr) == 0)
			wire_strings_free(paths, store_npaths);
		imsg_free(&imsg);
	}
	if (rc == -1)
		err(1, "imsgbuf_get");
}

/*
 * The request of op, in the form its parser reads at protocol minor
 * 34, naming path (a derivation's where the op builds).  Ops with a
 * payload stream get only their header: what the policy decides on.
 */
static void
put_request(struct wire_out *out, uint64_t op, int allowed)
{
	const char	*path = allowed ? PATH_A : PATH_D;
	const char	*drv = allowed ? DRV_A "!out" : DRV_D "!out";
	const char	*both[] = { PATH_A, PATH_D };
	const char	*targets[] = { DRV_A "!out", DRV_D "!out" };
	struct wire_pair	 wp = { (char *)path, (char *)"" };
	int		 i;

	switch (op) {
	case WOP_SYNC_WITH_GC:
	case WOP_FIND_ROOTS:
	case WOP_QUERY_ALL_VALID_PATHS:
	case WOP_IMPORT_PATHS:
	case WOP_OPTIMISE_STORE:
		break;
	case WOP_ADD_TO_STORE:
		wire_put_string(out, "x");
		wire_put_string(out, "fixed:r:sha256");
		wire_put_strings(out, (char **)&path, 1);
		wire_put_bool(out, 0);
		break;
	case WOP_ADD_TEXT_TO_STORE:
		wire_put_string(out, "x");
		wire_put_string(out, "text");
		wire_put_strings(out, (char **)&path, 1);
		break;
	case WOP_BUILD_PATHS:
	case WOP_BUILD_PATHS_WITH_RESULTS:
		wire_put_strings(out, (char **)&drv, 1);
		wire_put_u64(out, WIRE_BUILD_NORMAL);
		break;
	case WOP_EXPORT_PATH:
		wire_put_string(out, path);
		wire_put_u64(out, 1);
		break;
	case WOP_SET_OPTIONS:
		/* keepGoing set: a recursive session forgets it. */
		for (i = 0; i < 12; i++)
			wire_put_u64(out, i == 1);
		wire_put_u64(out, 0);
		break;
	case WOP_COLLECT_GARBAGE:
		wire_put_u64(out, 2);
		wire_put_strings(out, (char **)&path, 1);
		wire_put_bool(out, 0);
		for (i = 0; i < 4; i++)
			wire_put_u64(out, 0);
		break;
	case WOP_QUERY_PATH_FROM_HASH_PART:
		wire_put_string(out, allowed ? HASH_A : HASH_D);
		break;
	case WOP_QUERY_SUBSTITUTABLE_PATH_INFOS:
		wire_put_string_map(out, &wp, 1);
		break;
	case WOP_QUERY_VALID_PATHS:
		/* Allowed: one of each, to see the other one dropped. */
		wire_put_strings(out, allowed ? (char **)both : (char **)&path,
		    allowed ? 2 : 1);
		wire_put_bool(out, 0);
		break;
	case WOP_QUERY_SUBSTITUTABLE_PATHS:
		wire_put_strings(out, (char **)&path, 1);
		break;
	case WOP_VERIFY_STORE:
		/* Disallowed: a repair. */
		wire_put_bool(out, 0);
		wire_put_bool(out, !allowed);
		break;
	case WOP_BUILD_DERIVATION:
		wire_put_string(out, DRV_A);
		wire_put_u64(out, 1);
		wire_put_string(out, "out");
		wire_put_string(out, path);
		wire_put_string(out, "");
		wire_put_string(out, "");
		wire_put_u64(out, 0);
		wire_put_string(out, "x86_64-linux");
		wire_put_string(out, "/bin/sh");
		wire_put_u64(out, 0);
		wire_put_u64(out, 0);
		wire_put_u64(out, WIRE_BUILD_NORMAL);
		break;
	case WOP_ADD_SIGNATURES:
		wire_put_string(out, path);
		wire_put_strings(out, (char **)&path, 1);
		break;
	case WOP_ADD_TO_STORE_NAR:
		wire_put_string(out, STORE "/" HASH_B "-added");
		wire_put_string(out, "");
		wire_put_string(out, "0000000000000000000000000000000000000000"
		    "000000000000000000000000");
		wire_put_strings(out, (char **)&path, 1);
		wire_put_u64(out, 0);
		wire_put_u64(out, 0);
		wire_put_bool(out, 0);
		wire_put_u64(out, 0);
		wire_put_string(out, "");
		wire_put_bool(out, 0);
		wire_put_bool(out, 0);
		break;
	case WOP_QUERY_MISSING:
		/* Allowed: one of each, to see the other one reported. */
		wire_put_strings(out, allowed ? (char **)targets :
		    (char **)&drv, allowed ? 2 : 1);
		break;
	case WOP_REGISTER_DRV_OUTPUT:
	case WOP_QUERY_REALISATION:
		wire_put_string(out, "{}");
		break;
	case WOP_ADD_MULTIPLE_TO_STORE:
		wire_put_bool(out, 0);
		wire_put_bool(out, 0);
		break;
	case WOP_ADD_BUILD_LOG:
		wire_put_string(out, HASH_A "-allowed.drv");
		break;
	default:
		/* The ops of one path, and numbers that are no op. */
		wire_put_string(out, path);
		break;
	}
}

/* A set of paths as the reply puts it. */
static int
reply_is_set(const struct wire_out *reply, const char **v, size_t n)
{
	struct wire_out	want;
	int		same;

	wire_out_init(&want, 1024 * 1024);
	wire_put_string_set(&want, (char **)v, n);
	same = want.wo_len == reply->wo_len &&
	    memcmp(want.wo_buf, reply->wo_buf, want.wo_len) == 0;
	wire_out_free(&want);
	return (same);
}

/* QueryMissing's answer that the disallowed target is unknown. */
static int
reply_is_missing_d(const struct wire_out *reply)
{
	struct wire_out	want;
	const char	*drv = DRV_D;
	int		same;

	wire_out_init(&want, 1024 * 1024);
	wire_put_u64(&want, 0);
	wire_put_u64(&want, 0);
	wire_put_string_set(&want, (char **)&drv, 1);
	wire_put_u64(&want, 0);
	wire_put_u64(&want, 0);
	same = want.wo_len == reply->wo_len &&
	    memcmp(want.wo_buf, reply->wo_buf, want.wo_len) == 0;
	wire_out_free(&want);
	return (same);
}

/* A short reply of small numbers, as "reply:0,1". */
static void
describe_reply(const struct wire_out *reply, char *buf, size_t len)
{
	const char	*closure[] = { PATH_A, DRV_A };
	uint64_t	 v;
	size_t		 off;

	if (reply->wo_len > 0 && reply_is_set(reply, closure, 2)) {
		snprintf(buf, len, "closure");
		return;
	}
	if (reply_is_missing_d(reply)) {
		snprintf(buf, len, "missing:unknown");
		return;
	}
	if (reply->wo_len == 0) {
		snprintf(buf, len, "none");
		return;
	}
	snprintf(buf, len, "reply:");
	for (off = 0; off + 8 <= reply->wo_len; off += 8) {
		memcpy(&v, reply->wo_buf + off, 8);
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%llu",
		    off > 0 ? "," : "", (unsigned long long)v);
	}
	if (off != reply->wo_len)
		snprintf(buf + strlen(buf), len - strlen(buf), "+%zu",
		    reply->wo_len - off);
}

static const char *
op_name(uint64_t op)
{
	const char	*name;

	return ((name = wire_op_name(op)) != NULL ? name : "(none)");
}

/* What came of the op, in a word or two. */
static void
describe(struct session *s, int rc, int builds, char *buf, size_t len)
{
	char	refused[128];

	snprintf(refused, sizeof(refused), "operation '%s' is not allowed "
	    "in recursive Nix", s->s_op != NULL ? ops_name(s) : "?");
	if (rc == -1)
		snprintf(buf, len, "invalid");
	else if (rc == 0)
		snprintf(buf, len, "incomplete");
	else if (s->s_error != NULL && strcmp(s->s_error, refused) == 0)
		snprintf(buf, len, "refused");
	else if (s->s_error != NULL && strstr(s->s_error, "is unknown in "
	    "recursive Nix: it is neither an input") != NULL)
		snprintf(buf, len, "unknown");
	else if (s->s_error != NULL && strstr(s->s_error, "of an added path "
	    "is unknown in recursive Nix") != NULL)
		snprintf(buf, len, "bad-reference");
	else if (s->s_error != NULL && strstr(s->s_error, "in recursive Nix "
	    "because path is unknown") != NULL)
		snprintf(buf, len, "not-buildable");
	else if (s->s_error != NULL)
		snprintf(buf, len, "error:%s", s->s_error);
	else if (builds > 0)
		snprintf(buf, len, "build");
	else if (store_nmsgs > 0 && store_npaths > 0)
		snprintf(buf, len, "store:%s[%zu]",
		    imsg_type_name(store_type), store_npaths);
	else if (store_nmsgs > 0)
		snprintf(buf, len, "store:%s", imsg_type_name(store_type));
	else if (s->s_up != NULL)
		snprintf(buf, len, "upload");
	else
		describe_reply(&s->s_reply, buf, len);
	if (s->s_opts.opt_keep_going)
		snprintf(buf + strlen(buf), len - strlen(buf), "+options");
}

/* Run op once on s; its outcome into buf. */
static void
run_op(struct session *s, uint64_t op, int allowed, char *buf, size_t len)
{
	struct wire_out	req;
	struct wire_in	in;
	int		rc, builds = nbuilds;

	wire_out_init(&req, 1024 * 1024);
	put_request(&req, op, allowed);
	wire_in_init(&in, req.wo_buf, req.wo_len);
	rc = ops_start(s, op, &in);
	store_drain();
	describe(s, rc, nbuilds - builds, buf, len);
	if (rc == 1 && in.wi_off != req.wo_len)
		errx(1, "%s: %zu of %zu request bytes read", op_name(op),
		    in.wi_off, req.wo_len);
	if (rc == 1)
		ops_clear(s);
	wire_options_free(&s->s_opts);
	memset(&s->s_opts, 0, sizeof(s->s_opts));
	wire_out_free(&req);
}

struct expect {
	enum rec_policy	 e_rec;
	const char	*e_allowed;	/* what a closure path gets */
	const char	*e_disallowed;	/* and one outside it */
};

/* Numbers with no entry are invalid: NULL here. */
static const struct expect expected[OPS_MAX + 1] = {
	[WOP_IS_VALID_PATH] = { REC_PATH_FALSE,
	    "store:STORE_QUERY_VALID[1]", "reply:0" },
	[WOP_HAS_SUBSTITUTES] = { REC_DELEGATE, "reply:0", "reply:0" },
	[WOP_QUERY_PATH_HASH] = { REC_PATH_ERROR,
	    "store:STORE_QUERY_INFO", "unknown" },
	[WOP_QUERY_REFERENCES] = { REC_PATH_ERROR,
	    "store:STORE_QUERY_INFO", "unknown" },
	[WOP_QUERY_REFERRERS] = { REC_EMPTY, "reply:0", "reply:0" },
	[WOP_ADD_TO_STORE] = { REC_DELEGATE, "store:STORE_ADD",
	    "bad-reference" },
	[WOP_ADD_TEXT_TO_STORE] = { REC_DELEGATE, "store:STORE_ADD",
	    "bad-reference" },
	[WOP_BUILD_PATHS] = { REC_BUILD_FILTER, "build", "not-buildable" },
	[WOP_ENSURE_PATH] = { REC_PATH_ERROR, "store:STORE_ENSURE",
	    "unknown" },
	[WOP_ADD_TEMP_ROOT] = { REC_GC_NOOP, "reply:1", "reply:1" },
	[WOP_ADD_INDIRECT_ROOT] = { REC_GC_NOOP, "reply:1", "reply:1" },
	[WOP_SYNC_WITH_GC] = { REC_GC_NOOP, "reply:1", "reply:1" },
	[WOP_FIND_ROOTS] = { REC_GC_NOOP, "reply:0", "reply:0" },
	[WOP_EXPORT_PATH] = { REC_REFUSE, "refused", "refused" },
	[WOP_QUERY_DERIVER] = { REC_PATH_ERROR, "store:STORE_QUERY_INFO",
	    "unknown" },
	[WOP_SET_OPTIONS] = { REC_OPTIONS, "none", "none" },
	[WOP_COLLECT_GARBAGE] = { REC_GC_NOOP, "reply:0,0,0",
	    "reply:0,0,0" },
	[WOP_QUERY_SUBSTITUTABLE_PATH_INFO] = { REC_DELEGATE, "reply:0",
	    "reply:0" },
	[WOP_QUERY_DERIVATION_OUTPUTS] = { REC_PATH_ERROR,
	    "store:STORE_QUERY_OUTPUTS", "unknown" },
	[WOP_QUERY_ALL_VALID_PATHS] = { REC_PATHS_ALLOWED, "closure",
	    "closure" },
	[WOP_QUERY_PATH_INFO] = { REC_PATH_NOTFOUND,
	    "store:STORE_QUERY_INFO", "reply:0" },
	[WOP_IMPORT_PATHS] = { REC_REFUSE, "refused", "refused" },
	[WOP_QUERY_DERIVATION_OUTPUT_NAMES] = { REC_PATH_ERROR,
	    "store:STORE_QUERY_OUTPUTS", "unknown" },
	[WOP_QUERY_PATH_FROM_HASH_PART] = { REC_REFUSE, "refused",
	    "refused" },
	[WOP_QUERY_SUBSTITUTABLE_PATH_INFOS] = { REC_DELEGATE, "reply:0",
	    "reply:0" },
	[WOP_QUERY_VALID_PATHS] = { REC_PATHS_FILTER,
	    "store:STORE_QUERY_VALID[1]", "reply:0" },
	[WOP_QUERY_SUBSTITUTABLE_PATHS] = { REC_DELEGATE, "reply:0",
	    "reply:0" },
	[WOP_QUERY_VALID_DERIVERS] = { REC_EMPTY, "reply:0", "reply:0" },
	[WOP_OPTIMISE_STORE] = { REC_GC_NOOP, "reply:1", "reply:1" },
	[WOP_VERIFY_STORE] = { REC_VERIFY, "reply:0",
	    "error:you are not privileged to repair paths" },
	[WOP_BUILD_DERIVATION] = { REC_REFUSE, "refused", "refused" },
	[WOP_ADD_SIGNATURES] = { REC_REFUSE, "refused", "refused" },
	[WOP_NAR_FROM_PATH] = { REC_PATH_ERROR, "store:STORE_NAR_FROM_PATH",
	    "unknown" },
	[WOP_ADD_TO_STORE_NAR] = { REC_DELEGATE, "store:STORE_ADD_NAR",
	    "bad-reference" },
	[WOP_QUERY_MISSING] = { REC_MISSING_FILTER,
	    "store:STORE_QUERY_MISSING[1]", "missing:unknown" },
	[WOP_QUERY_DERIVATION_OUTPUT_MAP] = { REC_PATH_ERROR,
	    "store:STORE_QUERY_OUTPUTS", "unknown" },
	[WOP_REGISTER_DRV_OUTPUT] = { REC_REFUSE, "refused", "refused" },
	[WOP_QUERY_REALISATION] = { REC_REFUSE, "refused", "refused" },
	[WOP_ADD_MULTIPLE_TO_STORE] = { REC_DELEGATE, "upload", "upload" },
	[WOP_ADD_BUILD_LOG] = { REC_REFUSE, "refused", "refused" },
	[WOP_BUILD_PATHS_WITH_RESULTS] = { REC_BUILD_FILTER, "build",
	    "not-buildable" },
};

static void
check(struct session *s, uint64_t op, int allowed, const char *want)
{
	char	got[512];

	run_op(s, op, allowed, got, sizeof(got));
	if (strcmp(got, want) != 0)
		errx(1, "op %llu (%s), %s path: got %s, expected %s",
		    (unsigned long long)op, op_name(op),
		    allowed ? "allowed" : "disallowed", got, want);
	printf("op %2llu %-32s %-10s %s\n", (unsigned long long)op,
	    op_name(op), allowed ? "allowed" : "disallowed", got);
}

static struct session *
session_make(struct rec_build *rb, unsigned int minor)
{
	struct session	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		err(1, "calloc");
	s->s_id = 1;
	s->s_hello.wh_minor = minor;
	wire_out_init(&s->s_out, SESSION_OUTBUF_MAX);
	wire_out_init(&s->s_reply, SESSION_OUTBUF_MAX);
	if (rb != NULL)
		rec_session_attach(s, rb);
	return (s);
}

static void
session_free(struct session *s)
{
	rec_session_detach(s);
	wire_out_free(&s->s_out);
	wire_out_free(&s->s_reply);
	free(s);
}

/* Every op number, allowed and not, against the expected table. */
static void
check_table(struct rec_build *rb)
{
	struct session	*s;
	uint64_t	 op;

	s = session_make(rb, PROTOCOL_MINOR(PROTOCOL_VERSION));
	for (op = 0; op <= OPS_MAX; op++) {
		if (expected[op].e_allowed == NULL) {
			check(s, op, 1, "invalid");
			check(s, op, 0, "invalid");
			if (ops_policy(op) != REC_REFUSE)
				errx(1, "op %llu: no op, but a policy",
				    (unsigned long long)op);
			continue;
		}
		if (ops_policy(op) != expected[op].e_rec)
			errx(1, "op %llu (%s): policy %d, expected %d",
			    (unsigned long long)op, op_name(op),
			    ops_policy(op), expected[op].e_rec);
		check(s, op, 1, expected[op].e_allowed);
		check(s, op, 0, expected[op].e_disallowed);
	}
	/* Past the table, and far past it. */
	check(s, OPS_MAX + 1, 1, "invalid");
	check(s, UINT64_MAX, 1, "invalid");
	session_free(s);
}

/*
 * The policy, not the op, makes the difference: on a session of the
 * main socket the same requests of an outside path go to storeproc.
 * And QueryPathInfo's "not found" is an error for clients older
 * than 1.17, as the client cannot read a false.
 */
static void
check_others(struct rec_build *rb)
{
	struct session	*s;
	uint64_t	 op;

	s = session_make(NULL, PROTOCOL_MINOR(PROTOCOL_VERSION));
	for (op = 0; op <= OPS_MAX; op++) {
		switch (expected[op].e_rec) {
		case REC_PATH_FALSE:
		case REC_PATH_NOTFOUND:
		case REC_PATH_ERROR:
			check(s, op, 0, expected[op].e_allowed);
			break;
		default:
			break;
		}
	}
	check(s, WOP_QUERY_REFERRERS, 0, "store:STORE_QUERY_REFERRERS");
	check(s, WOP_QUERY_ALL_VALID_PATHS, 0, "store:STORE_QUERY_ALL");
	check(s, WOP_ADD_SIGNATURES, 0, "store:STORE_ADD_SIGS");
	session_free(s);

	s = session_make(rb, 16);
	check(s, WOP_QUERY_PATH_INFO, 0, "unknown");
	check(s, WOP_QUERY_PATH_INFO, 1, "store:STORE_QUERY_INFO");
	session_free(s);
}

/* A request cut short or malformed is the op's parser's answer. */
static void
check_malformed(struct rec_build *rb)
{
	struct session	*s;
	struct wire_out	 req;
	struct wire_in	 in;
	const char	*bad = DRV_A "!", *good = DRV_A "!out";
	int		 rc, builds = nbuilds;

	s = session_make(rb, PROTOCOL_MINOR(PROTOCOL_VERSION));
	wire_out_init(&req, 4096);
	wire_put_strings(&req, (char **)&bad, 1);
	wire_put_u64(&req, WIRE_BUILD_NORMAL);
	wire_in_init(&in, req.wo_buf, req.wo_len);
	if ((rc = ops_start(s, WOP_BUILD_PATHS, &in)) != -1)
		errx(1, "a bad derived path: got %d, expected -1", rc);
	wire_out_reset(&req);
	wire_put_strings(&req, (char **)&good, 1);
	wire_put_u64(&req, WIRE_BUILD_NORMAL);
	wire_in_init(&in, req.wo_buf, req.wo_len - 8);
	if ((rc = ops_start(s, WOP_BUILD_PATHS, &in)) != 0)
		errx(1, "BuildPaths without its mode: got %d, expected 0",
		    rc);
	store_drain();
	if (store_nmsgs != 0 || nbuilds != builds)
		errx(1, "a request not whole went on");
	printf("malformed and short requests: ok\n");
	wire_out_free(&req);
	session_free(s);
}

int
main(void)
{
	struct goal	 g;
	char		*closure[] = { (char *)PATH_A, (char *)DRV_A };
	int		 sv[2];

	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init(1, LOG_DAEMON);
	log_setverbose(0);
	builder_env.be_conf = &conf;
	event_init();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == -1)
		err(1, "socketpair");
	if (imsgbuf_init(&ib_builder, sv[0]) == -1 ||
	    imsgbuf_init(&ib_store, sv[1]) == -1)
		err(1, "imsgbuf_init");
	imsgev_init(&builder_env.be_store, &ib_builder, PROC_STORE,
	    store_dispatch);

	memset(&g, 0, sizeof(g));
	g.g_path = (char *)STORE "/" HASH_B "-outer.drv";
	g.g_user = -1;
	g.g_closure = closure;
	g.g_nclosure = 2;
	rec_build_new(&g);

	check_table(g.g_rec);
	check_others(g.g_rec);
	check_malformed(g.g_rec);

	rec_build_free(&g);
	store_drain();
	if (store_type != IMSG_STORE_SESSION_END)
		errx(1, "the build's roots were not dropped");
	imsgev_clear(&builder_env.be_store);
	imsgbuf_clear(&ib_builder);
	imsgbuf_clear(&ib_store);
	close(sv[0]);
	close(sv[1]);
	printf("ok\n");
	return (0);
}
