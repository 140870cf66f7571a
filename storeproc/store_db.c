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
 * The store database: Nix 2.8's SQLite schema version 10 with Nix's
 * connection settings, statements and NULL conventions, so that Nix in
 * local mode and rnixd can use each other's stores (nix-formats.md
 * section 7).  Statements are prepared once and kept in the handle.
 * Every SELECT is reset right after use: a statement left stepping
 * keeps a read snapshot open, which stalls WAL checkpoints.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "storepath.h"
#include "store_db.h"

#define DB_SCHEMA_VERSION	10
#define DB_BUSY_TIMEOUT_MS	(60 * 60 * 1000)	/* Nix's: one hour */

/*
 * Nix 2.8's schema.sql.  SQLite keeps each statement's text from the
 * object name on in sqlite_master, so the spacing and the comments
 * here are part of the on-disk format.
 */
static const char db_schema[] =
    "create table if not exists ValidPaths (\n"
    "    id               integer primary key autoincrement not null,\n"
    "    path             text unique not null,\n"
    "    hash             text not null,\n"
    "    registrationTime integer not null,\n"
    "    deriver          text,\n"
    "    narSize          integer,\n"
    "    ultimate         integer, -- null implies \"false\"\n"
    "    sigs             text, -- space-separated\n"
    "    ca               text -- if not null, an assertion that the path "
    "is content-addressed; see ValidPathInfo\n"
    ");\n"
    "\n"
    "create table if not exists Refs (\n"
    "    referrer  integer not null,\n"
    "    reference integer not null,\n"
    "    primary key (referrer, reference),\n"
    "    foreign key (referrer) references ValidPaths(id) on delete cascade,\n"
    "    foreign key (reference) references ValidPaths(id) on delete "
    "restrict\n"
    ");\n"
    "\n"
    "create index if not exists IndexReferrer on Refs(referrer);\n"
    "create index if not exists IndexReference on Refs(reference);\n"
    "\n"
    "create trigger if not exists DeleteSelfRefs before delete on "
    "ValidPaths\n"
    "  begin\n"
    "    delete from Refs where referrer = old.id and reference = old.id;\n"
    "  end;\n"
    "\n"
    "create table if not exists DerivationOutputs (\n"
    "    drv  integer not null,\n"
    "    id   text not null, -- symbolic output id, usually \"out\"\n"
    "    path text not null,\n"
    "    primary key (drv, id),\n"
    "    foreign key (drv) references ValidPaths(id) on delete cascade\n"
    ");\n"
    "\n"
    "create index if not exists IndexDerivationOutputs on "
    "DerivationOutputs(path);\n";

enum db_stmt {
	DB_INSERT_PATH,
	DB_UPDATE_PATH,
	DB_ADD_REF,
	DB_QUERY_INFO,
	DB_QUERY_ID,
	DB_QUERY_REFS,
	DB_QUERY_REFERRERS,
	DB_INVALIDATE,
	DB_ADD_DRV_OUTPUT,
	DB_QUERY_DERIVERS,
	DB_QUERY_DRV_OUTPUTS,
	DB_QUERY_HASHPART,
	DB_QUERY_ALL,
	DB_QUERY_SIGS,
	DB_UPDATE_SIGS,
	DB_GRAPH_PATHS,
	DB_GRAPH_REFS,
	DB_GRAPH_OUTPUTS,
	DB_NSTMTS
};

/* Nix's statements where Nix has one; "order by" gives Nix's sets. */
static const char *const db_stmt_sql[DB_NSTMTS] = {
	[DB_INSERT_PATH] = "insert into ValidPaths (path, hash, "
	    "registrationTime, deriver, narSize, ultimate, sigs, ca) "
	    "values (?, ?, ?, ?, ?, ?, ?, ?);",
	[DB_UPDATE_PATH] = "update ValidPaths set narSize = ?, hash = ?, "
	    "ultimate = ?, sigs = ?, ca = ? where path = ?;",
	[DB_ADD_REF] = "insert or replace into Refs (referrer, reference) "
	    "values (?, ?);",
	[DB_QUERY_INFO] = "select id, hash, registrationTime, deriver, "
	    "narSize, ultimate, sigs, ca from ValidPaths where path = ?;",
	[DB_QUERY_ID] = "select id from ValidPaths where path = ?;",
	[DB_QUERY_REFS] = "select path from Refs join ValidPaths on "
	    "reference = id where referrer = ? order by path;",
	[DB_QUERY_REFERRERS] = "select path from Refs join ValidPaths on "
	    "referrer = id where reference = (select id from ValidPaths "
	    "where path = ?) order by path;",
	[DB_INVALIDATE] = "delete from ValidPaths where path = ?;",
	[DB_ADD_DRV_OUTPUT] = "insert or replace into DerivationOutputs "
	    "(drv, id, path) values (?, ?, ?);",
	[DB_QUERY_DERIVERS] = "select distinct v.path from DerivationOutputs "
	    "d join ValidPaths v on d.drv = v.id where d.path = ? "
	    "order by v.path;",
	[DB_QUERY_DRV_OUTPUTS] = "select id, path from DerivationOutputs "
	    "where drv = ? order by id;",
	[DB_QUERY_HASHPART] = "select path from ValidPaths where path >= ? "
	    "limit 1;",
	[DB_QUERY_ALL] = "select path from ValidPaths order by path;",
	[DB_QUERY_SIGS] = "select sigs from ValidPaths where path = ?;",
	[DB_UPDATE_SIGS] = "update ValidPaths set sigs = ? where path = ?;",
	[DB_GRAPH_PATHS] = "select v.id, v.path, d.id from ValidPaths v "
	    "left join ValidPaths d on d.path = v.deriver order by v.path;",
	[DB_GRAPH_REFS] = "select referrer, reference from Refs;",
	[DB_GRAPH_OUTPUTS] = "select d.drv, v.id from DerivationOutputs d "
	    "join ValidPaths v on v.path = d.path;",
};

struct store_db {
	sqlite3		*sd_sql;
	sqlite3_stmt	*sd_stmts[DB_NSTMTS];
	char		*sd_storedir;
	char		*sd_dbdir;
	char		*sd_err;	/* the last error, for *errstr */
	int		 sd_lockfd;	/* big-lock, held shared */
	void		(*sd_changed)(void *);	/* db_on_change() */
	void		*sd_changed_arg;
};

/* One path of a db_register batch; the batch is sorted by path. */
struct db_item {
	const struct db_pathinfo	*di_info;
	const struct db_drv_output	*di_outs;
	size_t				 di_nouts;
	int64_t				 di_id;
	size_t				*di_edges;	/* refs in the batch */
	size_t				 di_nedges;
};

/* An edge of the graph, as node indices. */
struct db_pair {
	size_t	dp_from;
	size_t	dp_to;
};

/* A ValidPaths id and its node index. */
struct db_idmap {
	int64_t	di_id;
	size_t	di_idx;
};

enum db_graph_list {
	DB_LIST_REFS,
	DB_LIST_REFERRERS,
	DB_LIST_OUTPUTS,
	DB_LIST_DERIVERS
};

