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

/*
 * 1..211 chars of [A-Za-z0-9+-._?=]; returns 0 if valid, else -1 and
 * *errstr (static, errstr may be NULL).  As in Nix 2.8, ".", ".." and
 * names starting with '.' or '-' are valid.
 */
int	storepath_check_name(const char *, const char **);
/* Checks the hash32 part (32 chars of Nix base32); 0 if valid. */
int	storepath_check_hashpart(const char *, size_t);

/*
 * Validate a full path string against a store dir (absolute, no
 * trailing '/'); on success, if the pointers are not NULL, *hashpart
 * and *name point into path.  No canonicalisation: "//", "/./", a
 * trailing '/' or a subpath are errors, and the '-' after the hash part
 * is required (Nix does not check it).  Errors as storepath_check_name.
 */
int	storepath_parse(const char *storedir, const char *path,
	    const char **hashpart, const char **name, const char **errstr);
/* Same for "<hash32>-<name>" without the store dir. */
int	storepath_parse_base(const char *base, const char **errstr);

/*
 * The makeStorePath family writes the full path to out and returns 0,
 * or -1 if an argument is invalid (name, store dir, hash algo, a ref
 * that is not a store path in storedir) or out is too small
 * (STOREPATH_MAX always fits).  Refs are full paths; they are sorted
 * here and a duplicate counts once, as in Nix's StorePathSet.
 *
 * storepath_make: type is "text", "source", "output:out", ... as is;
 * inner is the inner hash (sha256 in every Nix use).
 */
int	storepath_make(const char *storedir, const char *type,
	    const struct hash *inner, const char *name, char *out, size_t);

/* "text" + ":ref"..., sha256 of the contents only. */
int	storepath_make_text(const char *storedir, const char *name,
	    const struct hash *sha256_of_contents, char *const *refs,
	    size_t nrefs, char *out, size_t);
/*
 * "source" + refs + optional ":self", for recursive sha256 ingestion
 * (nar_sha256 must be sha256).
 */
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
 * "fixed:out:[r:]<algo>:<base16>:" string and may have no refs (self
 * is ignored there, as Nix does).
 */
int	storepath_make_fixed(const char *storedir, const char *name,
	    enum ca_method, const struct hash *, char *const *refs,
	    size_t nrefs, int self, char *out, size_t);
/*
 * Output of an input-addressed derivation: "output:<id>", named
 * drvname for "out" and "<drvname>-<id>" otherwise.
 */
int	storepath_make_output(const char *storedir, const char *drvname,
	    const char *outname, const struct hash *drvhash, char *out, size_t);

/* "text:sha256:<b32>", "fixed:[r:]<algo>:<b32>" */
int	ca_format_text(const struct hash *, char *, size_t);
int	ca_format_fixed(enum ca_method, const struct hash *, char *, size_t);

/* A parsed "ca" string (ValidPathInfo.ca, the ca column). */
enum ca_kind {
	CA_TEXT,		/* text:sha256:..., ca_method is CA_FLAT */
	CA_FIXED		/* fixed:[r:]<algo>:... */
};
struct content_address {
	enum ca_kind	ca_kind;
	enum ca_method	ca_method;
	struct hash	ca_hash;
};
/* "fixed:r:" + "sha512:" + base32 of 64 bytes + NUL */
#define CA_STR_MAX		(8 + 7 + 103 + 1)

/*
 * Nix parseContentAddress: "text:sha256:<digest>" or
 * "fixed:[r:]<algo>:<digest>", the digest in base16, base32 or base64
 * (never SRI).  -1 and *errstr (static) on error.
 */
int	ca_parse(const char *, struct content_address *, const char **);
/* The canonical form: the digest in base32. */
int	ca_format(const struct content_address *, char *, size_t);
/*
 * Nix makeFixedOutputPathFromCA: the path a content address gives
 * name; text paths take refs but never self.
 */
int	storepath_make_ca(const char *storedir, const char *name,
	    const struct content_address *, char *const *refs, size_t nrefs,
	    int self, char *out, size_t);

#endif /* RNIXD_STOREPATH_H */
