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
 * The Nix worker protocol (daemon side, protocol 1.34 as spoken by Nix
 * 2.8) as the client speaks it: constants, framed streams, the logger
 * channel, the handshake and SetOptions, over the primitives of
 * wirebuf.h.  No I/O happens here, so the nonblocking session code can
 * call it on a partial input buffer.  Only builderproc links it.
 */
#ifndef RNIXD_WIRE_H
#define RNIXD_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "wirebuf.h"

#define WORKER_MAGIC_1		0x6e697863	/* "cxin" */
#define WORKER_MAGIC_2		0x6478696f	/* "oixd" */
#define PROTOCOL_VERSION	0x122		/* 1.34 */
#define PROTOCOL_VERSION_MIN	0x10a		/* oldest client served */
#define PROTOCOL_MAJOR(v)	((v) & 0xff00)
#define PROTOCOL_MINOR(v)	((v) & 0x00ff)
#define WIRE_NIX_VERSION	"2.8.0"		/* sent to minor >= 33 */

/* Op numbers; gaps (2, 15, 17) are invalid. */
enum wire_op {
	WOP_IS_VALID_PATH = 1,
	WOP_HAS_SUBSTITUTES = 3,
	WOP_QUERY_PATH_HASH = 4,
	WOP_QUERY_REFERENCES = 5,
	WOP_QUERY_REFERRERS = 6,
	WOP_ADD_TO_STORE = 7,
	WOP_ADD_TEXT_TO_STORE = 8,
	WOP_BUILD_PATHS = 9,
	WOP_ENSURE_PATH = 10,
	WOP_ADD_TEMP_ROOT = 11,
	WOP_ADD_INDIRECT_ROOT = 12,
	WOP_SYNC_WITH_GC = 13,
	WOP_FIND_ROOTS = 14,
	WOP_EXPORT_PATH = 16,
	WOP_QUERY_DERIVER = 18,
	WOP_SET_OPTIONS = 19,
	WOP_COLLECT_GARBAGE = 20,
	WOP_QUERY_SUBSTITUTABLE_PATH_INFO = 21,
	WOP_QUERY_DERIVATION_OUTPUTS = 22,
	WOP_QUERY_ALL_VALID_PATHS = 23,
	WOP_QUERY_FAILED_PATHS = 24,		/* removed: 2.8 refuses it */
	WOP_CLEAR_FAILED_PATHS = 25,		/* removed: 2.8 refuses it */
	WOP_QUERY_PATH_INFO = 26,
	WOP_IMPORT_PATHS = 27,
	WOP_QUERY_DERIVATION_OUTPUT_NAMES = 28,
	WOP_QUERY_PATH_FROM_HASH_PART = 29,
	WOP_QUERY_SUBSTITUTABLE_PATH_INFOS = 30,
	WOP_QUERY_VALID_PATHS = 31,
	WOP_QUERY_SUBSTITUTABLE_PATHS = 32,
	WOP_QUERY_VALID_DERIVERS = 33,
	WOP_OPTIMISE_STORE = 34,
	WOP_VERIFY_STORE = 35,
	WOP_BUILD_DERIVATION = 36,
	WOP_ADD_SIGNATURES = 37,
	WOP_NAR_FROM_PATH = 38,
	WOP_ADD_TO_STORE_NAR = 39,
	WOP_QUERY_MISSING = 40,
	WOP_QUERY_DERIVATION_OUTPUT_MAP = 41,
	WOP_REGISTER_DRV_OUTPUT = 42,
	WOP_QUERY_REALISATION = 43,
	WOP_ADD_MULTIPLE_TO_STORE = 44,
	WOP_ADD_BUILD_LOG = 45,
	WOP_BUILD_PATHS_WITH_RESULTS = 46
};

/* Nix's name of an op ("SetOptions"), or NULL if the number is none. */
const char	*wire_op_name(uint64_t);

/* The logger channel: each message starts with one of these u64s. */
#define STDERR_NEXT		0x6f6c6d67
#define STDERR_READ		0x64617461
#define STDERR_WRITE		0x64617416
#define STDERR_LAST		0x616c7473
#define STDERR_ERROR		0x63787470
#define STDERR_START_ACTIVITY	0x53545254
#define STDERR_STOP_ACTIVITY	0x53544f50
#define STDERR_RESULT		0x52534c54

