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
 * Tarballs, as builtin:unpack-channel unpacks them (rnixd-builtin's
 * builtin_archive.c over libarchive), into a private jail.
 *
 * Properties beyond "no crash":
 * - nothing is created outside the output directory: the private
 *   directory holds the jail alone afterwards, the jail the output
 *   alone, whatever names, links and hard links the archive holds;
 * - the working directory is the one before (the extraction runs in
 *   the output's, and must come back);
 * - a refused archive says why;
 * - no descriptor is left open.
 */
#include <sys/stat.h>

#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "../builtin/builtin.h"

/* link: builtin/builtin_archive.c */

#define OUT	"out"

static struct fuzz_jail	 jail;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	fuzz_jail_open(&jail, "fuzz-unpack");
	return (0);
}

static void
unpack(const uint8_t *buf, size_t len)
{
	struct archive	*a;
	char		 err[1024];
	int		 outfd;

	if (mkdirat(jail.fj_fd, OUT, 0755) == -1 ||
	    (outfd = openat(jail.fj_fd, OUT, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		fuzz_fail("%s: %s", OUT, strerror(errno));
	if ((a = builtin_unpack_reader()) == NULL)
		fuzz_fail("builtin_unpack_reader");
	err[0] = '\0';
	if (archive_read_open_memory(a, buf, len) == ARCHIVE_OK &&
	    builtin_unpack(a, outfd, err, sizeof(err)) == -1 &&
	    err[0] == '\0')
		fuzz_fail("refused without a reason");
	archive_read_free(a);
	close(outfd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	struct stat	 before, after;
	int		 fds;

	fds = fuzz_fd_count();
	if (stat(".", &before) == -1)
		fuzz_fail("stat .: %s", strerror(errno));
	unpack(buf, len);
	if (stat(".", &after) == -1 || after.st_ino != before.st_ino ||
	    after.st_dev != before.st_dev)
		fuzz_fail("the working directory changed");
	fuzz_jail_check(&jail, OUT);
	fuzz_jail_empty(&jail, OUT);
	fuzz_fd_expect("unpack", fds);
	return (0);
}
