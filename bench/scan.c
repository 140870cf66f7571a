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
 * scan: reference scanner throughput over 1 GiB in memory with 1000
 * candidates, fed in NAR_BUFSIZE chunks as the daemon feeds it, best
 * of 3, on three inputs:
 *
 *	mixed		4 KiB blocks of random binary, machine-code-like
 *			bytes, English-like text and RPATH-like lists of
 *			store paths (random hash parts)
 *	base32		nothing but base32 characters
 *	adversarial	one character repeated, and a candidate made of
 *			it but one: every window has to be looked up
 *
 * 100 of the candidates are planted in each input; exactly those must
 * be found.  For comparison the first 256 MiB of each input go once
 * through Nix 2.8's search() algorithm (recoded in C with a hash set,
 * so faster than Nix itself).  One line per input: "<name> <bytes>
 * <ns> <found> <planted> <nix-style bytes> <ns> <found> <planted>".
 */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nar.h"
#include "refscan.h"

#define SC_NCANDS	1000
#define SC_NPLANT	100
#define SC_BLOCK	4096
#define SC_RUNS		3
#define SC_NIXLEN	((size_t)256 << 20)
#define HLEN		REFSCAN_HASH_LEN

static const char	 sc_alphabet[] = "0123456789abcdfghijklmnpqrsvwxyz";
static const char	*sc_words[] = {
	"the", "of", "and", "to", "in", "is", "for", "with", "lib", "bin",
	"include", "static", "return", "buffer", "nix", "store", "gcc",
	"x86_64", "linux", "gnu", "version", "1.2.3", "error", "warning",
	"function", "struct", "int", "char", "void", "size_t", "const",
	"unsigned", "malloc", "printf", "pkgconfig", "share", "doc", "man",
	"usr", "etc", "PATH", "HOME", "--prefix", "configure", "make",
	"install", "check", "if", "then", "else", "fi", "done", "while",
	"glibc-2.35", "libxml2", "openssl", "zlib", "python3", "perl",
	"{", "}", "(", ")", ";", "=", "==", "0x7fffffff", "42", "-O2"
};
static uint64_t		 sc_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
sc_rand(void)
{
	sc_state ^= sc_state << 13;
	sc_state ^= sc_state >> 7;
	sc_state ^= sc_state << 17;
	return (sc_state);
}

static uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

static void
sc_text(unsigned char *p, size_t len, int paths)
{
	const char	*w;
	size_t		 off = 0, n, i;

	while (off < len) {
		if (paths && len - off > 80) {
			memcpy(p + off, "/nix/store/", 11);
			for (i = 0; i < HLEN; i++)
				p[off + 11 + i] = sc_alphabet[sc_rand() & 31];
			p[off + 11 + HLEN] = '-';
			off += 12 + HLEN;
		}
		w = sc_words[sc_rand() % (sizeof(sc_words) /
		    sizeof(sc_words[0]))];
		n = strlen(w);
		if (n > len - off)
			n = len - off;
		memcpy(p + off, w, n);
		off += n;
		if (off < len)
			p[off++] = paths ? (sc_rand() & 1 ? '/' : ':') :
			    (sc_rand() % 12 == 0 ? '\n' : ' ');
	}
}

static void
sc_binary(unsigned char *p, size_t len, int code)
{
	uint64_t	r;
	size_t		i;

	for (i = 0; i + 8 <= len; i += 8) {
		r = sc_rand();
		/* Machine code: about half the bytes are 0x00. */
		if (code)
			r &= sc_rand() | sc_rand();
		memcpy(p + i, &r, 8);
	}
}

static void
sc_fill_mixed(unsigned char *buf, size_t len)
{
	size_t	off;
	int	kind;

	for (off = 0; off + SC_BLOCK <= len; off += SC_BLOCK) {
		kind = sc_rand() % 10;
		if (kind < 4)
			sc_binary(buf + off, SC_BLOCK, 0);
		else if (kind < 6)
			sc_binary(buf + off, SC_BLOCK, 1);
		else
			sc_text(buf + off, SC_BLOCK, kind == 9);
	}
}

