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
 * The builderproc <-> storeproc messages of a build's end: the
 * outputs to register (with the build root's store dir fd) and the
 * result (msg_store.h), over msg.h's builder and reader.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "msg_store.h"

static int	msg_check_fixed(const char *, const char *);
static int	msg_get_build_output(struct msg_in *, void *);
static void	msg_free_build_output(void *);
static void	msg_put_checks(struct msg *, const struct outcheck *, size_t);
static int	msg_get_check(struct msg_in *, const struct msg_build *,
		    struct outcheck *);
static int	msg_get_checks(struct msg_in *, struct msg_build *);
static int	msg_get_build(struct msg_in *, struct msg_build *);
static int	msg_get_built(struct msg_in *, void *);
static void	msg_free_built(void *);
static int	msg_get_build_result(struct msg_in *,
		    struct msg_build_result *);

/*
 * STORE_BUILD_OUTPUTS: drv, id, uid, outputs, candidates, mode,
 * keep-failed, checks; + dirfd.  A check: output name, flags, maxSize,
 * maxClosureSize, the four lists of specifiers, the error text ("" for
 * none).
 */

static void
msg_put_checks(struct msg *m, const struct outcheck *checks, size_t nchecks)
{
	const struct outcheck	*oc;
	size_t			 i, l;

	msg_limit(m, nchecks, MSG_OUTPUTS_MAX);
	msg_put_u64(m, nchecks);
	for (i = 0; i < nchecks && !m->m_out.wo_error; i++) {
		oc = &checks[i];
		msg_put_str(m, oc->oc_output);
		msg_put_u64(m, oc->oc_flags);
		msg_put_u64(m, oc->oc_maxsize);
		msg_put_u64(m, oc->oc_maxclosure);
		for (l = 0; l < OC_NLISTS; l++)
			msg_put_strs(m, oc->oc_specs[l], oc->oc_nspecs[l],
			    OC_SPECS_MAX);
		msg_put_opt(m, oc->oc_error);
	}
}

int
msg_send_build_outputs(struct imsgbuf *ib, uint32_t sid,
    const struct msg_build *mb, int dirfd)
{
	struct msg			 m;
	const struct msg_build_output	*o;
	size_t				 i;

	msg_open(&m, ib, IMSG_STORE_BUILD_OUTPUTS, sid, dirfd);
	msg_limit(&m, mb->mb_noutputs, MSG_OUTPUTS_MAX);
	msg_put_str(&m, mb->mb_drv);
	msg_put_u64(&m, mb->mb_id);
	msg_put_u64(&m, mb->mb_uid);
	msg_put_u64(&m, mb->mb_noutputs);
	for (i = 0; i < mb->mb_noutputs; i++) {
		o = &mb->mb_outputs[i];
		msg_put_str(&m, o->mbo_name);
		msg_put_str(&m, o->mbo_path);
		msg_put_str(&m, o->mbo_algo);
		msg_put_str(&m, o->mbo_hash);
	}
	msg_put_strs(&m, mb->mb_refs, mb->mb_nrefs, MSG_PATHS_MAX);
	msg_put_u64(&m, mb->mb_mode);
	msg_put_flag(&m, mb->mb_keep_failed);
	msg_put_checks(&m, mb->mb_checks, mb->mb_nchecks);
	return (msg_close(&m));
}

/* "" and "", or "[r:]<algo>" and a base16 digest of that algo. */
static int
msg_check_fixed(const char *algo, const char *hash)
{
	struct hash	 h;
	enum hash_algo	 a;
	const char	*why;

	if (algo[0] == '\0' && hash[0] == '\0')
		return (0);
	if (strncmp(algo, "r:", 2) == 0)
		algo += 2;
	if (hash_algo_parse(algo, &a) == -1)
		return (-1);
	if (strlen(hash) != 2 * hash_algo_len(a) ||
	    hash_parse_digest(hash, strlen(hash), a, &h, &why) == -1)
		return (-2);
	return (0);
}

static int
msg_get_build_output(struct msg_in *in, void *item)
{
	struct msg_build_output	*o = item;
	int			 r;

	if (msg_get_output_name(in, &o->mbo_name) == -1 ||
	    msg_get_storepath(in, &o->mbo_path) == -1 ||
	    msg_get_str(in, &o->mbo_algo, MSG_METHOD_MAX) == -1 ||
	    msg_get_str(in, &o->mbo_hash, MSG_HASH_MAX) == -1)
		return (-1);
	if ((r = msg_check_fixed(o->mbo_algo, o->mbo_hash)) == -1)
		return (msg_fail(in,
		    "unknown hash algorithm of a fixed output"));
	if (r == -2)
		return (msg_fail(in, "invalid hash of a fixed output"));
	return (0);
}

static void
msg_free_build_output(void *item)
{
	struct msg_build_output	*o = item;

	free(o->mbo_name);
	free(o->mbo_path);
	free(o->mbo_algo);
	free(o->mbo_hash);
}

/* One check: for an output of the build, lists only where flagged. */
static int
msg_get_check(struct msg_in *in, const struct msg_build *mb,
    struct outcheck *oc)
{
	uint64_t	flags;
	size_t		i, l, found = 0;

	if (msg_get_str(in, &oc->oc_output, MSG_NAME_MAX) == -1 ||
	    msg_get_u64(in, &flags) == -1 ||
	    msg_get_u64(in, &oc->oc_maxsize) == -1 ||
	    msg_get_u64(in, &oc->oc_maxclosure) == -1)
		return (-1);
	for (i = 0; i < mb->mb_noutputs; i++)
		found += strcmp(mb->mb_outputs[i].mbo_name,
		    oc->oc_output) == 0;
	if (found != 1)
		return (msg_fail(in, "a check of no output"));
	if ((flags & ~(uint64_t)OC_F_ALL) != 0)
		return (msg_fail(in, "unknown check flags"));
	oc->oc_flags = (unsigned int)flags;
	for (l = 0; l < OC_NLISTS; l++) {
		if (msg_get_strs(in, &oc->oc_specs[l], &oc->oc_nspecs[l],
		    OC_SPECS_MAX, OC_SPEC_MAX) == -1)
			return (-1);
		if (oc->oc_nspecs[l] > 0 && !(flags & OC_F_LIST(l)))
			return (msg_fail(in,
			    "specifiers of a list not given"));
	}
	if (msg_get_str(in, &oc->oc_error, OC_ERROR_MAX) == -1)
		return (-1);
	if (oc->oc_error[0] == '\0') {
		free(oc->oc_error);
		oc->oc_error = NULL;
	}
	return (0);
}

/*
 * The checks, at most one per output.  Every check takes at least 64
 * bytes, so a count the payload cannot hold is refused before
 * anything is allocated.
 */
static int
msg_get_checks(struct msg_in *in, struct msg_build *mb)
{
	uint64_t	n, i, j;

	if (msg_get_u64(in, &n) == -1)
		return (-1);
	if (n > mb->mb_noutputs)
		return (msg_fail(in, MSG_TOO_MANY));
	if (n > (in->mi_in.wi_len - in->mi_in.wi_off) / 64)
		return (msg_fail(in, MSG_TRUNCATED));
	if (n > 0 && (mb->mb_checks = calloc(n,
	    sizeof(*mb->mb_checks))) == NULL)
		return (msg_fail(in, "out of memory"));
	for (i = 0; i < n; i++) {
		mb->mb_nchecks++;
		if (msg_get_check(in, mb, &mb->mb_checks[i]) == -1)
			return (-1);
		for (j = 0; j < i; j++)
			if (strcmp(mb->mb_checks[j].oc_output,
			    mb->mb_checks[i].oc_output) == 0)
				return (msg_fail(in, "duplicate check"));
	}
	return (0);
}

static int
msg_get_build(struct msg_in *in, struct msg_build *mb)
{
	uint64_t	 uid, mode, i, j;
	size_t		 len;
	void		*items;

	if (msg_get_storepath(in, &mb->mb_drv) == -1)
		return (-1);
	len = strlen(mb->mb_drv);
	if (len < 4 || strcmp(mb->mb_drv + len - 4, ".drv") != 0)
		return (msg_fail(in, "path is not a derivation"));
	if (msg_get_u64(in, &mb->mb_id) == -1 ||
	    msg_get_u64(in, &uid) == -1)
		return (-1);
	if (uid > UINT32_MAX - 1)
		return (msg_fail(in, "invalid build user"));
	mb->mb_uid = (uint32_t)uid;
	if (msg_get_array(in, sizeof(*mb->mb_outputs), MSG_OUTPUTS_MAX,
	    msg_get_build_output, msg_free_build_output, &items,
	    &mb->mb_noutputs) == -1)
		return (-1);
	mb->mb_outputs = items;
	if (mb->mb_noutputs == 0)
		return (msg_fail(in, "a build without outputs"));
	for (i = 0; i < mb->mb_noutputs; i++)
		for (j = 0; j < i; j++)
			if (strcmp(mb->mb_outputs[j].mbo_name,
			    mb->mb_outputs[i].mbo_name) == 0 ||
			    strcmp(mb->mb_outputs[j].mbo_path,
			    mb->mb_outputs[i].mbo_path) == 0)
				return (msg_fail(in, "duplicate output"));
	if (msg_get_storepaths(in, &mb->mb_refs, &mb->mb_nrefs,
	    MSG_PATHS_MAX) == -1 || msg_get_u64(in, &mode) == -1)
		return (-1);
	if (mode > WIRE_BUILD_CHECK)
		return (msg_fail(in, "invalid build mode"));
	mb->mb_mode = (uint32_t)mode;
	if (msg_get_flag(in, &mb->mb_keep_failed) == -1)
		return (-1);
	return (msg_get_checks(in, mb));
}

int
msg_recv_build_outputs(struct imsg *imsg, const char *storedir,
    struct msg_build *mb, int *dirfd, const char **errstr)
{
	struct msg_in		in;
	struct msg_build	new;

	memset(&new, 0, sizeof(new));
	if (msg_begin(imsg, &in, 1) == 0) {
		in.mi_storedir = storedir;
		(void)msg_get_build(&in, &new);
	}
	if (msg_end(&in, errstr) == -1) {
		msg_build_free(&new);
		return (-1);
	}
	*mb = new;
	*dirfd = in.mi_fd;
	return (0);
}

void
msg_build_free(struct msg_build *mb)
{
	free(mb->mb_drv);
	msg_array_free(mb->mb_outputs, mb->mb_noutputs,
	    sizeof(*mb->mb_outputs), msg_free_build_output);
	wire_strings_free(mb->mb_refs, mb->mb_nrefs);
	outcheck_free(mb->mb_checks, mb->mb_nchecks);
	memset(mb, 0, sizeof(*mb));
}

/*
 * STORE_BUILD_RESULT: 0, the error, the mismatch flag, the
 * not-deterministic flag (check mode); or 1, a count
 * and (output name, path info with path) pairs.
 */

void
msg_send_build_result(struct imsgbuf *ib, uint32_t sid,
    const struct msg_build_result *mbr)
{
	struct msg	m;
	size_t		i;

	msg_open(&m, ib, IMSG_STORE_BUILD_RESULT, sid, -1);
	msg_put_flag(&m, mbr->mbr_error == NULL);
	if (mbr->mbr_error != NULL) {
		msg_put_text(&m, mbr->mbr_error, MSG_ERROR_MAX);
		msg_put_flag(&m, mbr->mbr_hash_mismatch);
		msg_put_flag(&m, mbr->mbr_not_det);
		(void)msg_close(&m);
		return;
	}
	msg_limit(&m, mbr->mbr_noutputs, MSG_OUTPUTS_MAX);
	msg_put_u64(&m, mbr->mbr_noutputs);
	for (i = 0; i < mbr->mbr_noutputs; i++) {
		msg_limit(&m, mbr->mbr_outputs[i].mbt_info.pi_nrefs,
		    MSG_PATHS_MAX);
		msg_put_str(&m, mbr->mbr_outputs[i].mbt_name);
		msg_put_path_info(&m, &mbr->mbr_outputs[i].mbt_info);
	}
	(void)msg_close(&m);
}

static int
msg_get_built(struct msg_in *in, void *item)
{
	struct msg_built	*mbt = item;

	if (msg_get_output_name(in, &mbt->mbt_name) == -1)
		return (-1);
	return (msg_get_path_info(in, &mbt->mbt_info, MSG_PATHS_MAX));
}

static void
msg_free_built(void *item)
{
	struct msg_built	*mbt = item;

	free(mbt->mbt_name);
	wire_path_info_free(&mbt->mbt_info);
}

static int
msg_get_build_result(struct msg_in *in, struct msg_build_result *mbr)
{
	void	*outputs;
	int	 ok;

	if (msg_get_flag(in, &ok) == -1)
		return (-1);
	if (!ok) {
		if (msg_get_str(in, &mbr->mbr_error, MSG_ERROR_MAX) == -1)
			return (-1);
		if (msg_get_flag(in, &mbr->mbr_hash_mismatch) == -1)
			return (-1);
		return (msg_get_flag(in, &mbr->mbr_not_det));
	}
	if (msg_get_array(in, sizeof(*mbr->mbr_outputs), MSG_OUTPUTS_MAX,
	    msg_get_built, msg_free_built, &outputs,
	    &mbr->mbr_noutputs) == -1)
		return (-1);
	mbr->mbr_outputs = outputs;
	return (0);
}

int
msg_recv_build_result(struct imsg *imsg, const char *storedir,
    struct msg_build_result *mbr, const char **errstr)
{
	struct msg_in		in;
	struct msg_build_result	new;

	memset(&new, 0, sizeof(new));
	(void)msg_begin(imsg, &in, 0);
	in.mi_storedir = storedir;
	(void)msg_get_build_result(&in, &new);
	if (msg_end(&in, errstr) == -1) {
		msg_build_result_free(&new);
		return (-1);
	}
	*mbr = new;
	return (0);
}

void
msg_build_result_free(struct msg_build_result *mbr)
{
	free(mbr->mbr_error);
	msg_array_free(mbr->mbr_outputs, mbr->mbr_noutputs,
	    sizeof(*mbr->mbr_outputs), msg_free_built);
	memset(mbr, 0, sizeof(*mbr));
}
