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
 * Queries: path info, validity, referrers, derivers, hash parts,
 * derivation outputs, what a build would need (QUERY_MISSING), and the
 * two small writes that go with them (ENSURE, ADD_SIGS).  Each is
 * answered at once from the database and, for QUERY_MISSING, the .drv
 * files in the store.
 */
#include <stdlib.h>
#include <string.h>

#include "drv.h"
#include "log.h"
#include "storepath.h"
#include "storeproc.h"
#include "store_db.h"

static void
query_db_error(uint32_t sid, const char *errstr)
{
	log_warnx("database: %s", errstr);
	store_reply_error(sid, "%s", errstr);
}

void
store_handle_query_info(struct imsg *imsg)
{
	struct db_pathinfo	 dpi;
	struct wire_path_info	 pi;
	const char		*errstr;
	char			*path;
	uint32_t		 sid = imsg_get_peerid(imsg);
	int			 rc;

	if ((path = store_recv_path(imsg)) == NULL)
		return;
	memset(&dpi, 0, sizeof(dpi));
	memset(&pi, 0, sizeof(pi));
	if ((rc = db_query_info(store_env.se_db, path, &dpi, &errstr)) == -1)
		query_db_error(sid, errstr);
	else if (rc == 0)
		msg_send_info(store_env.se_builder, sid, 0, &pi);
	else {
		if (store_info_to_wire(&dpi, &pi) == -1)
			fatal("%s", __func__);
		msg_send_info(store_env.se_builder, sid, 1, &pi);
		wire_path_info_free(&pi);
		db_pathinfo_free(&dpi);
	}
	free(path);
}

void
store_handle_query_valid(struct imsg *imsg)
{
	const char	*errstr;
	char		**paths, **valid;
	size_t		 npaths, nvalid = 0, i;
	uint32_t	 sid = imsg_get_peerid(imsg);
	int		 rc, txn;

	if (msg_recv_paths(imsg, store_env.se_storedir, 0, &paths, &npaths,
	    &errstr) == -1) {
		store_bad_request(imsg, errstr);
		return;
	}
	if ((valid = calloc(npaths + 1, sizeof(*valid))) == NULL)
		fatal("%s", __func__);
	/* One snapshot and one WAL read lock for the lot (-1: failed). */
	rc = txn = db_read_begin(store_env.se_db, &errstr);
	for (i = 0; i < npaths && rc != -1; i++)
		if ((rc = store_is_valid(paths[i], &errstr)) == 1)
			valid[nvalid++] = paths[i];
	db_read_end(store_env.se_db, txn);
	if (rc == -1)
		query_db_error(sid, errstr);
	else
		msg_send_paths(store_env.se_builder, IMSG_STORE_PATHS, sid,
		    valid, nvalid);
	free(valid);
	wire_strings_free(paths, npaths);
}

/* A list from the database as STORE_PATHS, or the database's error. */
static void
query_reply_paths(uint32_t sid, int rc, char **paths, size_t npaths,
    const char *errstr)
{
	if (rc == -1)
		query_db_error(sid, errstr);
	else if (npaths > MSG_PATHS_MAX)
		store_reply_error(sid, "too many paths (%zu) for one reply",
		    npaths);
	else
		msg_send_paths(store_env.se_builder, IMSG_STORE_PATHS, sid,
		    paths, npaths);
	if (rc != -1)
		db_strings_free(paths, npaths);
}

void
store_handle_query_all(struct imsg *imsg)
{
	const char	*errstr;
	char		**paths = NULL;
	size_t		 npaths = 0;
	int		 rc;

	if (msg_recv_empty(imsg, &errstr) == -1) {
		store_bad_request(imsg, errstr);
		return;
	}
	rc = db_query_all(store_env.se_db, &paths, &npaths, &errstr);
	query_reply_paths(imsg_get_peerid(imsg), rc, paths, npaths, errstr);
}

