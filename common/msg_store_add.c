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
 * The builderproc <-> storeproc messages that change the store:
 * uploads, signatures, garbage collection and verification
 * (msg_store.h), over msg.h's builder and reader.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "msg.h"
#include "msg_store.h"

static int	msg_get_add(struct msg_in *, struct msg_add *);

/* STORE_ADD: name, method, refs, repair; the stream comes on the fd. */

int
msg_parse_method(const char *method, enum ca_kind *kind,
    enum ca_method *how, enum hash_algo *algo, const char **errstr)
{
	const char	*p;

	if (strcmp(method, "text:sha256") == 0) {
		*kind = CA_TEXT;
		*how = CA_FLAT;
		*algo = HASH_SHA256;
		return (0);
	}
	if (strncmp(method, "fixed:", 6) != 0) {
		*errstr = "content address method is not 'text:sha256' or "
		    "'fixed:[r:]<algo>'";
		return (-1);
	}
	p = method + 6;
	*how = CA_FLAT;
	if (strncmp(p, "r:", 2) == 0) {
		*how = CA_RECURSIVE;
		p += 2;
	}
	if (hash_algo_parse(p, algo) == -1) {
		*errstr = "unknown hash algorithm in content address method";
		return (-1);
	}
	*kind = CA_FIXED;
	return (0);
}

int
msg_send_add(struct imsgbuf *ib, uint32_t sid, const struct msg_add *ma,
    int fd)
{
	struct msg	m;

	msg_open(&m, ib, IMSG_STORE_ADD, sid, fd);
	msg_put_str(&m, ma->ma_name);
	msg_put_str(&m, ma->ma_method);
	msg_put_strs(&m, ma->ma_refs, ma->ma_nrefs, MSG_PATHS_MAX);
	msg_put_flag(&m, ma->ma_repair);
	return (msg_close(&m));
}

static int
msg_get_add(struct msg_in *in, struct msg_add *ma)
{
	enum ca_kind	 kind;
	enum ca_method	 how;
	enum hash_algo	 algo;
	const char	*why;

	if (msg_get_str(in, &ma->ma_name, MSG_NAME_MAX) == -1)
		return (-1);
	if (storepath_check_name(ma->ma_name, &why) == -1)
		return (msg_fail(in, why));
	if (msg_get_str(in, &ma->ma_method, MSG_METHOD_MAX) == -1)
		return (-1);
	if (msg_parse_method(ma->ma_method, &kind, &how, &algo,
	    &why) == -1)
		return (msg_fail(in, why));
	if (msg_get_storepaths(in, &ma->ma_refs, &ma->ma_nrefs,
	    MSG_PATHS_MAX) == -1)
		return (-1);
	return (msg_get_flag(in, &ma->ma_repair));
}

int
msg_recv_add(struct imsg *imsg, const char *storedir, struct msg_add *ma,
    int *fd, const char **errstr)
{
	struct msg_in	in;
	struct msg_add	new;

	memset(&new, 0, sizeof(new));
	if (msg_begin(imsg, &in, 1) == 0) {
		in.mi_storedir = storedir;
		(void)msg_get_add(&in, &new);
	}
	if (msg_end(&in, errstr) == -1) {
		msg_add_free(&new);
		return (-1);
	}
	*ma = new;
	*fd = in.mi_fd;
	return (0);
}

void
msg_add_free(struct msg_add *ma)
{
	free(ma->ma_name);
	free(ma->ma_method);
	wire_strings_free(ma->ma_refs, ma->ma_nrefs);
	memset(ma, 0, sizeof(*ma));
}

/* STORE_ADD_NAR: claimed path info and flags; the NAR on the fd. */

int
msg_send_add_nar(struct imsgbuf *ib, uint32_t sid,
    const struct msg_add_nar *man, int fd)
{
	struct msg	m;

	msg_open(&m, ib, IMSG_STORE_ADD_NAR, sid, fd);
	msg_limit(&m, man->man_info.pi_nrefs, MSG_PATHS_MAX);
	msg_put_path_info(&m, &man->man_info);
	msg_put_flag(&m, man->man_repair);
	msg_put_flag(&m, man->man_dont_check_sigs);
	msg_put_flag(&m, man->man_trusted);
	return (msg_close(&m));
}

