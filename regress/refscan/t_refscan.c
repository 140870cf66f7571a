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
 * refscan.c: which candidate hash parts occur in a stream fed in
 * chunks, checked against fixed cases and against a naive scanner
 * (memmem for every candidate) on random inputs.
 *
 * What Nix 2.8 finds (references.cc): search() walks the buffer and,
 * at each position i, tests the 32 bytes i..i+31 from the right; on a
 * byte outside the base32 alphabet it resumes just past that byte,
 * otherwise it looks the 32 bytes up in the candidate set and moves on
 * by ONE byte.  So every 32-byte window made only of base32 bytes is
 * tested, also the windows inside a longer base32 run: a hash part
 * embedded in a longer run IS found.  RefScanSink keeps the last 32
 * bytes of each chunk and searches them glued to the start of the next
 * one, so windows across chunk boundaries are tested too.  Since every
 * candidate is itself made of base32 bytes, the set found is exactly
 * the set of candidates that occur as a substring of the whole stream,
 * which is what the naive scanner computes.  (Checked with the real
 * Nix by regress/refscan/nix.sh.)
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nar.h"
#include "refscan.h"

#define HLEN	REFSCAN_HASH_LEN

static const char alphabet[] = "0123456789abcdfghijklmnpqrsvwxyz";
static uint64_t rng_state;

