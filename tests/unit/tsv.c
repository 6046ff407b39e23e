/* TSV: escaping round trips, malformed escapes, field splitting, the line
 * reader on long lines and a missing final newline. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rc.h"
#include "tap.h"

static void
roundtrip(const char *s, size_t len, int first, const char *want, const char *name)
{
	char enc[256], dec[256];
	size_t n, bad;
	ssize_t m;

	n = rc_tsv_escape(enc, s, len, first);
	enc[n] = '\0';
	is_str(enc, want, name);
	memcpy(dec, enc, n + 1);
	m = rc_tsv_unescape(dec, n, &bad);
	ok(m == (ssize_t)len && memcmp(dec, s, len) == 0, "%s: decodes back", name);
}

static void
malformed(const char *s, size_t want_at, const char *name)
{
	char buf[64];
	size_t bad = 999;
	ssize_t m;

	strcpy(buf, s);
	m = rc_tsv_unescape(buf, strlen(buf), &bad);
	ok(m == -1 && bad == want_at, "%s (at %zu)", name, bad);
}

int
main(void)
{
	struct rc_field f[4];
	char line[64];
	int n;

	roundtrip("plain", 5, 1, "plain", "plain text is unchanged");
	roundtrip("a\tb\nc\rd\\e", 9, 1, "a\\tb\\nc\\rd\\\\e", "TAB LF CR backslash");
	roundtrip("#x", 2, 1, "\\#x", "a leading # in a first field");
	roundtrip("#x", 2, 0, "#x", "a leading # elsewhere stays");
	roundtrip("a#b", 3, 1, "a#b", "an inner # stays");
	roundtrip("\0\xff", 2, 1, "\0\xff", "NUL and high bytes pass");
	malformed("ab\\", 2, "a trailing backslash is malformed");
	malformed("a\\qb", 1, "an unknown escape is malformed");
	malformed("\\\\\\x", 2, "the bad one is found after a good one");

	strcpy(line, "k\tv1\tv2\tv3\tv4");
	n = rc_tsv_split(line, strlen(line), f, 3);
	is_int(n, 3, "split stops at max fields");
	is_str(f[0].s, "k", "first field");
	is_str(f[2].s, "v2\tv3\tv4", "the last field keeps the rest");
	strcpy(line, "");
	is_int(rc_tsv_split(line, 0, f, 4), 1, "an empty line is one empty field");
	ok(rc_tsv_skip("", 0) && rc_tsv_skip("#c", 2) && !rc_tsv_skip(" ", 1),
	    "empty and # lines are skipped, a key of spaces is not");

	/* The reader: a 3 MiB line, CRLF, and no newline at the end. */
	{
		int p[2];
		size_t big = 3u << 20, i;
		char *buf = malloc(big + 32), *l;
		struct rc_reader r;
		ssize_t len;

		for (i = 0; i < big; i++)
			buf[i] = 'x';
		memcpy(buf + big, "\nshort\r\nlast", 12);
		if (pipe(p) != 0)
			return 1;
		if (fork() == 0) {
			close(p[0]);
			if (write(p[1], buf, big + 12) < 0)
				_exit(1);
			_exit(0);
		}
		close(p[1]);
		rc_reader_init(&r, p[0], "<pipe>");
		len = rc_reader_line(&r, &l);
		is_int(len, (long long)big, "a 3 MiB line comes whole");
		len = rc_reader_line(&r, &l);
		ok(len == 5 && strcmp(l, "short") == 0, "CRLF loses its CR");
		len = rc_reader_line(&r, &l);
		ok(len == 4 && strcmp(l, "last") == 0, "a last line without newline");
		is_int(rc_reader_line(&r, &l), -1, "then the end");
		is_int(r.lineno, 3, "lines are counted");
		rc_reader_free(&r);
		free(buf);
	}
	return done_testing();
}
