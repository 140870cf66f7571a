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
 * builtin:buildenv, the user environment of nix-env and nix profile:
 * a tree of symlinks into the packages of the "derivations"
 * attribute, with Nix 2.8's rules (src/libstore/builtins/buildenv.cc
 * at 2.8.0), so that a profile built here is the same bytes as one
 * Nix builds: packages taken by priority then path, a lower number
 * wins a file, equal numbers are a collision; a directory found in
 * two packages becomes a real directory holding links into both;
 * packages named in nix-support/propagated-user-env-packages come
 * last, with priorities from 1000 up, in path order.
 *
 * "derivations" is a list of groups: active ("false" or anything
 * else), priority, number of outputs, then that many output paths.
 */
#include <sys/stat.h>
#include <sys/tree.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"

#define BE_SPACE	" \t\n\r"

/* A path with a number: a link's priority, or a member of a set. */
struct be_node {
	RB_ENTRY(be_node)	 bn_entry;
	char			*bn_path;
	int			 bn_prio;
};
RB_HEAD(be_tree, be_node);

struct be_pkg {
	char	*bp_path;
	int	 bp_active;
	int	 bp_prio;
};

static struct be_tree	be_prios = RB_INITIALIZER(&be_prios);
static struct be_tree	be_done = RB_INITIALIZER(&be_done);
static struct be_tree	be_postponed = RB_INITIALIZER(&be_postponed);

static int	be_cmp(struct be_node *, struct be_node *);
RB_PROTOTYPE(be_tree, be_node, bn_entry, be_cmp)
RB_GENERATE(be_tree, be_node, bn_entry, be_cmp)

static int	be_links(const char *, const char *, int);
static int	be_link_dir(const char *, const char *, int);
static int	be_link_file(const char *, const char *, int);
static int	be_symlink(const char *, const char *, int);
static int	be_add_pkg(const char *, const char *, int);
static int	be_propagated(const char *);

static int
be_cmp(struct be_node *a, struct be_node *b)
{
	return (strcmp(a->bn_path, b->bn_path));
}

static struct be_node *
be_find(struct be_tree *t, const char *path)
{
	struct be_node	key;

	key.bn_path = (char *)path;
	return (RB_FIND(be_tree, t, &key));
}

/* Insert path (with prio); 0 if it was there already (prio is set). */
static int
be_insert(struct be_tree *t, const char *path, int prio)
{
	struct be_node	*bn;

	if ((bn = be_find(t, path)) != NULL) {
		bn->bn_prio = prio;
		return (0);
	}
	if ((bn = calloc(1, sizeof(*bn))) == NULL ||
	    (bn->bn_path = strdup(path)) == NULL) {
		perror("rnixd-builtin");
		exit(1);
	}
	bn->bn_prio = prio;
	RB_INSERT(be_tree, t, bn);
	return (1);
}

/* What Nix's map gives for a link it never made: 0. */
static int
be_prio(const char *path)
{
	struct be_node	*bn;

	return ((bn = be_find(&be_prios, path)) == NULL ? 0 : bn->bn_prio);
}

static int
be_has_suffix(const char *s, const char *suffix)
{
	size_t	ls = strlen(s), lx = strlen(suffix);

	return (ls >= lx && strcmp(s + ls - lx, suffix) == 0);
}

/* Files no profile shows: useless ones, or certain collisions. */
static int
be_ignored(const char *src)
{
	static const char *const ignored[] = {
		"/propagated-build-inputs", "/nix-support", "/perllocal.pod",
		"/info/dir", "/log", "/manifest.nix", "/manifest.json"
	};
	size_t	i;

	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		if (be_has_suffix(src, ignored[i]))
			return (1);
	return (0);
}

static int
be_symlink(const char *src, const char *dst, int prio)
{
	if (symlink(src, dst) == -1)
		return (builtin_fail("creating symlink from '%s' to '%s': %s",
		    dst, src, strerror(errno)));
	be_insert(&be_prios, dst, prio);
	return (0);
}

/* For each entry of srcdir, a link (or a directory) in dstdir. */
static int
be_links(const char *srcdir, const char *dstdir, int prio)
{
	char		 src[PATH_MAX], dst[PATH_MAX];
	struct dirent	*de;
	struct stat	 st;
	DIR		*dir;
	int		 rc = 0;

	if ((dir = opendir(srcdir)) == NULL) {
		if (errno == ENOTDIR) {
			builtin_warn("not including '%s' in the user "
			    "environment because it's not a directory",
			    srcdir);
			return (0);
		}
		return (builtin_fail("opening directory '%s': %s", srcdir,
		    strerror(errno)));
	}
	while (rc == 0 && (errno = 0, de = readdir(dir)) != NULL) {
		/* Not matched by a glob: ".", ".." and hidden files. */
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(src, sizeof(src), "%s/%s", srcdir,
		    de->d_name) >= sizeof(src) ||
		    (size_t)snprintf(dst, sizeof(dst), "%s/%s", dstdir,
		    de->d_name) >= sizeof(dst)) {
			rc = builtin_fail("path too long: '%s/%s'", srcdir,
			    de->d_name);
			break;
		}
		if (stat(src, &st) == -1) {
			if (errno != ENOENT && errno != ENOTDIR)
				rc = builtin_fail("getting status of '%s': %s",
				    src, strerror(errno));
			else
				builtin_warn("skipping dangling symlink '%s'",
				    dst);
			continue;
		}
		if (be_ignored(src))
			continue;
		if (S_ISDIR(st.st_mode))
			rc = be_link_dir(src, dst, prio);
		else
			rc = be_link_file(src, dst, prio);
	}
	if (rc == 0 && de == NULL && errno != 0)
		rc = builtin_fail("reading directory '%s': %s", srcdir,
		    strerror(errno));
	closedir(dir);
	return (rc);
}

