/*
 * Runs inside a build sandbox as a hostile builder would, one attempt
 * per argument, and prints "<attempt> <rc> <errno text>" for each, so
 * the shell test can assert what was refused:
 *
 *	setxattr:FILE listxattr:FILE chmod:FILE:MODE mount unshare-mnt
 *	unshare-user ptrace abstract:NAME inet:ADDR:PORT
 */
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
		else if (strcmp(arg, "abstract") == 0 ||
		    strcmp(arg, "inet") == 0)
			try_connect(arg, colon);
		else
			printf("unknown %s\n", arg);
	}
	return (0);
}