static int	 db_err(struct store_db *, const char **, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
static int	 db_sqlerr(struct store_db *, const char **, const char *);
static int	 db_exec(struct store_db *, const char *, const char **);
static int	 db_mkdirs(const char *);
static int	 db_lock_big(struct store_db *, const char **);
static int	 db_read_schema(struct store_db *, int *, const char **);
static int	 db_write_schema(struct store_db *, const char **);
static int	 db_connect(struct store_db *, int, const char **);
static int	 db_set_wal(struct store_db *, const char **);
static int	 db_prepare(struct store_db *, const char **);
static sqlite3_stmt *db_stmt(struct store_db *, enum db_stmt);
static int	 db_step_done(struct store_db *, sqlite3_stmt *,
		    const char *, const char **);
static int	 db_bind_text(sqlite3_stmt *, int, const char *);
static int	 db_bind_int(sqlite3_stmt *, int, int64_t);
static int	 db_path_id(struct store_db *, const char *, int64_t *,
		    const char **);
static char	*db_col_strdup(sqlite3_stmt *, int);
static int	 db_collect(struct store_db *, sqlite3_stmt *, char ***,
		    size_t *, const char **);
static int	 db_collect_path(struct store_db *, enum db_stmt,
		    const char *, char ***, size_t *, const char **);
static int	 db_strcmp(const void *, const void *);
static char	*db_sigs_merge(const char *, char *const *, size_t);
static int	 db_txn_begin(struct store_db *, int *, const char **);
static void	 db_changed(struct store_db *);
static int	 db_txn_commit(struct store_db *, int, const char **);
static void	 db_txn_abort(struct store_db *, int);
static int	 db_txn_end(struct store_db *, int, int, const char **);
static int	 db_check_path(struct store_db *, const char *, const char *,
		    const char **);
static int	 db_check_info(struct store_db *, const struct db_pathinfo *,
		    const struct db_drv_output *, size_t, const char **);
static int	 db_itemcmp(const void *, const void *);
static struct db_item *db_batch_new(struct store_db *,
		    const struct db_pathinfo *, size_t,
		    const struct db_drv_output *const *, const size_t *,
		    const char **);
static void	 db_batch_free(struct db_item *, size_t);
static struct db_item *db_batch_find(struct db_item *, size_t,
		    const char *);
static int	 db_register_row(struct store_db *, struct db_item *,
		    const char **);
static int	 db_register_refs(struct store_db *, struct db_item *,
		    size_t, struct db_item *, const char **);
static int	 db_register_outputs(struct store_db *, struct db_item *,
		    const char **);
static int	 db_check_cycles(struct store_db *, struct db_item *, size_t,
		    const char **);
static int	 db_register_batch(struct store_db *, struct db_item *,
		    size_t, const char **);
static int	 db_read_refs(struct store_db *, int64_t, struct db_pathinfo *,
		    const char **);
static int	 db_read_info(struct store_db *, sqlite3_stmt *,
		    struct db_pathinfo *, int64_t *, const char **);
static char	*db_col_text(sqlite3_stmt *, int);
static int	 db_idcmp(const void *, const void *);
static int	 db_paircmp(const void *, const void *);
static size_t	 db_id_index(const struct db_idmap *, size_t, int64_t);
static int	 db_graph_nodes(struct store_db *, struct db_graph *,
		    struct db_idmap **, const char **);
static int	 db_graph_pairs(struct store_db *, enum db_stmt,
		    const struct db_idmap *, size_t, struct db_pair **,
		    size_t *, const char **);
static void	 db_graph_attach(struct db_graph *, struct db_pair *, size_t,
		    enum db_graph_list);
static void	 db_pairs_swap(struct db_pair *, size_t);
static int	 db_graph_read(struct store_db *, struct db_graph *,
		    const char **);

/*
 * Errors.  The message lives in the handle until the next one.
 */
static int
db_err(struct store_db *db, const char **errstr, const char *fmt, ...)
{
	va_list	ap;

	free(db->sd_err);
	va_start(ap, fmt);
	if (vasprintf(&db->sd_err, fmt, ap) == -1)
		fatal("%s", __func__);
	va_end(ap);
	*errstr = db->sd_err;
	return (-1);
}

static int
db_sqlerr(struct store_db *db, const char **errstr, const char *what)
{
	return (db_err(db, errstr, "%s: %s", what,
	    sqlite3_errmsg(db->sd_sql)));
}

static int
db_exec(struct store_db *db, const char *sql, const char **errstr)
{
	if (sqlite3_exec(db->sd_sql, sql, NULL, NULL, NULL) != SQLITE_OK)
		return (db_sqlerr(db, errstr, sql));
	return (0);
}

/*
 * Opening: the directory, the big lock, the schema file, then SQLite.
 */
static int
db_mkdirs(const char *path)
{
	char	 buf[PATH_MAX], *p;

	if (strlcpy(buf, path, sizeof(buf)) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	for (p = buf + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (p[-1] != '/') {
			*p = '\0';
			if (mkdir(buf, 0755) == -1 && errno != EEXIST)
				return (-1);
			*p = path[p - buf];
		}
		if (*p == '\0')
			break;
	}
	return (0);
}

/*
 * Every Nix process holds <dbdir>/big-lock shared while it uses the
 * store; a schema upgrade takes it exclusively.  Wait, as Nix does, if
 * an upgrade is under way.
 */
static int
db_lock_big(struct store_db *db, const char **errstr)
{
	char	path[PATH_MAX];

	(void)snprintf(path, sizeof(path), "%s/big-lock", db->sd_dbdir);
	db->sd_lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (db->sd_lockfd == -1)
		return (db_err(db, errstr, "%s: %s", path, strerror(errno)));
	if (flock(db->sd_lockfd, LOCK_SH | LOCK_NB) == 0)
		return (0);
	if (errno == EWOULDBLOCK && flock(db->sd_lockfd, LOCK_SH) == 0)
		return (0);
	return (db_err(db, errstr, "lock %s: %s", path, strerror(errno)));
}

/* The schema file as Nix reads it: a bare decimal number, 0 if absent. */
static int
db_read_schema(struct store_db *db, int *versionp, const char **errstr)
{
	char	 path[PATH_MAX], buf[16];
	ssize_t	 n;
	int	 fd, i;

	*versionp = 0;
	(void)snprintf(path, sizeof(path), "%s/schema", db->sd_dbdir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (errno == ENOENT)
			return (0);
		return (db_err(db, errstr, "%s: %s", path, strerror(errno)));
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n == -1)
		return (db_err(db, errstr, "%s: %s", path, strerror(errno)));
	buf[n] = '\0';
	if (n == 0 || n > 9)
		return (db_err(db, errstr, "'%s' is corrupt", path));
	for (i = 0; i < n; i++)
		if (buf[i] < '0' || buf[i] > '9')
			return (db_err(db, errstr, "'%s' is corrupt", path));
	*versionp = atoi(buf);
	if (*versionp > DB_SCHEMA_VERSION)
		return (db_err(db, errstr, "current Nix store schema is "
		    "version %d, but I only support %d", *versionp,
		    DB_SCHEMA_VERSION));
	if (*versionp != 0 && *versionp < DB_SCHEMA_VERSION)
		return (db_err(db, errstr, "Nix store schema version %d is "
		    "too old (%d needed): open the store with Nix 2.8 once "
		    "to upgrade it", *versionp, DB_SCHEMA_VERSION));
	return (0);
}

static int
db_write_schema(struct store_db *db, const char **errstr)
{
	char	path[PATH_MAX];
	int	fd;

	(void)snprintf(path, sizeof(path), "%s/schema", db->sd_dbdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd == -1)
		return (db_err(db, errstr, "%s: %s", path, strerror(errno)));
	if (write(fd, "10", 2) != 2 || fsync(fd) == -1) {
		close(fd);
		return (db_err(db, errstr, "%s: %s", path, strerror(errno)));
	}
	if (close(fd) == -1)
		return (db_err(db, errstr, "%s: %s", path, strerror(errno)));
	return (0);
}

/* Nix's openDB: the file must exist unless the store is new. */
static int
db_connect(struct store_db *db, int create, const char **errstr)
{
	char	path[PATH_MAX];
	int	flags;

	(void)snprintf(path, sizeof(path), "%s/db.sqlite", db->sd_dbdir);
	flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW |
	    (create ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &db->sd_sql, flags, NULL) != SQLITE_OK) {
		if (db->sd_sql == NULL)
			return (db_err(db, errstr, "cannot open SQLite "
			    "database '%s'", path));
		return (db_err(db, errstr, "cannot open SQLite database "
		    "'%s': %s", path, sqlite3_errmsg(db->sd_sql)));
	}
	if (sqlite3_busy_timeout(db->sd_sql, DB_BUSY_TIMEOUT_MS) != SQLITE_OK)
		return (db_sqlerr(db, errstr, "setting timeout"));
	/*
	 * SQLite spills statement journals and sorts of large operations
	 * (a GC of thousands of paths) to temp files in /var/tmp, /tmp or
	 * the cwd: none exists or is writable in storeproc's confined
	 * view, and the operation would fail with "disk I/O error".
	 */
	if (db_exec(db, "pragma temp_store = memory;", errstr) == -1 ||
	    db_exec(db, "pragma foreign_keys = 1;", errstr) == -1 ||
	    db_exec(db, "pragma synchronous = normal;", errstr) == -1 ||
	    db_set_wal(db, errstr) == -1 ||
	    db_exec(db, "pragma wal_autocheckpoint = 40000;", errstr) == -1)
		return (-1);
	if (create && db_exec(db, db_schema, errstr) == -1)
		return (-1);
	return (0);
}

/* WAL is a property of the file: only switch when it is not set yet. */
static int
db_set_wal(struct store_db *db, const char **errstr)
{
	sqlite3_stmt	*st;
	const char	*mode;
	int		 i, rc;

	for (i = 0; i < 2; i++) {
		if (sqlite3_prepare_v2(db->sd_sql, i == 0 ?
		    "pragma main.journal_mode;" :
		    "pragma main.journal_mode = wal;", -1, &st, NULL) !=
		    SQLITE_OK)
			return (db_sqlerr(db, errstr, "journal mode"));
		rc = sqlite3_step(st);
		mode = (const char *)sqlite3_column_text(st, 0);
		rc = rc == SQLITE_ROW && mode != NULL &&
		    strcasecmp(mode, "wal") == 0;
		sqlite3_finalize(st);
		if (rc)
			return (0);
	}
	return (db_sqlerr(db, errstr, "setting journal mode to wal"));
}

static int
db_prepare(struct store_db *db, const char **errstr)
{
	int	i;

	for (i = 0; i < DB_NSTMTS; i++)
		if (sqlite3_prepare_v3(db->sd_sql, db_stmt_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &db->sd_stmts[i], NULL) !=
		    SQLITE_OK)
			return (db_sqlerr(db, errstr, db_stmt_sql[i]));
	return (0);
}

int
db_open(const char *statedir, const char *storedir, struct store_db **dbp,
    const char **errstr)
{
	static char	 openerr[512];
	struct store_db	*db;
	int		 version;

	*dbp = NULL;
	if ((db = calloc(1, sizeof(*db))) == NULL)
		fatal("%s", __func__);
	db->sd_lockfd = -1;
	if ((db->sd_storedir = strdup(storedir)) == NULL ||
	    asprintf(&db->sd_dbdir, "%s/db", statedir) == -1)
		fatal("%s", __func__);
	if (storedir[0] != '/' || strlen(storedir) >= STOREDIR_MAX ||
	    strlen(db->sd_dbdir) >= PATH_MAX - 32) {
		db_err(db, errstr, "invalid store or state directory");
		goto fail;
	}
	if (db_mkdirs(db->sd_dbdir) == -1) {
		db_err(db, errstr, "%s: %s", db->sd_dbdir, strerror(errno));
		goto fail;
	}
	if (db_lock_big(db, errstr) == -1 ||
	    db_read_schema(db, &version, errstr) == -1 ||
	    db_connect(db, version == 0, errstr) == -1 ||
	    (version == 0 && db_write_schema(db, errstr) == -1) ||
	    db_prepare(db, errstr) == -1)
		goto fail;
	*dbp = db;
	return (0);
 fail:
	(void)strlcpy(openerr, *errstr, sizeof(openerr));
	*errstr = openerr;
	db_close(db);
	return (-1);
}

/*
 * Rows the connection's statements stepped through in full-table scans
 * since the last call (SQLITE_STMTSTATUS_FULLSCAN_STEP, reset as read).
 * A lookup by path or hash part goes through an index and adds none;
 * the tests use it to catch a query plan gone linear without timing it.
 */
uint64_t
db_fullscan_steps(struct store_db *db)
{
	sqlite3_stmt	*st = NULL;
	uint64_t	 n = 0;

	while ((st = sqlite3_next_stmt(db->sd_sql, st)) != NULL)
		n += (unsigned int)sqlite3_stmt_status(st,
		    SQLITE_STMTSTATUS_FULLSCAN_STEP, 1);
	return (n);
}

void
db_close(struct store_db *db)
{
	int	i;

	if (db == NULL)
		return;
	for (i = 0; i < DB_NSTMTS; i++)
		sqlite3_finalize(db->sd_stmts[i]);
	if (sqlite3_close(db->sd_sql) != SQLITE_OK)
		log_warnx("closing the store database: %s",
		    sqlite3_errmsg(db->sd_sql));
	if (db->sd_lockfd != -1)
		close(db->sd_lockfd);
	free(db->sd_storedir);
	free(db->sd_dbdir);
	free(db->sd_err);
	free(db);
}

/*
 * Statement helpers.
 */
static sqlite3_stmt *
db_stmt(struct store_db *db, enum db_stmt which)
{
	sqlite3_stmt	*st = db->sd_stmts[which];

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (st);
}

/* Run a statement that returns no rows, and reset it. */
static int
db_step_done(struct store_db *db, sqlite3_stmt *st, const char *what,
    const char **errstr)
{
	int	rc;

	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		db_sqlerr(db, errstr, what);
	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 0 : -1);
}

