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
 * config.c: defaults, every setting with good and bad values, the
 * "file:line: message" text of each kind of error, extra-, comments,
 * last-wins, the checks across settings, the canonical form parsing
 * back to an equal configuration for random configurations, and
 * hostile input (NUL, long lines, binary junk) failing cleanly.
 */
#include <sys/stat.h>

#include <err.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static int	parse(const char *, size_t, struct rnixd_conf *, char **);
static int	parse_str(const char *, struct rnixd_conf *, char **);
static char	*print_conf(const struct rnixd_conf *);
static char	*print_setting(const struct rnixd_conf *, const char *);
static void	conf_equal(const char *, const struct rnixd_conf *,
		    const struct rnixd_conf *);
static void	list_equal(const char *, const struct config_list *,
		    const struct config_list *);
static void	expect_str(const char *, const char *, const char *);
static void	test_defaults(void);
static void	test_good(void);
static void	test_bad(void);
static void	test_lengths(void);
static void	test_limits(void);
static void	test_syntax(void);
static void	test_cross(void);
static void	test_features(void);
static void	test_hostile(void);
static void	test_files(void);
static void	test_roundtrip(void);
static void	test_mutations(void);

/* Parse len bytes; *errs gets whatever the parser wrote. */
static int
parse(const char *text, size_t len, struct rnixd_conf *conf, char **errs)
{
	FILE	*fp;
	size_t	 errlen;
	int	 rv;

	if ((fp = open_memstream(errs, &errlen)) == NULL)
		err(1, "open_memstream");
	rv = config_parse_buf("t.conf", text, len, conf, fp);
	if (fclose(fp) == EOF)
		err(1, "fclose");
	if (rv == 0 && errlen != 0)
		errx(1, "parse succeeded but wrote \"%s\"", *errs);
	if (rv == -1 && errlen == 0)
		errx(1, "parse failed without a message");
	return (rv);
}

static int
parse_str(const char *text, struct rnixd_conf *conf, char **errs)
{
	return (parse(text, strlen(text), conf, errs));
}

static char *
print_conf(const struct rnixd_conf *conf)
{
	FILE	*fp;
	char	*buf;
	size_t	 len;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		err(1, "open_memstream");
	if (config_print(fp, conf) == -1)
		errx(1, "config_print failed");
	if (fclose(fp) == EOF)
		err(1, "fclose");
	return (buf);
}

/* The canonical line of one setting, without "name = " and newline. */
static char *
print_setting(const struct rnixd_conf *conf, const char *name)
{
	static char	 value[16384];
	char		*text, *line, *end;
	size_t		 nlen = strlen(name);

	text = print_conf(conf);
	for (line = text; *line != '\0'; line = end + 1) {
		end = strchr(line, '\n');
		if (end == NULL)
			errx(1, "print: last line has no newline");
		*end = '\0';
		if (strncmp(line, name, nlen) == 0 &&
		    strncmp(line + nlen, " =", 2) == 0) {
			line += nlen + 2;
			if (*line == ' ')
				line++;
			strlcpy(value, line, sizeof(value));
			free(text);
			return (value);
		}
	}
	errx(1, "print: no line for %s", name);
}

static void
expect_str(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want) != 0)
		errx(1, "%s: got \"%s\", expected \"%s\"", what, got, want);
}

static void
list_equal(const char *what, const struct config_list *a,
    const struct config_list *b)
{
	size_t	i;

	if (a->cl_nwords != b->cl_nwords)
		errx(1, "%s: got %zu words, expected %zu", what,
		    a->cl_nwords, b->cl_nwords);
	for (i = 0; i < a->cl_nwords; i++)
		expect_str(what, a->cl_words[i], b->cl_words[i]);
}

/* Field by field, independent of config_print. */
static void
conf_equal(const char *what, const struct rnixd_conf *a,
    const struct rnixd_conf *b)
{
	size_t	i;

	expect_str(what, a->conf_store_dir, b->conf_store_dir);
	expect_str(what, a->conf_state_dir, b->conf_state_dir);
	expect_str(what, a->conf_log_dir, b->conf_log_dir);
	expect_str(what, a->conf_daemon_socket, b->conf_daemon_socket);
	expect_str(what, a->conf_store_user, b->conf_store_user);
	expect_str(what, a->conf_builder_user, b->conf_builder_user);
	expect_str(what, a->conf_mount_user, b->conf_mount_user);
	expect_str(what, a->conf_build_users_group, b->conf_build_users_group);
	list_equal(what, &a->conf_trusted_users, &b->conf_trusted_users);
	list_equal(what, &a->conf_allowed_users, &b->conf_allowed_users);
	list_equal(what, &a->conf_system_features, &b->conf_system_features);
	if (a->conf_max_jobs != b->conf_max_jobs ||
	    a->conf_cores != b->conf_cores ||
	    a->conf_timeout != b->conf_timeout ||
	    a->conf_max_silent_time != b->conf_max_silent_time ||
	    a->conf_experimental_features != b->conf_experimental_features)
		errx(1, "%s: numbers differ: got %u %u %u %u %#x, expected "
		    "%u %u %u %u %#x", what, a->conf_max_jobs, a->conf_cores,
		    a->conf_timeout, a->conf_max_silent_time,
		    a->conf_experimental_features, b->conf_max_jobs,
		    b->conf_cores, b->conf_timeout, b->conf_max_silent_time,
		    b->conf_experimental_features);
	if (a->conf_nsandbox_paths != b->conf_nsandbox_paths)
		errx(1, "%s: got %zu sandbox paths, expected %zu", what,
		    a->conf_nsandbox_paths, b->conf_nsandbox_paths);
	for (i = 0; i < a->conf_nsandbox_paths; i++) {
		expect_str(what, a->conf_sandbox_paths[i].cb_target,
		    b->conf_sandbox_paths[i].cb_target);
		expect_str(what, a->conf_sandbox_paths[i].cb_source,
		    b->conf_sandbox_paths[i].cb_source);
		if (a->conf_sandbox_paths[i].cb_optional !=
		    b->conf_sandbox_paths[i].cb_optional)
			errx(1, "%s: sandbox path %zu: optional differs",
			    what, i);
	}
}

