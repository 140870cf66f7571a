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
 * rnixd.conf parser.  The syntax is nix.conf's: a '#' starts a comment
 * wherever it is, a line holds "name = value" with '=' a word of its
 * own, the value is the remaining words, "extra-<name>" appends to a
 * list.  Unlike Nix, anything unknown or invalid is an error, never a
 * warning: the daemon must not run with settings other than the ones
 * its administrator believes it has.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

enum config_type {
	CT_PATH,	/* absolute path in canonical form */
	CT_USER,	/* a user name */
	CT_GROUP,	/* a group name */
	CT_JOBS,	/* a number or "auto" */
	CT_UINT,	/* a number */
	CT_USERS,	/* list of user names, "@group" and "*" */
	CT_BINDS,	/* list of sandbox paths */
	CT_XP,		/* list of experimental features */
	CT_WORDS	/* list of feature names */
};

struct config_setting {
	const char		*cs_name;
	enum config_type	 cs_type;
	size_t			 cs_off;	/* in struct rnixd_conf */
	unsigned int		 cs_min;	/* numbers */
	unsigned int		 cs_max;	/* numbers; bytes of paths */
	const char		*cs_default;	/* as it would be written */
};

#define OFF(f)	offsetof(struct rnixd_conf, f)

/* Indexes into config_settings[], for the checks across settings. */
enum config_index {
	CI_STORE_DIR,
	CI_STATE_DIR,
	CI_LOG_DIR,
	CI_DAEMON_SOCKET,
	CI_STORE_USER,
	CI_BUILDER_USER,
	CI_MOUNT_USER,
	CI_BUILD_USERS_GROUP,
	CI_TRUSTED_USERS,
	CI_ALLOWED_USERS,
	CI_MAX_JOBS,
	CI_CORES,
	CI_TIMEOUT,
	CI_MAX_SILENT_TIME,
	CI_SANDBOX_PATHS,
	CI_MAX_CONN_USER,
	CI_MAX_CONN_BUILD,
	CI_HANDSHAKE_TIMEOUT,
	CI_IDLE_TIMEOUT,
	CI_REQUEST_MEMORY,
	CI_EXPERIMENTAL_FEATURES,
	CI_SYSTEM_FEATURES,
	NSETTINGS
};

/*
 * Every setting, in the order config_print writes them and rnixd.conf(5)
 * documents them.
 */
static const struct config_setting config_settings[NSETTINGS] = {
	[CI_STORE_DIR] = { "store-dir", CT_PATH, OFF(conf_store_dir), 0,
	    CONFIG_STOREDIR_MAX, "/nix/store" },
	[CI_STATE_DIR] = { "state-dir", CT_PATH, OFF(conf_state_dir), 0,
	    PATH_MAX - 1, "/nix/var/nix" },
	[CI_LOG_DIR] = { "log-dir", CT_PATH, OFF(conf_log_dir), 0,
	    PATH_MAX - 1, "/nix/var/log/nix" },
	[CI_DAEMON_SOCKET] = { "daemon-socket", CT_PATH,
	    OFF(conf_daemon_socket), 0, CONFIG_SOCKET_MAX,
	    "/nix/var/nix/daemon-socket/socket" },
	[CI_STORE_USER] = { "store-user", CT_USER, OFF(conf_store_user),
	    0, 0, "_rnixd" },
	[CI_BUILDER_USER] = { "builder-user", CT_USER,
	    OFF(conf_builder_user), 0, 0, "_rnixd-builder" },
	[CI_MOUNT_USER] = { "mount-user", CT_USER, OFF(conf_mount_user),
	    0, 0, "_rnixd-mount" },
	[CI_BUILD_USERS_GROUP] = { "build-users-group", CT_GROUP,
	    OFF(conf_build_users_group), 0, 0, "nixbld" },
	[CI_TRUSTED_USERS] = { "trusted-users", CT_USERS,
	    OFF(conf_trusted_users), 0, 0, "root" },
	[CI_ALLOWED_USERS] = { "allowed-users", CT_USERS,
	    OFF(conf_allowed_users), 0, 0, "*" },
	[CI_MAX_JOBS] = { "max-jobs", CT_JOBS, OFF(conf_max_jobs), 1,
	    CONFIG_JOBS_MAX, "1" },
	[CI_CORES] = { "cores", CT_UINT, OFF(conf_cores), 0,
	    CONFIG_JOBS_MAX, "0" },
	[CI_TIMEOUT] = { "timeout", CT_UINT, OFF(conf_timeout), 0,
	    CONFIG_UINT_MAX, "0" },
	[CI_MAX_SILENT_TIME] = { "max-silent-time", CT_UINT,
	    OFF(conf_max_silent_time), 0, CONFIG_UINT_MAX, "0" },
	[CI_SANDBOX_PATHS] = { "sandbox-paths", CT_BINDS,
	    OFF(conf_sandbox_paths), 0, PATH_MAX - 1, "" },
	[CI_MAX_CONN_USER] = { "max-connections-per-user", CT_UINT,
	    OFF(conf_max_conn_user), 1, CONFIG_CONN_MAX, "64" },
	[CI_MAX_CONN_BUILD] = { "max-connections-per-build", CT_UINT,
	    OFF(conf_max_conn_build), 1, CONFIG_CONN_MAX, "64" },
	[CI_HANDSHAKE_TIMEOUT] = { "handshake-timeout", CT_UINT,
	    OFF(conf_handshake_timeout), 1, CONFIG_UINT_MAX, "10" },
	[CI_IDLE_TIMEOUT] = { "idle-timeout", CT_UINT,
	    OFF(conf_idle_timeout), 0, CONFIG_UINT_MAX, "3600" },
	/* One whole request (16 MiB) and a read must fit. */
	[CI_REQUEST_MEMORY] = { "max-request-memory", CT_UINT,
	    OFF(conf_request_memory), CONFIG_REQMEM_MIN, CONFIG_UINT_MAX,
	    "268435456" },
	[CI_EXPERIMENTAL_FEATURES] = { "experimental-features", CT_XP,
	    OFF(conf_experimental_features), 0, 0, "" },
	[CI_SYSTEM_FEATURES] = { "system-features", CT_WORDS,
	    OFF(conf_system_features), 0, 0, "benchmark big-parallel" },
};

