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
 * storeproc: the only writer of the store and its database.
 */
#ifndef RNIXD_STOREPROC_H
#define RNIXD_STOREPROC_H

#include <sys/types.h>
#include <sys/tree.h>

#include <stdint.h>

#include "config.h"
#include "hash.h"
#include "imsgev.h"
#include "msg_store.h"

struct db_pathinfo;
struct drv;
struct store_db;

/*
 * Everything the request handlers share.  main() fills it after the
 * confinement; a unit test fills it with a scratch store and its own
 * imsg channels.
 */
struct store_env {
	const char	*se_storedir;	/* as clients name it: /nix/store */
	const char	*se_statedir;
	int		 se_storefd;	/* the store dir, O_DIRECTORY */
	int		 se_statefd;	/* the state dir, O_DIRECTORY */
	struct store_db	*se_db;
	struct imsgbuf	*se_builder;	/* requests and replies */
	struct imsgbuf	*se_parent;	/* CTL_READLINKS */
	uid_t		 se_uid;	/* owner of every store file */
	gid_t		 se_gid;
	uint32_t	 se_serial;	/* for temporary names */
};

extern struct store_env	store_env;

/* Temporary names in the store dir: removed at startup if left. */
#define STORE_TMP_PREFIX	".rnixd-"
#define STORE_TMP_MAX		64

/* A set of strings (store paths, mostly), sorted. */
struct pathset_node {
	RB_ENTRY(pathset_node)	 pn_entry;
	char			*pn_path;
};
RB_HEAD(pathset, pathset_node);
int	pathset_cmp(struct pathset_node *, struct pathset_node *);
RB_PROTOTYPE(pathset, pathset_node, pn_entry, pathset_cmp)

/* store_util.c */
void	store_env_init(const char *storedir, const char *statedir,
	    struct store_db *, struct imsgbuf *builder, struct imsgbuf *parent);
void	store_cleanup_tmp(void);
void	store_tmpname(char *, size_t, const char *);
void	store_reply_error(uint32_t, const char *, ...)
	    __attribute__((__format__(printf, 2, 3)));
void	store_reply_ok(uint32_t);
void	store_log(uint32_t, const char *, ...)
	    __attribute__((__format__(printf, 2, 3)));
void	store_bad_request(struct imsg *, const char *);
char	*store_recv_path(struct imsg *);
const char *store_base(const char *);
int	store_is_valid(const char *, const char **);
int	store_info_to_wire(const struct db_pathinfo *,
	    struct wire_path_info *);
int	store_load_drv(void *, const char *, struct drv **, const char **);
int	store_read_file(int, const char *, size_t, char **, size_t *,
	    const char **);
void	pathset_init(struct pathset *);
int	pathset_add(struct pathset *, const char *);
int	pathset_has(struct pathset *, const char *);
void	pathset_del(struct pathset *, const char *);
void	pathset_clear(struct pathset *);
size_t	pathset_count(struct pathset *);
char  **pathset_array(struct pathset *, size_t *);

/* store_check.c */
/* One output of a build as its checks see it. */
struct scheck_out {
	const char	 *sco_name;
	const char	 *sco_path;
	int		  sco_new;	/* taken now: size and refs below */
	uint64_t	  sco_narsize;
	char *const	 *sco_refs;
	size_t		  sco_nrefs;
};
struct outcheck;
int	store_check_outputs(const struct scheck_out *, size_t,
	    const struct outcheck *, size_t, char *, size_t);

/* store_canon.c */
int	store_canon_path(int, const char *, const char **);

/* store_add.c */
void	store_handle_add(struct imsg *);
void	store_handle_add_nar(struct imsg *);
void	store_add_abort_session(uint32_t);
void	store_handle_upload_end(struct imsg *);

/* store_query.c */
void	store_handle_query_info(struct imsg *);
void	store_handle_query_valid(struct imsg *);
void	store_handle_query_all(struct imsg *);
void	store_handle_query_referrers(struct imsg *);
void	store_handle_query_derivers(struct imsg *);
void	store_handle_query_hashpart(struct imsg *);
void	store_handle_query_outputs(struct imsg *);
void	store_handle_query_missing(struct imsg *);
void	store_handle_ensure(struct imsg *);
void	store_handle_add_sigs(struct imsg *);

/* store_gc.c */
void	store_handle_temp_root(struct imsg *);
void	store_handle_session_end(struct imsg *);
void	store_handle_indirect_root(struct imsg *);
void	store_handle_find_roots(struct imsg *);
void	store_handle_gc(struct imsg *);
void	store_handle_readlinks_reply(struct imsg *);
void	store_handle_readlinks_error(struct imsg *);
int	store_temp_root_add(uint32_t, const char *);
void	store_handle_temp_roots(struct imsg *);

/* store_build.c */
void	store_handle_query_drv(struct imsg *);
void	store_handle_query_closure(struct imsg *);
void	store_handle_build_outputs(struct imsg *);

/* store_buildlog.c */
#define STORE_BUILD_LOG_MAX	(32ULL * 1024 * 1024)	/* kept per log */
int	store_buildlog_init(const char *logdir, uint64_t max);
void	store_handle_build_log(struct imsg *);

/* store_verify.c */
void	store_handle_verify(struct imsg *);
void	store_handle_query_intact(struct imsg *);

/* store_nar.c */
int	store_nar_hash(int, const char *, enum hash_algo, struct hash *,
	    uint64_t *, const char **);
void	store_handle_nar_from_path(struct imsg *);

/* store_confine.c */
void	store_confine(const struct rnixd_conf *);

#endif /* RNIXD_STOREPROC_H */
