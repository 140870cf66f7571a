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
 * The builderproc <-> storeproc messages (IMSG_STORE_*, proc.h): one
 * send and one receive function per message, side by side in
 * msg_store_query.c (paths, texts, query answers), msg_store_add.c
 * (uploads, signatures, GC, verify) and msg_store_build.c (a build's
 * outputs and result).
 *
 * Payloads are built and read with msg.h, in the worker-protocol
 * primitives of wirebuf.h (u64 little-endian, strings padded to 8
 * bytes), so the rules for strings, sets and path info are the ones
 * the client link already enforces.  Every receive function checks
 * the whole payload: exact length (no trailing bytes), counts and
 * lengths within the limits below, strings without NUL, store paths
 * valid for the store dir given, an fd present exactly when the
 * message needs one.  It returns 0, or -1 with *errstr set and
 * nothing allocated; the caller logs the sender and type and answers
 * with STORE_ERROR where a reply is due.
 *
 * Send functions compose on the given imsgbuf with the session id as
 * peerid; they are fatal only when composing fails (allocation), as
 * every compose is.  A payload must fit both
 * MSG_STORE_MAXSIZE and the channel's imsgbuf_set_maxsize() (set it to
 * MSG_STORE_MAXSIZE on both ends), and its counts the limits below.
 * One that does not is never sent: a reply is replaced by STORE_ERROR
 * "reply too large" (the session still gets its one final answer, and
 * one huge query cannot kill a process); a request sender returns -1
 * instead of 0 so the caller can answer its client with an error.  An
 * fd given to a sender is always consumed (sent or closed).
 */
#ifndef RNIXD_MSG_STORE_H
#define RNIXD_MSG_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"
#include "imsg.h"
#include "msg.h"
#include "msg_ctl.h"
#include "outcheck.h"
#include "storepath.h"
#include "wire.h"

#define MSG_STORE_MAXSIZE	(IMSG_HEADER_SIZE + 16 * 1024 * 1024)
#define MSG_PATHS_MAX		(1 << 16)	/* paths in one message */
#define MSG_NAME_MAX		211		/* store path name */
#define MSG_METHOD_MAX		32		/* "fixed:r:sha512" */
#define MSG_ERROR_MAX		(64 * 1024)	/* error and log text */
#define MSG_DERIVED_MAX		(STOREPATH_MAX + 4096)	/* a DerivedPath */

/*
 * Content-address method of STORE_ADD, as AddToStore's camStr:
 * "text:sha256", "fixed:<algo>" (flat: the stream is the file's
 * bytes), "fixed:r:<algo>" (recursive: the stream is a NAR), algo one
 * of md5, sha1, sha256, sha512.  Parsed and checked by the receiver;
 * msg_parse_method() gives its parts.  ma_name is a valid store path
 * name.
 */
struct msg_add {
	char		 *ma_name;
	char		 *ma_method;
	char		**ma_refs;
	size_t		  ma_nrefs;
	int		  ma_repair;
};

/* 0, or -1 and *errstr (static) if the method is none of the above. */
int	msg_parse_method(const char *, enum ca_kind *, enum ca_method *,
	    enum hash_algo *, const char **errstr);

/*
 * STORE_ADD_NAR: the client's claimed path info (with path); storeproc
 * checks narHash and narSize against what it reads, the path against
 * the ca if there is one, and signatures unless dontCheckSigs is set by
 * a trusted session.  man_trusted says builderproc authenticated the
 * client as trusted (storeproc cannot know otherwise).  The receiver
 * checks the wire rules only: narHash and ca are storeproc's to parse.
 */
struct msg_add_nar {
	struct wire_path_info	 man_info;
	int			 man_repair;
	int			 man_dont_check_sigs;
	int			 man_trusted;
};

/*
 * STORE_OUTPUTS: QueryDerivationOutputMap; mo_path NULL if unknown,
 * mo_name a valid output name (store path name characters).
 */
struct msg_output {
	char	*mo_name;
	char	*mo_path;
};

