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
 * builtin:unpack-channel, what nix-channel --update builds for each
 * channel: the tarball "src" unpacked into "out", whose single
 * top-level entry is then renamed "channelName" (Nix 2.8's
 * src/libstore/builtins/unpack-channel.cc).
 */
#include <sys/stat.h>

#include <archive.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"

/* The name of the one entry in dirfd, or -1 if there are more. */
static int
bu_single(int dirfd, char *name, size_t namelen)
{
	struct dirent	*de;
	DIR		*dir;
	int		 fd, n = 0;

	if ((fd = dup(dirfd)) == -1 || (dir = fdopendir(fd)) == NULL)
		return (-1);
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (n++ == 0)
			snprintf(name, namelen, "%s", de->d_name);
	}
	closedir(dir);
	return (n == 1 ? 0 : -1);
}

/* A name for an entry of out, not a path leading elsewhere. */
static int
bu_name_ok(const char *name)
{
	return (name[0] != '\0' && strchr(name, '/') == NULL &&
	    strcmp(name, ".") != 0 && strcmp(name, "..") != 0);
}

static int
bu_unpack(const char *src, int outfd)
{
	struct archive	*a;
	char		 err[1024];
	int		 fd, rc;

	if ((fd = open(src, O_RDONLY | O_CLOEXEC)) == -1)
		return (builtin_fail("opening file '%s': %s", src,
		    strerror(errno)));
	if ((a = builtin_unpack_reader()) == NULL) {
		close(fd);
		return (builtin_fail("cannot set up libarchive"));
	}
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK)
		rc = builtin_fail("failed to open archive: %s",
		    archive_error_string(a));
	else if ((rc = builtin_unpack(a, outfd, err, sizeof(err))) == -1)
		builtin_fail("%s", err);
	archive_read_free(a);
	close(fd);
	return (rc);
}

int
builtin_unpack_channel(void)
{
	const char	*out, *name, *src;
	char		 entry[256];
	int		 outfd, rc = -1;

	if ((out = builtin_attr("out")) == NULL ||
	    (name = builtin_attr("channelName")) == NULL ||
	    (src = builtin_attr("src")) == NULL)
		return (-1);
	if (!bu_name_ok(name))
		return (builtin_fail("channel name '%s' is not a file name",
		    name));
	if (mkdir(out, 0777) == -1 && errno != EEXIST)
		return (builtin_fail("creating directory '%s': %s", out,
		    strerror(errno)));
	if ((outfd = open(out, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return (builtin_fail("opening directory '%s': %s", out,
		    strerror(errno)));
	if (bu_unpack(src, outfd) == -1)
		goto out;
	if (bu_single(outfd, entry, sizeof(entry)) == -1) {
		builtin_fail("channel tarball '%s' contains more than one "
		    "file", src);
		goto out;
	}
	if (renameat(outfd, entry, outfd, name) == -1) {
		builtin_fail("renaming channel directory: %s",
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	close(outfd);
	return (rc);
}
