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
 * Unpacking a tarball into a directory, with libarchive: nothing here
 * reads tar headers or decompresses by itself.  The tarball is
 * untrusted (a channel is whatever its URL served), so besides
 * libarchive's own checks (no absolute path, no "..", nothing written
 * through a symlink, for entries and hard link targets alike), every
 * name is checked here before libarchive sees it, and only regular
 * files, directories and links are made (GHSA-gr92-w2r5-qw5p).
 * Names are taken relative to the target directory's descriptor, made
 * the working directory for the time of the extraction: the path that
 * led to it is never used again.
 */
#include <sys/stat.h>

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"

#define BA_FLAGS	(ARCHIVE_EXTRACT_TIME | \
			 ARCHIVE_EXTRACT_SECURE_SYMLINKS | \
			 ARCHIVE_EXTRACT_SECURE_NODOTDOT | \
			 ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS)

static int
ba_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return (-1);
}

/*
 * What channels are served as (Nix 2.8's nix-channel takes .tar.gz,
 * .tar.bz2 and .tar.xz): tar in any of its dialects, compressed or
 * not.  Formats that need more code (zip, cpio, iso9660, xar) stay
 * out of the builder's reach.
 */
struct archive *
builtin_unpack_reader(void)
{
	struct archive	*a;

	if ((a = archive_read_new()) == NULL)
		return (NULL);
	if (archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	    archive_read_support_filter_bzip2(a) != ARCHIVE_OK ||
	    archive_read_support_filter_xz(a) != ARCHIVE_OK ||
	    archive_read_support_filter_lzma(a) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(a) != ARCHIVE_OK ||
	    archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_support_format_gnutar(a) != ARCHIVE_OK) {
		archive_read_free(a);
		return (NULL);
	}
	return (a);
}

/* Relative, not empty, no ".." component. */
static int
ba_name_ok(const char *name)
{
	const char	*p, *q;

	if (name == NULL || name[0] == '\0' || name[0] == '/')
		return (0);
	for (p = name; ; p = q + 1) {
		q = strchrnul(p, '/');
		if (q - p == 2 && p[0] == '.' && p[1] == '.')
			return (0);
		if (*q == '\0')
			return (1);
	}
}

/* Our own checks, before libarchive's. */
static int
ba_entry_ok(struct archive_entry *ae, char *err, size_t errlen)
{
	const char	*name = archive_entry_pathname(ae);
	const char	*link = archive_entry_hardlink(ae);

	if (!ba_name_ok(name))
		return (ba_err(err, errlen, "refusing archive member '%s': "
		    "absolute, empty or with a '..' component",
		    name == NULL ? "" : name));
	if (link != NULL) {
		if (!ba_name_ok(link))
			return (ba_err(err, errlen, "refusing hard link '%s' "
			    "to '%s': absolute, empty or with a '..' "
			    "component", name, link));
		return (0);
	}
	switch (archive_entry_filetype(ae)) {
	case AE_IFREG:
	case AE_IFLNK:
		return (0);
	case AE_IFDIR:
		/* Sources do have directories without rwx for us. */
		archive_entry_set_perm(ae, archive_entry_perm(ae) | 0700);
		return (0);
	default:
		return (ba_err(err, errlen, "file '%s' in tarball has "
		    "unsupported file type", name));
	}
}

/* A hard link may only name a regular file already unpacked. */
static int
ba_link_ok(struct archive_entry *ae, char *err, size_t errlen)
{
	const char	*link = archive_entry_hardlink(ae);
	struct stat	 st;

	if (link == NULL)
		return (0);
	if (fstatat(AT_FDCWD, link, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISREG(st.st_mode))
		return (ba_err(err, errlen, "refusing hard link '%s' to "
		    "'%s': not a file unpacked before it",
		    archive_entry_pathname(ae), link));
	return (0);
}

static int
ba_copy(struct archive *in, struct archive *out, char *err, size_t errlen)
{
	const void	*buf;
	size_t		 len;
	int64_t		 off;
	int		 r;

	for (;;) {
		r = archive_read_data_block(in, &buf, &len, &off);
		if (r == ARCHIVE_EOF)
			return (0);
		if (r != ARCHIVE_OK)
			return (ba_err(err, errlen, "failed to extract archive "
			    "(%s)", archive_error_string(in)));
		if (archive_write_data_block(out, buf, len, off) !=
		    ARCHIVE_OK)
			return (ba_err(err, errlen, "failed to extract archive "
			    "(%s)", archive_error_string(out)));
	}
}

static int
ba_extract(struct archive *in, struct archive *out, char *err,
    size_t errlen)
{
	struct archive_entry	*ae;
	int			 r;

	for (;;) {
		r = archive_read_next_header(in, &ae);
		if (r == ARCHIVE_EOF)
			return (0);
		if (r == ARCHIVE_WARN)
			fprintf(stderr, "warning: %s\n",
			    archive_error_string(in));
		else if (r != ARCHIVE_OK)
			return (ba_err(err, errlen, "failed to extract archive "
			    "(%s)", archive_error_string(in)));
		if (ba_entry_ok(ae, err, errlen) == -1 ||
		    ba_link_ok(ae, err, errlen) == -1)
			return (-1);
		if (archive_write_header(out, ae) != ARCHIVE_OK)
			return (ba_err(err, errlen, "failed to extract archive "
			    "(%s)", archive_error_string(out)));
		if (archive_entry_size(ae) > 0 &&
		    ba_copy(in, out, err, errlen) == -1)
			return (-1);
		if (archive_write_finish_entry(out) != ARCHIVE_OK)
			return (ba_err(err, errlen, "failed to extract archive "
			    "(%s)", archive_error_string(out)));
	}
}

/*
 * Unpack the opened archive in into the directory dirfd.  The working
 * directory is changed for the time of it, and changed back.
 */
int
builtin_unpack(struct archive *in, int dirfd, char *err, size_t errlen)
{
	struct archive	*out;
	int		 cwd, rc;

	if ((cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (ba_err(err, errlen, "opening '.': %s",
		    strerror(errno)));
	if (fchdir(dirfd) == -1) {
		close(cwd);
		return (ba_err(err, errlen, "entering the output directory: "
		    "%s", strerror(errno)));
	}
	if ((out = archive_write_disk_new()) == NULL ||
	    archive_write_disk_set_options(out, BA_FLAGS) != ARCHIVE_OK)
		rc = ba_err(err, errlen, "cannot set up the extraction");
	else
		rc = ba_extract(in, out, err, errlen);
	/* Directory times and modes are set last, at close. */
	if (out != NULL && archive_write_close(out) != ARCHIVE_OK &&
	    rc == 0)
		rc = ba_err(err, errlen, "failed to extract archive (%s)",
		    archive_error_string(out));
	if (out != NULL)
		archive_write_free(out);
	if (fchdir(cwd) == -1 && rc == 0)
		rc = ba_err(err, errlen, "leaving the output directory: %s",
		    strerror(errno));
	close(cwd);
	return (rc);
}