int
msg_recv_add_nar(struct imsg *imsg, const char *storedir,
    struct msg_add_nar *man, int *fd, const char **errstr)
{
	struct msg_in		in;
	struct msg_add_nar	new;

	memset(&new, 0, sizeof(new));
	if (msg_begin(imsg, &in, 1) == 0) {
		in.mi_storedir = storedir;
		(void)msg_get_path_info(&in, &new.man_info, MSG_PATHS_MAX);
		(void)msg_get_flag(&in, &new.man_repair);
		(void)msg_get_flag(&in, &new.man_dont_check_sigs);
		(void)msg_get_flag(&in, &new.man_trusted);
	}
	if (msg_end(&in, errstr) == -1) {
		msg_add_nar_free(&new);
		return (-1);
	}
	*man = new;
	*fd = in.mi_fd;
	return (0);
}

void
msg_add_nar_free(struct msg_add_nar *man)
{
	wire_path_info_free(&man->man_info);
	memset(man, 0, sizeof(*man));
}

/* STORE_GC: action, paths to delete, ignoreLiveness, maxFreed. */

int
msg_send_gc(struct imsgbuf *ib, uint32_t sid, const struct msg_gc *mg)
{
	struct msg	m;

	msg_open(&m, ib, IMSG_STORE_GC, sid, -1);
	msg_put_u64(&m, mg->mg_action);
	msg_put_strs(&m, mg->mg_paths, mg->mg_npaths, MSG_PATHS_MAX);
	msg_put_flag(&m, mg->mg_ignore_liveness);
	msg_put_u64(&m, mg->mg_max_freed);
	return (msg_close(&m));
}

int
msg_recv_gc(struct imsg *imsg, const char *storedir, struct msg_gc *mg,
    const char **errstr)
{
	struct msg_in	in;
	struct msg_gc	new;

	memset(&new, 0, sizeof(new));
	(void)msg_begin(imsg, &in, 0);
	in.mi_storedir = storedir;
	/* returnLive, returnDead, deleteDead, deleteSpecific */
	if (msg_get_u64(&in, &new.mg_action) == 0 && new.mg_action > 3)
		(void)msg_fail(&in, "invalid garbage collector action");
	(void)msg_get_storepaths(&in, &new.mg_paths, &new.mg_npaths,
	    MSG_PATHS_MAX);
	(void)msg_get_flag(&in, &new.mg_ignore_liveness);
	(void)msg_get_u64(&in, &new.mg_max_freed);
	if (msg_end(&in, errstr) == -1) {
		msg_gc_free(&new);
		return (-1);
	}
	*mg = new;
	return (0);
}

void
msg_gc_free(struct msg_gc *mg)
{
	wire_strings_free(mg->mg_paths, mg->mg_npaths);
	memset(mg, 0, sizeof(*mg));
}

/* STORE_GC_RESULT: the paths deleted (or live, or dead), bytes freed. */

void
msg_send_gc_result(struct imsgbuf *ib, uint32_t sid,
    const struct msg_gc_result *mgr)
{
	struct msg	m;

	msg_open(&m, ib, IMSG_STORE_GC_RESULT, sid, -1);
	msg_put_strs(&m, mgr->mgr_paths, mgr->mgr_npaths, MSG_PATHS_MAX);
	msg_put_u64(&m, mgr->mgr_bytes_freed);
	(void)msg_close(&m);
}

int
msg_recv_gc_result(struct imsg *imsg, const char *storedir,
    struct msg_gc_result *mgr, const char **errstr)
{
	struct msg_in		in;
	struct msg_gc_result	new;

	memset(&new, 0, sizeof(new));
	(void)msg_begin(imsg, &in, 0);
	in.mi_storedir = storedir;
	(void)msg_get_storepaths(&in, &new.mgr_paths, &new.mgr_npaths,
	    MSG_PATHS_MAX);
	(void)msg_get_u64(&in, &new.mgr_bytes_freed);
	if (msg_end(&in, errstr) == -1) {
		msg_gc_result_free(&new);
		return (-1);
	}
	*mgr = new;
	return (0);
}

