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
