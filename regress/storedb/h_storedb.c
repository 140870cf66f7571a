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
 * Helper for nixcompat.sh, on a store database through store_db.c:
 *	h_storedb dump STATEDIR STOREDIR	every valid path, as below
 *	h_storedb register STATEDIR STOREDIR	register the blocks on stdin
 * The format, one block per path, blocks ended by an empty line, lists
 * sorted, "-" for none:
 *	path P / narHash sha256:<base16> / narSize N / deriver D / ca C /
 *	ultimate 0|1 / sigs S / regtime T / ref R... / referrer R... /
 *	output NAME PATH... / validDeriver D...
 * register reads the same (referrer and validDeriver lines ignored) and
 * registers every block in one db_register call.  Errors go to stderr
 * with exit status 1.
 */
/* link: storeproc/store_db.c */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../storeproc/store_db.h"

struct spec {
	struct db_pathinfo	 *sp_infos;
	struct db_drv_output	**sp_outs;
	size_t			 *sp_nouts;
	size_t			  sp_n;
};

static void	usage(void) __attribute__((__noreturn__));
static const char *orminus(const char *);
static void	dump_lists(struct store_db *, const char *);
static void	dump_path(struct store_db *, const char *);
static int	cmd_dump(struct store_db *);
static char	*xstrdup(const char *);
static void	spec_line(struct spec *, char *);
static void	spec_read(struct spec *, FILE *);
static int	cmd_register(struct store_db *);

static void
usage(void)
{
	fprintf(stderr, "usage: h_storedb dump|register statedir storedir\n");
	exit(2);
}

static const char *
orminus(const char *s)
{
	return (s == NULL ? "-" : s);
}

static void
dump_lists(struct store_db *db, const char *path)
{
	struct db_drv_output	*outs;
	const char		*errstr;
	char			**list;
	size_t			  n, i;

	if (db_query_referrers(db, path, &list, &n, &errstr) == -1)
		errx(1, "referrers %s: %s", path, errstr);
	for (i = 0; i < n; i++)
		printf("referrer %s\n", list[i]);
	db_strings_free(list, n);
	if (db_query_drv_outputs(db, path, &outs, &n, &errstr) != 1)
		errx(1, "outputs %s: %s", path, errstr);
	for (i = 0; i < n; i++)
		printf("output %s %s\n", outs[i].ddo_name, outs[i].ddo_path);
	db_drv_outputs_free(outs, n);
	if (db_query_valid_derivers(db, path, &list, &n, &errstr) == -1)
		errx(1, "valid derivers %s: %s", path, errstr);
	for (i = 0; i < n; i++)
		printf("validDeriver %s\n", list[i]);
	db_strings_free(list, n);
}

static void
dump_path(struct store_db *db, const char *path)
{
	struct db_pathinfo	 pi;
	const char		*errstr, *slash;
	char			*hashpart, *found;
	size_t			 i;

	if (db_query_info(db, path, &pi, &errstr) != 1)
		errx(1, "query %s: %s", path, errstr);
	printf("path %s\nnarHash %s\nnarSize %llu\nderiver %s\nca %s\n"
	    "ultimate %d\nsigs %s\nregtime %llu\n", pi.dpi_path,
	    pi.dpi_narhash, (unsigned long long)pi.dpi_narsize,
	    orminus(pi.dpi_deriver), orminus(pi.dpi_ca), pi.dpi_ultimate,
	    orminus(pi.dpi_sigs), (unsigned long long)pi.dpi_regtime);
	for (i = 0; i < pi.dpi_nrefs; i++)
		printf("ref %s\n", pi.dpi_refs[i]);
	dump_lists(db, path);
	printf("\n");
	/* The hash part must lead back to the path. */
	slash = strrchr(path, '/');
	if (slash == NULL || strlen(slash + 1) < 32)
		errx(1, "odd path %s", path);
	if ((hashpart = strndup(slash + 1, 32)) == NULL)
		err(1, "strndup");
	if (db_query_hashpart(db, hashpart, &found, &errstr) != 1)
		errx(1, "hash part of %s not found", path);
	if (strcmp(found, path) != 0)
		errx(1, "hash part of %s gives %s", path, found);
	free(hashpart);
	free(found);
	db_pathinfo_free(&pi);
}

static int
cmd_dump(struct store_db *db)
{
	const char	*errstr;
	char		**list;
	size_t		  n, i;

	if (db_query_all(db, &list, &n, &errstr) == -1)
		errx(1, "query all: %s", errstr);
	for (i = 0; i < n; i++)
		dump_path(db, list[i]);
	db_strings_free(list, n);
	return (0);
}

static char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		err(1, "strdup");
	return (p);
}