enum wire_verbosity {
	WIRE_LVL_ERROR = 0,
	WIRE_LVL_WARN = 1,
	WIRE_LVL_NOTICE = 2,
	WIRE_LVL_INFO = 3,
	WIRE_LVL_TALKATIVE = 4,
	WIRE_LVL_CHATTY = 5,
	WIRE_LVL_DEBUG = 6,
	WIRE_LVL_VOMIT = 7
};

enum wire_act_type {
	WIRE_ACT_UNKNOWN = 0,
	WIRE_ACT_COPY_PATH = 100,
	WIRE_ACT_FILE_TRANSFER = 101,
	WIRE_ACT_REALISE = 102,
	WIRE_ACT_COPY_PATHS = 103,
	WIRE_ACT_BUILDS = 104,
	WIRE_ACT_BUILD = 105,		/* drvPath, machine, round, rounds */
	WIRE_ACT_OPTIMISE_STORE = 106,
	WIRE_ACT_VERIFY_PATHS = 107,
	WIRE_ACT_SUBSTITUTE = 108,
	WIRE_ACT_QUERY_PATH_INFO = 109,
	WIRE_ACT_POST_BUILD_HOOK = 110,
	WIRE_ACT_BUILD_WAITING = 111
};

enum wire_result_type {
	WIRE_RES_FILE_LINKED = 100,
	WIRE_RES_BUILD_LOG_LINE = 101,	/* line */
	WIRE_RES_UNTRUSTED_PATH = 102,
	WIRE_RES_CORRUPTED_PATH = 103,
	WIRE_RES_SET_PHASE = 104,
	WIRE_RES_PROGRESS = 105,	/* done, expected, running, failed */
	WIRE_RES_SET_EXPECTED = 106,	/* activity type, count */
	WIRE_RES_POST_BUILD_LOG_LINE = 107
};

enum wire_build_mode {
	WIRE_BUILD_NORMAL = 0,
	WIRE_BUILD_REPAIR = 1,
	WIRE_BUILD_CHECK = 2
};

enum wire_build_status {
	WIRE_BS_BUILT = 0,
	WIRE_BS_SUBSTITUTED = 1,
	WIRE_BS_ALREADY_VALID = 2,
	WIRE_BS_PERMANENT_FAILURE = 3,
	WIRE_BS_INPUT_REJECTED = 4,
	WIRE_BS_OUTPUT_REJECTED = 5,
	WIRE_BS_TRANSIENT_FAILURE = 6,
	WIRE_BS_CACHED_FAILURE = 7,
	WIRE_BS_TIMED_OUT = 8,
	WIRE_BS_MISC_FAILURE = 9,
	WIRE_BS_DEPENDENCY_FAILED = 10,
	WIRE_BS_LOG_LIMIT_EXCEEDED = 11,
	WIRE_BS_NOT_DETERMINISTIC = 12,
	WIRE_BS_RESOLVES_TO_ALREADY_VALID = 13,
	WIRE_BS_NO_SUBSTITUTERS = 14
};

/* Limits on what a peer may make us allocate. */
#define WIRE_OVERRIDES_MAX	1024		/* SetOptions overrides */
#define WIRE_OPTNAME_MAX	256
#define WIRE_OPTVALUE_MAX	(64 * 1024)
#define WIRE_FRAME_MAX		(16 * 1024 * 1024)	/* default */


/*
 * Framed streams (AddToStore, AddToStoreNar, AddMultipleToStore,
 * AddBuildLog): frames of u64 length + bytes without padding, ended by
 * a zero length.  The decoder is pushed whatever bytes arrived and
 * keeps its own state, so uploads of any size pass through in chunks.
 * wire_frames_push() consumes *used bytes of buf and returns
 * WIRE_FRAMES_DATA (a payload chunk in *data, pointing into buf),
 * WIRE_FRAMES_MORE (all of buf used, nothing to yield),
 * WIRE_FRAMES_END (the terminator was read: bytes after *used belong
 * to the next op; every later call returns END again, using nothing)
 * or WIRE_FRAMES_ERROR (wf_errstr set; every later call fails too).
 */
#define WIRE_FRAMES_ERROR	(-1)
#define WIRE_FRAMES_MORE	0
#define WIRE_FRAMES_DATA	1
#define WIRE_FRAMES_END		2

