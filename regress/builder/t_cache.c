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
 * builderproc's path info cache: what is put is given back whole and
 * apart from the caller's copy, a second put replaces the first, a
 * flush forgets everything, the least recently used entry goes first
 * when the entry or byte bound is reached, and an entry too large to
 * be worth it is not kept.  Run under ASan too: nothing may leak.
 */
/* link: builderproc/session_cache.c */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../builderproc/session.h"
#include "log.h"

#define STORE	"/nix/store/"

static char	*mkpath(unsigned int);
static void	 mkinfo(struct wire_path_info *, unsigned int, size_t);
static void	 same_info(const char *, const struct wire_path_info *,
		    const struct wire_path_info *);
static void	 expect_kept(unsigned int, int);
static void	 test_put_get(void);
static void	 test_entry_bound(void);
static void	 test_byte_bound(void);

/* A store path with a hash part made from n. */
static char *
mkpath(unsigned int n)
{
	char	*p;

	if (asprintf(&p, STORE "%032u-p%u", n, n) == -1)
		err(1, "asprintf");
	return (p);
}

static void
mkinfo(struct wire_path_info *pi, unsigned int n, size_t nrefs)
{
	size_t	i;

	memset(pi, 0, sizeof(*pi));
	pi->pi_path = mkpath(n);
	pi->pi_deriver = n % 2 ? mkpath(n + 1000000) : NULL;
	if (asprintf(&pi->pi_narhash, "sha256:%052u", n) == -1)
		err(1, "asprintf");
	if ((pi->pi_refs = calloc(nrefs + 1, sizeof(char *))) == NULL)
		err(1, "calloc");
	for (i = 0; i < nrefs; i++)
		pi->pi_refs[i] = mkpath(2000000 + i);
	pi->pi_nrefs = nrefs;
	pi->pi_regtime = 1700000000 + n;
	pi->pi_narsize = 120 + n;
	pi->pi_ultimate = n % 3 == 0;
	if ((pi->pi_sigs = calloc(2, sizeof(char *))) == NULL ||
	    (pi->pi_sigs[0] = strdup("k-1:c2ln")) == NULL)
		err(1, "calloc");
	pi->pi_nsigs = 1;
	pi->pi_ca = n % 2 ? NULL : strdup("fixed:r:sha256:abc");
}

static void
same_str(const char *what, const char *got, const char *want)
{
	if ((got == NULL) != (want == NULL) ||
	    (got != NULL && strcmp(got, want) != 0))
		errx(1, "%s: got %s, expected %s", what,
		    got ? got : "(null)", want ? want : "(null)");
}

static void
same_info(const char *what, const struct wire_path_info *got,
    const struct wire_path_info *want)
{
	size_t	i;

	same_str(what, got->pi_path, want->pi_path);
	same_str(what, got->pi_deriver, want->pi_deriver);
	same_str(what, got->pi_narhash, want->pi_narhash);
	same_str(what, got->pi_ca, want->pi_ca);
	if (got->pi_nrefs != want->pi_nrefs ||
	    got->pi_nsigs != want->pi_nsigs ||
	    got->pi_regtime != want->pi_regtime ||
	    got->pi_narsize != want->pi_narsize ||
	    got->pi_ultimate != want->pi_ultimate)
		errx(1, "%s: numbers differ", what);
	for (i = 0; i < want->pi_nrefs; i++)
		same_str(what, got->pi_refs[i], want->pi_refs[i]);
	for (i = 0; i < want->pi_nsigs; i++)
		same_str(what, got->pi_sigs[i], want->pi_sigs[i]);
}

static void
expect_kept(unsigned int n, int kept)
{
	char	*p = mkpath(n);

	if ((cache_info_get(p) != NULL) != kept)
		errx(1, "%s: %s, expected %s", p, kept ? "gone" : "kept",
		    kept ? "kept" : "gone");
	free(p);
}

static void
test_put_get(void)
{
	struct wire_path_info	 a, b, copy;
	const struct wire_path_info *got;

	printf("put, get, copy apart, replace, flush\n");
	mkinfo(&a, 1, 3);
	mkinfo(&b, 2, 0);
	cache_info_put(&a);
	cache_info_put(&b);
	if ((got = cache_info_get(a.pi_path)) == NULL)
		errx(1, "a not kept");
	same_info("a", got, &a);
	/* The caller's copy is its own: changing it changes nothing. */
	(void)cache_info_copy(&copy, got);
	free(copy.pi_narhash);
	copy.pi_narhash = strdup("sha256:changed");
	wire_path_info_free(&copy);
	same_info("a after a copy changed", cache_info_get(a.pi_path), &a);
	same_info("b", cache_info_get(b.pi_path), &b);
	/* And the cache's copy is not the caller's either. */
	wire_path_info_free(&a);
	mkinfo(&a, 1, 3);
	same_info("a after the original went", cache_info_get(a.pi_path), &a);
	/* A second put of the same path replaces the first. */
	free(b.pi_narhash);
	b.pi_narhash = strdup("sha256:second");
	cache_info_put(&b);
	same_info("b replaced", cache_info_get(b.pi_path), &b);
	expect_kept(3, 0);
	cache_info_flush();
	expect_kept(1, 0);
	expect_kept(2, 0);
	wire_path_info_free(&a);
	wire_path_info_free(&b);
}

static void
test_entry_bound(void)
{
	struct wire_path_info	pi;
	unsigned int		n;

	printf("entry bound: the least recently used go first\n");
	for (n = 0; n < CACHE_ENTRIES_MAX; n++) {
		mkinfo(&pi, n, 1);
		cache_info_put(&pi);
		wire_path_info_free(&pi);
	}
	expect_kept(0, 1);	/* now the most recently used */
	for (n = CACHE_ENTRIES_MAX; n < CACHE_ENTRIES_MAX + 10; n++) {
		mkinfo(&pi, n, 1);
		cache_info_put(&pi);
		wire_path_info_free(&pi);
	}
	expect_kept(0, 1);
	for (n = 1; n <= 10; n++)
		expect_kept(n, 0);
	for (n = 11; n < CACHE_ENTRIES_MAX + 10; n++)
		expect_kept(n, 1);
	cache_info_flush();
	expect_kept(0, 0);
}

static void
test_byte_bound(void)
{
	struct wire_path_info	pi;
	size_t			nrefs, each;
	unsigned int		n, kept = 0;
	char			*ref;

	printf("byte bound, and an entry too large to keep\n");
	/* Each entry near a 20th of the bound: fewer than 20 fit. */
	each = CACHE_BYTES_MAX / 20;
	ref = mkpath(2000000);
	nrefs = each / (strlen(ref) + 1 + sizeof(char *));
	free(ref);
	for (n = 0; n < 40; n++) {
		mkinfo(&pi, n, nrefs);
		cache_info_put(&pi);
		wire_path_info_free(&pi);
	}
	for (n = 0; n < 40; n++) {
		char *p = mkpath(n);

		if (cache_info_get(p) != NULL) {
			kept++;
			if (n < 20)
				errx(1, "old entry %u kept", n);
		}
		free(p);
	}
	if (kept < 10 || kept >= 20)
		errx(1, "%u entries kept, expected 10..19", kept);
	/* Twice a 16th of the bound: pushing out half is not worth it. */
	mkinfo(&pi, 99, nrefs * 3);
	cache_info_put(&pi);
	expect_kept(99, 0);
	expect_kept(39, 1);
	wire_path_info_free(&pi);
	cache_info_flush();
}

int
main(void)
{
	log_init(1, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_put_get();
	test_entry_bound();
	test_byte_bound();
	printf("ok\n");
	return (0);
}