/* Nix writes NULL, not "", for a missing deriver, sigs or ca. */
static int
db_bind_text(sqlite3_stmt *st, int col, const char *s)
{
	if (s == NULL || *s == '\0')
		return (sqlite3_bind_null(st, col));
	return (sqlite3_bind_text(st, col, s, -1, SQLITE_STATIC));
}

/* narSize 0 and ultimate false are NULL too. */
static int
db_bind_int(sqlite3_stmt *st, int col, int64_t v)
{
	if (v == 0)
		return (sqlite3_bind_null(st, col));
	return (sqlite3_bind_int64(st, col, v));
}

static int
db_path_id(struct store_db *db, const char *path, int64_t *idp,
    const char **errstr)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = db_stmt(db, DB_QUERY_ID);
	if (sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC) != SQLITE_OK)
		return (db_sqlerr(db, errstr, "binding a path"));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*idp = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		db_sqlerr(db, errstr, "querying a path");
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return (1);
	return (rc == SQLITE_DONE ? 0 : -1);
}

/* A text column, NULL for SQL NULL or "". */
static char *
db_col_strdup(sqlite3_stmt *st, int col)
{
	const char	*s;
	char		*copy;

	s = (const char *)sqlite3_column_text(st, col);
	if (s == NULL || *s == '\0')
		return (NULL);
	if ((copy = strdup(s)) == NULL)
		fatal("%s", __func__);
	return (copy);
}

