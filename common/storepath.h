/*
 * Store paths: "<storedir>/<hash32>-<name>", their name rules and the
 * makeStorePath family that computes them.
 */
#ifndef RNIXD_STOREPATH_H
#define RNIXD_STOREPATH_H

#include <stddef.h>

#include "hash.h"

#define STOREPATH_HASH_LEN	32	/* base32 of 20 bytes */
#define STOREPATH_NAME_MAX	211
#define STOREDIR_MAX		256
/* storedir + "/" + hash + "-" + name + NUL */
#define STOREPATH_MAX		(STOREDIR_MAX + 1 + STOREPATH_HASH_LEN + 1 + \
				    STOREPATH_NAME_MAX + 1)

/* 1..211 chars of [A-Za-z0-9+-._?=]; returns 0 if valid. */
int	storepath_check_name(const char *, const char **);
/* Checks the hash32 part (32 chars of Nix base32). */
int	storepath_check_hashpart(const char *, size_t);

/*
 * Validate a full path string against a store dir; on success, if the
 * pointers are not NULL, *hashpart and *name point into path.
 */
int	storepath_parse(const char *storedir, const char *path,
	    const char **hashpart, const char **name, const char **errstr);
/* Same for "<hash32>-<name>" without the store dir. */
int	storepath_parse_base(const char *base, const char **errstr);

/*
 * makeStorePath: type is "text", "source", "output:out", ... with any
 * references already appended by the caller's helper below.
 * inner is the inner sha256.  Writes the full path to out.
 */
int	storepath_make(const char *storedir, const char *type,
	    const struct hash *inner, const char *name, char *out, size_t);

/* "text" + ":ref"... (refs sorted by caller or not; sorted here). */
int	storepath_make_text(const char *storedir, const char *name,
	    const struct hash *sha256_of_contents, char *const *refs,
	    size_t nrefs, char *out, size_t);
/* "source" + refs + optional ":self", for recursive sha256 ingestion. */
int	storepath_make_source(const char *storedir, const char *name,
	    const struct hash *nar_sha256, char *const *refs, size_t nrefs,
	    int self, char *out, size_t);

enum ca_method {
	CA_FLAT,		/* hash of the file bytes */
	CA_RECURSIVE		/* hash of the NAR */
};
/*
 * makeFixedOutputPath: recursive sha256 is a "source" path (with refs
 * and self); every other case is "output:out" of the inner
 * "fixed:out:[r:]<algo>:<base16>:" string and may have no refs.
 */
int	storepath_make_fixed(const char *storedir, const char *name,
	    enum ca_method, const struct hash *, char *const *refs,
	    size_t nrefs, int self, char *out, size_t);
/* Output of an input-addressed derivation: "output:<id>". */
int	storepath_make_output(const char *storedir, const char *drvname,
	    const char *outname, const struct hash *drvhash, char *out, size_t);

/* "text:sha256:<b32>", "fixed:[r:]<algo>:<b32>" */
int	ca_format_text(const struct hash *, char *, size_t);
int	ca_format_fixed(enum ca_method, const struct hash *, char *, size_t);

#endif /* RNIXD_STOREPATH_H */