static void
test_defaults(void)
{
	struct rnixd_conf	 conf, parsed;
	char			*errs;

	config_init_defaults(&conf);
	expect_str("default store-dir", conf.conf_store_dir, "/nix/store");
	expect_str("default state-dir", conf.conf_state_dir, "/nix/var/nix");
	expect_str("default log-dir", conf.conf_log_dir, "/nix/var/log/nix");
	expect_str("default daemon-socket", conf.conf_daemon_socket,
	    "/nix/var/nix/daemon-socket/socket");
	expect_str("default store-user", conf.conf_store_user, "_rnixd");
	expect_str("default builder-user", conf.conf_builder_user,
	    "_rnixd-builder");
	expect_str("default mount-user", conf.conf_mount_user,
	    "_rnixd-mount");
	expect_str("default build-users-group", conf.conf_build_users_group,
	    "nixbld");
	if (conf.conf_trusted_users.cl_nwords != 1 ||
	    conf.conf_allowed_users.cl_nwords != 1)
		errx(1, "default user lists: wrong length");
	expect_str("default trusted-users",
	    conf.conf_trusted_users.cl_words[0], "root");
	expect_str("default allowed-users",
	    conf.conf_allowed_users.cl_words[0], "*");
	if (conf.conf_max_jobs != 1 || conf.conf_cores != 0 ||
	    conf.conf_timeout != 0 || conf.conf_max_silent_time != 0)
		errx(1, "default numbers: got %u %u %u %u, expected 1 0 0 0",
		    conf.conf_max_jobs, conf.conf_cores, conf.conf_timeout,
		    conf.conf_max_silent_time);
	if (conf.conf_nsandbox_paths != 0 ||
	    conf.conf_experimental_features != 0)
		errx(1, "default sandbox-paths or experimental-features "
		    "not empty");
	expect_str("default system-features",
	    print_setting(&conf, "system-features"), "benchmark big-parallel");
	/* An empty file, and one of comments only, is the defaults. */
	if (parse_str("", &parsed, &errs) == -1)
		errx(1, "empty file: %s", errs);
	conf_equal("empty file", &parsed, &conf);
	config_free(&parsed);
	free(errs);
	if (parse_str("# nothing\n\n   \t\r\n  # more\n", &parsed,
	    &errs) == -1)
		errx(1, "comments only: %s", errs);
	conf_equal("comments only", &parsed, &conf);
	config_free(&parsed);
	free(errs);
	config_free(&conf);
	/* config_free zeroes, so a second one is harmless. */
	config_free(&conf);
	printf("defaults: ok\n");
}

/* Good values: the input line, the setting, its canonical value. */
static const struct {
	const char	*in;
	const char	*name;
	const char	*want;
} good[] = {
	{ "store-dir = /gnu/store", "store-dir", "/gnu/store" },
	{ "store-dir = /s", "store-dir", "/s" },
	{ "store-dir = /a/.b/..c/d.", "store-dir", "/a/.b/..c/d." },
	{ "state-dir = /var/lib/rnixd", "state-dir", "/var/lib/rnixd" },
	{ "log-dir = /var/log/rnixd", "log-dir", "/var/log/rnixd" },
	{ "daemon-socket = /run/rnixd.sock", "daemon-socket",
	    "/run/rnixd.sock" },
	{ "store-user = _store", "store-user", "_store" },
	{ "builder-user = b-1_x", "builder-user", "b-1_x" },
	{ "mount-user = _", "mount-user", "_" },
	{ "build-users-group = nixbld", "build-users-group", "nixbld" },
	{ "build-users-group = root", "build-users-group", "root" },
	{ "trusted-users = root @wheel alice", "trusted-users",
	    "root @wheel alice" },
	{ "trusted-users =", "trusted-users", "" },
	{ "trusted-users = a b a @b b", "trusted-users", "a b @b" },
	{ "allowed-users = @nix-users", "allowed-users", "@nix-users" },
	{ "allowed-users = * root", "allowed-users", "* root" },
	{ "max-jobs = auto", "max-jobs", "auto" },
	{ "max-jobs = 1", "max-jobs", "1" },
	{ "max-jobs = 0016", "max-jobs", "16" },
	{ "max-jobs = 65535", "max-jobs", "65535" },
	{ "cores = 0", "cores", "0" },
	{ "cores = 65535", "cores", "65535" },
	{ "timeout = 3600", "timeout", "3600" },
	{ "timeout = 2147483647", "timeout", "2147483647" },
	{ "max-silent-time = 0", "max-silent-time", "0" },
	{ "max-silent-time = 600", "max-silent-time", "600" },
	{ "sandbox-paths = /bin/sh=/nix/store/x-busybox/bin/busybox",
	    "sandbox-paths", "/bin/sh=/nix/store/x-busybox/bin/busybox" },
	{ "sandbox-paths = /etc/hosts? /usr=/opt/usr? /a=/a",
	    "sandbox-paths", "/etc/hosts? /usr=/opt/usr? /a" },
	{ "sandbox-paths = /a /a /b?", "sandbox-paths", "/a /b?" },
	{ "sandbox-paths = /a=/b=/c?", "sandbox-paths", "/a=/b=/c?" },
	{ "sandbox-paths =", "sandbox-paths", "" },
	{ "experimental-features = recursive-nix", "experimental-features",
	    "recursive-nix" },
	{ "experimental-features = recursive-nix nix-command flakes "
	    "ca-derivations impure-derivations no-url-literals "
	    "flakes", "experimental-features", "ca-derivations flakes "
	    "impure-derivations nix-command no-url-literals recursive-nix" },
	{ "experimental-features =", "experimental-features", "" },
	{ "system-features = kvm gccarch-x86-64-v3 nixos-test",
	    "system-features", "kvm gccarch-x86-64-v3 nixos-test" },
	{ "system-features = a.b+c_D-1", "system-features", "a.b+c_D-1" },
	{ "system-features =", "system-features", "" },
	/* Blanks around and inside are whatever nix.conf allows. */
	{ "\t max-jobs \t=\t 4 \t\r", "max-jobs", "4" },
	{ "trusted-users =    a\t\tb  ", "trusted-users", "a b" },
	{ "max-jobs = 7 # seven", "max-jobs", "7" },
	{ "system-features = a#b c", "system-features", "a" },
};

static void
test_good(void)
{
	struct rnixd_conf	 conf;
	char			*errs, text[256];
	size_t			 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		/* Without and with a final newline. */
		snprintf(text, sizeof(text), "%s", good[i].in);
		if (parse_str(text, &conf, &errs) == -1)
			errx(1, "good \"%s\": %s", good[i].in, errs);
		expect_str(good[i].in, print_setting(&conf, good[i].name),
		    good[i].want);
		config_free(&conf);
		free(errs);
		snprintf(text, sizeof(text), "%s\n", good[i].in);
		if (parse_str(text, &conf, &errs) == -1)
			errx(1, "good \"%s\\n\": %s", good[i].in, errs);
		config_free(&conf);
		free(errs);
		printf("good: %s: ok\n", good[i].in);
	}
}