/* A text column as it is ("" for NULL), for the NOT NULL path columns. */
static char *
db_col_text(sqlite3_stmt *st, int col)
{
	const char	*s;
	char		*copy;

	if ((s = (const char *)sqlite3_column_text(st, col)) == NULL)
		s = "";
	if ((copy = strdup(s)) == NULL)
		fatal("%s", __func__);
	return (copy);
}

/* Column 0 of every row, in order; resets the statement. */
static int
db_collect(struct store_db *db, sqlite3_stmt *st, char ***listp,
    size_t *np, const char **errstr)
{
	char	**list = NULL, **nlist;
	size_t	  n = 0, cap = 0;
	int	  rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			nlist = reallocarray(list, cap, sizeof(*list));
			if (nlist == NULL)
				fatal("%s", __func__);
			list = nlist;
		}
		list[n++] = db_col_text(st, 0);
	}
	if (rc != SQLITE_DONE) {
		db_sqlerr(db, errstr, "reading rows");
		sqlite3_reset(st);
		db_strings_free(list, n);
		return (-1);
	}
	sqlite3_reset(st);
	*listp = list;
	*np = n;
	return (0);
}

/* The same for a statement that takes one path. */
static int
db_collect_path(struct store_db *db, enum db_stmt which, const char *path,
    char ***listp, size_t *np, const char **errstr)
{
	sqlite3_stmt	*st;

	*listp = NULL;
	*np = 0;
	st = db_stmt(db, which);
	if (sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC) != SQLITE_OK)
		return (db_sqlerr(db, errstr, "binding a path"));
	return (db_collect(db, st, listp, np, errstr));
}

static int
db_strcmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/*
 * Signatures are a set in Nix (tokenised on ' ', sorted, joined with
 * ' '): old (a column value, may be NULL) plus add.  NULL if empty.
 */
static char *
db_sigs_merge(const char *old, char *const *add, size_t nadd)
{
	char	*copy = NULL, *p, *tok, **toks, *out;
	size_t	 ntoks = 0, i, len = 1;

	if ((toks = reallocarray(NULL, nadd + 1 + (old == NULL ? 0 :
	    strlen(old) / 2 + 1), sizeof(*toks))) == NULL)
		fatal("%s", __func__);
	if (old != NULL && (copy = strdup(old)) == NULL)
		fatal("%s", __func__);
	for (p = copy; p != NULL && (tok = strsep(&p, " ")) != NULL; )
		if (*tok != '\0')
			toks[ntoks++] = tok;
	for (i = 0; i < nadd; i++)
		if (*add[i] != '\0')
			toks[ntoks++] = add[i];
	qsort(toks, ntoks, sizeof(*toks), db_strcmp);
	for (i = 0; i < ntoks; i++)
		len += strlen(toks[i]) + 1;
	if ((out = malloc(len)) == NULL)
		fatal("%s", __func__);
	*out = '\0';
	for (i = 0; i < ntoks; i++) {
		if (i > 0 && strcmp(toks[i], toks[i - 1]) == 0)
			continue;
		if (*out != '\0')
			(void)strlcat(out, " ", len);
		(void)strlcat(out, toks[i], len);
	}
	free(toks);
	free(copy);
	if (*out == '\0') {
		free(out);
		return (NULL);
	}
	return (out);
}

/*
 * Someone who keeps what the database said (builderproc's path info
 * cache) must hear of every change to a path already valid: updated
 * info, signatures, deletion.  New paths need no word: nothing kept
 * can say they are not valid.  Called before the commit, so a change
 * rolled back afterwards costs a needless word, never a missed one.
 */
void
db_on_change(struct store_db *db, void (*fn)(void *), void *arg)
{
	db->sd_changed = fn;
	db->sd_changed_arg = arg;
}

static void
db_changed(struct store_db *db)
{
	if (db->sd_changed != NULL)
		db->sd_changed(db->sd_changed_arg);
}

/*
 * Transactions.  Inside the caller's (db_begin) transaction an
 * operation is a savepoint, so that it is still all or nothing.
 */
static int
db_txn_begin(struct store_db *db, int *nestedp, const char **errstr)
{
	*nestedp = !sqlite3_get_autocommit(db->sd_sql);
	if (*nestedp)
		return (db_exec(db, "savepoint rnixd_op;", errstr));
	return (db_exec(db, "begin immediate;", errstr));
}

static int
db_txn_commit(struct store_db *db, int nested, const char **errstr)
{
	if (nested)
		return (db_exec(db, "release rnixd_op;", errstr));
	return (db_exec(db, "commit;", errstr));
}

/* Errors are ignored: SQLite may have rolled back on its own already. */
static void
db_txn_abort(struct store_db *db, int nested)
{
	if (nested) {
		sqlite3_exec(db->sd_sql, "rollback to rnixd_op;", NULL, NULL,
		    NULL);
		sqlite3_exec(db->sd_sql, "release rnixd_op;", NULL, NULL,
		    NULL);
	} else
		sqlite3_exec(db->sd_sql, "rollback;", NULL, NULL, NULL);
}

/* The end of a write: committed if rc is 0 so far, else rolled back. */
static int
db_txn_end(struct store_db *db, int nested, int rc, const char **errstr)
{
	if (rc == 0)
		rc = db_txn_commit(db, nested, errstr);
	if (rc == -1)
		db_txn_abort(db, nested);
	return (rc);
}

int
db_read_begin(struct store_db *db, const char **errstr)
{
	if (!sqlite3_get_autocommit(db->sd_sql))
		return (0);
	if (db_exec(db, "begin;", errstr) == -1)
		return (-1);
	return (1);
}

/* Nothing was written: ending it cannot lose anything. */
void
db_read_end(struct store_db *db, int opened)
{
	if (opened != 1 || sqlite3_get_autocommit(db->sd_sql))
		return;
	/* Never leave the snapshot open. */
	if (sqlite3_exec(db->sd_sql, "commit;", NULL, NULL, NULL) !=
	    SQLITE_OK)
		sqlite3_exec(db->sd_sql, "rollback;", NULL, NULL, NULL);
}

int
db_begin(struct store_db *db, const char **errstr)
{
	if (!sqlite3_get_autocommit(db->sd_sql))
		return (db_err(db, errstr, "a transaction is already open"));
	return (db_exec(db, "begin immediate;", errstr));
}

int
db_commit(struct store_db *db, const char **errstr)
{
	if (sqlite3_get_autocommit(db->sd_sql))
		return (db_err(db, errstr, "no transaction is open"));
	if (db_exec(db, "commit;", errstr) == -1) {
		db_rollback(db);
		return (-1);
	}
	return (0);
}

void
db_rollback(struct store_db *db)
{
	if (!sqlite3_get_autocommit(db->sd_sql))
		sqlite3_exec(db->sd_sql, "rollback;", NULL, NULL, NULL);
}

/*
 * Registration.
 */
static int
db_check_path(struct store_db *db, const char *what, const char *path,
    const char **errstr)
{
	const char	*why;

	if (path == NULL)
		return (db_err(db, errstr, "%s: missing path", what));
	if (storepath_parse(db->sd_storedir, path, NULL, NULL, &why) == -1)
		return (db_err(db, errstr, "%s '%s' is not a valid store "
		    "path: %s", what, path, why));
	return (0);
}

