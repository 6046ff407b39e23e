/* quote.c - rc-repl's line splitter (redis-cli quoting), the quoted form of
 * strings and both reply formats, without a server. */
#include <stdlib.h>
#include <string.h>

#include "rc.h"
#include "tap.h"

static struct rc_args a;
static char err[200];

/* The words of line joined by '|', or "ERR" when it does not split. */
static const char *
words(const char *line)
{
	static char out[512];
	int i, n = rc_split_args(line, strlen(line), &a, err, sizeof err);

	if (n < 0)
		return "ERR";
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(out, "|");
		strncat(out, a.argv[i], a.argvlen[i]);
	}
	return out;
}

static const char *
quoted(const char *s, size_t len)
{
	static struct rc_buf b;

	b.len = 0;
	rc_quote(&b, s, len);
	return b.s;
}

/* A reply from RESP text, formatted. */
static const char *
fmt(const char *resp, int mode)
{
	static struct rc_buf b;
	redisReply *r = rc_reply_make(resp, strlen(resp));

	b.len = 0;
	if (r == NULL)
		return "(unparsed)";
	rc_reply_format(&b, r, mode);
	freeReplyObject(r);
	return b.s;
}

int
main(void)
{
	int n;

	plan(34);
	is_str(words("SET foo bar"), "SET|foo|bar", "plain words");
	is_str(words("  GET   foo  "), "GET|foo", "extra blanks");
	is_int(rc_split_args("", 0, &a, err, sizeof err), 0, "an empty line has no words");
	is_int(rc_split_args(" \t ", 3, &a, err, sizeof err), 0, "a blank line has no words");
	is_str(words("SET \"a b\" c"), "SET|a b|c", "double quotes keep blanks");
	is_str(words("SET k \"x\\ty\\n\""), "SET|k|x\ty\n", "\\t and \\n in double quotes");
	is_str(words("SET k \"\\x41\\x4a\""), "SET|k|AJ", "\\xHH in double quotes");
	is_str(words("SET k \"\\\"q\\\\\""), "SET|k|\"q\\", "escaped quote and backslash");
	is_str(words("SET k \"\\xZZ\""), "SET|k|xZZ", "a bad \\x is the letter x");
	is_str(words("SET k 'it\\'s'"), "SET|k|it's", "\\' in single quotes");
	is_str(words("SET k 'a\\nb'"), "SET|k|a\\nb", "single quotes are literal");
	is_str(words("SET k \"\""), "SET|k|", "an empty quoted word");
	is_int(a.argc, 3, "... counts as a word");
	is_str(words("GET a\"b c\"d"), "ERR", "a closing quote glued to a word");
	is_str(words("GET \"abc"), "ERR", "an unclosed double quote");
	ok(strstr(err, "column 5") != NULL, "the message names the column: %s", err);
	is_str(words("GET 'abc"), "ERR", "an unclosed single quote");
	is_str(words("GET \"abc\\\""), "ERR", "an escaped quote does not close");
	is_str(words("GET ab\"c d\""), "GET|abc d", "a quote may start inside a word");
	n = rc_split_args("SET k \"\\x00z\"", 13, &a, err, sizeof err);
	ok(n == 3 && a.argvlen[2] == 2 && a.argv[2][0] == '\0', "NUL bytes survive");

	is_str(quoted("abc", 3), "\"abc\"", "quoted plain");
	is_str(quoted("a\"b\\\n\r\t\a\b", 9), "\"a\\\"b\\\\\\n\\r\\t\\a\\b\"", "quoted escapes");
	is_str(quoted("\x00\xff", 2), "\"\\x00\\xff\"", "quoted bytes as \\xHH");

	is_str(fmt("+OK\r\n", RC_REPLY_TTY), "OK\n", "tty status");
	is_str(fmt(":42\r\n", RC_REPLY_TTY), "(integer) 42\n", "tty integer");
	is_str(fmt("$-1\r\n", RC_REPLY_TTY), "(nil)\n", "tty nil");
	is_str(fmt("-ERR no\r\n", RC_REPLY_TTY), "(error) ERR no\n", "tty error");
	is_str(fmt("$3\r\na\nb\r\n", RC_REPLY_TTY), "\"a\\nb\"\n", "tty string quoted");
	is_str(fmt("*0\r\n", RC_REPLY_TTY), "(empty array)\n", "tty empty array");
	is_str(fmt("*2\r\n$1\r\na\r\n*2\r\n:1\r\n$-1\r\n", RC_REPLY_TTY),
	    "1) \"a\"\n2) 1) (integer) 1\n   2) (nil)\n", "tty nested arrays");
	is_str(fmt("*10\r\n:1\r\n:2\r\n:3\r\n:4\r\n:5\r\n:6\r\n:7\r\n:8\r\n:9\r\n*1\r\n:10\r\n",
	    RC_REPLY_TTY) + 0, " 1) (integer) 1\n 2) (integer) 2\n 3) (integer) 3\n"
	    " 4) (integer) 4\n 5) (integer) 5\n 6) (integer) 6\n 7) (integer) 7\n"
	    " 8) (integer) 8\n 9) (integer) 9\n10) 1) (integer) 10\n",
	    "tty indexes aligned, nested indent follows");
	is_str(fmt("*3\r\n$1\r\na\r\n$-1\r\n:5\r\n", RC_REPLY_RAW), "a\n\n5\n", "raw array");
	is_str(fmt("$3\r\na\tb\r\n", RC_REPLY_RAW), "a\tb\n", "raw string as is");
	is_str(fmt("-ERR x\r\n", RC_REPLY_RAW), "ERR x\n", "raw error");
	rc_args_free(&a);
	return done_testing();
}