/*
 * A directory: merged into one already there; a link to another
 * package's directory becomes a directory of links into both.
 */
static int
be_link_dir(const char *src, const char *dst, int prio)
{
	char		target[PATH_MAX];
	struct stat	st;

	if (lstat(dst, &st) == -1) {
		if (errno != ENOENT)
			return (builtin_fail("getting status of '%s': %s",
			    dst, strerror(errno)));
		return (be_symlink(src, dst, prio));
	}
	if (S_ISDIR(st.st_mode))
		return (be_links(src, dst, prio));
	if (!S_ISLNK(st.st_mode))
		return (be_symlink(src, dst, prio));
	if (realpath(dst, target) == NULL)
		return (builtin_fail("getting status of '%s': %s", dst,
		    strerror(errno)));
	if (lstat(target, &st) == -1)
		return (builtin_fail("getting status of '%s': %s", target,
		    strerror(errno)));
	if (!S_ISDIR(st.st_mode))
		return (builtin_fail("collision between '%s' and "
		    "non-directory '%s'", src, target));
	if (unlink(dst) == -1)
		return (builtin_fail("unlinking '%s': %s", dst,
		    strerror(errno)));
	if (mkdir(dst, 0755) == -1)
		return (builtin_fail("creating directory '%s': %s", dst,
		    strerror(errno)));
	if (be_links(target, dst, be_prio(dst)) == -1)
		return (-1);
	return (be_links(src, dst, prio));
}

/* Anything else: the lower priority number wins, a tie is an error. */
static int
be_link_file(const char *src, const char *dst, int prio)
{
	char		have[PATH_MAX];
	struct stat	st;
	ssize_t		n;
	int		prev;

	if (lstat(dst, &st) == -1) {
		if (errno != ENOENT)
			return (builtin_fail("getting status of '%s': %s",
			    dst, strerror(errno)));
	} else if (S_ISLNK(st.st_mode)) {
		prev = be_prio(dst);
		if (prev == prio) {
			if ((n = readlink(dst, have, sizeof(have) - 1)) == -1)
				return (builtin_fail("reading symbolic link "
				    "'%s': %s", dst, strerror(errno)));
			have[n] = '\0';
			return (builtin_fail("packages '%s' and '%s' have the "
			    "same priority %d; use 'nix-env --set-flag "
			    "priority NUMBER INSTALLED_PKGNAME' to change the "
			    "priority of one of the conflicting packages (0 "
			    "being the highest priority)", src, have, prio));
		}
		if (prev < prio)
			return (0);
		if (unlink(dst) == -1)
			return (builtin_fail("unlinking '%s': %s", dst,
			    strerror(errno)));
	} else if (S_ISDIR(st.st_mode))
		return (builtin_fail("collision between non-directory '%s' "
		    "and directory '%s'", src, dst));
	return (be_symlink(src, dst, prio));
}

static int
be_add_pkg(const char *out, const char *pkg, int prio)
{
	if (!be_insert(&be_done, pkg, 0))
		return (0);
	if (be_links(pkg, out, prio) == -1)
		return (-1);
	return (be_propagated(pkg));
}

/* The packages a package wants installed along with it. */
static int
be_propagated(const char *pkg)
{
	char	 path[PATH_MAX], *text = NULL, *p, *tok;
	size_t	 cap = 0;
	FILE	*fp;
	ssize_t	 n;

	if ((size_t)snprintf(path, sizeof(path),
	    "%s/nix-support/propagated-user-env-packages", pkg) >=
	    sizeof(path))
		return (builtin_fail("path too long: '%s'", pkg));
	if ((fp = fopen(path, "re")) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return (0);
		return (builtin_fail("opening file '%s': %s", path,
		    strerror(errno)));
	}
	/* One "line" of the whole file: it holds no NUL. */
	n = getdelim(&text, &cap, '\0', fp);
	if (n == -1 && ferror(fp)) {
		fclose(fp);
		free(text);
		return (builtin_fail("reading file '%s': %s", path,
		    strerror(errno)));
	}
	fclose(fp);
	for (p = text; p != NULL && (tok = strsep(&p, " \n")) != NULL; )
		if (*tok != '\0' && be_find(&be_done, tok) == NULL)
			be_insert(&be_postponed, tok, 0);
	free(text);
	return (0);
}

