/*
 * kind.c - what a reply means, decided in one place: a redirect, a failure
 * that may pass (worth another try), a refused password or ACL (no retry
 * changes it: say where the password comes from), our own I/O error, or any
 * other error.  Every tool and the engine ask here instead of keeping a list
 * of their own.
 */
#include <string.h>

#include "rc.h"

/* Does the error text s start with the code word (followed by a blank or
 * the end)? */
static int
code_is(const char *s, const char *code)
{
	size_t n = strlen(code);

	return strncmp(s, code, n) == 0 && (s[n] == ' ' || s[n] == '\0');
}

/* MIGRATE passes the target's own error on, wrapped: "ERR Target instance
 * replied with error: CLUSTERDOWN ...".  The target's error, or NULL. */
static const char *
unwrap(const char *s)
{
	static const char wrap[] = "replied with error: ";
	const char *w = strstr(s, wrap);

	return w != NULL ? w + sizeof wrap - 1 : NULL;
}

int
rc_text_kind(const char *s)
{
	static const char *const transient[] = {
		"TRYAGAIN", "CLUSTERDOWN", "LOADING", "MASTERDOWN", "READONLY", NULL
	};
	const char *w;
	int i;

	if (s == NULL)
		return RC_K_IOERR;
	/* A refused password, whether the server said it or our connect did
	 * ("host:port: authentication failed: WRONGPASS ..."). */
	if (code_is(s, "NOAUTH") || code_is(s, "WRONGPASS") || code_is(s, "NOPERM") ||
	    strstr(s, "authentication failed") != NULL ||
	    strstr(s, "refused the password") != NULL ||
	    strstr(s, "wants a password (") != NULL ||
	    strstr(s, "invalid password") != NULL || strstr(s, ": NOAUTH") != NULL ||
	    strstr(s, ": WRONGPASS") != NULL)
		return RC_K_AUTH;
	if (strstr(s, RC_PROTO_ERR) != NULL)
		return RC_K_PROTO;
	if (code_is(s, "MOVED"))
		return RC_K_MOVED;
	if (code_is(s, "ASK"))
		return RC_K_ASK;
	/* A target that just restarted says CLUSTERDOWN through MIGRATE: the
	 * code is looked for in the wrapped error too. */
	if ((w = unwrap(s)) != NULL)
		s = w;
	for (i = 0; transient[i] != NULL; i++)
		if (code_is(s, transient[i]))
			return RC_K_TRANSIENT;
	if (code_is(s, "IOERR") || code_is(s, "CONNERR"))
		return RC_K_IOERR;
	return RC_K_ERR;
}

int
rc_reply_kind(const redisReply *r)
{
	if (r == NULL)
		return RC_K_IOERR;
	if (r->type != REDIS_REPLY_ERROR)
		return RC_K_OK;
	return rc_text_kind(r->str);
}

const char *
rc_kind_hint(int kind)
{
	switch (kind) {
	case RC_K_AUTH:
		return "the password comes from RC_AUTH or --askpass, the user from RC_USER";
	case RC_K_TRANSIENT:
		return "the cluster is changing (a failover, a slot being moved, a node "
		    "loading): try again in a moment";
	case RC_K_IOERR:
		return "the node did not answer: is it up and reachable?";
	case RC_K_PROTO:
		return "is that address the client port of a Redis Cluster node?";
	}
	return NULL;
}

/* Hints for errors whose code says more than their kind; the target's (an
 * error MIGRATE wrapped) first, then the node's own. */
struct hint {
	const char *code, *hint;
};

static const struct hint target_hints[] = {
	{ "CLUSTERDOWN", "the target says the cluster is down (a slot without a master, "
	    "or most masters unreachable from it): see rc-reshard check; slots move "
	    "again once its cluster_state is ok" },
	{ "OOM", "the target is out of memory: free memory there or raise its maxmemory" },
	{ "MOVED", "the target no longer imports the slot: another operator changed it?" },
	{ "ASK", "the target no longer imports the slot: another operator changed it?" },
	{ "LOADING", "the target is loading its data set: try again when it is done" },
	{ "READONLY", "the target is a replica now (a failover?): make a new plan" },
	{ "NOAUTH", "the target refused the password the source sent (RC_AUTH, RC_USER)" },
	{ "WRONGPASS", "the target refused the password the source sent (RC_AUTH, RC_USER)" },
	{ "NOPERM", "the target's ACL does not allow RESTORE-ASKING for that user" },
	{ NULL, NULL }
};

static const struct hint own_hints[] = {
	{ "CLUSTERDOWN", "the node says the cluster is down (a slot without a master, or "
	    "most masters unreachable): see rc-reshard check" },
	{ "OOM", "the node is out of memory: free memory there or raise its maxmemory" },
	{ "MOVED", "the slot has another owner now: another operator moved it?" },
	{ "IOERR", "the source could not reach the target in time: a key too large for "
	    "--migrate-timeout (raise it, or lower --batch), or the target stalled" },
	{ "BUSYKEY", "the key exists on the target already: remove it there, or use "
	    "--replace" },
	{ "NOREPLICAS", "a replica of the node did not take the change in time (Valkey "
	    "waits for every replica of a primary to take a slot change: a frozen, "
	    "lagging or unreachable replica blocks them until it is back, or failed "
	    "and forgotten)" },
	{ NULL, NULL }
};

