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
 * Path info kept from storeproc's answers, so that a client asking for
 * the same paths again (nix path-info, nix-store -q, the queries every
 * nix-build makes) is answered without a round trip to storeproc.  Nix
 * keeps such a cache in every store object too; here it is shared by
 * the sessions of builderproc.
 *
 * Only paths found valid are kept: a path that becomes valid later
 * makes nothing here wrong.  A path that was valid can change (new
 * signatures, re-registration) or go (garbage collection, a failed
 * verification); storeproc says so with STORE_CHANGED before the reply
 * of the request that did it, on the same channel as every answer, so
 * the cache is emptied before anyone can have heard of the change.
 * Emptying it all is simpler than tracking which paths changed, and
 * changes to valid paths are rare next to lookups.
 *
 * Bounded by entries and bytes; the least recently used entry goes.
 */
#include <stdlib.h>
#include <string.h>

#include "builderproc.h"
#include "session.h"
#include "log.h"

struct cache_entry {
	RB_ENTRY(cache_entry)	 ce_entry;
	TAILQ_ENTRY(cache_entry) ce_lru;
	struct wire_path_info	 ce_info;
	size_t			 ce_size;
};
RB_HEAD(cache_tree, cache_entry);
TAILQ_HEAD(cache_lru, cache_entry);

int	cache_cmp(struct cache_entry *, struct cache_entry *);
RB_PROTOTYPE(cache_tree, cache_entry, ce_entry, cache_cmp)
RB_GENERATE(cache_tree, cache_entry, ce_entry, cache_cmp)

static struct cache_tree	cache_tree = RB_INITIALIZER(&cache_tree);
static struct cache_lru		cache_lru = TAILQ_HEAD_INITIALIZER(cache_lru);
static size_t			cache_entries;
static size_t			cache_bytes;

static char	*cache_strdup(const char *, size_t *);
static char	**cache_strvdup(char *const *, size_t, size_t *);
static void	 cache_drop(struct cache_entry *);

int
cache_cmp(struct cache_entry *a, struct cache_entry *b)
{
	return (strcmp(a->ce_info.pi_path, b->ce_info.pi_path));
}

/* NULL stays NULL; *size grows by what the copy holds. */
static char *
cache_strdup(const char *s, size_t *size)
{
	char	*copy;

	if (s == NULL)
		return (NULL);
	if ((copy = strdup(s)) == NULL)
		fatal("strdup");
	*size += strlen(s) + 1;
	return (copy);
}

static char **
cache_strvdup(char *const *v, size_t n, size_t *size)
{
	char	**copy;
	size_t	  i;

	if ((copy = calloc(n + 1, sizeof(*copy))) == NULL)
		fatal("calloc");
	for (i = 0; i < n; i++)
		copy[i] = cache_strdup(v[i], size);
	*size += (n + 1) * sizeof(*copy);
	return (copy);
}

/* A deep copy of pi into *copy; returns the bytes it holds. */
size_t
cache_info_copy(struct wire_path_info *copy, const struct wire_path_info *pi)
{
	size_t	size = sizeof(*copy);

	*copy = *pi;
	copy->pi_path = cache_strdup(pi->pi_path, &size);
	copy->pi_deriver = cache_strdup(pi->pi_deriver, &size);
	copy->pi_narhash = cache_strdup(pi->pi_narhash, &size);
	copy->pi_refs = cache_strvdup(pi->pi_refs, pi->pi_nrefs, &size);
	copy->pi_sigs = cache_strvdup(pi->pi_sigs, pi->pi_nsigs, &size);
	copy->pi_ca = cache_strdup(pi->pi_ca, &size);
	return (size);
}

static void
cache_drop(struct cache_entry *ce)
{
	RB_REMOVE(cache_tree, &cache_tree, ce);
	TAILQ_REMOVE(&cache_lru, ce, ce_lru);
	cache_entries--;
	cache_bytes -= ce->ce_size;
	wire_path_info_free(&ce->ce_info);
	free(ce);
}

/* The kept info of path, or NULL; valid until the next cache call. */
const struct wire_path_info *
cache_info_get(const char *path)
{
	struct cache_entry	key, *ce;

	key.ce_info.pi_path = (char *)path;
	if ((ce = RB_FIND(cache_tree, &cache_tree, &key)) == NULL)
		return (NULL);
	TAILQ_REMOVE(&cache_lru, ce, ce_lru);
	TAILQ_INSERT_HEAD(&cache_lru, ce, ce_lru);
	return (&ce->ce_info);
}

/* Keep a copy of the info of a path storeproc found valid. */
void
cache_info_put(const struct wire_path_info *pi)
{
	struct cache_entry	*ce, *old;

	if (pi->pi_path == NULL)
		return;
	if ((ce = calloc(1, sizeof(*ce))) == NULL)
		fatal("calloc");
	ce->ce_size = sizeof(*ce) + cache_info_copy(&ce->ce_info, pi);
	if (ce->ce_size > CACHE_BYTES_MAX / 16) {
		/* A path with huge references would push out many. */
		wire_path_info_free(&ce->ce_info);
		free(ce);
		return;
	}
	if ((old = RB_FIND(cache_tree, &cache_tree, ce)) != NULL)
		cache_drop(old);
	RB_INSERT(cache_tree, &cache_tree, ce);
	TAILQ_INSERT_HEAD(&cache_lru, ce, ce_lru);
	cache_entries++;
	cache_bytes += ce->ce_size;
	while (cache_entries > CACHE_ENTRIES_MAX ||
	    cache_bytes > CACHE_BYTES_MAX)
		cache_drop(TAILQ_LAST(&cache_lru, cache_lru));
}

/* STORE_CHANGED: what was kept may be wrong now. */
void
cache_info_flush(void)
{
	struct cache_entry	*ce;

	if (cache_entries > 0)
		log_debug("path info cache: %zu entries dropped",
		    cache_entries);
	while ((ce = TAILQ_FIRST(&cache_lru)) != NULL)
		cache_drop(ce);
}
