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
 * Plays mountproc for rnixd-spawner's start-up: the link on fd 3, then
 * one way of getting the first message wrong.  The spawner (run with
 * -d, so it logs to stderr) must stop before doing anything; the exit
 * status is printed for byhand.sh to check.
 *
 *	h_spawner spawner close|wrong|short|relative
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <err.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "msg_mount.h"
#include "proc.h"

static void
send_first(int fd, const char *mode)
{
	struct imsgbuf		ib;
	char			junk[8];

	if (imsgbuf_init(&ib, fd) == -1)
		err(1, "imsgbuf_init");
	memset(junk, 0, sizeof(junk));
	if (strcmp(mode, "wrong") == 0) {
		if (imsg_compose(&ib, IMSG_MOUNT_PING, 0, 0, -1, NULL, 0) ==
		    -1)
			err(1, "imsg_compose");
	} else if (strcmp(mode, "short") == 0) {
		if (imsg_compose(&ib, IMSG_MOUNT_SPAWNER_SETUP, 0, 0, -1, junk,
		    sizeof(junk)) == -1)
			err(1, "imsg_compose");
	} else if (strcmp(mode, "relative") == 0) {
		if (msg_send_spawner_setup(&ib, 65534, 65534, "nix/store",
		    "/nix/var/nix") == -1)
			errx(1, "msg_send_spawner_setup");
	} else if (strcmp(mode, "close") != 0)
		errx(2, "unknown mode %s", mode);
	while (imsgbuf_queuelen(&ib) > 0)
		if (imsgbuf_write(&ib) == -1)
			err(1, "imsgbuf_write");
	imsgbuf_clear(&ib);
}

int
main(int argc, char *argv[])
{
	int	sv[2], status;
	pid_t	pid;

	if (argc != 3)
		errx(2, "usage: h_spawner spawner mode");
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		err(1, "socketpair");
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		close(sv[0]);
		if (dup2(sv[1], 3) == -1)
			err(1, "dup2");
		closefrom(4);
		execl(argv[1], "rnixd-spawner", "-d", (char *)NULL);
		err(1, "%s", argv[1]);
	}
	close(sv[1]);
	send_first(sv[0], argv[2]);
	close(sv[0]);
	if (waitpid(pid, &status, 0) == -1)
		err(1, "waitpid");
	if (WIFEXITED(status))
		printf("exit %d\n", WEXITSTATUS(status));
	else
		printf("signal %d\n", WTERMSIG(status));
	return (0);
}
