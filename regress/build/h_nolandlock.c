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
 * Runs a command as on a kernel without Landlock: a seccomp filter
 * makes every Landlock call fail with ENOSYS, in the command and in
 * everything it starts (rnixd's children and their builders).  Only
 * root may load it without no_new_privs, which rnixd must not have.
 * Usage: h_nolandlock command [arg ...]
 */
#include <err.h>
#include <errno.h>
#include <seccomp.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	static const char *const calls[] = {
		"landlock_create_ruleset", "landlock_add_rule",
		"landlock_restrict_self"
	};
	scmp_filter_ctx	ctx;
	size_t		i;
	int		rc;

	if (argc < 2)
		errx(2, "usage: h_nolandlock command [arg ...]");
	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		errx(1, "seccomp_init");
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
		    seccomp_syscall_resolve_name(calls[i]), 0)) != 0)
			errx(1, "seccomp_rule_add %s: %s", calls[i],
			    strerror(-rc));
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) != 0 ||
	    (rc = seccomp_load(ctx)) != 0)
		errx(1, "seccomp_load: %s", strerror(-rc));
	seccomp_release(ctx);
	execvp(argv[1], argv + 1);
	err(1, "%s", argv[1]);
}