static void
sc_fill(unsigned char *buf, size_t len, const char *kind)
{
	size_t	i;

	if (strcmp(kind, "mixed") == 0)
		sc_fill_mixed(buf, len);
	else if (strcmp(kind, "base32") == 0)
		for (i = 0; i < len; i++)
			buf[i] = sc_alphabet[sc_rand() & 31];
	else
		memset(buf, '0', len);
}

/*
 * Candidates 1..100 go to evenly spread, random places; returns how
 * many lie wholly in the first prefix bytes.
 */
static size_t
sc_plant(unsigned char *buf, size_t len, char **cands, size_t prefix)
{
	size_t	slot = len / SC_NPLANT, i, off, n = 0;

	for (i = 0; i < SC_NPLANT; i++) {
		off = i * slot + sc_rand() % (slot - HLEN);
		memcpy(buf + off, cands[1 + i], HLEN);
		if (off + HLEN <= prefix)
			n++;
	}
	return (n);
}

/*
 * Nix 2.8's search() for comparison: test each window from its right
 * end, skip past a byte outside the alphabet, else look the window up
 * and move on by one.  The set is an open-addressing hash table here
 * (Nix uses a std::set<std::string> and allocates each window).
 */
struct sc_nixset {
	char		*ns_keys;	/* (mask + 1) * HLEN, '\0' = empty */
	unsigned char	*ns_seen;
	size_t		 ns_mask;
	size_t		 ns_nseen;
	unsigned char	 ns_b32[256];
	unsigned char	 ns_tail[HLEN];
	size_t		 ns_ntail;
};

static size_t
sc_nix_hash(const unsigned char *p)
{
	uint64_t	a, b, c, d;

	memcpy(&a, p, 8);
	memcpy(&b, p + 8, 8);
	memcpy(&c, p + 16, 8);
	memcpy(&d, p + 24, 8);
	a = (a ^ (b * 0xc2b2ae3d27d4eb4fULL) ^ (c * 0x165667b19e3779f9ULL) ^
	    d) * 0x9e3779b97f4a7c15ULL;
	return (a ^ (a >> 32));
}

static void
sc_nix_init(struct sc_nixset *ns, char **cands, size_t ncands)
{
	size_t	i, slot;

	memset(ns, 0, sizeof(*ns));
	ns->ns_mask = 4095;
	if ((ns->ns_keys = calloc(ns->ns_mask + 1, HLEN)) == NULL ||
	    (ns->ns_seen = calloc(ns->ns_mask + 1, 1)) == NULL)
		err(1, NULL);
	for (i = 0; i < sizeof(sc_alphabet) - 1; i++)
		ns->ns_b32[(unsigned char)sc_alphabet[i]] = 1;
	for (i = 0; i < ncands; i++) {
		slot = sc_nix_hash((unsigned char *)cands[i]) & ns->ns_mask;
		while (ns->ns_keys[slot * HLEN] != '\0')
			slot = (slot + 1) & ns->ns_mask;
		memcpy(ns->ns_keys + slot * HLEN, cands[i], HLEN);
	}
}

static void
sc_nix_lookup(struct sc_nixset *ns, const unsigned char *win)
{
	size_t	slot;

	slot = sc_nix_hash(win) & ns->ns_mask;
	for (; ns->ns_keys[slot * HLEN] != '\0';
	    slot = (slot + 1) & ns->ns_mask) {
		if (memcmp(ns->ns_keys + slot * HLEN, win, HLEN) == 0) {
			if (!ns->ns_seen[slot]) {
				ns->ns_seen[slot] = 1;
				ns->ns_nseen++;
			}
			return;
		}
	}
}

static void
sc_nix_search(struct sc_nixset *ns, const unsigned char *s, size_t len)
{
	size_t	i = 0;
	int	j;

	while (i + HLEN <= len) {
		for (j = HLEN - 1; j >= 0; j--)
			if (!ns->ns_b32[s[i + j]])
				break;
		if (j >= 0) {
			i += j + 1;
			continue;
		}
		sc_nix_lookup(ns, s + i);
		i++;
	}
}