/* A path in, the paths a query of the database gives for it out. */
static void
query_path_paths(struct imsg *imsg, int (*query)(struct store_db *,
    const char *, char ***, size_t *, const char **))
{
	const char	*errstr;
	char		*path, **paths = NULL;
	size_t		 npaths = 0;
	int		 rc;

	if ((path = store_recv_path(imsg)) == NULL)
		return;
	rc = query(store_env.se_db, path, &paths, &npaths, &errstr);
	query_reply_paths(imsg_get_peerid(imsg), rc, paths, npaths, errstr);
	free(path);
}

void
store_handle_query_referrers(struct imsg *imsg)
{
	query_path_paths(imsg, db_query_referrers);
}

void
store_handle_query_derivers(struct imsg *imsg)
{
	query_path_paths(imsg, db_query_valid_derivers);
}

void
store_handle_query_hashpart(struct imsg *imsg)
{
	const char	*errstr;
	char		*hashpart, *path = NULL;
	uint32_t	 sid = imsg_get_peerid(imsg);

	if (msg_recv_text(imsg, STOREPATH_HASH_LEN, &hashpart,
	    &errstr) == -1) {
		store_bad_request(imsg, errstr);
		return;
	}
	if (strlen(hashpart) != STOREPATH_HASH_LEN ||
	    storepath_check_hashpart(hashpart, STOREPATH_HASH_LEN) == -1)
		store_reply_error(sid, "invalid hash part");
	else if (db_query_hashpart(store_env.se_db, hashpart, &path,
	    &errstr) == -1)
		query_db_error(sid, errstr);
	else
		msg_send_paths(store_env.se_builder, IMSG_STORE_PATHS, sid,
		    &path, path != NULL);
	free(path);
	free(hashpart);
}

/* Nix's InvalidPath error; 1 when valid, 0 after the error reply. */
static int
query_need_valid(uint32_t sid, const char *path)
{
	const char	*errstr;
	int		 rc;

	if ((rc = store_is_valid(path, &errstr)) == -1)
		query_db_error(sid, errstr);
	else if (rc == 0)
		store_reply_error(sid, "path '%s' is not valid", path);
	return (rc == 1);
}

/* QueryDerivationOutputMap: the DerivationOutputs rows, as Nix. */
void
store_handle_query_outputs(struct imsg *imsg)
{
	struct db_drv_output	*outs = NULL;
	struct msg_output	*mo;
	const char		*errstr;
	char			*path;
	size_t			 nouts = 0, i;
	uint32_t		 sid = imsg_get_peerid(imsg);

	if ((path = store_recv_path(imsg)) == NULL)
		return;
	if (!query_need_valid(sid, path)) {
		free(path);
		return;
	}
	if (db_query_drv_outputs(store_env.se_db, path, &outs, &nouts,
	    &errstr) == -1) {
		query_db_error(sid, errstr);
		free(path);
		return;
	}
	if ((mo = calloc(nouts + 1, sizeof(*mo))) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < nouts; i++) {
		mo[i].mo_name = outs[i].ddo_name;
		mo[i].mo_path = outs[i].ddo_path;
	}
	msg_send_outputs(store_env.se_builder, sid, mo, nouts);
	free(mo);
	db_drv_outputs_free(outs, nouts);
	free(path);
}

/*
 * EnsurePath: rnixd has no substituters, so a path is either valid
 * already or cannot be made so; the text is Nix's for that case.
 */
void
store_handle_ensure(struct imsg *imsg)
{
	const char	*errstr;
	char		*path;
	uint32_t	 sid = imsg_get_peerid(imsg);
	int		 rc;

	if ((path = store_recv_path(imsg)) == NULL)
		return;
	if ((rc = store_is_valid(path, &errstr)) == -1)
		query_db_error(sid, errstr);
	else if (rc == 0)
		store_reply_error(sid, "path '%s' does not exist and cannot "
		    "be created", path);
	else
		store_reply_ok(sid);
	free(path);
}