static const char *
hint_of(const struct hint *h, const char *s)
{
	for (; h->code != NULL; h++)
		if (code_is(s, h->code))
			return h->hint;
	return NULL;
}

const char *
rc_error_hint(const char *s)
{
	const char *w, *h;

	if (s == NULL)
		return rc_kind_hint(RC_K_IOERR);
	if ((w = unwrap(s)) != NULL)
		return (h = hint_of(target_hints, w)) != NULL ? h :
		    "the target refused the keys (its error above)";
	if ((h = hint_of(own_hints, s)) != NULL)
		return h;
	return rc_kind_hint(rc_text_kind(s));
}

/* ---- refusals: a permission or a password, never an outage ------------------- */

int
rc_refusal(const char *s)
{
	if (s == NULL)
		return RC_REFUSED_NONE;
	if (code_is(s, "NOPERM") || strstr(s, ": NOPERM ") != NULL)
		return RC_REFUSED_NOPERM;
	return rc_text_kind(s) == RC_K_AUTH ? RC_REFUSED_PASSWORD : RC_REFUSED_NONE;
}

/* The ACL category that allows a command the tools send, the most telling
 * one when it has several (EVALSHA is @slow and @scripting: @scripting). */
static const struct hint categories[] = {
	{ "evalsha", "@scripting" }, { "eval", "@scripting" },
	{ "script|load", "@scripting" }, { "script|exists", "@scripting" },
	{ "monitor", "@admin" }, { "config|get", "@admin" }, { "config|set", "@admin" },
	{ "role", "@admin" }, { "info", "@dangerous" }, { "migrate", "@dangerous" },
	{ "scan", "@read" }, { "dbsize", "@read" }, { "object|freq", "@read" },
	{ "memory|usage", "@read" }, { "client|setname", "@connection" },
	{ "readonly", "@connection" }, { "wait", "@connection" },
	{ NULL, NULL }
};

/* The command a NOPERM names ("... to run the 'cluster|countkeysinslot'
 * command", Redis and Valkey alike) into buf; NULL when it names none (a
 * key or a channel it may not use). */
static const char *
noperm_command(const char *s, char *buf, size_t n)
{
	const char *a = strstr(s, "run the '"), *b;

	if (a == NULL)
		return NULL;
	a += strlen("run the '");
	if ((b = strchr(a, '\'')) == NULL || b == a)
		return NULL;
	snprintf(buf, n, "%.*s", (int)(b - a), a);
	return buf;
}

/* A message "who: text" split: who's length (0: none) and the text. */
static const char *
split_who(const char *s, int *wlen)
{
	static const char *const marks[] = { ": authentication failed: ", ": NOPERM ",
		": NOAUTH ", ": WRONGPASS ", NULL };
	const char *m;
	int i;

	*wlen = 0;
	for (i = 0; marks[i] != NULL; i++)
		if ((m = strstr(s, marks[i])) != NULL) {
			*wlen = (int)(m - s);
			return m + (i == 0 ? strlen(marks[0]) : 2);
		}
	return s;
}

const char *
rc_refusal_say(const char *s, const char *user, const char *alt, char *buf, size_t n)
{
	const struct hint *h;
	const char *cat = "@slow", *e;
	char cmd[64];
	int wl;

	if (user == NULL)
		user = "default";
	e = split_who(s != NULL ? s : "", &wl);
	switch (rc_refusal(s)) {
	case RC_REFUSED_PASSWORD:
		if (strstr(s, "refused the password") != NULL ||
		    strstr(s, "wants a password (") != NULL) {
			snprintf(buf, n, "%s", s);      /* said already */
			return buf;
		}
		/* NOAUTH: none was sent, or the node has one now. */
		snprintf(buf, n, "%.*s%s%s (%s): %s", wl, s, wl > 0 ? " " : "",
		    code_is(e, "NOAUTH") ? "wants a password" : "refused the password", e,
		    rc_kind_hint(RC_K_AUTH));
		return buf;
	case RC_REFUSED_NOPERM:
		break;
	default:
		return NULL;
	}
	if (noperm_command(e, cmd, sizeof cmd) == NULL) {
		snprintf(buf, n, "%.*s%suser '%s' may not use the keys or channels it "
		    "asked for (%s): allow them with ACL SETUSER %s ~PATTERN (or &PATTERN)"
		    "%s%s", wl, s, wl > 0 ? ": " : "", user, e, user,
		    alt != NULL ? ", or " : "", alt != NULL ? alt : "");
		return buf;
	}
	for (h = categories; h->code != NULL; h++)
		if (strcmp(h->code, cmd) == 0)
			cat = h->hint;
	snprintf(buf, n, "%.*s%suser '%s' may not run '%s' (NOPERM): allow it with ACL "
	    "SETUSER %s +%s (it is in the ACL category %s)%s%s", wl, s, wl > 0 ? ": " : "",
	    user, cmd, user, cmd, cat, alt != NULL ? ", or " : "", alt != NULL ? alt : "");
	return buf;
}
