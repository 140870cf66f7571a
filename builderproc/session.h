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
 * The worker-protocol server: sessions, the op table, the ops and
 * their uploads and downloads.  It asks the scheduler for builds
 * (sched.h, from session_modify.c's build ops only) and the recursive
 * proxy for its policy (recursive.h); neither calls back into this
 * room except through the interfaces they own.
 */
#ifndef RNIXD_SESSION_H
#define RNIXD_SESSION_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <event.h>
#include <stdarg.h>

#include "builderproc.h"
#include "wire.h"

/* Bytes of one request buffered before it is complete. */
#define SESSION_INBUF_MAX	(16 * 1024 * 1024)
/* Connections accepted per wakeup of the listening socket. */
#define SESSION_ACCEPT_BATCH	64
/* Bytes of replies queued to a client that does not read. */
#define SESSION_OUTBUF_MAX	(64 * 1024 * 1024)
/* Bytes read from a client, or a NAR pipe, at once. */
#define SESSION_READ_CHUNK	(64 * 1024)
/*
 * While this much output waits for its client, the session produces
 * no more: it starts no operation, reads no NAR pipe, and a build it
 * waits for is not read either.
 */
#define SESSION_OUT_HIGH	(64 * 1024)
/*
 * Output buffers every connection may hold, budget or not; beyond it
 * they count against max-request-memory.  A NAR is read from its pipe
 * only as far as this.
 */
#define SESSION_OUT_FREE	(2 * SESSION_READ_CHUNK)
/*
 * Descriptors kept free for the imsg channels, pipes and build logs: a
 * connection that would leave fewer is closed (one eighth of the
 * table, at least this many).
 */
#define SESSION_FD_RESERVE	64
/* Milliseconds accepting stops when the descriptor table is full. */
#define SESSION_ACCEPT_PAUSE	250

/* s_busy: session_process() runs, and was called again meanwhile. */
#define SESSION_BUSY		1
#define SESSION_BUSY_AGAIN	2

enum session_state {
	SESSION_CRED,		/* waiting for the parent's answer */
	SESSION_HELLO,		/* protocol handshake */
	SESSION_OPS,		/* serving operations */
	SESSION_CLOSING		/* flush what is queued, then close */
};

struct drv;
struct msg_add_nar;
struct msg_missing;
struct op_desc;
struct upload;
struct download;
struct build_req;
struct goal;
struct rec_build;
struct rec_session;
struct wire_path_info;

struct session_user;

struct session {
	RB_ENTRY(session)	 s_entry;
	uint32_t		 s_id;
	int			 s_fd;
	struct session_user	*s_suser;	/* its uid's connection count */
	time_t			 s_start;	/* monotonic seconds */
	time_t			 s_active;	/* last byte or op end */
	int			 s_memwait;	/* in session_memq */
	TAILQ_ENTRY(session)	 s_mentry;
	uid_t			 s_uid;
	gid_t			 s_gid;
	pid_t			 s_pid;
	uint32_t		 s_cred;	/* CRED_* from the parent */
	char			 s_user[64];
	enum session_state	 s_state;
	struct wire_hello	 s_hello;
	struct wire_options	 s_opts;
	struct event		 s_ev_read;
	struct event		 s_ev_write;
	int			 s_reading;	/* s_ev_read is armed */
	struct event		 s_ev_hup;	/* left while not read */
	int			 s_hupwatch;	/* s_ev_hup is armed */
	int			 s_busy;	/* SESSION_BUSY* */
	unsigned char		*s_in;
	size_t			 s_inoff;	/* consumed up to here */
	size_t			 s_inlen;	/* received up to here */
	size_t			 s_incap;
	size_t			 s_need;	/* a retry needs this much */
	struct wire_out		 s_out;
	size_t			 s_outheld;	/* of max-request-memory */

	/*
	 * The operation in progress.  It ends when no store request is
	 * outstanding and no upload or download is left; then either
	 * s_error goes out, or STDERR_LAST and s_reply.
	 */
	const struct op_desc	*s_op;
	int			 s_wait;	/* a store request is out */
	char			*s_error;	/* the op failed: this text */
	int			 s_error_close;	/* and the stream is lost */
	struct wire_out		 s_reply;
	char			*s_arg;		/* what the reply needs */
	char			*s_link;	/* AddPermRoot's link */
	int			 s_flag;
	int			 s_blocked;	/* upload cannot go on */
	struct upload		*s_up;
	struct download		*s_down;
	struct build_req	*s_build;	/* a build op waits */

	/* Recursive Nix: a connection on a build's own socket, or NULL. */
	struct rec_session	*s_rec;
};

RB_HEAD(session_tree, session);
int	session_cmp(struct session *, struct session *);
RB_PROTOTYPE(session_tree, session, s_entry, session_cmp)

/* session.c */
void	session_accept_pause(int);
unsigned int	session_count(void);
struct session	*session_find(uint32_t);
void	session_process(struct session *);
void	session_close(struct session *);
int	session_trusted(const struct session *);
void	session_mem_take(size_t);
void	session_mem_give(size_t);
void	session_out_account(struct session *);
int	session_out_fits(const struct session *, size_t);
time_t	session_now(void);

/* session_cache.c: path info kept, at most this much. */
#define CACHE_ENTRIES_MAX	8192
#define CACHE_BYTES_MAX		(8 * 1024 * 1024)
const struct wire_path_info	*cache_info_get(const char *);
size_t		 cache_info_copy(struct wire_path_info *,
		    const struct wire_path_info *);

/* session_ops.c */
#define OPF_LAST_SENT	0x01	/* STDERR_LAST went out: data follows */

/*
 * What a recursive session may do with an op: the op table's od_rec
 * column, carried out by recursive.c.  An op with no entry
 * gets REC_REFUSE.  The REC_PATH* ones and the *_FILTER ones decide
 * on the op's parsed arguments, so the op must have an od_parse.
 */
enum rec_policy {
	REC_REFUSE = 0,		/* arguments dropped, op refused */
	REC_DELEGATE,		/* runs as for any untrusted client */
	REC_PATH_FALSE,		/* an unknown path: false */
	REC_PATH_NOTFOUND,	/* an unknown path: not found */
	REC_PATH_ERROR,		/* an unknown path: an error */
	REC_PATHS_FILTER,	/* only the allowed paths are asked about */
	REC_PATHS_ALLOWED,	/* the allowed paths, not the store's */
	REC_MISSING_FILTER,	/* unknown targets are reported unknown */
	REC_BUILD_FILTER,	/* every target allowed, normal mode only */
	REC_EMPTY,		/* an empty set, whatever was asked */
	REC_GC_NOOP,		/* accepted, and nothing happens */
	REC_VERIFY,		/* no repair; the store is not checked */
	REC_OPTIONS		/* parsed, and forgotten */
};

/* An op's request, parsed once, before the policy looks at it. */
struct op_args {
	char		 *oa_path;	/* the one store path */
	char		**oa_paths;	/* store, derived paths; signatures */
	size_t		  oa_npaths;
	char		 *oa_str;	/* another string */
	size_t		  oa_len;
	uint64_t	  oa_mode;	/* a build mode, ExportPath's flag */
	int		  oa_substitute; /* QueryValidPaths' flag */
	int		  oa_check;	/* VerifyStore's flags */
	int		  oa_repair;
	struct drv	 *oa_drv;	/* BuildDerivation's derivation */
	int		  oa_bad;	/* read whole, but no derivation */
	const char	 *oa_why;	/* and why not */
};

int		 ops_start(struct session *, uint64_t, struct wire_in *);
int		 ops_run(struct session *, struct wire_in *,
		    struct op_args *);
enum rec_policy	 ops_policy(uint64_t);
int		 ops_reply(struct session *, struct imsg *);
void		 ops_error(struct session *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
void		 ops_verror(struct session *, const char *, va_list)
		    __attribute__((__format__ (printf, 2, 0)));
void		 ops_put_error(struct session *, const char *);
int		 ops_out_raw(struct wire_out *, const void *, size_t);
void		 ops_finish(struct session *);
void		 ops_clear(struct session *);
int		 ops_expect(struct session *, struct imsg *, uint32_t);
uint64_t	 ops_current(const struct session *);
const char	*ops_name(const struct session *);
void		 ops_request_path(struct session *, uint32_t, char *);
void		 ops_request_paths(struct session *, uint32_t, char **,
		    size_t);
const char	*ops_check_derived(const char *);
int		 ops_read_derived(struct wire_in *, char ***, size_t *);
int		 reply_ok_one(struct session *, struct imsg *);
int		 reply_ok_none(struct session *, struct imsg *);
int		 ops_recv_paths(struct session *, struct imsg *, char ***,
		    size_t *);
int		 ops_recv_info(struct session *, struct imsg *, int *,
		    struct wire_path_info *);

uint32_t	 ops_query(const struct session *);

/* session_query.c */
int	parse_path(struct session *, struct wire_in *, struct op_args *);
int	parse_valid_paths(struct session *, struct wire_in *,
	    struct op_args *);
int	parse_derived(struct session *, struct wire_in *, struct op_args *);
int	parse_hash_part(struct session *, struct wire_in *,
	    struct op_args *);
int	run_is_valid_path(struct session *, struct op_args *);
int	run_no_substitute(struct session *, struct op_args *);
int	run_path_query(struct session *, struct op_args *);
int	run_query_valid_paths(struct session *, struct op_args *);
int	run_query_missing(struct session *, struct op_args *);
int	run_query_hash_part(struct session *, struct op_args *);
int	op_query_all(struct session *, struct wire_in *);
int	op_subst_infos(struct session *, struct wire_in *);
int	op_subst_paths(struct session *, struct wire_in *);
int	op_sync_with_gc(struct session *, struct wire_in *);
int	reply_is_valid_path(struct session *, struct imsg *);
int	reply_info(struct session *, struct imsg *);
int	reply_paths(struct session *, struct imsg *);
int	reply_outputs(struct session *, struct imsg *);
int	reply_hash_part(struct session *, struct imsg *);
int	reply_missing(struct session *, struct imsg *);

/* session_modify.c */
int	op_add_to_store(struct session *, struct wire_in *);
int	op_add_text_to_store(struct session *, struct wire_in *);
int	op_add_to_store_nar(struct session *, struct wire_in *);
int	op_add_multiple(struct session *, struct wire_in *);
int	run_nar_from_path(struct session *, struct op_args *);
int	run_ensure_path(struct session *, struct op_args *);
int	op_add_temp_root(struct session *, struct wire_in *);
int	op_add_indirect_root(struct session *, struct wire_in *);
int	op_find_roots(struct session *, struct wire_in *);
int	op_collect_garbage(struct session *, struct wire_in *);
int	parse_verify_store(struct session *, struct wire_in *,
	    struct op_args *);
int	run_verify_store(struct session *, struct op_args *);
int	parse_add_signatures(struct session *, struct wire_in *,
	    struct op_args *);
int	run_add_signatures(struct session *, struct op_args *);
int	parse_build_paths(struct session *, struct wire_in *,
	    struct op_args *);
int	run_build_paths(struct session *, struct op_args *);
int	parse_build_derivation(struct session *, struct wire_in *,
	    struct op_args *);
int	run_build_derivation(struct session *, struct op_args *);
int	parse_one_string(struct session *, struct wire_in *,
	    struct op_args *);
int	run_one_string(struct session *, struct op_args *);
int	run_add_build_log(struct session *, struct op_args *);
int	parse_export_path(struct session *, struct wire_in *,
	    struct op_args *);
int	run_export_path(struct session *, struct op_args *);
int	ops_canon_path(const char *, char *, size_t);
int	op_unsupported(struct session *, struct wire_in *);
int	op_set_options(struct session *, struct wire_in *);
const char	*ops_add_nar_check(struct session *, struct msg_add_nar *);
int	reply_added(struct session *, struct imsg *);
int	reply_multiple(struct session *, struct imsg *);
int	reply_roots(struct session *, struct imsg *);
int	reply_gc(struct session *, struct imsg *);
int	reply_verify(struct session *, struct imsg *);

/* session_roots.c */
int	parse_perm_root(struct session *, struct wire_in *,
	    struct op_args *);
int	run_add_perm_root(struct session *, struct op_args *);
int	reply_perm_root(struct session *, struct imsg *);

/* session_upload.c */
#define UPLOAD_MODE_SINGLE	0	/* the payload, to one pipe */
#define UPLOAD_MODE_MULTI	1	/* AddMultipleToStore's paths */
#define UPLOAD_MODE_DISCARD	2	/* the op failed: drop it */
#define UPLOAD_REPAIR		0x01
#define UPLOAD_DONT_CHECK_SIGS	0x02

#define UPLOAD_DONE	0	/* the stream ended and went to storeproc */
#define UPLOAD_INPUT	1	/* needs more bytes from the client */
#define UPLOAD_BLOCKED	2	/* the pipe is full or storeproc is busy */
#define UPLOAD_LOST	(-1)	/* the framing broke: close the session */

int	upload_start(struct session *, int, int, int *);
int	upload_text(struct session *, const unsigned char *, size_t, int *);
int	upload_run(struct session *);
void	upload_store_done(struct session *, int);
void	upload_free(struct session *);
int	download_start(struct session *, int *);
int	download_run(struct session *);
void	download_free(struct session *);

#endif /* RNIXD_SESSION_H */
