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
 * h_wire capture.bin: check wire.c against one connection recorded
 * between the real Nix 2.8 client and daemon.  The client's stream
 * must parse as the handshake, SetOptions and a known op, also when
 * cut short anywhere before that op (0, cursor unchanged); the
 * daemon's stream must begin with exactly what our handshake
 * functions produce, followed by the STDERR_LAST that ends SetOptions.
 */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

struct stream {
	unsigned char	*s_buf;
	size_t		 s_len;
};

struct summary {
	unsigned int		sm_minor;
	uint64_t		sm_version;
	uint64_t		sm_op;
	size_t			sm_end;		/* client bytes parsed */
	struct wire_options	sm_opts;
};

static void
stream_add(struct stream *s, const unsigned char *p, size_t len)
{
	if ((s->s_buf = realloc(s->s_buf, s->s_len + len + 1)) == NULL)
		err(1, NULL);
	memcpy(s->s_buf + s->s_len, p, len);
	s->s_len += len;
}

/* Records: 1 byte direction 'C' or 'D', u32 LE length, the bytes. */
static void
load(const char *file, struct stream *c, struct stream *d)
{
	FILE		*fp;
	unsigned char	 hdr[5], *buf;
	size_t		 len;

	if ((fp = fopen(file, "rb")) == NULL)
		err(1, "%s", file);
	while (fread(hdr, 1, 5, fp) == 5) {
		len = hdr[1] | hdr[2] << 8 | hdr[3] << 16 |
		    (size_t)hdr[4] << 24;
		if ((buf = malloc(len + 1)) == NULL)
			err(1, NULL);
		if (fread(buf, 1, len, fp) != len)
			errx(1, "%s: truncated record", file);
		if (hdr[0] == 'C')
			stream_add(c, buf, len);
		else if (hdr[0] == 'D')
			stream_add(d, buf, len);
		else
			errx(1, "%s: bad direction 0x%02x", file, hdr[0]);
		free(buf);
	}
	if (ferror(fp) || !feof(fp))
		errx(1, "%s: trailing bytes", file);
	fclose(fp);
}

/*
 * One step of the client's stream.  Returns the getter's result; a 0
 * must leave the cursor where the step started.
 */
static int
client_step(struct wire_in *in, int step, struct wire_hello *wh,
    struct summary *sm)
{
	uint64_t	op;
	int		r;

	switch (step) {
	case 0:
	case 1:
		return (wire_get_client_hello(in, wh));
	case 2:
		if ((r = wire_get_u64(in, &op)) == 1 && op != WOP_SET_OPTIONS)
			errx(1, "first op %llu, expected SetOptions",
			    (unsigned long long)op);
		return (r);
	case 3:
		return (wire_get_set_options(in, wh->wh_minor,
		    &sm->sm_opts));
	default:
		if ((r = wire_get_u64(in, &sm->sm_op)) == 1 &&
		    wire_op_name(sm->sm_op) == NULL)
			errx(1, "op after SetOptions: %llu is no known op",
			    (unsigned long long)sm->sm_op);
		return (r);
	}
}

/* Parse the first len bytes; returns 1 if all steps succeeded. */
static int
client_parse(const unsigned char *buf, size_t len, struct summary *sm)
{
	struct wire_hello	wh;
	struct wire_in		in;
	size_t			start;
	int			step, r;

	memset(&wh, 0, sizeof(wh));
	wire_in_init(&in, buf, len);
	for (step = 0; step < 5; step++) {
		start = in.wi_off;
		r = client_step(&in, step, &wh, sm);
		if (r == -1)
			errx(1, "client step %d at %zu: %s", step, start,
			    in.wi_errstr);
		if (r == 0) {
			if (in.wi_off != start)
				errx(1, "client step %d: short read moved the "
				    "cursor from %zu to %zu", step, start,
				    in.wi_off);
			if (step > 3)
				wire_options_free(&sm->sm_opts);
			return (0);
		}
	}
	sm->sm_minor = wh.wh_minor;
	sm->sm_version = wh.wh_version;
	sm->sm_end = in.wi_off;
	return (1);
}

