/*
 * Indirect GC roots for storeproc.  A root's user link (nix-build's
 * ./result, say) lives anywhere on the host, outside storeproc's
 * confined view, so storeproc sends the link paths here and gets back
 * where each one points.  The parent only looks: lstat(2) and
 * readlink(2) on each path, never following a symlink, never opening,
 * creating or removing anything.
 *
 * The payloads are msg_store.h's CTL_READLINKS pair, encoded here with
 * wire.h directly: msg_store.c's object also holds the imsgev senders,
 * and linking it would pull libevent into the parent, which polls by
 * hand.  The format is the one msg_store.c reads and writes: a list of
 * strings; then count and (link, target or "") pairs.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msg_store.h"
#include "parent.h"

/* The target of link if it is a symlink now, else NULL. */
static char *
parent_readlink(const char *link)
{
	struct stat	 st;
	char		 buf[PATH_MAX];
	char		*target;
	ssize_t		 n;

	if (link[0] != '/' || lstat(link, &st) == -1 || !S_ISLNK(st.st_mode))
		return (NULL);
	if ((n = readlink(link, buf, sizeof(buf) - 1)) <= 0)
		return (NULL);
	buf[n] = '\0';
	if ((target = strdup(buf)) == NULL)
		fatal("%s", __func__);
	return (target);
}

/* The request: absolute link paths, nothing else, no descriptor. */
static int
parent_recv_links(struct imsg *imsg, char ***links, size_t *nlinks)
{
	struct wire_in	 in;
	const void	*buf;
	size_t		 len, i;
	int		 fd;

	if ((fd = imsg_get_fd(imsg)) != -1) {
		close(fd);
		return (-1);
	}
	if ((buf = imsg_get_buf(imsg, &len)) == NULL)
		return (-1);
	wire_in_init(&in, buf, len);
	if (wire_get_strings(&in, links, nlinks, MSG_PATHS_MAX,
	    MSG_LINKPATH_MAX) != 1)
		return (-1);
	for (i = 0; i < *nlinks; i++)
		if ((*links)[i][0] != '/')
			break;
	if (i < *nlinks || in.wi_off != len) {
		wire_strings_free(*links, *nlinks);
		return (-1);
	}
	return (0);
}

void
parent_handle_readlinks(struct child *ch, struct imsg *imsg)
{
	struct wire_out	  out;
	char		**links, *target;
	size_t		  nlinks, i;

	/* Only storeproc collects garbage; anything else is broken. */
	if (ch->ch_proc != PROC_STORE)
		fatalx("CTL_READLINKS from %s", proc_name(ch->ch_proc));
	if (parent_recv_links(imsg, &links, &nlinks) == -1)
		fatalx("bad CTL_READLINKS from storeproc");
	wire_out_init(&out, MSG_STORE_MAXSIZE - IMSG_HEADER_SIZE);
	(void)wire_put_u64(&out, nlinks);
	for (i = 0; i < nlinks; i++) {
		target = parent_readlink(links[i]);
		(void)wire_put_string(&out, links[i]);
		(void)wire_put_string(&out, target != NULL ? target : "");
		free(target);
	}
	log_debug("%zu root links looked up for storeproc", nlinks);
	wire_strings_free(links, nlinks);
	/* storeproc asks for few enough links that the answer fits. */
	if (out.wo_error)
		fatalx("CTL_READLINKS_REPLY: %s", out.wo_errstr);
	if (imsg_compose(&ch->ch_ibuf, IMSG_CTL_READLINKS_REPLY, 0, 0, -1,
	    out.wo_buf, out.wo_len) == -1)
		fatal("imsg_compose");
	wire_out_free(&out);
}
