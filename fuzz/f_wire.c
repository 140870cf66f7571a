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
 * The worker-protocol codec (common/wire.c), on what a client sends.
 * The first byte picks a decoder (and a protocol minor, for
 * SetOptions), the second a cut point; the rest is the stream, which
 * is decoded item after item as a session would.
 *
 * Properties beyond "no crash":
 * - incremental decoding: an item that decodes from n bytes reports
 *   "need more" (never an error) on every shorter prefix, here cut at
 *   the chosen point, as a session reading a slow client sees it;
 * - what decodes encodes, and decoding that and encoding again gives
 *   the same bytes (strings and numbers exactly as they came);
 * - the framed-stream decoder yields the same payload and the same
 *   end however the stream is cut into pushes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "wire.h"

#define SD		FUZZ_STOREDIR
#define NDECODERS	12

/* Decode one item from in; if ok and out is not NULL, encode it. */
static int	decode(int, unsigned int, struct wire_in *,
		    struct wire_out *);
static void	fuzz_items(int, unsigned int, const uint8_t *, size_t,
		    size_t);
static void	fuzz_frames(const uint8_t *, size_t, size_t);
static void	check_encoding(int, unsigned int, const uint8_t *, size_t,
		    const struct wire_out *);
static void	append(struct wire_out *, const void *, size_t);
static int	push_all(const uint8_t *, size_t, size_t, struct wire_out *);

static int
decode(int which, unsigned int minor, struct wire_in *in,
    struct wire_out *out)
{
	struct wire_path_info	 pi;
	struct wire_pair	*pairs;
	struct wire_options	 opts;
	struct wire_hello	 wh;
	uint64_t		 u;
	char			*s, **list;
	size_t			 n;
	int			 rc, b;

	switch (which) {
	case 0:
		if ((rc = wire_get_u64(in, &u)) == 1 && out != NULL)
			wire_put_u64(out, u);
		return (rc);
	case 1:
		if ((rc = wire_get_bool(in, &b)) == 1 && out != NULL)
			wire_put_bool(out, b);
		return (rc);
	case 2:
		if ((rc = wire_get_string(in, &s, &n, 65536)) != 1)
			return (rc);
		if (out != NULL)
			wire_put_bytes(out, s, n);
		free(s);
		return (1);
	case 3:
		if ((rc = wire_get_strings(in, &list, &n, 64, 1024)) != 1)
			return (rc);
		if (out != NULL)
			wire_put_strings(out, list, n);
		wire_strings_free(list, n);
		return (1);
	case 4:
	case 5:
		rc = which == 4 ? wire_get_storepath(in, SD, &s) :
		    wire_get_opt_storepath(in, SD, &s);
		if (rc != 1)
			return (rc);
		if (out != NULL)
			wire_put_string(out, s == NULL ? "" : s);
		free(s);
		return (1);
	case 6:
		if ((rc = wire_get_storepaths(in, SD, &list, &n, 64)) != 1)
			return (rc);
		if (out != NULL)
			wire_put_string_set(out, list, n);
		wire_strings_free(list, n);
		return (1);
	case 7:
		if ((rc = wire_get_string_map(in, &pairs, &n, 64, 256,
		    1024)) != 1)
			return (rc);
		if (out != NULL)
			wire_put_string_map(out, pairs, n);
		wire_pairs_free(pairs, n);
		return (1);
	case 8:
	case 9:
		memset(&pi, 0, sizeof(pi));
		if ((rc = wire_get_path_info(in, SD, &pi, which == 9)) != 1)
			return (rc);
		if (out != NULL)
			wire_put_path_info(out, &pi, which == 9);
		wire_path_info_free(&pi);
		return (1);
	case 10:
		memset(&opts, 0, sizeof(opts));
		if ((rc = wire_get_set_options(in, minor, &opts)) == 1)
			wire_options_free(&opts);
		return (rc);
	default:
		/* Both parts of the handshake, as a session reads them. */
		memset(&wh, 0, sizeof(wh));
		if ((rc = wire_get_client_hello(in, &wh)) != 1)
			return (rc);
		if (wh.wh_state != WIRE_HELLO_MAGIC)
			fuzz_fail("hello: magic read, state %d", wh.wh_state);
		if ((rc = wire_get_client_hello(in, &wh)) != 1)
			return (rc);
		if (wh.wh_minor > PROTOCOL_MINOR(PROTOCOL_VERSION) ||
		    (wh.wh_state != WIRE_HELLO_DONE &&
		    wh.wh_state != WIRE_HELLO_FEATURES) ||
		    (wh.wh_state == WIRE_HELLO_FEATURES) !=
		    (wh.wh_minor >= 38) ||
		    wh.wh_nfeatures > WIRE_FEATURES_MAX)
			fuzz_fail("hello: state %d, minor %u, %zu features",
			    wh.wh_state, wh.wh_minor, wh.wh_nfeatures);
		/* 1.38: the rest follows the features. */
		if (wh.wh_state == WIRE_HELLO_FEATURES &&
		    (rc = wire_get_client_hello(in, &wh)) == 1 &&
		    wh.wh_state != WIRE_HELLO_DONE)
			fuzz_fail("hello: rest read, state %d", wh.wh_state);
		return (rc);
	}
}

