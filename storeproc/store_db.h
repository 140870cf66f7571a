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
 * The store database: SQLite with Nix 2.8's schema (version 10), so
 * Nix and rnixd can read each other's stores.  Only storeproc links
 * this.  Every function returns -1 on a database error with *errstr
 * set (static or owned by the db handle until the next call); lookups
 * return 1 found / 0 not found.
 */
#ifndef RNIXD_STORE_DB_H
#define RNIXD_STORE_DB_H

#include <stddef.h>
#include <stdint.h>

struct store_db;

/* One ValidPaths row with its references, in the DB's forms. */
struct db_pathinfo {
	char		 *dpi_path;
	char		 *dpi_narhash;	/* "sha256:<base16>" */
	uint64_t	  dpi_regtime;	/* 0 on insert: now */
	char		 *dpi_deriver;	/* NULL: none */
	uint64_t	  dpi_narsize;
	int		  dpi_ultimate;
	char		 *dpi_sigs;	/* space-separated; NULL: none */
	char		 *dpi_ca;	/* NULL: not content-addressed */
	char		**dpi_refs;	/* full paths, sorted on read */
	size_t		  dpi_nrefs;
};

/* A DerivationOutputs row. */
struct db_drv_output {
	char	*ddo_name;
	char	*ddo_path;
};

/*
 * The whole reference graph, read in one snapshot, for the garbage
 * collector: every valid path, sorted, with its edges as indices into
 * dg_nodes, each list ascending.  dgn_outputs are a .drv's outputs
 * (DerivationOutputs) that are valid; dgn_derivers the reverse (Nix's
 * queryValidDerivers); dgn_deriver the deriver column if that path is
 * valid.  The references include self-references.
 */
#define DB_GRAPH_NONE	SIZE_MAX
struct db_graph_node {
	char		*dgn_path;
	size_t		 dgn_deriver;	/* index, or DB_GRAPH_NONE */
	size_t		*dgn_refs;
	size_t		 dgn_nrefs;
	size_t		*dgn_referrers;
	size_t		 dgn_nreferrers;
	size_t		*dgn_outputs;
	size_t		 dgn_noutputs;
	size_t		*dgn_derivers;
	size_t		 dgn_nderivers;
};
struct db_graph {
	struct db_graph_node	*dg_nodes;
	size_t			 dg_nnodes;
	size_t			*dg_pool[4];	/* storage behind the lists */
};

/*
 * Open <statedir>/db/db.sqlite, creating the directory, the schema
 * file ("10", no newline) and the tables if new; refuse a schema
 * version other than 10 (0 or no file means a new store, as in Nix).
 * WAL, foreign keys, synchronous=normal, a long busy timeout, as Nix.
 * Also creates <statedir>/db/big-lock and holds it shared (flock) until
 * db_close, as every Nix process using the store does.  On failure
 * *errstr is static.
 */
int	db_open(const char *statedir, const char *storedir,
	    struct store_db **, const char **errstr);
void	db_close(struct store_db *);
/* Full-table-scan steps since the last call, for the tests. */
uint64_t db_fullscan_steps(struct store_db *);
/* fn(arg) on every change to an already valid path (see store_db.c). */
void	db_on_change(struct store_db *, void (*)(void *), void *);

/*
 * Lookups.  A NULL column comes back as NULL (deriver, sigs, ca), 0
 * (narSize) or false (ultimate); sigs are normalised as Nix reads
 * them (a sorted set, space-separated).  Every list is sorted in byte
 * order and has no duplicates.  db_query_info fills a caller-owned
 * struct (db_pathinfo_free releases its contents); 0 leaves it zeroed.
 */
int	db_query_info(struct store_db *, const char *path,
	    struct db_pathinfo *, const char **errstr);
int	db_is_valid(struct store_db *, const char *path, const char **);
/* Referrers, self included; 0 (an empty list) if none or not valid. */
int	db_query_referrers(struct store_db *, const char *path,
	    char ***, size_t *, const char **);
/* Valid .drv paths that have path as an output; 0 as above. */
int	db_query_valid_derivers(struct store_db *, const char *path,
	    char ***, size_t *, const char **);
/* The DerivationOutputs rows of a .drv, by name; 1, or 0 if not valid. */
int	db_query_drv_outputs(struct store_db *, const char *drvpath,
	    struct db_drv_output **, size_t *, const char **);
/* References of path, self included; 1, or 0 if not valid. */
int	db_query_references(struct store_db *, const char *path,
	    char ***, size_t *, const char **);
/*
 * Full path of the valid path with this hash part (32 base32 chars,
 * else -1 "invalid hash part"): 1, or 0 and *path = NULL.
 */
int	db_query_hashpart(struct store_db *, const char *hashpart,
	    char **path, const char **);
/* Every valid path; 0. */
int	db_query_all(struct store_db *, char ***, size_t *, const char **);
/* See struct db_graph; 0.  db_graph_free releases it. */
int	db_query_graph(struct store_db *, struct db_graph *, const char **);
/* A path's index in the graph, or DB_GRAPH_NONE. */
size_t	db_graph_find(const struct db_graph *, const char *path);

/*
 * Register paths in one transaction: insert new rows, update existing
 * ones (narSize, hash, ultimate, sigs, ca; registrationTime kept), the
 * Refs rows (each reference must be valid already or in this batch),
 * and the DerivationOutputs rows given for .drv paths.  A reference
 * cycle among the batch (self-references aside) is an error.  On any
 * error nothing is registered.  outputs and noutputs may be NULL (no
 * outputs for any path), else outputs[i] has noutputs[i] rows for
 * infos[i].  "" in dpi_deriver, dpi_sigs or dpi_ca means none (NULL);
 * sigs are stored as Nix does (sorted set), dpi_narhash must be
 * "sha256:<base16>", every path is checked against the store dir, a
 * path given twice is an error.  Inside db_begin's transaction it is
 * a savepoint, else a transaction of its own (BEGIN IMMEDIATE).
 */
int	db_register(struct store_db *, const struct db_pathinfo *, size_t,
	    const struct db_drv_output *const *outputs, const size_t *noutputs,
	    const char **errstr);

/*
 * Remove a path's row; -1 with an error if a referrer other than
 * itself still exists.  0 also if it was not valid (as Nix).
 */
int	db_invalidate(struct store_db *, const char *path, const char **);
/*
 * Add signatures (a set: no duplicates) to a valid path; -1 if it is
 * not valid or a signature is empty or holds a space.
 */
int	db_add_sigs(struct store_db *, const char *path, char *const *,
	    size_t, const char **);

/*
 * A read transaction around many lookups, so that they see one
 * snapshot and take the WAL read lock once instead of once each.
 * db_read_begin returns 1 if it opened one, 0 if a transaction was
 * open already (nothing to end), -1 on error; pass what it returned
 * to db_read_end.  Keep it short: an open snapshot holds off WAL
 * checkpoints.
 */
int	db_read_begin(struct store_db *, const char **);
void	db_read_end(struct store_db *, int);

/* Explicit transactions (BEGIN IMMEDIATE), for GC batches. */
int	db_begin(struct store_db *, const char **);
int	db_commit(struct store_db *, const char **);
void	db_rollback(struct store_db *);

void	db_pathinfo_free(struct db_pathinfo *);
void	db_drv_outputs_free(struct db_drv_output *, size_t);
void	db_strings_free(char **, size_t);
void	db_graph_free(struct db_graph *);

#endif /* RNIXD_STORE_DB_H */
