/*
 * status.c - rc-failover status: a row per node, each replica's lag
 * measured, and whether it could take over now.
 */
#include <stdio.h>
#include <string.h>

#include "failover.h"

#define NCOLS 9
static const char *const head[NCOLS] = {
	"shard", "role", "node", "master", "link", "lag_bytes", "lag_ms", "failover", "why"
};

/* How long a replica may take to show the heartbeat before its lag is
 * reported as unknown. */
#define HB_WAIT_MS 2000

/* The cells of one row, as text. */
static void
cells(const struct rc_fo_row *w, char c[NCOLS][400])
{
	const struct rc_node *m = w->master != NULL ? w->master : w->node;
	int i;

	for (i = 0; i < NCOLS; i++)
		strcpy(c[i], "-");
	snprintf(c[0], sizeof c[0], "%.8s", m->id);
	snprintf(c[1], sizeof c[1], "%s", w->master != NULL ? "replica" :
	    rc_node_is_master(w->node) ? "master" : "replica");
	rc_node_addr(w->node, c[2], sizeof c[2]);
	if (w->master != NULL) {
		rc_node_addr(w->master, c[3], sizeof c[3]);
		if (w->link_up >= 0)
			snprintf(c[4], sizeof c[4], "%s", w->link_up ? "up" : "down");
		if (w->lag_bytes >= 0)
			snprintf(c[5], sizeof c[5], "%lld", w->lag_bytes);
		if (w->lag_ms >= 0)
			snprintf(c[6], sizeof c[6], "%.1f", w->lag_ms);
		snprintf(c[7], sizeof c[7], "%s", w->can ? "yes" : "no");
	}
	if (w->why[0] != '\0')
		snprintf(c[8], sizeof c[8], "%s", w->why);
}

static void
print_tsv(const struct fo *f, const struct rc_fo_status *st)
{
	char c[NCOLS][400];
	int i, k;

	if (f->o.header)
		for (k = 0; k < NCOLS; k++)
			rc_putf("%s%s%s", k ? "\t" : "#", head[k], k + 1 < NCOLS ? "" : "\n");
	for (i = 0; i < st->n; i++) {
		cells(&st->rows[i], c);
		for (k = 0; k < NCOLS; k++) {
			if (k > 0)
				rc_putc('\t');
			rc_put_field(c[k], strlen(c[k]), k == 0);
		}
		rc_putc('\n');
	}
}

static void
print_pretty(const struct fo *f, const struct rc_fo_status *st)
{
	struct rc_table *t = rc_table_new(NCOLS);
	char c[NCOLS][400], up[64];
	int i, k;

	for (k = 0; k < NCOLS; k++) {
		for (i = 0; head[k][i] != '\0' && i < 63; i++)
			up[i] = (char)(head[k][i] >= 'a' && head[k][i] <= 'z' ?
			    head[k][i] - 'a' + 'A' : head[k][i]);
		up[i] = '\0';
		rc_table_cell(t, up);
	}
	for (i = 0; i < st->n; i++) {
		const struct rc_fo_row *w = &st->rows[i];
		int bad = (w->master != NULL && !w->can) || (w->master == NULL && w->why[0]);
		cells(w, c);
		for (k = 0; k < NCOLS; k++)
			if (k == 7 || k == 8)
				rc_table_cellf(t, "%s%s%s", rc_color(&f->o, bad ? RC_C_RED :
				    RC_C_GREEN), c[k], rc_color(&f->o, RC_C_RESET));
			else
				rc_table_cell(t, c[k]);
	}
	rc_table_print(t, 1);
	rc_table_free(t);
}

int
cmd_status(void *ctx, int argc, char **argv)
{
	struct fo *f = ctx;
	struct rc_cluster cl;
	struct rc_fo_status st;
	char err[512];
	int orphans;

	(void)argc;
	(void)argv;
	fo_open(f, &cl);
	if (rc_fo_status(&cl, HB_WAIT_MS, &st, err, sizeof err) < 0)
		rc_die(RC_EX_CLUSTER, "%s", err);
	if (f->o.pretty)
		print_pretty(f, &st);
	else
		print_tsv(f, &st);
	orphans = st.orphans;
	if (orphans > 0)
		rc_warn("%d master%s with slots and no replica able to take over", orphans,
		    orphans == 1 ? "" : "s");
	rc_fo_status_free(&st);
	rc_cluster_close(&cl);
	return orphans > 0 ? RC_EX_NO : RC_EX_OK;
}