/* Is the encoding of what decoded a fixed point (or the input)? */
static void
check_encoding(int which, unsigned int minor, const uint8_t *item,
    size_t len, const struct wire_out *out)
{
	struct wire_in	in;
	struct wire_out	out2;

	if (out->wo_error)
		fuzz_fail("decoder %d: decoded item does not encode", which);
	/* Numbers, strings and lists of them come back byte for byte. */
	if ((which == 0 || which == 2 || which == 3) &&
	    (out->wo_len != len || memcmp(out->wo_buf, item, len) != 0))
		fuzz_fail("decoder %d: encoding differs from input", which);
	wire_out_init(&out2, 1 << 20);
	wire_in_init(&in, out->wo_buf, out->wo_len);
	if (decode(which, minor, &in, &out2) != 1 ||
	    in.wi_off != out->wo_len)
		fuzz_fail("decoder %d: its own encoding does not decode",
		    which);
	if (out2.wo_len != out->wo_len ||
	    memcmp(out2.wo_buf, out->wo_buf, out->wo_len) != 0)
		fuzz_fail("decoder %d: encoding is not a fixed point", which);
	wire_out_free(&out2);
}

static void
fuzz_items(int which, unsigned int minor, const uint8_t *buf, size_t len,
    size_t cut)
{
	struct wire_in	in;
	struct wire_out	out;
	size_t		off = 0, n;
	int		rc;

	while (off < len) {
		wire_in_init(&in, buf + off, len - off);
		wire_out_init(&out, 1 << 20);
		rc = decode(which, minor, &in, which == 10 || which == 11 ?
		    NULL : &out);
		if (rc != 1) {
			wire_out_free(&out);
			break;
		}
		n = in.wi_off;
		if (n == 0 || n > len - off)
			fuzz_fail("decoder %d took %zu bytes of %zu", which,
			    n, len - off);
		if (which != 10 && which != 11)
			check_encoding(which, minor, buf + off, n, &out);
		wire_out_free(&out);
		/* A prefix of what decoded must ask for more. */
		wire_in_init(&in, buf + off, cut % n);
		if ((rc = decode(which, minor, &in, NULL)) != 0)
			fuzz_fail("decoder %d: prefix of %zu of %zu bytes "
			    "gives %d", which, cut % n, n, rc);
		off += n;
	}
}

/*
 * Push the stream in pieces; out collects the payload and where the
 * stream ended (wire_out as a plain growing buffer).
 */
static int
push_all(const uint8_t *buf, size_t len, size_t piece, struct wire_out *out)
{
	uint64_t		 end;
	struct wire_frames	 wf;
	const void		*data;
	size_t			 off = 0, used, dlen, chunk;
	int			 rc = WIRE_FRAMES_MORE;

	wire_frames_init(&wf, 4096);
	while (off < len && rc != WIRE_FRAMES_END) {
		chunk = len - off < piece ? len - off : piece;
		rc = wire_frames_push(&wf, buf + off, chunk, &used, &data,
		    &dlen);
		if (used > chunk)
			fuzz_fail("frames: used %zu of %zu", used, chunk);
		if (rc == WIRE_FRAMES_ERROR)
			return (rc);
		if (rc == WIRE_FRAMES_DATA && dlen > 0)
			append(out, data, dlen);
		off += used;
	}
	end = off;
	if (rc == WIRE_FRAMES_END)
		append(out, &end, sizeof(end));
	return (rc == WIRE_FRAMES_END ? rc : WIRE_FRAMES_MORE);
}

static void
append(struct wire_out *out, const void *p, size_t len)
{
	if (out->wo_len + len > out->wo_cap) {
		out->wo_cap = (out->wo_len + len) * 2;
		if ((out->wo_buf = realloc(out->wo_buf, out->wo_cap)) == NULL)
			fuzz_fail("realloc");
	}
	memcpy(out->wo_buf + out->wo_len, p, len);
	out->wo_len += len;
}

static void
fuzz_frames(const uint8_t *buf, size_t len, size_t cut)
{
	struct wire_out	a, b;
	int		ra, rb;

	wire_out_init(&a, 1 << 20);
	wire_out_init(&b, 1 << 20);
	ra = push_all(buf, len, len, &a);
	rb = push_all(buf, len, cut + 1, &b);
	if (ra != rb || (ra != WIRE_FRAMES_ERROR && (a.wo_len != b.wo_len ||
	    (a.wo_len > 0 &&
	    memcmp(a.wo_buf, b.wo_buf, a.wo_len) != 0))))
		fuzz_fail("frames: pushes of %zu bytes give another outcome",
		    cut + 1);
	wire_out_free(&a);
	wire_out_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	int		which;
	unsigned int	minor;

	if (len < 2)
		return (0);
	which = buf[0] % (NDECODERS + 1);
	/* Byte values below NDECODERS + 1 give the current minor, 34. */
	minor = 34 - buf[0] / (NDECODERS + 1) % 25;
	if (which == NDECODERS)
		fuzz_frames(buf + 2, len - 2, buf[1]);
	else
		fuzz_items(which, minor, buf + 2, len - 2, buf[1]);
	return (0);
}
