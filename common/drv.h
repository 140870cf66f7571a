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
 * Derivations: the ATerm text of a .drv file, its parser and printer,
 * and the hashes and store paths Nix derives from it
 * (hashDerivationModulo, output paths, the .drv path itself).
 *
 * The parser accepts only the canonical text Nix writes: no
 * whitespace, lists sorted and free of duplicates, only the five
 * escapes Nix emits, fixed-output hashes in lowercase base16.  Nix 2.8
 * reads looser text (see drv.c) but would write it back differently,
 * so that a .drv's bytes would no longer match its own store path.
 */
#ifndef RNIXD_DRV_H
#define RNIXD_DRV_H

#include <sys/tree.h>

#include <stddef.h>

#include "hash.h"
#include "storepath.h"

/* Bounds on hostile text; real derivations stay far below them. */
#define DRV_TEXT_MAX		(64UL * 1024 * 1024)
#define DRV_STRING_MAX		(16UL * 1024 * 1024)
#define DRV_OUTPUTS_MAX		1024
#define DRV_INPUTS_MAX		65536	/* inputDrvs entries */
#define DRV_INPUT_OUTPUTS_MAX	1024	/* output names per inputDrv */
#define DRV_SRCS_MAX		65536
#define DRV_ARGS_MAX		65536
#define DRV_ENV_MAX		65536
#define DRV_DEPTH_MAX		1024	/* nesting of inputDrvs when hashing */

/* ("name","path","hashAlgo","hash"); empty strings stay "", never NULL. */
struct drv_output {
	char	*do_name;
	char	*do_path;
	char	*do_algo;	/* "", "sha256", "r:sha256", ... */
	char	*do_hash;	/* "", base16 digest or "impure" */
};

/* ("drvPath",["out","dev"]) */
struct drv_input {
	char	 *di_path;
	char	**di_outputs;
	size_t	  di_noutputs;
};

struct drv_env {
	char	*de_key;
	char	*de_value;
};

/* Every array is in canonical (sorted, unique) order once validated. */
struct drv {
	struct drv_output	*d_outputs;
	size_t			 d_noutputs;
	struct drv_input	*d_inputs;
	size_t			 d_ninputs;
	char			**d_srcs;
	size_t			 d_nsrcs;
	char			*d_platform;
	char			*d_builder;
	char			**d_args;
	size_t			 d_nargs;
	struct drv_env		*d_env;
	size_t			 d_nenv;
};

enum drv_kind {
	DRV_INPUT_ADDRESSED,	/* every output has a path, no hash */
	DRV_FIXED,		/* one output "out" with a known hash */
	DRV_DEFERRED		/* every output is ("","","") */
};

struct drv_type {
	enum drv_kind	dt_kind;
	enum ca_method	dt_method;	/* DRV_FIXED only */
	struct hash	dt_hash;	/* DRV_FIXED only */
};

/*
 * Loads an input .drv by store path for drv_hash_modulo; returns -1
 * with *errstr set if it cannot.  The hasher frees what it returns.
 */
typedef int (*drv_load_fn)(void *arg, const char *drvpath, struct drv **,
    const char **errstr);

struct drv_memo;
RB_HEAD(drv_memo_tree, drv_memo);

/* Memoises the modulo hash of every input .drv seen, by path. */
struct drv_hasher {
	const char		*dh_storedir;
	drv_load_fn		 dh_load;
	void			*dh_arg;
	struct drv_memo_tree	 dh_memo;
	size_t			 dh_depth;
};

/*
 * Every function returning int returns 0 on success and -1 on failure
 * with *errstr set to a message that stays valid until the next call
 * into this module.  Allocation failure is reported the same way.
 */

/* Construction; the adders copy their arguments and check no order. */
struct drv	*drv_new(void);
void		 drv_free(struct drv *);
int		 drv_add_output(struct drv *, const char *name,
		    const char *path, const char *algo, const char *hash,
		    const char **);
int		 drv_add_input(struct drv *, const char *path,
		    char *const *outputs, size_t noutputs, const char **);
int		 drv_add_src(struct drv *, const char *, const char **);
int		 drv_add_arg(struct drv *, const char *, const char **);
int		 drv_add_env(struct drv *, const char *key, const char *value,
		    const char **);
int		 drv_set_platform(struct drv *, const char *, const char **);
int		 drv_set_builder(struct drv *, const char *, const char **);

/*
 * Checks what the parser checks beyond syntax: canonical order, store
 * paths valid in storedir (inputDrvs ending in ".drv"), output names
 * usable in store path names, output tuples of a form Nix writes.
 */
int		 drv_validate(const char *storedir, const struct drv *,
		    const char **);

/* Parses and validates len bytes of text (no NUL needed at the end). */
int		 drv_parse(const char *storedir, const char *text, size_t len,
		    struct drv **, const char **);

/*
 * Prints the ATerm of a valid drv into a malloc'd buffer (NUL
 * terminated, *outlen without it).  mask writes "" for every output
 * path and for every env value whose key names an output.  inputs, if
 * not NULL, replaces the inputDrvs list (sorted by caller), as
 * hashDerivationModulo does with the input hashes.
 */
int		 drv_unparse(const struct drv *, int mask,
		    const struct drv_input *inputs, size_t ninputs,
		    char **out, size_t *outlen, const char **);

/* Index of the output or env entry of that name, or -1. */
long		 drv_find_output(const struct drv *, const char *);
long		 drv_find_env(const struct drv *, const char *);

/* Classifies; floating, impure and mixed derivations are errors. */
int		 drv_type(const struct drv *, struct drv_type *, const char **);

/*
 * "<storedir>/<hash>-<name>.drv" -> name, checking the path; out must
 * hold STOREPATH_NAME_MAX + 1 bytes.
 */
int		 drv_name_from_path(const char *storedir, const char *drvpath,
		    char *out, size_t outsz, const char **);

/* The .drv's own path: a text path with refs inputSrcs + inputDrvs. */
int		 drv_store_path(const char *storedir, const char *drvname,
		    const struct drv *, char *out, size_t outsz, const char **);

void		 drv_hasher_init(struct drv_hasher *, const char *storedir,
		    drv_load_fn, void *arg);
void		 drv_hasher_clear(struct drv_hasher *);

/* hashDerivationModulo; drvname is the name without ".drv". */
int		 drv_hash_modulo(struct drv_hasher *, const char *drvname,
		    const struct drv *, int mask, struct hash *, const char **);

/*
 * The path of every output, in d_outputs order, as nix-instantiate
 * computes it; works on deferred (not yet filled) input-addressed
 * derivations too.  out has d_noutputs entries.
 */
int		 drv_output_paths(struct drv_hasher *, const char *drvname,
		    const struct drv *, char (*out)[STOREPATH_MAX],
		    const char **);

/*
 * checkDerivationOutputs, for a .drv about to be registered at
 * drvpath: every output path and the env variable of the same name
 * must be the computed one.  Deferred outputs are refused.
 */
int		 drv_check_outputs(struct drv_hasher *, const char *drvpath,
		    const struct drv *, const char **);

#endif /* RNIXD_DRV_H */