static int
be_pkg_cmp(const void *a, const void *b)
{
	const struct be_pkg	*pa = a, *pb = b;

	if (pa->bp_prio != pb->bp_prio)
		return (pa->bp_prio < pb->bp_prio ? -1 : 1);
	return (strcmp(pa->bp_path, pb->bp_path));
}

/* As std::stoi: leading blanks, a sign, digits; the rest ignored. */
static int
be_number(const char *s, long *v)
{
	char	*end;

	errno = 0;
	*v = strtol(s, &end, 10);
	if (end == s || errno != 0 || *v < INT_MIN || *v > INT_MAX)
		return (-1);
	return (0);
}

/* The "derivations" attribute as a list of packages. */
static int
be_parse(char *text, struct be_pkg **pkgsp, size_t *npkgsp)
{
	struct be_pkg	*pkgs = NULL, *np;
	char		*p = text, *active, *prio, *count, *path;
	size_t		 npkgs = 0;
	long		 nprio, ncount, i;

	for (;;) {
		while ((active = strsep(&p, BE_SPACE)) != NULL &&
		    *active == '\0')
			;
		if (active == NULL)
			break;
		while ((prio = strsep(&p, BE_SPACE)) != NULL && *prio == '\0')
			;
		while ((count = strsep(&p, BE_SPACE)) != NULL &&
		    *count == '\0')
			;
		if (prio == NULL || count == NULL ||
		    be_number(prio, &nprio) == -1 ||
		    be_number(count, &ncount) == -1 || ncount < 0)
			goto bad;
		for (i = 0; i < ncount; i++) {
			while ((path = strsep(&p, BE_SPACE)) != NULL &&
			    *path == '\0')
				;
			if (path == NULL)
				goto bad;
			if ((np = reallocarray(pkgs, npkgs + 1,
			    sizeof(*pkgs))) == NULL) {
				perror("rnixd-builtin");
				exit(1);
			}
			pkgs = np;
			pkgs[npkgs].bp_path = path;
			pkgs[npkgs].bp_active = strcmp(active, "false") != 0;
			pkgs[npkgs].bp_prio = nprio;
			npkgs++;
		}
	}
	*pkgsp = pkgs;
	*npkgsp = npkgs;
	return (0);
bad:
	free(pkgs);
	return (builtin_fail("attribute 'derivations' is not a list of "
	    "packages (active, priority, number of outputs, paths)"));
}

static int
be_build(const char *out, struct be_pkg *pkgs, size_t npkgs)
{
	struct be_tree	 pending;
	struct be_node	*bn;
	size_t		 i;
	int		 prio = 1000;

	qsort(pkgs, npkgs, sizeof(*pkgs), be_pkg_cmp);
	for (i = 0; i < npkgs; i++)
		if (pkgs[i].bp_active &&
		    be_add_pkg(out, pkgs[i].bp_path, pkgs[i].bp_prio) == -1)
			return (-1);
	/* Propagated packages last, round by round, in path order. */
	while (!RB_EMPTY(&be_postponed)) {
		pending = be_postponed;
		RB_INIT(&be_postponed);
		while ((bn = RB_MIN(be_tree, &pending)) != NULL) {
			RB_REMOVE(be_tree, &pending, bn);
			if (be_add_pkg(out, bn->bn_path, prio++) == -1)
				return (-1);
			free(bn->bn_path);
			free(bn);
		}
	}
	return (0);
}

int
builtin_buildenv(void)
{
	struct be_pkg	*pkgs = NULL;
	const char	*out, *drvs, *manifest;
	char		*text, link[PATH_MAX];
	size_t		 npkgs = 0;
	int		 rc;

	if ((out = builtin_attr("out")) == NULL ||
	    (drvs = builtin_attr("derivations")) == NULL ||
	    (manifest = builtin_attr("manifest")) == NULL)
		return (-1);
	if (mkdir(out, 0777) == -1 && errno != EEXIST)
		return (builtin_fail("creating directory '%s': %s", out,
		    strerror(errno)));
	if ((text = strdup(drvs)) == NULL)
		return (builtin_fail("%s", strerror(errno)));
	if (be_parse(text, &pkgs, &npkgs) == -1) {
		free(text);
		return (-1);
	}
	rc = be_build(out, pkgs, npkgs);
	free(pkgs);
	free(text);
	if (rc == -1)
		return (-1);
	if ((size_t)snprintf(link, sizeof(link), "%s/manifest.nix", out) >=
	    sizeof(link))
		return (builtin_fail("path too long: '%s'", out));
	if (symlink(manifest, link) == -1)
		return (builtin_fail("creating symlink from '%s' to '%s': %s",
		    link, manifest, strerror(errno)));
	return (0);
}