static uint64_t
rng(void)
{
	/* splitmix64: reproducible from the seed printed on failure */
	uint64_t	z;

	z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static size_t
rng_below(size_t n)
{
	return (n == 0 ? 0 : rng() % n);
}

static int
is_base32(const char *s)
{
	size_t	i;

	for (i = 0; i < HLEN; i++)
		if (s[i] == '\0' || strchr(alphabet, s[i]) == NULL)
			return (0);
	return (1);
}

static void
random_hash(char *out)
{
	size_t	i;

	for (i = 0; i < HLEN; i++)
		out[i] = alphabet[rng() & 31];
}

static struct refscan *
scanner(char *const *cands, size_t ncands)
{
	struct refscan	*rs;
	const char	*errstr;

	if ((rs = refscan_new((const char *const *)cands, ncands,
	    &errstr)) == NULL)
		errx(1, "refscan_new: %s", errstr);
	return (rs);
}

/*
 * Feed data in chunks: chunk > 0 is a fixed size, 0 means random sizes
 * from 1 to 100 with an occasional long one and empty feeds.
 */
static void
feed_chunks(struct refscan *rs, const unsigned char *data, size_t len,
    size_t chunk)
{
	size_t	off, n;

	for (off = 0; off < len; off += n) {
		if (chunk > 0)
			n = chunk;
		else if (rng_below(8) == 0)
			n = rng_below(5000);
		else
			n = 1 + rng_below(100);
		if (n > len - off)
			n = len - off;
		refscan_feed(rs, data + off, n);
	}
}

/* What must be found: every candidate that is a substring of data. */
static void
naive_found(const unsigned char *data, size_t len, char *const *cands,
    size_t ncands, unsigned char *found)
{
	size_t	i;

	for (i = 0; i < ncands; i++)
		found[i] = memmem(data, len, cands[i], HLEN) != NULL;
}

/* Scan data with the given chunking and compare with the naive answer. */
static void
check_scan(const char *what, const unsigned char *data, size_t len,
    char *const *cands, size_t ncands, size_t chunk)
{
	struct refscan	*rs;
	unsigned char	*want;
	size_t		 i, nwant = 0;

	if ((want = calloc(ncands + 1, 1)) == NULL)
		err(1, NULL);
	naive_found(data, len, cands, ncands, want);
	rs = scanner(cands, ncands);
	feed_chunks(rs, data, len, chunk);
	for (i = 0; i < ncands; i++) {
		nwant += want[i];
		if (refscan_found(rs, i) != want[i])
			errx(1, "%s (len %zu, chunk %zu): candidate %zu "
			    "%.32s: got found=%d, expected %d", what, len,
			    chunk, i, cands[i], refscan_found(rs, i),
			    want[i]);
	}
	if (refscan_nfound(rs) != nwant)
		errx(1, "%s: nfound: got %zu, expected %zu", what,
		    refscan_nfound(rs), nwant);
	refscan_free(rs);
	free(want);
}

/* Every fixed chunk size 1..64, one piece, and random chunking. */
static void
check_all_chunkings(const char *what, const unsigned char *data,
    size_t len, char *const *cands, size_t ncands)
{
	size_t	chunk;

	for (chunk = 1; chunk <= 64; chunk++)
		check_scan(what, data, len, cands, ncands, chunk);
	check_scan(what, data, len, cands, ncands, len + 1);
	check_scan(what, data, len, cands, ncands, 0);
}

/* Scan and require exactly the candidates flagged in expect. */
static void
expect_found(const char *what, const char *data, char *const *cands,
    size_t ncands, const int *expect)
{
	struct refscan	*rs;
	size_t		 i, chunk, nwant, len = strlen(data);

	for (chunk = 1; chunk <= len + 1; chunk++) {
		rs = scanner(cands, ncands);
		feed_chunks(rs, (const unsigned char *)data, len, chunk);
		for (i = nwant = 0; i < ncands; i++) {
			nwant += expect[i];
			if (refscan_found(rs, i) != expect[i])
				errx(1, "%s (chunk %zu): candidate %zu: got "
				    "found=%d, expected %d", what, chunk, i,
				    refscan_found(rs, i), expect[i]);
		}
		if (refscan_nfound(rs) != nwant)
			errx(1, "%s (chunk %zu): nfound: got %zu, expected "
			    "%zu", what, chunk, refscan_nfound(rs), nwant);
		refscan_free(rs);
	}
}

static char	 hash_a[HLEN + 1], hash_b[HLEN + 1], hash_c[HLEN + 1];

static void
test_positions(void)
{
	char		 buf[256], *cands[2] = { hash_a, hash_b };
	const int	 only_a[2] = { 1, 0 }, both[2] = { 1, 1 };

	expect_found("whole input", hash_a, cands, 2, only_a);
	snprintf(buf, sizeof(buf), "%s-foo bar", hash_a);
	expect_found("at start", buf, cands, 2, only_a);
	snprintf(buf, sizeof(buf), "/nix/store/%s", hash_a);
	expect_found("at end", buf, cands, 2, only_a);
	snprintf(buf, sizeof(buf), "%s%s", hash_a, hash_b);
	expect_found("adjacent", buf, cands, 2, both);
	snprintf(buf, sizeof(buf), "%s %s%s", hash_a, hash_a, hash_a);
	expect_found("found again, counted once", buf, cands, 2, only_a);
	snprintf(buf, sizeof(buf), "zz%sz%.31s", hash_a, hash_b);
	expect_found("embedded in a run, b cut short", buf, cands, 2,
	    only_a);
	printf("whole input, start, end, adjacent, repeated, inside a "
	    "longer run: ok\n");
}

/* b starts k bytes into a: "a c[0..k)" holds both, overlapping. */
static void
test_overlap(void)
{
	char		 buf[2 * HLEN + 1], b[HLEN + 1], *cands[2];
	const int	 both[2] = { 1, 1 };
	int		 k;

	cands[0] = hash_a;
	cands[1] = b;
	for (k = 1; k < HLEN; k++) {
		memcpy(b, hash_a + k, HLEN - k);
		memcpy(b + HLEN - k, hash_c, k);
		b[HLEN] = '\0';
		snprintf(buf, sizeof(buf), "%s%.*s", hash_a, k, hash_c);
		expect_found("overlapping candidates", buf, cands, 2, both);
	}
	printf("overlapping candidates, every overlap: ok\n");
}

/* 31 characters, one character changed, a foreign byte inside. */
static void
test_near_misses(void)
{
	char		 buf[4 * HLEN], miss[HLEN + 1], *cands[1] = { hash_a };
	const char	 foreign[] = { 'e', 'o', 't', 'u', 'A', '-', '/', '\n',
			    '\0', (char)0x80, (char)0xff };
	const int	 none[1] = { 0 }, one[1] = { 1 };
	struct refscan	*rs;
	size_t		 i, f;

	snprintf(buf, sizeof(buf), "x%.31sx", hash_a);
	expect_found("first 31 characters", buf, cands, 1, none);
	snprintf(buf, sizeof(buf), "x%sx", hash_a + 1);
	expect_found("last 31 characters", buf, cands, 1, none);
	for (i = 0; i < HLEN; i++) {
		memcpy(miss, hash_a, sizeof(miss));
		miss[i] = miss[i] == 'z' ? 'y' : 'z';
		snprintf(buf, sizeof(buf), "%s%s%s", miss, miss, miss);
		expect_found("one character changed", buf, cands, 1, none);
	}
	printf("31 characters, one character changed: ok\n");
	/* A byte outside the alphabet in place of, or between, characters. */
	for (f = 0; f < sizeof(foreign); f++) {
		for (i = 1; i < HLEN; i++) {
			memcpy(buf, hash_a, HLEN);
			buf[i] = foreign[f];
			rs = scanner(cands, 1);
			refscan_feed(rs, buf, HLEN);
			memcpy(buf, hash_a, i);
			buf[i] = foreign[f];
			memcpy(buf + i + 1, hash_a + i, HLEN - i);
			refscan_feed(rs, buf, HLEN + 1);
			if (refscan_nfound(rs) != 0)
				errx(1, "foreign byte 0x%02x at %zu: got "
				    "found, expected not", foreign[f] & 0xff,
				    i);
			refscan_free(rs);
		}
	}
	printf("foreign byte inside: ok\n");
	/* The same candidate, intact, is found after all those. */
	snprintf(buf, sizeof(buf), "%.16se%s", hash_a, hash_a);
	expect_found("intact after a broken copy", buf, cands, 1, one);
	printf("intact copy after a broken one: ok\n");
}

/* Strings shaped like store paths that are not candidates. */
static void
test_lookalikes(void)
{
	char		 buf[1024], other[HLEN + 1], *cands[2];
	const int	 none[2] = { 0, 0 };
	int		 i;

	cands[0] = hash_a;
	cands[1] = hash_b;
	buf[0] = '\0';
	for (i = 0; i < 20; i++) {
		random_hash(other);
		other[HLEN] = '\0';
		strlcat(buf, "/nix/store/", sizeof(buf));
		strlcat(buf, other, sizeof(buf));
		strlcat(buf, "-pkg ", sizeof(buf));
	}
	expect_found("look-alike hashes", buf, cands, 2, none);
	printf("look-alike store paths: ok\n");
}

/* Place one candidate at every offset of a buffer, feed it every way. */
static void
test_every_offset(void)
{
	unsigned char	 data[200];
	char		*cands[1] = { hash_a };
	size_t		 off, i;

	for (off = 0; off + HLEN <= sizeof(data); off++) {
		for (i = 0; i < sizeof(data); i++)
			data[i] = i % 3 == 0 ? ' ' : alphabet[rng() & 31];
		memcpy(data + off, hash_a, HLEN);
		check_all_chunkings("offset", data, sizeof(data), cands, 1);
	}
	printf("candidate at every offset, chunk sizes 1..64: ok\n");
}

/*
 * Buffers large enough to be split between several probe streams
 * inside the scanner, with the candidate at every offset of a long run
 * of base32 and of binary.
 */
static void
test_large_buffer(void)
{
	unsigned char	*data;
	char		*cands[3] = { hash_a, hash_b, hash_c };
	size_t		 len = 5000, off, i;
	int		 alpha;

	if ((data = malloc(len)) == NULL)
		err(1, NULL);
	for (alpha = 0; alpha < 2; alpha++) {
		for (off = 0; off + HLEN <= len; off += 1 + alpha * 6) {
			for (i = 0; i < len; i++)
				data[i] = alpha ?
				    (unsigned char)alphabet[rng() & 31] :
				    (unsigned char)rng();
			memcpy(data + off, hash_b, HLEN);
			check_scan("large buffer", data, len, cands, 3,
			    len);
			check_scan("large buffer", data, len, cands, 3, 0);
		}
	}
	free(data);
	printf("candidate at every offset of a 5000-byte buffer: ok\n");
}

/* 0, 1 and 5000 candidates; duplicates are found together. */
static void
test_counts(void)
{
	struct refscan	*rs;
	unsigned char	*data;
	char		*cands[5000], *dup[3];
	const int	 dups[3] = { 1, 1, 0 };
	char		 buf[3 * HLEN];
	size_t		 i, len = 200000, off;

	rs = scanner(NULL, 0);
	refscan_feed(rs, hash_a, HLEN);
	refscan_feed(rs, NULL, 0);
	if (refscan_nfound(rs) != 0 || refscan_found(rs, 0) != 0)
		errx(1, "no candidates: got something found");
	refscan_free(rs);
	printf("0 candidates: ok\n");

	dup[0] = hash_a;
	dup[1] = hash_a;
	dup[2] = hash_b;
	snprintf(buf, sizeof(buf), "-%s-", hash_a);
	expect_found("duplicate candidates", buf, dup, 3, dups);
	printf("1 candidate, duplicate candidates: ok\n");

	if ((data = malloc(len)) == NULL)
		err(1, NULL);
	for (i = 0; i < 5000; i++) {
		if ((cands[i] = malloc(HLEN)) == NULL)
			err(1, NULL);
		random_hash(cands[i]);
	}
	for (i = 0; i < len; i++)
		data[i] = rng_below(4) == 0 ? '/' : alphabet[rng() & 31];
	/* Every third candidate, at random places. */
	for (i = 0; i < 5000; i += 3) {
		off = rng_below(len - HLEN);
		memcpy(data + off, cands[i], HLEN);
	}
	check_scan("5000 candidates", data, len, cands, 5000, len);
	check_scan("5000 candidates", data, len, cands, 5000, 0);
	check_scan("5000 candidates", data, len, cands, 5000, 4096);
	printf("5000 candidates: ok\n");
	for (i = 0; i < 5000; i++)
		free(cands[i]);
	free(data);
}

static void
expect_rejected(const char *what, const char *cand)
{
	struct refscan	*rs;
	const char	*errstr = NULL, *cands[2] = { hash_a, cand };

	errno = 0;
	if ((rs = refscan_new(cands, 2, &errstr)) != NULL)
		errx(1, "%s: got a scanner, expected rejection", what);
	if (errno != EINVAL || errstr == NULL)
		errx(1, "%s: got errno %d, errstr %s, expected EINVAL", what,
		    errno, errstr == NULL ? "NULL" : errstr);
}

static void
test_bad_candidates(void)
{
	char	cand[HLEN + 1];

	memcpy(cand, hash_a, sizeof(cand));
	cand[31] = '\0';
	expect_rejected("31 characters", cand);
	cand[31] = 'e';
	expect_rejected("'e' (not in the alphabet)", cand);
	cand[31] = 'A';
	expect_rejected("upper case", cand);
	expect_rejected("empty", "");
	printf("bad candidates rejected: ok\n");
}

/* Once everything is found, feeding more changes nothing. */
static void
test_all_found(void)
{
	struct refscan	*rs;
	char		*cands[2] = { hash_a, hash_b };
	char		 buf[2 * HLEN + 1];
	int		 i;

	rs = scanner(cands, 2);
	snprintf(buf, sizeof(buf), "%s%s", hash_b, hash_a);
	refscan_feed(rs, buf, strlen(buf));
	for (i = 0; i < 1000; i++)
		refscan_feed(rs, buf, strlen(buf));
	if (refscan_nfound(rs) != 2 || !refscan_found(rs, 0) ||
	    !refscan_found(rs, 1) || refscan_found(rs, 2))
		errx(1, "all found: got nfound %zu", refscan_nfound(rs));
	refscan_free(rs);
	printf("all found, then more input: ok\n");
}

/*
 * Random data of several kinds; candidates are random hashes, windows
 * copied out of the data (so found unless they contain a foreign
 * byte, in which case refscan_new must refuse them) and near copies.
 */
static void
fill_random(unsigned char *data, size_t len, int kind)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		switch (kind) {
		case 0:		/* binary */
			data[i] = rng();
			break;
		case 1:		/* only base32 */
			data[i] = alphabet[rng() & 31];
			break;
		case 2:		/* base32 with a rare separator */
			data[i] = rng_below(40) == 0 ? "e-/\n\0"[rng_below(5)] :
			    alphabet[rng() & 31];
			break;
		default:	/* few letters: long repeats, near misses */
			data[i] = "aab0"[rng() & 3];
			break;
		}
	}
}