static int
db_check_info(struct store_db *db, const struct db_pathinfo *info,
    const struct db_drv_output *outs, size_t nouts, const char **errstr)
{
	struct content_address	 ca;
	const char		*h = info->dpi_narhash, *why;
	size_t			 i;

	if (db_check_path(db, "path", info->dpi_path, errstr) == -1)
		return (-1);
	if (h == NULL || strncmp(h, "sha256:", 7) != 0 ||
	    strlen(h + 7) != 64 || strspn(h + 7, "0123456789abcdef") != 64)
		return (db_err(db, errstr, "path '%s': NAR hash is not "
		    "sha256:<base16>", info->dpi_path));
	if (info->dpi_narsize > INT64_MAX || info->dpi_regtime > INT64_MAX)
		return (db_err(db, errstr, "path '%s': number out of range",
		    info->dpi_path));
	if (info->dpi_deriver != NULL && *info->dpi_deriver != '\0' &&
	    db_check_path(db, "deriver", info->dpi_deriver, errstr) == -1)
		return (-1);
	if (info->dpi_ca != NULL && *info->dpi_ca != '\0' &&
	    ca_parse(info->dpi_ca, &ca, &why) == -1)
		return (db_err(db, errstr, "path '%s': ca '%s': %s",
		    info->dpi_path, info->dpi_ca, why));
	for (i = 0; i < info->dpi_nrefs; i++)
		if (db_check_path(db, "reference", info->dpi_refs[i],
		    errstr) == -1)
			return (-1);
	for (i = 0; i < nouts; i++)
		if (outs[i].ddo_name == NULL || *outs[i].ddo_name == '\0' ||
		    db_check_path(db, "output", outs[i].ddo_path, errstr) == -1)
			return (db_err(db, errstr, "path '%s': bad output %zu",
			    info->dpi_path, i));
	return (0);
}

static int
db_itemcmp(const void *a, const void *b)
{
	const struct db_item	*ia = a, *ib = b;

	return (strcmp(ia->di_info->dpi_path, ib->di_info->dpi_path));
}

/* The batch, checked and sorted by path as Nix's map of infos is. */
static struct db_item *
db_batch_new(struct store_db *db, const struct db_pathinfo *infos,
    size_t ninfos, const struct db_drv_output *const *outputs,
    const size_t *noutputs, const char **errstr)
{
	struct db_item	*items;
	size_t		 i;

	if ((items = calloc(ninfos, sizeof(*items))) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < ninfos; i++) {
		items[i].di_info = &infos[i];
		if (outputs != NULL && noutputs != NULL) {
			items[i].di_outs = outputs[i];
			items[i].di_nouts = outputs[i] == NULL ? 0 :
			    noutputs[i];
		}
		if (db_check_info(db, &infos[i], items[i].di_outs,
		    items[i].di_nouts, errstr) == -1)
			goto fail;
	}
	qsort(items, ninfos, sizeof(*items), db_itemcmp);
	for (i = 1; i < ninfos; i++)
		if (db_itemcmp(&items[i - 1], &items[i]) == 0) {
			db_err(db, errstr, "path '%s' given twice",
			    items[i].di_info->dpi_path);
			goto fail;
		}
	return (items);
 fail:
	free(items);
	return (NULL);
}

static void
db_batch_free(struct db_item *items, size_t nitems)
{
	size_t	i;

	for (i = 0; i < nitems; i++)
		free(items[i].di_edges);
	free(items);
}

static struct db_item *
db_batch_find(struct db_item *items, size_t nitems, const char *path)
{
	struct db_pathinfo	key;
	struct db_item		kitem;

	key.dpi_path = (char *)path;
	kitem.di_info = &key;
	return (bsearch(&kitem, items, nitems, sizeof(*items), db_itemcmp));
}

/* Nix's addValidPath or updatePathInfo. */
static int
db_register_row(struct store_db *db, struct db_item *item,
    const char **errstr)
{
	const struct db_pathinfo	*info = item->di_info;
	sqlite3_stmt			*st;
	char				*sigs;
	int				 found, rc = 0;

	if ((found = db_path_id(db, info->dpi_path, &item->di_id,
	    errstr)) == -1)
		return (-1);
	sigs = db_sigs_merge(info->dpi_sigs, NULL, 0);
	st = db_stmt(db, found ? DB_UPDATE_PATH : DB_INSERT_PATH);
	if (found) {
		rc |= db_bind_int(st, 1, info->dpi_narsize);
		rc |= db_bind_text(st, 2, info->dpi_narhash);
		rc |= db_bind_int(st, 3, info->dpi_ultimate != 0);
		rc |= db_bind_text(st, 4, sigs);
		rc |= db_bind_text(st, 5, info->dpi_ca);
		rc |= db_bind_text(st, 6, info->dpi_path);
	} else {
		rc |= db_bind_text(st, 1, info->dpi_path);
		rc |= db_bind_text(st, 2, info->dpi_narhash);
		rc |= sqlite3_bind_int64(st, 3, info->dpi_regtime != 0 ?
		    (int64_t)info->dpi_regtime : (int64_t)time(NULL));
		rc |= db_bind_text(st, 4, info->dpi_deriver);
		rc |= db_bind_int(st, 5, info->dpi_narsize);
		rc |= db_bind_int(st, 6, info->dpi_ultimate != 0);
		rc |= db_bind_text(st, 7, sigs);
		rc |= db_bind_text(st, 8, info->dpi_ca);
	}
	if (rc != SQLITE_OK)
		rc = db_sqlerr(db, errstr, "binding path info");
	else
		rc = db_step_done(db, st, found ? "updating path info" :
		    "registering path", errstr);
	if (rc == 0 && found)
		db_changed(db);
	free(sigs);
	if (rc == 0 && !found)
		item->di_id = sqlite3_last_insert_rowid(db->sd_sql);
	return (rc);
}

/*
 * The Refs rows of one item, in sorted order as Nix's set is; each
 * reference is in the batch or valid.  Notes the batch edges for the
 * cycle check.
 */
static int
db_register_refs(struct store_db *db, struct db_item *items, size_t nitems,
    struct db_item *item, const char **errstr)
{
	const struct db_pathinfo	*info = item->di_info;
	struct db_item			*ref;
	sqlite3_stmt			*st;
	char				**refs;
	int64_t				 refid;
	size_t				 i;
	int				 found, rc = 0;

	if ((refs = reallocarray(NULL, info->dpi_nrefs + 1,
	    sizeof(*refs))) == NULL || (item->di_edges = reallocarray(NULL,
	    info->dpi_nrefs + 1, sizeof(*item->di_edges))) == NULL)
		fatal("%s", __func__);
	if (info->dpi_nrefs > 0)
		memcpy(refs, info->dpi_refs, info->dpi_nrefs * sizeof(*refs));
	qsort(refs, info->dpi_nrefs, sizeof(*refs), db_strcmp);
	for (i = 0; i < info->dpi_nrefs && rc == 0; i++) {
		if (i > 0 && strcmp(refs[i], refs[i - 1]) == 0)
			continue;
		if ((ref = db_batch_find(items, nitems, refs[i])) != NULL) {
			refid = ref->di_id;
			if (ref != item)
				item->di_edges[item->di_nedges++] = ref - items;
		} else if ((found = db_path_id(db, refs[i], &refid,
		    errstr)) != 1) {
			if (found == 0)
				db_err(db, errstr, "path '%s' is not valid",
				    refs[i]);
			rc = -1;
			break;
		}
		st = db_stmt(db, DB_ADD_REF);
		if (sqlite3_bind_int64(st, 1, item->di_id) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 2, refid) != SQLITE_OK)
			rc = db_sqlerr(db, errstr, "binding a reference");
		else
			rc = db_step_done(db, st, "adding a reference", errstr);
	}
	free(refs);
	return (rc);
}