void
msg_gc_result_free(struct msg_gc_result *mgr)
{
	wire_strings_free(mgr->mgr_paths, mgr->mgr_npaths);
	memset(mgr, 0, sizeof(*mgr));
}

/* STORE_ADD_SIGS: a store path and signatures. */

int
msg_send_add_sigs(struct imsgbuf *ib, uint32_t sid, const char *path,
    char *const *sigs, size_t nsigs)
{
	struct msg	m;

	msg_open(&m, ib, IMSG_STORE_ADD_SIGS, sid, -1);
	msg_put_str(&m, path);
	msg_put_strs(&m, sigs, nsigs, WIRE_SIGS_MAX);
	return (msg_close(&m));
}

int
msg_recv_add_sigs(struct imsg *imsg, const char *storedir, char **path,
    char ***sigs, size_t *nsigs, const char **errstr)
{
	struct msg_in	  in;
	char		 *p = NULL, **items = NULL;
	size_t		  nitems = 0;

	(void)msg_begin(imsg, &in, 0);
	in.mi_storedir = storedir;
	(void)msg_get_storepath(&in, &p);
	(void)msg_get_strs(&in, &items, &nitems, WIRE_SIGS_MAX, WIRE_SIG_MAX);
	if (msg_end(&in, errstr) == -1) {
		free(p);
		wire_strings_free(items, nitems);
		return (-1);
	}
	*path = p;
	*sigs = items;
	*nsigs = nitems;
	return (0);
}

/*
 * STORE_VERIFY: two flags.  STORE_VERIFY_RESULT: whether errors were
 * found, and the derivations to rebuild in repair mode.
 */


void
msg_send_verify(struct imsgbuf *ib, uint32_t sid, int check_contents,
    int repair)
{
	struct msg	m;

	msg_open(&m, ib, IMSG_STORE_VERIFY, sid, -1);
	msg_put_flag(&m, check_contents);
	msg_put_flag(&m, repair);
	if (msg_close(&m) == -1)
		fatalx("%s: channel too small", __func__);
}

int
msg_recv_verify(struct imsg *imsg, int *check_contents, int *repair,
    const char **errstr)
{
	struct msg_in	in;
	int		check = 0, rep = 0;

	(void)msg_begin(imsg, &in, 0);
	(void)msg_get_flag(&in, &check);
	(void)msg_get_flag(&in, &rep);
	if (msg_end(&in, errstr) == -1)
		return (-1);
	*check_contents = check;
	*repair = rep;
	return (0);
}

void
msg_send_verify_result(struct imsgbuf *ib, uint32_t sid, int errors_found,
    char *const *drvs, size_t ndrvs)
{
	struct msg	m;

	msg_open(&m, ib, IMSG_STORE_VERIFY_RESULT, sid, -1);
	msg_put_flag(&m, errors_found);
	msg_put_strs(&m, drvs, ndrvs, MSG_PATHS_MAX);
	if (m.m_out.wo_error) {
		/* Too many to repair at once: say so, repair none. */
		wire_out_reset(&m.m_out);
		msg_put_flag(&m, 1);
		msg_put_strs(&m, NULL, 0, MSG_PATHS_MAX);
	}
	(void)msg_close(&m);
}

int
msg_recv_verify_result(struct imsg *imsg, const char *storedir,
    int *errors_found, char ***drvs, size_t *ndrvs, const char **errstr)
{
	struct msg_in	  in;
	char		**paths = NULL;
	size_t		  npaths = 0, i, len;
	int		  found = 0;

	(void)msg_begin(imsg, &in, 0);
	in.mi_storedir = storedir;
	(void)msg_get_flag(&in, &found);
	if (msg_get_storepaths(&in, &paths, &npaths, MSG_PATHS_MAX) == 0)
		for (i = 0; i < npaths; i++) {
			len = strlen(paths[i]);
			if (len < 4 ||
			    strcmp(paths[i] + len - 4, ".drv") != 0) {
				(void)msg_fail(&in,
				    "path is not a derivation");
				break;
			}
		}
	if (msg_end(&in, errstr) == -1) {
		wire_strings_free(paths, npaths);
		return (-1);
	}
	*errors_found = found;
	*drvs = paths;
	*ndrvs = npaths;
	return (0);
}