void
store_handle_add_sigs(struct imsg *imsg)
{
	const char	*errstr;
	char		*path, **sigs;
	size_t		 nsigs;
	uint32_t	 sid = imsg_get_peerid(imsg);

	if (msg_recv_add_sigs(imsg, store_env.se_storedir, &path, &sigs,
	    &nsigs, &errstr) == -1) {
		store_bad_request(imsg, errstr);
		return;
	}
	if (query_need_valid(sid, path)) {
		if (db_add_sigs(store_env.se_db, path, sigs, nsigs,
		    &errstr) == -1)
			query_db_error(sid, errstr);
		else
			store_reply_ok(sid);
	}
	wire_strings_free(sigs, nsigs);
	free(path);
}

/*
 * QueryMissing without substituters, as Nix 2.8's queryMissing: an
 * invalid opaque path or an invalid .drv is unknown; a valid .drv
 * whose wanted outputs are not all valid must be built, and so must
 * the same in its inputs, recursively.
 */
/* Path infos sent ahead of a QueryMissing reply, at most. */
#define MISSING_HINTS_MAX	4096

struct missing {
	struct pathset	  ms_done;
	struct pathset	  ms_build;
	struct pathset	  ms_unknown;
	char		**ms_todo;
	size_t		  ms_ntodo;
	size_t		  ms_cap;
};

static void
missing_push(struct missing *ms, const char *drvpath, char *const *outs,
    size_t nouts)
{
	char	*s;
	size_t	 len, i;

	len = strlen(drvpath) + 2;
	for (i = 0; i < nouts; i++)
		len += strlen(outs[i]) + 1;
	if ((s = calloc(1, len)) == NULL)
		fatal("%s", __func__);
	strlcpy(s, drvpath, len);
	strlcat(s, "!", len);
	for (i = 0; i < nouts; i++) {
		if (i > 0)
			strlcat(s, ",", len);
		strlcat(s, outs[i], len);
	}
	if (nouts == 0)
		strlcat(s, "*", len);
	if (ms->ms_ntodo == ms->ms_cap) {
		ms->ms_cap = ms->ms_cap * 2 + 16;
		if ((ms->ms_todo = reallocarray(ms->ms_todo, ms->ms_cap,
		    sizeof(*ms->ms_todo))) == NULL)
			fatal("%s", __func__);
	}
	ms->ms_todo[ms->ms_ntodo++] = s;
}

/* Is name among the comma-separated wanted outputs ("*": all)? */
static int
missing_wanted(const char *wanted, const char *name)
{
	size_t	len = strlen(name);

	if (strcmp(wanted, "*") == 0)
		return (1);
	while (*wanted != '\0') {
		if (strncmp(wanted, name, len) == 0 &&
		    (wanted[len] == ',' || wanted[len] == '\0'))
			return (1);
		if ((wanted = strchr(wanted, ',')) == NULL)
			break;
		wanted++;
	}
	return (0);
}

/* 1 if some wanted output of a valid drv is not valid. */
static int
missing_outputs_invalid(const char *drvpath, const char *wanted,
    const char **errstr)
{
	struct db_drv_output	*outs;
	size_t			 nouts, i;
	int			 rc = 0;

	if (db_query_drv_outputs(store_env.se_db, drvpath, &outs, &nouts,
	    errstr) == -1)
		return (-1);
	for (i = 0; rc == 0 && i < nouts; i++) {
		if (!missing_wanted(wanted, outs[i].ddo_name))
			continue;
		if ((rc = store_is_valid(outs[i].ddo_path, errstr)) != -1)
			rc = !rc;
	}
	db_drv_outputs_free(outs, nouts);
	return (rc);
}

static int
missing_visit(struct missing *ms, char *req, const char **errstr)
{
	struct drv	*d;
	char		*bang;
	size_t		 i;
	int		 rc;

	if (!pathset_add(&ms->ms_done, req))
		return (0);
	if ((bang = strchr(req, '!')) != NULL)
		*bang++ = '\0';
	if ((rc = store_is_valid(req, errstr)) == -1)
		return (-1);
	if (rc == 0) {
		pathset_add(&ms->ms_unknown, req);
		return (0);
	}
	if (bang == NULL)
		return (0);
	if ((rc = missing_outputs_invalid(req, bang, errstr)) != 1)
		return (rc);
	if (store_load_drv(NULL, req, &d, errstr) == -1)
		return (-1);
	pathset_add(&ms->ms_build, req);
	for (i = 0; i < d->d_ninputs; i++)
		missing_push(ms, d->d_inputs[i].di_path,
		    d->d_inputs[i].di_outputs, d->d_inputs[i].di_noutputs);
	drv_free(d);
	return (0);
}