/* One "key value" line into the last block. */
static void
spec_line(struct spec *sp, char *line)
{
	struct db_pathinfo	*pi = &sp->sp_infos[sp->sp_n - 1];
	struct db_drv_output	*out;
	char			*val, *sp2;

	if ((val = strchr(line, ' ')) == NULL)
		errx(1, "bad line: %s", line);
	*val++ = '\0';
	if (strcmp(val, "-") == 0 || strcmp(line, "referrer") == 0 ||
	    strcmp(line, "validDeriver") == 0)
		return;
	if (strcmp(line, "path") == 0)
		pi->dpi_path = xstrdup(val);
	else if (strcmp(line, "narHash") == 0)
		pi->dpi_narhash = xstrdup(val);
	else if (strcmp(line, "narSize") == 0)
		pi->dpi_narsize = strtoull(val, NULL, 10);
	else if (strcmp(line, "regtime") == 0)
		pi->dpi_regtime = strtoull(val, NULL, 10);
	else if (strcmp(line, "ultimate") == 0)
		pi->dpi_ultimate = atoi(val);
	else if (strcmp(line, "deriver") == 0)
		pi->dpi_deriver = xstrdup(val);
	else if (strcmp(line, "ca") == 0)
		pi->dpi_ca = xstrdup(val);
	else if (strcmp(line, "sigs") == 0)
		pi->dpi_sigs = xstrdup(val);
	else if (strcmp(line, "ref") == 0) {
		pi->dpi_refs = reallocarray(pi->dpi_refs, pi->dpi_nrefs + 1,
		    sizeof(*pi->dpi_refs));
		if (pi->dpi_refs == NULL)
			err(1, "reallocarray");
		pi->dpi_refs[pi->dpi_nrefs++] = xstrdup(val);
	} else if (strcmp(line, "output") == 0) {
		if ((sp2 = strchr(val, ' ')) == NULL)
			errx(1, "bad output line: %s", val);
		*sp2++ = '\0';
		out = reallocarray(sp->sp_outs[sp->sp_n - 1],
		    sp->sp_nouts[sp->sp_n - 1] + 1, sizeof(*out));
		if (out == NULL)
			err(1, "reallocarray");
		sp->sp_outs[sp->sp_n - 1] = out;
		out += sp->sp_nouts[sp->sp_n - 1]++;
		out->ddo_name = xstrdup(val);
		out->ddo_path = xstrdup(sp2);
	} else
		errx(1, "unknown key %s", line);
}

static void
spec_read(struct spec *sp, FILE *f)
{
	char	*line = NULL;
	size_t	 cap = 0;
	ssize_t	 len;
	int	 inblock = 0;

	while ((len = getline(&line, &cap, f)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0) {
			inblock = 0;
			continue;
		}
		if (!inblock) {
			sp->sp_n++;
			sp->sp_infos = reallocarray(sp->sp_infos, sp->sp_n,
			    sizeof(*sp->sp_infos));
			sp->sp_outs = reallocarray(sp->sp_outs, sp->sp_n,
			    sizeof(*sp->sp_outs));
			sp->sp_nouts = reallocarray(sp->sp_nouts, sp->sp_n,
			    sizeof(*sp->sp_nouts));
			if (sp->sp_infos == NULL || sp->sp_outs == NULL ||
			    sp->sp_nouts == NULL)
				err(1, "reallocarray");
			memset(&sp->sp_infos[sp->sp_n - 1], 0,
			    sizeof(*sp->sp_infos));
			sp->sp_outs[sp->sp_n - 1] = NULL;
			sp->sp_nouts[sp->sp_n - 1] = 0;
			inblock = 1;
		}
		spec_line(sp, line);
	}
	free(line);
}

static int
cmd_register(struct store_db *db)
{
	struct spec	 sp;
	const char	*errstr;
	size_t		 i;

	memset(&sp, 0, sizeof(sp));
	spec_read(&sp, stdin);
	if (db_register(db, sp.sp_infos, sp.sp_n,
	    (const struct db_drv_output *const *)sp.sp_outs, sp.sp_nouts,
	    &errstr) == -1)
		errx(1, "register: %s", errstr);
	printf("registered %zu paths\n", sp.sp_n);
	for (i = 0; i < sp.sp_n; i++) {
		db_drv_outputs_free(sp.sp_outs[i], sp.sp_nouts[i]);
		db_pathinfo_free(&sp.sp_infos[i]);
	}
	free(sp.sp_infos);
	free(sp.sp_outs);
	free(sp.sp_nouts);
	return (0);
}

int
main(int argc, char *argv[])
{
	struct store_db	*db;
	const char	*errstr;
	int		 rc;

	if (argc != 4)
		usage();
	if (db_open(argv[2], argv[3], &db, &errstr) == -1)
		errx(1, "db_open: %s", errstr);
	if (strcmp(argv[1], "dump") == 0)
		rc = cmd_dump(db);
	else if (strcmp(argv[1], "register") == 0)
		rc = cmd_register(db);
	else
		usage();
	db_close(db);
	return (rc);
}