struct wire_frames {
	uint64_t	 wf_max;	/* largest frame accepted */
	uint64_t	 wf_left;	/* payload left in this frame */
	uint64_t	 wf_total;	/* payload bytes yielded */
	unsigned char	 wf_hdr[8];
	size_t		 wf_hdrlen;	/* length bytes seen */
	int		 wf_state;
	const char	*wf_errstr;
};

void	wire_frames_init(struct wire_frames *, uint64_t maxframe);
int	wire_frames_push(struct wire_frames *, const void *buf, size_t len,
	    size_t *used, const void **data, size_t *datalen);

/* One frame (no padding; an empty one is not sent) and the end. */
int	wire_put_frame(struct wire_out *, const void *, size_t);
int	wire_put_frames_end(struct wire_out *);

/* The logger channel. */
int	wire_put_stderr_last(struct wire_out *);
/* A log line, sent as given: end it with "\n". */
int	wire_put_stderr_next(struct wire_out *, const char *);
/* STDERR_ERROR as minor >= 26 expects it: no position, no traces. */
int	wire_put_error(struct wire_out *, const char *);
/* STDERR_ERROR for minor < 26: message and exit status. */
int	wire_put_error_legacy(struct wire_out *, const char *, uint64_t);

#define WIRE_FIELD_INT		0
#define WIRE_FIELD_STRING	1

struct wire_field {
	int		 fl_type;
	uint64_t	 fl_int;
	const char	*fl_str;
};

int	wire_put_start_activity(struct wire_out *, uint64_t id,
	    uint64_t level, uint64_t type, const char *text,
	    const struct wire_field *, size_t nfields, uint64_t parent);
int	wire_put_stop_activity(struct wire_out *, uint64_t id);
int	wire_put_result(struct wire_out *, uint64_t id, uint64_t type,
	    const struct wire_field *, size_t nfields);


/*
 * Handshake.  The client sends magic 1 and waits for the daemon's
 * magic 2 and version; only then does it send the rest.  So
 * wire_get_client_hello() reads one part per call, starting from a
 * zeroed struct: at WIRE_HELLO_MAGIC the daemon sends
 * wire_put_server_hello() and calls again; at WIRE_HELLO_DONE it sends
 * wire_put_server_post_hello() (or its version and an error).
 */
#define WIRE_HELLO_START	0
#define WIRE_HELLO_MAGIC	1
#define WIRE_HELLO_DONE		2

struct wire_hello {
	int		wh_state;
	uint64_t	wh_version;	/* as the client sent it */
	unsigned int	wh_minor;	/* of min(client, ours): use this */
	int		wh_cpu_affinity;
	uint64_t	wh_cpu;		/* ignored, as Nix does */
	uint64_t	wh_reserve_space;	/* obsolete */
};

int	wire_get_client_hello(struct wire_in *, struct wire_hello *);
int	wire_put_server_hello(struct wire_out *);
/* The daemon's version string (minor >= 33), nothing else. */
int	wire_put_daemon_version(struct wire_out *, unsigned int minor);
/* The version string, then STDERR_LAST: the handshake is over. */
int	wire_put_server_post_hello(struct wire_out *, unsigned int minor);

/*
 * SetOptions (op 19) body, after the op number.  Obsolete fields are
 * read and dropped.  Overrides (minor >= 12) are bounded by
 * WIRE_OVERRIDES_MAX, WIRE_OPTNAME_MAX and WIRE_OPTVALUE_MAX.
 */
struct wire_options {
	int			 opt_keep_failed;
	int			 opt_keep_going;
	int			 opt_try_fallback;
	enum wire_verbosity	 opt_verbosity;	/* clamped to VOMIT */
	uint64_t		 opt_max_build_jobs;
	uint64_t		 opt_max_silent_time;
	int			 opt_verbose_build;	/* sent lvlError */
	uint64_t		 opt_build_cores;
	int			 opt_use_substitutes;
	struct wire_pair	*opt_overrides;
	size_t			 opt_noverrides;
};

int	wire_get_set_options(struct wire_in *, unsigned int minor,
	    struct wire_options *);
void	wire_options_free(struct wire_options *);

#endif /* RNIXD_WIRE_H */