/* Bad input and the exact errors, "t.conf:" being the parse name. */
static const struct {
	const char	*in;
	const char	*want;
} bad[] = {
	{ "max-job = 3", "t.conf:1: unknown setting 'max-job'\n" },
	{ "\n\nmax-jobs = x", "t.conf:3: max-jobs: 'x' is not a number "
	    "or 'auto'\n" },
	{ "max-jobs = 0", "t.conf:1: max-jobs: '0' is out of range "
	    "(1 to 65535)\n" },
	{ "max-jobs = 65536", "t.conf:1: max-jobs: '65536' is out of range "
	    "(1 to 65535)\n" },
	{ "max-jobs = -1", "t.conf:1: max-jobs: '-1' is not a number or "
	    "'auto'\n" },
	{ "max-jobs = AUTO", "t.conf:1: max-jobs: 'AUTO' is not a number "
	    "or 'auto'\n" },
	{ "max-jobs = 1 2", "t.conf:1: max-jobs: expected one value, "
	    "got 2\n" },
	{ "max-jobs =", "t.conf:1: max-jobs: missing value\n" },
	{ "max-jobs = # none", "t.conf:1: max-jobs: missing value\n" },
	{ "cores = +1", "t.conf:1: cores: '+1' is not a number\n" },
	{ "cores = 0x10", "t.conf:1: cores: '0x10' is not a number\n" },
	{ "cores = 65536", "t.conf:1: cores: '65536' is out of range "
	    "(0 to 65535)\n" },
	{ "timeout = 2147483648", "t.conf:1: timeout: '2147483648' is out "
	    "of range (0 to 2147483647)\n" },
	{ "timeout = 99999999999999999999999999", "t.conf:1: timeout: "
	    "'99999999999999999999999999' is out of range "
	    "(0 to 2147483647)\n" },
	{ "max-silent-time = 1.5", "t.conf:1: max-silent-time: '1.5' is "
	    "not a number\n" },
	{ "store-dir = nix/store", "t.conf:1: store-dir: 'nix/store' is not "
	    "an absolute path\n" },
	{ "store-dir = /nix/store/", "t.conf:1: store-dir: '/nix/store/' "
	    "ends with '/'\n" },
	{ "store-dir = /", "t.conf:1: store-dir: '/' ends with '/'\n" },
	{ "store-dir = /nix//store", "t.conf:1: store-dir: '/nix//store' "
	    "contains '//'\n" },
	{ "store-dir = /nix/./store", "t.conf:1: store-dir: '/nix/./store' "
	    "contains a '.' or '..' component\n" },
	{ "state-dir = /nix/var/..", "t.conf:1: state-dir: '/nix/var/..' "
	    "contains a '.' or '..' component\n" },
	{ "log-dir = /a b", "t.conf:1: log-dir: expected one value, "
	    "got 2\n" },
	{ "store-user = Root", "t.conf:1: store-user: 'Root' is not a "
	    "valid user name\n" },
	{ "builder-user = 1abc", "t.conf:1: builder-user: '1abc' is not a "
	    "valid user name\n" },
	{ "mount-user = a.b", "t.conf:1: mount-user: 'a.b' is not a valid "
	    "user name\n" },
	{ "mount-user = a12345678901234567890123456789012", "t.conf:1: "
	    "mount-user: 'a12345678901234567890123456789012' is not a valid "
	    "user name\n" },
	{ "build-users-group = -x", "t.conf:1: build-users-group: '-x' is "
	    "not a valid group name\n" },
	{ "trusted-users = root @ @@a **", "t.conf:1: trusted-users: '@' is "
	    "not a user name, '@group' or '*'\nt.conf:1: trusted-users: "
	    "'@@a' is not a user name, '@group' or '*'\nt.conf:1: "
	    "trusted-users: '**' is not a user name, '@group' or '*'\n" },
	{ "allowed-users = Alice", "t.conf:1: allowed-users: 'Alice' is not "
	    "a user name, '@group' or '*'\n" },
	{ "sandbox-paths = bin", "t.conf:1: sandbox-paths: 'bin' is not an "
	    "absolute path\n" },
	{ "sandbox-paths = /bin=sh?", "t.conf:1: sandbox-paths: '/bin=sh?' "
	    "is not an absolute path\n" },
	{ "sandbox-paths = /bin=", "t.conf:1: sandbox-paths: '/bin=' is not "
	    "an absolute path\n" },
	{ "sandbox-paths = ?", "t.conf:1: sandbox-paths: '?' is not an "
	    "absolute path\n" },
	{ "sandbox-paths = /a/ /b//c", "t.conf:1: sandbox-paths: '/a/' ends "
	    "with '/'\nt.conf:1: sandbox-paths: '/b//c' contains '//'\n" },
	{ "sandbox-paths = /a=/b /a=/c", "t.conf:1: sandbox-paths: '/a' is "
	    "given twice, differently\n" },
	{ "sandbox-paths = /a /a?", "t.conf:1: sandbox-paths: '/a' is "
	    "given twice, differently\n" },
	{ "experimental-features = recursive-nix fakes", "t.conf:1: "
	    "experimental-features: 'fakes' is not an experimental feature "
	    "of Nix 2.8\n" },
	{ "experimental-features = auto-allocate-uids", "t.conf:1: "
	    "experimental-features: 'auto-allocate-uids' is not an "
	    "experimental feature of Nix 2.8\n" },
	{ "system-features = a/b", "t.conf:1: system-features: 'a/b' is "
	    "not a valid feature name\n" },
	/* 65 bytes: one more than a feature name may have. */
	{ "system-features = abcdeabcdeabcdeabcdeabcdeabcdeabcdeabcde"
	    "abcdeabcdeabcdeabcdeabcde", "t.conf:1: system-features: '"
	    "abcdeabcdeabcdeabcdeabcdeabcdeabcdeabcdeabcdeabcdeabcdeabcde"
	    "abcd...' is not a valid feature name\n" },
	/* Syntax */
	{ "max-jobs", "t.conf:1: expected 'name = value', with spaces "
	    "around '='\n" },
	{ "max-jobs=4", "t.conf:1: expected 'name = value', with spaces "
	    "around '='\n" },
	{ "max-jobs =4", "t.conf:1: expected 'name = value', with spaces "
	    "around '='\n" },
	{ "max-jobs 4", "t.conf:1: expected 'name = value', with spaces "
	    "around '='\n" },
	{ "= 4", "t.conf:1: expected 'name = value', with spaces around "
	    "'='\n" },
	{ "include /etc/nix/nix.conf", "t.conf:1: 'include' is not "
	    "supported\n" },
	{ "!include other.conf", "t.conf:1: '!include' is not supported\n" },
	{ "extra-max-jobs = 2", "t.conf:1: unknown setting 'extra-max-jobs' "
	    "(max-jobs is not a list)\n" },
	{ "extra-store-dir = /a", "t.conf:1: unknown setting "
	    "'extra-store-dir' (store-dir is not a list)\n" },
	{ "extra-extra-trusted-users = a", "t.conf:1: unknown setting "
	    "'extra-extra-trusted-users'\n" },
	{ "Max-Jobs = 1", "t.conf:1: unknown setting 'Max-Jobs'\n" },
	{ "substituters = https://cache.nixos.org", "t.conf:1: unknown "
	    "setting 'substituters'\n" },
	{ "sandbox = true", "t.conf:1: unknown setting 'sandbox'\n" },
	{ "max-jobs = 2\x01", "t.conf:1: invalid byte 0x01 (only printable "
	    "ASCII outside comments)\n" },
	{ "max-jobs = 2\v", "t.conf:1: invalid byte 0x0b (only printable "
	    "ASCII outside comments)\n" },
	{ "store-dir = /caf\xc3\xa9", "t.conf:1: invalid byte 0xc3 (only "
	    "printable ASCII outside comments)\n" },
	{ "max-jobs = 2\x7f", "t.conf:1: invalid byte 0x7f (only printable "
	    "ASCII outside comments)\n" },
	/* Every error is reported, each with its line. */
	{ "max-job = 1\n# ok\nmax-jobs = 2\ncores = x\r\n\nfoo\n",
	    "t.conf:1: unknown setting 'max-job'\nt.conf:4: cores: 'x' is not "
	    "a number\nt.conf:6: expected 'name = value', with spaces around "
	    "'='\n" },
	/* Checks across settings name the line that set the later one. */
	{ "store-user = root", "t.conf:1: store-user: must not be root\n" },
	{ "\nbuilder-user = root\nmount-user = root", "t.conf:2: "
	    "builder-user: must not be root\nt.conf:3: mount-user: must not "
	    "be root\nt.conf:3: builder-user and mount-user are both "
	    "'root'\n" },
	{ "\nbuilder-user = _rnixd", "t.conf:2: store-user and builder-user "
	    "are both '_rnixd'\n" },
	{ "mount-user = x\n\nstore-user = x", "t.conf:3: store-user and "
	    "mount-user are both 'x'\n" },
	{ "state-dir = /nix/store", "t.conf:1: store-dir '/nix/store' and "
	    "state-dir '/nix/store' must not be inside one another\n" },
	{ "log-dir = /nix/store/log", "t.conf:1: store-dir '/nix/store' and "
	    "log-dir '/nix/store/log' must not be inside one another\n" },
	{ "\n\nstore-dir = /nix", "t.conf:3: store-dir '/nix' and state-dir "
	    "'/nix/var/nix' must not be inside one another\nt.conf:3: "
	    "store-dir '/nix' and log-dir '/nix/var/log/nix' must not be "
	    "inside one another\nt.conf:3: store-dir '/nix' and "
	    "daemon-socket '/nix/var/nix/daemon-socket/socket' must not be "
	    "inside one another\n" },
	{ "daemon-socket = /nix/store/.socket", "t.conf:1: store-dir "
	    "'/nix/store' and daemon-socket '/nix/store/.socket' must not be "
	    "inside one another\n" },
};

