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
 * The build sandbox, made as Nix 2.8 makes it, so that a builder sees
 * the same things and its outputs are the same bytes.  What Nix 2.8
 * shows a builder (observed with its sandbox on, as root, build users
 * from nixbld; regress/sandbox-build compares line by line):
 *
 * - pid 1 of new user, pid, mount, ipc, uts and (unless fixed-output)
 *   net namespaces; no init process: the builder itself is pid 1.
 * - uid 1000, gid 100, no supplementary groups; the user namespace
 *   maps only those two to the host build user and build group, so
 *   everything else (root included) shows as 65534.
 * - hostname "localhost", domain name "(none)", loopback up.
 * - /: 0750, group nixbld; bin (sandbox-paths), build (the build dir,
 *   0700, builder-owned), dev, etc (0755: passwd, group, hosts 0644),
 *   nix/store (1775, group nixbld, the inputs and the outputs to be),
 *   proc (a new procfs), tmp (1777).  No other store path is visible.
 * - /dev: full null random tty urandom zero (bind mounts of the host
 *   nodes), kvm with the kvm feature, fd stdin stdout stderr symlinks
 *   into /proc/self/fd, ptmx -> /dev/pts/ptmx on a new devpts
 *   (mode=0620, ptmx 0666), shm a new tmpfs of size 50%.
 * - stdin /dev/null; stdout and stderr a pseudo-terminal in raw mode
 *   (isatty(1) is true), in a new session; umask 022; core size 0;
 *   cwd /build; argv[0] is the builder's base name.
 * - seccomp: setuid/setgid mode bits refused (EPERM), xattrs refused
 *   (ENOTSUP), no_new_privs.
 * - Landlock scopes (not in Nix 2.8): no abstract Unix socket and no
 *   process outside the build can be reached; fixed-output builds,
 *   which share the host's network namespace, need them.
 *
 * The spawner (spawner.c) runs this with the host view and a
 * few capabilities; the sandboxed child does only mounts: everything
 * in the root is created here beforehand, through directory fds, by
 * the spawner's own user, before any build-user process exists.
 */
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <net/if.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "landlock.h"
#include "log.h"
#include "msg_mount.h"
#include "spawner.h"
#include "storepath.h"

/* One mount the sandboxed child makes, relative to the new root. */
struct sb_mount {
	char	*sm_source;	/* host path */
	char	*sm_target;	/* relative to the root */
	int	 sm_rdonly;
};

struct sb_plan {
	struct sb_mount	*sp_mounts;
	size_t		 sp_nmounts;
	char		*sp_root;	/* host path of the root */
	char		*sp_store;	/* store dir relative to the root */
	int		 sp_network;
};

static const char *const sb_devices[] = {
	"full", "null", "random", "tty", "urandom", "zero"
};

static int	sb_err(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	sb_mkdirs(int, const char *, mode_t, gid_t, int *);
static int	sb_mkfile(int, const char *, const char *, mode_t);
static int	sb_target(int, const char *, int);
static int	sb_plan_add(struct sb_plan *, const char *, const char *,
		    int);
static void	sb_plan_free(struct sb_plan *);
static int	sb_make_root(const struct mount_build *, struct mount_run *,
		    struct sb_plan *, char *, size_t);
static int	sb_make_etc(int, const struct mount_build *);
static int	sb_make_dev(int, const struct mount_build *,
		    struct sb_plan *);
static int	sb_make_inputs(int, const struct mount_build *,
		    struct sb_plan *);
static int	sb_make_socket(int, const struct mount_build *, int *);
static int	sb_make_files(int, const struct mount_build *);
static int	sb_open_pty(uid_t, int *, int *, char *, size_t);
static int	sb_write_maps(pid_t, const struct mount_build *);
static void	sb_child(const struct mount_build *, struct sb_plan *, int,
		    int, int) __attribute__((noreturn));
static int	sb_child_mounts(struct sb_plan *, const char **);
static int	sb_child_signals(void);
static void	sb_child_signal_raw(int);
static int	sb_check_abs(const char *);
static int	sb_searchable(const struct stat *, uid_t, gid_t);
static int	sb_unsearchable(const char *, char *, size_t, struct stat *);
static int	sb_diagnose_access(const struct mount_build *, char *,
		    size_t);

static int
sb_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	errno = saved;
	return (-1);
}

/* Clean and absolute (msg_check_abs), and short enough to use. */
static int
sb_check_abs(const char *path)
{
	if (strlen(path) >= PATH_MAX)
		return (-1);
	return (msg_check_abs(path));
}

int
spawn_check(const struct mount_build *mb, char *err, size_t errlen)
{
	const char	*errstr, *hashpart, *name;
	size_t		 i;

	if (mb->mbd_uid == 0 || mb->mbd_gid == 0)
		return (sb_err(err, errlen, "build user may not be root"));
	if (sb_check_abs(mb->mbd_store_dir) == -1 ||
	    sb_check_abs(mb->mbd_real_store_dir) == -1 ||
	    sb_check_abs(mb->mbd_builds_dir) == -1)
		return (sb_err(err, errlen, "bad store or builds dir"));
	if (mb->mbd_builder == NULL)
		return (sb_err(err, errlen, "no builder"));
	if (strncmp(mb->mbd_builder, MOUNT_BUILTIN_PREFIX,
	    strlen(MOUNT_BUILTIN_PREFIX)) == 0) {
		if (mb->mbd_builtinfd == -1)
			return (sb_err(err, errlen, "%s cannot run: "
			    "rnixd-builtin is missing", mb->mbd_builder));
	} else if (sb_check_abs(mb->mbd_builder) == -1)
		return (sb_err(err, errlen, "builder must be absolute"));
	/* It could hand its daemon connection to a host process. */
	if ((mb->mbd_flags & MOUNT_F_NETWORK) &&
	    (mb->mbd_flags & MOUNT_F_RECURSIVE))
		return (sb_err(err, errlen, "a fixed-output build gets no "
		    "recursive Nix socket"));
	for (i = 0; i < mb->mbd_nenv; i++)
		if (mb->mbd_env[i][0] == '=' ||
		    strchr(mb->mbd_env[i], '=') == NULL)
			return (sb_err(err, errlen, "bad environment entry"));
	for (i = 0; i < mb->mbd_ninputs; i++)
		if (storepath_parse(mb->mbd_store_dir, mb->mbd_inputs[i],
		    &hashpart, &name, &errstr) == -1)
			return (sb_err(err, errlen, "input %s: %s",
			    mb->mbd_inputs[i], errstr));
	for (i = 0; i < mb->mbd_nbinds; i++)
		if (sb_check_abs(mb->mbd_binds[i].mb_target) == -1 ||
		    sb_check_abs(mb->mbd_binds[i].mb_source) == -1 ||
		    strcmp(mb->mbd_binds[i].mb_target, "/proc") == 0 ||
		    strncmp(mb->mbd_binds[i].mb_target, "/proc/", 6) == 0)
			return (sb_err(err, errlen, "bad sandbox path %s",
			    mb->mbd_binds[i].mb_target));
	for (i = 0; i < mb->mbd_nfiles; i++)
		if (strchr(mb->mbd_files[i].mmf_name, '/') != NULL ||
		    strcmp(mb->mbd_files[i].mmf_name, ".") == 0 ||
		    strcmp(mb->mbd_files[i].mmf_name, "..") == 0)
			return (sb_err(err, errlen, "bad build-dir file %s",
			    mb->mbd_files[i].mmf_name));
	return (0);
}

