/*
 * edit.c - the prompt: lines read with libedit, the history file (secrets
 * kept out of it), Tab completion of command names, subcommands and
 * meta-commands, and the synopsis of the command being typed at the right
 * margin.  The names and synopses come from the server's COMMAND DOCS and
 * COMMAND LIST, and a built-in list when it has no COMMAND DOCS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "repl.h"

/* ---- the command list (completion, hints) ------------------------------------ */

/* Used when the server has no COMMAND DOCS (Redis before 7). */
static const char *const builtin_cmds[] = {
	"APPEND", "key value", "AUTH", "[username] password", "BITCOUNT", "key [start end]",
	"CLIENT LIST", "", "CLIENT SETNAME", "name", "CLIENT ID", "", "CLIENT KILL", "...",
	"CLUSTER INFO", "", "CLUSTER NODES", "", "CLUSTER SLOTS", "", "CLUSTER SHARDS", "",
	"CLUSTER KEYSLOT", "key", "CLUSTER COUNTKEYSINSLOT", "slot",
	"CLUSTER GETKEYSINSLOT", "slot count", "CLUSTER MYID", "",
	"CLUSTER SETSLOT", "slot IMPORTING|MIGRATING|NODE|STABLE [node-id]",
	"CLUSTER FAILOVER", "[FORCE|TAKEOVER]", "CLUSTER REPLICATE", "node-id",
	"CLUSTER MEET", "ip port", "CLUSTER FORGET", "node-id",
	"COMMAND DOCS", "[command-name ...]", "COMMAND INFO", "[command-name ...]",
	"COMMAND COUNT", "", "CONFIG GET", "parameter [parameter ...]",
	"CONFIG SET", "parameter value [parameter value ...]", "CONFIG REWRITE", "",
	"DBSIZE", "", "DECR", "key", "DECRBY", "key decrement", "DEL", "key [key ...]",
	"ECHO", "message", "EVAL", "script numkeys [key ...] [arg ...]",
	"EVALSHA", "sha1 numkeys [key ...] [arg ...]", "EXISTS", "key [key ...]",
	"EXPIRE", "key seconds [NX|XX|GT|LT]", "FLUSHALL", "[ASYNC|SYNC]",
	"FLUSHDB", "[ASYNC|SYNC]", "GET", "key", "GETDEL", "key", "GETSET", "key value",
	"HDEL", "key field [field ...]", "HELLO", "[protover [AUTH username password]]",
	"HGET", "key field", "HGETALL", "key", "HINCRBY", "key field increment",
	"HKEYS", "key", "HLEN", "key", "HMGET", "key field [field ...]",
	"HSET", "key field value [field value ...]", "HVALS", "key", "INCR", "key",
	"INCRBY", "key increment", "INFO", "[section ...]", "KEYS", "pattern",
	"LINDEX", "key index", "LLEN", "key", "LPOP", "key [count]",
	"LPUSH", "key element [element ...]", "LRANGE", "key start stop",
	"MGET", "key [key ...]", "MIGRATE", "host port key|\"\" db timeout [COPY] [REPLACE] [AUTH password] [KEYS key ...]",
	"MSET", "key value [key value ...]", "PERSIST", "key", "PING", "[message]",
	"PTTL", "key", "PUBLISH", "channel message", "READONLY", "", "READWRITE", "",
	"RENAME", "key newkey", "ROLE", "", "RPOP", "key [count]",
	"RPUSH", "key element [element ...]", "SADD", "key member [member ...]",
	"SCAN", "cursor [MATCH pattern] [COUNT count] [TYPE type]", "SCARD", "key",
	"SET", "key value [NX|XX] [GET] [EX seconds|PX milliseconds|KEEPTTL]",
	"SISMEMBER", "key member", "SMEMBERS", "key", "SREM", "key member [member ...]",
	"STRLEN", "key", "TTL", "key", "TYPE", "key", "UNLINK", "key [key ...]",
	"XADD", "key id field value [field value ...]", "XLEN", "key",
	"XRANGE", "key start end [COUNT count]", "ZADD", "key score member [score member ...]",
	"ZCARD", "key", "ZRANGE", "key start stop [WITHSCORES]", "ZSCORE", "key member",
	"ACL SETUSER", "username [rule ...]", "ACL WHOAMI", "", "ACL LIST", "",
	"SCRIPT LOAD", "script", "SCRIPT FLUSH", "", "SLOWLOG GET", "[count]",
	"MEMORY USAGE", "key [SAMPLES count]", "OBJECT ENCODING", "key",
	NULL
};