/* STORE_MISSING: QueryMissing's reply. */
struct msg_missing {
	char		**mm_will_build;
	size_t		  mm_nwill_build;
	char		**mm_will_substitute;
	size_t		  mm_nwill_substitute;
	char		**mm_unknown;
	size_t		  mm_nunknown;
	uint64_t	  mm_download_size;
	uint64_t	  mm_nar_size;
};

/* STORE_GC: CollectGarbage's request, action as on the wire (0..3). */
struct msg_gc {
	uint64_t	  mg_action;
	char		**mg_paths;
	size_t		  mg_npaths;
	int		  mg_ignore_liveness;
	uint64_t	  mg_max_freed;
};

/* STORE_GC_RESULT */
struct msg_gc_result {
	char		**mgr_paths;
	size_t		  mgr_npaths;
	uint64_t	  mgr_bytes_freed;
};

/*
 * STORE_ROOTS: FindRoots; link is a path (or a label such as
 * "{temp:1}": 1..MSG_LINKPATH_MAX bytes, no NUL), target a store path.
 */
struct msg_root {
	char	*mr_link;
	char	*mr_target;
};

/*
 * Builds (issue 5).
 *
 * QUERY_DRV: one .drv store path (msg_send_path, no fd); the reply is
 * STORE_DRV with the file's bytes, which storeproc has parsed with
 * drv_parse() first (a .drv that does not parse is a STORE_ERROR), or
 * STORE_ERROR "path '...' is not valid".  At most MSG_DRV_MAX bytes.
 *
 * QUERY_CLOSURE: a set of valid store paths (msg_send_paths); the
 * reply is STORE_PATHS: their closure under references, each path
 * once, sorted, or STORE_ERROR if one is not valid.
 *
 * BUILD_OUTPUTS + dirfd: the build root's store dir as mountproc hands
 * it over after the builder exited (IMSG_MOUNT_BUILD_EXITED).  storeproc
 * looks up the base name of each expected path in it, never following a
 * symlink, copies the output afresh into the store, canonicalises,
 * hashes and scans it, checks a fixed output's hash, and registers all
 * outputs in one transaction with deriver mb_drv and ultimate set.  The
 * reply is BUILD_RESULT: every output's registered path info, or an
 * error text in Nix's words with nothing registered.
 *
 * BUILD_LOG + fd: the read end of a pipe carrying a build's log (the
 * bytes the builder printed), for mb_drv's log file; msg_send_path with
 * the drv path.  storeproc answers STORE_OK once the pipe reached end of
 * file and the log is on disk (or STORE_ERROR): close the write end when
 * the build is over.  Logs longer than storeproc's limit are cut.
 */
#define MSG_DRV_MAX		(MSG_STORE_MAXSIZE - IMSG_HEADER_SIZE - 8)
#define MSG_OUTPUTS_MAX		1024		/* outputs of one build */
#define MSG_HASH_MAX		128		/* base16 sha512 */

/*
 * One output of a build, with its .drv tuple's hash fields: algo ""
 * and hash "" for an input-addressed output, else algo "<algo>" (flat)
 * or "r:<algo>" (recursive), algo one of md5 sha1 sha256 sha512, and
 * hash the expected digest in base16, as the .drv writes them.  path is
 * the expected store path: the fixed-output path the hash gives, for a
 * fixed output.  The receiver checks the forms, not the paths.
 */
struct msg_build_output {
	char	*mbo_name;
	char	*mbo_path;
	char	*mbo_algo;
	char	*mbo_hash;
};

/*
 * BUILD_OUTPUTS.  mb_uid is the build user: every file of an output
 * must be owned by it (or by storeproc), as Nix's canonicalisation
 * demands.  mb_refs are the candidate references, the input closure;
 * the outputs' own paths are candidates whether listed or not.
 * mb_mode: in WIRE_BUILD_CHECK the outputs are compared with the valid
 * ones and never installed; in WIRE_BUILD_REPAIR valid outputs are
 * replaced too, each in one rename.
 * mb_checks are the output checks (outcheck.h), at most one per output
 * and only for outputs of mb_outputs; storeproc applies them before it
 * registers anything.
 */