/* Indexed by enum config_xp; alphabetical, as Nix prints them. */
static const char *const config_xp_names[XP_COUNT] = {
	"ca-derivations",
	"flakes",
	"impure-derivations",
	"nix-command",
	"no-url-literals",
	"recursive-nix",
};

#define CONFIG_QUOTE_MAX	64	/* bytes of a value quoted in errors */
#define CONFIG_FEATURE_MAX	64	/* bytes of a system feature name */

struct config_parser {
	const char		*cp_name;	/* file name for messages */
	FILE			*cp_errs;
	size_t			 cp_lineno;	/* 0 outside a line */
	unsigned int		 cp_nerrors;
	size_t			 cp_setline[NSETTINGS];	/* last set at */
	struct rnixd_conf	 cp_conf;
	char			 cp_line[CONFIG_LINE_MAX + 1];
	char			*cp_words[CONFIG_LINE_MAX / 2 + 1];
};

static void	config_error(struct config_parser *, size_t, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
static void	config_error_value(struct config_parser *,
		    const struct config_setting *, const char *, const char *);
static void	*config_field(struct rnixd_conf *,
		    const struct config_setting *);
static const void *config_cfield(const struct rnixd_conf *,
		    const struct config_setting *);
static char	*config_strdup(const char *);
static struct config_parser *config_parser_new(const char *, FILE *);
static int	config_parser_finish(struct config_parser *,
		    struct rnixd_conf *);
static void	config_parse_line(struct config_parser *, const char *,
		    size_t);
static size_t	config_split(char *, char **);
static int	config_check_bytes(struct config_parser *, const char *,
		    size_t);
static int	config_is_list(const struct config_setting *);
static const struct config_setting *config_lookup(struct config_parser *,
		    const char *, int *);
static int	config_set(struct config_parser *,
		    const struct config_setting *, char **, size_t, int);
static int	config_set_one(struct config_parser *,
		    const struct config_setting *, char **, size_t);
static int	config_set_number(struct config_parser *,
		    const struct config_setting *, const char *);
static int	config_set_words(struct config_parser *,
		    const struct config_setting *, char **, size_t, int);
static int	config_list_full(struct config_parser *,
		    const struct config_setting *, size_t);
static int	config_set_binds(struct config_parser *,
		    const struct config_setting *, char **, size_t, int);
static int	config_binds_add(struct config_parser *,
		    const struct config_setting *, struct config_bind **,
		    size_t *, struct config_bind *);
static int	config_set_xp(struct config_parser *,
		    const struct config_setting *, char **, size_t, int);
static int	config_parse_bind(struct config_parser *,
		    const struct config_setting *, char *,
		    struct config_bind *);
static const char *config_check_path(const char *, size_t, char *, size_t);
static int	config_valid_name(const char *);
static int	config_valid_user_entry(const char *);
static int	config_valid_feature(const char *);
static int	config_list_has(const struct config_list *, const char *);
static void	config_list_add(struct config_list *, const char *);
static void	config_binds_free(struct config_bind *, size_t);
static void	config_check_users(struct config_parser *);
static void	config_check_dirs(struct config_parser *);
static size_t	config_later(const struct config_parser *, enum config_index,
		    enum config_index);
static int	config_path_within(const char *, const char *);
static void	config_print_setting(FILE *, const struct rnixd_conf *,
		    const struct config_setting *);

static void
config_error(struct config_parser *cp, size_t lineno, const char *fmt, ...)
{
	va_list	ap;

	cp->cp_nerrors++;
	if (cp->cp_errs == NULL || cp->cp_nerrors > CONFIG_ERRORS_MAX)
		return;
	if (lineno > 0)
		fprintf(cp->cp_errs, "%s:%zu: ", cp->cp_name, lineno);
	else
		fprintf(cp->cp_errs, "%s: ", cp->cp_name);
	va_start(ap, fmt);
	vfprintf(cp->cp_errs, fmt, ap);
	va_end(ap);
	fputc('\n', cp->cp_errs);
}

/* "setting: 'value' why", the value cut short if it is long. */
static void
config_error_value(struct config_parser *cp, const struct config_setting *cs,
    const char *value, const char *why)
{
	config_error(cp, cp->cp_lineno, "%s: '%.*s%s' %s", cs->cs_name,
	    CONFIG_QUOTE_MAX, value,
	    strlen(value) > CONFIG_QUOTE_MAX ? "..." : "", why);
}

static void *
config_field(struct rnixd_conf *conf, const struct config_setting *cs)
{
	return ((char *)conf + cs->cs_off);
}

static const void *
config_cfield(const struct rnixd_conf *conf, const struct config_setting *cs)
{
	return ((const char *)conf + cs->cs_off);
}

static char *
config_strdup(const char *s)
{
	char	*copy;

	if ((copy = strdup(s)) == NULL)
		fatal("%s", __func__);
	return (copy);
}

/* A parser holding the defaults; fatal if they do not parse. */
static struct config_parser *
config_parser_new(const char *name, FILE *errs)
{
	struct config_parser	*cp;
	size_t			 i, nwords;

	if ((cp = calloc(1, sizeof(*cp))) == NULL)
		fatal("%s", __func__);
	cp->cp_name = "defaults";
	for (i = 0; i < NSETTINGS; i++) {
		strlcpy(cp->cp_line, config_settings[i].cs_default,
		    sizeof(cp->cp_line));
		nwords = config_split(cp->cp_line, cp->cp_words);
		if (config_set(cp, &config_settings[i], cp->cp_words, nwords,
		    0) == -1)
			fatalx("%s: bad default for %s", __func__,
			    config_settings[i].cs_name);
	}
	cp->cp_name = name;
	cp->cp_errs = errs;
	return (cp);
}

/* Checks the whole, hands over the result or discards it; frees cp. */
static int
config_parser_finish(struct config_parser *cp, struct rnixd_conf *conf)
{
	int	rv = -1;

	cp->cp_lineno = 0;
	/* Checks across settings would only repeat earlier errors. */
	if (cp->cp_nerrors == 0) {
		config_check_users(cp);
		config_check_dirs(cp);
	}
	if (cp->cp_nerrors > CONFIG_ERRORS_MAX && cp->cp_errs != NULL)
		fprintf(cp->cp_errs, "%s: too many errors, giving up\n",
		    cp->cp_name);
	if (cp->cp_nerrors == 0) {
		*conf = cp->cp_conf;
		rv = 0;
	} else
		config_free(&cp->cp_conf);
	free(cp);
	return (rv);
}

void
config_init_defaults(struct rnixd_conf *conf)
{
	struct config_parser	*cp;

	cp = config_parser_new("defaults", NULL);
	if (config_parser_finish(cp, conf) == -1)
		fatalx("%s: inconsistent defaults", __func__);
}

void
config_free(struct rnixd_conf *conf)
{
	free(conf->conf_store_dir);
	free(conf->conf_state_dir);
	free(conf->conf_log_dir);
	free(conf->conf_daemon_socket);
	free(conf->conf_store_user);
	free(conf->conf_builder_user);
	free(conf->conf_mount_user);
	free(conf->conf_build_users_group);
	config_list_free(&conf->conf_trusted_users);
	config_list_free(&conf->conf_allowed_users);
	config_binds_free(conf->conf_sandbox_paths,
	    conf->conf_nsandbox_paths);
	free(conf->conf_sandbox_paths);
	config_list_free(&conf->conf_system_features);
	memset(conf, 0, sizeof(*conf));
}

int
config_parse_file(const char *path, struct rnixd_conf *conf, FILE *errs)
{
	char	*buf;
	size_t	 len = 0;
	ssize_t	 n;
	int	 fd, rv;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errs != NULL)
			fprintf(errs, "%s: %s\n", path, strerror(errno));
		return (-1);
	}
	if ((buf = malloc(CONFIG_FILE_MAX + 1)) == NULL)
		fatal("%s", __func__);
	/* One byte past the limit tells a full file from a too large one. */
	while (len <= CONFIG_FILE_MAX && (n = read(fd, buf + len,
	    CONFIG_FILE_MAX + 1 - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			if (errs != NULL)
				fprintf(errs, "%s: %s\n", path,
				    strerror(errno));
			close(fd);
			free(buf);
			return (-1);
		}
		len += n;
	}
	close(fd);
	if (len > CONFIG_FILE_MAX) {
		if (errs != NULL)
			fprintf(errs, "%s: file is larger than %d bytes\n",
			    path, CONFIG_FILE_MAX);
		free(buf);
		return (-1);
	}
	rv = config_parse_buf(path, buf, len, conf, errs);
	free(buf);
	return (rv);
}

