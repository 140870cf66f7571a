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
 * Structured attributes (__structuredAttrs = true): the derivation's
 * __json environment variable, parsed with jansson, and the two files
 * Nix 2.8 makes of it in the build dir: .attrs.json as nlohmann's
 * json::dump() prints it (compact, keys sorted, UTF-8 unescaped,
 * control characters as \u00xx) and .attrs.sh as Nix's
 * writeStructuredAttrsShell() writes it.  Nothing here knows which
 * process it runs in; builderproc adds "outputs" and the
 * exportReferencesGraph entries to the parsed object before printing.
 */
#ifndef RNIXD_DRVATTRS_H
#define RNIXD_DRVATTRS_H

#include <stddef.h>

#include <jansson.h>

/* Larger __json values are refused before jansson sees them. */
#define DRVATTRS_JSON_MAX	(16 * 1024 * 1024)

/*
 * The __json text as an object; NULL with err set (a sentence naming
 * what is wrong) if it is too large, not JSON, nested deeper than
 * jansson's limit, holds a NUL or is not an object.
 */
json_t	*drvattrs_parse(const char *, size_t, char *err, size_t errlen);

/* json::dump() of v: malloc'd, NUL-terminated, length in *lenp. */
char	*drvattrs_dump_json(const json_t *, size_t *lenp);
/* The .attrs.sh of an object, likewise. */
char	*drvattrs_dump_sh(const json_t *, size_t *lenp);

#endif /* RNIXD_DRVATTRS_H */
