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
 * Starts one build sandbox directly, without a scheduler, the way the
 * spawner does it, for the shell tests:
 *
 *	h_sandbox -B builds -s storedir -r realstore -u uid -g gid
 *	    [-c cores] [-i input]... [-p target[=source][?]]... [-FKkn]
 *	    [-o outdir] [-e name=value]... drvfile
 *
 * The environment is the derivation's plus Nix 2.8's variables (what
 * builderproc will compute).  -F loads the spawner's seccomp filter
 * first, as mountproc's spawner runs, so the builder inherits it.
 * The log goes to stdout; each output the builder made is moved to
 * outdir; the exit line "status N" (or "signal N") is printed on
 * stderr and the program exits 0 when the builder exited 0, 1
 * otherwise.
 */
/* link: spawner/spawner_sandbox.c spawner/spawner_filter.c */
/* link: spawner/spawner_rmtree.c */
#include <sys/stat.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../spawner/spawner.h"
#include "drv.h"
#include "envlist.h"
#include "sandbox.h"

static struct envlist	env;

static struct drv *
load_drv(const char *storedir, const char *path)
{
	struct drv	*drv;
	const char	*errstr;
	char		*text;
	size_t		 len = 0;
	FILE		*f;

	if ((f = fopen(path, "r")) == NULL)
		err(1, "%s", path);
	if ((text = malloc(DRV_TEXT_MAX)) == NULL)
		err(1, NULL);
	len = fread(text, 1, DRV_TEXT_MAX, f);
	fclose(f);
	if (drv_parse(storedir, text, len, &drv, &errstr) == -1)
		errx(1, "%s: %s", path, errstr);
	free(text);
	return (drv);
}

static void
nix_env(const struct drv *drv, const char *storedir, const char *cores,
    int fixed)
{
	size_t	i;

	for (i = 0; i < drv->d_nenv; i++)
		envlist_set(&env, drv->d_env[i].de_key,
		    drv->d_env[i].de_value);
	envlist_set(&env, "PATH", "/path-not-set");
	envlist_set(&env, "HOME", "/homeless-shelter");
	envlist_set(&env, "NIX_STORE", storedir);
	envlist_set(&env, "NIX_BUILD_CORES", cores);
	envlist_set(&env, "NIX_BUILD_TOP", MOUNT_SANDBOX_BUILD);
	envlist_set(&env, "TMPDIR", MOUNT_SANDBOX_BUILD);
	envlist_set(&env, "TEMPDIR", MOUNT_SANDBOX_BUILD);
	envlist_set(&env, "TMP", MOUNT_SANDBOX_BUILD);
	envlist_set(&env, "TEMP", MOUNT_SANDBOX_BUILD);
	envlist_set(&env, "PWD", MOUNT_SANDBOX_BUILD);
	if (fixed)
		envlist_set(&env, "NIX_OUTPUT_CHECKED", "1");
	envlist_set(&env, "NIX_LOG_FD", "2");
	envlist_set(&env, "TERM", "xterm-256color");
}

static void
add_bind(struct mount_build *mb, char *spec)
{
	struct mount_bind	*b;
	size_t			 len = strlen(spec);
	char			*eq;

	if ((b = reallocarray(mb->mbd_binds, mb->mbd_nbinds + 1,
	    sizeof(*b))) == NULL)
		err(1, NULL);
	mb->mbd_binds = b;
	b += mb->mbd_nbinds++;
	b->mb_optional = len > 0 && spec[len - 1] == '?';
	if (b->mb_optional)
		spec[len - 1] = '\0';
	if ((eq = strchr(spec, '=')) != NULL)
		*eq++ = '\0';
	b->mb_target = strdup(spec);
	b->mb_source = strdup(eq != NULL ? eq : spec);
}

static void
add_str(char ***v, size_t *n, const char *s)
{
	if ((*v = reallocarray(*v, *n + 1, sizeof(**v))) == NULL ||
	    ((*v)[(*n)++] = strdup(s)) == NULL)
		err(1, NULL);
}