/*
 * A client asks QueryMissing of the paths it is about to look at (nix
 * path-info, nix copy do): builderproc gets the info of the valid ones
 * before the reply, for its cache, and answers the QueryPathInfo calls
 * that follow without asking here.  Only plain paths, only so many.
 */
static void
missing_hint(char *const *paths, size_t npaths)
{
	struct db_pathinfo	 dpi;
	struct wire_path_info	 pi;
	const char		*errstr;
	size_t			 i;

	for (i = 0; i < npaths && i < MISSING_HINTS_MAX; i++) {
		if (strchr(paths[i], '!') != NULL)
			continue;
		memset(&dpi, 0, sizeof(dpi));
		if (db_query_info(store_env.se_db, paths[i], &dpi,
		    &errstr) != 1)
			continue;
		memset(&pi, 0, sizeof(pi));
		if (store_info_to_wire(&dpi, &pi) == -1)
			fatal("%s", __func__);
		msg_send_info_hint(store_env.se_builder, &pi);
		wire_path_info_free(&pi);
		db_pathinfo_free(&dpi);
	}
}

static void
missing_reply(uint32_t sid, struct missing *ms)
{
	struct msg_missing	mm;

	memset(&mm, 0, sizeof(mm));
	mm.mm_will_build = pathset_array(&ms->ms_build, &mm.mm_nwill_build);
	mm.mm_unknown = pathset_array(&ms->ms_unknown, &mm.mm_nunknown);
	if ((mm.mm_will_substitute = calloc(1, sizeof(char *))) == NULL)
		fatal("%s", __func__);
	if (mm.mm_nwill_build > MSG_PATHS_MAX ||
	    mm.mm_nunknown > MSG_PATHS_MAX)
		store_reply_error(sid, "too many paths for one reply");
	else
		msg_send_missing(store_env.se_builder, sid, &mm);
	wire_strings_free(mm.mm_will_build, mm.mm_nwill_build);
	wire_strings_free(mm.mm_unknown, mm.mm_nunknown);
	free(mm.mm_will_substitute);
}

void
store_handle_query_missing(struct imsg *imsg)
{
	struct missing	 ms;
	const char	*errstr;
	char		**paths, *req;
	size_t		 npaths, i;
	uint32_t	 sid = imsg_get_peerid(imsg);
	int		 rc = 0, txn;

	if (msg_recv_paths(imsg, store_env.se_storedir, 1, &paths, &npaths,
	    &errstr) == -1) {
		store_bad_request(imsg, errstr);
		return;
	}
	memset(&ms, 0, sizeof(ms));
	pathset_init(&ms.ms_done);
	pathset_init(&ms.ms_build);
	pathset_init(&ms.ms_unknown);
	/* Hundreds of lookups: one snapshot, one WAL read lock. */
	if ((txn = db_read_begin(store_env.se_db, &errstr)) == -1)
		rc = -1;
	else
		missing_hint(paths, npaths);
	for (i = 0; rc == 0 && i < npaths; i++)
		rc = missing_visit(&ms, paths[i], &errstr);
	while (rc == 0 && ms.ms_ntodo > 0) {
		req = ms.ms_todo[--ms.ms_ntodo];
		rc = missing_visit(&ms, req, &errstr);
		free(req);
	}
	db_read_end(store_env.se_db, txn);
	if (rc == -1)
		store_reply_error(sid, "%s", errstr);
	else
		missing_reply(sid, &ms);
	while (ms.ms_ntodo > 0)
		free(ms.ms_todo[--ms.ms_ntodo]);
	free(ms.ms_todo);
	pathset_clear(&ms.ms_done);
	pathset_clear(&ms.ms_build);
	pathset_clear(&ms.ms_unknown);
	wire_strings_free(paths, npaths);
}
