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
 * store_db.c's read transactions: lookups between db_read_begin and
 * db_read_end see one snapshot (a row another connection commits in
 * between stays invisible until the end); a nested begin is a no-op;
 * and neither a read transaction nor db_query_info leaves a snapshot
 * open afterwards (a TRUNCATE checkpoint from another connection then
 * empties the WAL, which a reader still holding one would block).
 */
/* link: storeproc/store_db.c */
#include <sys/stat.h>
#include <sys/types.h>

#include <err.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../../storeproc/store_db.h"

#define STOREDIR	"/nix/store"
#define P_A	STOREDIR "/0000000000000000000000000000000a-a"
#define P_B	STOREDIR "/0000000000000000000000000000000b-b"
#define HASH	"sha256:" \
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char	 topdir[64];
static char	 statedir[128];
static sqlite3	*raw;		/* a second connection, as a Nix process */

static void	check_int(const char *, long long, long long);
static void	raw_exec(const char *);
static void	check_wal_empty(const char *);
static int	valid(struct store_db *, const char *);
static void	test_snapshot(struct store_db *);
static void	test_nested(struct store_db *);
static void	test_info_released(struct store_db *);

static void
check_int(const char *what, long long got, long long want)
{
	if (got != want)
		errx(1, "%s: got %lld, expected %lld", what, got, want);
}

static void
raw_exec(const char *sql)
{
	if (sqlite3_exec(raw, sql, NULL, NULL, NULL) != SQLITE_OK)
		errx(1, "%s: %s", sql, sqlite3_errmsg(raw));
}

/*
 * A TRUNCATE checkpoint on the raw connection: it reports busy, and
 * leaves WAL frames, while some reader still holds a snapshot.
 */
static void
check_wal_empty(const char *what)
{
	int	logsz = -1, ckpt = -1, rc;

	rc = sqlite3_wal_checkpoint_v2(raw, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	    &logsz, &ckpt);
	if (rc != SQLITE_OK || logsz != 0)
		errx(1, "%s: got checkpoint rc %d, %d WAL frames left, "
		    "expected 0 (a snapshot is still open)", what, rc, logsz);
}

static int
valid(struct store_db *db, const char *path)
{
	const char	*errstr;
	int		 rc;

	if ((rc = db_is_valid(db, path, &errstr)) == -1)
		errx(1, "db_is_valid: %s", errstr);
	return (rc);
}

/* A row committed elsewhere mid-transaction shows only after it. */
static void
test_snapshot(struct store_db *db)
{
	const char	*errstr;
	int		 txn;

	if ((txn = db_read_begin(db, &errstr)) == -1)
		errx(1, "db_read_begin: %s", errstr);
	check_int("db_read_begin outside a transaction", txn, 1);
	check_int("P_B before the insert", valid(db, P_B), 0);
	raw_exec("insert into ValidPaths (path, hash, registrationTime) "
	    "values ('" P_B "', '" HASH "', 1);");
	check_int("P_B inside the snapshot", valid(db, P_B), 0);
	check_int("P_A inside the snapshot", valid(db, P_A), 1);
	db_read_end(db, txn);
	check_int("P_B after db_read_end", valid(db, P_B), 1);
	check_wal_empty("after db_read_end");
	printf("read transaction: one snapshot, released at the end: ok\n");
}

/* Inside a transaction begin says 0 and end(0) leaves it open. */
static void
test_nested(struct store_db *db)
{
	const char	*errstr;
	int		 outer, inner;

	if ((outer = db_read_begin(db, &errstr)) != 1)
		errx(1, "outer db_read_begin: got %d, expected 1", outer);
	if ((inner = db_read_begin(db, &errstr)) != 0)
		errx(1, "nested db_read_begin: got %d, expected 0", inner);
	check_int("P_A in the nested one", valid(db, P_A), 1);
	db_read_end(db, inner);
	raw_exec("delete from ValidPaths where path = '" P_B "';");
	check_int("P_B after the inner end", valid(db, P_B), 1);
	db_read_end(db, outer);
	check_int("P_B after the outer end", valid(db, P_B), 0);
	check_wal_empty("after the outer end");
	printf("nested read transaction: the outer one counts: ok\n");
}

/* Info and references read, nothing left open. */
static void
test_info_released(struct store_db *db)
{
	struct db_pathinfo	 pi;
	const char		*errstr;

	if (db_query_info(db, P_A, &pi, &errstr) != 1)
		errx(1, "db_query_info: not found");
	check_int("P_A's references", pi.dpi_nrefs, 1);
	if (strcmp(pi.dpi_refs[0], P_A) != 0)
		errx(1, "P_A's reference: got %s, expected itself",
		    pi.dpi_refs[0]);
	db_pathinfo_free(&pi);
	raw_exec("update ValidPaths set registrationTime = 2;");
	check_wal_empty("after db_query_info");
	printf("db_query_info: no snapshot left open: ok\n");
}

int
main(void)
{
	struct store_db		*db;
	struct db_pathinfo	 pi;
	const char		*errstr;
	char			 dbfile[PATH_MAX], cmd[PATH_MAX + 16];
	char			*refs[1] = { P_A };

	setvbuf(stdout, NULL, _IOLBF, 0);
	strlcpy(topdir, "/tmp/rnixd-readtxn.XXXXXX", sizeof(topdir));
	if (mkdtemp(topdir) == NULL)
		err(1, "mkdtemp");
	(void)snprintf(statedir, sizeof(statedir), "%s/var/nix", topdir);
	(void)snprintf(dbfile, sizeof(dbfile), "%s/db/db.sqlite", statedir);
	if (db_open(statedir, STOREDIR, &db, &errstr) == -1)
		errx(1, "db_open: %s", errstr);
	memset(&pi, 0, sizeof(pi));
	pi.dpi_path = P_A;
	pi.dpi_narhash = HASH;
	pi.dpi_refs = refs;
	pi.dpi_nrefs = 1;
	if (db_register(db, &pi, 1, NULL, NULL, &errstr) == -1)
		errx(1, "db_register: %s", errstr);
	if (sqlite3_open_v2(dbfile, &raw, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		errx(1, "raw open %s", dbfile);
	sqlite3_busy_timeout(raw, 10000);

	test_snapshot(db);
	test_nested(db);
	test_info_released(db);

	sqlite3_close(raw);
	db_close(db);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", topdir);
	if (system(cmd) != 0)
		errx(1, "%s failed", cmd);
	return (0);
}
