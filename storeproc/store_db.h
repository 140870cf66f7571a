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
 * Open <statedir>/db/db.sqlite, creating the directory, the schema
 * file ("10", no newline) and the tables if new; refuse a schema
 * version other than 10.  WAL, foreign keys, synchronous=normal, a
 * long busy timeout, as Nix.
 */
int	db_open(const char *statedir, const char *storedir,
	    struct store_db **, const char **errstr);
void	db_close(struct store_db *);

int	db_query_info(struct store_db *, const char *path,
	    struct db_pathinfo *, const char **errstr);
int	db_is_valid(struct store_db *, const char *path, const char **);
int	db_query_referrers(struct store_db *, const char *path,
	    char ***, size_t *, const char **);
int	db_query_valid_derivers(struct store_db *, const char *path,
	    char ***, size_t *, const char **);
int	db_query_drv_outputs(struct store_db *, const char *drvpath,
	    struct db_drv_output **, size_t *, const char **);
/* Full path of the valid path with this hash part, or *path = NULL. */
int	db_query_hashpart(struct store_db *, const char *hashpart,
	    char **path, const char **);
int	db_query_all(struct store_db *, char ***, size_t *, const char **);

/*
 * Register paths in one transaction: insert new rows, update existing
 * ones (narSize, hash, ultimate, sigs, ca; registrationTime kept), the
 * Refs rows (each reference must be valid already or in this batch),
 * and the DerivationOutputs rows given for .drv paths.  A reference
 * cycle among the batch (self-references aside) is an error.  On any
 * error nothing is registered.
 */
int	db_register(struct store_db *, const struct db_pathinfo *, size_t,
	    const struct db_drv_output *const *outputs, const size_t *noutputs,
	    const char **errstr);

/* Remove a path's row; -1 with an error if a referrer still exists. */
int	db_invalidate(struct store_db *, const char *path, const char **);
/* Add signatures (a set: no duplicates) to a valid path. */
int	db_add_sigs(struct store_db *, const char *path, char *const *,
	    size_t, const char **);

/* Explicit transactions, for GC batches. */
int	db_begin(struct store_db *, const char **);
int	db_commit(struct store_db *, const char **);
void	db_rollback(struct store_db *);

void	db_pathinfo_free(struct db_pathinfo *);
void	db_drv_outputs_free(struct db_drv_output *, size_t);
void	db_strings_free(char **, size_t);

#endif /* RNIXD_STORE_DB_H */
