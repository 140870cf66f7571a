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
 * rnixd-builtin <name>: one built-in builder, with the derivation's
 * environment (its attributes and "out").  The spawner runs it in
 * place of a builder program; what Nix 2.8 reports on failure, we
 * print on stderr, which is the build log, and exit 1.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"

static void	builtin_usage(void) __attribute__((noreturn));
static void	builtin_vsay(const char *, const char *, va_list)
	    __attribute__((__format__ (printf, 2, 0)));

int
main(int argc, char *argv[])
{
	int	rc;

	setproctitle_init(argc, argv, environ);
	if (argc != 2)
		builtin_usage();
	if (strcmp(argv[1], "buildenv") == 0)
		rc = builtin_buildenv();
	else if (strcmp(argv[1], "unpack-channel") == 0)
		rc = builtin_unpack_channel();
	else if (strcmp(argv[1], "fetchurl") == 0)
		rc = builtin_fail("builtin:fetchurl is not supported by "
		    "rnixd: it downloads, and rnixd does not substitute");
	else
		rc = builtin_fail("unsupported builtin builder '%s'",
		    argv[1]);
	if (fflush(stdout) == EOF || fflush(stderr) == EOF)
		rc = -1;
	return (rc == 0 ? 0 : 1);
}

static void
builtin_usage(void)
{
	fprintf(stderr, "usage: rnixd-builtin name (run by rnixd-spawner "
	    "as the builder of a builtin: derivation)\n");
	exit(1);
}

/* One line on stderr, which the builder's log is, as Nix prints it. */
static void
builtin_vsay(const char *level, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* Nix's words for a failed built-in builder; always -1. */
int
builtin_fail(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	builtin_vsay("error", fmt, ap);
	va_end(ap);
	return (-1);
}

void
builtin_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	builtin_vsay("warning", fmt, ap);
	va_end(ap);
}

/* An attribute of the derivation, or NULL after Nix's error. */
const char *
builtin_attr(const char *name)
{
	const char	*v;

	if ((v = getenv(name)) == NULL)
		builtin_fail("attribute '%s' missing", name);
	return (v);
}
