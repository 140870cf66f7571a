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
 * What the parent prepares on the filesystem as root before any child
 * runs: the users it will drop to, the store, state and log
 * directories with the owners the privilege design needs, and the
 * daemon socket.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "parent.h"

static int
parent_lookup_user(const char *setting, const char *name, uid_t *uid,
    gid_t *gid)
{
	struct passwd	*pw;

	if ((pw = getpwnam(name)) == NULL) {
		log_warnx("unknown user '%s' (%s in rnixd.conf); create it "
		    "with 'make install' or useradd(8)", name, setting);
		return (-1);
	}
	if (pw->pw_uid == 0) {
		log_warnx("user '%s' (%s) must not be root", name, setting);
		return (-1);
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return (0);
}

int
parent_lookup_ids(const struct rnixd_conf *conf, struct parent_ids *ids)
{
	struct group	*gr;
	int		 rc = 0;

	if (parent_lookup_user("store-user", conf->conf_store_user,
	    &ids->pi_store_uid, &ids->pi_store_gid) == -1)
		rc = -1;
	if (parent_lookup_user("builder-user", conf->conf_builder_user,
	    &ids->pi_builder_uid, &ids->pi_builder_gid) == -1)
		rc = -1;
	if (parent_lookup_user("mount-user", conf->conf_mount_user,
	    &ids->pi_mount_uid, &ids->pi_mount_gid) == -1)
		rc = -1;
	if ((gr = getgrnam(conf->conf_build_users_group)) == NULL) {
		log_warnx("unknown group '%s' (build-users-group in "
		    "rnixd.conf)", conf->conf_build_users_group);
		rc = -1;
	} else
		ids->pi_build_gid = gr->gr_gid;
	if (rc == 0 && (ids->pi_store_uid == ids->pi_builder_uid ||
	    ids->pi_store_uid == ids->pi_mount_uid ||
	    ids->pi_builder_uid == ids->pi_mount_uid)) {
		log_warnx("store-user, builder-user and mount-user must be "
		    "three different users");
		rc = -1;
	}
	return (rc);
}

/* mkdir -p, each new component with mode; existing ones are left. */
static void
parent_mkdir_p(const char *path, mode_t mode)
{
	char	 buf[PATH_MAX];
	char	*p;

	if (strlcpy(buf, path, sizeof(buf)) >= sizeof(buf))
		fatalx("path too long: %s", path);
	for (p = buf + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) == -1 && errno != EEXIST)
			fatal("mkdir %s", buf);
		if (p[0] == '\0' && path[p - buf] == '\0')
			break;
		*p = '/';
	}
}

static void
parent_own_dir(const char *path, uid_t uid, gid_t gid, mode_t mode)
{
	struct stat	st;

	parent_mkdir_p(path, 0755);
	if (lstat(path, &st) == -1)
		fatal("lstat %s", path);
	if (!S_ISDIR(st.st_mode))
		fatalx("%s is not a directory", path);
	if ((st.st_uid != uid || st.st_gid != gid) &&
	    chown(path, uid, gid) == -1)
		fatal("chown %s", path);
	if ((st.st_mode & 07777) != mode && chmod(path, mode) == -1)
		fatal("chmod %s", path);
}

/*
 * The store and state belong to the store user: storeproc is the only
 * writer.  The store is 1775 with the build group, as Nix has it, so
 * build users can traverse it.  The socket's directory stays root's.
 */
void
parent_make_dirs(const struct rnixd_conf *conf, const struct parent_ids *ids)
{
	char	path[PATH_MAX];

	parent_own_dir(conf->conf_store_dir, ids->pi_store_uid,
	    ids->pi_build_gid, 01775);
	parent_own_dir(conf->conf_state_dir, ids->pi_store_uid,
	    ids->pi_store_gid, 0755);
	parent_own_dir(conf->conf_log_dir, ids->pi_store_uid,
	    ids->pi_store_gid, 0755);
	/* builderproc's root: empty, and nobody may write it. */
	if ((size_t)snprintf(path, sizeof(path), "%s/rnixd/empty",
	    conf->conf_state_dir) >= sizeof(path))
		fatalx("state-dir too long");
	parent_own_dir(path, 0, 0, 0555);
	if (strlcpy(path, conf->conf_daemon_socket, sizeof(path)) >=
	    sizeof(path))
		fatalx("daemon-socket too long");
	*strrchr(path, '/') = '\0';
	if (path[0] != '\0')
		parent_mkdir_p(path, 0755);
}

