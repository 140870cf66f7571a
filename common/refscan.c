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
 * Reference scanner after Wu and Manber's multi-pattern search.  Every
 * candidate is 32 bytes long, so the scanner hashes the last 4 (or 5)
 * bytes of a 32-byte window and asks a shift table how far the window may
 * move before it could end on a candidate: on binary data and on text
 * made only of base32 characters alike, nearly every probe moves the
 * window 29 bytes.  Only when the block ends some candidate is the
 * whole window hashed and looked up.  Thus every window is covered, as
 * in Nix (which tests each position of each base32 run of 32 or more
 * bytes), at a cost that does not depend on the alphabet.
 *
 * A probe is a chain of dependent loads, so a large buffer is cut into
 * four parts scanned in step to keep four chains in flight.  With 1000
 * candidates this scans about 9 GB/s of mixed binary and text, or of
 * random base32 text, on one core of the reference machine (make
 * bench); input built so that every 4-byte block ends a candidate
 * costs a lookup per byte and still goes at about 230 MB/s.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "refscan.h"

#define RS_TAIL		(REFSCAN_HASH_LEN - 1)
#define RS_BITS_MIN	10
#define RS_FEW		2000	/* up to this many use 4-byte blocks */
#define RS_FEW_BITS	18	/* 256 KiB: larger tables were slower */
#define RS_MANY_BITS	22	/* 4 MiB, for 10^5 candidates */
#define RS_STREAMS	4
#define RS_SPLIT_MIN	1024	/* smaller buffers are scanned in one go */
#define RS_DONE		SIZE_MAX

struct refscan_slot {
	uint64_t	 sl_hash;	/* refscan_window_hash() */
	uint32_t	 sl_index;	/* candidate index + 1, 0 = empty */
};

struct refscan {
	size_t		 rs_ncands;
	size_t		 rs_nfound;
	char		*rs_cands;	/* ncands * 32 bytes */
	unsigned char	*rs_found;	/* one flag per candidate */
	struct refscan_slot *rs_slots;	/* open addressing, linear probing */
	size_t		 rs_slotmask;
	unsigned char	*rs_shift;	/* 1 << rs_bits entries */
	int		 rs_bits;
	int		 rs_block;	/* bytes hashed to pick a shift */
	int		 rs_maxshift;
	uint64_t	 rs_blockmask;	/* keeps the block's bytes of a word */
	size_t		 rs_ntail;
	unsigned char	 rs_tail[RS_TAIL];
};

static const char refscan_alphabet[] = "0123456789abcdfghijklmnpqrsvwxyz";

static int	refscan_check_cand(const char *);
static void	refscan_table_size(struct refscan *);
static int	refscan_index(struct refscan *);
static void	refscan_insert(struct refscan *, size_t,
		    const unsigned char *);
static void	refscan_verify(struct refscan *, const unsigned char *);
static void	refscan_scan(struct refscan *, const unsigned char *, size_t);

struct refscan *
refscan_new(const char *const *cands, size_t ncands, const char **errstr)
{
	struct refscan	*rs;
	size_t		 i;

	if (ncands >= UINT32_MAX) {
		*errstr = "too many candidates";
		errno = EINVAL;
		return (NULL);
	}
	for (i = 0; i < ncands; i++) {
		if (refscan_check_cand(cands[i]) == -1) {
			*errstr = "candidate is not a 32-character "
			    "Nix base32 hash";
			errno = EINVAL;
			return (NULL);
		}
	}
	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		goto nomem;
	rs->rs_ncands = ncands;
	/* One spare element so that ncands == 0 needs no special case. */
	if ((rs->rs_cands = reallocarray(NULL, ncands + 1,
	    REFSCAN_HASH_LEN)) == NULL ||
	    (rs->rs_found = calloc(ncands + 1, 1)) == NULL)
		goto nomem;
	for (i = 0; i < ncands; i++)
		memcpy(rs->rs_cands + i * REFSCAN_HASH_LEN, cands[i],
		    REFSCAN_HASH_LEN);
	if (refscan_index(rs) == -1)
		goto nomem;
	return (rs);
 nomem:
	refscan_free(rs);
	*errstr = "out of memory";
	errno = ENOMEM;
	return (NULL);
}

/* Stops at the first byte outside the alphabet, so never reads past NUL. */
static int
refscan_check_cand(const char *cand)
{
	size_t	i;

	for (i = 0; i < REFSCAN_HASH_LEN; i++)
		if (cand[i] == '\0' ||
		    strchr(refscan_alphabet, cand[i]) == NULL)
			return (-1);
	return (0);
}

/*
 * Enough table entries per candidate block that a window that ends on
 * no candidate nearly always gets the full shift, while the table stays
 * in the L2 cache where possible (the sizes were measured).  Past a few
 * thousand candidates four base32 characters (20 bits) no longer tell
 * blocks apart, so blocks grow to five and the table beyond L2.
 */
