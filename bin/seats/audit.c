/*
 * audit.c - audit: every invariant of an event checked in one atomic look
 * (seats_audit.lua); exit 1 on a violation.
 */
#include <stdio.h>
#include <string.h>

#include "seats.h"

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

	(void)argc;
	event_keys(&k, id);
	call_init(&call, S_AUDIT, &k);
	r = run(c, &call, 0, &an);
	if (strcmp(must_word(&an, "audit", NULL, NULL), "NOEVENT") == 0)
		die_noevent(id);
	nv = r->elements > 6 ? r->elements - 6 : 0;
	header(c, "check\tvalue");
	rc_putf("seats\t%s\navailable\t%s\nheld\t%s\nsold\t%s\nreservations\t%s\n"
	    "violations\t%zu\n", elem(r, 1), elem(r, 2), elem(r, 3), elem(r, 4),
	    elem(r, 5), nv);
	for (i = 6; i < r->elements; i++) {
		rc_puts("violation\t");
		rc_put_field(elem(r, i), strlen(elem(r, i)), 0);
		rc_putc('\n');
	}
	answer_free(&an);
	if (nv > 0) {
		rc_warn("audit %s: %zu violation%s", id, nv, nv == 1 ? "" : "s");
		return RC_EX_NO;
	}
	return RC_EX_OK;
}