struct msg_build {
	char			*mb_drv;
	uint64_t		 mb_id;
	uint32_t		 mb_uid;
	struct msg_build_output	*mb_outputs;
	size_t			 mb_noutputs;
	char			**mb_refs;
	size_t			 mb_nrefs;
	uint32_t		 mb_mode;	/* WIRE_BUILD_* */
	int			 mb_keep_failed; /* check: keep <out>.check */
	struct outcheck		*mb_checks;
	size_t			 mb_nchecks;
};

/* A registered output: its name and its path info (with path). */
struct msg_built {
	char			*mbt_name;
	struct wire_path_info	 mbt_info;
};

/*
 * BUILD_RESULT: mbr_error NULL and the outputs (in mb_outputs order),
 * or mbr_error (at most MSG_ERROR_MAX bytes, with Nix's highlighting)
 * and no outputs.  mbr_hash_mismatch says a fixed output had the wrong
 * hash (Nix exits 102 then, not 100).
 */
struct msg_build_result {
	char			*mbr_error;
	int			 mbr_hash_mismatch;
	int			 mbr_not_det;	/* check mode: outputs differ */
	struct msg_built	*mbr_outputs;
	size_t			 mbr_noutputs;
};

/* Frees every string of a received struct and zeroes it. */
void	msg_add_free(struct msg_add *);
void	msg_add_nar_free(struct msg_add_nar *);
void	msg_outputs_free(struct msg_output *, size_t);
void	msg_missing_free(struct msg_missing *);
void	msg_gc_free(struct msg_gc *);
void	msg_gc_result_free(struct msg_gc_result *);
void	msg_roots_free(struct msg_root *, size_t);
void	msg_build_free(struct msg_build *);
void	msg_build_result_free(struct msg_build_result *);

/*
 * One store path: QUERY_INFO, QUERY_REFERRERS, QUERY_DERIVERS,
 * QUERY_OUTPUTS, TEMP_ROOT, ENSURE, QUERY_DRV, NAR_FROM_PATH and
 * BUILD_LOG (+ fd, required).
 * The receiver's fd may be NULL for the types that carry none.
 */
int	msg_send_path(struct imsgbuf *, uint32_t type, uint32_t sid,
	    const char *path, int fd);
int	msg_recv_path(struct imsg *, const char *storedir, char **path,
	    int *fd, const char **errstr);

/*
 * A set of store paths: QUERY_VALID, STORE_PATHS, QUERY_CLOSURE,
 * QUERY_MISSING
 * (DerivedPath strings when derived is set: a store path, or
 * "<drvpath>!<outputs>" with a ".drv" path and outputs "*" or a
 * comma-separated list of output names; at most MSG_DERIVED_MAX
 * bytes).  Sent in the order given.
 */
int	msg_send_paths(struct imsgbuf *, uint32_t type, uint32_t sid,
	    char *const *paths, size_t npaths);
int	msg_recv_paths(struct imsg *, const char *storedir, int derived,
	    char ***paths, size_t *npaths, const char **errstr);

/* No payload (QUERY_ALL, FIND_ROOTS, SESSION_END, STORE_OK): msg.h. */

/*
 * A text: STORE_ERROR, STORE_LOG (at most MSG_ERROR_MAX bytes: the
 * sender cuts longer ones), QUERY_HASHPART (exactly 32 Nix base32
 * chars), INDIRECT_ROOT (an absolute path, at most MSG_LINKPATH_MAX).
 * The receiver applies the type's rule and maxlen both.
 */
int	msg_send_text(struct imsgbuf *, uint32_t type, uint32_t sid,
	    const char *);
int	msg_recv_text(struct imsg *, size_t maxlen, char **,
	    const char **errstr);

int	msg_send_add(struct imsgbuf *, uint32_t sid, const struct msg_add *,
	    int fd);
int	msg_recv_add(struct imsg *, const char *storedir, struct msg_add *,
	    int *fd, const char **errstr);