/* Path length limits: at the limit is good, one more byte is not. */
static void
test_lengths(void)
{
	static const struct {
		const char	*name;
		size_t		 max;
	} limits[] = {
		{ "store-dir", CONFIG_STOREDIR_MAX },
		{ "daemon-socket", CONFIG_SOCKET_MAX },
		{ "state-dir", PATH_MAX - 1 },
		{ "sandbox-paths", PATH_MAX - 1 },
	};
	struct rnixd_conf	 conf;
	char			 text[PATH_MAX + 64], want[256], *errs;
	size_t			 i, off;

	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		off = snprintf(text, sizeof(text), "%s = /", limits[i].name);
		memset(text + off, 'x', limits[i].max - 1);
		text[off + limits[i].max - 1] = '\0';
		if (parse_str(text, &conf, &errs) == -1)
			errx(1, "%s of %zu bytes: %s", limits[i].name,
			    limits[i].max, errs);
		config_free(&conf);
		free(errs);
		strlcat(text, "y", sizeof(text));
		if (parse_str(text, &conf, &errs) != -1)
			errx(1, "%s of %zu bytes: parsed", limits[i].name,
			    limits[i].max + 1);
		snprintf(want, sizeof(want), "t.conf:1: %s: '/%.63s...' is "
		    "longer than %zu bytes\n", limits[i].name, text + off,
		    limits[i].max);
		expect_str(limits[i].name, errs, want);
		free(errs);
		printf("length limit: %s", want);
	}
}

/* Lists hold at most CONFIG_LIST_MAX entries; a bad line is undone. */
static void
test_limits(void)
{
	struct rnixd_conf	 conf;
	char			*text, *errs, want[128];
	FILE			*fp;
	size_t			 len;
	int			 i;

	if ((fp = open_memstream(&text, &len)) == NULL)
		err(1, "open_memstream");
	fprintf(fp, "trusted-users =");
	for (i = 0; i < CONFIG_LIST_MAX; i++)
		fprintf(fp, " u%d", i);
	fprintf(fp, " u0\nsandbox-paths =");
	for (i = 0; i < CONFIG_LIST_MAX / 2; i++)
		fprintf(fp, " /p%d", i);
	fprintf(fp, "\nextra-sandbox-paths =");
	for (i = CONFIG_LIST_MAX / 2; i < CONFIG_LIST_MAX; i++)
		fprintf(fp, " /p%d", i);
	fprintf(fp, " /p0\n");
	fflush(fp);
	if (parse(text, len, &conf, &errs) == -1)
		errx(1, "full lists: %s", errs);
	if (conf.conf_trusted_users.cl_nwords != CONFIG_LIST_MAX ||
	    conf.conf_nsandbox_paths != CONFIG_LIST_MAX)
		errx(1, "full lists: got %zu and %zu entries",
		    conf.conf_trusted_users.cl_nwords,
		    conf.conf_nsandbox_paths);
	config_free(&conf);
	free(errs);
	fprintf(fp, "extra-sandbox-paths = /x\nextra-trusted-users = a b\n");
	fclose(fp);
	if (parse(text, len, &conf, &errs) != -1)
		errx(1, "over full lists: parsed");
	snprintf(want, sizeof(want), "t.conf:4: sandbox-paths: more than %d "
	    "entries\nt.conf:5: trusted-users: more than %d entries\n",
	    CONFIG_LIST_MAX, CONFIG_LIST_MAX);
	expect_str("over full lists", errs, want);
	free(errs);
	free(text);
	printf("list limits: ok\n");

	/* Were line 2 kept in part, line 3 would give /b twice. */
	if (parse_str("sandbox-paths = /a\nextra-sandbox-paths = /b=/x c\n"
	    "extra-sandbox-paths = /b=/y\ntrusted-users = a\n"
	    "extra-trusted-users = b C\nextra-trusted-users = b\n", &conf,
	    &errs) != -1)
		errx(1, "undo: parsed");
	expect_str("undo", errs, "t.conf:2: sandbox-paths: 'c' is not an "
	    "absolute path\nt.conf:5: trusted-users: 'C' is not a user "
	    "name, '@group' or '*'\n");
	free(errs);
	printf("bad extra- lines undone: ok\n");
}