static int
db_register_outputs(struct store_db *db, struct db_item *item,
    const char **errstr)
{
	sqlite3_stmt	*st;
	size_t		 i;

	for (i = 0; i < item->di_nouts; i++) {
		st = db_stmt(db, DB_ADD_DRV_OUTPUT);
		if (sqlite3_bind_int64(st, 1, item->di_id) != SQLITE_OK ||
		    db_bind_text(st, 2, item->di_outs[i].ddo_name) !=
		    SQLITE_OK || db_bind_text(st, 3,
		    item->di_outs[i].ddo_path) != SQLITE_OK)
			return (db_sqlerr(db, errstr, "binding an output"));
		if (db_step_done(db, st, "adding a derivation output",
		    errstr) == -1)
			return (-1);
	}
	return (0);
}

/*
 * Nix's topoSort over the batch: depth first in sorted order, a path
 * met again while still on the stack is a cycle.  Iterative, so a
 * long chain cannot exhaust the C stack.
 */
static int
db_check_cycles(struct store_db *db, struct db_item *items, size_t nitems,
    const char **errstr)
{
	size_t		*stack, *pos, sp, k, top, next;
	char		*state;		/* 0 new, 1 on the stack, 2 done */
	int		 rc = 0;

	if ((stack = reallocarray(NULL, nitems, sizeof(*stack))) == NULL ||
	    (pos = calloc(nitems, sizeof(*pos))) == NULL ||
	    (state = calloc(nitems, 1)) == NULL)
		fatal("%s", __func__);
	for (k = 0; k < nitems && rc == 0; k++) {
		if (state[k] != 0)
			continue;
		sp = 0;
		stack[sp++] = k;
		state[k] = 1;
		while (sp > 0 && rc == 0) {
			top = stack[sp - 1];
			if (pos[top] == items[top].di_nedges) {
				state[top] = 2;
				sp--;
				continue;
			}
			next = items[top].di_edges[pos[top]++];
			if (state[next] == 1)
				rc = db_err(db, errstr, "cycle detected in "
				    "the references of '%s' from '%s'",
				    items[next].di_info->dpi_path,
				    items[top].di_info->dpi_path);
			else if (state[next] == 0) {
				state[next] = 1;
				stack[sp++] = next;
			}
		}
	}
	free(stack);
	free(pos);
	free(state);
	return (rc);
}

/* Nix's registerValidPaths, minus the transaction. */
static int
db_register_batch(struct store_db *db, struct db_item *items,
    size_t nitems, const char **errstr)
{
	size_t	i;

	for (i = 0; i < nitems; i++)
		if (db_register_row(db, &items[i], errstr) == -1 ||
		    db_register_outputs(db, &items[i], errstr) == -1)
			return (-1);
	for (i = 0; i < nitems; i++)
		if (db_register_refs(db, items, nitems, &items[i],
		    errstr) == -1)
			return (-1);
	return (db_check_cycles(db, items, nitems, errstr));
}

int
db_register(struct store_db *db, const struct db_pathinfo *infos,
    size_t ninfos, const struct db_drv_output *const *outputs,
    const size_t *noutputs, const char **errstr)
{
	struct db_item	*items;
	int		 nested, rc = -1;

	if (ninfos == 0)
		return (0);
	items = db_batch_new(db, infos, ninfos, outputs, noutputs, errstr);
	if (items == NULL)
		return (-1);
	if (db_txn_begin(db, &nested, errstr) == 0)
		rc = db_txn_end(db, nested,
		    db_register_batch(db, items, ninfos, errstr), errstr);
	db_batch_free(items, ninfos);
	return (rc);
}

/*
 * Removal and signatures.
 */
int
db_invalidate(struct store_db *db, const char *path, const char **errstr)
{
	sqlite3_stmt	*st;
	char		**refs = NULL, *list = NULL, *tmp;
	size_t		  nrefs = 0, i;
	int		  nested, rc;

	if (db_txn_begin(db, &nested, errstr) == -1)
		return (-1);
	rc = db_collect_path(db, DB_QUERY_REFERRERS, path, &refs, &nrefs,
	    errstr);
	for (i = 0; rc == 0 && i < nrefs; i++) {
		if (strcmp(refs[i], path) == 0)
			continue;
		if (asprintf(&tmp, "%s%s'%s'", list == NULL ? "" : list,
		    list == NULL ? "" : ", ", refs[i]) == -1)
			fatal("%s", __func__);
		free(list);
		list = tmp;
	}
	if (rc == 0 && list != NULL)
		rc = db_err(db, errstr, "cannot delete path '%s' because it "
		    "is in use by %s", path, list);
	if (rc == 0) {
		st = db_stmt(db, DB_INVALIDATE);
		if (sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC) !=
		    SQLITE_OK)
			rc = db_sqlerr(db, errstr, "binding a path");
		else
			rc = db_step_done(db, st, "invalidating a path",
			    errstr);
		if (rc == 0)
			db_changed(db);
	}
	rc = db_txn_end(db, nested, rc, errstr);
	free(list);
	db_strings_free(refs, nrefs);
	return (rc);
}

/* Nix's addSignatures: read, merge as a set, write, in one transaction. */
int
db_add_sigs(struct store_db *db, const char *path, char *const *sigs,
    size_t nsigs, const char **errstr)
{
	sqlite3_stmt	*st;
	char		*merged = NULL;
	size_t		 i;
	int		 nested, rc;

	for (i = 0; i < nsigs; i++)
		if (sigs[i] == NULL || *sigs[i] == '\0' ||
		    strchr(sigs[i], ' ') != NULL)
			return (db_err(db, errstr, "invalid signature '%s'",
			    sigs[i] == NULL ? "" : sigs[i]));
	if (db_txn_begin(db, &nested, errstr) == -1)
		return (-1);
	st = db_stmt(db, DB_QUERY_SIGS);
	if (sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC) != SQLITE_OK)
		rc = db_sqlerr(db, errstr, "binding a path");
	else if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		merged = db_sigs_merge((const char *)sqlite3_column_text(st,
		    0), sigs, nsigs);
		rc = 0;
	} else if (rc == SQLITE_DONE)
		rc = db_err(db, errstr, "path '%s' is not valid", path);
	else
		rc = db_sqlerr(db, errstr, "reading signatures");
	sqlite3_reset(st);
	if (rc == 0) {
		st = db_stmt(db, DB_UPDATE_SIGS);
		if (db_bind_text(st, 1, merged) != SQLITE_OK ||
		    db_bind_text(st, 2, path) != SQLITE_OK)
			rc = db_sqlerr(db, errstr, "binding signatures");
		else
			rc = db_step_done(db, st, "updating signatures",
			    errstr);
		if (rc == 0)
			db_changed(db);
	}
	rc = db_txn_end(db, nested, rc, errstr);
	free(merged);
	return (rc);
}

/*
 * Lookups.
 */
/*
 * The columns of DB_QUERY_INFO's row.  The statement stays on its row:
 * db_query_info resets it after the references are read, so that both
 * reads share one read transaction (one WAL read lock, as in Nix).
 */
static int
db_read_info(struct store_db *db, sqlite3_stmt *st,
    struct db_pathinfo *info, int64_t *idp, const char **errstr)
{
	int64_t	 v;

