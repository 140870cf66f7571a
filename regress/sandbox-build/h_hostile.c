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
 * Runs inside a build sandbox as a hostile builder would, one attempt
 * per argument, and prints "<attempt> <rc> <errno text>" for each, so
 * the shell test can assert what was refused:
 *
 *	setxattr:FILE listxattr:FILE chmod:FILE:MODE mount unshare-mnt
 *	unshare-user ptrace abstract:NAME inet:ADDR:PORT setid:DIR uring
 *	openat2
 */
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SYS_FCHMODAT2	452	/* Linux 6.6, not in every header */

static void
report(const char *what, int rc)
{
	printf("%s %d %s\n", what, rc, rc == -1 ? strerror(errno) : "-");
	fflush(stdout);
}

static void
try_chmod(char *arg)
{
	char		*mode = strchr(arg, ':');
	struct stat	 st;
	mode_t		 m;
	int		 fd;

	if (mode == NULL)
		return;
	*mode++ = '\0';
	m = strtoul(mode, NULL, 8);
	report("chmod", chmod(arg, m));
	report("fchmodat", fchmodat(AT_FDCWD, arg, m, 0));
	if ((fd = open(arg, O_RDONLY)) != -1) {
		report("fchmod", fchmod(fd, m));
		close(fd);
	}
	if (stat(arg, &st) == 0)
		printf("mode %o\n", (unsigned int)(st.st_mode & 07777));
}

/*
 * Every call that sets a mode, with set-user-ID or set-group-ID bits,
 * in DIR: each must be refused, or (mkdir) leave no such bit.
 */
static void
try_setid(const char *dir)
{
	struct stat	st;
	int		dfd;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY)) == -1 ||
	    fchdir(dfd) == -1)
		return;
	umask(0);
	close(open("plain", O_WRONLY | O_CREAT, 0644));
	report("fchmodat2-4755", (int)syscall(SYS_FCHMODAT2, AT_FDCWD,
	    "plain", 04755, 0));
	report("fchmodat2-2755", (int)syscall(SYS_FCHMODAT2, AT_FDCWD,
	    "plain", 02755, 0));
	report("open-creat-4755", (int)syscall(SYS_open, "o1",
	    O_WRONLY | O_CREAT, 04755));
	report("openat-creat-2755", openat(dfd, "o2", O_WRONLY | O_CREAT,
	    02755));
	report("creat-4755", (int)syscall(SYS_creat, "o3", 04755));
	report("open-tmpfile-4755", open(".", O_WRONLY | O_TMPFILE, 04755));
	report("mknod-4755", mknod("o4", S_IFREG | 04755, 0));
	report("mknodat-2755", mknodat(dfd, "o5", S_IFREG | 02755, 0));
	report("mkdir-6755", mkdir("o6", 06755));
	if (stat("o6", &st) == 0)
		printf("mkdir mode %o\n", (unsigned int)(st.st_mode & 07777));
	close(dfd);
}

static void
try_connect(const char *what, const char *arg)
{
	struct sockaddr_un	sun;
	struct sockaddr_in	sin;
	char			addr[64], *port;
	int			s;

	if (strcmp(what, "abstract") == 0) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		strncpy(sun.sun_path + 1, arg, sizeof(sun.sun_path) - 2);
		s = socket(AF_UNIX, SOCK_STREAM, 0);
		report("abstract", connect(s, (struct sockaddr *)&sun,
		    offsetof(struct sockaddr_un, sun_path) + 1 + strlen(arg)));
		return;
	}
	strncpy(addr, arg, sizeof(addr) - 1);
	addr[sizeof(addr) - 1] = '\0';
	if ((port = strchr(addr, ':')) == NULL)
		return;
	*port++ = '\0';
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(atoi(port));
	inet_pton(AF_INET, addr, &sin.sin_addr);
	s = socket(AF_INET, SOCK_STREAM, 0);
	report("inet", connect(s, (struct sockaddr *)&sin, sizeof(sin)));
}

int
main(int argc, char *argv[])
{
	char	 buf[256];
	int	 i;

	for (i = 1; i < argc; i++) {
		char *arg = argv[i], *colon = strchr(arg, ':');

		if (colon != NULL)
			*colon++ = '\0';
		if (strcmp(arg, "setxattr") == 0) {
			report("setxattr", setxattr(colon, "user.x", "1", 1,
			    0));
			report("lsetxattr", lsetxattr(colon, "user.x", "1", 1,
			    0));
		} else if (strcmp(arg, "listxattr") == 0)
			report("listxattr", (int)listxattr(colon, buf,
			    sizeof(buf)));
		else if (strcmp(arg, "chmod") == 0)
			try_chmod(colon);
		else if (strcmp(arg, "mount") == 0) {
			report("mount", mount("none", "/tmp", "tmpfs", 0,
			    NULL));
			report("bind", mount("/", "/tmp", NULL, MS_BIND, NULL));
		} else if (strcmp(arg, "unshare-mnt") == 0)
			report("unshare-mnt", unshare(CLONE_NEWNS));
		else if (strcmp(arg, "ptrace") == 0)
			report("ptrace", (int)ptrace(PTRACE_ATTACH, 1, NULL,
			    NULL));
		else if (strcmp(arg, "setid") == 0)
			try_setid(colon);
		else if (strcmp(arg, "uring") == 0) {
			memset(buf, 0, sizeof(buf));
			report("io_uring_setup", (int)syscall(
			    SYS_io_uring_setup, 8, buf));
		} else if (strcmp(arg, "openat2") == 0) {
			memset(buf, 0, sizeof(buf));
			report("openat2", (int)syscall(SYS_openat2, AT_FDCWD,
			    "/", buf, 24));
		} else if (strcmp(arg, "abstract") == 0 ||
		    strcmp(arg, "inet") == 0)
			try_connect(arg, colon);
		else
			printf("unknown %s\n", arg);
	}
	return (0);
}