static void
test_bad(void)
{
	struct rnixd_conf	 conf, saved;
	char			*errs;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* A failed parse must not touch the struct it was given. */
		memset(&conf, 0xa5, sizeof(conf));
		saved = conf;
		if (parse_str(bad[i].in, &conf, &errs) != -1)
			errx(1, "bad \"%s\": parsed", bad[i].in);
		expect_str(bad[i].in, errs, bad[i].want);
		if (memcmp(&conf, &saved, sizeof(conf)) != 0)
			errx(1, "bad \"%s\": struct changed", bad[i].in);
		free(errs);
		printf("bad: %s", bad[i].want);
	}
}

/* extra-, last-wins, comments, line numbering. */
static void
test_syntax(void)
{
	struct rnixd_conf	 conf;
	char			*errs;
	const char		*text;

	text = "trusted-users = a\n"
	    "extra-trusted-users = b a c\n"
	    "extra-allowed-users = @wheel\n"
	    "extra-sandbox-paths = /x\n"
	    "extra-sandbox-paths = /y=/z? /x\n"
	    "experimental-features = flakes\n"
	    "extra-experimental-features = recursive-nix\n"
	    "extra-system-features = kvm benchmark\n"
	    "max-jobs = 2\n"
	    "max-jobs = 3 # the last one wins\n";
	if (parse_str(text, &conf, &errs) == -1)
		errx(1, "extra: %s", errs);
	expect_str("extra-trusted-users", print_setting(&conf,
	    "trusted-users"), "a b c");
	expect_str("extra-allowed-users", print_setting(&conf,
	    "allowed-users"), "* @wheel");
	expect_str("extra-sandbox-paths", print_setting(&conf,
	    "sandbox-paths"), "/x /y=/z?");
	if (conf.conf_nsandbox_paths != 2 ||
	    strcmp(conf.conf_sandbox_paths[1].cb_target, "/y") != 0 ||
	    strcmp(conf.conf_sandbox_paths[1].cb_source, "/z") != 0 ||
	    !conf.conf_sandbox_paths[1].cb_optional ||
	    conf.conf_sandbox_paths[0].cb_optional)
		errx(1, "extra-sandbox-paths: wrong entries");
	if (conf.conf_experimental_features !=
	    (1U << XP_FLAKES | 1U << XP_RECURSIVE_NIX))
		errx(1, "extra-experimental-features: got %#x",
		    conf.conf_experimental_features);
	expect_str("extra-system-features", print_setting(&conf,
	    "system-features"), "benchmark big-parallel kvm");
	if (conf.conf_max_jobs != 3)
		errx(1, "last wins: max-jobs %u, expected 3",
		    conf.conf_max_jobs);
	config_free(&conf);
	free(errs);
	printf("extra- and last-wins: ok\n");

	/* A plain setting after extra- replaces what extra- added. */
	text = "extra-trusted-users = a\ntrusted-users = b\n"
	    "extra-trusted-users = c\n"
	    "sandbox-paths = /a\nsandbox-paths = /b\n"
	    "extra-system-features =\n";
	if (parse_str(text, &conf, &errs) == -1)
		errx(1, "replace: %s", errs);
	expect_str("replace trusted-users", print_setting(&conf,
	    "trusted-users"), "b c");
	expect_str("replace sandbox-paths", print_setting(&conf,
	    "sandbox-paths"), "/b");
	expect_str("empty extra-", print_setting(&conf, "system-features"),
	    "benchmark big-parallel");
	config_free(&conf);
	free(errs);
	printf("plain after extra-: ok\n");

	/* CRLF lines, a '#' glued to a value, no final newline. */
	text = "# rnixd\r\nmax-jobs = 5#five\r\n\r\ncores = 2";
	if (parse_str(text, &conf, &errs) == -1)
		errx(1, "crlf: %s", errs);
	if (conf.conf_max_jobs != 5 || conf.conf_cores != 2)
		errx(1, "crlf: got %u %u, expected 5 2", conf.conf_max_jobs,
		    conf.conf_cores);
	config_free(&conf);
	free(errs);
	printf("comments and CRLF: ok\n");
}

static void
test_features(void)
{
	struct rnixd_conf	  conf;
	const char		**features;
	char			 *errs;
	size_t			  n;

	config_init_defaults(&conf);
	if (config_is_enabled_feature(&conf, XP_RECURSIVE_NIX) ||
	    config_has_system_feature(&conf, "recursive-nix"))
		errx(1, "recursive-nix on by default");
	if (!config_has_system_feature(&conf, "big-parallel") ||
	    config_has_system_feature(&conf, "kvm"))
		errx(1, "default system features wrong");
	if ((features = config_system_features(&conf, &n)) == NULL)
		err(1, "config_system_features");
	if (n != 2 || strcmp(features[0], "benchmark") != 0 ||
	    strcmp(features[1], "big-parallel") != 0 || features[2] != NULL)
		errx(1, "default effective features wrong (%zu)", n);
	free(features);
	if (config_max_jobs(&conf) != 1)
		errx(1, "config_max_jobs: got %u, expected 1",
		    config_max_jobs(&conf));
	config_free(&conf);

	if (parse_str("experimental-features = recursive-nix flakes\n"
	    "system-features = kvm\nmax-jobs = auto\n", &conf, &errs) == -1)
		errx(1, "features: %s", errs);
	free(errs);
	if (!config_is_enabled_feature(&conf, XP_RECURSIVE_NIX) ||
	    !config_is_enabled_feature(&conf, XP_FLAKES) ||
	    config_is_enabled_feature(&conf, XP_NIX_COMMAND) ||
	    config_is_enabled_feature(&conf, XP_COUNT))
		errx(1, "config_is_enabled_feature wrong");
	if ((features = config_system_features(&conf, &n)) == NULL)
		err(1, "config_system_features");
	if (n != 2 || strcmp(features[0], "kvm") != 0 ||
	    strcmp(features[1], "recursive-nix") != 0 || features[2] != NULL)
		errx(1, "effective features: got %zu, expected kvm "
		    "recursive-nix", n);
	free(features);
	if (!config_has_system_feature(&conf, "recursive-nix") ||
	    config_has_system_feature(&conf, "benchmark"))
		errx(1, "config_has_system_feature wrong");
	if (config_max_jobs(&conf) != (unsigned int)sysconf(
	    _SC_NPROCESSORS_ONLN))
		errx(1, "max-jobs auto: got %u, expected %ld",
		    config_max_jobs(&conf), sysconf(_SC_NPROCESSORS_ONLN));
	config_free(&conf);

	/* Listed explicitly as well: still once. */
	if (parse_str("experimental-features = recursive-nix\n"
	    "system-features = recursive-nix\n", &conf, &errs) == -1)
		errx(1, "features: %s", errs);
	free(errs);
	if ((features = config_system_features(&conf, &n)) == NULL)
		err(1, "config_system_features");
	if (n != 1 || strcmp(features[0], "recursive-nix") != 0)
		errx(1, "recursive-nix twice: got %zu features", n);
	free(features);
	config_free(&conf);
	printf("features: ok\n");
}

