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
 * __json to .attrs.json and .attrs.sh (drvattrs.h).  jansson parses;
 * the printing is ours, since the bytes must be those of nlohmann's
 * dump() (jansson escapes and prints reals otherwise) and of Nix's
 * shell writer, which the builder may hash or copy into its output.
 */
#include <sys/random.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drvattrs.h"
#include "log.h"

static FILE	*da_open(char **, size_t *);
static char	*da_close(FILE *, char **);
static const char **da_sorted_keys(const json_t *, size_t *);
static void	 da_put_string(FILE *, const char *, size_t);
static void	 da_put_real(FILE *, double);
static void	 da_put_json(FILE *, const json_t *);
static void	 da_put_shell(FILE *, const char *, size_t);
static int	 da_put_simple(FILE *, const json_t *);
static void	 da_put_compound(FILE *, const char *, const json_t *);
static int	 da_is_simple(const json_t *);
static int	 da_is_var_name(const char *);

json_t *
drvattrs_parse(const char *text, size_t len, char *err, size_t errlen)
{
	static int	 seeded;
	json_error_t	 je;
	json_t		*root;
	size_t		 seed = 0;

	/*
	 * jansson would seed its object hashing from /dev/urandom, which
	 * a confined process may not have, and else from the time: keys
	 * chosen to collide could make parsing quadratic.
	 */
	if (!seeded) {
		if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed) ||
		    seed == 0)
			seed = 0x9e3779b9;
		json_object_seed(seed);
		seeded = 1;
	}
	if (len > DRVATTRS_JSON_MAX) {
		snprintf(err, errlen, "%zu bytes, more than the %d this "
		    "daemon takes", len, DRVATTRS_JSON_MAX);
		return (NULL);
	}
	/* jansson stops at JSON_PARSER_MAX_DEPTH (2048) levels. */
	if ((root = json_loadb(text, len, 0, &je)) == NULL) {
		snprintf(err, errlen, "%s at line %d, column %d", je.text,
		    je.line, je.column);
		return (NULL);
	}
	if (!json_is_object(root)) {
		json_decref(root);
		snprintf(err, errlen, "not a JSON object");
		return (NULL);
	}
	return (root);
}

static FILE *
da_open(char **bufp, size_t *lenp)
{
	FILE	*f;

	*bufp = NULL;
	if ((f = open_memstream(bufp, lenp)) == NULL)
		fatal("open_memstream");
	return (f);
}

/* *lenp, which open_memstream(3) was given, is set by fclose(). */
static char *
da_close(FILE *f, char **bufp)
{
	if (ferror(f) || fclose(f) == EOF)
		fatalx("printing structured attributes failed");
	return (*bufp);
}

static int
da_key_cmp(const void *a, const void *b)
{
	return (strcmp(*(const char *const *)a, *(const char *const *)b));
}

/* An object's keys in byte order, as nlohmann's std::map holds them. */
static const char **
da_sorted_keys(const json_t *obj, size_t *np)
{
	const char	**keys;
	const char	 *key;
	json_t		 *v;
	size_t		  n = 0;

	if ((keys = calloc(json_object_size(obj) + 1, sizeof(*keys))) ==
	    NULL)
		fatal("%s", __func__);
	json_object_foreach((json_t *)obj, key, v)
		keys[n++] = key;
	qsort(keys, n, sizeof(*keys), da_key_cmp);
	*np = n;
	return (keys);
}

