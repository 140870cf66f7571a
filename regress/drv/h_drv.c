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
 * h_drv: check .drv files written by real Nix against common/drv.c.
 *
 *	h_drv check [-s storedir] dir file.drv ...
 *
 * dir holds the store's files (nix-instantiate --store /tmp/x puts
 * them in /tmp/x/nix/store while the store dir stays /nix/store).  For
 * each file: parse it, print it back (must equal the file's bytes),
 * compute its .drv path (must equal storedir/<file's name>), its
 * output paths, loading input derivations from dir, and run
 * checkDerivationOutputs.  Prints "<drvpath> <output> <path>" per
 * output; exits 1 after the first mismatch.
 */
#include <sys/stat.h>

#include <err.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drv.h"

struct loader {
	const char	*ld_storedir;
	const char	*ld_dir;
};

static int	 read_file(const char *, char **, size_t *);
static int	 dir_load(void *, const char *, struct drv **, const char **);
static void	 check_one(struct drv_hasher *, const char *, const char *);
static void	 usage(void) __attribute__((__noreturn__));

static int
read_file(const char *path, char **textp, size_t *lenp)
{
	struct stat	 st;
	char		*text;
	size_t		 len = 0;
	ssize_t		 n = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	if (fstat(fd, &st) == -1 || (size_t)st.st_size > DRV_TEXT_MAX) {
		close(fd);
		return (-1);
	}
	if ((text = malloc((size_t)st.st_size + 1)) == NULL)
		err(1, NULL);
	while (len < (size_t)st.st_size && (n = read(fd, text + len,
	    (size_t)st.st_size - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (n == -1 || len != (size_t)st.st_size) {
		free(text);
		return (-1);
	}
	*textp = text;
	*lenp = len;
	return (0);
}

/* storedir/<base> is read from dir/<base>. */
static int
dir_load(void *arg, const char *path, struct drv **dp, const char **errstr)
{
	struct loader	*ld = arg;
	char		 file[PATH_MAX], *text;
	size_t		 len, sdlen = strlen(ld->ld_storedir);
	int		 rc;

	if (strncmp(path, ld->ld_storedir, sdlen) != 0 || path[sdlen] != '/') {
		*errstr = "input derivation outside the store dir";
		return (-1);
	}
	snprintf(file, sizeof(file), "%s%s", ld->ld_dir, path + sdlen);
	if (read_file(file, &text, &len) == -1) {
		*errstr = "cannot read input derivation";
		return (-1);
	}
	rc = drv_parse(ld->ld_storedir, text, len, dp, errstr);
	free(text);
	return (rc);
}

static void
check_one(struct drv_hasher *dh, const char *storedir, const char *file)
{
	struct drv	*d;
	char		 drvpath[STOREPATH_MAX], want[PATH_MAX], *text, *out;
	char		 name[STOREPATH_NAME_MAX + 1], tmp[PATH_MAX];
	char		(*outs)[STOREPATH_MAX];
	const char	*errstr;
	size_t		 len, outlen, i;

	if (read_file(file, &text, &len) == -1)
		err(1, "%s", file);
	if (drv_parse(storedir, text, len, &d, &errstr) == -1)
		errx(1, "%s: %s", file, errstr);
	if (drv_unparse(d, 0, NULL, 0, &out, &outlen, &errstr) == -1)
		errx(1, "%s: %s", file, errstr);
	if (outlen != len || memcmp(out, text, len) != 0)
		errx(1, "%s: round trip: got %s, expected %.*s", file, out,
		    (int)len, text);
	free(out);
	free(text);
	strlcpy(tmp, file, sizeof(tmp));
	snprintf(want, sizeof(want), "%s/%s", storedir, basename(tmp));
	if (drv_name_from_path(storedir, want, name, sizeof(name),
	    &errstr) == -1 ||
	    drv_store_path(storedir, name, d, drvpath, sizeof(drvpath),
	    &errstr) == -1)
		errx(1, "%s: %s", file, errstr);
	if (strcmp(drvpath, want) != 0)
		errx(1, "%s: drv path: got %s, expected %s", file, drvpath,
		    want);
	if ((outs = calloc(d->d_noutputs, sizeof(*outs))) == NULL)
		err(1, NULL);
	if (drv_output_paths(dh, name, d, outs, &errstr) == -1 ||
	    drv_check_outputs(dh, drvpath, d, &errstr) == -1)
		errx(1, "%s: %s", file, errstr);
	for (i = 0; i < d->d_noutputs; i++)
		printf("%s %s %s\n", drvpath, d->d_outputs[i].do_name,
		    outs[i]);
	free(outs);
	drv_free(d);
}

static void
usage(void)
{
	fprintf(stderr, "usage: h_drv check [-s storedir] dir file.drv "
	    "...\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct drv_hasher	 dh;
	struct loader		 ld;
	int			 ch, i;

	ld.ld_storedir = "/nix/store";
	if (argc < 2 || strcmp(argv[1], "check") != 0)
		usage();
	argc--;
	argv++;
	while ((ch = getopt(argc, argv, "s:")) != -1) {
		switch (ch) {
		case 's':
			ld.ld_storedir = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	ld.ld_dir = argv[0];
	drv_hasher_init(&dh, ld.ld_storedir, dir_load, &ld);
	for (i = 1; i < argc; i++)
		check_one(&dh, ld.ld_storedir, argv[i]);
	drv_hasher_clear(&dh);
	return (0);
}