static void
test_random(int rounds)
{
	unsigned char	*data;
	char		*cands[64], store[64][HLEN];
	size_t		 len, ncands, i, off, j;
	uint64_t	 seed;
	int		 round, kind;

	if ((data = malloc(70000)) == NULL)
		err(1, NULL);
	for (round = 0; round < rounds; round++) {
		seed = 1000 + round;
		rng_state = seed;
		kind = round % 4;
		len = rng_below(8) == 0 ? rng_below(70000) : rng_below(3000);
		fill_random(data, len, kind);
		ncands = rng_below(64);
		for (i = 0; i < ncands; i++) {
			cands[i] = store[i];
			if (kind == 3)
				for (j = 0; j < HLEN; j++)
					store[i][j] = "aab0"[rng() & 3];
			else
				random_hash(store[i]);
			if (len < HLEN || rng_below(3) != 0)
				continue;
			off = rng_below(len - HLEN + 1);
			if (rng_below(2) == 0) {
				/* Plant it in the data ... */
				memcpy(data + off, store[i], HLEN);
			} else if (kind != 0) {
				/* ... or take a window, perhaps changed. */
				memcpy(store[i], data + off, HLEN);
				if (!is_base32(store[i]))
					random_hash(store[i]);
				if (rng_below(2) == 0)
					store[i][rng_below(HLEN)] = 'z';
			}
		}
		printf("random round %d (seed %llu, kind %d, len %zu, "
		    "%zu candidates)\n", round, (unsigned long long)seed,
		    kind, len, ncands);
		check_scan("random", data, len, cands, ncands, 0);
		check_scan("random", data, len, cands, ncands,
		    1 + rng_below(64));
		check_scan("random", data, len, cands, ncands, len + 1);
	}
	free(data);
	printf("random cross-check against memmem, %d rounds: ok\n", rounds);
}