int	msg_send_add_nar(struct imsgbuf *, uint32_t sid,
	    const struct msg_add_nar *, int fd);
int	msg_recv_add_nar(struct imsg *, const char *storedir,
	    struct msg_add_nar *, int *fd, const char **errstr);

/* STORE_INFO: found, then path info with path when found. */
void	msg_send_info(struct imsgbuf *, uint32_t sid, int found,
	    const struct wire_path_info *);
/* STORE_INFO_HINT: the same; msg_recv_info() reads it. */
void	msg_send_info_hint(struct imsgbuf *, const struct wire_path_info *);
int	msg_recv_info(struct imsg *, const char *storedir, int *found,
	    struct wire_path_info *, const char **errstr);

void	msg_send_outputs(struct imsgbuf *, uint32_t sid,
	    const struct msg_output *, size_t);
int	msg_recv_outputs(struct imsg *, const char *storedir,
	    struct msg_output **, size_t *, const char **errstr);

void	msg_send_missing(struct imsgbuf *, uint32_t sid,
	    const struct msg_missing *);
int	msg_recv_missing(struct imsg *, const char *storedir,
	    struct msg_missing *, const char **errstr);

int	msg_send_gc(struct imsgbuf *, uint32_t sid, const struct msg_gc *);
int	msg_recv_gc(struct imsg *, const char *storedir, struct msg_gc *,
	    const char **errstr);

void	msg_send_gc_result(struct imsgbuf *, uint32_t sid,
	    const struct msg_gc_result *);
int	msg_recv_gc_result(struct imsg *, const char *storedir,
	    struct msg_gc_result *, const char **errstr);

void	msg_send_roots(struct imsgbuf *, uint32_t sid,
	    const struct msg_root *, size_t);
int	msg_recv_roots(struct imsg *, const char *storedir,
	    struct msg_root **, size_t *, const char **errstr);

/* ADD_SIGS: a path and its new signatures (wire.h's sig limits). */
int	msg_send_add_sigs(struct imsgbuf *, uint32_t sid, const char *path,
	    char *const *sigs, size_t nsigs);
int	msg_recv_add_sigs(struct imsg *, const char *storedir, char **path,
	    char ***sigs, size_t *nsigs, const char **errstr);

/*
 * VERIFY: two flags; VERIFY_RESULT: a flag, and with repair the
 * derivers (.drv paths) of the paths found broken, for builderproc to
 * rebuild in repair mode.
 */
void	msg_send_verify(struct imsgbuf *, uint32_t sid, int check_contents,
	    int repair);
int	msg_recv_verify(struct imsg *, int *check_contents, int *repair,
	    const char **errstr);
void	msg_send_verify_result(struct imsgbuf *, uint32_t sid,
	    int errors_found, char *const *drvs, size_t ndrvs);
int	msg_recv_verify_result(struct imsg *, const char *storedir,
	    int *errors_found, char ***drvs, size_t *ndrvs,
	    const char **errstr);

/* STORE_DRV: len bytes of .drv text (NUL bytes are passed as they are). */
void	msg_send_drv(struct imsgbuf *, uint32_t sid, const char *, size_t);
int	msg_recv_drv(struct imsg *, char **text, size_t *len,
	    const char **errstr);

/*
 * BUILD_OUTPUTS: the dirfd is required.  (Not msg_send_build: that is
 * msg_mount.h's.)
 */
int	msg_send_build_outputs(struct imsgbuf *, uint32_t sid,
	    const struct msg_build *, int dirfd);
int	msg_recv_build_outputs(struct imsg *, const char *storedir,
	    struct msg_build *, int *dirfd, const char **errstr);

void	msg_send_build_result(struct imsgbuf *, uint32_t sid,
	    const struct msg_build_result *);
int	msg_recv_build_result(struct imsg *, const char *storedir,
	    struct msg_build_result *, const char **errstr);

/* Shared by the msg_store_*.c files: an output name. */
int	msg_get_output_name(struct msg_in *, char **);

#endif /* RNIXD_MSG_STORE_H */