int
config_parse_buf(const char *name, const char *text, size_t len,
    struct rnixd_conf *conf, FILE *errs)
{
	struct config_parser	*cp;
	const char		*line, *end, *nl;

	cp = config_parser_new(name, errs);
	/* An empty text may come as NULL: no arithmetic on it then. */
	line = text;
	end = len > 0 ? text + len : text;
	while (line < end && cp->cp_nerrors <= CONFIG_ERRORS_MAX) {
		if ((nl = memchr(line, '\n', end - line)) == NULL)
			nl = end;
		cp->cp_lineno++;
		config_parse_line(cp, line, nl - line);
		line = nl + 1;
	}
	return (config_parser_finish(cp, conf));
}

static void
config_parse_line(struct config_parser *cp, const char *line, size_t len)
{
	const struct config_setting	*cs;
	const char			*hash;
	size_t				 nwords;
	int				 append;

	if (memchr(line, '\0', len) != NULL) {
		config_error(cp, cp->cp_lineno, "NUL byte in line");
		return;
	}
	if (len > CONFIG_LINE_MAX) {
		config_error(cp, cp->cp_lineno, "line is longer than %d bytes",
		    CONFIG_LINE_MAX);
		return;
	}
	/* As in nix.conf, '#' starts a comment even inside a value. */
	if ((hash = memchr(line, '#', len)) != NULL)
		len = hash - line;
	if (config_check_bytes(cp, line, len) == -1)
		return;
	memcpy(cp->cp_line, line, len);
	cp->cp_line[len] = '\0';
	if ((nwords = config_split(cp->cp_line, cp->cp_words)) == 0)
		return;
	if (strcmp(cp->cp_words[0], "include") == 0 ||
	    strcmp(cp->cp_words[0], "!include") == 0) {
		config_error(cp, cp->cp_lineno, "'%s' is not supported",
		    cp->cp_words[0]);
		return;
	}
	if (nwords < 2 || strcmp(cp->cp_words[1], "=") != 0 ||
	    strcmp(cp->cp_words[0], "=") == 0) {
		config_error(cp, cp->cp_lineno,
		    "expected 'name = value', with spaces around '='");
		return;
	}
	if ((cs = config_lookup(cp, cp->cp_words[0], &append)) == NULL)
		return;
	if (config_set(cp, cs, cp->cp_words + 2, nwords - 2, append) == 0)
		cp->cp_setline[cs - config_settings] = cp->cp_lineno;
}