static void
refscan_table_size(struct refscan *rs)
{
	size_t	want;
	int	maxbits;

	if (rs->rs_ncands <= RS_FEW) {
		rs->rs_block = 4;
		maxbits = RS_FEW_BITS;
		want = rs->rs_ncands * 8;
	} else {
		rs->rs_block = 5;
		maxbits = RS_MANY_BITS;
		want = rs->rs_ncands * 4;
	}
	rs->rs_maxshift = REFSCAN_HASH_LEN - rs->rs_block + 1;
	rs->rs_blockmask = ~0ULL << (64 - 8 * rs->rs_block);
	want *= rs->rs_maxshift;
	for (rs->rs_bits = RS_BITS_MIN; rs->rs_bits < maxbits &&
	    ((size_t)1 << rs->rs_bits) < want; rs->rs_bits++)
		;
}

/*
 * The block is the bytes just before end: the high bytes of the
 * little-endian word ending there, kept by mask.
 */
static inline uint32_t
refscan_block_hash(uint64_t mask, int bits, const unsigned char *end)
{
	uint64_t	v;

	memcpy(&v, end - sizeof(v), sizeof(v));
	return (((v & mask) * 0x9e3779b97f4a7c15ULL) >> (64 - bits));
}

static inline uint64_t
refscan_window_hash(const unsigned char *p)
{
	uint64_t	a, b, c, d, h;

	memcpy(&a, p, 8);
	memcpy(&b, p + 8, 8);
	memcpy(&c, p + 16, 8);
	memcpy(&d, p + 24, 8);
	h = (a * 0x9e3779b97f4a7c15ULL) ^ (b * 0xc2b2ae3d27d4eb4fULL) ^
	    (c * 0x165667b19e3779f9ULL) ^ (d * 0x27d4eb2f165667c5ULL);
	return (h ^ (h >> 29) ^ (h >> 47));
}

/*
 * The shift of a block is how far its rightmost occurrence in any
 * candidate lies from the candidate's end, or RS_MAXSHIFT if none has
 * it; hash collisions only make shifts smaller, never unsafe.
 */
static int
refscan_index(struct refscan *rs)
{
	unsigned char	 pad[sizeof(uint64_t) + REFSCAN_HASH_LEN];
	size_t		 i, nslots;
	uint32_t	 h;
	int		 q, shift;

	refscan_table_size(rs);
	if ((rs->rs_shift = malloc((size_t)1 << rs->rs_bits)) == NULL)
		return (-1);
	memset(rs->rs_shift, rs->rs_maxshift, (size_t)1 << rs->rs_bits);
	for (nslots = 2; nslots < rs->rs_ncands * 2; nslots <<= 1)
		;
	if ((rs->rs_slots = calloc(nslots, sizeof(*rs->rs_slots))) == NULL)
		return (-1);
	rs->rs_slotmask = nslots - 1;

	/* A word ending at a block near the start reads into pad. */
	memset(pad, 0, sizeof(uint64_t));
	for (i = 0; i < rs->rs_ncands; i++) {
		memcpy(pad + sizeof(uint64_t), rs->rs_cands +
		    i * REFSCAN_HASH_LEN, REFSCAN_HASH_LEN);
		/* q counts where the block ends, as window ends count. */
		for (q = rs->rs_block; q <= REFSCAN_HASH_LEN; q++) {
			h = refscan_block_hash(rs->rs_blockmask, rs->rs_bits,
			    pad + sizeof(uint64_t) + q);
			shift = REFSCAN_HASH_LEN - q;
			if (rs->rs_shift[h] > shift)
				rs->rs_shift[h] = shift;
		}
		refscan_insert(rs, i, pad + sizeof(uint64_t));
	}
	return (0);
}

static void
refscan_insert(struct refscan *rs, size_t index, const unsigned char *cand)
{
	uint64_t	wh;
	size_t		slot;

	wh = refscan_window_hash(cand);
	for (slot = wh & rs->rs_slotmask; rs->rs_slots[slot].sl_index != 0;
	    slot = (slot + 1) & rs->rs_slotmask)
		;
	rs->rs_slots[slot].sl_hash = wh;
	rs->rs_slots[slot].sl_index = index + 1;
}

/* Marks every not yet found candidate equal to the window. */
static void
refscan_verify(struct refscan *rs, const unsigned char *win)
{
	struct refscan_slot	*sl;
	uint64_t		 wh;
	size_t			 slot, idx;

	wh = refscan_window_hash(win);
	for (slot = wh & rs->rs_slotmask;
	    (sl = &rs->rs_slots[slot])->sl_index != 0;
	    slot = (slot + 1) & rs->rs_slotmask) {
		idx = sl->sl_index - 1;
		if (sl->sl_hash == wh && !rs->rs_found[idx] &&
		    memcmp(rs->rs_cands + idx * REFSCAN_HASH_LEN, win,
		    REFSCAN_HASH_LEN) == 0) {
			rs->rs_found[idx] = 1;
			rs->rs_nfound++;
		}
	}
}

