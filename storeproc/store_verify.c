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
 * VerifyStore, after Nix 2.8's LocalStore::verifyStore: every valid
 * path must exist (a missing one without valid referrers is dropped
 * from the database, as Nix does), and with checkContents every valid
 * path's NAR hash must match the database.  Findings go to the client
 * as log lines in Nix's words; the reply says whether any was an error.
 * With repair, as Nix's repairPath does once substitution failed (rnixd
 * has no substituters), a broken path is rebuilt from its deriver: the
 * reply names the valid derivers, and builderproc builds them in repair
 * mode.  A broken path without a valid deriver cannot be repaired.
 *
 * This runs to completion in one go: hashing a large store keeps
 * storeproc busy for as long, which suits an operation only an
 * administrator runs.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "log.h"
#include "storepath.h"
#include "storeproc.h"
#include "store_db.h"

struct verify {
	uint32_t	vf_sid;
	int		vf_repair;
	struct pathset	vf_derivers;	/* to rebuild in repair mode */
	struct pathset	vf_present;	/* store dir entries */
	struct pathset	vf_done;
	struct pathset	vf_valid;	/* checked to exist */
	int		vf_errors;
};

static int
verify_read_store(struct verify *vf)
{
	DIR		*dir;
	struct dirent	*de;
	int		 fd;

	if ((fd = openat(store_env.se_storefd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return (-1);
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return (-1);
	}
	while ((de = readdir(dir)) != NULL)
		pathset_add(&vf->vf_present, de->d_name);
	closedir(dir);
	return (0);
}

/*
 * Repair path by rebuilding its deriver, if it has a valid one; else
 * it cannot be repaired (no substituters) and that is an error.
 */
static void
verify_repair(struct verify *vf, const char *path)
{
	struct db_pathinfo	 dpi;
	const char		*errstr;
	int			 ok = 0;

	memset(&dpi, 0, sizeof(dpi));
	if (db_query_info(store_env.se_db, path, &dpi, &errstr) == 1 &&
	    dpi.dpi_deriver != NULL && dpi.dpi_deriver[0] != '\0' &&
	    store_is_valid(dpi.dpi_deriver, &errstr) == 1) {
		pathset_add(&vf->vf_derivers, dpi.dpi_deriver);
		ok = 1;
	}
	if (!ok) {
		store_log(vf->vf_sid, "\x1b[31;1merror:\x1b[0m cannot repair "
		    "path '%s'", path);
		vf->vf_errors = 1;
	}
	db_pathinfo_free(&dpi);
}

/* Nix's verifyPath: a missing path's referrers are looked at first. */
static void
verify_path(struct verify *vf, const char *path, int depth)
{
	const char	*errstr;
	char		**refs;
	size_t		 nrefs, i;
	int		 invalidate = 1;

	if (!pathset_add(&vf->vf_done, path))
		return;
	if (pathset_has(&vf->vf_present, store_base(path))) {
		pathset_add(&vf->vf_valid, path);
		return;
	}
	if (db_query_referrers(store_env.se_db, path, &refs, &nrefs,
	    &errstr) == -1) {
		log_warnx("database: %s", errstr);
		vf->vf_errors = 1;
		return;
	}
	for (i = 0; i < nrefs; i++) {
		if (strcmp(refs[i], path) == 0)
			continue;
		if (depth < 10000)
			verify_path(vf, refs[i], depth + 1);
		if (pathset_has(&vf->vf_valid, refs[i]))
			invalidate = 0;
	}
	db_strings_free(refs, nrefs);
	if (!invalidate) {
		store_log(vf->vf_sid, "path '%s' disappeared, but it still has "
		    "valid referrers!", path);
		if (vf->vf_repair)
			verify_repair(vf, path);
		else
			vf->vf_errors = 1;
		return;
	}
	store_log(vf->vf_sid, "path '%s' disappeared, removing from "
	    "database...", path);
	if (db_invalidate(store_env.se_db, path, &errstr) == -1) {
		store_log(vf->vf_sid, "%s", errstr);
		vf->vf_errors = 1;
	}
}

static void
verify_contents(struct verify *vf, const char *path)
{
	struct db_pathinfo	 dpi;
	struct hash		 want, got;
	const char		*errstr;
	char			 w[HASH_STR_MAX], g[HASH_STR_MAX];
	uint64_t		 size;

	memset(&dpi, 0, sizeof(dpi));
	if (db_query_info(store_env.se_db, path, &dpi, &errstr) != 1)
		return;
	if (hash_parse(dpi.dpi_narhash, NULL, &want, &errstr) == -1) {
		store_log(vf->vf_sid, "path '%s' has a bad hash in the "
		    "database: %s", path, errstr);
		vf->vf_errors = 1;
	} else if (store_nar_hash(store_env.se_storefd, store_base(path),
	    want.h_algo, &got, &size, &errstr) == -1) {
		store_log(vf->vf_sid, "%s", errstr);
		vf->vf_errors = 1;
	} else if (got.h_len != want.h_len ||
	    memcmp(got.h_bytes, want.h_bytes, got.h_len) != 0) {
		hash_format(&want, HASH_ENC_BASE32, 1, w, sizeof(w));
		hash_format(&got, HASH_ENC_BASE32, 1, g, sizeof(g));
		store_log(vf->vf_sid, "path '%s' was modified! expected hash "
		    "'%s', got '%s'", path, w, g);
		if (vf->vf_repair)
			verify_repair(vf, path);
		else
			vf->vf_errors = 1;
	}
	db_pathinfo_free(&dpi);
}

static void
verify_run(struct verify *vf, int check_contents)
{
	struct pathset_node	*pn;
	const char		*errstr;
	char			**all, **drvs;
	size_t			 nall, i, ndrvs;

	store_log(vf->vf_sid, "reading the Nix store...");
	if (verify_read_store(vf) == -1) {
		store_reply_error(vf->vf_sid, "cannot read '%s'",
		    store_env.se_storedir);
		return;
	}
	store_log(vf->vf_sid, "checking path existence...");
	if (db_query_all(store_env.se_db, &all, &nall, &errstr) == -1) {
		store_reply_error(vf->vf_sid, "%s", errstr);
		return;
	}
	for (i = 0; i < nall; i++)
		verify_path(vf, all[i], 0);
	db_strings_free(all, nall);
	if (check_contents) {
		store_log(vf->vf_sid, "checking link hashes...");
		store_log(vf->vf_sid, "checking store hashes...");
		RB_FOREACH(pn, pathset, &vf->vf_valid)
			verify_contents(vf, pn->pn_path);
	}
	drvs = pathset_array(&vf->vf_derivers, &ndrvs);
	msg_send_verify_result(store_env.se_builder, vf->vf_sid,
	    vf->vf_errors, drvs, ndrvs);
	wire_strings_free(drvs, ndrvs);
}

void
store_handle_verify(struct imsg *imsg)
{
	struct verify	 vf;
	const char	*errstr;
	int		 check_contents, repair;

	if (msg_recv_verify(imsg, &check_contents, &repair, &errstr) == -1) {
		store_bad_request(imsg, errstr);
		return;
	}
	memset(&vf, 0, sizeof(vf));
	vf.vf_sid = imsg_get_peerid(imsg);
	vf.vf_repair = repair;
	pathset_init(&vf.vf_derivers);
	pathset_init(&vf.vf_present);
	pathset_init(&vf.vf_done);
	pathset_init(&vf.vf_valid);
	verify_run(&vf, check_contents);
	pathset_clear(&vf.vf_present);
	pathset_clear(&vf.vf_done);
	pathset_clear(&vf.vf_valid);
	pathset_clear(&vf.vf_derivers);
}

/* Is path valid, and does its NAR hash as the database says? */
static int
verify_intact(const char *path)
{
	struct db_pathinfo	 dpi;
	struct hash		 want, got;
	const char		*errstr;
	uint64_t		 size;
	int			 ok = 0;

	memset(&dpi, 0, sizeof(dpi));
	if (db_query_info(store_env.se_db, path, &dpi, &errstr) != 1)
		return (0);
	if (hash_parse(dpi.dpi_narhash, NULL, &want, &errstr) == 0 &&
	    store_nar_hash(store_env.se_storefd, store_base(path),
	    want.h_algo, &got, &size, &errstr) == 0 &&
	    got.h_len == want.h_len &&
	    memcmp(got.h_bytes, want.h_bytes, got.h_len) == 0)
		ok = 1;
	db_pathinfo_free(&dpi);
	return (ok);
}

/*
 * QUERY_INTACT: the paths that are valid and unchanged, for a build in
 * repair mode (Nix's pathContentsGood).  Hashing takes as long as the
 * outputs are large; only trusted clients may repair.
 */
void
store_handle_query_intact(struct imsg *imsg)
{
	const char	*errstr;
	char		**paths, **good;
	size_t		 npaths, ngood = 0, i;

	if (msg_recv_paths(imsg, store_env.se_storedir, 0, &paths, &npaths,
	    &errstr) == -1) {
		store_bad_request(imsg, errstr);
		return;
	}
	if ((good = calloc(npaths + 1, sizeof(*good))) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < npaths; i++)
		if (verify_intact(paths[i]))
			good[ngood++] = paths[i];
	msg_send_paths(store_env.se_builder, IMSG_STORE_PATHS,
	    imsg_get_peerid(imsg), good, ngood);
	free(good);
	wire_strings_free(paths, npaths);
}
