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
 * rnixd.conf: nix.conf's "name = value" syntax, parsed by hand into a
 * struct rnixd_conf.  The parent parses the file; it pushes the
 * canonical text (config_print) to its children, which parse it with
 * the same code, so every process holds an equal configuration.
 * Nothing here keeps global state or logs: errors go to the FILE the
 * caller passes, one "file:line: message" per line.
 */
#ifndef RNIXD_CONFIG_H
#define RNIXD_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#define CONFIG_FILE		"/etc/rnixd.conf"
#define CONFIG_LINE_MAX		8192	/* bytes, without the newline */
#define CONFIG_FILE_MAX		(1024 * 1024)
#define CONFIG_ERRORS_MAX	25	/* then "too many errors" */
#define CONFIG_STOREDIR_MAX	200
#define CONFIG_SOCKET_MAX	107	/* sun_path less its NUL */
#define CONFIG_NAME_MAX		32	/* user and group names */
#define CONFIG_LIST_MAX		1024	/* entries in a list setting */
#define CONFIG_UINT_MAX		2147483647U	/* timeouts, in seconds */
#define CONFIG_JOBS_MAX		65535U	/* max-jobs and cores */
#define CONFIG_CONN_MAX		1048576U /* connections of a user or build */
#define CONFIG_REQMEM_MIN	(32U * 1024 * 1024) /* max-request-memory */

/* The experimental features Nix 2.8 knows; rnixd acts on recursive-nix. */
enum config_xp {
	XP_CA_DERIVATIONS,
	XP_FLAKES,
	XP_IMPURE_DERIVATIONS,
	XP_NIX_COMMAND,
	XP_NO_URL_LITERALS,
	XP_RECURSIVE_NIX,
	XP_COUNT
};

/* A list of words, in the order given, each word once. */
struct config_list {
	char		**cl_words;
	size_t		  cl_nwords;
};

/* One sandbox-paths entry: "target", "target=source", either + "?". */
struct config_bind {
	char		*cb_target;	/* path inside the sandbox */
	char		*cb_source;	/* host path; equals target if no '=' */
	int		 cb_optional;	/* trailing '?': skip if missing */
	size_t		 cb_lineno;	/* where it was set, for messages */
};

struct rnixd_conf {
	/* Paths */
	char			*conf_store_dir;
	char			*conf_state_dir;
	char			*conf_log_dir;
	char			*conf_daemon_socket;
	/* Users and trust */
	char			*conf_store_user;
	char			*conf_builder_user;
	char			*conf_mount_user;
	char			*conf_build_users_group;
	struct config_list	 conf_trusted_users;
	struct config_list	 conf_allowed_users;
	/* Builds */
	unsigned int		 conf_max_jobs;	/* 0: "auto" */
	unsigned int		 conf_cores;	/* 0: every CPU */
	unsigned int		 conf_timeout;	/* seconds, 0: none */
	unsigned int		 conf_max_silent_time;
	struct config_bind	*conf_sandbox_paths;
	size_t			 conf_nsandbox_paths;
	/* Clients */
	unsigned int		 conf_max_conn_user;
	unsigned int		 conf_max_conn_build;
	unsigned int		 conf_handshake_timeout; /* seconds */
	unsigned int		 conf_idle_timeout;	/* seconds, 0: none */
	unsigned int		 conf_request_memory;	/* bytes */
	/* Features */
	unsigned int		 conf_experimental_features; /* 1U << XP_* */
	struct config_list	 conf_system_features;
};

/* Fills conf with the defaults rnixd.conf(5) lists. */
void	config_init_defaults(struct rnixd_conf *);
/* Frees what conf holds and zeroes it; safe on a zeroed struct. */
void	config_free(struct rnixd_conf *);
/* Frees the words of list and empties it, ready to be filled again. */
void	config_list_free(struct config_list *);

/*
 * Parse a file or a buffer of len bytes (NULs in it are errors) over
 * the defaults.  On success *conf receives the new configuration (its
 * old contents are neither read nor freed) and 0 is returned.  On error
 * every error is written to errs (may be NULL) prefixed with "name:" or
 * "name:line:", *conf is left untouched and -1 is returned.  To send
 * errors to syslog, pass an open_memstream(3) FILE and log its lines.
 */
int	config_parse_file(const char *path, struct rnixd_conf *conf,
	    FILE *errs);
int	config_parse_buf(const char *name, const char *text, size_t len,
	    struct rnixd_conf *conf, FILE *errs);

/*
 * Every setting, one "name = value" line each, in a fixed order; the
 * text parses back to an equal configuration.  Returns -1 if writing
 * failed.
 */
int	config_print(FILE *, const struct rnixd_conf *);

int	config_is_enabled_feature(const struct rnixd_conf *, enum config_xp);
int	config_check_sandbox_paths(const struct rnixd_conf *, const char *,
	    FILE *);
/* max-jobs with "auto" resolved to the number of online CPUs. */
void		config_init_cpus(void);
unsigned int	config_max_jobs(const struct rnixd_conf *);
/*
 * The effective system features: system-features, plus "recursive-nix"
 * when that experimental feature is on.  Returns a NULL-terminated
 * array pointing into conf (free(3) the array only) and its length in
 * *nfeatures, or NULL if out of memory.
 */
const char	**config_system_features(const struct rnixd_conf *,
		    size_t *nfeatures);
int	config_has_system_feature(const struct rnixd_conf *, const char *);

#endif /* RNIXD_CONFIG_H */