/* RefScanSink: the last 32 bytes glued to the first 32 of the chunk. */
static void
sc_nix_feed(struct sc_nixset *ns, const unsigned char *p, size_t len)
{
	unsigned char	glue[2 * HLEN];
	size_t		n = len < HLEN ? len : HLEN, keep;

	memcpy(glue, ns->ns_tail, ns->ns_ntail);
	memcpy(glue + ns->ns_ntail, p, n);
	sc_nix_search(ns, glue, ns->ns_ntail + n);
	sc_nix_search(ns, p, len);
	keep = ns->ns_ntail < HLEN - n ? ns->ns_ntail : HLEN - n;
	memmove(ns->ns_tail, ns->ns_tail + ns->ns_ntail - keep, keep);
	memcpy(ns->ns_tail + keep, p + len - n, n);
	ns->ns_ntail = keep + n;
}

/* Best of runs; which scanner by nixstyle. */
static uint64_t
sc_time(const unsigned char *buf, size_t len, char **cands, int nixstyle,
    int runs, size_t *nfound)
{
	struct sc_nixset	 ns;
	struct refscan		*rs = NULL;
	const char		*errstr;
	uint64_t		 t, best = UINT64_MAX;
	size_t			 off, n;
	int			 run;

	for (run = 0; run < runs; run++) {
		t = now_ns();
		if (nixstyle)
			sc_nix_init(&ns, cands, SC_NCANDS);
		else if ((rs = refscan_new((const char *const *)cands,
		    SC_NCANDS, &errstr)) == NULL)
			errx(1, "refscan_new: %s", errstr);
		for (off = 0; off < len; off += n) {
			n = len - off < NAR_BUFSIZE ? len - off : NAR_BUFSIZE;
			if (nixstyle)
				sc_nix_feed(&ns, buf + off, n);
			else
				refscan_feed(rs, buf + off, n);
		}
		t = now_ns() - t;
		best = t < best ? t : best;
		if (nixstyle) {
			*nfound = ns.ns_nseen;
			free(ns.ns_keys);
			free(ns.ns_seen);
		} else {
			*nfound = refscan_nfound(rs);
			refscan_free(rs);
		}
	}
	return (best);
}

/*
 * Candidate 0 is "1" and 31 zeros, so that in the adversarial input
 * every window ends on one of its blocks.  No other candidate ends in
 * "0" or "1", so none can end in "1" and zeros and complete candidate
 * 0 with the zeros after it.
 */
static char **
sc_candidates(void)
{
	static char	 store[SC_NCANDS][HLEN + 1];
	static char	*cands[SC_NCANDS];
	size_t		 i, j;

	for (i = 0; i < SC_NCANDS; i++) {
		for (j = 0; j < HLEN; j++)
			store[i][j] = sc_alphabet[sc_rand() & 31];
		if (store[i][HLEN - 1] == '0' || store[i][HLEN - 1] == '1')
			store[i][HLEN - 1] = '2';
		cands[i] = store[i];
	}
	memset(store[0], '0', HLEN);
	store[0][0] = '1';
	return (cands);
}

int
main(int argc, char *argv[])
{
	static const char	*kinds[] = { "mixed", "base32", "adversarial" };
	unsigned char		*buf;
	char			**cands;
	size_t			 len = (size_t)1 << 30, nixlen, found;
	size_t			 nixfound, nixwant, k;
	uint64_t		 t, nixt;
	int			 bad = 0;

	if (argc == 2)
		len = strtoull(argv[1], NULL, 10) << 20;
	if (len < SC_NPLANT * 64 || (buf = malloc(len)) == NULL)
		errx(1, "usage: scan [MiB]");
	nixlen = len < SC_NIXLEN ? len : SC_NIXLEN;
	cands = sc_candidates();
	for (k = 0; k < 3; k++) {
		sc_fill(buf, len, kinds[k]);
		nixwant = sc_plant(buf, len, cands, nixlen);
		t = sc_time(buf, len, cands, 0, SC_RUNS, &found);
		nixt = sc_time(buf, nixlen, cands, 1, 1, &nixfound);
		printf("%s %zu %llu %zu %d %zu %llu %zu %zu\n", kinds[k], len,
		    (unsigned long long)t, found, SC_NPLANT, nixlen,
		    (unsigned long long)nixt, nixfound, nixwant);
		fflush(stdout);
		if (found != SC_NPLANT || nixfound != nixwant)
			bad = 1;
	}
	free(buf);
	return (bad);
}
