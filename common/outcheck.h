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
 * Output checks of a derivation, as Nix 2.8's checkOutputs reads them:
 * allowedReferences, allowedRequisites, disallowedReferences and
 * disallowedRequisites from the environment (whitespace-separated),
 * or, with structured attributes, outputChecks.<output> of __json
 * (the four lists, maxSize, maxClosureSize).
 *
 * builderproc reads them from the derivation (it holds no privilege,
 * so the JSON parser runs there) and hands storeproc one struct
 * outcheck per output that has checks; storeproc applies them to the
 * scanned outputs before it registers anything.  Specifiers stay as
 * written (a store path or an output name): what they mean is decided
 * where the outputs are known.
 */
#ifndef RNIXD_OUTCHECK_H
#define RNIXD_OUTCHECK_H

#include <stddef.h>
#include <stdint.h>

struct drv;

/* In the order Nix applies them. */
enum outcheck_list {
	OC_ALLOWED_REFS,
	OC_ALLOWED_REQS,
	OC_DISALLOWED_REFS,
	OC_DISALLOWED_REQS,
	OC_NLISTS
};

#define OC_F_LIST(l)	(1U << (l))	/* list l given (it may be empty) */
#define OC_F_MAXSIZE	(1U << 4)
#define OC_F_MAXCLOSURE	(1U << 5)
#define OC_F_IGNORESELF	(1U << 6)	/* requisites leave out the output */
#define OC_F_ALL	0x7fU

#define OC_SPEC_MAX	4096		/* bytes of one specifier */
#define OC_SPECS_MAX	65536		/* specifiers in one list */
#define OC_JSON_MAX	(64UL * 1024 * 1024)	/* bytes of __json */
#define OC_JSON_MEM_MAX	(128UL * 1024 * 1024)	/* its parsed tree */
#define OC_ERROR_MAX	8192		/* bytes of oc_error */

struct outcheck {
	char		 *oc_output;
	unsigned int	  oc_flags;
	uint64_t	  oc_maxsize;
	uint64_t	  oc_maxclosure;
	char		**oc_specs[OC_NLISTS];	/* NULL-terminated */
	size_t		  oc_nspecs[OC_NLISTS];
	/*
	 * Nix reads outputChecks when it checks that output: a value of
	 * the wrong type fails the build then, with this text, before any
	 * check of the output.  NULL: none.
	 */
	char		 *oc_error;
};

/* "allowedReferences", ... by enum outcheck_list. */
extern const char *const outcheck_names[OC_NLISTS];

/*
 * The checks of derivation d at drvpath, one per output that has any,
 * in d's output order.  -1 with *err (malloc'd text in Nix's words)
 * if __json does not parse, as Nix refuses to build it then.
 */
int	outcheck_from_drv(const struct drv *d, const char *drvpath,
	    struct outcheck **checks, size_t *nchecks, char **err);
/* The same from the two sources; outputs are the output names. */
int	outcheck_from_json(const char *json, size_t len, const char *drvpath,
	    char *const *outputs, size_t noutputs, struct outcheck **checks,
	    size_t *nchecks, char **err);
int	outcheck_from_env(const char *const values[OC_NLISTS],
	    char *const *outputs, size_t noutputs, struct outcheck **checks,
	    size_t *nchecks);
void	outcheck_free(struct outcheck *, size_t);

/* Internal to outcheck*.c. */
char	*outcheck_format(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
struct outcheck	*outcheck_grow(struct outcheck **, size_t *, const char *);
void	 outcheck_add_spec(struct outcheck *, enum outcheck_list,
	    const char *, size_t);

#endif /* RNIXD_OUTCHECK_H */
