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
 * sandbox.c: for each child process's allow-list, a forked child
 * enters the sandbox, sees "Seccomp: 2", does the work that process
 * really does, then makes a call outside its list and must die by
 * SIGSYS.  The parent asserts both.
 */
/* link: spawner/spawner_filter.c */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "sandbox.h"
#include "../../spawner/spawner.h"

#define NSORT		100000	/* glibc's qsort asks sysinfo past 1 KiB */
#define SYS_FCHMODAT2	452	/* Linux 6.6, not in every header */

#define EXIT_WORK_OK	42

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
	    syscall(SYS_FCHMODAT2, pfd, "", 0444, AT_EMPTY_PATH) == -1 ||
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

static int
cmp_int(const void *a, const void *b)
{
	int	x = *(const int *)a, y = *(const int *)b;

	return ((x > y) - (x < y));
}

/*
 * What the C library does for every process after its filter: sort a
 * large array, allocate and free a large block, name an error, format
 * a float and the local time, and the CPU count of max-jobs = auto
 * (read before the filter, as builderproc does).
 */
static int
work_libc(void)
{
	struct tm	 tm;
	time_t		 now;
	char		 buf[128];
	int		*v, i;

	if ((v = calloc(NSORT, sizeof(*v))) == NULL)
		return (-1);
	for (i = 0; i < NSORT; i++)
		v[i] = (i * 7919) % NSORT;
	qsort(v, NSORT, sizeof(*v), cmp_int);
	for (i = 1; i < NSORT; i++)
		if (v[i - 1] > v[i])
			return (-1);
	free(v);
	if ((v = malloc(64 << 20)) == NULL)
		return (-1);
	memset(v, 1, 64 << 20);
	free(v);
	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%c %Z", &tm) == 0)
		return (-1);
	snprintf(buf, sizeof(buf), "%s %.3f %g", strerror(ENOENT), 1.5, 2e9);
	if (sysconf(_SC_PAGESIZE) < 1)
		return (-1);
	return (config_max_jobs(&(struct rnixd_conf){ .conf_max_jobs = 0 }) >=
	    1 ? 0 : -1);
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
	syscall(SYS_FCHMODAT2, AT_FDCWD, tmpdir, 0700, 0);
}

static void
forbidden_inet(void)
{
	/* No process of ours may open a network socket. */
	socket(AF_INET, SOCK_STREAM, 0);
}

static int	builder_bad;

static void
expect(const char *what, long rc, int want_errno)
{
	if (want_errno == 0 ? rc != -1 : rc == -1 && errno == want_errno)
		return;
	fprintf(stderr, "builder: %s: got %ld (%s), expected %s\n", what, rc,
	    rc == -1 ? strerror(errno) : "success",
	    want_errno == 0 ? "success" : strerror(want_errno));
	builder_bad = 1;
}

static void
expect_mode(const char *path, mode_t want)
{
	struct stat	st;

	if (stat(path, &st) == -1 || (st.st_mode & 07777) != want) {
		fprintf(stderr, "builder: %s: mode %o, expected %o\n", path,
		    (unsigned int)(st.st_mode & 07777), (unsigned int)want);
		builder_bad = 1;
	}
}

/*
 * In a builder (the spawner's filter, then the builder's): no call
 * makes a set-user-ID or set-group-ID file, whatever the call; io_uring
 * and openat2 are missing; files with plain modes are made as ever.
 */
static void
builder_calls(void)
{
	char	f[64], t[64];
	int	fd;

	if (chdir(tmpdir) == -1)
		_exit(3);
	umask(0);
	spawner_filter_enter();
	if (spawn_builder_filter() == -1)
		_exit(3);
	if ((fd = open("f", O_WRONLY | O_CREAT, 0644)) == -1)
		_exit(3);
	expect_mode("f", 0644);
	expect("fchmod 04755", fchmod(fd, 04755), EPERM);
	close(fd);
	expect("chmod 04755", chmod("f", 04755), EPERM);
	expect("fchmodat 02755", fchmodat(AT_FDCWD, "f", 02755, 0), EPERM);
	expect("fchmodat2 04755", syscall(SYS_FCHMODAT2, AT_FDCWD, "f",
	    04755, 0), EPERM);
	expect("fchmodat2 02755", syscall(SYS_FCHMODAT2, AT_FDCWD, "f",
	    02755, 0), EPERM);
	expect("fchmodat2 0755", syscall(SYS_FCHMODAT2, AT_FDCWD, "f",
	    0755, 0), 0);
	expect_mode("f", 0755);
	snprintf(f, sizeof(f), "%s/o", tmpdir);
	expect("open O_CREAT 04755", syscall(SYS_open, f,
	    O_WRONLY | O_CREAT, 04755), EPERM);
	expect("openat O_CREAT 02755", openat(AT_FDCWD, "o",
	    O_WRONLY | O_CREAT | O_EXCL, 02755), EPERM);
	expect("creat 04755", syscall(SYS_creat, "o", 04755), EPERM);
	expect("open O_TMPFILE 04755", open(".", O_WRONLY | O_TMPFILE,
	    04755), EPERM);
	expect("mknod S_IFREG 04755", mknod("o", S_IFREG | 04755, 0), EPERM);
	expect("mknodat S_IFREG 02755", mknodat(AT_FDCWD, "o",
	    S_IFREG | 02755, 0), EPERM);
	if (access("o", F_OK) == 0) {
		fprintf(stderr, "builder: a refused call made o\n");
		builder_bad = 1;
	}
	expect("openat O_CREAT 0600", fd = openat(AT_FDCWD, "o",
	    O_WRONLY | O_CREAT | O_EXCL, 0600), 0);
	close(fd);
	expect_mode("o", 0600);
	/* An open that creates nothing may pass any mode argument. */
	expect("openat no O_CREAT", fd = openat(AT_FDCWD, "o", O_RDONLY,
	    04755), 0);
	close(fd);
	/* The kernel drops both bits from mkdir's mode. */
	expect("mkdir 06755", mkdir("d", 06755), 0);
	expect_mode("d", 0755);
	snprintf(t, sizeof(t), "%.*s", (int)sizeof(t) - 1, "x");
	expect("io_uring_setup", syscall(SYS_io_uring_setup, 8, t), ENOSYS);
	expect("io_uring_enter", syscall(SYS_io_uring_enter, 0, 0, 0, 0,
	    NULL, 0), ENOSYS);
	expect("io_uring_register", syscall(SYS_io_uring_register, 0, 0,
	    NULL, 0), ENOSYS);
	expect("openat2", syscall(SYS_openat2, AT_FDCWD, "o", t, 24),
	    ENOSYS);
	unlink("o");
	unlink("f");
	rmdir("d");
	_exit(builder_bad ? 1 : EXIT_WORK_OK);
}

static void
check_builder(void)
{
	pid_t	pid;
	int	status;

	fflush(NULL);
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0)
		builder_calls();
	if (waitpid(pid, &status, 0) == -1)
		err(1, "waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != EXIT_WORK_OK)
		errx(1, "builder filter: got status %#x", status);
	printf("builder: no set-user-ID or set-group-ID modes, no io_uring, "
	    "no openat2: ok\n");
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
		config_init_cpus();
		tzset();
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
	check("storeproc libc", PROC_STORE, work_libc, forbidden_exec, 0);
	check("builderproc libc", PROC_BUILDER, work_libc, forbidden_exec, 0);
	check("mountproc libc", PROC_MOUNT, work_libc, forbidden_exec, 0);
	check_builder();
	if (rmdir(tmpdir) == -1)
		err(1, "rmdir %s", tmpdir);
	return (0);
}