/*
 * The probe loop keeps the table parameters in locals: stores through
 * rs_found (unsigned char) could alias any field of rs.
 */
struct refscan_probe {
	const unsigned char	*pr_shift;
	uint64_t		 pr_mask;
	int			 pr_bits;
};

/*
 * One probe at the window ending just before buf + end; returns the
 * next window end worth a probe, or RS_DONE once all are found.
 */
static inline size_t
refscan_step(struct refscan *rs, const struct refscan_probe *pr,
    const unsigned char *buf, size_t end)
{
	int	s;

	s = pr->pr_shift[refscan_block_hash(pr->pr_mask, pr->pr_bits,
	    buf + end)];
	if (s == 0) {
		refscan_verify(rs, buf + end - REFSCAN_HASH_LEN);
		if (rs->rs_nfound == rs->rs_ncands)
			return (RS_DONE);
		s = 1;
	}
	return (end + s);
}

/*
 * Every 32-byte window lying wholly inside buf.  Windows are named by
 * their end (one past the last byte), 32..len; stream k probes the
 * ends in [lim[k-1], lim[k]) and may overshoot into the next range.
 */
static void
refscan_scan(struct refscan *rs, const unsigned char *buf, size_t len)
{
	struct refscan_probe	pr;
	size_t			end[RS_STREAMS], lim[RS_STREAMS], part;
	int			k, live;

	if (len < REFSCAN_HASH_LEN || rs->rs_nfound == rs->rs_ncands)
		return;
	pr.pr_shift = rs->rs_shift;
	pr.pr_mask = rs->rs_blockmask;
	pr.pr_bits = rs->rs_bits;
	if (len < RS_SPLIT_MIN) {
		for (end[0] = REFSCAN_HASH_LEN; end[0] <= len;)
			end[0] = refscan_step(rs, &pr, buf, end[0]);
		return;
	}
	part = (len - REFSCAN_HASH_LEN) / RS_STREAMS;
	for (k = 0; k < RS_STREAMS; k++) {
		end[k] = REFSCAN_HASH_LEN + part * k;
		lim[k] = REFSCAN_HASH_LEN + part * (k + 1);
	}
	lim[RS_STREAMS - 1] = len + 1;
	for (;;) {
		live = 1;
		for (k = 0; k < RS_STREAMS; k++)
			live &= end[k] < lim[k];
		if (!live)
			break;
		for (k = 0; k < RS_STREAMS; k++)
			end[k] = refscan_step(rs, &pr, buf, end[k]);
	}
	for (k = 0; k < RS_STREAMS; k++)
		while (end[k] < lim[k] && rs->rs_nfound < rs->rs_ncands)
			end[k] = refscan_step(rs, &pr, buf, end[k]);
}

/*
 * A window may start in an earlier chunk, so the last 31 bytes are
 * kept, and the windows that span them and the new chunk (all of which
 * lie in the first 62 bytes of the two) are scanned first.
 */
void
refscan_feed(struct refscan *rs, const void *data, size_t len)
{
	unsigned char		 glue[2 * RS_TAIL];
	const unsigned char	*p = data;
	size_t			 nglue, keep;

	if (rs->rs_nfound == rs->rs_ncands || len == 0)
		return;
	if (rs->rs_ntail > 0) {
		nglue = len < RS_TAIL ? len : RS_TAIL;
		memcpy(glue, rs->rs_tail, rs->rs_ntail);
		memcpy(glue + rs->rs_ntail, p, nglue);
		refscan_scan(rs, glue, rs->rs_ntail + nglue);
	}
	refscan_scan(rs, p, len);

	if (len >= RS_TAIL) {
		memcpy(rs->rs_tail, p + len - RS_TAIL, RS_TAIL);
		rs->rs_ntail = RS_TAIL;
		return;
	}
	keep = rs->rs_ntail < RS_TAIL - len ? rs->rs_ntail : RS_TAIL - len;
	memmove(rs->rs_tail, rs->rs_tail + rs->rs_ntail - keep, keep);
	memcpy(rs->rs_tail + keep, p, len);
	rs->rs_ntail = keep + len;
}

int
refscan_found(const struct refscan *rs, size_t index)
{
	if (index >= rs->rs_ncands)
		return (0);
	return (rs->rs_found[index]);
}

size_t
refscan_nfound(const struct refscan *rs)
{
	return (rs->rs_nfound);
}

void
refscan_free(struct refscan *rs)
{
	if (rs == NULL)
		return;
	free(rs->rs_cands);
	free(rs->rs_found);
	free(rs->rs_slots);
	free(rs->rs_shift);
	free(rs);
}