/* nlohmann's escaping with ensure_ascii off: UTF-8 passes as it is. */
static void
da_put_string(FILE *f, const char *s, size_t len)
{
	unsigned char	c;
	size_t		i;

	fputc('"', f);
	for (i = 0; i < len; i++) {
		c = s[i];
		switch (c) {
		case '\b':
			fputs("\\b", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		default:
			if (c < 0x20)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

/*
 * A double as nlohmann prints it: the shortest digits that read back
 * the same, in plain notation when the decimal point falls between
 * -4 and 15 digits from the first (with ".0" for whole numbers), else
 * as d.ddde+XX.
 */
static void
da_put_real(FILE *f, double d)
{
	char	buf[64], digits[32], *p, *e;
	int	prec, exp10, ndig, point, i;

	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*e", prec - 1, d);
	p = buf;
	if (*p == '-') {
		fputc('-', f);
		p++;
	}
	e = strchr(p, 'e');
	exp10 = atoi(e + 1);
	for (ndig = 0; p < e; p++)
		if (*p != '.')
			digits[ndig++] = *p;
	while (ndig > 1 && digits[ndig - 1] == '0')
		ndig--;
	digits[ndig] = '\0';
	point = exp10 + 1;	/* digits before the decimal point */
	if (ndig <= point && point <= 15) {
		fprintf(f, "%s", digits);
		for (i = ndig; i < point; i++)
			fputc('0', f);
		fputs(".0", f);
	} else if (0 < point && point <= 15)
		fprintf(f, "%.*s.%s", point, digits, digits + point);
	else if (-4 < point && point <= 0) {
		fputs("0.", f);
		for (i = point; i < 0; i++)
			fputc('0', f);
		fputs(digits, f);
	} else {
		fputc(digits[0], f);
		if (ndig > 1)
			fprintf(f, ".%s", digits + 1);
		fprintf(f, "e%c%02d", point - 1 < 0 ? '-' : '+',
		    abs(point - 1));
	}
}

static void
da_put_json(FILE *f, const json_t *v)
{
	const char	**keys;
	size_t		  n, i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		keys = da_sorted_keys(v, &n);
		fputc('{', f);
		for (i = 0; i < n; i++) {
			if (i > 0)
				fputc(',', f);
			da_put_string(f, keys[i], strlen(keys[i]));
			fputc(':', f);
			da_put_json(f, json_object_get(v, keys[i]));
		}
		fputc('}', f);
		free(keys);
		break;
	case JSON_ARRAY:
		fputc('[', f);
		for (i = 0; i < json_array_size(v); i++) {
			if (i > 0)
				fputc(',', f);
			da_put_json(f, json_array_get(v, i));
		}
		fputc(']', f);
		break;
	case JSON_STRING:
		da_put_string(f, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		da_put_real(f, json_real_value(v));
		break;
	case JSON_TRUE:
		fputs("true", f);
		break;
	case JSON_FALSE:
		fputs("false", f);
		break;
	case JSON_NULL:
		fputs("null", f);
		break;
	}
}

char *
drvattrs_dump_json(const json_t *v, size_t *lenp)
{
	FILE	*f;
	char	*buf;

	f = da_open(&buf, lenp);
	da_put_json(f, v);
	return (da_close(f, &buf));
}

/* Nix's shellEscape: single quotes, each ' as '\''. */
static void
da_put_shell(FILE *f, const char *s, size_t len)
{
	size_t	i;

	fputc('\'', f);
	for (i = 0; i < len; i++)
		if (s[i] == '\'')
			fputs("'\\''", f);
		else
			fputc(s[i], f);
	fputc('\'', f);
}

/*
 * A number is simple when it is whole as a float; Nix then prints it
 * converted to a C int, which keeps the low 32 bits of an integer and
 * turns an out-of-range real into INT_MIN (what x86's conversion
 * gives).
 */
static int
da_is_simple(const json_t *v)
{
	float	fl;

	switch (json_typeof(v)) {
	case JSON_STRING:
	case JSON_TRUE:
	case JSON_FALSE:
	case JSON_NULL:
		return (1);
	case JSON_INTEGER:
	case JSON_REAL:
		/* From 2^23 up, every float is whole. */
		fl = (float)json_number_value(v);
		return (fl >= 8388608.0f || fl <= -8388608.0f ||
		    fl == (float)(long)fl);
	default:
		return (0);
	}
}

static int
da_put_simple(FILE *f, const json_t *v)
{
	double	d;

	switch (json_typeof(v)) {
	case JSON_STRING:
		da_put_shell(f, json_string_value(v), json_string_length(v));
		break;
	case JSON_TRUE:
		fputc('1', f);
		break;
	case JSON_FALSE:
		break;
	case JSON_NULL:
		fputs("''", f);
		break;
	case JSON_INTEGER:
		fprintf(f, "%d", (int)(unsigned int)(json_integer_value(v) &
		    0xffffffffLL));
		break;
	case JSON_REAL:
		d = json_real_value(v);
		fprintf(f, "%d", d > INT_MIN - 1.0 && d < INT_MAX + 1.0 ?
		    (int)d : INT_MIN);
		break;
	default:
		return (-1);
	}
	return (0);
}

/* [A-Za-z_][A-Za-z0-9_]*, what bash takes as a variable name. */
static int
da_is_var_name(const char *s)
{
	static const char	first[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz_";

	if (s[0] == '\0' || strchr(first, s[0]) == NULL)
		return (0);
	return (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "_0123456789") == strlen(s));
}

/* An array or object of simple values only: declare -a / -A. */
static void
da_put_compound(FILE *f, const char *key, const json_t *v)
{
	const char	**keys;
	size_t		  n, i;

	if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v); i++)
			if (!da_is_simple(json_array_get(v, i)))
				return;
		fprintf(f, "declare -a %s=(", key);
		for (i = 0; i < json_array_size(v); i++) {
			da_put_simple(f, json_array_get(v, i));
			fputc(' ', f);
		}
		fputs(")\n", f);
		return;
	}
	keys = da_sorted_keys(v, &n);
	for (i = 0; i < n; i++)
		if (!da_is_simple(json_object_get(v, keys[i]))) {
			free(keys);
			return;
		}
	fprintf(f, "declare -A %s=(", key);
	for (i = 0; i < n; i++) {
		fputc('[', f);
		da_put_shell(f, keys[i], strlen(keys[i]));
		fputs("]=", f);
		da_put_simple(f, json_object_get(v, keys[i]));
		fputc(' ', f);
	}
	fputs(")\n", f);
	free(keys);
}

char *
drvattrs_dump_sh(const json_t *obj, size_t *lenp)
{
	const char	**keys;
	const json_t	 *v;
	FILE		 *f;
	char		 *buf;
	size_t		  n, i;

	f = da_open(&buf, lenp);
	keys = da_sorted_keys(obj, &n);
	for (i = 0; i < n; i++) {
		if (!da_is_var_name(keys[i]))
			continue;
		v = json_object_get(obj, keys[i]);
		if (da_is_simple(v)) {
			fprintf(f, "declare %s=", keys[i]);
			da_put_simple(f, v);
			fputc('\n', f);
		} else if (json_is_array(v) || json_is_object(v))
			da_put_compound(f, keys[i], v);
	}
	free(keys);
	return (da_close(f, &buf));
}
