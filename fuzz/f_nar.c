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
 * NAR: the push parser and the restorer on untrusted bytes.
 *
 * Properties beyond "no crash":
 * - the parser gives the same verdict however the bytes are chunked,
 *   and the restorer agrees with it;
 * - a restore creates nothing outside its target: the private
 *   directory around the jail holds the jail alone afterwards, and the
 *   jail the restored name alone;
 * - a restored tree dumps back to exactly the input bytes (the parser
 *   takes canonical NARs only, so the NAR is its tree's one encoding);
 * - no descriptor is left open.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "nar.h"

#define TARGET	"r"

struct dumpbuf {
	const uint8_t	*db_want;
	size_t		 db_len;
	size_t		 db_off;
	int		 db_differs;
};

static struct fuzz_jail	 jail;

static int	parse_split(const uint8_t *, size_t, size_t);
static int	restore(const uint8_t *, size_t);
static int	dump_cmp(void *, const void *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	fuzz_jail_open(&jail, "fuzz-nar");
	return (0);
}

/* Feed in two chunks cut at split; 0 if the whole is a valid NAR. */
static int
parse_split(const uint8_t *buf, size_t len, size_t split)
{
	struct nar_parser	*np;
	const char		*errstr;
	int			 rc = -1;

	if ((np = nar_parse_new(NULL, NULL)) == NULL)
		fuzz_fail("nar_parse_new");
	if (nar_parse_feed(np, buf, split, &errstr) == 0 &&
	    nar_parse_feed(np, buf + split, len - split, &errstr) == 0 &&
	    nar_parse_finish(np, &errstr) == 0) {
		if (nar_parse_size(np) != len)
			fuzz_fail("parser took %llu bytes of %zu",
			    (unsigned long long)nar_parse_size(np), len);
		rc = 0;
	}
	nar_parse_free(np);
	return (rc);
}

static int
restore(const uint8_t *buf, size_t len)
{
	struct nar_restore	*nr;
	const char		*errstr;
	int			 rc = -1;

	if ((nr = nar_restore_new(jail.fj_fd, TARGET, &errstr)) == NULL)
		fuzz_fail("nar_restore_new: %s", errstr);
	if (nar_restore_feed(nr, buf, len, &errstr) == 0 &&
	    nar_restore_finish(nr, &errstr) == 0)
		rc = 0;
	nar_restore_free(nr);
	return (rc);
}

static int
dump_cmp(void *arg, const void *p, size_t n)
{
	struct dumpbuf	*db = arg;

	if (n > db->db_len - db->db_off ||
	    memcmp(db->db_want + db->db_off, p, n) != 0)
		db->db_differs = 1;
	else
		db->db_off += n;
	return (db->db_differs ? -1 : 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	struct dumpbuf	 db;
	const char	*errstr;
	int		 fds, whole, split, restored;

	fds = fuzz_fd_count();
	whole = parse_split(buf, len, len);
	split = parse_split(buf, len, len / 2);
	if (whole != split)
		fuzz_fail("chunking changed the verdict: %d vs %d", whole,
		    split);
	restored = restore(buf, len);
	if (restored != whole)
		fuzz_fail("parser says %d, restorer %d", whole, restored);
	fuzz_jail_check(&jail, TARGET);
	if (restored == 0) {
		memset(&db, 0, sizeof(db));
		db.db_want = buf;
		db.db_len = len;
		if (nar_dump_path(jail.fj_fd, TARGET, dump_cmp, &db,
		    &errstr) == -1 && !db.db_differs)
			fuzz_fail("dump of the restored tree: %s", errstr);
		if (db.db_differs || db.db_off != len)
			fuzz_fail("restored tree dumps to other bytes");
	}
	fuzz_jail_empty(&jail, TARGET);
	fuzz_fd_expect("nar", fds);
	return (0);
}
