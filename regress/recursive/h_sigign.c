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
 * Run a program with SIGINT and SIGQUIT ignored, as a shell's
 * background job has them, and the two real-time signals the C library
 * keeps for itself (which only the raw system call sets): a daemon
 * started so must still give its builders default signals.
 * Usage: h_sigign program [arg...]
 */
#include <sys/syscall.h>

#include <err.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	struct {
		void		(*ks_handler)(int);
		unsigned long	  ks_flags;
		void		(*ks_restorer)(void);
		uint64_t	  ks_mask;
	} ksa;
	static const int	 sigs[] = { SIGINT, SIGQUIT, 32, 33 };
	size_t			 i;

	if (argc < 2)
		errx(2, "usage: h_sigign program [arg...]");
	memset(&ksa, 0, sizeof(ksa));
	ksa.ks_handler = SIG_IGN;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (syscall(SYS_rt_sigaction, sigs[i], &ksa, NULL,
		    sizeof(ksa.ks_mask)) == -1)
			err(1, "rt_sigaction %d", sigs[i]);
	execv(argv[1], argv + 1);
	err(1, "%s", argv[1]);
}
