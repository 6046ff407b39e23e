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

int
rc_text_kind(const char *s)
{
	static const char wrap[] = "replied with error: ";
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
	    strstr(s, "invalid password") != NULL || strstr(s, ": NOAUTH") != NULL ||
	    strstr(s, ": WRONGPASS") != NULL)
		return RC_K_AUTH;
	if (code_is(s, "MOVED"))
		return RC_K_MOVED;
	if (code_is(s, "ASK"))
		return RC_K_ASK;
	/* MIGRATE passes the target's own error on, wrapped: "ERR Target
	 * instance replied with error: CLUSTERDOWN ..." (a target that just
	 * restarted): the code is looked for there too. */
	if ((w = strstr(s, wrap)) != NULL)
		s = w + sizeof wrap - 1;
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
	}
	return NULL;
}
