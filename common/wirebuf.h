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
 * The worker protocol's primitives, one encoding for the client link
 * (wire.h) and for the messages between rnixd's processes (msg.h): a
 * decoder over whatever bytes have arrived and an encoder into a
 * growable buffer.  No I/O happens here.
 *
 * Input getters return 1 (done, cursor advanced), 0 (the buffer ends
 * too early: nothing changed, not even *out, retry the whole op once
 * more bytes arrived) or -1 (bad input: wi_errstr, a static string,
 * says why; the cursor stays put).  Nothing is allocated unless the
 * getter returns 1.  Getters of store paths need the store dir
 * (not NULL) to check them with storepath_parse().
 */
#ifndef RNIXD_WIREBUF_H
#define RNIXD_WIREBUF_H

#include <stddef.h>
#include <stdint.h>

/* Limits on what a peer may make us allocate. */
#define WIRE_PATHS_MAX		(1 << 20)	/* store paths in one set */
#define WIRE_SIGS_MAX		1024		/* signatures on one path */
#define WIRE_SIG_MAX		1024		/* bytes in one signature */
#define WIRE_HASH_STR_MAX	256		/* narHash in any encoding */
#define WIRE_CA_MAX		256		/* a ContentAddress string */

/*
 * Input.  The caller owns the buffer and must bound its size: a getter
 * only bounds what one item may claim.  wi_need is set when a getter
 * returns 0: a lower bound on the wi_len the retry will need, so the
 * caller can wait for that much instead of retrying on every byte.
 */
struct wire_in {
	const unsigned char	*wi_buf;
	size_t			 wi_len;
	size_t			 wi_off;	/* the cursor */
	size_t			 wi_need;
	const char		*wi_errstr;
};

void	wire_in_init(struct wire_in *, const void *, size_t);
int	wire_get_u64(struct wire_in *, uint64_t *);
int	wire_get_bool(struct wire_in *, int *);	/* non-zero is true */
/*
 * A string of at most maxlen bytes, copied into a new NUL-terminated
 * buffer.  The bytes may contain NUL: *outlen then exceeds
 * strlen(*out).  With outlen NULL the caller wants a C string and an
 * embedded NUL is bad input.  A length over maxlen fails at once,
 * without waiting for the bytes.
 */
int	wire_get_string(struct wire_in *, char **, size_t *, size_t);
int	wire_get_string_ref(struct wire_in *, const unsigned char **,
	    size_t *, size_t);
/*
 * A list or set of at most maxcount strings of at most maxlen bytes
 * each, none containing NUL.  *out is a NULL-terminated array of
 * *count items (free with wire_strings_free).
 */
int	wire_get_strings(struct wire_in *, char ***, size_t *, size_t,
	    size_t);
/* A full store path, checked by storepath_parse against storedir. */
int	wire_get_storepath(struct wire_in *, const char *, char **);
/* OptStorePath: "" gives *out = NULL. */
int	wire_get_opt_storepath(struct wire_in *, const char *, char **);
/* set<StorePath> of at most maxcount paths. */
int	wire_get_storepaths(struct wire_in *, const char *, char ***,
	    size_t *, size_t);
void	wire_strings_free(char **, size_t);

struct wire_pair {
	char	*wp_key;
	char	*wp_value;
};
/* map<string, string>: count, then key/value pairs. */
int	wire_get_string_map(struct wire_in *, struct wire_pair **, size_t *,
	    size_t maxcount, size_t maxkey, size_t maxvalue);
void	wire_pairs_free(struct wire_pair *, size_t);

/*
 * Output: a buffer growing up to wo_max bytes.  A put that fails (too
 * big, out of memory) leaves the buffer as it was before that put,
 * returns -1 and sets wo_error, after which every put fails until
 * wire_out_reset(); so a caller may check once after a series.
 */
struct wire_out {
	unsigned char	*wo_buf;
	size_t		 wo_len;
	size_t		 wo_cap;
	size_t		 wo_max;
	int		 wo_error;
	const char	*wo_errstr;
};

void	wire_out_init(struct wire_out *, size_t max);
void	wire_out_reset(struct wire_out *);	/* empty, error cleared */
void	wire_out_drain(struct wire_out *, size_t);	/* drop sent bytes */
void	wire_out_free(struct wire_out *);
int	wire_put_u64(struct wire_out *, uint64_t);
int	wire_put_bool(struct wire_out *, int);
int	wire_put_bytes(struct wire_out *, const void *, size_t);
int	wire_put_string(struct wire_out *, const char *);
/* A list in the given order. */
int	wire_put_strings(struct wire_out *, char *const *, size_t);
/* A set: sorted in byte order (the caller's array is left alone). */
int	wire_put_string_set(struct wire_out *, char *const *, size_t);
/* A map, in the given order: pass it sorted by key. */
int	wire_put_string_map(struct wire_out *, const struct wire_pair *,
	    size_t);

/*
 * ValidPathInfo (format >= 16).  pi_path is used only by the "with
 * path" form.  NULL deriver or ca is none ("" on the wire).  pi_narhash
 * is sent as is: the daemon sends base16 without "sha256:", a client
 * may send any encoding.
 */
struct wire_path_info {
	char		 *pi_path;
	char		 *pi_deriver;
	char		 *pi_narhash;
	char		**pi_refs;
	size_t		  pi_nrefs;
	uint64_t	  pi_regtime;
	uint64_t	  pi_narsize;
	int		  pi_ultimate;
	char		**pi_sigs;
	size_t		  pi_nsigs;
	char		 *pi_ca;
};

/* References and sigs go out sorted, as sets must. */
int	wire_put_path_info(struct wire_out *, const struct wire_path_info *,
	    int withpath);
int	wire_get_path_info(struct wire_in *, const char *storedir,
	    struct wire_path_info *, int withpath);
void	wire_path_info_free(struct wire_path_info *);

/* For codecs built on these (wire.c): the building blocks. */
int		wire_in_fail(struct wire_in *, const char *);
uint64_t	wire_le64(const unsigned char *);
int		wire_peek_u64(struct wire_in *, size_t *, uint64_t *);
int		wire_out_fail(struct wire_out *, const char *);
int		wire_out_grow(struct wire_out *, size_t);
/* Ends a compound put: on failure, drop what it wrote since mark. */
int		wire_out_end(struct wire_out *, size_t);

#endif /* RNIXD_WIREBUF_H */