static int
run(struct mount_build *mb, struct drv *drv, const char *outdir, int keep)
{
	struct mount_run	 mr;
	char			 ebuf[512], buf[8192];
	const char		*base;
	ssize_t			 n;
	size_t			 i;
	int			 status, outfd = -1;

	if (spawn_start(mb, &mr, ebuf, sizeof(ebuf)) == -1)
		errx(2, "%s", ebuf);
	/* A pty master reads EIO, not EOF, once the slaves are gone. */
	while ((n = read(mr.mr_logfd, buf, sizeof(buf))) > 0 ||
	    (n == -1 && errno == EINTR))
		if (n > 0 && write(1, buf, n) != n)
			err(2, "write");
	while (waitpid(mr.mr_pid, &status, 0) == -1)
		if (errno != EINTR)
			err(2, "waitpid");
	mr.mr_pid = -1;
	if (WIFEXITED(status))
		fprintf(stderr, "status %d\n", WEXITSTATUS(status));
	else
		fprintf(stderr, "signal %d\n", WTERMSIG(status));
	/* Kill leftovers before looking at what they may still change. */
	spawn_kill(&mr);
	if (outdir != NULL && (outfd = open(outdir, O_RDONLY |
	    O_DIRECTORY)) == -1)
		err(2, "%s", outdir);
	for (i = 0; outfd != -1 && i < drv->d_noutputs; i++) {
		base = strrchr(drv->d_outputs[i].do_path, '/') + 1;
		if (renameat(mr.mr_storefd, base, outfd, base) == -1 &&
		    errno != ENOENT)
			err(2, "moving %s", base);
	}
	if (!keep && spawn_cleanup(&mr, ebuf, sizeof(ebuf)) == -1)
		errx(2, "cleanup: %s", ebuf);
	return (WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1);
}

int
main(int argc, char *argv[])
{
	struct mount_build	 mb;
	struct drv		*drv;
	struct drv_type		 dt;
	const char		*outdir = NULL, *cores = "1", *errstr;
	int			 ch, keep = 0, network = -1, spawner = 0;
	size_t			 i;

	memset(&mb, 0, sizeof(mb));
	mb.mbd_builtinfd = -1;
	mb.mbd_id = getpid();
	while ((ch = getopt(argc, argv, "B:c:e:Fg:i:Kkno:p:r:s:u:")) != -1) {
		switch (ch) {
		case 'B': mb.mbd_builds_dir = optarg; break;
		case 'c': cores = optarg; break;
		case 'e': add_str(&mb.mbd_env, &mb.mbd_nenv, optarg); break;
		case 'g': mb.mbd_gid = strtoul(optarg, NULL, 10); break;
		case 'i': add_str(&mb.mbd_inputs, &mb.mbd_ninputs, optarg);
			break;
		case 'F': spawner = 1; break;
		case 'K': mb.mbd_flags |= MOUNT_F_KVM; break;
		case 'k': keep = 1; break;
		case 'n': network = 1; break;
		case 'o': outdir = optarg; break;
		case 'p': add_bind(&mb, optarg); break;
		case 'r': mb.mbd_real_store_dir = optarg; break;
		case 's': mb.mbd_store_dir = optarg; break;
		case 'u': mb.mbd_uid = strtoul(optarg, NULL, 10); break;
		default:
			errx(2, "usage");
		}
	}
	if (argc - optind != 1 || mb.mbd_store_dir == NULL ||
	    mb.mbd_builds_dir == NULL)
		errx(2, "usage");
	if (mb.mbd_real_store_dir == NULL)
		mb.mbd_real_store_dir = mb.mbd_store_dir;
	drv = load_drv(mb.mbd_store_dir, argv[optind]);
	if (drv_type(drv, &dt, &errstr) == -1)
		errx(2, "%s", errstr);
	if (network == -1)
		network = dt.dt_kind == DRV_FIXED;
	if (network)
		mb.mbd_flags |= MOUNT_F_NETWORK;
	/* -e entries are added last and override. */
	nix_env(drv, mb.mbd_store_dir, cores, dt.dt_kind == DRV_FIXED);
	for (i = 0; i < mb.mbd_nenv; i++) {
		char *eq = strchr(mb.mbd_env[i], '=');

		if (eq == NULL)
			errx(2, "-e wants name=value");
		*eq = '\0';
		envlist_set(&env, mb.mbd_env[i], eq + 1);
	}
	envlist_sort(&env);
	mb.mbd_env = env.el_v;
	mb.mbd_nenv = env.el_n;
	if ((mb.mbd_builder = strdup(drv->d_builder)) == NULL)
		err(1, NULL);
	mb.mbd_args = drv->d_args;
	mb.mbd_nargs = drv->d_nargs;
	if (spawner)
		spawner_filter_enter();
	return (run(&mb, drv, outdir, keep));
}