static void
test_cross(void)
{
	struct rnixd_conf	 conf;
	char			*errs;

	/* Distinct users and separate directories are fine. */
	if (parse_str("store-user = a\nbuilder-user = b\nmount-user = c\n"
	    "store-dir = /s\nstate-dir = /st\nlog-dir = /s2/log\n"
	    "daemon-socket = /sock\nbuild-users-group = a\n", &conf,
	    &errs) == -1)
		errx(1, "cross: %s", errs);
	config_free(&conf);
	free(errs);
	/* Only when every line was good, not to repeat errors. */
	if (parse_str("store-user = root\nmax-jobs = x\n", &conf, &errs) != -1)
		errx(1, "cross after error: parsed");
	expect_str("cross after error", errs,
	    "t.conf:2: max-jobs: 'x' is not a number or 'auto'\n");
	free(errs);
	printf("checks across settings: ok\n");
}

static void
test_hostile(void)
{
	struct rnixd_conf	 conf;
	char			*buf, *errs, want[128];
	size_t			 i, len, nlines;
	unsigned int		 seed;

	/* NUL inside a value, and inside a comment. */
	if (parse("max-jobs = 1\0 2\n", 16, &conf, &errs) != -1)
		errx(1, "NUL: parsed");
	expect_str("NUL", errs, "t.conf:1: NUL byte in line\n");
	free(errs);
	if (parse("\n# a\0b\n", 7, &conf, &errs) != -1)
		errx(1, "NUL in comment: parsed");
	expect_str("NUL in comment", errs, "t.conf:2: NUL byte in line\n");
	free(errs);
	printf("hostile: NUL: ok\n");

	/* A 100 KB line; the limit itself is fine. */
	len = 100 * 1024;
	if ((buf = malloc(len + 32)) == NULL)
		err(1, NULL);
	memset(buf, 'a', len);
	memcpy(buf, "max-jobs = 1\n", 13);
	if (parse(buf, len, &conf, &errs) != -1)
		errx(1, "long line: parsed");
	snprintf(want, sizeof(want), "t.conf:2: line is longer than %d "
	    "bytes\n", CONFIG_LINE_MAX);
	expect_str("long line", errs, want);
	free(errs);
	memset(buf, ' ', CONFIG_LINE_MAX);
	memcpy(buf + CONFIG_LINE_MAX - 12, "# at the end", 12);
	if (parse(buf, CONFIG_LINE_MAX, &conf, &errs) == -1)
		errx(1, "line at the limit: %s", errs);
	config_free(&conf);
	free(errs);
	buf[CONFIG_LINE_MAX] = '\n';
	if (parse(buf, CONFIG_LINE_MAX + 1, &conf, &errs) == -1)
		errx(1, "line at the limit: %s", errs);
	config_free(&conf);
	free(errs);
	memset(buf, 'x', len);
	buf[len - 1] = '\n';
	for (i = 0; i + CONFIG_LINE_MAX < len; i += CONFIG_LINE_MAX + 1) {
		/* A word per line long enough to be cut in the message. */
		memcpy(buf + i, "trusted-users = ", 16);
		buf[i + CONFIG_LINE_MAX] = '\n';
	}
	if (parse(buf, len, &conf, &errs) != -1)
		errx(1, "long names: parsed");
	if (strlen(errs) > 200 * CONFIG_ERRORS_MAX)
		errx(1, "long names: %zu bytes of errors", strlen(errs));
	free(errs);
	printf("hostile: long lines: ok\n");

	/* Many bad lines: CONFIG_ERRORS_MAX of them, then a last word. */
	for (i = 0; i < 100; i++)
		memcpy(buf + i * 4, "x=\n\n", 4);
	if (parse(buf, 400, &conf, &errs) != -1)
		errx(1, "many errors: parsed");
	for (nlines = 0, i = 0; errs[i] != '\0'; i++)
		nlines += errs[i] == '\n';
	if (nlines != CONFIG_ERRORS_MAX + 1 || strstr(errs,
	    "t.conf: too many errors, giving up\n") == NULL)
		errx(1, "many errors: got %zu lines: %s", nlines, errs);
	free(errs);
	printf("hostile: error limit: ok\n");

	/* Binary junk. */
	for (seed = 1; seed <= 200; seed++) {
		srandom(seed);
		for (i = 0; i < len; i++)
			buf[i] = random();
		if (parse(buf, 1 + random() % len, &conf, &errs) != -1)
			errx(1, "junk %u: parsed", seed);
		free(errs);
	}
	printf("hostile: binary junk: ok\n");
	free(buf);
}

static void
test_files(void)
{
	struct rnixd_conf	 conf;
	char			 dir[] = "/tmp/t_config.XXXXXX", path[64];
	char			 want[128], *errs, *big;
	FILE			*fp, *efp;
	size_t			 errlen, i;

	if (mkdtemp(dir) == NULL)
		err(1, "mkdtemp");
	snprintf(path, sizeof(path), "%s/rnixd.conf", dir);
	if ((efp = open_memstream(&errs, &errlen)) == NULL)
		err(1, "open_memstream");
	if (config_parse_file(path, &conf, efp) != -1)
		errx(1, "missing file: parsed");
	fflush(efp);
	snprintf(want, sizeof(want), "%s: No such file or directory\n", path);
	expect_str("missing file", errs, want);
	rewind(efp);
	if (config_parse_file(dir, &conf, efp) != -1)
		errx(1, "directory: parsed");
	fputc('\0', efp);
	fflush(efp);
	snprintf(want, sizeof(want), "%s: Is a directory\n", dir);
	expect_str("directory", errs, want);

	if ((fp = fopen(path, "w")) == NULL)
		err(1, "%s", path);
	fprintf(fp, "# test\nmax-jobs = 9\nmax-silent = 1\n");
	fclose(fp);
	rewind(efp);
	if (config_parse_file(path, &conf, efp) != -1)
		errx(1, "file with error: parsed");
	fputc('\0', efp);
	fflush(efp);
	snprintf(want, sizeof(want), "%s:3: unknown setting 'max-silent'\n",
	    path);
	expect_str("file with error", errs, want);

	if ((fp = fopen(path, "w")) == NULL)
		err(1, "%s", path);
	fprintf(fp, "# test\nmax-jobs = 9\n");
	fclose(fp);
	if (config_parse_file(path, &conf, NULL) == -1)
		errx(1, "good file did not parse");
	if (conf.conf_max_jobs != 9)
		errx(1, "good file: max-jobs %u", conf.conf_max_jobs);
	config_free(&conf);

	/* Too large, even if it is all comment. */
	if ((big = malloc(CONFIG_FILE_MAX + 1)) == NULL)
		err(1, NULL);
	memset(big, '#', CONFIG_FILE_MAX + 1);
	for (i = 99; i < CONFIG_FILE_MAX + 1; i += 100)
		big[i] = '\n';
	if ((fp = fopen(path, "w")) == NULL)
		err(1, "%s", path);
	fwrite(big, 1, CONFIG_FILE_MAX + 1, fp);
	fclose(fp);
	free(big);
	rewind(efp);
	if (config_parse_file(path, &conf, efp) != -1)
		errx(1, "large file: parsed");
	fputc('\0', efp);
	fflush(efp);
	snprintf(want, sizeof(want), "%s: file is larger than %d bytes\n",
	    path, CONFIG_FILE_MAX);
	expect_str("large file", errs, want);
	fclose(efp);
	free(errs);
	if (truncate(path, CONFIG_FILE_MAX) == -1)
		err(1, "truncate");
	if (config_parse_file(path, &conf, NULL) == -1)
		errx(1, "file at the limit did not parse");
	config_free(&conf);
	unlink(path);
	rmdir(dir);
	printf("files: ok\n");
}