static void
check_client(const struct stream *c, struct summary *sm)
{
	struct summary	 scratch;
	unsigned char	*buf;
	size_t		 k;

	if (client_parse(c->s_buf, c->s_len, sm) != 1)
		errx(1, "client stream too short (%zu bytes)", c->s_len);
	/* Every cut before the end must be a clean "need more". */
	for (k = 0; k < sm->sm_end; k++) {
		if ((buf = malloc(k + 1)) == NULL)
			err(1, NULL);
		memcpy(buf, c->s_buf, k);
		memset(&scratch, 0, sizeof(scratch));
		if (client_parse(buf, k, &scratch) != 0)
			errx(1, "client prefix %zu parsed whole", k);
		free(buf);
	}
}

/* The length of the string at off in buf, padding included. */
static size_t
string_span(const unsigned char *buf, size_t len, size_t off)
{
	uint64_t	n = 0;
	int		i;

	if (off + 8 > len)
		errx(1, "daemon stream: no string at %zu", off);
	for (i = 7; i >= 0; i--)
		n = (n << 8) | buf[off + i];
	if (n > 64 || off + 8 + n > len)
		errx(1, "daemon stream: bad string length %llu at %zu",
		    (unsigned long long)n, off);
	return (8 + (n + 7) / 8 * 8);
}

/*
 * The captures are Nix 2.8's daemon.  Ours announces 1.38 and its own
 * name where Nix said 1.34 and "2.8.0"; the rest must be the same.
 */
static void
check_daemon(const struct stream *d, const struct summary *sm)
{
	struct wire_out	out;
	size_t		dv = 0, ov = 0;

	wire_out_init(&out, 4096);
	(void)wire_put_server_hello(&out);
	(void)wire_put_server_post_hello(&out, sm->sm_minor,
	    WIRE_TRUST_TRUSTED);
	(void)wire_put_stderr_last(&out);	/* SetOptions done */
	if (out.wo_error)
		errx(1, "put: %s", out.wo_errstr);
	if (sm->sm_minor >= 35)
		errx(1, "a capture of minor %u: not Nix 2.8's", sm->sm_minor);
	if (d->s_len < 16 || memcmp(d->s_buf, out.wo_buf, 8) != 0 ||
	    d->s_buf[8] != 0x22 || out.wo_buf[8] != 0x26)
		errx(1, "daemon stream: not magic 2 and versions 0x122/0x126");
	if (sm->sm_minor >= 33) {
		dv = string_span(d->s_buf, d->s_len, 16);
		ov = string_span(out.wo_buf, out.wo_len, 16);
	}
	if (d->s_len - dv < out.wo_len - ov)
		errx(1, "daemon stream: got %zu bytes, expected at least %zu",
		    d->s_len - dv, out.wo_len - ov);
	if (memcmp(d->s_buf + 16 + dv, out.wo_buf + 16 + ov,
	    out.wo_len - 16 - ov) != 0)
		errx(1, "daemon stream does not go on as our handshake");
	wire_out_free(&out);
}

int
main(int argc, char *argv[])
{
	struct stream	c, d;
	struct summary	sm;

	if (argc != 2) {
		fprintf(stderr, "usage: h_wire capture.bin\n");
		return (2);
	}
	memset(&c, 0, sizeof(c));
	memset(&d, 0, sizeof(d));
	memset(&sm, 0, sizeof(sm));
	load(argv[1], &c, &d);
	check_client(&c, &sm);
	check_daemon(&d, &sm);
	printf("%s: version 0x%llx minor %u, verbosity %d, %zu overrides, "
	    "then op %llu %s\n", argv[1], (unsigned long long)sm.sm_version,
	    sm.sm_minor, sm.sm_opts.opt_verbosity, sm.sm_opts.opt_noverrides,
	    (unsigned long long)sm.sm_op, wire_op_name(sm.sm_op));
	wire_options_free(&sm.sm_opts);
	free(c.s_buf);
	free(d.s_buf);
	return (0);
}