static const char *const metas[] = {
	":help", "", ":slot", "key [key ...]", ":nodes", "", ":node", "[addr|id|off]",
	":masters", "command [arg ...]", ":all", "command [arg ...]",
	":route", "[on|off] | command [arg ...]", ":split", "[on|off]",
	":readonly", "[on|off]", ":timing", "[on|off]", ":refresh", "", ":quit", "",
	":exit", "", NULL
};

static void
add_cmd(struct repl *r, const char *name, size_t nlen, const char *hint)
{
	int i;
	char *n = rc_strndup(name, nlen), *p;

	for (p = n; *p != '\0'; p++) {
		if (*p == '|')
			*p = ' ';
		else if (*p >= 'a' && *p <= 'z' && n[0] != ':')
			*p = (char)(*p - 'a' + 'A');
	}
	for (i = 0; i < r->ncmds; i++)
		if (strcmp(r->cmds[i].name, n) == 0) {
			free(n);
			return;
		}
	r->cmds = rc_realloc(r->cmds, (size_t)(r->ncmds + 1) * sizeof *r->cmds);
	r->cmds[r->ncmds].name = n;
	r->cmds[r->ncmds].hint = rc_strdup(hint);
	r->ncmds++;
}

/* A field of a RESP2 flat map (an array of name, value, name, value). */
static const redisReply *
field(const redisReply *m, const char *name)
{
	size_t i;

	if (m == NULL || m->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (i = 0; i + 1 < m->elements; i += 2) {
		const redisReply *k = m->element[i];
		if ((k->type == REDIS_REPLY_STRING || k->type == REDIS_REPLY_STATUS) &&
		    strcmp(k->str, name) == 0)
			return m->element[i + 1];
	}
	return NULL;
}

static int
has_flag(const redisReply *arg, const char *flag)
{
	const redisReply *f = field(arg, "flags");
	size_t i;

	for (i = 0; f != NULL && f->type == REDIS_REPLY_ARRAY && i < f->elements; i++)
		if (f->element[i]->str != NULL && strcmp(f->element[i]->str, flag) == 0)
			return 1;
	return 0;
}

static const char *
str_of(const redisReply *x)
{
	return x != NULL && x->str != NULL ? x->str : NULL;
}

/* An argument of COMMAND DOCS as a synopsis: "[EX seconds|PX ms]". */
static void
render_arg(struct rc_buf *b, const redisReply *arg)
{
	const char *type = str_of(field(arg, "type")), *tok = str_of(field(arg, "token"));
	const char *name = str_of(field(arg, "name"));
	const redisReply *subs = field(arg, "arguments");
	struct rc_buf one = { NULL, 0, 0 };
	size_t i;

	if (type == NULL)
		return;
	if (tok != NULL) {
		rc_buf_adds(&one, tok);
		if (strcmp(type, "pure-token") != 0)
			rc_buf_addc(&one, ' ');
	}
	if ((strcmp(type, "oneof") == 0 || strcmp(type, "block") == 0) && subs != NULL &&
	    subs->type == REDIS_REPLY_ARRAY) {
		for (i = 0; i < subs->elements; i++) {
			if (i > 0)
				rc_buf_adds(&one, strcmp(type, "oneof") == 0 ? "|" : " ");
			render_arg(&one, subs->element[i]);
		}
	} else if (strcmp(type, "pure-token") != 0 && name != NULL)
		rc_buf_adds(&one, name);
	if (has_flag(arg, "optional"))
		rc_buf_addc(b, '[');
	if (one.s != NULL)
		rc_buf_add(b, one.s, one.len);
	if (has_flag(arg, "multiple")) {
		rc_buf_adds(b, " [");
		if (one.s != NULL)
			rc_buf_add(b, one.s, one.len);
		rc_buf_adds(b, " ...]");
	}
	if (has_flag(arg, "optional"))
		rc_buf_addc(b, ']');
	rc_buf_free(&one);
}

static void
add_docs(struct repl *r, const redisReply *list)
{
	size_t i, j;

	for (i = 0; i + 1 < list->elements; i += 2) {
		const redisReply *name = list->element[i], *doc = list->element[i + 1];
		const redisReply *args = field(doc, "arguments"), *subs = field(doc, "subcommands");
		struct rc_buf h = { NULL, 0, 0 };

		if (name->str == NULL)
			continue;
		for (j = 0; args != NULL && args->type == REDIS_REPLY_ARRAY && j < args->elements; j++) {
			if (j > 0)
				rc_buf_addc(&h, ' ');
			render_arg(&h, args->element[j]);
		}
		add_cmd(r, name->str, name->len, h.s != NULL ? h.s : "");
		rc_buf_free(&h);
		if (subs != NULL && subs->type == REDIS_REPLY_ARRAY)
			add_docs(r, subs);
	}
}

/* The server's COMMAND DOCS: an array of name, docs, name, docs (RESP2),
 * nested deeper than hiredis 0.14 reads, so read by rc_cmd_deep.  Redis
 * before 7 has none: then nothing is added. */
static void
load_docs(struct repl *r)
{
	static const char *argv[] = { "COMMAND", "DOCS" };
	static const size_t argvlen[] = { 7, 4 };
	struct rc_node *n = rc_cluster_any_master(&r->cl);
	redisReply *x;
	char err[300];

	if (n == NULL || rc_node_ctx(&r->cl, n) == NULL)
		return;
	if ((x = rc_cmd_deep(n->ctx, 2, argv, argvlen, err, sizeof err)) == NULL) {
		rc_node_drop(n, err);   /* the next command connects again */
		return;
	}
	if (x->type == REDIS_REPLY_ARRAY)
		add_docs(r, x);
	freeReplyObject(x);
}

/* Command names and synopses: the server's COMMAND DOCS, the built-in
 * synopses, every name from COMMAND LIST (subcommands as "cluster|nodes"),
 * and the meta-commands.  The first synopsis found for a name is kept. */
static void
load_commands(struct repl *r)
{
	redisReply *x;
	size_t j;
	int i;

	load_docs(r);
	for (i = 0; builtin_cmds[i] != NULL; i += 2)
		add_cmd(r, builtin_cmds[i], strlen(builtin_cmds[i]), builtin_cmds[i + 1]);
	x = rc_cluster_cmdv(&r->cl, -1, "COMMAND", "LIST", NULL);
	for (j = 0; x->type == REDIS_REPLY_ARRAY && j < x->elements; j++)
		if (x->element[j]->type == REDIS_REPLY_STRING)
			add_cmd(r, x->element[j]->str, x->element[j]->len, "");
	freeReplyObject(x);
	for (i = 0; metas[i] != NULL; i += 2)
		add_cmd(r, metas[i], strlen(metas[i]), metas[i + 1]);
}

/* ---- secrets, prompt, completion, hints ----------------------------------------- */

/* The session a libedit callback works for. */
static struct repl *
session_of(EditLine *el)
{
	struct repl *r = NULL;

	el_get(el, EL_CLIENTDATA, &r);
	return r;
}

/*
 * A line that could carry a secret never goes into the history, in memory
 * or on disk.  The rule: a line is kept out when any of its words, in any
 * case, is one of these, where a word is a run of letters and digits, so a
 * word inside a quoted argument or a script's text counts ("'>pw'" in an
 * EVAL, "tls-key-file-pass"), and the arguments are checked as typed and
 * as decoded ("\x41UTH").  It keeps out AUTH, HELLO ... AUTH, MIGRATE ...
 * AUTH/AUTH2, ACL SETUSER, ACL DRYRUN user AUTH ..., CONFIG SET requirepass
 * / masterauth / primaryauth (Valkey's name for it) / *-pass, SENTINEL SET
 * ... auth-pass, anywhere in the line, :masters and :route ones too.
 */
static const char *const secret_words[] = {
	"AUTH", "AUTH2", "SETUSER", "REQUIREPASS", "MASTERAUTH", "PRIMARYAUTH", "PASS",
	"PASSWORD", NULL
};

static int
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int
has_secret_word(const char *s, size_t len)
{
	size_t i = 0, j;
	int k;

	while (i < len) {
		while (i < len && !is_alnum(s[i]))
			i++;
		for (j = i; j < len && is_alnum(s[j]); j++)
			;
		for (k = 0; secret_words[k] != NULL; k++)
			if (strlen(secret_words[k]) == j - i &&
			    strncasecmp(s + i, secret_words[k], j - i) == 0)
				return 1;
		i = j;
	}
	return 0;
}

static int
is_secret(const char *line, size_t len, const struct rc_args *a, int splits)
{
	int i;

	if (has_secret_word(line, len))
		return 1;
	for (i = 0; splits && i < a->argc; i++)
		if (has_secret_word(a->argv[i], a->argvlen[i]))
			return 1;
	return 0;
}

static char *
prompt_fn(EditLine *el)
{
	struct repl *r = session_of(el);
	char ad[300], flags[64] = "";

	if (r->route)
		strcat(flags, " route");
	if (r->split)
		strcat(flags, " split");
	if (r->readonly)
		strcat(flags, " readonly");
	if (r->timing)
		strcat(flags, " timing");
	if (r->pin != NULL)
		snprintf(r->prompt, sizeof r->prompt, "%s [pinned%s]> ",
		    rc_node_addr(r->pin, ad, sizeof ad), flags);
	else if (flags[0] != '\0')
		snprintf(r->prompt, sizeof r->prompt, "%s [%s]> ",
		    rc_addr_fmt(&r->o.seed, ad, sizeof ad), flags + 1);
	else
		snprintf(r->prompt, sizeof r->prompt, "%s> ",
		    rc_addr_fmt(&r->o.seed, ad, sizeof ad));
	return r->prompt;
}

/* The words typed before the cursor, split on blanks (quotes ignored: this
 * is only for completing command names). */
static int
typed_words(EditLine *el, char words[3][128], int *partial)
{
	const LineInfo *li = el_line(el);
	const char *p = li->buffer;
	int n = 0;

	*partial = 0;
	while (p < li->cursor && n < 3) {
		size_t k = 0;
		while (p < li->cursor && (*p == ' ' || *p == '\t'))
			p++;
		if (p == li->cursor)
			break;
		while (p < li->cursor && *p != ' ' && *p != '\t') {
			if (k + 1 < sizeof words[n])
				words[n][k++] = *p;
			p++;
		}
		words[n][k] = '\0';
		n++;
		*partial = p == li->cursor;
	}
	return n;
}

/* Candidates for the word being typed: command names, or the subcommands
 * of the first word. */
static int
candidates(const struct repl *r, char words[3][128], int nw, int partial, const char **out,
    int max)
{
	const char *want = partial ? words[nw - 1] : "";
	int idx = partial ? nw - 1 : nw, i, n = 0;
	size_t wl = strlen(want), pl = 0;

	if (idx == 1)
		pl = strlen(words[0]);
	if (idx > 1)
		return 0;
	for (i = 0; i < r->ncmds && n < max; i++) {
		const char *name = r->cmds[i].name, *sp = strchr(name, ' ');
		if (idx == 0) {
			if (sp != NULL || strncasecmp(name, want, wl) != 0)
				continue;
			out[n++] = name;
		} else {
			if (sp == NULL || (size_t)(sp - name) != pl ||
			    strncasecmp(name, words[0], pl) != 0 ||
			    strncasecmp(sp + 1, want, wl) != 0)
				continue;
			out[n++] = sp + 1;
		}
	}
	return n;
}

static void
insert_rest(EditLine *el, const char *cand, size_t from, size_t to, int lower)
{
	char buf[256];
	size_t i, k = 0;

	for (i = from; i < to && k + 1 < sizeof buf; i++)
		buf[k++] = lower && cand[i] >= 'A' && cand[i] <= 'Z' ?
		    (char)(cand[i] - 'A' + 'a') : cand[i];
	buf[k] = '\0';
	if (k > 0)
		el_insertstr(el, buf);
}

static unsigned char
complete_fn(EditLine *el, int ch)
{
	char words[3][128];
	const char *c[512];
	int partial, nw = typed_words(el, words, &partial), n, i, lower;
	const char *want;
	size_t wl, common;

	(void)ch;
	n = candidates(session_of(el), words, nw, partial, c, 512);
	if (n == 0)
		return CC_ERROR;
	want = partial ? words[nw - 1] : "";
	wl = strlen(want);
	lower = wl > 0 && want[0] >= 'a' && want[0] <= 'z';
	if (n == 1) {
		insert_rest(el, c[0], wl, strlen(c[0]), lower);
		el_insertstr(el, " ");
		return CC_REFRESH;
	}
	common = strlen(c[0]);
	for (i = 1; i < n; i++) {
		size_t k = 0;
		while (k < common && c[i][k] != '\0' &&
		    (c[i][k] | 0x20) == (c[0][k] | 0x20))
			k++;
		common = k;
	}
	if (common > wl) {
		insert_rest(el, c[0], wl, common, lower);
		return CC_REFRESH;
	}
	fputc('\n', stdout);
	for (i = 0; i < n; i++)
		fprintf(stdout, "%s%s", c[i], i + 1 < n ? "  " : "\n");
	fflush(stdout);
	return CC_REDISPLAY;
}

/* A blank ends a word: insert it and redraw, so the right margin shows the
 * synopsis of the command just named (libedit redraws the right prompt only
 * on a full refresh). */
static unsigned char
space_fn(EditLine *el, int ch)
{
	char s[2] = { (char)ch, '\0' };

	el_insertstr(el, s);
	return CC_REFRESH;
}

/* The synopsis of the command being typed, shown at the right margin. */
static char *
hint_fn(EditLine *el)
{
	static char hint[300];
	struct repl *r = session_of(el);
	char words[3][128], full[260];
	int partial, nw = typed_words(el, words, &partial), i, best = -1;

	hint[0] = '\0';
	r->hint_shown = 0;
	if (nw == 0 || (nw == 1 && partial))
		return hint;
	for (i = 0; i < r->ncmds; i++)
		if (strcasecmp(r->cmds[i].name, words[0]) == 0)
			best = i;
	if (nw >= 2 && (nw > 2 || !partial)) {
		snprintf(full, sizeof full, "%s %s", words[0], words[1]);
		for (i = 0; i < r->ncmds; i++)
			if (strcasecmp(r->cmds[i].name, full) == 0)
				best = i;
	}
	if (best >= 0 && r->cmds[best].hint[0] != '\0') {
		snprintf(hint, sizeof hint, "%s", r->cmds[best].hint);
		r->hint_shown = 1;
	}
	return hint;
}

/* The entered line keeps its hint on the screen (libedit does not redraw
 * it on Enter): clear what follows the text, when the line took one row. */
static void
clear_hint(struct repl *r, size_t len)
{
	size_t col = strlen(r->prompt) + len;

	if (!r->hint_shown || col + 1 >= (size_t)rc_term_width())
		return;
	r->hint_shown = 0;
	fprintf(stdout, "\033[A\r\033[%zuC\033[K\r\n", col);
	fflush(stdout);
}

static char *
history_path(void)
{
	const char *e = getenv("RC_HISTFILE"), *home = getenv("HOME");
	char *p;

	if (e != NULL)
		return e[0] != '\0' ? rc_strdup(e) : NULL;
	if (home == NULL || home[0] == '\0')
		return NULL;
	p = rc_malloc(strlen(home) + 16);
	sprintf(p, "%s/.rc_history", home);
	return p;
}

static void
remember(struct repl *r, const char *line, size_t len, int splits)
{
	HistEvent he;
	mode_t um;

	if (r->hist == NULL || is_secret(line, len, &r->args, splits))
		return;
	history(r->hist, &he, H_ENTER, line);
	if (r->histfile != NULL) {
		um = umask(077);
		history(r->hist, &he, H_SAVE, r->histfile);
		umask(um);
	}
}

void
interactive(struct repl *r)
{
	HistEvent he;
	const char *line;
	int count;

	load_commands(r);
	r->hist = history_init();
	history(r->hist, &he, H_SETSIZE, 1000);
	history(r->hist, &he, H_SETUNIQUE, 1);
	r->histfile = history_path();
	if (r->histfile != NULL)
		history(r->hist, &he, H_LOAD, r->histfile);
	r->el = el_init(rc_progname, stdin, stdout, stderr);
	el_set(r->el, EL_CLIENTDATA, r);
	el_set(r->el, EL_EDITOR, "emacs");
	el_set(r->el, EL_SIGNAL, 1);
	el_set(r->el, EL_PROMPT, prompt_fn);
	el_set(r->el, EL_RPROMPT, hint_fn);
	el_set(r->el, EL_HIST, history, r->hist);
	el_set(r->el, EL_ADDFN, "rc-complete", "complete a command name", complete_fn);
	el_set(r->el, EL_BIND, "^I", "rc-complete", NULL);
	el_set(r->el, EL_BIND, "^R", "em-inc-search-prev", NULL);
	el_set(r->el, EL_ADDFN, "rc-space", "insert a blank, show the hint", space_fn);
	el_set(r->el, EL_BIND, " ", "rc-space", NULL);
	el_source(r->el, NULL);
	r->src = "<tty>";
	while ((line = el_gets(r->el, &count)) != NULL) {
		size_t len = (size_t)count;
		char err[200];
		int splits;

		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		clear_hint(r, len);
		r->line++;
		splits = rc_split_args(line, len, &r->args, err, sizeof err) >= 0;
		if (len > 0)
			remember(r, line, len, splits);
		if (run_line(r, line, len))
			break;
		rc_flush();
	}
	if (line == NULL)
		fputc('\n', stdout);
	rc_flush();
	el_end(r->el);
	history_end(r->hist);
	free(r->histfile);
	while (r->ncmds > 0) {
		r->ncmds--;
		free(r->cmds[r->ncmds].name);
		free(r->cmds[r->ncmds].hint);
	}
	free(r->cmds);
	r->cmds = NULL;
}