/*
 * The daemon scans an output's NAR as nar_dump_path() writes it: a
 * sink that feeds the scanner and keeps a copy of the stream, with the
 * chunk boundaries, for the naive check.
 */
struct nar_copy {
	struct refscan	*nc_rs;
	unsigned char	*nc_buf;
	size_t		 nc_len;
	size_t		 nc_cap;
	size_t		 nc_bounds[64];
	size_t		 nc_nbounds;
};

static int
nar_copy_sink(void *arg, const void *buf, size_t len)
{
	struct nar_copy	*nc = arg;

	refscan_feed(nc->nc_rs, buf, len);
	if (nc->nc_len + len > nc->nc_cap)
		errx(1, "NAR larger than expected");
	memcpy(nc->nc_buf + nc->nc_len, buf, len);
	nc->nc_len += len;
	if (nc->nc_nbounds < 64)
		nc->nc_bounds[nc->nc_nbounds++] = nc->nc_len;
	return (0);
}

static void
write_file(int dirfd, const char *name, const void *buf, size_t len)
{
	int	fd;

	if ((fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL, 0644)) ==
	    -1)
		err(1, "create %s", name);
	if (write(fd, buf, len) != (ssize_t)len)
		err(1, "write %s", name);
	close(fd);
}

/* Candidates back to back around each 64 KiB of a 300 KB file. */
static size_t
nar_plant_big(unsigned char *big, size_t len, char **cands, size_t ncands)
{
	size_t	n = 0, off, i;

	for (i = 0; i < len; i++)
		big[i] = rng();
	for (off = 65536 - 2048; off + HLEN < len && n < ncands;
	    off += HLEN) {
		if (off % 65536 > 2048 && off % 65536 < 65536 - 2048) {
			off += 65536 - 4096 - HLEN;
			continue;
		}
		memcpy(big + off, cands[n++], HLEN);
	}
	return (n);
}

