/*
 * audit.c - audit: an event's invariants in two parts.  The atomic part
 * (seats_audit.lua) looks at everything whose size the event bounds (seats,
 * holds, stats, waitlist and the reservations they name) in one script;
 * every reservation record, finished ones too, is then checked in bounded
 * steps (seats_audit_chunk.lua, one HSCAN step each), so no part stalls the
 * node for longer on an event with a long history.  Exit 1 on a violation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seats.h"

#define AUDIT_CHUNK "200"       /* records one step reads (about) */

static void
violation(const char *m)
{
	rc_puts("violation\t");
	rc_put_field(m, strlen(m), 0);
	rc_putc('\n');
}

/* The records in steps, each atomic on its own; prints the violations and
 * returns how many, *nrec the records seen. */
static size_t
audit_records(struct ctx *c, const struct evkeys *k, long *nrec)
{
	char cursor[32] = "0";
	size_t i, nv = 0;

	*nrec = 0;
	do {
		struct call call;
		struct answer an;
		redisReply *r;
		call_init(&call, S_AUDIT_CHUNK, k);
		call_arg(&call, cursor);
		call_arg(&call, AUDIT_CHUNK);
		r = run(c, &call, 0, &an);
		if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
		    r->element[0]->type != REDIS_REPLY_STRING)
			die_reply(r, "audit");
		snprintf(cursor, sizeof cursor, "%s", elem(r, 0));
		*nrec += atol(elem(r, 1));
		for (i = 2; i < r->elements; i++, nv++)
			violation(elem(r, i));
		answer_free(&an);
	} while (strcmp(cursor, "0") != 0);
	return nv;
}

int
cmd_audit(void *ctx, int argc, char **argv)
{
	struct ctx *c = ctx;
	const char *id = argv[0];
	struct evkeys k;
	struct call call;
	struct answer an;
	redisReply *r;
	size_t i, nv;
	long nrec;

	(void)argc;
	event_keys(&k, id);
	call_init(&call, S_AUDIT, &k);
	/* Bounded by the event's seats, but not tiny: after a timeout the
	 * node may still be running it, so it is not sent again. */
	call.once = 1;
	r = run(c, &call, 0, &an);
	if (strcmp(must_word(&an, "audit", NULL, NULL), "NOEVENT") == 0)
		die_noevent(id);
	nv = r->elements > 8 ? r->elements - 8 : 0;
	header(c, "check\tvalue");
	rc_putf("seats\t%s\navailable\t%s\nheld\t%s\nsold\t%s\nactive\t%s\n", elem(r, 1),
	    elem(r, 2), elem(r, 3), elem(r, 4), elem(r, 5));
	for (i = 8; i < r->elements; i++)
		violation(elem(r, i));
	answer_free(&an);
	nv += audit_records(c, &k, &nrec);
	rc_putf("reservations\t%ld\nviolations\t%zu\n", nrec, nv);
	if (nv > 0) {
		rc_warn("audit %s: %zu violation%s", id, nv, nv == 1 ? "" : "s");
		return RC_EX_NO;
	}
	return RC_EX_OK;
}