/*
 * Outside comments only printable ASCII and blanks: binary junk is
 * caught here, and no value can hold what would garble a log line.
 */
static int
config_check_bytes(struct config_parser *cp, const char *s, size_t len)
{
	size_t		i;
	unsigned char	c;

	for (i = 0; i < len; i++) {
		c = s[i];
		if (c == ' ' || c == '\t' || c == '\r')
			continue;
		if (c < 0x21 || c > 0x7e) {
			config_error(cp, cp->cp_lineno, "invalid byte 0x%02x "
			    "(only printable ASCII outside comments)", c);
			return (-1);
		}
	}
	return (0);
}

/* Splits at blanks, in place, as Nix's tokenizer does; words >= len/2+1. */
static size_t
config_split(char *s, char **words)
{
	size_t	nwords = 0;

	for (;;) {
		s += strspn(s, " \t\r");
		if (*s == '\0')
			break;
		words[nwords++] = s;
		s += strcspn(s, " \t\r");
		if (*s == '\0')
			break;
		*s++ = '\0';
	}
	return (nwords);
}

static const struct config_setting *
config_lookup(struct config_parser *cp, const char *name, int *append)
{
	const struct config_setting	*cs;
	size_t				 i;

	*append = 0;
	for (i = 0; i < NSETTINGS; i++)
		if (strcmp(config_settings[i].cs_name, name) == 0)
			return (&config_settings[i]);
	if (strncmp(name, "extra-", 6) == 0) {
		for (i = 0; i < NSETTINGS; i++) {
			cs = &config_settings[i];
			if (strcmp(cs->cs_name, name + 6) != 0)
				continue;
			if (!config_is_list(cs)) {
				config_error(cp, cp->cp_lineno, "unknown "
				    "setting '%s' (%s is not a list)", name,
				    cs->cs_name);
				return (NULL);
			}
			*append = 1;
			return (cs);
		}
	}
	config_error(cp, cp->cp_lineno, "unknown setting '%.*s%s'",
	    CONFIG_QUOTE_MAX, name,
	    strlen(name) > CONFIG_QUOTE_MAX ? "..." : "");
	return (NULL);
}

static int
config_is_list(const struct config_setting *cs)
{
	return (cs->cs_type == CT_USERS || cs->cs_type == CT_BINDS ||
	    cs->cs_type == CT_XP || cs->cs_type == CT_WORDS);
}

