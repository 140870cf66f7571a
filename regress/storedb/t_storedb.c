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
 * store_db.c: the schema against nix-formats.md section 7, opening and
 * schema versions, register/query round trips with Nix's NULL
 * conventions checked on the raw rows, updates, references, cycles,
 * invalidation, hash-part lookups, derivation outputs, signatures,
 * savepoints inside explicit transactions, the reference graph, and
 * on a store of 10000 paths, lookups that scan no table.
 */
/* link: storeproc/store_db.c */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>

#include <err.h>
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

#include "storepath.h"
#include "../../storeproc/store_db.h"

#define STOREDIR	"/nix/store"
#define NLARGE		10000

/* nix-formats.md section 7: "sqlite3 .schema" of a database Nix made. */
static const char schema_vector[] =
    "CREATE TABLE ValidPaths (\n"
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
    "CREATE TABLE Refs (\n"
    "    referrer  integer not null,\n"
    "    reference integer not null,\n"
    "    primary key (referrer, reference),\n"
    "    foreign key (referrer) references ValidPaths(id) on delete cascade,\n"
    "    foreign key (reference) references ValidPaths(id) on delete "
    "restrict\n"
    ");\n"
    "CREATE INDEX IndexReferrer on Refs(referrer);\n"
    "CREATE INDEX IndexReference on Refs(reference);\n"
    "CREATE TRIGGER DeleteSelfRefs before delete on ValidPaths\n"
    "  begin\n"
    "    delete from Refs where referrer = old.id and reference = old.id;\n"
    "  end;\n"
    "CREATE TABLE DerivationOutputs (\n"
    "    drv  integer not null,\n"
    "    id   text not null, -- symbolic output id, usually \"out\"\n"
    "    path text not null,\n"
    "    primary key (drv, id),\n"
    "    foreign key (drv) references ValidPaths(id) on delete cascade\n"
    ");\n"
    "CREATE INDEX IndexDerivationOutputs on DerivationOutputs(path);\n";

static const char b32[] = "0123456789abcdfghijklmnpqrsvwxyz";

static char	 topdir[64];
static char	 statedir[128];
static char	 dbfile[PATH_MAX];
static sqlite3	*raw;		/* a second connection, to see the rows */
static char	**arena;	/* test strings, freed at the end */
static size_t	  narena;

/*
 * Utilities.
 */
static char *
keep(char *p)
{
	if ((arena = reallocarray(arena, narena + 1, sizeof(*arena))) == NULL)
		err(1, "reallocarray");
	arena[narena++] = p;
	return (p);
}

static void
arena_free(void)
{
	while (narena > 0)
		free(arena[--narena]);
	free(arena);
	arena = NULL;
}

static char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		err(1, "strdup");
	return (keep(p));
}

/* A valid store path whose hash part is derived from n. */
static char *
mkpath(unsigned long n, const char *name)
{
	char		 hp[STOREPATH_HASH_LEN + 1], *p;
	uint64_t	 x = n * 0x9e3779b97f4a7c15ULL + 1;
	int		 i;

	for (i = 0; i < STOREPATH_HASH_LEN; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		hp[i] = b32[(x >> 40) % 32];
	}
	hp[i] = '\0';
	if (asprintf(&p, "%s/%s-%s", STOREDIR, hp, name) == -1)
		err(1, "asprintf");
	return (keep(p));
}

static char *
mkhash(unsigned long n)
{
	char	*p;
	int	 i;

	if ((p = malloc(7 + 64 + 1)) == NULL)
		err(1, "malloc");
	memcpy(p, "sha256:", 7);
	for (i = 0; i < 64; i++)
		p[7 + i] = "0123456789abcdef"[(n * 7 + i * 13) % 16];
	p[7 + 64] = '\0';
	return (keep(p));
}

/* The first row of a raw query, its columns joined by '|'. */
static char *
sql1(const char *fmt, ...)
{
	static char	 out[4096];
	sqlite3_stmt	*st;
	va_list		 ap;
	char		*q;
	const char	*v;
	int		 i, rc;

	va_start(ap, fmt);
	q = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	if (sqlite3_prepare_v2(raw, q, -1, &st, NULL) != SQLITE_OK)
		errx(1, "raw query %s: %s", q, sqlite3_errmsg(raw));
	out[0] = '\0';
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < sqlite3_column_count(st); i++) {
			v = (const char *)sqlite3_column_text(st, i);
			if (i > 0)
				strlcat(out, "|", sizeof(out));
			strlcat(out, v == NULL ? "<null>" : v, sizeof(out));
		}
	} else if (rc == SQLITE_DONE)
		strlcpy(out, "(none)", sizeof(out));
	else
		errx(1, "raw query %s: %s", q, sqlite3_errmsg(raw));
	sqlite3_finalize(st);
	sqlite3_free(q);
	return (out);
}

static void
check_str(const char *what, const char *got, const char *want)
{
	if (got == NULL && want == NULL)
		return;
	if (got == NULL || want == NULL || strcmp(got, want) != 0)
		errx(1, "%s: got \"%s\", expected \"%s\"", what,
		    got == NULL ? "(NULL)" : got,
		    want == NULL ? "(NULL)" : want);
}

static void
check_int(const char *what, long long got, long long want)
{
	if (got != want)
		errx(1, "%s: got %lld, expected %lld", what, got, want);
}

/* A call that must fail with a message containing want. */
static void
check_fail(const char *what, int rc, const char *const *errstrp,
    const char *want)
{
	const char	*errstr = *errstrp;

	if (rc != -1)
		errx(1, "%s: got %d, expected -1 (%s)", what, rc, want);
	if (strstr(errstr, want) == NULL)
		errx(1, "%s: got error \"%s\", expected \"%s\"", what, errstr,
		    want);
}

