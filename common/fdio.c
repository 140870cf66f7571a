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

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "fdio.h"

int
write_all(int fd, const void *buf, size_t len)
{
	const unsigned char	*p = buf;
	ssize_t			 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += n;
		len -= n;
	}
	return (0);
}

/*
 * Made ours and mode 0700 first: then no one else, such as a process
 * of another user holding a descriptor into a build's tree, can add
 * entries while we remove them.  The attributes are those of the
 * directory opened, not of the name; a caller that may not chown (no
 * CAP_CHOWN) only makes the directory usable to itself.
 */
int
open_dir_to_empty(int dirfd, const char *name, const char **step)
{
	struct stat	st;
	mode_t		mode;
	int		fd, saved;

	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		*step = "open";
		return (-1);
	}
	if (fstat(fd, &st) == -1) {
		*step = "stat";
		goto fail;
	}
	if (st.st_uid != geteuid() && fchown(fd, geteuid(), getegid()) == 0)
		st.st_uid = geteuid();
	mode = st.st_uid == geteuid() ? S_IRWXU :
	    (st.st_mode | S_IRWXU) & 07777;
	if ((st.st_mode & 07777) != mode && fchmod(fd, mode) == -1) {
		*step = "chmod";
		goto fail;
	}
	return (fd);
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return (-1);
}
