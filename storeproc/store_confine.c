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
 * storeproc's view of the filesystem: a private mount namespace whose
 * root is a small read-only tmpfs holding only the store, state and log
 * directories, bind-mounted at their real paths (so store paths mean
 * the same inside and out), nosuid, nodev and noexec.  Whatever goes
 * wrong in storeproc, it cannot see or touch the rest of the host.
 */
#include <sys/mount.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "storeproc.h"

#define CONFINE_FLAGS	(MS_NOSUID | MS_NODEV | MS_NOEXEC)

static void
store_mkdir_p(char *path)
{
	char	*p;

	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST)
			fatal("mkdir %s", path);
		*p = '/';
	}
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		fatal("mkdir %s", path);
}

static void
store_bind(const char *root, const char *dir)
{
	char	target[PATH_MAX];

	if ((size_t)snprintf(target, sizeof(target), "%s%s", root, dir) >=
	    sizeof(target))
		fatalx("path too long: %s%s", root, dir);
	store_mkdir_p(target);
	if (mount(dir, target, NULL, MS_BIND, NULL) == -1)
		fatal("bind %s", dir);
	if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | CONFINE_FLAGS,
	    NULL) == -1)
		fatal("remount %s", target);
}

void
store_confine(const struct rnixd_conf *conf)
{
	const char	*dirs[3];
	char		 root[PATH_MAX];
	int		 i, j;

	if ((size_t)snprintf(root, sizeof(root), "%s/rnixd/storeproc-root",
	    conf->conf_state_dir) >= sizeof(root))
		fatalx("state-dir too long");
	if (mkdir(root, 0700) == -1 && errno != EEXIST)
		fatal("mkdir %s", root);
	if (unshare(CLONE_NEWNS) == -1)
		fatal("unshare");
	/* Nothing we mount from here on may leak to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		fatal("make mounts private");
	if (mount("tmpfs", root, "tmpfs", CONFINE_FLAGS, "mode=0755,size=64k")
	    == -1)
		fatal("mount tmpfs on %s", root);
	/* Parents before children, should one directory hold another. */
	dirs[0] = conf->conf_store_dir;
	dirs[1] = conf->conf_state_dir;
	dirs[2] = conf->conf_log_dir;
	for (i = 0; i < 3; i++)
		for (j = i + 1; j < 3; j++)
			if (strlen(dirs[j]) < strlen(dirs[i])) {
				const char *t = dirs[i];

				dirs[i] = dirs[j];
				dirs[j] = t;
			}
	for (i = 0; i < 3; i++)
		store_bind(root, dirs[i]);
	if (mount(NULL, root, NULL, MS_REMOUNT | MS_RDONLY | CONFINE_FLAGS,
	    NULL) == -1)
		fatal("remount %s read-only", root);
	if (chroot(root) == -1 || chdir("/") == -1)
		fatal("chroot %s", root);
}
