/*
 * builderproc: worker-protocol sessions, build supervision and the
 * recursive-Nix proxy.  It holds no privilege: no root, no capability,
 * an empty root directory and a seccomp allow-list.
 */
#ifndef RNIXD_BUILDERPROC_H
#define RNIXD_BUILDERPROC_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <event.h>

#include "config.h"
#include "imsgev.h"
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
/* Seconds between two lines of one rate-limited warning. */
#define LOG_LIMIT_INTERVAL	10

/* A warning logged at most once per LOG_LIMIT_INTERVAL, with a count. */
struct log_limit {
	time_t		ll_next;	/* monotonic seconds */
	unsigned long	ll_dropped;	/* lines not logged since */
};

/* s_busy: session_process() runs, and was called again meanwhile. */
#define SESSION_BUSY		1
#define SESSION_BUSY_AGAIN	2

enum session_state {
	SESSION_CRED,		/* waiting for the parent's answer */
	SESSION_HELLO,		/* protocol handshake */
	SESSION_OPS,		/* serving operations */
	SESSION_CLOSING		/* flush what is queued, then close */
};

struct msg_add_nar;
struct msg_missing;
struct op_desc;
struct upload;
struct download;
struct build_req;
struct goal;
struct rec_build;
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
	int			 s_flag;
	int			 s_blocked;	/* upload cannot go on */
	struct upload		*s_up;
	struct download		*s_down;
	struct build_req	*s_build;	/* a build op waits */

	/* Recursive Nix: a connection on a build's own socket. */
	struct rec_build	*s_rec;
	TAILQ_ENTRY(session)	 s_rentry;
	char			**s_rcand;	/* allowed if the op succeeds */
	size_t			 s_nrcand;
	char			**s_rextra;	/* QueryMissing's unknown */
	size_t			 s_nrextra;
	int			 s_rphase;	/* 1 closure, 2 binds, 3 done */
	unsigned int		 s_rbinds;	/* BIND_PATHs out */
};

RB_HEAD(session_tree, session);
int	session_cmp(struct session *, struct session *);
RB_PROTOTYPE(session_tree, session, s_entry, session_cmp)

/* builderproc.c */
extern struct rnixd_conf	*builder_conf;
extern int			 builder_fd_limit;
extern struct imsgev		 iev_parent;
extern struct imsgev		 iev_store;
extern struct imsgev		 iev_mount;

/* builder_session.c */
void	session_listen(int);
void	session_accept_pause(int);
void	session_handle_cred(const struct msg_cred_reply *);
unsigned int	session_count(void);
struct session	*session_find(uint32_t);
void	session_process(struct session *);
void	session_close(struct session *);
int	session_trusted(const struct session *);
void	session_new_recursive(int, struct rec_build *);
int	session_fd_room(int);
void	session_mem_take(size_t);
void	session_mem_give(size_t);
void	session_out_account(struct session *);
int	session_out_fits(const struct session *, size_t);
time_t	session_now(void);
void	log_limit_warnx(struct log_limit *, const char *, ...)
	    __attribute__((__format__ (printf, 2, 3)));

/* builder_cache.c: path info kept, at most this much. */
#define CACHE_ENTRIES_MAX	8192
#define CACHE_BYTES_MAX		(8 * 1024 * 1024)
const struct wire_path_info	*cache_info_get(const char *);
void		 cache_info_put(const struct wire_path_info *);
void		 cache_info_flush(void);
size_t		 cache_info_copy(struct wire_path_info *,
		    const struct wire_path_info *);

/* builder_ops.c */
/* Nix shows the arguments of its messages in bold magenta. */
#define OPS_HL(fmt)	"\x1b[35;1m" fmt "\x1b[0m"
#define OPF_LAST_SENT	0x01	/* STDERR_LAST went out: data follows */
int		 ops_start(struct session *, uint64_t, struct wire_in *);
int		 ops_reply(struct session *, struct imsg *);
int		 ops_delegate(struct session *, struct wire_in *);
void		 ops_error(struct session *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
void		 ops_put_error(struct session *, const char *);
int		 ops_out_raw(struct wire_out *, const void *, size_t);
void		 ops_finish(struct session *);
void		 ops_clear(struct session *);
int		 ops_expect(struct session *, struct imsg *, uint32_t);
const char	*ops_storedir(void);
uint64_t	 ops_current(const struct session *);
const char	*ops_name(const struct session *);
void		 ops_request_path(struct session *, uint32_t, char *);
void		 ops_request_paths(struct session *, uint32_t, char **,
		    size_t);
const char	*ops_check_derived(const char *);
int		 ops_read_derived(struct wire_in *, char ***, size_t *);
int		 reply_ok_one(struct session *, struct imsg *);
int		 reply_ok_none(struct session *, struct imsg *);

/* builder_modify.c */
int	op_add_to_store(struct session *, struct wire_in *);
int	op_add_text_to_store(struct session *, struct wire_in *);
int	op_add_to_store_nar(struct session *, struct wire_in *);
int	op_add_multiple(struct session *, struct wire_in *);
int	op_nar_from_path(struct session *, struct wire_in *);
int	op_ensure_path(struct session *, struct wire_in *);
int	op_add_temp_root(struct session *, struct wire_in *);
int	op_add_indirect_root(struct session *, struct wire_in *);
int	op_find_roots(struct session *, struct wire_in *);
int	op_collect_garbage(struct session *, struct wire_in *);
int	op_verify_store(struct session *, struct wire_in *);
int	op_add_signatures(struct session *, struct wire_in *);
int	op_build_paths(struct session *, struct wire_in *);
int	op_build_derivation(struct session *, struct wire_in *);
int	op_one_string(struct session *, struct wire_in *);
int	op_add_build_log(struct session *, struct wire_in *);
int	op_export_path(struct session *, struct wire_in *);
int	op_unsupported(struct session *, struct wire_in *);
int	op_set_options(struct session *, struct wire_in *);
int	ops_skip_build_derivation(struct wire_in *);
const char	*ops_add_nar_check(struct session *, struct msg_add_nar *);
int	reply_added(struct session *, struct imsg *);
int	reply_multiple(struct session *, struct imsg *);
int	reply_roots(struct session *, struct imsg *);
int	reply_gc(struct session *, struct imsg *);
int	reply_verify(struct session *, struct imsg *);

/* builder_upload.c */
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

/* builder_store.c */
void	store_route_reply(struct imsg *);

/* builder_req.c: the build ops; builder_users.c; builder_mount.c */
void	build_req_start(struct session *, char **, size_t, struct goal *);
void	build_req_cancel(struct session *);
int	users_parse(const void *, size_t);
int	build_mount_reply(struct imsg *);
void	build_mount_bind(struct goal *, uint32_t, const char *);

/* builder_recursive.c */
void	rec_session_attach(struct session *, struct rec_build *);
void	rec_session_detach(struct session *);
void	rec_clear(struct session *);
void	rec_candidate(struct session *, const char *);
const char *rec_check_refs(struct session *, char *const *, size_t,
	    const char *);
void	rec_censor_info(struct session *, struct wire_path_info *);
char	*rec_censor_error(struct session *, const char *);
int	rec_op_done(struct session *);
void	rec_bind_reply(uint32_t, const char *);
int	rec_op_start(struct session *, uint64_t, struct wire_in *);
void	rec_missing_extra(struct session *, struct msg_missing *);
size_t	build_mount_maxsize(void);

#endif /* RNIXD_BUILDERPROC_H */
