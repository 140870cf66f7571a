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
 * Hashing through OpenSSL EVP, and the textual forms Nix gives hashes:
 * base16, Nix's own base32, base64 and SRI.
 */
#ifndef RNIXD_HASH_H
#define RNIXD_HASH_H

#include <stddef.h>
#include <stdint.h>

enum hash_algo {
	HASH_MD5,
	HASH_SHA1,
	HASH_SHA256,
	HASH_SHA512
};

#define HASH_MAX_LEN		64	/* sha512 */
/* "sha512:" + base16 + NUL, the longest form */
#define HASH_STR_MAX		(7 + 1 + 128 + 1)

struct hash {
	enum hash_algo	h_algo;
	size_t		h_len;
	unsigned char	h_bytes[HASH_MAX_LEN];
};

/* Streaming context; hc_md is an EVP_MD_CTX kept opaque to callers. */
struct hash_ctx {
	enum hash_algo	 hc_algo;
	void		*hc_md;
};

enum hash_enc {
	HASH_ENC_BASE16,
	HASH_ENC_BASE32,
	HASH_ENC_BASE64,
	HASH_ENC_SRI		/* "<algo>-<base64>", always prefixed */
};

/* "md5", "sha1", "sha256", "sha512". */
const char	*hash_algo_name(enum hash_algo);
int		 hash_algo_parse(const char *, enum hash_algo *);
size_t		 hash_algo_len(enum hash_algo);

/*
 * Streaming; hash_init returns -1 only when OpenSSL refuses the algo.
 * Every context that hash_init set up ends in hash_final or hash_abort,
 * which free it.  Allocation failure is fatal.
 */
int		 hash_init(struct hash_ctx *, enum hash_algo);
void		 hash_update(struct hash_ctx *, const void *, size_t);
void		 hash_final(struct hash_ctx *, struct hash *);
void		 hash_abort(struct hash_ctx *);
void		 hash_buf(enum hash_algo, const void *, size_t, struct hash *);

/*
 * A digest and the number of bytes it took, as a NAR's hash and size
 * go together: hash_init(&hs_ctx), hs_size = 0, hash_sum_sink as the
 * sink of nar_dump_path(), then hash_final(&hs_ctx).
 */
struct hash_sum {
	struct hash_ctx	hs_ctx;
	uint64_t	hs_size;
};

int		 hash_sum_sink(void *, const void *, size_t);

/* Encoded lengths of a digest of n bytes, without NUL. */
size_t		 base16_len(size_t);
size_t		 base32_len(size_t);
size_t		 base64_len(size_t);

/*
 * Raw encoders write a NUL-terminated string into out (outsz must fit
 * the encoded length + 1) and return -1 if it does not fit.  Decoders
 * take exactly inlen characters, write exactly outlen bytes and return
 * -1 on any bad character, wrong length or spilled bits.
 */
int		 base16_encode(const unsigned char *, size_t, char *, size_t);
int		 base16_decode(const char *, size_t, unsigned char *, size_t);
int		 base32_encode(const unsigned char *, size_t, char *, size_t);
int		 base32_decode(const char *, size_t, unsigned char *, size_t);
int		 base64_encode(const unsigned char *, size_t, char *, size_t);
int		 base64_decode(const char *, size_t, unsigned char *, size_t);

/*
 * hash_format: the digest in the given encoding; with_prefix adds
 * "<algo>:" (ignored for SRI, which always carries "<algo>-").
 * Returns 0, or -1 (and an empty string) if outsz is too small.
 * HASH_STR_MAX fits every form.
 */
int		 hash_format(const struct hash *, enum hash_enc, int,
		    char *, size_t);

/*
 * hash_parse accepts every form Nix accepts for outputHash and for
 * narHash: "<algo>:<digest>", "<algo>-<base64>" (SRI, '=' padding
 * optional as in Nix) or, when algo is given (not NULL), a bare digest
 * of that algo.  The digest encoding is chosen by length: base16 (a-f
 * or A-F), then base32, then base64.  If both the string and the caller
 * name an algorithm, they must agree.  Unlike Nix it refuses
 * non-canonical spellings: set spill bits in base32 or base64, text
 * after the padding.  On error returns -1 and, if errstr is not NULL,
 * points *errstr at a message in Nix's words that quotes the input; it
 * lives in a static buffer until the next hash_parse* call.
 */
int		 hash_parse(const char *, const enum hash_algo *,
		    struct hash *, const char **);
/*
 * A bare digest of len characters, in base16, base32 or base64 chosen
 * by length, never SRI (Nix parseNonSRIUnprefixed: the hash of a "ca"
 * string or of a .drv output).  Errors as hash_parse.
 */
int		 hash_parse_digest(const char *, size_t, enum hash_algo,
		    struct hash *, const char **);

/* XOR-fold a digest into outlen bytes (Nix compressHash), not a cut. */
void		 hash_compress(const struct hash *, unsigned char *, size_t);

#endif /* RNIXD_HASH_H */