	*idp = sqlite3_column_int64(st, 0);
	info->dpi_narhash = db_col_strdup(st, 1);
	v = sqlite3_column_int64(st, 2);
	info->dpi_regtime = v < 0 ? 0 : (uint64_t)v;
	info->dpi_deriver = db_col_strdup(st, 3);
	v = sqlite3_column_int64(st, 4);	/* NULL reads as 0 */
	info->dpi_narsize = v < 0 ? 0 : (uint64_t)v;
	info->dpi_ultimate = sqlite3_column_int64(st, 5) == 1;
	info->dpi_sigs = db_sigs_merge((const char *)sqlite3_column_text(st,
	    6), NULL, 0);
	info->dpi_ca = db_col_strdup(st, 7);
	if (info->dpi_narhash == NULL)
		return (db_err(db, errstr, "invalid-path entry for '%s': "
		    "no hash", info->dpi_path));
	return (0);
}

/* The references of the row id, into info. */
static int
db_read_refs(struct store_db *db, int64_t id, struct db_pathinfo *info,
    const char **errstr)
{
	sqlite3_stmt	*st;

	st = db_stmt(db, DB_QUERY_REFS);
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK)
		return (db_sqlerr(db, errstr, "binding an id"));
	return (db_collect(db, st, &info->dpi_refs, &info->dpi_nrefs,
	    errstr));
}

int
db_query_info(struct store_db *db, const char *path,
    struct db_pathinfo *info, const char **errstr)
{
	sqlite3_stmt	*st;
	int64_t		 id;
	int		 rc;

	memset(info, 0, sizeof(*info));
	st = db_stmt(db, DB_QUERY_INFO);
	if (sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC) != SQLITE_OK)
		return (db_sqlerr(db, errstr, "binding a path"));
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		if (rc != SQLITE_DONE)
			db_sqlerr(db, errstr, "querying path info");
		sqlite3_reset(st);
		return (rc == SQLITE_DONE ? 0 : -1);
	}
	if ((info->dpi_path = strdup(path)) == NULL)
		fatal("%s", __func__);
	rc = db_read_info(db, st, info, &id, errstr);
	if (rc == 0)
		rc = db_read_refs(db, id, info, errstr);
	/* Ends the read transaction: no snapshot outlives the query. */
	sqlite3_reset(st);
	if (rc == -1) {
		db_pathinfo_free(info);
		return (-1);
	}
	return (1);
}

int
db_is_valid(struct store_db *db, const char *path, const char **errstr)
{
	int64_t	id;

	return (db_path_id(db, path, &id, errstr));
}

int
db_query_referrers(struct store_db *db, const char *path, char ***listp,
    size_t *np, const char **errstr)
{
	return (db_collect_path(db, DB_QUERY_REFERRERS, path, listp, np,
	    errstr));
}

int
db_query_references(struct store_db *db, const char *path, char ***listp,
    size_t *np, const char **errstr)
{
	sqlite3_stmt	*st;
	int64_t		 id;
	int		 rc;

	*listp = NULL;
	*np = 0;
	if ((rc = db_path_id(db, path, &id, errstr)) != 1)
		return (rc);
	st = db_stmt(db, DB_QUERY_REFS);
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK)
		return (db_sqlerr(db, errstr, "binding an id"));
	if (db_collect(db, st, listp, np, errstr) == -1)
		return (-1);
	return (1);
}

int
db_query_valid_derivers(struct store_db *db, const char *path,
    char ***listp, size_t *np, const char **errstr)
{
	return (db_collect_path(db, DB_QUERY_DERIVERS, path, listp, np,
	    errstr));
}

int
db_query_drv_outputs(struct store_db *db, const char *drvpath,
    struct db_drv_output **outsp, size_t *np, const char **errstr)
{
	struct db_drv_output	*outs = NULL, *nouts;
	sqlite3_stmt		*st;
	int64_t			 id;
	size_t			 n = 0;
	int			 rc;

	*outsp = NULL;
	*np = 0;
	if ((rc = db_path_id(db, drvpath, &id, errstr)) != 1)
		return (rc);
	st = db_stmt(db, DB_QUERY_DRV_OUTPUTS);
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK)
		return (db_sqlerr(db, errstr, "binding an id"));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((nouts = reallocarray(outs, n + 1, sizeof(*outs))) == NULL)
			fatal("%s", __func__);
		outs = nouts;
		outs[n].ddo_name = db_col_strdup(st, 0);
		outs[n].ddo_path = db_col_strdup(st, 1);
		n++;
		if (outs[n - 1].ddo_name == NULL ||
		    outs[n - 1].ddo_path == NULL)
			break;
	}
	if (rc != SQLITE_DONE) {
		if (rc == SQLITE_ROW)
			db_err(db, errstr, "'%s': empty derivation output",
			    drvpath);
		else
			db_sqlerr(db, errstr, "querying derivation outputs");
		sqlite3_reset(st);
		db_drv_outputs_free(outs, n);
		return (-1);
	}
	sqlite3_reset(st);
	*outsp = outs;
	*np = n;
	return (1);
}

/*
 * Nix's lookup: the first path at or after <storedir>/<hashpart> in the
 * unique index, then a prefix check.
 */
int
db_query_hashpart(struct store_db *db, const char *hashpart, char **pathp,
    const char **errstr)
{
	sqlite3_stmt	*st;
	const char	*found;
	char		*prefix;
	int		 rc;

	*pathp = NULL;
	if (storepath_check_hashpart(hashpart, strlen(hashpart)) == -1)
		return (db_err(db, errstr, "invalid hash part"));
	if (asprintf(&prefix, "%s/%s", db->sd_storedir, hashpart) == -1)
		fatal("%s", __func__);
	st = db_stmt(db, DB_QUERY_HASHPART);
	if (sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC) != SQLITE_OK)
		rc = db_sqlerr(db, errstr, "binding a path");
	else if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		found = (const char *)sqlite3_column_text(st, 0);
		rc = 0;
		if (found != NULL &&
		    strncmp(found, prefix, strlen(prefix)) == 0) {
			if ((*pathp = strdup(found)) == NULL)
				fatal("%s", __func__);
			rc = 1;
		}
	} else if (rc == SQLITE_DONE)
		rc = 0;
	else
		rc = db_sqlerr(db, errstr, "querying a hash part");
	sqlite3_reset(st);
	free(prefix);
	return (rc);
}

int
db_query_all(struct store_db *db, char ***listp, size_t *np,
    const char **errstr)
{
	*listp = NULL;
	*np = 0;
	return (db_collect(db, db_stmt(db, DB_QUERY_ALL), listp, np, errstr));
}

/*
 * The reference graph: nodes from ValidPaths, then the Refs and
 * DerivationOutputs rows mapped from ids to node indices.
 */
static int
db_idcmp(const void *a, const void *b)
{
	const struct db_idmap	*ia = a, *ib = b;

	return (ia->di_id < ib->di_id ? -1 : ia->di_id > ib->di_id);
}

static int
db_paircmp(const void *a, const void *b)
{
	const struct db_pair	*pa = a, *pb = b;

	if (pa->dp_from != pb->dp_from)
		return (pa->dp_from < pb->dp_from ? -1 : 1);
	return (pa->dp_to < pb->dp_to ? -1 : pa->dp_to > pb->dp_to);
}

static size_t
db_id_index(const struct db_idmap *map, size_t n, int64_t id)
{
	struct db_idmap	 key, *found;

	key.di_id = id;
	found = bsearch(&key, map, n, sizeof(*map), db_idcmp);
	return (found == NULL ? DB_GRAPH_NONE : found->di_idx);
}

static int
db_graph_nodes(struct store_db *db, struct db_graph *g,
    struct db_idmap **mapp, const char **errstr)
{
	struct db_idmap	*map = NULL;
	sqlite3_stmt	*st;
	int64_t		*derivers = NULL;
	size_t		 cap = 0, i;
	int		 rc;

