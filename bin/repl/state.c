/*
 * state.c - what a session says once, every connection keeps: a password
 * given with AUTH (or HELLO ... AUTH) and a name given with CLIENT SETNAME
 * (or HELLO ... SETNAME) go into the cluster handle's options, and every
 * connection is made again with them (lib/conn.c says them on connecting),
 * so a node reached later, or reconnected after a restart, is not a
 * stranger.  READONLY and the protocol (HELLO N) are kept by lib the same
 * way (rc_node_readonly, rc_cluster_set_proto).
 */
#include <stdlib.h>
#include <string.h>

#include "repl.h"

static void
forget(char **s)
{
	if (*s != NULL) {
		memset(*s, 0, strlen(*s));      /* a password does not linger */
		free(*s);
		*s = NULL;
	}
}

static void
set_auth(struct repl *r, const char *user, const char *pass)
{
	forget(&r->user);
	forget(&r->pass);
	r->user = user != NULL ? rc_strdup(user) : NULL;
	r->pass = rc_strdup(pass);
	r->cl.opts.user = r->user;
	r->cl.opts.pass = r->pass;
}

static void
set_name(struct repl *r, const char *name)
{
	forget(&r->name);
	r->name = rc_strdup(name);
	r->cl.opts.name = r->name[0] != '\0' ? r->name : NULL;
}

/* HELLO protover [AUTH user pass] [SETNAME name]: 1 when it set either. */
static int
hello_state(struct repl *r, const struct rc_args *a)
{
	int i, changed = 0;

	for (i = 2; i < a->argc; i++)
		if (is_cmd(a, i, "AUTH") && i + 2 < a->argc) {
			set_auth(r, a->argv[i + 1], a->argv[i + 2]);
			changed = 1;
			i += 2;
		} else if (is_cmd(a, i, "SETNAME") && i + 1 < a->argc) {
			set_name(r, a->argv[i + 1]);
			changed = 1;
			i++;
		}
	return changed;
}

void
keep_state(struct repl *r, const struct rc_args *a)
{
	int changed = 0;

	if (is_cmd(a, 0, "AUTH") && (a->argc == 2 || a->argc == 3)) {
		set_auth(r, a->argc == 3 ? a->argv[1] : NULL, a->argv[a->argc - 1]);
		changed = 1;
	} else if (is_cmd(a, 0, "CLIENT") && is_cmd(a, 1, "SETNAME") && a->argc == 3) {
		set_name(r, a->argv[2]);
		changed = 1;
	} else if (is_cmd(a, 0, "HELLO"))
		changed = hello_state(r, a);
	if (changed)
		rc_cluster_reconnect(&r->cl);
}

void
state_free(struct repl *r)
{
	forget(&r->user);
	forget(&r->pass);
	forget(&r->name);
}