/* Sets one setting from its value words; on error it keeps its value. */
static int
config_set(struct config_parser *cp, const struct config_setting *cs,
    char **words, size_t nwords, int append)
{
	switch (cs->cs_type) {
	case CT_PATH:
	case CT_USER:
	case CT_GROUP:
	case CT_JOBS:
	case CT_UINT:
		return (config_set_one(cp, cs, words, nwords));
	case CT_USERS:
	case CT_WORDS:
		return (config_set_words(cp, cs, words, nwords, append));
	case CT_BINDS:
		return (config_set_binds(cp, cs, words, nwords, append));
	case CT_XP:
		return (config_set_xp(cp, cs, words, nwords, append));
	}
	fatalx("%s: bad type %d", __func__, cs->cs_type);
}

static int
config_set_one(struct config_parser *cp, const struct config_setting *cs,
    char **words, size_t nwords)
{
	char		 why[64];
	const char	*bad;
	char		**field;

	if (nwords != 1) {
		config_error(cp, cp->cp_lineno, nwords == 0 ?
		    "%s: missing value" : "%s: expected one value, got %zu",
		    cs->cs_name, nwords);
		return (-1);
	}
	switch (cs->cs_type) {
	case CT_JOBS:
	case CT_UINT:
		return (config_set_number(cp, cs, words[0]));
	case CT_PATH:
		bad = config_check_path(words[0], cs->cs_max, why, sizeof(why));
		break;
	default:
		bad = config_valid_name(words[0]) ? NULL :
		    cs->cs_type == CT_USER ? "is not a valid user name" :
		    "is not a valid group name";
		break;
	}
	if (bad != NULL) {
		config_error_value(cp, cs, words[0], bad);
		return (-1);
	}
	field = config_field(&cp->cp_conf, cs);
	free(*field);
	*field = config_strdup(words[0]);
	return (0);
}

/* Decimal digits only: no sign, no blanks, no base prefix. */
static int
config_set_number(struct config_parser *cp, const struct config_setting *cs,
    const char *s)
{
	unsigned long long	 value = 0;
	unsigned int		*field = config_field(&cp->cp_conf, cs);
	char			 why[64];
	const char		*p;

	if (cs->cs_type == CT_JOBS && strcmp(s, "auto") == 0) {
		*field = 0;
		return (0);
	}
	for (p = s; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p)) {
			config_error_value(cp, cs, s, cs->cs_type == CT_JOBS ?
			    "is not a number or 'auto'" : "is not a number");
			return (-1);
		}
		if (value <= cs->cs_max)
			value = value * 10 + (*p - '0');
	}
	if (value < cs->cs_min || value > cs->cs_max) {
		snprintf(why, sizeof(why), "is out of range (%u to %u)",
		    cs->cs_min, cs->cs_max);
		config_error_value(cp, cs, s, why);
		return (-1);
	}
	*field = value;
	return (0);
}

/*
 * trusted-users, allowed-users, system-features.  extra- adds to the
 * list in place and, on error, takes its words out again.
 */
static int
config_set_words(struct config_parser *cp, const struct config_setting *cs,
    char **words, size_t nwords, int append)
{
	struct config_list	*list = config_field(&cp->cp_conf, cs);
	struct config_list	 new = { NULL, 0 };
	struct config_list	*into = append ? list : &new;
	size_t			 i, keep = into->cl_nwords;
	int			 bad = 0;

	for (i = 0; i < nwords; i++) {
		if (cs->cs_type == CT_USERS ?
		    !config_valid_user_entry(words[i]) :
		    !config_valid_feature(words[i])) {
			config_error_value(cp, cs, words[i], cs->cs_type ==
			    CT_USERS ? "is not a user name, '@group' or '*'" :
			    "is not a valid feature name");
			bad = 1;
		} else if (config_list_has(into, words[i]))
			continue;
		else if (config_list_full(cp, cs, into->cl_nwords)) {
			bad = 1;
			break;
		} else
			config_list_add(into, words[i]);
	}
	if (bad) {
		while (into->cl_nwords > keep)
			free(into->cl_words[--into->cl_nwords]);
		config_list_free(&new);
		return (-1);
	}
	if (!append) {
		config_list_free(list);
		*list = new;
	}
	return (0);
}

/* Lists are bounded so that keeping their words unique stays cheap. */
static int
config_list_full(struct config_parser *cp, const struct config_setting *cs,
    size_t nwords)
{
	if (nwords < CONFIG_LIST_MAX)
		return (0);
	config_error(cp, cp->cp_lineno, "%s: more than %d entries",
	    cs->cs_name, CONFIG_LIST_MAX);
	return (1);
}

