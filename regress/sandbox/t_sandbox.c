/*
 * sandbox.c: for each child process's allow-list, a forked child
 * enters the sandbox, sees "Seccomp: 2", does the work that process
 * really does, then makes a call outside its list and must die by
 * SIGSYS.  The parent asserts both.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <err.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"

#define EXIT_WORK_OK	42
#define SYS_fchmodat2_	452	/* Linux 6.6, unknown to older headers */

static char	tmpdir[] = "/tmp/t_sandbox.XXXXXX";

static int
seccomp_mode(void)
{
	FILE	*fp;
	char	 line[256];
	int	 mode = -1;

	if ((fp = fopen("/proc/self/status", "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "Seccomp: %d", &mode) == 1)
			break;
	fclose(fp);
	return (mode);
}

static int
work_store(void)
{
	int	dfd, fd, pfd;

	if ((dfd = open(tmpdir, O_RDONLY | O_DIRECTORY)) == -1)
		return (-1);
	if (mkdirat(dfd, "d", 0755) == -1 ||
	    (fd = openat(dfd, "d/f.tmp", O_WRONLY | O_CREAT | O_EXCL, 0644))
	    == -1)
		return (-1);
	if (write(fd, "data", 4) != 4 || fsync(fd) == -1 || close(fd) == -1)
		return (-1);
	/* Modes change through descriptors only, O_PATH ones too. */
	if (renameat(dfd, "d/f.tmp", dfd, "d/f") == -1 ||
	    (pfd = openat(dfd, "d/f", O_PATH | O_NOFOLLOW)) == -1 ||
	    syscall(SYS_fchmodat2_, pfd, "", 0444, AT_EMPTY_PATH) == -1 ||
	    close(pfd) == -1 ||
	    unlinkat(dfd, "d/f", 0) == -1 ||
	    unlinkat(dfd, "d", AT_REMOVEDIR) == -1)
		return (-1);
	return (close(dfd));
}

static int
work_builder(void)
{
	int	sv[2];
	char	buf[4];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return (-1);
	if (write(sv[0], "ping", 4) != 4 || read(sv[1], buf, 4) != 4)
		return (-1);
	close(sv[0]);
	close(sv[1]);
	return (memcmp(buf, "ping", 4) == 0 ? 0 : -1);
}

static int
work_mount(void)
{
	pid_t	pid;
	int	status;

	/* mountproc forks helpers that enter sandboxes; they never exec. */
	if ((pid = fork()) == -1)
		return (-1);
	if (pid == 0)
		_exit(7);
	if (waitpid(pid, &status, 0) == -1)
		return (-1);
	return (WIFEXITED(status) && WEXITSTATUS(status) == 7 ? 0 : -1);
}

static void
forbidden_exec(void)
{
	char	*argv[] = { "/bin/true", NULL };

	execv(argv[0], argv);
}

/* storeproc: a chmod by name could follow a builder's symlink. */
static void
forbidden_chmod_name(void)
{
	fchmodat(AT_FDCWD, tmpdir, 0700, 0);
}

static void
forbidden_chmod2_name(void)
{
	syscall(SYS_fchmodat2_, AT_FDCWD, tmpdir, 0700, 0);
}

static void
forbidden_inet(void)
{
	/* No process of ours may open a network socket. */
	socket(AF_INET, SOCK_STREAM, 0);
}

static void
check(const char *name, enum proc_type proc, int (*work)(void),
    void (*forbidden)(void), int do_forbidden)
{
	pid_t	pid;
	int	status;

	fflush(NULL);
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		sandbox_enter(proc);
		if (seccomp_mode() != 2)
			_exit(2);
		if (work() == -1)
			_exit(3);
		if (!do_forbidden)
			_exit(EXIT_WORK_OK);
		forbidden();
		_exit(4);
	}
	if (waitpid(pid, &status, 0) == -1)
		err(1, "waitpid");
	if (!do_forbidden) {
		if (!WIFEXITED(status) || WEXITSTATUS(status) != EXIT_WORK_OK)
			errx(1, "%s: work in sandbox: got status %#x, "
			    "expected exit %d", name, status, EXIT_WORK_OK);
		printf("%s: seccomp mode 2 and real work: ok\n", name);
		return;
	}
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
		errx(1, "%s: forbidden call: got status %#x, expected SIGSYS",
		    name, status);
	printf("%s: forbidden call killed by SIGSYS: ok\n", name);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL)
		err(1, "mkdtemp");
	check("storeproc", PROC_STORE, work_store, forbidden_exec, 0);
	check("storeproc", PROC_STORE, work_store, forbidden_exec, 1);
	check("storeproc", PROC_STORE, work_store, forbidden_inet, 1);
	check("storeproc", PROC_STORE, work_store, forbidden_chmod_name, 1);
	check("storeproc", PROC_STORE, work_store, forbidden_chmod2_name, 1);
	check("builderproc", PROC_BUILDER, work_builder, forbidden_exec, 0);
	check("builderproc", PROC_BUILDER, work_builder, forbidden_exec, 1);
	check("builderproc", PROC_BUILDER, work_builder, forbidden_inet, 1);
	check("mountproc", PROC_MOUNT, work_mount, forbidden_exec, 0);
	check("mountproc", PROC_MOUNT, work_mount, forbidden_exec, 1);
	check("mountproc", PROC_MOUNT, work_mount, forbidden_inet, 1);
	if (rmdir(tmpdir) == -1)
		err(1, "rmdir %s", tmpdir);
	return (0);
}