static int
straddles(const struct nar_copy *nc, const char *cand)
{
	const unsigned char	*p;
	size_t			 i, off;

	if ((p = memmem(nc->nc_buf, nc->nc_len, cand, HLEN)) == NULL)
		return (0);
	off = p - nc->nc_buf;
	for (i = 0; i < nc->nc_nbounds; i++)
		if (off < nc->nc_bounds[i] && nc->nc_bounds[i] < off + HLEN)
			return (1);
	return (0);
}

static void
test_nar(void)
{
	char		 dir[] = "/tmp/t_refscan.XXXXXX", name[64], target[128];
	char		*cands[600], cstore[600][HLEN + 1];
	unsigned char	*big, *want;
	struct nar_copy	 nc;
	const char	*errstr;
	size_t		 i, nbig, nstraddle = 0, biglen = 300000;
	int		 dfd;

	for (i = 0; i < 600; i++) {
		random_hash(cstore[i]);
		cstore[i][HLEN] = '\0';
		cands[i] = cstore[i];
	}
	if (mkdtemp(dir) == NULL || (dfd = open(dir, O_RDONLY |
	    O_DIRECTORY)) == -1 || (big = malloc(biglen)) == NULL)
		err(1, "setup");
	/* 0 in a name, 1 in a symlink target, 2 in contents, 3 nowhere. */
	snprintf(name, sizeof(name), "%s-name", cands[0]);
	write_file(dfd, name, "", 0);
	snprintf(target, sizeof(target), "/nix/store/%s-dep/bin/x", cands[1]);
	if (symlinkat(target, dfd, "link") == -1)
		err(1, "symlink");
	snprintf(target, sizeof(target), "#!%s/bin/sh", cands[2]);
	write_file(dfd, "script", target, strlen(target));
	nbig = nar_plant_big(big, biglen, cands + 4, 596) + 4;
	write_file(dfd, "big", big, biglen);

	memset(&nc, 0, sizeof(nc));
	nc.nc_cap = biglen + 4096;
	if ((nc.nc_buf = malloc(nc.nc_cap)) == NULL ||
	    (want = calloc(nbig, 1)) == NULL)
		err(1, NULL);
	nc.nc_rs = scanner(cands, nbig);
	if (nar_dump_path(AT_FDCWD, dir, nar_copy_sink, &nc, &errstr) == -1)
		errx(1, "nar_dump_path: %s", errstr);
	naive_found(nc.nc_buf, nc.nc_len, cands, nbig, want);
	if (!want[0] || !want[1] || !want[2] || want[3])
		errx(1, "NAR: setup: name, target, contents not all there");
	for (i = 0; i < nbig; i++) {
		if (refscan_found(nc.nc_rs, i) != want[i])
			errx(1, "NAR: candidate %zu: got found=%d, expected "
			    "%d", i, refscan_found(nc.nc_rs, i), want[i]);
		nstraddle += straddles(&nc, cands[i]);
	}
	if (nc.nc_nbounds < 4 || nstraddle == 0)
		errx(1, "NAR: got %zu sink chunks and %zu candidates across "
		    "them, expected more", nc.nc_nbounds, nstraddle);
	printf("NAR of a tree (name, symlink target, contents, %zu across "
	    "%zu sink chunks): ok\n", nstraddle, nc.nc_nbounds);
	refscan_free(nc.nc_rs);
	if (nar_remove_tree(AT_FDCWD, dir, &errstr) == -1)
		errx(1, "remove %s: %s", dir, errstr);
	close(dfd);
	free(nc.nc_buf);
	free(want);
	free(big);
}

int
main(int argc, char *argv[])
{
	int	rounds = 600;

	if (argc > 1)
		rounds = atoi(argv[1]);
	rng_state = 42;
	random_hash(hash_a);
	random_hash(hash_b);
	random_hash(hash_c);
	printf("candidates a %s, b %s, c %s\n", hash_a, hash_b, hash_c);
	test_positions();
	test_overlap();
	test_near_misses();
	test_lookalikes();
	test_bad_candidates();
	test_all_found();
	test_counts();
	test_every_offset();
	test_large_buffer();
	test_nar();
	test_random(rounds);
	return (0);
}