static int
config_set_binds(struct config_parser *cp, const struct config_setting *cs,
    char **words, size_t nwords, int append)
{
	struct rnixd_conf	*conf = &cp->cp_conf;
	struct config_bind	*new = NULL, **binds, bind;
	size_t			 nnew = 0, *nbinds, i, keep;
	int			 bad = 0, rv;

	/* As in config_set_words: extra- works in place, undone on error. */
	binds = append ? &conf->conf_sandbox_paths : &new;
	nbinds = append ? &conf->conf_nsandbox_paths : &nnew;
	keep = *nbinds;
	for (i = 0; i < nwords; i++) {
		if (config_parse_bind(cp, cs, words[i], &bind) == -1) {
			bad = 1;
			continue;
		}
		rv = config_binds_add(cp, cs, binds, nbinds, &bind);
		if (rv == -1)
			bad = 1;
		else if (rv == -2) {
			bad = 1;
			break;
		}
	}
	if (bad) {
		/* Nothing added: *binds may be NULL, and NULL + 0 is UB. */
		if (*nbinds > keep)
			config_binds_free(*binds + keep, *nbinds - keep);
		*nbinds = keep;
		free(new);
		return (-1);
	}
	if (!append) {
		config_binds_free(conf->conf_sandbox_paths,
		    conf->conf_nsandbox_paths);
		free(conf->conf_sandbox_paths);
		conf->conf_sandbox_paths = new;
		conf->conf_nsandbox_paths = nnew;
	}
	return (0);
}

/*
 * Takes bind over, unless its target is there already: the very same
 * entry twice is harmless, a target with two sources is an error (-1).
 * Returns -2 if the list is full.
 */
static int
config_binds_add(struct config_parser *cp, const struct config_setting *cs,
    struct config_bind **binds, size_t *nbinds, struct config_bind *bind)
{
	struct config_bind	*b;
	size_t			 i;
	int			 rv = 0;

	for (i = 0; i < *nbinds; i++) {
		b = &(*binds)[i];
		if (strcmp(b->cb_target, bind->cb_target) != 0)
			continue;
		if (strcmp(b->cb_source, bind->cb_source) != 0 ||
		    b->cb_optional != bind->cb_optional) {
			config_error_value(cp, cs, bind->cb_target,
			    "is given twice, differently");
			rv = -1;
		}
		config_binds_free(bind, 1);
		return (rv);
	}
	if (config_list_full(cp, cs, *nbinds)) {
		config_binds_free(bind, 1);
		return (-2);
	}
	if ((b = reallocarray(*binds, *nbinds + 1, sizeof(*b))) == NULL)
		fatal("%s", __func__);
	b[(*nbinds)++] = *bind;
	*binds = b;
	return (0);
}

/* "target", "target=source", either followed by '?' (optional). */
static int
config_parse_bind(struct config_parser *cp, const struct config_setting *cs,
    char *word, struct config_bind *bind)
{
	char		 why[64], *source, *orig;
	const char	*bad;
	size_t		 len;
	int		 optional = 0;

	orig = config_strdup(word);
	len = strlen(word);
	if (len > 0 && word[len - 1] == '?') {
		optional = 1;
		word[--len] = '\0';
	}
	if ((source = strchr(word, '=')) != NULL)
		*source++ = '\0';
	else
		source = word;
	if ((bad = config_check_path(word, cs->cs_max, why,
	    sizeof(why))) != NULL ||
	    (bad = config_check_path(source, cs->cs_max, why,
	    sizeof(why))) != NULL) {
		config_error_value(cp, cs, orig, bad);
		free(orig);
		return (-1);
	}
	free(orig);
	bind->cb_target = config_strdup(word);
	bind->cb_source = config_strdup(source);
	bind->cb_optional = optional;
	bind->cb_lineno = cp->cp_lineno;
	return (0);
}

static int
config_set_xp(struct config_parser *cp, const struct config_setting *cs,
    char **words, size_t nwords, int append)
{
	unsigned int	*field = config_field(&cp->cp_conf, cs);
	unsigned int	 bits = append ? *field : 0;
	size_t		 i, xp;
	int		 bad = 0;

	for (i = 0; i < nwords; i++) {
		for (xp = 0; xp < XP_COUNT; xp++)
			if (strcmp(words[i], config_xp_names[xp]) == 0)
				break;
		if (xp == XP_COUNT) {
			config_error_value(cp, cs, words[i],
			    "is not an experimental feature of Nix 2.8");
			bad = 1;
		} else
			bits |= 1U << xp;
	}
	if (bad)
		return (-1);
	*field = bits;
	return (0);
}

/*
 * Absolute, at most max bytes, and canonical: no empty, "." or ".."
 * component and no trailing '/', so that paths compare as strings.
 * Returns NULL or why the path is bad.
 */