/*
 * Random configurations: the generator keeps the expected result as it
 * writes lines, so the parse is checked against it, then print and
 * parse again must give an equal configuration and the same text.
 */
static const char *const pool_store[] = { "/nix/store", "/s", "/gnu/store",
    "/a/b.c/store" };
static const char *const pool_state[] = { "/nix/var/nix", "/var/lib/x" };
static const char *const pool_log[] = { "/nix/var/log/nix", "/var/log/x" };
static const char *const pool_socket[] = { "/run/rnixd", "/t/socket" };
static const char *const pool_store_user[] = { "_rnixd", "_s", "store" };
static const char *const pool_builder_user[] = { "_rnixd-builder", "b1" };
static const char *const pool_mount_user[] = { "_rnixd-mount", "m-2_" };
static const char *const pool_group[] = { "nixbld", "_build", "wheel" };
static const char *const pool_users[] = { "root", "*", "@wheel", "alice",
    "_x", "@nixbld" };
static const char *const pool_features[] = { "kvm", "benchmark",
    "big-parallel", "nixos-test", "recursive-nix", "gccarch-x86-64-v3" };
static const char *const pool_xp[] = { "ca-derivations", "flakes",
    "impure-derivations", "nix-command", "no-url-literals",
    "recursive-nix" };
/* Each target once, so repeats are the identical entry. */
static const char *const pool_binds[] = { "/bin/sh=/nix/store/x-bb/bin/sh",
    "/etc/hosts?", "/usr/bin/env=/e/env?", "/dev/kvm", "/a=/a" };
static const char *const pool_binds_canon[] = {
    "/bin/sh=/nix/store/x-bb/bin/sh", "/etc/hosts?", "/usr/bin/env=/e/env?",
    "/dev/kvm", "/a" };
static const char *const pool_blank[] = { " ", "\t", "  ", " \t " };

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define PICK(a)		((a)[random() % NELEM(a)])

static void
gen_words(FILE *fp, const char *const *pool, size_t npool, int *chosen)
{
	size_t	i, n, k;

	n = random() % 5;
	for (i = 0; i < n; i++) {
		k = random() % npool;
		fprintf(fp, "%s%s", PICK(pool_blank), pool[k]);
		chosen[k] = 1;
	}
}

/* Expected list: append the chosen words not yet present, in order. */
static void
expect_words(struct config_list *list, const char *const *canon,
    const int *order, size_t n)
{
	size_t	i, j;
	char	**w;

	for (i = 0; i < n; i++) {
		for (j = 0; j < list->cl_nwords; j++)
			if (strcmp(list->cl_words[j], canon[order[i]]) == 0)
				break;
		if (j < list->cl_nwords)
			continue;
		w = reallocarray(list->cl_words, list->cl_nwords + 1,
		    sizeof(*w));
		if (w == NULL || (w[list->cl_nwords] =
		    strdup(canon[order[i]])) == NULL)
			err(1, NULL);
		list->cl_words = w;
		list->cl_nwords++;
	}
}

/* One list line; the expected list follows what it says. */
static void
gen_list(FILE *fp, const char *name, struct config_list *list,
    const char *const *pool, const char *const *canon, size_t npool)
{
	int	order[8];
	size_t	i, n;
	int	append = random() % 2;

	fprintf(fp, "%s%s%s=", append ? "extra-" : "", name,
	    PICK(pool_blank));
	n = random() % 6;
	for (i = 0; i < n; i++) {
		order[i] = random() % npool;
		fprintf(fp, "%s%s", PICK(pool_blank), pool[order[i]]);
	}
	if (!append)
		config_list_free(list);
	expect_words(list, canon, order, n);
}

static void
set_str(char **field, const char *value)
{
	free(*field);
	if ((*field = strdup(value)) == NULL)
		err(1, NULL);
}

/* The expected sandbox paths kept as their canonical words. */
static struct config_list	exp_binds;