static struct store_db *
open_db(void)
{
	struct store_db	*db;
	const char	*errstr;

	if (db_open(statedir, STOREDIR, &db, &errstr) == -1)
		errx(1, "db_open: %s", errstr);
	if (raw == NULL && sqlite3_open_v2(dbfile, &raw,
	    SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		errx(1, "raw open %s", dbfile);
	return (db);
}

static void
raw_close(void)
{
	sqlite3_close(raw);
	raw = NULL;
}

static void
fresh_state(void)
{
	char	cmd[PATH_MAX + 16];

	raw_close();
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", statedir);
	if (system(cmd) != 0)
		errx(1, "%s failed", cmd);
}

static void
info_init(struct db_pathinfo *pi, char *path, unsigned long n)
{
	memset(pi, 0, sizeof(*pi));
	pi->dpi_path = path;
	pi->dpi_narhash = mkhash(n);
	pi->dpi_narsize = 1000 + n;
}

static void
register_ok(struct store_db *db, struct db_pathinfo *pis, size_t n)
{
	const char	*errstr;

	if (db_register(db, pis, n, NULL, NULL, &errstr) == -1)
		errx(1, "db_register: %s", errstr);
}

static long long
nvalid(void)
{
	return (atoll(sql1("select count(*) from ValidPaths")));
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/*
 * Opening.
 */
static void
test_create(void)
{
	struct store_db	*db;
	sqlite3_stmt	*st;
	struct stat	 sb;
	char		 path[PATH_MAX + 32], buf[16], *got = NULL;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd;
	FILE		*f;

	printf("open creates db/, schema \"10\", big-lock and the tables\n");
	db = open_db();
	(void)snprintf(path, sizeof(path), "%s/db/schema", statedir);
	if ((fd = open(path, O_RDONLY)) == -1)
		err(1, "%s", path);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	check_int("schema file size", n, 2);
	buf[n] = '\0';
	check_str("schema file", buf, "10");
	(void)snprintf(path, sizeof(path), "%s/db/big-lock", statedir);
	if (stat(path, &sb) == -1)
		err(1, "%s", path);
	check_int("big-lock size", sb.st_size, 0);
	/* Held shared, as Nix does: a schema upgrade could not start. */
	if ((fd = open(path, O_RDWR)) == -1)
		err(1, "%s", path);
	check_int("big-lock held shared", flock(fd, LOCK_EX | LOCK_NB) == -1 &&
	    errno == EWOULDBLOCK, 1);
	check_int("big-lock shareable", flock(fd, LOCK_SH | LOCK_NB), 0);
	close(fd);
	check_str("journal_mode", sql1("pragma journal_mode"), "wal");

	if ((f = open_memstream(&got, &len)) == NULL)
		err(1, "open_memstream");
	if (sqlite3_prepare_v2(raw, "select sql from sqlite_master where "
	    "sql is not null and name != 'sqlite_sequence' order by rowid",
	    -1, &st, NULL) != SQLITE_OK)
		errx(1, "prepare: %s", sqlite3_errmsg(raw));
	while (sqlite3_step(st) == SQLITE_ROW)
		fprintf(f, "%s;\n", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	fclose(f);
	check_str("sqlite_master vs nix-formats.md 7", got, schema_vector);
	free(got);
	check_str("sqlite_sequence", sql1("select sql from sqlite_master "
	    "where name = 'sqlite_sequence'"),
	    "CREATE TABLE sqlite_sequence(name,seq)");
	db_close(db);
	if ((fd = open(path, O_RDWR)) == -1)
		err(1, "%s", path);
	check_int("big-lock free after db_close", flock(fd,
	    LOCK_EX | LOCK_NB), 0);
	close(fd);
}

static void
write_schema(const char *s)
{
	char	path[PATH_MAX + 32];
	int	fd;

	(void)snprintf(path, sizeof(path), "%s/db/schema", statedir);
	if ((fd = open(path, O_WRONLY | O_TRUNC | O_CREAT, 0644)) == -1 ||
	    write(fd, s, strlen(s)) != (ssize_t)strlen(s) || close(fd) == -1)
		err(1, "%s", path);
}

static void
test_schema_versions(void)
{
	struct store_db		*db;
	struct db_pathinfo	 pi, got;
	const char		*errstr;
	char			 path[PATH_MAX + 32];

	printf("reopen keeps the data; other schema versions refused\n");
	db = open_db();
	info_init(&pi, mkpath(1, "keep"), 1);
	register_ok(db, &pi, 1);
	db_close(db);
	db = open_db();
	check_int("reopened: query", db_query_info(db, pi.dpi_path, &got,
	    &errstr), 1);
	check_str("reopened: hash", got.dpi_narhash, pi.dpi_narhash);
	db_pathinfo_free(&got);
	db_close(db);

	write_schema("11");
	check_fail("schema 11", db_open(statedir, STOREDIR, &db, &errstr),
	    &errstr, "current Nix store schema is version 11, but I only "
	    "support 10");
	write_schema("9");
	check_fail("schema 9", db_open(statedir, STOREDIR, &db, &errstr),
	    &errstr, "schema version 9 is too old");
	write_schema("10\n");
	check_fail("schema \"10\\n\"", db_open(statedir, STOREDIR, &db,
	    &errstr), &errstr, "is corrupt");
	write_schema("ten");
	check_fail("schema \"ten\"", db_open(statedir, STOREDIR, &db,
	    &errstr), &errstr, "is corrupt");
	write_schema("10");
	db = open_db();
	check_int("schema 10 again", db_is_valid(db, pi.dpi_path, &errstr), 1);
	db_close(db);

	/* A schema file without a database is not a new store (Nix). */
	raw_close();
	(void)snprintf(path, sizeof(path), "%s/db/db.sqlite", statedir);
	if (unlink(path) == -1)
		err(1, "unlink %s", path);
	check_fail("no db.sqlite", db_open(statedir, STOREDIR, &db,
	    &errstr), &errstr, "cannot open SQLite database");
	fresh_state();
}


static void
sql_exec(const char *fmt, ...)
{
	va_list	 ap;
	char	*q;

	va_start(ap, fmt);
	q = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	if (sqlite3_exec(raw, q, NULL, NULL, NULL) != SQLITE_OK)
		errx(1, "raw exec %s: %s", q, sqlite3_errmsg(raw));
	sqlite3_free(q);
}

static const char *
minstr(const char *a, const char *b)
{
	return (strcmp(a, b) < 0 ? a : b);
}

static const char *
maxstr(const char *a, const char *b)
{
	return (strcmp(a, b) < 0 ? b : a);
}

/* A list call that must give exactly the n strings after n. */
static void
check_list(const char *what, int rc, int wantrc, char ***listp, size_t *np,
    size_t wantn, ...)
{
	va_list		 ap;
	char		**list = *listp;
	size_t		 i, n = *np;
	const char	*want;

	check_int(what, rc, wantrc);
	if (n != wantn)
		errx(1, "%s: got %zu entries (first %s), expected %zu", what, n,
		    n > 0 ? list[0] : "-", wantn);
	va_start(ap, wantn);
	for (i = 0; i < n; i++) {
		want = va_arg(ap, const char *);
		check_str(what, list[i], want);
	}
	va_end(ap);
	db_strings_free(list, n);
}

/*
 * Registration and queries.
 */
static void
check_roundtrip_full(struct store_db *db, const struct db_pathinfo *pi,
    const char *self, const char *other)
{
	struct db_pathinfo	 got;
	const char		*errstr;
	char			 want[1024];

	check_int("query full", db_query_info(db, pi->dpi_path, &got,
	    &errstr), 1);
	check_str("path", got.dpi_path, pi->dpi_path);
	check_str("hash", got.dpi_narhash, pi->dpi_narhash);
	check_int("regtime", got.dpi_regtime, 1795596126);
	check_str("deriver", got.dpi_deriver, pi->dpi_deriver);
	check_int("narsize", got.dpi_narsize, 1010);
	check_int("ultimate", got.dpi_ultimate, 1);
	check_str("sigs (a sorted set)", got.dpi_sigs, "k1:sig1 k2:sig2");
	check_str("ca", got.dpi_ca, pi->dpi_ca);
	check_int("nrefs (duplicates dropped)", got.dpi_nrefs, 2);
	check_str("refs[0]", got.dpi_refs[0], minstr(self, other));
	check_str("refs[1]", got.dpi_refs[1], maxstr(self, other));
	db_pathinfo_free(&got);
	(void)snprintf(want, sizeof(want), "%s|1795596126|%s|1010|1|"
	    "k1:sig1 k2:sig2|%s", pi->dpi_narhash, pi->dpi_deriver,
	    pi->dpi_ca);
	check_str("raw row", sql1("select hash, registrationTime, deriver, "
	    "narSize, ultimate, sigs, ca from ValidPaths where path = %Q",
	    pi->dpi_path), want);
	check_str("raw typeof", sql1("select typeof(deriver), "
	    "typeof(narSize), typeof(ultimate), typeof(sigs), typeof(ca), "
	    "typeof(registrationTime) from ValidPaths where path = %Q",
	    pi->dpi_path), "text|integer|integer|text|text|integer");
	check_str("self-reference row", sql1("select count(*) from Refs "
	    "where referrer = reference and referrer = (select id from "
	    "ValidPaths where path = %Q)", pi->dpi_path), "1");
}

static void
check_roundtrip_bare(struct store_db *db, const struct db_pathinfo *pi,
    time_t t0)
{
	struct db_pathinfo	 got;
	const char		*errstr;

	check_int("query bare", db_query_info(db, pi->dpi_path, &got,
	    &errstr), 1);
	check_str("bare deriver", got.dpi_deriver, NULL);
	check_str("bare sigs", got.dpi_sigs, NULL);
	check_str("bare ca", got.dpi_ca, NULL);
	check_int("bare narsize", got.dpi_narsize, 0);
	check_int("bare ultimate", got.dpi_ultimate, 0);
	check_int("bare nrefs", got.dpi_nrefs, 0);
	if (got.dpi_regtime < (uint64_t)t0 ||
	    got.dpi_regtime > (uint64_t)time(NULL))
		errx(1, "bare regtime: got %llu, expected now (%lld)",
		    (unsigned long long)got.dpi_regtime, (long long)t0);
	db_pathinfo_free(&got);
	check_str("bare raw typeof (\"\" and 0 are NULL)", sql1("select "
	    "typeof(deriver), typeof(narSize), typeof(ultimate), "
	    "typeof(sigs), typeof(ca) from ValidPaths where path = %Q",
	    pi->dpi_path), "null|null|null|null|null");

	/* Rows another program wrote: "" deriver, unsorted sigs. */
	sql_exec("update ValidPaths set deriver = '', sigs = 'z:1 a:2  z:1', "
	    "ca = '' where path = %Q", pi->dpi_path);
	check_int("query odd row", db_query_info(db, pi->dpi_path, &got,
	    &errstr), 1);
	check_str("\"\" deriver reads as NULL", got.dpi_deriver, NULL);
	check_str("\"\" ca reads as NULL", got.dpi_ca, NULL);
	check_str("sigs read as a set", got.dpi_sigs, "a:2 z:1");
	db_pathinfo_free(&got);
	sql_exec("update ValidPaths set deriver = NULL, sigs = NULL, "
	    "ca = NULL where path = %Q", pi->dpi_path);
}

static void
test_roundtrip(struct store_db *db, struct db_pathinfo *pi)
{
	struct db_pathinfo	 got;
	const char		*errstr;
	char			**refs, **list;
	size_t			  n;
	time_t			  t0 = time(NULL);

	printf("register/query round trip, NULL conventions\n");
	info_init(&pi[0], mkpath(10, "full"), 10);
	info_init(&pi[1], mkpath(11, "bare"), 11);
	pi[0].dpi_regtime = 1795596126;
	pi[0].dpi_deriver = mkpath(12, "full.drv");
	pi[0].dpi_ultimate = 1;
	pi[0].dpi_sigs = xstrdup("k2:sig2  k1:sig1 k2:sig2");
	pi[0].dpi_ca = xstrdup("fixed:r:sha256:"
	    "04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dqw");
	if ((refs = calloc(3, sizeof(*refs))) == NULL)
		err(1, "calloc");
	keep((char *)refs);
	refs[0] = pi[1].dpi_path;
	refs[1] = pi[0].dpi_path;
	refs[2] = pi[1].dpi_path;
	pi[0].dpi_refs = refs;
	pi[0].dpi_nrefs = 3;
	pi[1].dpi_narsize = 0;
	pi[1].dpi_deriver = xstrdup("");
	pi[1].dpi_sigs = xstrdup(" ");
	pi[1].dpi_ca = xstrdup("");
	register_ok(db, pi, 2);
	check_roundtrip_full(db, &pi[0], pi[0].dpi_path, pi[1].dpi_path);
	check_roundtrip_bare(db, &pi[1], t0);

	check_int("query unknown", db_query_info(db, mkpath(13, "none"),
	    &got, &errstr), 0);
	if (got.dpi_path != NULL || got.dpi_refs != NULL)
		errx(1, "query unknown: info not zeroed");
	check_int("is_valid full", db_is_valid(db, pi[0].dpi_path, &errstr),
	    1);
	check_int("is_valid unknown", db_is_valid(db, mkpath(13, "none"),
	    &errstr), 0);
	check_list("references full", db_query_references(db,
	    pi[0].dpi_path, &list, &n, &errstr), 1, &list, &n, 2,
	    minstr(pi[0].dpi_path, pi[1].dpi_path),
	    maxstr(pi[0].dpi_path, pi[1].dpi_path));
	check_list("references unknown", db_query_references(db,
	    mkpath(13, "none"), &list, &n, &errstr), 0, &list, &n, 0);
	check_list("referrers bare", db_query_referrers(db, pi[1].dpi_path,
	    &list, &n, &errstr), 0, &list, &n, 1, pi[0].dpi_path);
	check_list("referrers full (self)", db_query_referrers(db,
	    pi[0].dpi_path, &list, &n, &errstr), 0, &list, &n, 1,
	    pi[0].dpi_path);
}

static void
test_update(struct store_db *db, const struct db_pathinfo *old)
{
	struct db_pathinfo	 pi, got;
	const char		*errstr;

	printf("update keeps registrationTime and deriver, adds refs\n");
	info_init(&pi, old->dpi_path, 99);
	pi.dpi_regtime = 5;
	pi.dpi_narsize = 77;
	pi.dpi_sigs = xstrdup("new:1");
	pi.dpi_deriver = mkpath(14, "other.drv");
	register_ok(db, &pi, 1);
	check_int("query updated", db_query_info(db, pi.dpi_path, &got,
	    &errstr), 1);
	check_int("regtime kept", got.dpi_regtime, 1795596126);
	check_str("hash updated", got.dpi_narhash, pi.dpi_narhash);
	check_int("narsize updated", got.dpi_narsize, 77);
	check_int("ultimate updated", got.dpi_ultimate, 0);
	check_str("sigs updated", got.dpi_sigs, "new:1");
	check_str("ca updated", got.dpi_ca, NULL);
	check_str("deriver kept (Nix's update leaves it)", got.dpi_deriver,
	    old->dpi_deriver);
	check_int("refs kept", got.dpi_nrefs, 2);
	db_pathinfo_free(&got);
	check_str("updated raw typeof", sql1("select typeof(ultimate), "
	    "typeof(ca) from ValidPaths where path = %Q", pi.dpi_path),
	    "null|null");
	check_str("one row", sql1("select count(*) from ValidPaths where "
	    "path = %Q", pi.dpi_path), "1");
}

static void
check_bad_batch(struct store_db *db, const char *what,
    struct db_pathinfo *pis, size_t n, const struct db_drv_output *outs,
    size_t nouts, const char *want)
{
	const struct db_drv_output	*outv[4] = { outs, NULL, NULL, NULL };
	size_t				 noutv[4] = { nouts, 0, 0, 0 };
	const char			*errstr;
	long long			 before = nvalid();

	check_fail(what, db_register(db, pis, n, outv, noutv, &errstr),
	    &errstr, want);
	check_int("nothing registered", nvalid(), before);
}

static void
test_bad_refs(struct store_db *db, const struct db_pathinfo *full)
{
	struct db_pathinfo	 pi[4];
	struct db_drv_output	 out = { "out", NULL };
	char			*ra[1], *rc[1], *bad[1];

	printf("invalid references, bad input: the whole batch refused\n");
	info_init(&pi[0], mkpath(20, "a"), 20);
	info_init(&pi[1], mkpath(21, "b"), 21);
	info_init(&pi[2], mkpath(22, "c"), 22);
	info_init(&pi[3], full->dpi_path, 23);	/* an update */
	ra[0] = pi[1].dpi_path;
	rc[0] = mkpath(23, "x");
	pi[0].dpi_refs = ra;
	pi[0].dpi_nrefs = 1;
	pi[2].dpi_refs = rc;
	pi[2].dpi_nrefs = 1;
	check_bad_batch(db, "ref to an invalid path", pi, 4, NULL, 0,
	    "path '/nix/store/");
	check_bad_batch(db, "ref to an invalid path", pi, 4, NULL, 0,
	    rc[0]);
	check_bad_batch(db, "ref to an invalid path", pi, 4, NULL, 0,
	    "' is not valid");
	check_str("update rolled back", sql1("select hash from ValidPaths "
	    "where path = %Q", full->dpi_path), mkhash(99));
	pi[2].dpi_nrefs = 0;

	pi[1].dpi_path = xstrdup("/tmp/store/"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-b");
	check_bad_batch(db, "path outside the store", pi, 3, NULL, 0,
	    "is not a valid store path");
	pi[1].dpi_path = mkpath(21, "b");
	pi[1].dpi_narhash = xstrdup("sha256:"
	    "04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dqw");
	check_bad_batch(db, "base32 NAR hash", pi, 3, NULL, 0,
	    "sha256:<base16>");
	pi[1].dpi_narhash = mkhash(21);
	pi[2].dpi_path = pi[0].dpi_path;
	check_bad_batch(db, "path twice", pi, 3, NULL, 0, "given twice");
	pi[2].dpi_path = mkpath(22, "c");
	bad[0] = xstrdup("/nix/store/short-x");
	pi[2].dpi_refs = bad;
	pi[2].dpi_nrefs = 1;
	check_bad_batch(db, "bad reference", pi, 3, NULL, 0,
	    "reference '/nix/store/short-x'");
	pi[2].dpi_nrefs = 0;
	pi[2].dpi_deriver = xstrdup("x.drv");
	check_bad_batch(db, "bad deriver", pi, 3, NULL, 0, "deriver 'x.drv'");
	pi[2].dpi_deriver = NULL;
	pi[2].dpi_ca = xstrdup("fixed:md5");
	check_bad_batch(db, "bad ca", pi, 3, NULL, 0, "ca 'fixed:md5'");
	pi[2].dpi_ca = NULL;
	out.ddo_path = xstrdup("/nix/store/out");
	check_bad_batch(db, "bad output path", pi, 3, &out, 1, "bad output");
	out.ddo_path = mkpath(24, "o");
	out.ddo_name = "";
	check_bad_batch(db, "empty output name", pi, 3, &out, 1,
	    "bad output");
	pi[1].dpi_narsize = (uint64_t)INT64_MAX + 1;
	check_bad_batch(db, "narSize out of range", pi, 3, NULL, 0,
	    "out of range");
	pi[1].dpi_narsize = 0;
	register_ok(db, pi, 3);
	check_int("a, b, c registered", atoll(sql1("select count(*) from "
	    "ValidPaths where path in (%Q, %Q, %Q)", pi[0].dpi_path,
	    pi[1].dpi_path, pi[2].dpi_path)), 3);
}

static void
test_cycles(struct store_db *db)
{
	struct db_pathinfo	 pi[4];
	const char		*a, *b;
	char			 want[512], *r[4][3];
	int			 i;

	printf("cycles refused, self-references and diamonds accepted\n");
	for (i = 0; i < 4; i++)
		info_init(&pi[i], mkpath(30 + i, "cyc"), 30 + i);
	a = minstr(pi[0].dpi_path, pi[1].dpi_path);
	b = maxstr(pi[0].dpi_path, pi[1].dpi_path);
	r[0][0] = pi[1].dpi_path;
	r[0][1] = pi[0].dpi_path;
	r[1][0] = pi[0].dpi_path;
	pi[0].dpi_refs = r[0];
	pi[0].dpi_nrefs = 2;
	pi[1].dpi_refs = r[1];
	pi[1].dpi_nrefs = 1;
	(void)snprintf(want, sizeof(want), "cycle detected in the "
	    "references of '%s' from '%s'", a, b);
	check_bad_batch(db, "two-cycle", pi, 2, NULL, 0, want);

	/* 0 -> 1 -> 2 -> 0, each with a self-reference too. */
	for (i = 0; i < 3; i++) {
		r[i][0] = pi[(i + 1) % 3].dpi_path;
		r[i][1] = pi[i].dpi_path;
		pi[i].dpi_refs = r[i];
		pi[i].dpi_nrefs = 2;
	}
	check_bad_batch(db, "three-cycle", pi, 3, NULL, 0, "cycle detected");

	/* A diamond: 0 -> 1, 0 -> 2, 1 -> 3, 2 -> 3, self-references. */
	r[0][0] = pi[1].dpi_path;
	r[0][1] = pi[2].dpi_path;
	r[0][2] = pi[0].dpi_path;
	pi[0].dpi_nrefs = 3;
	r[1][0] = pi[3].dpi_path;
	r[2][0] = pi[3].dpi_path;
	r[3][0] = pi[3].dpi_path;
	pi[3].dpi_refs = r[3];
	pi[3].dpi_nrefs = 1;
	register_ok(db, pi, 4);
	check_str("self-reference rows", sql1("select count(*) from Refs "
	    "where referrer = reference and referrer in (select id from "
	    "ValidPaths where path like '%%-cyc')"), "4");
}

static void
test_invalidate(struct store_db *db)
{
	struct db_pathinfo	 pi[4];
	const char		*errstr;
	char			 want[512], *r[3][2], yid[32];
	int			 i;

	printf("invalidate: refused with referrers, else cascades Refs\n");
	for (i = 0; i < 4; i++)
		info_init(&pi[i], mkpath(40 + i, "inv"), 40 + i);
	/* 1 -> 0 and self, 2 -> 0; 3 unrelated */
	r[1][0] = pi[0].dpi_path;
	r[1][1] = pi[1].dpi_path;
	r[2][0] = pi[0].dpi_path;
	pi[1].dpi_refs = r[1];
	pi[1].dpi_nrefs = 2;
	pi[2].dpi_refs = r[2];
	pi[2].dpi_nrefs = 1;
	register_ok(db, pi, 4);
	(void)snprintf(want, sizeof(want), "cannot delete path '%s' because "
	    "it is in use by '%s', '%s'", pi[0].dpi_path,
	    minstr(pi[1].dpi_path, pi[2].dpi_path),
	    maxstr(pi[1].dpi_path, pi[2].dpi_path));
	check_fail("invalidate referenced", db_invalidate(db, pi[0].dpi_path,
	    &errstr), &errstr, want);
	check_int("still valid", db_is_valid(db, pi[0].dpi_path, &errstr), 1);
	strlcpy(yid, sql1("select id from ValidPaths where path = %Q",
	    pi[1].dpi_path), sizeof(yid));
	check_int("invalidate self-referencing", db_invalidate(db,
	    pi[1].dpi_path, &errstr), 0);
	check_str("Refs cascaded", sql1("select count(*) from Refs where "
	    "referrer = %s or reference = %s", yid, yid), "0");
	check_int("gone", db_is_valid(db, pi[1].dpi_path, &errstr), 0);
	(void)snprintf(want, sizeof(want), "in use by '%s'", pi[2].dpi_path);
	check_fail("invalidate referenced once", db_invalidate(db,
	    pi[0].dpi_path, &errstr), &errstr, want);
	check_int("invalidate 2", db_invalidate(db, pi[2].dpi_path, &errstr),
	    0);
	check_int("invalidate 0", db_invalidate(db, pi[0].dpi_path, &errstr),
	    0);
	check_int("invalidate not valid", db_invalidate(db, pi[0].dpi_path,
	    &errstr), 0);
	check_int("3 untouched", db_is_valid(db, pi[3].dpi_path, &errstr), 1);
}

static void
test_hashpart(struct store_db *db)
{
	struct db_pathinfo	 pi;
	const char		*errstr;
	char			 hp[STOREPATH_HASH_LEN + 1], *path;
	int			 i;

	printf("hash part lookup, near miss, bad hash parts\n");
	info_init(&pi, mkpath(50, "hp"), 50);
	register_ok(db, &pi, 1);
	memcpy(hp, pi.dpi_path + strlen(STOREDIR) + 1, STOREPATH_HASH_LEN);
	hp[STOREPATH_HASH_LEN] = '\0';
	check_int("lookup", db_query_hashpart(db, hp, &path, &errstr), 1);
	check_str("lookup path", path, pi.dpi_path);
	free(path);

	/* The greatest hash part below hp: "path >= ?" finds pi's path. */
	for (i = STOREPATH_HASH_LEN - 1; hp[i] == '0'; i--)
		hp[i] = 'z';
	hp[i] = b32[strchr(b32, hp[i]) - b32 - 1];
	check_str("near miss reaches the path", sql1("select path from "
	    "ValidPaths where path >= '%q/%q' limit 1", STOREDIR, hp),
	    pi.dpi_path);
	check_int("near miss", db_query_hashpart(db, hp, &path, &errstr), 0);
	check_str("near miss path", path, NULL);
	memset(hp, 'z', STOREPATH_HASH_LEN);
	check_int("past the end", db_query_hashpart(db, hp, &path, &errstr),
	    0);
	hp[5] = 'e';
	check_fail("'e' in a hash part", db_query_hashpart(db, hp, &path,
	    &errstr), &errstr, "invalid hash part");
	hp[5] = 'z';
	hp[31] = '\0';
	check_fail("31 chars", db_query_hashpart(db, hp, &path, &errstr),
	    &errstr, "invalid hash part");
}

static void
test_drv_outputs(struct store_db *db)
{
	struct db_pathinfo		 pi[3];
	struct db_drv_output		 o1[2], o2[1], *got;
	const struct db_drv_output	*outv[3];
	size_t				 noutv[3], n;
	const char			*errstr, *d, *d2;
	char				**list;

	printf("derivers and DerivationOutputs\n");
	info_init(&pi[0], mkpath(60, "x.drv"), 60);
	info_init(&pi[1], mkpath(61, "y.drv"), 61);
	d = pi[0].dpi_path;
	d2 = pi[1].dpi_path;
	o1[0].ddo_name = "out";
	o1[0].ddo_path = mkpath(62, "x");
	o1[1].ddo_name = "dev";
	o1[1].ddo_path = mkpath(63, "x-dev");
	o2[0].ddo_name = "out";
	o2[0].ddo_path = o1[0].ddo_path;
	outv[0] = o1;
	noutv[0] = 2;
	outv[1] = NULL;
	noutv[1] = 5;	/* ignored: no array */
	if (db_register(db, pi, 2, outv, noutv, &errstr) == -1)
		errx(1, "register drv: %s", errstr);
	check_int("drv outputs", db_query_drv_outputs(db, d, &got, &n,
	    &errstr), 1);
	check_int("noutputs", n, 2);
	check_str("output 0 name", got[0].ddo_name, "dev");
	check_str("output 0 path", got[0].ddo_path, o1[1].ddo_path);
	check_str("output 1 name", got[1].ddo_name, "out");
	check_str("output 1 path", got[1].ddo_path, o1[0].ddo_path);
	db_drv_outputs_free(got, n);
	check_list("valid derivers", db_query_valid_derivers(db,
	    o1[0].ddo_path, &list, &n, &errstr), 0, &list, &n, 1, d);

	outv[0] = o2;
	noutv[0] = 1;
	if (db_register(db, &pi[1], 1, outv, noutv, &errstr) == -1)
		errx(1, "register drv 2: %s", errstr);
	check_list("two valid derivers", db_query_valid_derivers(db,
	    o1[0].ddo_path, &list, &n, &errstr), 0, &list, &n, 2,
	    minstr(d, d2), maxstr(d, d2));
	check_int("outputs of an invalid drv", db_query_drv_outputs(db,
	    mkpath(64, "z.drv"), &got, &n, &errstr), 0);
	info_init(&pi[2], o1[0].ddo_path, 62);
	pi[2].dpi_deriver = pi[0].dpi_path;
	register_ok(db, &pi[2], 1);
	check_int("outputs of a non-drv", db_query_drv_outputs(db,
	    o1[0].ddo_path, &got, &n, &errstr), 1);
	check_int("no outputs", n, 0);
	check_int("invalidate drv 2", db_invalidate(db, d2, &errstr), 0);
	check_list("deriver rows cascaded", db_query_valid_derivers(db,
	    o1[0].ddo_path, &list, &n, &errstr), 0, &list, &n, 1, d);
	check_str("DerivationOutputs rows", sql1("select count(*) from "
	    "DerivationOutputs"), "2");
}

static void
test_sigs(struct store_db *db)
{
	struct db_pathinfo	 pi[2];
	const char		*errstr;
	char			*add[3], *bad[1];

	printf("add_sigs: set semantics\n");
	info_init(&pi[0], mkpath(70, "signed"), 70);
	info_init(&pi[1], mkpath(71, "unsigned"), 71);
	pi[0].dpi_sigs = xstrdup("c:3");
	register_ok(db, pi, 2);
	add[0] = "b:2";
	add[1] = "a:1";
	add[2] = "b:2";
	if (db_add_sigs(db, pi[0].dpi_path, add, 3, &errstr) == -1)
		errx(1, "add_sigs: %s", errstr);
	check_str("merged", sql1("select sigs from ValidPaths where "
	    "path = %Q", pi[0].dpi_path), "a:1 b:2 c:3");
	if (db_add_sigs(db, pi[0].dpi_path, &add[1], 1, &errstr) == -1)
		errx(1, "add_sigs again: %s", errstr);
	check_str("no duplicate", sql1("select sigs from ValidPaths where "
	    "path = %Q", pi[0].dpi_path), "a:1 b:2 c:3");
	check_fail("add to invalid", db_add_sigs(db, mkpath(72, "none"), add,
	    1, &errstr), &errstr, "is not valid");
	bad[0] = "x y";
	check_fail("sig with a space", db_add_sigs(db, pi[0].dpi_path, bad,
	    1, &errstr), &errstr, "invalid signature");
	bad[0] = "";
	check_fail("empty sig", db_add_sigs(db, pi[0].dpi_path, bad, 1,
	    &errstr), &errstr, "invalid signature");
	if (db_add_sigs(db, pi[1].dpi_path, add, 0, &errstr) == -1)
		errx(1, "add no sigs: %s", errstr);
	check_str("still NULL", sql1("select typeof(sigs) from ValidPaths "
	    "where path = %Q", pi[1].dpi_path), "null");
	if (db_add_sigs(db, pi[1].dpi_path, add, 1, &errstr) == -1)
		errx(1, "add first sig: %s", errstr);
	check_str("first sig", sql1("select sigs from ValidPaths where "
	    "path = %Q", pi[1].dpi_path), "b:2");
}

static void
test_txn(struct store_db *db)
{
	struct db_pathinfo	 pi[3];
	const char		*errstr;
	char			*bad[1];

	printf("explicit transactions: savepoints inside, rollback\n");
	info_init(&pi[0], mkpath(80, "t"), 80);
	info_init(&pi[1], mkpath(81, "t"), 81);
	info_init(&pi[2], mkpath(82, "t"), 82);
	bad[0] = mkpath(83, "missing");
	pi[1].dpi_refs = bad;
	pi[1].dpi_nrefs = 1;
	if (db_begin(db, &errstr) == -1)
		errx(1, "db_begin: %s", errstr);
	check_fail("nested begin", db_begin(db, &errstr), &errstr,
	    "already open");
	register_ok(db, &pi[0], 1);
	check_fail("failing register inside", db_register(db, &pi[1], 1,
	    NULL, NULL, &errstr), &errstr, "is not valid");
	check_int("earlier register kept", db_is_valid(db, pi[0].dpi_path,
	    &errstr), 1);
	check_int("invalidate inside", db_invalidate(db, pi[0].dpi_path,
	    &errstr), 0);
	register_ok(db, &pi[0], 1);
	if (db_commit(db, &errstr) == -1)
		errx(1, "db_commit: %s", errstr);
	check_str("committed", sql1("select count(*) from ValidPaths where "
	    "path in (%Q, %Q)", pi[0].dpi_path, pi[1].dpi_path), "1");
	check_fail("commit without begin", db_commit(db, &errstr), &errstr,
	    "no transaction");

	if (db_begin(db, &errstr) == -1)
		errx(1, "db_begin: %s", errstr);
	register_ok(db, &pi[2], 1);
	check_int("invalidate in rollback", db_invalidate(db, pi[0].dpi_path,
	    &errstr), 0);
	db_rollback(db);
	check_int("rolled back add", db_is_valid(db, pi[2].dpi_path, &errstr),
	    0);
	check_int("rolled back invalidate", db_is_valid(db, pi[0].dpi_path,
	    &errstr), 1);
}

/*
 * The graph, on a fresh store: L -> O (and self), O's deriver D, D's
 * outputs O and an invalid one.
 */
static void
test_graph(struct store_db *db)
{
	struct db_pathinfo	 pi[4];
	struct db_drv_output	 outs[2];
	const struct db_drv_output *outv[4] = { NULL, NULL, NULL, NULL };
	size_t			 noutv[4] = { 0, 0, 0, 0 };
	struct db_graph		 g;
	struct db_graph_node	*nl, *no, *nd, *nx;
	const char		*errstr;
	char			*rl[2];
	size_t			 il, io, id, ix;

	printf("the reference graph\n");
	info_init(&pi[0], mkpath(90, "l"), 90);
	info_init(&pi[1], mkpath(91, "o"), 91);
	info_init(&pi[2], mkpath(92, "o.drv"), 92);
	info_init(&pi[3], mkpath(93, "x"), 93);
	rl[0] = pi[1].dpi_path;
	rl[1] = pi[0].dpi_path;
	pi[0].dpi_refs = rl;
	pi[0].dpi_nrefs = 2;
	pi[1].dpi_deriver = pi[2].dpi_path;
	pi[3].dpi_deriver = mkpath(94, "gone.drv");
	outs[0].ddo_name = "out";
	outs[0].ddo_path = pi[1].dpi_path;
	outs[1].ddo_name = "doc";
	outs[1].ddo_path = mkpath(95, "o-doc");
	outv[2] = outs;
	noutv[2] = 2;
	if (db_register(db, pi, 4, outv, noutv, &errstr) == -1)
		errx(1, "register: %s", errstr);
	if (db_query_graph(db, &g, &errstr) == -1)
		errx(1, "db_query_graph: %s", errstr);
	check_int("nodes", g.dg_nnodes, 4);
	il = db_graph_find(&g, pi[0].dpi_path);
	io = db_graph_find(&g, pi[1].dpi_path);
	id = db_graph_find(&g, pi[2].dpi_path);
	ix = db_graph_find(&g, pi[3].dpi_path);
	if (il == DB_GRAPH_NONE || io == DB_GRAPH_NONE ||
	    id == DB_GRAPH_NONE || ix == DB_GRAPH_NONE)
		errx(1, "db_graph_find: a path is missing");
	check_int("find unknown", db_graph_find(&g, outs[1].ddo_path) ==
	    DB_GRAPH_NONE, 1);
	nl = &g.dg_nodes[il];
	no = &g.dg_nodes[io];
	nd = &g.dg_nodes[id];
	nx = &g.dg_nodes[ix];
	check_int("L nrefs", nl->dgn_nrefs, 2);
	check_int("L refs[0]", nl->dgn_refs[0], il < io ? il : io);
	check_int("L refs[1]", nl->dgn_refs[1], il < io ? io : il);
	check_int("O nreferrers", no->dgn_nreferrers, 1);
	check_int("O referrer", no->dgn_referrers[0], il);
	check_int("L nreferrers (self)", nl->dgn_nreferrers, 1);
	check_int("O deriver", no->dgn_deriver, id);
	check_int("X deriver (not valid)", nx->dgn_deriver == DB_GRAPH_NONE,
	    1);
	check_int("D noutputs (valid only)", nd->dgn_noutputs, 1);
	check_int("D output", nd->dgn_outputs[0], io);
	check_int("O nderivers", no->dgn_nderivers, 1);
	check_int("O deriver via outputs", no->dgn_derivers[0], id);
	check_int("X nrefs", nx->dgn_nrefs, 0);
	db_graph_free(&g);
}

/*
 * 10000 paths in one batch, each referring to itself and up to three
 * earlier ones (a chain 10000 deep for the cycle check), then every
 * query over all of them.
 */
static void
large_register(struct store_db *db, struct db_pathinfo *pi, char ***refs)
{
	const char	*errstr;
	double		 t;
	size_t		 i;

	for (i = 0; i < NLARGE; i++) {
		info_init(&pi[i], mkpath(1000 + i, "large"), i);
		if ((refs[i] = calloc(4, sizeof(char *))) == NULL)
			err(1, "calloc");
		keep((char *)refs[i]);
		refs[i][pi[i].dpi_nrefs++] = pi[i].dpi_path;
		if (i >= 1)
			refs[i][pi[i].dpi_nrefs++] = pi[i - 1].dpi_path;
		if (i >= 7)
			refs[i][pi[i].dpi_nrefs++] = pi[i - 7].dpi_path;
		if (i >= 100)
			refs[i][pi[i].dpi_nrefs++] = pi[i - 100].dpi_path;
		pi[i].dpi_refs = refs[i];
	}
	t = now();
	if (db_register(db, pi, NLARGE, NULL, NULL, &errstr) == -1)
		errx(1, "register %d paths: %s", NLARGE, errstr);
	printf("  registered %d paths in %.3f s\n", NLARGE, now() - t);
}

static void
large_check_graph(const struct db_graph *g, const struct db_pathinfo *pi)
{
	const struct db_graph_node	*node;
	size_t				 i, k, nrefs = 0, nreferrers = 0;

	check_int("graph nodes", g->dg_nnodes, NLARGE);
	for (i = 0; i < g->dg_nnodes; i++) {
		node = &g->dg_nodes[i];
		nrefs += node->dgn_nrefs;
		nreferrers += node->dgn_nreferrers;
		for (k = 1; k < node->dgn_nrefs; k++)
			if (node->dgn_refs[k - 1] >= node->dgn_refs[k])
				errx(1, "graph refs of %zu not ascending", i);
		if (i > 0 && strcmp(g->dg_nodes[i - 1].dgn_path,
		    node->dgn_path) >= 0)
			errx(1, "graph nodes not sorted at %zu", i);
	}
	for (i = 0, k = 0; i < NLARGE; i++)
		k += pi[i].dpi_nrefs;
	check_int("graph edges", nrefs, k);
	check_int("graph reverse edges", nreferrers, k);
	node = &g->dg_nodes[db_graph_find(g, pi[NLARGE - 1].dpi_path)];
	check_int("last path's referrers (self)", node->dgn_nreferrers, 1);
	check_int("last path's refs", node->dgn_nrefs, 4);
}

static void
test_large(struct store_db *db)
{
	struct db_pathinfo	*pi, got;
	struct db_graph		 g;
	const char		*errstr;
	char			***refs, **list, *path;
	size_t			 i, n;
	uint64_t		 scans;
	double			 t;

	printf("a store of %d paths\n", NLARGE);
	if ((pi = calloc(NLARGE, sizeof(*pi))) == NULL ||
	    (refs = calloc(NLARGE, sizeof(*refs))) == NULL)
		err(1, "calloc");
	large_register(db, pi, refs);
	(void)db_fullscan_steps(db);
	t = now();
	for (i = 0; i < NLARGE; i++) {
		if (db_query_info(db, pi[i].dpi_path, &got, &errstr) != 1)
			errx(1, "query %zu: %s", i, errstr);
		check_int("large nrefs", got.dpi_nrefs, pi[i].dpi_nrefs);
		db_pathinfo_free(&got);
		if (db_query_hashpart(db, pi[i].dpi_path + strlen(STOREDIR) +
		    1 + 0, &path, &errstr) != -1)
			errx(1, "a full base name passed as hash part");
		path = keep(strndup(pi[i].dpi_path + strlen(STOREDIR) + 1,
		    STOREPATH_HASH_LEN));
		if (db_query_hashpart(db, path, &path, &errstr) != 1)
			errx(1, "hash part %zu not found", i);
		check_str("large hash part", path, pi[i].dpi_path);
		free(path);
	}
	/*
	 * Every lookup goes through an index: a plan that scans a table
	 * steps through about NLARGE / 2 rows a lookup, 10^8 in all.
	 * Counted, not timed, so that a loaded machine cannot fail it.
	 */
	scans = db_fullscan_steps(db);
	printf("  %d infos and hash parts: %.3f s, %llu rows scanned\n",
	    NLARGE, now() - t, (unsigned long long)scans);
	if (scans != 0)
		errx(1, "lookups scanned %llu rows, expected none",
		    (unsigned long long)scans);
	if (db_query_all(db, &list, &n, &errstr) == -1)
		errx(1, "db_query_all: %s", errstr);
	check_int("query_all", n, NLARGE);
	for (i = 1; i < n; i++)
		if (strcmp(list[i - 1], list[i]) >= 0)
			errx(1, "query_all not sorted at %zu", i);
	db_strings_free(list, n);
	if (db_query_graph(db, &g, &errstr) == -1)
		errx(1, "db_query_graph: %s", errstr);
	t = now() - t;
	printf("  and all paths, graph: %.3f s\n", t);
	large_check_graph(&g, pi);
	db_graph_free(&g);
	check_fail("invalidate the first", db_invalidate(db, pi[0].dpi_path,
	    &errstr), &errstr, "because it is in use by");
	check_int("invalidate the last", db_invalidate(db,
	    pi[NLARGE - 1].dpi_path, &errstr), 0);
	free(pi);
	free(refs);
}

int
main(void)
{
	struct store_db		*db;
	struct db_pathinfo	 rt[2];
	char			 cmd[PATH_MAX + 16];

	setvbuf(stdout, NULL, _IOLBF, 0);
	strlcpy(topdir, "/tmp/rnixd-storedb.XXXXXX", sizeof(topdir));
	if (mkdtemp(topdir) == NULL)
		err(1, "mkdtemp");
	printf("scratch: %s\n", topdir);
	(void)snprintf(statedir, sizeof(statedir), "%s/var/nix", topdir);
	(void)snprintf(dbfile, sizeof(dbfile), "%s/db/db.sqlite", statedir);

	test_create();
	test_schema_versions();
	db = open_db();
	sqlite3_busy_timeout(raw, 10000);
	test_roundtrip(db, rt);
	test_update(db, &rt[0]);
	test_bad_refs(db, &rt[0]);
	test_cycles(db);
	test_invalidate(db);
	test_hashpart(db);
	test_drv_outputs(db);
	test_sigs(db);
	test_txn(db);
	db_close(db);
	fresh_state();
	db = open_db();
	test_graph(db);
	db_close(db);
	fresh_state();
	db = open_db();
	test_large(db);
	db_close(db);
	raw_close();

	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", topdir);
	if (system(cmd) != 0)
		errx(1, "%s failed", cmd);
	arena_free();
	printf("ok\n");
	return (0);
}