/*
 * Create (or walk) the directories of the relative path under dirfd
 * without following symlinks; new ones get mode (and group, unless -1).
 * The last one's fd is returned in *fdp if fdp is not NULL.
 */
static int
sb_mkdirs(int dirfd, const char *relpath, mode_t mode, gid_t gid, int *fdp)
{
	char	 buf[PATH_MAX], *p, *next;
	int	 fd, nfd, created;

	if (strlcpy(buf, relpath, sizeof(buf)) >= sizeof(buf))
		return (-1);
	if ((fd = dup(dirfd)) == -1)
		return (-1);
	for (p = buf; p != NULL && *p != '\0'; p = next) {
		if ((next = strchr(p, '/')) != NULL)
			*next++ = '\0';
		created = mkdirat(fd, p, 0700) == 0;
		if (!created && errno != EEXIST)
			goto fail;
		nfd = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		close(fd);
		if ((fd = nfd) == -1)
			return (-1);
		if (created && ((gid != (gid_t)-1 &&
		    fchown(fd, -1, gid) == -1) || fchmod(fd, mode) == -1))
			goto fail;
	}
	if (fdp != NULL)
		*fdp = fd;
	else
		close(fd);
	return (0);
fail:
	close(fd);
	return (-1);
}

static int
sb_mkfile(int dirfd, const char *name, const char *text, mode_t mode)
{
	size_t	len = text == NULL ? 0 : strlen(text);
	int	fd;

	if ((fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1)
		return (-1);
	if ((len > 0 && write(fd, text, len) != (ssize_t)len) ||
	    fchmod(fd, mode) == -1) {
		close(fd);
		return (-1);
	}
	return (close(fd));
}

/* A mount point at the relative path: a directory or an empty file. */
static int
sb_target(int rootfd, const char *relpath, int isdir)
{
	char		 dir[PATH_MAX];
	const char	*base;
	int		 dfd, rc;

	if (isdir)
		return (sb_mkdirs(rootfd, relpath, 0755, -1, NULL));
	if (strlcpy(dir, relpath, sizeof(dir)) >= sizeof(dir))
		return (-1);
	if ((base = strrchr(relpath, '/')) == NULL) {
		base = relpath;
		dfd = dup(rootfd);
	} else {
		dir[base - relpath] = '\0';
		base++;
		if (sb_mkdirs(rootfd, dir, 0755, -1, &dfd) == -1)
			return (-1);
	}
	if (dfd == -1)
		return (-1);
	rc = sb_mkfile(dfd, base, NULL, 0644);
	if (rc == -1 && errno == EEXIST)
		rc = 0;
	close(dfd);
	return (rc);
}

static int
sb_plan_add(struct sb_plan *sp, const char *source, const char *target,
    int rdonly)
{
	struct sb_mount	*sm;

	if ((sm = reallocarray(sp->sp_mounts, sp->sp_nmounts + 1,
	    sizeof(*sm))) == NULL)
		return (-1);
	sp->sp_mounts = sm;
	sm += sp->sp_nmounts;
	sm->sm_source = strdup(source);
	sm->sm_target = strdup(target);
	sm->sm_rdonly = rdonly;
	if (sm->sm_source == NULL || sm->sm_target == NULL) {
		free(sm->sm_source);
		free(sm->sm_target);
		return (-1);
	}
	sp->sp_nmounts++;
	return (0);
}

static void
sb_plan_free(struct sb_plan *sp)
{
	size_t	i;

	for (i = 0; i < sp->sp_nmounts; i++) {
		free(sp->sp_mounts[i].sm_source);
		free(sp->sp_mounts[i].sm_target);
	}
	free(sp->sp_mounts);
	free(sp->sp_root);
	free(sp->sp_store);
	memset(sp, 0, sizeof(*sp));
}

/* /etc as Nix 2.8 writes it; hosts only for sandboxed networks. */
static int
sb_make_etc(int rootfd, const struct mount_build *mb)
{
	char	passwd[256], group[128];
	int	etcfd, rc = -1;

	snprintf(passwd, sizeof(passwd),
	    "root:x:0:0:Nix build user:%s:/noshell\n"
	    "nixbld:x:%d:%d:Nix build user:%s:/noshell\n"
	    "nobody:x:65534:65534:Nobody:/:/noshell\n",
	    MOUNT_SANDBOX_BUILD, MOUNT_SANDBOX_UID, MOUNT_SANDBOX_GID,
	    MOUNT_SANDBOX_BUILD);
	snprintf(group, sizeof(group),
	    "root:x:0:\nnixbld:!:%d:\nnogroup:x:65534:\n", MOUNT_SANDBOX_GID);
	if (sb_mkdirs(rootfd, "etc", 0755, -1, &etcfd) == -1)
		return (-1);
	if (sb_mkfile(etcfd, "passwd", passwd, 0644) == -1 ||
	    sb_mkfile(etcfd, "group", group, 0644) == -1)
		goto out;
	if (mb->mbd_flags & MOUNT_F_NETWORK) {
		/* Name resolution for fetchers, and nothing else of NSS. */
		if (sb_mkfile(etcfd, "nsswitch.conf",
		    "hosts: files dns\nservices: files\n", 0644) == -1)
			goto out;
	} else if (sb_mkfile(etcfd, "hosts",
	    "127.0.0.1 localhost\n::1 localhost\n", 0644) == -1)
		goto out;
	rc = 0;
out:
	close(etcfd);
	return (rc);
}

static int
sb_make_dev(int rootfd, const struct mount_build *mb, struct sb_plan *sp)
{
	static const char *const netfiles[] = {
		"/etc/resolv.conf", "/etc/services", "/etc/hosts"
	};
	char		 src[64], tgt[64];
	struct stat	 st;
	int		 devfd;
	size_t		 i;

	if (sb_mkdirs(rootfd, "dev/shm", 0755, -1, NULL) == -1 ||
	    sb_mkdirs(rootfd, "dev/pts", 0755, -1, &devfd) == -1)
		return (-1);
	close(devfd);
	if ((devfd = openat(rootfd, "dev", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		return (-1);
	if (symlinkat("/proc/self/fd", devfd, "fd") == -1 ||
	    symlinkat("/proc/self/fd/0", devfd, "stdin") == -1 ||
	    symlinkat("/proc/self/fd/1", devfd, "stdout") == -1 ||
	    symlinkat("/proc/self/fd/2", devfd, "stderr") == -1 ||
	    symlinkat("/dev/pts/ptmx", devfd, "ptmx") == -1)
		goto fail;
	for (i = 0; i < sizeof(sb_devices) / sizeof(sb_devices[0]); i++) {
		snprintf(src, sizeof(src), "/dev/%s", sb_devices[i]);
		snprintf(tgt, sizeof(tgt), "dev/%s", sb_devices[i]);
		if (sb_mkfile(devfd, sb_devices[i], NULL, 0644) == -1 ||
		    sb_plan_add(sp, src, tgt, 0) == -1)
			goto fail;
	}
	if ((mb->mbd_flags & MOUNT_F_KVM) && stat("/dev/kvm", &st) == 0 &&
	    (sb_mkfile(devfd, "kvm", NULL, 0644) == -1 ||
	    sb_plan_add(sp, "/dev/kvm", "dev/kvm", 0) == -1))
		goto fail;
	close(devfd);
	if ((mb->mbd_flags & MOUNT_F_NETWORK) == 0)
		return (0);
	for (i = 0; i < sizeof(netfiles) / sizeof(netfiles[0]); i++)
		if (stat(netfiles[i], &st) == 0 &&
		    (sb_target(rootfd, netfiles[i] + 1, 0) == -1 ||
		    sb_plan_add(sp, netfiles[i], netfiles[i] + 1, 1) == -1))
			return (-1);
	return (0);
fail:
	close(devfd);
	return (-1);
}

/*
 * The input closure: directories are bind-mounted read-only, other
 * paths hard-linked as Nix does (the root is on the store's file
 * system), or bind-mounted when a link is not possible.
 */
static int
sb_make_inputs(int rootfd, const struct mount_build *mb, struct sb_plan *sp)
{
	char		 src[PATH_MAX], tgt[PATH_MAX];
	const char	*base;
	struct stat	 st;
	int		 realfd, storefd, rc = -1;
	size_t		 i;

	if ((realfd = open(mb->mbd_real_store_dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return (-1);
	if ((storefd = openat(rootfd, sp->sp_store, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		goto out;
	for (i = 0; i < mb->mbd_ninputs; i++) {
		base = mb->mbd_inputs[i] + strlen(mb->mbd_store_dir) + 1;
		if (fstatat(realfd, base, &st, AT_SYMLINK_NOFOLLOW) == -1)
			goto out;
		if (!S_ISDIR(st.st_mode) &&
		    linkat(realfd, base, storefd, base, 0) == 0)
			continue;
		snprintf(src, sizeof(src), "%s/%s", mb->mbd_real_store_dir,
		    base);
		snprintf(tgt, sizeof(tgt), "%s/%s", sp->sp_store, base);
		if (S_ISLNK(st.st_mode)) {
			/* A symlink cannot be a mount point: copy it. */
			if ((rc = readlinkat(realfd, base, src,
			    sizeof(src) - 1)) == -1)
				goto out;
			src[rc] = '\0';
			rc = -1;
			if (symlinkat(src, storefd, base) == -1)
				goto out;
			continue;
		}
		if (sb_target(rootfd, tgt, S_ISDIR(st.st_mode)) == -1 ||
		    sb_plan_add(sp, src, tgt, 1) == -1)
			goto out;
	}
	rc = 0;
out:
	if (storefd != -1)
		close(storefd);
	close(realfd);
	return (rc);
}

/* The per-build directory and the root in it, filled; *sp says what to
 * mount. */
static int
sb_make_root(const struct mount_build *mb, struct mount_run *mr,
    struct sb_plan *sp, char *err, size_t errlen)
{
	struct stat	 st;
	const char	*errstr;
	char		 path[PATH_MAX];
	int		 idfd = -1, rootfd = -1, fd, rc = -1, named = 0;
	size_t		 i;

	if (fstat(mr->mr_buildsfd, &st) == -1 || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0)
		return (sb_err(err, errlen, "%s must be ours and mode 0700",
		    mb->mbd_builds_dir));
	/* A leftover of a crashed daemon is never reused (CVE-2025-52991). */
	if (spawn_remove_tree(mr->mr_buildsfd, mr->mr_name, &errstr) == -1)
		return (sb_err(err, errlen, "stale build dir: %s", errstr));
	if (mkdirat(mr->mr_buildsfd, mr->mr_name, 0700) == -1 ||
	    (idfd = openat(mr->mr_buildsfd, mr->mr_name, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return (sb_err(err, errlen, "build dir: %s", strerror(errno)));
	if (sb_mkdirs(idfd, "root", 0750, mb->mbd_gid, &rootfd) == -1)
		goto fail;
	if (asprintf(&sp->sp_root, "%s/%s/root", mb->mbd_builds_dir,
	    mr->mr_name) == -1 || (sp->sp_store =
	    strdup(mb->mbd_store_dir + 1)) == NULL) {
		sp->sp_root = NULL;
		goto fail;
	}
	sp->sp_network = (mb->mbd_flags & MOUNT_F_NETWORK) != 0;
	if (sb_mkdirs(rootfd, "tmp", 01777, -1, NULL) == -1 ||
	    sb_make_etc(rootfd, mb) == -1 ||
	    sb_mkdirs(rootfd, sp->sp_store, 0755, -1, &fd) == -1)
		goto fail;
	/* Writable by the build group only: outputs are created here. */
	if (fchown(fd, -1, mb->mbd_gid) == -1 || fchmod(fd, 01775) == -1) {
		close(fd);
		goto fail;
	}
	mr->mr_storefd = fd;
	if (sb_mkdirs(rootfd, "build", 0700, -1, &fd) == -1)
		goto fail;
	if (sb_make_files(fd, mb) == -1 ||
	    fchown(fd, mb->mbd_uid, mb->mbd_gid) == -1 ||
	    ((mb->mbd_flags & MOUNT_F_RECURSIVE) &&
	    sb_make_socket(fd, mb, &mr->mr_sockfd) == -1)) {
		close(fd);
		goto fail;
	}
	close(fd);
	if (sb_make_dev(rootfd, mb, sp) == -1 ||
	    sb_make_inputs(rootfd, mb, sp) == -1)
		goto fail;
	for (i = 0; i < mb->mbd_nbinds; i++) {
		struct mount_bind *b = &mb->mbd_binds[i];

		if (stat(b->mb_source, &st) == -1) {
			if (b->mb_optional && errno == ENOENT)
				continue;
			/* Nix's words, and the setting to look at. */
			sb_err(err, errlen, "sandbox-paths: getting attributes "
			    "of path '%s': %s", b->mb_source, strerror(errno));
			named = 1;
			goto fail;
		}
		snprintf(path, sizeof(path), "%s", b->mb_target + 1);
		if (sb_target(rootfd, path, S_ISDIR(st.st_mode)) == -1 ||
		    sb_plan_add(sp, b->mb_source, path, 0) == -1)
			goto fail;
	}
	if (sb_mkdirs(rootfd, "proc", 0755, -1, NULL) == -1)
		goto fail;
	rc = 0;
fail:
	if (rc == -1 && !named)
		sb_err(err, errlen, "making the sandbox root: %s",
		    strerror(errno));
	if (rootfd != -1)
		close(rootfd);
	close(idfd);
	return (rc);
}

/*
 * The files builderproc made for the build dir (passAsFile, structured
 * attrs, exportReferencesGraph), 0644 and the build user's unless
 * mmf_keep says ours, as Nix 2.8 leaves them.  Created through the
 * build dir's fd with O_EXCL and O_NOFOLLOW, and chowned through the
 * file's own fd, while no process of the build user exists
 * (spawn_start killed them all): no name here can be a symlink a
 * builder planted (CVE-2025-52993).
 */
static int
sb_make_files(int buildfd, const struct mount_build *mb)
{
	const struct msg_mount_file	*f;
	size_t				 i, off;
	ssize_t				 n;
	int				 fd;

	for (i = 0; i < mb->mbd_nfiles; i++) {
		f = &mb->mbd_files[i];
		if ((fd = openat(buildfd, f->mmf_name, O_WRONLY | O_CREAT |
		    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) == -1)
			return (-1);
		for (off = 0; off < f->mmf_len; off += n)
			if ((n = write(fd, f->mmf_data + off,
			    f->mmf_len - off)) <= 0) {
				if (n == 0)
					errno = EIO;
				close(fd);
				return (-1);
			}
		if ((!f->mmf_keep &&
		    fchown(fd, mb->mbd_uid, mb->mbd_gid) == -1) ||
		    fchmod(fd, 0644) == -1) {
			close(fd);
			return (-1);
		}
		if (close(fd) == -1)
			return (-1);
	}
	return (0);
}

/*
 * Recursive Nix: the listening socket the builder reaches the daemon
 * through, at /build/.nix-socket.  Only the build user may connect
 * (0600), and the build dir's parents are 0700 and ours, so no other
 * user of the host reaches it (CVE-2024-38531).  Bound through the
 * build dir's fd, so a long state-dir does not matter to sun_path.
 */
static int
sb_make_socket(int buildfd, const struct mount_build *mb, int *fdp)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path),
	    "/proc/self/fd/%d/.nix-socket", buildfd);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return (-1);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    fchmodat(buildfd, ".nix-socket", 0600, 0) == -1 ||
	    fchownat(buildfd, ".nix-socket", mb->mbd_uid, mb->mbd_gid,
	    AT_SYMLINK_NOFOLLOW) == -1 ||
	    listen(fd, 64) == -1) {
		close(fd);
		return (-1);
	}
	*fdp = fd;
	return (0);
}

/* The builder's stdout and stderr, a raw pty as in Nix 2.8. */
static int
sb_open_pty(uid_t uid, int *masterp, int *slavep, char *err, size_t errlen)
{
	struct termios	 t;
	char		 name[64];
	int		 master, slave = -1;

	if ((master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		return (sb_err(err, errlen, "posix_openpt: %s",
		    strerror(errno)));
	if (ptsname_r(master, name, sizeof(name)) != 0 ||
	    chown(name, uid, 0) == -1 || chmod(name, 0600) == -1 ||
	    unlockpt(master) == -1 ||
	    (slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1 ||
	    tcgetattr(slave, &t) == -1)
		goto fail;
	cfmakeraw(&t);
	if (tcsetattr(slave, TCSANOW, &t) == -1)
		goto fail;
	*masterp = master;
	*slavep = slave;
	return (0);
fail:
	sb_err(err, errlen, "pty: %s", strerror(errno));
	if (slave != -1)
		close(slave);
	close(master);
	return (-1);
}

static int
sb_write_file(const char *path, const char *text)
{
	int	fd, rc = 0;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return (-1);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		rc = -1;
	if (close(fd) == -1)
		rc = -1;
	return (rc);
}

/* Sandbox uid/gid are the host build user and group, nothing else. */
static int
sb_write_maps(pid_t pid, const struct mount_build *mb)
{
	char	path[64], map[64];

	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	snprintf(map, sizeof(map), "%d %u 1", MOUNT_SANDBOX_UID,
	    (unsigned int)mb->mbd_uid);
	if (sb_write_file(path, map) == -1)
		return (-1);
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	if (sb_write_file(path, "deny") == -1)
		return (-1);
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	snprintf(map, sizeof(map), "%d %u 1", MOUNT_SANDBOX_GID,
	    (unsigned int)mb->mbd_gid);
	return (sb_write_file(path, map));
}

int
spawn_start(const struct mount_build *mb, struct mount_run *mr,
    char *err, size_t errlen)
{
	struct sb_plan	 plan;
	char		 path[64], msg[512];
	int		 master = -1, slave = -1, syncp[2], errp[2], flags;
	ssize_t		 n;
	pid_t		 pid;

	memset(&plan, 0, sizeof(plan));
	memset(mr, 0, sizeof(*mr));
	mr->mr_id = mb->mbd_id;
	mr->mr_uid = mb->mbd_uid;
	mr->mr_pid = -1;
	mr->mr_logfd = mr->mr_mntns = mr->mr_userns = mr->mr_storefd = -1;
	mr->mr_sockfd = -1;
	snprintf(mr->mr_name, sizeof(mr->mr_name), "%llu",
	    (unsigned long long)mb->mbd_id);
	if (spawn_check(mb, err, errlen) == -1)
		return (-1);
	/*
	 * The host's network namespace comes with its abstract sockets;
	 * without the Landlock scope to close them, no such build runs.
	 */
	if ((mb->mbd_flags & MOUNT_F_NETWORK) &&
	    landlock_abi() < LANDLOCK_SCOPE_MIN_ABI)
		return (sb_err(err, errlen, "fixed-output builds need "
		    "Landlock scopes (Linux 6.12 or later): without them "
		    "the builder reaches the host's abstract sockets"));
	if ((mr->mr_buildsfd = open(mb->mbd_builds_dir, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return (sb_err(err, errlen, "%s: %s", mb->mbd_builds_dir,
		    strerror(errno)));
	/* Nothing of this user may survive from an earlier build. */
	if (spawn_kill_user(mb->mbd_uid) == -1) {
		sb_err(err, errlen, "killing old processes: %s",
		    strerror(errno));
		goto fail;
	}
	if (sb_make_root(mb, mr, &plan, err, errlen) == -1 ||
	    sb_open_pty(mb->mbd_uid, &master, &slave, err, errlen) == -1)
		goto fail;
	if (pipe2(syncp, O_CLOEXEC) == -1)
		goto fail_errno;
	if (pipe2(errp, O_CLOEXEC) == -1) {
		close(syncp[0]);
		close(syncp[1]);
		goto fail_errno;
	}
	/* The builder gets no supplementary groups (not even ours). */
	if (setgroups(0, NULL) == -1)
		goto fail_pipes;
	flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC |
	    CLONE_NEWUTS;
	if ((mb->mbd_flags & MOUNT_F_NETWORK) == 0)
		flags |= CLONE_NEWNET;
	/* Single-threaded: a raw clone behaves as fork into namespaces. */
	if ((pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL,
	    0)) == -1)
		goto fail_pipes;
	if (pid == 0) {
		close(syncp[1]);
		close(errp[0]);
		sb_child(mb, &plan, slave, syncp[0], errp[1]);
	}
	mr->mr_pid = pid;
	close(syncp[0]);
	close(errp[1]);
	close(slave);
	slave = -1;
	if (sb_write_maps(pid, mb) == -1) {
		sb_err(err, errlen, "id maps: %s", strerror(errno));
		close(syncp[1]);
		close(errp[0]);
		goto fail;
	}
	/* Kept for binding paths in later (recursive Nix): pre-pivot. */
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	mr->mr_mntns = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	mr->mr_userns = open(path, O_RDONLY | O_CLOEXEC);
	n = write(syncp[1], "1", 1);
	close(syncp[1]);
	if (n != 1 || mr->mr_mntns == -1 || mr->mr_userns == -1) {
		sb_err(err, errlen, "namespaces: %s", strerror(errno));
		close(errp[0]);
		goto fail;
	}
	/* The child reports a failed step, or closes the pipe at exec. */
	while ((n = read(errp[0], msg, sizeof(msg) - 1)) == -1 &&
	    errno == EINTR)
		;
	close(errp[0]);
	if (n > 0) {
		msg[n] = '\0';
		/* A bare EACCES: say which directory, and which setting. */
		if (strstr(msg, strerror(EACCES)) == NULL ||
		    sb_diagnose_access(mb, err, errlen) == -1)
			sb_err(err, errlen, "sandbox setup: %s", msg);
		goto fail;
	}
	mr->mr_logfd = master;
	sb_plan_free(&plan);
	return (0);
fail_pipes:
	close(syncp[0]);
	close(syncp[1]);
	close(errp[0]);
	close(errp[1]);
fail_errno:
	sb_err(err, errlen, "starting the sandbox: %s", strerror(errno));
fail:
	if (slave != -1)
		close(slave);
	if (master != -1)
		close(master);
	sb_plan_free(&plan);
	if (mr->mr_pid != -1) {
		kill(mr->mr_pid, SIGKILL);
		while (waitpid(mr->mr_pid, NULL, 0) == -1 && errno == EINTR)
			;
		mr->mr_pid = -1;
	}
	spawn_cleanup(mr, NULL, 0);
	return (-1);
}

/* May uid and gid, without capabilities, search the directory st? */
static int
sb_searchable(const struct stat *st, uid_t uid, gid_t gid)
{
	if (st->st_uid == uid)
		return ((st->st_mode & S_IXUSR) != 0);
	if (st->st_gid == gid)
		return ((st->st_mode & S_IXGRP) != 0);
	return ((st->st_mode & S_IXOTH) != 0);
}

/*
 * The first directory on the way to path (itself included) that we
 * could not search without our capabilities, in dir; -1 if none is
 * found.  Our capabilities do not follow the sandbox's first process
 * into its user namespace, so these are the ids its mounts run as.
 */
static int
sb_unsearchable(const char *path, char *dir, size_t dirlen, struct stat *st)
{
	size_t	len = strlen(path), i;

	for (i = 0; i <= len; i++) {
		if (i < len && path[i] != '/')
			continue;
		snprintf(dir, dirlen, "%.*s", i == 0 ? 1 : (int)i, path);
		if (stat(dir, st) == -1)
			return (-1);
		if (S_ISDIR(st->st_mode) &&
		    !sb_searchable(st, geteuid(), getegid()))
			return (0);
	}
	return (-1);
}

/*
 * The sandbox's mounts failed with EACCES: find the directory on the
 * way to the builds dir or a sandbox-paths source that they could not
 * enter, and name it with its setting in err.  (The store is not
 * walked: its inputs are linked into the root before, by us.)  -1 if none is
 * found.
 */
static int
sb_diagnose_access(const struct mount_build *mb, char *err, size_t errlen)
{
	struct stat	 st;
	char		 dir[PATH_MAX];
	const char	*setting = NULL;
	size_t		 i;

	if (sb_unsearchable(mb->mbd_builds_dir, dir, sizeof(dir), &st) == 0)
		setting = "state-dir";
	for (i = 0; setting == NULL && i < mb->mbd_nbinds; i++)
		if (sb_unsearchable(mb->mbd_binds[i].mb_source, dir,
		    sizeof(dir), &st) == 0)
			setting = "sandbox-paths";
	if (setting == NULL)
		return (-1);
	/* Short: the text travels in MSG_MOUNT_ERROR_MAX bytes. */
	(void)sb_err(err, errlen, "sandbox setup: sandboxes (uid %u gid %u, no "
	    "capabilities) cannot enter '%s' (mode %04o, owner %u:%u), "
	    "which holds the %s: let them search it",
	    (unsigned int)geteuid(), (unsigned int)getegid(), dir,
	    (unsigned int)(st.st_mode & 07777), (unsigned int)st.st_uid,
	    (unsigned int)st.st_gid, setting);
	return (0);
}

/* Runs in the new namespaces; reports the failing step and exits. */
static void
sb_child(const struct mount_build *mb, struct sb_plan *sp, int slave,
    int syncfd, int errfd)
{
	struct rlimit	 rl;
	const char	*step = "sync";
	char		 msg[512], **argv;
	size_t		 i;
	int		 fd, builtinfd = -1, builtin;

	builtin = strncmp(mb->mbd_builder, MOUNT_BUILTIN_PREFIX,
	    strlen(MOUNT_BUILTIN_PREFIX)) == 0;
	if (read(syncfd, msg, 1) != 1)
		goto fail;
	close(syncfd);
	if (sb_child_mounts(sp, &step) == -1)
		goto fail;
	step = "setgid";
	if (setgid(MOUNT_SANDBOX_GID) == -1)
		goto fail;
	step = "setuid";
	if (setuid(MOUNT_SANDBOX_UID) == -1)
		goto fail;
	umask(022);
	step = "chdir " MOUNT_SANDBOX_BUILD;
	if (chdir(MOUNT_SANDBOX_BUILD) == -1)
		goto fail;
	rl.rlim_cur = 0;
	rl.rlim_max = RLIM_INFINITY;
	setrlimit(RLIMIT_CORE, &rl);
	step = "stdio";
	if (setsid() == -1 || dup2(slave, 1) == -1 || dup2(slave, 2) == -1 ||
	    (fd = open("/dev/null", O_RDWR)) == -1 || dup2(fd, 0) == -1)
		goto fail;
	/* rnixd-builtin, out of the way of fd 3, then at fd 4. */
	if (builtin && (builtinfd = fcntl(mb->mbd_builtinfd,
	    F_DUPFD_CLOEXEC, 5)) == -1)
		goto fail;
	if (errfd != 3) {
		if (dup3(errfd, 3, O_CLOEXEC) == -1)
			goto fail;
		errfd = 3;
	}
	if (builtin) {
		if (dup3(builtinfd, 4, O_CLOEXEC) == -1)
			goto fail;
		builtinfd = 4;
	}
	closefrom(builtin ? 5 : 4);
	step = "argv";
	/* Room for rnixd-builtin's two, and the NULL after them. */
	if ((argv = calloc(mb->mbd_nargs + 3, sizeof(*argv))) == NULL)
		goto fail;
	if (builtin) {
		/* As in Nix, a built-in builder takes no arguments. */
		argv[0] = "rnixd-builtin";
		argv[1] = mb->mbd_builder + strlen(MOUNT_BUILTIN_PREFIX);
	} else {
		argv[0] = strrchr(mb->mbd_builder, '/') + 1;
		for (i = 0; i < mb->mbd_nargs; i++)
			argv[i + 1] = mb->mbd_args[i];
	}
	step = "signals";
	if (sb_child_signals() == -1)
		goto fail;
	/* Needed where the host's abstract sockets are in reach. */
	step = "landlock";
	if (landlock_scope_self() == -1 && (errno != ENOTSUP ||
	    (mb->mbd_flags & MOUNT_F_NETWORK)))
		goto fail;
	step = "seccomp";
	if (spawn_builder_filter() == -1)
		goto fail;
	step = "exec";
	/*
	 * rnixd-builtin is not in the sandbox: it is run from the
	 * descriptor opened on the host, and needs nothing else there
	 * (it is linked statically).
	 */
	if (builtin)
		syscall(SYS_execveat, builtinfd, "", argv, mb->mbd_env,
		    AT_EMPTY_PATH);
	else
		execve(mb->mbd_builder, argv, mb->mbd_env);
fail:
	snprintf(msg, sizeof(msg), "%s: %s", step, strerror(errno));
	if (write(errfd, msg, strlen(msg)) == -1)
		_exit(2);
	_exit(1);
}

/*
 * The builder starts as under Nix, with every signal at its default
 * and none blocked, not with what the daemon set for itself (SIGCHLD
 * blocked for the spawner's signalfd, SIGPIPE ignored): a shell that
 * inherits a blocked SIGCHLD waits for its jobs forever.
 */
static int
sb_child_signals(void)
{
	struct sigaction	sa;
	sigset_t		mask;
	int			sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP &&
		    sigaction(sig, &sa, NULL) == -1 && errno == EINVAL)
			sb_child_signal_raw(sig);
	sigemptyset(&mask);
	return (sigprocmask(SIG_SETMASK, &mask, NULL));
}

/*
 * The C library keeps two real-time signals for itself and refuses to
 * touch them, but an ignored one survives exec: if the daemon was
 * started with them ignored, the builder would be too.  The kernel
 * takes SIG_DFL for them; this process is about to exec anyway.
 */
static void
sb_child_signal_raw(int sig)
{
	struct {
		void		(*ks_handler)(int);
		unsigned long	  ks_flags;
		void		(*ks_restorer)(void);
		uint64_t	  ks_mask;
	} ksa;

	memset(&ksa, 0, sizeof(ksa));
	ksa.ks_handler = SIG_DFL;
	(void)syscall(SYS_rt_sigaction, sig, &ksa, NULL, sizeof(ksa.ks_mask));
}

static int
sb_remount_rdonly(const char *target)
{
	struct statvfs	sv;
	unsigned long	flags = MS_BIND | MS_REMOUNT | MS_RDONLY;

	/* Locked flags of the source must be kept in a user namespace. */
	if (statvfs(target, &sv) == -1)
		return (-1);
	if (sv.f_flag & ST_NOSUID)
		flags |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		flags |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		flags |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		flags |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		flags |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		flags |= MS_RELATIME;
	return (mount(NULL, target, NULL, flags, NULL));
}

static int
sb_child_mounts(struct sb_plan *sp, const char **step)
{
	struct ifreq	 ifr;
	size_t		 i;
	int		 s;

	*step = "loopback";
	if (!sp->sp_network) {
		if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
			return (-1);
		memset(&ifr, 0, sizeof(ifr));
		strlcpy(ifr.ifr_name, "lo", sizeof(ifr.ifr_name));
		ifr.ifr_flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) == -1)
			return (-1);
		close(s);
	}
	*step = "hostname";
	if (sethostname("localhost", 9) == -1 ||
	    setdomainname("(none)", 6) == -1)
		return (-1);
	/* Nothing mounted below may propagate back to the host. */
	*step = "make / private";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		return (-1);
	*step = "bind root";
	if (mount(sp->sp_root, sp->sp_root, NULL, MS_BIND, NULL) == -1 ||
	    chdir(sp->sp_root) == -1)
		return (-1);
	/*
	 * The store dir, shared: a bind made later in this (pre-pivot)
	 * namespace, kept open as mr_mntns, shows up in the builder's.
	 */
	*step = "bind store";
	if (mount(sp->sp_store, sp->sp_store, NULL, MS_BIND, NULL) == -1 ||
	    mount(NULL, sp->sp_store, NULL, MS_SHARED, NULL) == -1)
		return (-1);
	for (i = 0; i < sp->sp_nmounts; i++) {
		*step = sp->sp_mounts[i].sm_target;
		if (mount(sp->sp_mounts[i].sm_source,
		    sp->sp_mounts[i].sm_target, NULL, MS_BIND | MS_REC,
		    NULL) == -1)
			return (-1);
		if (sp->sp_mounts[i].sm_rdonly &&
		    sb_remount_rdonly(sp->sp_mounts[i].sm_target) == -1)
			return (-1);
	}
	*step = "mount proc";
	if (mount("none", "proc", "proc", 0, NULL) == -1)
		return (-1);
	*step = "mount /dev/shm";
	if (mount("none", "dev/shm", "tmpfs", 0, "size=50%") == -1)
		return (-1);
	*step = "mount /dev/pts";
	if (mount("none", "dev/pts", "devpts", 0, "newinstance,mode=0620")
	    == -1 || chmod("dev/pts/ptmx", 0666) == -1)
		return (-1);
	*step = "unshare";
	if (unshare(CLONE_NEWNS) == -1)
		return (-1);
	*step = "pivot_root";
	if (syscall(SYS_pivot_root, ".", ".") == -1 ||
	    umount2(".", MNT_DETACH) == -1 || chdir("/") == -1)
		return (-1);
	return (0);
}

/*
 * Kill every process of a build user: a helper becomes that user and
 * signals everything it may, until nothing is left (as Nix does).
 */
int
spawn_kill_user(uid_t uid)
{
	pid_t	pid;
	int	status;

	if (uid == 0)
		return (-1);
	if ((pid = fork()) == -1)
		return (-1);
	if (pid == 0) {
		if (setresuid(uid, uid, uid) == -1)
			_exit(1);
		/*
		 * One call signals every process this uid may signal at
		 * once; a pending SIGKILL also stops their forks.  EPERM
		 * and ESRCH mean there was none.
		 */
		while (kill(-1, SIGKILL) == -1 && errno == EINTR)
			;
		_exit(0);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return (-1);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		errno = EPERM;
		return (-1);
	}
	return (0);
}

void
spawn_kill(struct mount_run *mr)
{
	if (mr->mr_pid > 0)
		kill(mr->mr_pid, SIGKILL);
	spawn_kill_user(mr->mr_uid);
}

/*
 * Kill what is left, drop the namespaces and remove the per-build
 * directory through directory fds, following no symlink the builder
 * may have planted (CVE-2025-46415).  The caller reaps mr_pid.
 */
int
spawn_cleanup(struct mount_run *mr, char *err, size_t errlen)
{
	const char	*errstr;
	int		 rc = 0;

	if (mr->mr_uid != 0 && spawn_kill_user(mr->mr_uid) == -1)
		rc = sb_err(err, errlen, "kill: %s", strerror(errno));
	if (mr->mr_logfd != -1)
		close(mr->mr_logfd);
	if (mr->mr_mntns != -1)
		close(mr->mr_mntns);
	if (mr->mr_userns != -1)
		close(mr->mr_userns);
	if (mr->mr_storefd != -1)
		close(mr->mr_storefd);
	if (mr->mr_sockfd != -1)
		close(mr->mr_sockfd);
	mr->mr_logfd = mr->mr_mntns = mr->mr_userns = mr->mr_storefd = -1;
	mr->mr_sockfd = -1;
	if (mr->mr_buildsfd != -1) {
		if (mr->mr_name[0] != '\0' && spawn_remove_tree(mr->mr_buildsfd,
		    mr->mr_name, &errstr) == -1 && rc == 0)
			rc = sb_err(err, errlen, "removing build dir: %s",
			    errstr);
		close(mr->mr_buildsfd);
		mr->mr_buildsfd = -1;
	}
	return (rc);
}

void
spawn_build_free(struct mount_build *mb)
{
	size_t	i;

	free(mb->mbd_builder);
	for (i = 0; i < mb->mbd_nargs; i++)
		free(mb->mbd_args[i]);
	free(mb->mbd_args);
	for (i = 0; i < mb->mbd_nenv; i++)
		free(mb->mbd_env[i]);
	free(mb->mbd_env);
	for (i = 0; i < mb->mbd_ninputs; i++)
		free(mb->mbd_inputs[i]);
	free(mb->mbd_inputs);
	for (i = 0; i < mb->mbd_nbinds; i++) {
		free(mb->mbd_binds[i].mb_target);
		free(mb->mbd_binds[i].mb_source);
	}
	free(mb->mbd_binds);
	memset(mb, 0, sizeof(*mb));
}

/*
 * In a helper that has entered the build's user and (pre-pivot) mount
 * namespaces: the mount point, made with O_NOFOLLOW|O_EXCL relative to
 * the sandbox's store dir, then the bind onto that very inode through
 * its fd, so no path the builder can change is followed.  An existing
 * target is the path only if it is that very inode (bound before) or
 * symlink: the builder may have made an entry of its own at the name
 * (the sandbox's store dir is writable for its outputs), which must
 * not pass for the path.  A failed bind leaves no mount point behind.
 */
/* A symlink at base: the path's own only if it points where it does. */
static int
sb_bind_same_link(int sfd, const char *base, const char *want,
    const char **step)
{
	char	have[PATH_MAX];
	ssize_t	n;

	*step = "an entry of the builder's is in the way";
	if ((n = readlinkat(sfd, base, have, sizeof(have) - 1)) == -1) {
		errno = EEXIST;
		return (-1);
	}
	have[n] = '\0';
	if (strcmp(have, want) == 0)
		return (0);
	errno = EEXIST;
	return (-1);
}

/* Take back a mount point made for a bind that failed; keep errno. */
static void
sb_bind_undo(int sfd, const char *base, int isdir, const char *mounted)
{
	int	saved = errno;

	if (mounted != NULL)
		(void)umount2(mounted, MNT_DETACH);
	(void)unlinkat(sfd, base, isdir ? AT_REMOVEDIR : 0);
	errno = saved;
}

static int
sb_bind_child(const char *store, const char *source, const char *base,
    const char **step)
{
	char		 proc[64], target[PATH_MAX];
	struct stat	 st, tst;
	int		 sfd, tfd, created;

	*step = "store dir";
	if ((sfd = open(store, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return (-1);
	*step = "source";
	if (lstat(source, &st) == -1)
		return (-1);
	*step = "target";
	if (S_ISLNK(st.st_mode)) {
		if ((created = readlink(source, target, sizeof(target) - 1))
		    == -1)
			return (-1);
		target[created] = '\0';
		if (symlinkat(target, sfd, base) == 0)
			return (0);
		return (errno == EEXIST ? sb_bind_same_link(sfd, base,
		    target, step) : -1);
	}
	if (S_ISDIR(st.st_mode))
		created = mkdirat(sfd, base, 0555) == 0;
	else if ((tfd = openat(sfd, base, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0444)) != -1)
		created = close(tfd) == 0;
	else
		created = 0;
	if (!created) {
		if (errno != EEXIST)
			return (-1);
		*step = "an entry of the builder's is in the way";
		if (fstatat(sfd, base, &tst, AT_SYMLINK_NOFOLLOW) == -1)
			return (-1);
		if (tst.st_dev == st.st_dev && tst.st_ino == st.st_ino)
			return (0);
		errno = EEXIST;
		return (-1);
	}
	if ((tfd = openat(sfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    fstat(tfd, &tst) == -1 || tst.st_uid != geteuid() ||
	    (tst.st_mode & S_IFMT) != (st.st_mode & S_IFMT))
		return (-1);
	*step = "bind";
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", tfd);
	if (mount(source, proc, NULL, MS_BIND, NULL) == -1) {
		sb_bind_undo(sfd, base, S_ISDIR(st.st_mode), NULL);
		return (-1);
	}
	/* Ours, in a sticky dir: the builder cannot swap it for another. */
	*step = "read-only";
	if ((size_t)snprintf(target, sizeof(target), "%s/%s", store, base) >=
	    sizeof(target) || sb_remount_rdonly(target) == -1) {
		sb_bind_undo(sfd, base, S_ISDIR(st.st_mode), target);
		return (-1);
	}
	return (0);
}

int
spawn_bind(struct mount_run *mr, const char *buildsdir,
    const char *storedir, const char *path, char *err, size_t errlen)
{
	char		 store[PATH_MAX], source[PATH_MAX], msg[256];
	const char	*step = "setns", *base;
	int		 errp[2], status;
	ssize_t		 n;
	pid_t		 pid;

	base = path + strlen(storedir) + 1;
	snprintf(store, sizeof(store), "%s/%s/root%s", buildsdir, mr->mr_name,
	    storedir);
	snprintf(source, sizeof(source), "%s", path);
	if (pipe2(errp, O_CLOEXEC) == -1 || (pid = fork()) == -1)
		return (sb_err(err, errlen, "fork: %s", strerror(errno)));
	if (pid == 0) {
		close(errp[0]);
		if (setns(mr->mr_userns, CLONE_NEWUSER) == 0 &&
		    setns(mr->mr_mntns, CLONE_NEWNS) == 0 &&
		    sb_bind_child(store, source, base, &step) == 0)
			_exit(0);
		snprintf(msg, sizeof(msg), "%s: %s", step, strerror(errno));
		if (write(errp[1], msg, strlen(msg)) == -1)
			_exit(2);
		_exit(1);
	}
	close(errp[1]);
	while ((n = read(errp[0], msg, sizeof(msg) - 1)) == -1 &&
	    errno == EINTR)
		;
	close(errp[0]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return (sb_err(err, errlen, "waitpid: %s",
			    strerror(errno)));
	if (n > 0) {
		msg[n] = '\0';
		return (sb_err(err, errlen, "binding %s: %s", path, msg));
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return (sb_err(err, errlen, "binding %s failed", path));
	return (0);
}
