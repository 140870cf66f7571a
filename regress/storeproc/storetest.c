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
 * The fixture of the storeproc unit tests (storetest.h).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "log.h"
#include "msg_store.h"
#include "nar.h"
#include "storetest.h"
#include "../../storeproc/storeproc.h"
#include "../../storeproc/store_db.h"

char		top[256], storedir[300], statedir[300];
struct imsgbuf	ib_store, ib_client;
struct imsgev	iev_store, iev_client;
int		have_nixhash;

void
st_pair(struct imsgbuf *a, struct imsgbuf *b)
{
	int	sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == -1)
		err(1, "socketpair");
	if (imsgbuf_init(a, sv[0]) == -1 || imsgbuf_init(b, sv[1]) == -1)
		err(1, "imsgbuf_init");
	imsgbuf_set_maxsize(a, MSG_STORE_MAXSIZE);
	imsgbuf_set_maxsize(b, MSG_STORE_MAXSIZE);
}

void
st_setup(const char *name, st_dispatch_fn store, st_dispatch_fn client,
    struct imsgbuf *parent)
{
	struct store_db	*db;
	const char	*e;
	char		 cmd[700];

	log_init(1, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	snprintf(top, sizeof(top), "/tmp/rnixd-%s.XXXXXX", name);
	if (mkdtemp(top) == NULL)
		err(1, "mkdtemp");
	snprintf(storedir, sizeof(storedir), "%s/nix/store", top);
	snprintf(statedir, sizeof(statedir), "%s/nix/var/nix", top);
	if ((size_t)snprintf(cmd, sizeof(cmd), "mkdir -p %s %s", storedir,
	    statedir) >= sizeof(cmd) || system(cmd) != 0)
		errx(1, "%s failed", cmd);
	if (db_open(statedir, storedir, &db, &e) == -1)
		errx(1, "db_open: %s", e);
	event_init();
	st_pair(&ib_store, &ib_client);
	imsgev_init(&iev_store, &ib_store, PROC_BUILDER, store);
	imsgev_init(&iev_client, &ib_client, PROC_STORE, client);
	store_env_init(storedir, statedir, db, &ib_store, parent);
	store_cleanup_tmp();
	have_nixhash = system("nix-hash --version >/dev/null 2>&1") == 0;
}

void
st_cleanup(void)
{
	char	cmd[700];

	db_close(store_env.se_db);
	(void)snprintf(cmd, sizeof(cmd), "chmod -R u+w %s && rm -rf %s", top,
	    top);
	if (system(cmd) != 0)
		warnx("cannot remove %s", top);
}

void
st_wait(const int *done)
{
	alarm(60);
	while (!*done)
		if (event_loop(EVLOOP_ONCE) == -1)
			err(1, "event_loop");
	alarm(0);
}

int
st_recv_reply(struct imsg *imsg, char **text, char ***paths,
    size_t *npaths, const char **errstr)
{
	switch (imsg_get_type(imsg)) {
	case IMSG_STORE_ERROR:
		return (msg_recv_text(imsg, MSG_ERROR_MAX, text, errstr));
	case IMSG_STORE_OK:
		return (msg_recv_empty(imsg, errstr));
	case IMSG_STORE_PATHS:
		return (msg_recv_paths(imsg, storedir, 0, paths, npaths,
		    errstr));
	default:
		errx(1, "unexpected reply %s",
		    imsg_type_name(imsg_get_type(imsg)));
	}
}

void
st_reply_done(struct imsg *imsg, int rc, const char *errstr,
    uint32_t *type, int *done)
{
	if (rc == -1)
		errx(1, "bad %s: %s", imsg_type_name(imsg_get_type(imsg)),
		    errstr);
	*type = imsg_get_type(imsg);
	(*done)++;
}

void
st_expect_type(uint32_t got, const char *text, uint32_t want,
    const char *what)
{
	if (got != want)
		errx(1, "%s: got %s (%s), expected %s", what,
		    imsg_type_name(got), text ? text : "",
		    imsg_type_name(want));
}

/* Nothing of ours may be left behind in the store dir. */
void
st_expect_no_temp(const char *what)
{
	struct dirent	*de;
	DIR		*d;

	if ((d = opendir(storedir)) == NULL)
		err(1, "opendir");
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, ".rnixd-", 7) == 0)
			errx(1, "%s: temporary %s left", what, de->d_name);
	closedir(d);
}

/* The mode set again, whatever the umask took away. */
void
st_write_file(const char *path, const char *text, mode_t mode)
{
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)) == -1 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		err(1, "%s", path);
	close(fd);
	chmod(path, mode);
}

/* narHash of a path as nix-hash computes it from the files. */
void
st_check_nixhash(const char *path, const char *narhash)
{
	char	cmd[1024], out[128];
	FILE	*p;

	if (!have_nixhash)
		return;
	snprintf(cmd, sizeof(cmd), "nix-hash --type sha256 '%s'", path);
	if ((p = popen(cmd, "r")) == NULL || fgets(out, sizeof(out), p) ==
	    NULL)
		errx(1, "nix-hash %s failed", path);
	if (pclose(p) != 0)
		errx(1, "nix-hash %s failed", path);
	out[strcspn(out, "\n")] = '\0';
	if (strcmp(out, narhash) != 0)
		errx(1, "narHash of %s: got %s, nix-hash says %s", path,
		    narhash, out);
}

void
st_register(const char *path, const char *text, const char *ca,
    char **refs, size_t nrefs)
{
	struct db_pathinfo	 dpi;
	struct hash		 h;
	char			 hs[HASH_STR_MAX];
	const char		*e;
	uint64_t		 size;

	st_write_file(path, text, 0444);
	if (store_nar_hash(AT_FDCWD, path, HASH_SHA256, &h, &size, &e) == -1)
		errx(1, "%s", e);
	hash_format(&h, HASH_ENC_BASE16, 1, hs, sizeof(hs));
	memset(&dpi, 0, sizeof(dpi));
	dpi.dpi_path = (char *)path;
	dpi.dpi_narhash = hs;
	dpi.dpi_narsize = size;
	dpi.dpi_ca = (char *)ca;
	dpi.dpi_refs = refs;
	dpi.dpi_nrefs = nrefs;
	if (db_register(store_env.se_db, &dpi, 1, NULL, NULL, &e) == -1)
		errx(1, "register %s: %s", path, e);
}

int
st_buf_sink(void *arg, const void *p, size_t n)
{
	struct st_buf	*b = arg;

	if ((b->b_data = realloc(b->b_data, b->b_len + n)) == NULL)
		err(1, "realloc");
	memcpy(b->b_data + b->b_len, p, n);
	b->b_len += n;
	return (0);
}

void
st_nar_of(const char *path, struct st_buf *b)
{
	const char	*e;

	memset(b, 0, sizeof(*b));
	if (nar_dump_path(AT_FDCWD, path, st_buf_sink, b, &e) == -1)
		errx(1, "nar_dump_path %s: %s", path, e);
}