/* mkdirat + open, never following a symlink; -1 with errno. */
static int
parent_subdir(int dirfd, const char *name)
{
	if (mkdirat(dirfd, name, 0755) == -1 && errno != EEXIST)
		return (-1);
	return (openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC));
}

/*
 * <state-dir>/<top>/per-user/<name>, 0755, owned by uid (and our
 * group), as nix-daemon makes it for each client.  The state dir is
 * the store user's, so every step is taken from the descriptor of the
 * one before, without following a symlink, and per-user must be
 * root's own: only then can nobody but root change what it holds.
 */
static int
parent_user_dir(int statefd, const char *top, const char *name, uid_t uid)
{
	struct stat	st;
	int		topfd, perfd = -1, fd = -1, rc = -1;

	if ((topfd = parent_subdir(statefd, top)) == -1)
		return (-1);
	if ((perfd = parent_subdir(topfd, "per-user")) == -1 ||
	    fstat(perfd, &st) == -1)
		goto out;
	if (st.st_uid != 0) {
		errno = EPERM;
		goto out;
	}
	if ((st.st_mode & 07777) != 0755 && fchmod(perfd, 0755) == -1)
		goto out;
	if ((fd = parent_subdir(perfd, name)) == -1 ||
	    fchown(fd, uid, getgid()) == -1 || fchmod(fd, 0755) == -1)
		goto out;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (perfd != -1)
		close(perfd);
	close(topfd);
	return (rc);
}

/*
 * profiles/per-user/<name> and gcroots/per-user/<name> for a client
 * allowed to connect, where nix-env, nix-channel and nix profile keep
 * its profiles and roots.  Done here because it takes root (the owner
 * is the client); what comes in is a uid from SO_PEERCRED and the
 * name getpwuid(3) gave for it, no client bytes.
 */
void
parent_user_dirs(const struct rnixd_conf *conf, const char *name, uid_t uid)
{
	static const char *const tops[] = { "profiles", "gcroots" };
	size_t	i;
	int	statefd;

	if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL) {
		log_warnx("user '%s': no per-user directories for this name",
		    name);
		return;
	}
	if ((statefd = open(conf->conf_state_dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		log_warn("%s", conf->conf_state_dir);
		return;
	}
	for (i = 0; i < sizeof(tops) / sizeof(tops[0]); i++)
		if (parent_user_dir(statefd, tops[i], name, uid) == -1)
			log_warn("%s/%s/per-user/%s", conf->conf_state_dir,
			    tops[i], name);
	close(statefd);
}

/*
 * Mode 0666: who may connect is decided per connection from
 * SO_PEERCRED and allowed-users, as nix-daemon does.
 */
int
parent_listen(const struct rnixd_conf *conf)
{
	struct sockaddr_un	sun;
	int			fd;
	mode_t			old_umask;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, conf->conf_daemon_socket,
	    sizeof(sun.sun_path)) >= sizeof(sun.sun_path))
		fatalx("daemon-socket too long");
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		fatal("socket");
	if (unlink(sun.sun_path) == -1 && errno != ENOENT)
		fatal("unlink %s", sun.sun_path);
	old_umask = umask(0111);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fatal("bind %s", sun.sun_path);
	umask(old_umask);
	if (chmod(sun.sun_path, 0666) == -1)
		fatal("chmod %s", sun.sun_path);
	if (listen(fd, 128) == -1)
		fatal("listen %s", sun.sun_path);
	return (fd);
}

void
parent_unlink_socket(const struct rnixd_conf *conf)
{
	if (unlink(conf->conf_daemon_socket) == -1 && errno != ENOENT)
		log_warn("unlink %s", conf->conf_daemon_socket);
}
