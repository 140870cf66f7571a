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
 * Logging in the manner of OpenBSD daemons: log_init() chooses stderr
 * (foreground) or syslog, log_procinit() names the process, and fatal()
 * is for what must stop the process, never for what a peer can cause.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int		 log_debug_mode;	/* log to stderr */
static int		 log_verbose;
static const char	*log_procname;

void
log_init(int debug, int facility)
{
	extern char	*__progname;

	log_debug_mode = debug;
	log_verbose = debug;
	log_procinit(__progname);
	if (!log_debug_mode)
		openlog(__progname, LOG_PID | LOG_NDELAY, facility);
	tzset();
}

void
log_procinit(const char *procname)
{
	if (procname != NULL)
		log_procname = procname;
}

void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

int
log_getverbose(void)
{
	return (log_verbose);
}

void
logit(int pri, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	int	saved_errno = errno;

	if (log_debug_mode) {
		/* One fprintf per line so lines of processes do not mix. */
		char	line[1024];

		vsnprintf(line, sizeof(line), fmt, ap);
		fprintf(stderr, "%s\n", line);
		fflush(stderr);
	} else
		vsyslog(pri, fmt, ap);
	errno = saved_errno;
}

void
log_warn(const char *emsg, ...)
{
	char	*nfmt;
	va_list	 ap;
	int	 saved_errno = errno;

	va_start(ap, emsg);
	if (emsg == NULL)
		logit(LOG_ERR, "%s", strerror(saved_errno));
	else if (asprintf(&nfmt, "%s: %s", emsg,
	    strerror(saved_errno)) == -1) {
		/* Better to log the message without the error than nothing. */
		vlog(LOG_ERR, emsg, ap);
		logit(LOG_ERR, "%s", strerror(saved_errno));
	} else {
		vlog(LOG_ERR, nfmt, ap);
		free(nfmt);
	}
	va_end(ap);
	errno = saved_errno;
}

void
log_warnx(const char *emsg, ...)
{
	va_list	ap;

	va_start(ap, emsg);
	vlog(LOG_ERR, emsg, ap);
	va_end(ap);
}

void
log_info(const char *emsg, ...)
{
	va_list	ap;

	va_start(ap, emsg);
	vlog(LOG_INFO, emsg, ap);
	va_end(ap);
}

void
log_debug(const char *emsg, ...)
{
	va_list	ap;

	if (log_verbose) {
		va_start(ap, emsg);
		vlog(LOG_DEBUG, emsg, ap);
		va_end(ap);
	}
}

static void
vfatalc(int code, const char *emsg, va_list ap)
{
	static char	s[BUFSIZ];
	const char	*sep;

	if (emsg != NULL) {
		(void)vsnprintf(s, sizeof(s), emsg, ap);
		sep = ": ";
	} else {
		s[0] = '\0';
		sep = "";
	}
	if (code)
		logit(LOG_CRIT, "fatal in %s: %s%s%s",
		    log_procname, s, sep, strerror(code));
	else
		logit(LOG_CRIT, "fatal in %s%s%s", log_procname, sep, s);
}

void
fatal(const char *emsg, ...)
{
	va_list	ap;

	va_start(ap, emsg);
	vfatalc(errno, emsg, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *emsg, ...)
{
	va_list	ap;

	va_start(ap, emsg);
	vfatalc(0, emsg, ap);
	va_end(ap);
	exit(1);
}