static void
gen_line(FILE *fp, struct rnixd_conf *exp)
{
	unsigned int	v;
	int		chosen[8] = { 0 };
	size_t		i;

	switch (random() % 17) {
	case 0:
		set_str(&exp->conf_store_dir, PICK(pool_store));
		fprintf(fp, "store-dir = %s", exp->conf_store_dir);
		break;
	case 1:
		set_str(&exp->conf_state_dir, PICK(pool_state));
		fprintf(fp, "state-dir = %s", exp->conf_state_dir);
		break;
	case 2:
		set_str(&exp->conf_log_dir, PICK(pool_log));
		fprintf(fp, "log-dir\t=\t%s", exp->conf_log_dir);
		break;
	case 3:
		set_str(&exp->conf_daemon_socket, PICK(pool_socket));
		fprintf(fp, "daemon-socket = %s", exp->conf_daemon_socket);
		break;
	case 4:
		set_str(&exp->conf_store_user, PICK(pool_store_user));
		fprintf(fp, "store-user = %s", exp->conf_store_user);
		break;
	case 5:
		set_str(&exp->conf_builder_user, PICK(pool_builder_user));
		fprintf(fp, "builder-user = %s", exp->conf_builder_user);
		break;
	case 6:
		set_str(&exp->conf_mount_user, PICK(pool_mount_user));
		fprintf(fp, "mount-user = %s", exp->conf_mount_user);
		break;
	case 7:
		set_str(&exp->conf_build_users_group, PICK(pool_group));
		fprintf(fp, "build-users-group = %s",
		    exp->conf_build_users_group);
		break;
	case 8:
		gen_list(fp, "trusted-users", &exp->conf_trusted_users,
		    pool_users, pool_users, NELEM(pool_users));
		break;
	case 9:
		gen_list(fp, "allowed-users", &exp->conf_allowed_users,
		    pool_users, pool_users, NELEM(pool_users));
		break;
	case 10:
		v = random() % 3 == 0 ? 0 : 1 + random() % 64;
		exp->conf_max_jobs = v;
		if (v == 0)
			fprintf(fp, "max-jobs = auto");
		else
			fprintf(fp, "max-jobs = %s%u", random() % 4 ? "" :
			    "00", v);
		break;
	case 11:
		exp->conf_cores = random() % 65536;
		fprintf(fp, "cores = %u", exp->conf_cores);
		break;
	case 12:
		exp->conf_timeout = random() % 2147483648U;
		fprintf(fp, "timeout = %u", exp->conf_timeout);
		break;
	case 13:
		exp->conf_max_silent_time = random() % 100000;
		fprintf(fp, "max-silent-time = %u",
		    exp->conf_max_silent_time);
		break;
	case 14:
		gen_list(fp, "sandbox-paths", &exp_binds, pool_binds,
		    pool_binds_canon, NELEM(pool_binds));
		break;
	case 15:
		if (random() % 2)
			fprintf(fp, "extra-");
		else
			exp->conf_experimental_features = 0;
		fprintf(fp, "experimental-features =");
		gen_words(fp, pool_xp, NELEM(pool_xp), chosen);
		for (i = 0; i < NELEM(pool_xp); i++)
			if (chosen[i])
				exp->conf_experimental_features |= 1U << i;
		break;
	case 16:
		gen_list(fp, "system-features", &exp->conf_system_features,
		    pool_features, pool_features, NELEM(pool_features));
		break;
	}
	if (random() % 4 == 0)
		fprintf(fp, "%s# a comment = x", PICK(pool_blank));
	fprintf(fp, "%s\n", random() % 4 ? "" : PICK(pool_blank));
	if (random() % 5 == 0)
		fprintf(fp, "%s\n", random() % 2 ? "" : "# comment");
}

/* "target[=source][?]" words, canonical, into the expected struct. */
static void
binds_from_words(struct rnixd_conf *exp, const struct config_list *words)
{
	struct config_bind	*b;
	char			*eq;
	size_t			 i, len;

	free(exp->conf_sandbox_paths);
	exp->conf_nsandbox_paths = words->cl_nwords;
	if ((exp->conf_sandbox_paths = calloc(words->cl_nwords + 1,
	    sizeof(*b))) == NULL)
		err(1, NULL);
	for (i = 0; i < words->cl_nwords; i++) {
		b = &exp->conf_sandbox_paths[i];
		if ((b->cb_target = strdup(words->cl_words[i])) == NULL)
			err(1, NULL);
		len = strlen(b->cb_target);
		if ((b->cb_optional = b->cb_target[len - 1] == '?'))
			b->cb_target[len - 1] = '\0';
		if ((eq = strchr(b->cb_target, '=')) != NULL)
			*eq++ = '\0';
		if ((b->cb_source = strdup(eq != NULL ? eq :
		    b->cb_target)) == NULL)
			err(1, NULL);
	}
}

static void
test_roundtrip(void)
{
	struct rnixd_conf	 exp, c1, c2;
	FILE			*fp;
	char			*text, *text1, *text2, *errs;
	size_t			 len, i, nlines;
	unsigned int		 seed;

	for (seed = 1; seed <= 1000; seed++) {
		srandom(seed);
		config_init_defaults(&exp);
		config_list_free(&exp_binds);
		if ((fp = open_memstream(&text, &len)) == NULL)
			err(1, "open_memstream");
		nlines = random() % 40;
		for (i = 0; i < nlines; i++)
			gen_line(fp, &exp);
		fclose(fp);
		binds_from_words(&exp, &exp_binds);
		if (parse(text, len, &c1, &errs) == -1)
			errx(1, "random %u: %s\n%s", seed, errs, text);
		free(errs);
		conf_equal("random parse", &c1, &exp);
		text1 = print_conf(&c1);
		if (parse_str(text1, &c2, &errs) == -1)
			errx(1, "random %u: canonical text: %s\n%s", seed,
			    errs, text1);
		free(errs);
		conf_equal("round trip", &c2, &c1);
		text2 = print_conf(&c2);
		expect_str("canonical text twice", text2, text1);
		config_free(&exp);
		config_free(&c1);
		config_free(&c2);
		free(text);
		free(text1);
		free(text2);
	}
	config_list_free(&exp_binds);
	printf("random round trips: ok\n");
}

/*
 * Byte flips in a good configuration: whatever the parser accepts must
 * still print and parse back equal.
 */
static void
test_mutations(void)
{
	static const char	 base[] = "store-dir = /nix/store\n"
	    "max-jobs = auto\ncores = 4 # four\n"
	    "sandbox-paths = /bin/sh=/x/sh? /etc\n"
	    "extra-trusted-users = @wheel alice\n"
	    "experimental-features = recursive-nix\n"
	    "system-features = kvm\n";
	struct rnixd_conf	 c1, c2;
	char			 text[sizeof(base)], *errs, *text1;
	unsigned int		 seed, nok = 0;
	int			 i;

	for (seed = 1; seed <= 20000; seed++) {
		srandom(seed);
		memcpy(text, base, sizeof(base));
		for (i = random() % 4; i >= 0; i--)
			text[random() % (sizeof(base) - 1)] =
			    random() % 2 ? random() : " =#?/\n@-"[random() % 8];
		if (parse(text, sizeof(base) - 1, &c1, &errs) == -1) {
			free(errs);
			continue;
		}
		free(errs);
		nok++;
		text1 = print_conf(&c1);
		if (parse_str(text1, &c2, &errs) == -1)
			errx(1, "mutation %u: canonical text: %s", seed, errs);
		free(errs);
		conf_equal("mutation round trip", &c2, &c1);
		config_free(&c1);
		config_free(&c2);
		free(text1);
	}
	printf("mutations: ok (%u of 20000 parsed)\n", nok);
}

/* An empty text may come as NULL (a fuzzer's empty input does). */
static void
test_empty_null(void)
{
	struct rnixd_conf	 conf;
	char			*errs;

	if (parse(NULL, 0, &conf, &errs) == -1)
		errx(1, "empty NULL text: %s", errs);
	free(errs);
	config_free(&conf);
	printf("empty NULL text: ok\n");
}

int
main(void)
{
	/* Keep stdout and the errx() line in order in the runner's log. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_defaults();
	test_empty_null();
	test_good();
	test_bad();
	test_lengths();
	test_limits();
	test_syntax();
	test_features();
	test_cross();
	test_hostile();
	test_files();
	test_roundtrip();
	test_mutations();
	return (0);
}