	st = db_stmt(db, DB_GRAPH_PATHS);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (g->dg_nnodes == cap) {
			cap = cap == 0 ? 256 : cap * 2;
			if ((g->dg_nodes = recallocarray(g->dg_nodes,
			    g->dg_nnodes, cap, sizeof(*g->dg_nodes))) == NULL ||
			    (map = reallocarray(map, cap, sizeof(*map))) ==
			    NULL || (derivers = reallocarray(derivers, cap,
			    sizeof(*derivers))) == NULL)
				fatal("%s", __func__);
		}
		map[g->dg_nnodes].di_id = sqlite3_column_int64(st, 0);
		map[g->dg_nnodes].di_idx = g->dg_nnodes;
		derivers[g->dg_nnodes] = sqlite3_column_type(st, 2) ==
		    SQLITE_NULL ? -1 : sqlite3_column_int64(st, 2);
		g->dg_nodes[g->dg_nnodes++].dgn_path = db_col_text(st, 1);
	}
	if (rc != SQLITE_DONE)
		db_sqlerr(db, errstr, "reading valid paths");
	sqlite3_reset(st);
	if (g->dg_nnodes > 0)
		qsort(map, g->dg_nnodes, sizeof(*map), db_idcmp);
	for (i = 0; rc == SQLITE_DONE && i < g->dg_nnodes; i++)
		g->dg_nodes[i].dgn_deriver = db_id_index(map, g->dg_nnodes,
		    derivers[i]);
	free(derivers);
	*mapp = map;
	return (rc == SQLITE_DONE ? 0 : -1);
}

/* The (column 0, column 1) id pairs of a statement, as node indices. */
static int
db_graph_pairs(struct store_db *db, enum db_stmt which,
    const struct db_idmap *map, size_t nmap, struct db_pair **pairsp,
    size_t *np, const char **errstr)
{
	struct db_pair	*pairs = NULL;
	sqlite3_stmt	*st;
	size_t		 n = 0, cap = 0, from, to;
	int		 rc;

	st = db_stmt(db, which);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		from = db_id_index(map, nmap, sqlite3_column_int64(st, 0));
		to = db_id_index(map, nmap, sqlite3_column_int64(st, 1));
		if (from == DB_GRAPH_NONE || to == DB_GRAPH_NONE)
			continue;
		if (n == cap) {
			cap = cap == 0 ? 256 : cap * 2;
			if ((pairs = reallocarray(pairs, cap,
			    sizeof(*pairs))) == NULL)
				fatal("%s", __func__);
		}
		pairs[n].dp_from = from;
		pairs[n++].dp_to = to;
	}
	if (rc != SQLITE_DONE)
		db_sqlerr(db, errstr, "reading the reference graph");
	sqlite3_reset(st);
	*pairsp = pairs;
	*np = n;
	return (rc == SQLITE_DONE ? 0 : -1);
}

/* Sort the pairs and hang each node's run of them on the node. */
static void
db_graph_attach(struct db_graph *g, struct db_pair *pairs, size_t npairs,
    enum db_graph_list list)
{
	struct db_graph_node	*node;
	size_t			*pool, i, n = 0, **listp, *countp;

	if (npairs > 0)
		qsort(pairs, npairs, sizeof(*pairs), db_paircmp);
	if ((pool = reallocarray(NULL, npairs + 1, sizeof(*pool))) == NULL)
		fatal("%s", __func__);
	g->dg_pool[list] = pool;
	for (i = 0; i < npairs; i++) {
		if (i > 0 && db_paircmp(&pairs[i - 1], &pairs[i]) == 0)
			continue;
		node = &g->dg_nodes[pairs[i].dp_from];
		switch (list) {
		case DB_LIST_REFS:
			listp = &node->dgn_refs;
			countp = &node->dgn_nrefs;
			break;
		case DB_LIST_REFERRERS:
			listp = &node->dgn_referrers;
			countp = &node->dgn_nreferrers;
			break;
		case DB_LIST_OUTPUTS:
			listp = &node->dgn_outputs;
			countp = &node->dgn_noutputs;
			break;
		default:
			listp = &node->dgn_derivers;
			countp = &node->dgn_nderivers;
			break;
		}
		if (*countp == 0)
			*listp = &pool[n];
		(*countp)++;
		pool[n++] = pairs[i].dp_to;
	}
}

static void
db_pairs_swap(struct db_pair *pairs, size_t npairs)
{
	size_t	i, t;

	for (i = 0; i < npairs; i++) {
		t = pairs[i].dp_from;
		pairs[i].dp_from = pairs[i].dp_to;
		pairs[i].dp_to = t;
	}
}

static int
db_graph_read(struct store_db *db, struct db_graph *g, const char **errstr)
{
	struct db_idmap	*map = NULL;
	struct db_pair	*refs = NULL, *outs = NULL;
	size_t		 nrefs = 0, nouts = 0;
	int		 rc = -1;

	if (db_graph_nodes(db, g, &map, errstr) == 0 &&
	    db_graph_pairs(db, DB_GRAPH_REFS, map, g->dg_nnodes, &refs,
	    &nrefs, errstr) == 0 &&
	    db_graph_pairs(db, DB_GRAPH_OUTPUTS, map, g->dg_nnodes, &outs,
	    &nouts, errstr) == 0) {
		db_graph_attach(g, refs, nrefs, DB_LIST_REFS);
		db_pairs_swap(refs, nrefs);
		db_graph_attach(g, refs, nrefs, DB_LIST_REFERRERS);
		db_graph_attach(g, outs, nouts, DB_LIST_OUTPUTS);
		db_pairs_swap(outs, nouts);
		db_graph_attach(g, outs, nouts, DB_LIST_DERIVERS);
		rc = 0;
	}
	free(map);
	free(refs);
	free(outs);
	return (rc);
}

int
db_query_graph(struct store_db *db, struct db_graph *g, const char **errstr)
{
	int	own, rc;

	memset(g, 0, sizeof(*g));
	/* One read transaction, so the three reads see one state. */
	own = sqlite3_get_autocommit(db->sd_sql);
	if (own && db_exec(db, "begin;", errstr) == -1)
		return (-1);
	rc = db_graph_read(db, g, errstr);
	if (own)
		sqlite3_exec(db->sd_sql, "commit;", NULL, NULL, NULL);
	if (rc == -1)
		db_graph_free(g);
	return (rc);
}

size_t
db_graph_find(const struct db_graph *g, const char *path)
{
	size_t	lo = 0, hi = g->dg_nnodes, mid;
	int	cmp;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		cmp = strcmp(path, g->dg_nodes[mid].dgn_path);
		if (cmp == 0)
			return (mid);
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (DB_GRAPH_NONE);
}

/*
 * Freeing.
 */
void
db_graph_free(struct db_graph *g)
{
	size_t	i;

	for (i = 0; i < g->dg_nnodes; i++)
		free(g->dg_nodes[i].dgn_path);
	free(g->dg_nodes);
	for (i = 0; i < sizeof(g->dg_pool) / sizeof(g->dg_pool[0]); i++)
		free(g->dg_pool[i]);
	memset(g, 0, sizeof(*g));
}

void
db_pathinfo_free(struct db_pathinfo *info)
{
	free(info->dpi_path);
	free(info->dpi_narhash);
	free(info->dpi_deriver);
	free(info->dpi_sigs);
	free(info->dpi_ca);
	db_strings_free(info->dpi_refs, info->dpi_nrefs);
	memset(info, 0, sizeof(*info));
}

void
db_drv_outputs_free(struct db_drv_output *outs, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(outs[i].ddo_name);
		free(outs[i].ddo_path);
	}
	free(outs);
}

void
db_strings_free(char **list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}