static const char *
config_check_path(const char *path, size_t max, char *why, size_t whylen)
{
	const char	*p, *next;
	size_t		 len;

	if (path[0] != '/')
		return ("is not an absolute path");
	if (strlen(path) > max) {
		snprintf(why, whylen, "is longer than %zu bytes", max);
		return (why);
	}
	for (p = path + 1;; p = next + 1) {
		next = strchr(p, '/');
		len = next == NULL ? strlen(p) : (size_t)(next - p);
		if (len == 0)
			return (next == NULL ? "ends with '/'" :
			    "contains '//'");
		if ((len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return ("contains a '.' or '..' component");
		if (next == NULL)
			return (NULL);
	}
}

/* [a-z_][a-z0-9_-]*, at most CONFIG_NAME_MAX: portable user names. */
static int
config_valid_name(const char *name)
{
	size_t	i;

	if (name[0] == '\0' || strlen(name) > CONFIG_NAME_MAX)
		return (0);
	if (!(islower((unsigned char)name[0]) || name[0] == '_'))
		return (0);
	for (i = 1; name[i] != '\0'; i++)
		if (!islower((unsigned char)name[i]) &&
		    !isdigit((unsigned char)name[i]) &&
		    name[i] != '_' && name[i] != '-')
			return (0);
	return (1);
}

static int
config_valid_user_entry(const char *word)
{
	if (strcmp(word, "*") == 0)
		return (1);
	if (word[0] == '@')
		return (config_valid_name(word + 1));
	return (config_valid_name(word));
}

/* Feature names as Nixpkgs uses them: big-parallel, gccarch-x86-64-v3. */
static int
config_valid_feature(const char *word)
{
	size_t	len = strlen(word);

	return (len > 0 && len <= CONFIG_FEATURE_MAX && strspn(word,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._+-") == len);
}

static int
config_list_has(const struct config_list *list, const char *word)
{
	size_t	i;

	for (i = 0; i < list->cl_nwords; i++)
		if (strcmp(list->cl_words[i], word) == 0)
			return (1);
	return (0);
}

static void
config_list_add(struct config_list *list, const char *word)
{
	char	**words;

	if ((words = reallocarray(list->cl_words, list->cl_nwords + 1,
	    sizeof(*words))) == NULL)
		fatal("%s", __func__);
	list->cl_words = words;
	list->cl_words[list->cl_nwords++] = config_strdup(word);
}

void
config_list_free(struct config_list *list)
{
	size_t	i;

	for (i = 0; i < list->cl_nwords; i++)
		free(list->cl_words[i]);
	free(list->cl_words);
	list->cl_words = NULL;
	list->cl_nwords = 0;
}

/* Frees the paths of nbinds entries, not the array that holds them. */
static void
config_binds_free(struct config_bind *binds, size_t nbinds)
{
	size_t	i;

	for (i = 0; i < nbinds; i++) {
		free(binds[i].cb_target);
		free(binds[i].cb_source);
	}
}

/*
 * The three process users must be distinct unprivileged accounts, or
 * the privilege separation between the processes is void.  (A uid 0
 * under another name is the parent's to catch, with getpwnam.)
 */
static void
config_check_users(struct config_parser *cp)
{
	static const enum config_index	 users[] = {
		CI_STORE_USER, CI_BUILDER_USER, CI_MOUNT_USER
	};
	const char			*names[3];
	size_t				 i, j;

	for (i = 0; i < 3; i++) {
		names[i] = *(char *const *)config_cfield(&cp->cp_conf,
		    &config_settings[users[i]]);
		if (strcmp(names[i], "root") == 0)
			config_error(cp, cp->cp_setline[users[i]],
			    "%s: must not be root",
			    config_settings[users[i]].cs_name);
		for (j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				config_error(cp, config_later(cp, users[i],
				    users[j]), "%s and %s are both '%s'",
				    config_settings[users[j]].cs_name,
				    config_settings[users[i]].cs_name,
				    names[i]);
	}
}

/* The store may not hold the state, the logs or the socket, nor they it. */
static void
config_check_dirs(struct config_parser *cp)
{
	static const enum config_index	 others[] = {
		CI_STATE_DIR, CI_LOG_DIR, CI_DAEMON_SOCKET
	};
	const char			*store = cp->cp_conf.conf_store_dir;
	const char			*other;
	size_t				 i;

	for (i = 0; i < 3; i++) {
		other = *(char *const *)config_cfield(&cp->cp_conf,
		    &config_settings[others[i]]);
		if (config_path_within(other, store) ||
		    config_path_within(store, other))
			config_error(cp, config_later(cp, CI_STORE_DIR,
			    others[i]), "store-dir '%s' and %s '%s' must not "
			    "be inside one another", store,
			    config_settings[others[i]].cs_name, other);
	}
}

/* The line that set the later of two settings: the one to blame. */
static size_t
config_later(const struct config_parser *cp, enum config_index a,
    enum config_index b)
{
	return (cp->cp_setline[a] > cp->cp_setline[b] ?
	    cp->cp_setline[a] : cp->cp_setline[b]);
}

/* Whether path is dir or below it; both are canonical. */
static int
config_path_within(const char *path, const char *dir)
{
	size_t	len = strlen(dir);

	return (strncmp(path, dir, len) == 0 &&
	    (path[len] == '\0' || path[len] == '/'));
}

int
config_print(FILE *fp, const struct rnixd_conf *conf)
{
	size_t	i;

	for (i = 0; i < NSETTINGS; i++)
		config_print_setting(fp, conf, &config_settings[i]);
	return (ferror(fp) ? -1 : 0);
}

static void
config_print_setting(FILE *fp, const struct rnixd_conf *conf,
    const struct config_setting *cs)
{
	const struct config_list	*list;
	const struct config_bind	*b;
	unsigned int			 value;
	size_t				 i;

	fprintf(fp, "%s =", cs->cs_name);
	switch (cs->cs_type) {
	case CT_PATH:
	case CT_USER:
	case CT_GROUP:
		fprintf(fp, " %s", *(char *const *)config_cfield(conf, cs));
		break;
	case CT_JOBS:
	case CT_UINT:
		value = *(const unsigned int *)config_cfield(conf, cs);
		if (cs->cs_type == CT_JOBS && value == 0)
			fprintf(fp, " auto");
		else
			fprintf(fp, " %u", value);
		break;
	case CT_USERS:
	case CT_WORDS:
		list = config_cfield(conf, cs);
		for (i = 0; i < list->cl_nwords; i++)
			fprintf(fp, " %s", list->cl_words[i]);
		break;
	case CT_BINDS:
		for (i = 0; i < conf->conf_nsandbox_paths; i++) {
			b = &conf->conf_sandbox_paths[i];
			fprintf(fp, " %s", b->cb_target);
			if (strcmp(b->cb_source, b->cb_target) != 0)
				fprintf(fp, "=%s", b->cb_source);
			if (b->cb_optional)
				fputc('?', fp);
		}
		break;
	case CT_XP:
		for (i = 0; i < XP_COUNT; i++)
			if (conf->conf_experimental_features & (1U << i))
				fprintf(fp, " %s", config_xp_names[i]);
		break;
	}
	fputc('\n', fp);
}

/*
 * The host side of sandbox-paths: every source must exist, but one
 * marked optional ('?'), which is skipped when missing, as Nix does.
 * Not part of the parse: only rnixd looks at host paths (at -n, at
 * start and on reload), and it says so with name:line.
 */
int
config_check_sandbox_paths(const struct rnixd_conf *conf, const char *name,
    FILE *errs)
{
	const struct config_bind	*cb;
	struct stat			 st;
	size_t				 i;
	int				 rv = 0;

	for (i = 0; i < conf->conf_nsandbox_paths; i++) {
		cb = &conf->conf_sandbox_paths[i];
		if (stat(cb->cb_source, &st) == 0 ||
		    (cb->cb_optional && errno == ENOENT))
			continue;
		if (errs != NULL)
			fprintf(errs, "%s:%zu: sandbox-paths: '%s': %s%s\n",
			    name, cb->cb_lineno, cb->cb_source,
			    strerror(errno), errno == ENOENT ? " (add '?' "
			    "to make the entry optional)" : "");
		rv = -1;
	}
	return (rv);
}

int
config_is_enabled_feature(const struct rnixd_conf *conf, enum config_xp xp)
{
	if ((unsigned int)xp >= XP_COUNT)
		return (0);
	return ((conf->conf_experimental_features & (1U << xp)) != 0);
}

/*
 * The CPU count of max-jobs = auto, read once by config_init_cpus()
 * before the caller's sandbox: glibc reads /sys, else /proc, else asks
 * sched_getaffinity(2), none of which a confined process may.
 */
static long	config_ncpus;

void
config_init_cpus(void)
{
	if ((config_ncpus = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		config_ncpus = 1;
}

unsigned int
config_max_jobs(const struct rnixd_conf *conf)
{
	if (conf->conf_max_jobs != 0)
		return (conf->conf_max_jobs);
	if (config_ncpus == 0)
		config_init_cpus();
	if (config_ncpus > CONFIG_JOBS_MAX)
		return (CONFIG_JOBS_MAX);
	return (config_ncpus);
}

const char **
config_system_features(const struct rnixd_conf *conf, size_t *nfeatures)
{
	const struct config_list	*list = &conf->conf_system_features;
	const char			**features;
	size_t				 i;

	/* Room for recursive-nix and the NULL. */
	if ((features = reallocarray(NULL, list->cl_nwords + 2,
	    sizeof(*features))) == NULL)
		return (NULL);
	for (i = 0; i < list->cl_nwords; i++)
		features[i] = list->cl_words[i];
	/* As Nix does, the experimental feature brings the system feature. */
	if (config_is_enabled_feature(conf, XP_RECURSIVE_NIX) &&
	    !config_list_has(list, "recursive-nix"))
		features[i++] = "recursive-nix";
	features[i] = NULL;
	*nfeatures = i;
	return (features);
}

int
config_has_system_feature(const struct rnixd_conf *conf, const char *feature)
{
	if (strcmp(feature, "recursive-nix") == 0 &&
	    config_is_enabled_feature(conf, XP_RECURSIVE_NIX))
		return (1);
	return (config_list_has(&conf->conf_system_features, feature));
}
