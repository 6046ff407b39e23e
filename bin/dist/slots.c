/*
 * slots.c - rc-dist's slots view: slot ranges per master, the slots no
 * master owns, and the slots being moved.
 */
#include <stdio.h>
#include <stdlib.h>

#include "dist.h"

static void
view_slots(struct dist *d)
{
	static const char *const cols[] = { "NODE", "ID", "SLOTS", "%", "",
		"RANGES", "OPEN", "FLAGS" };
	struct rc_node **v;
	struct rc_open *op;
	char *ranges, *open, a[300], fl[128];
	int n, i, nun, nop, *ans;

	connect_cluster(d);
	v = sorted_nodes(d, 1, &n);
	ans = rc_calloc((size_t)n + 1, sizeof *ans);
	nop = open_slots(d, v, n, ans, &op);
	header(d, "addr\tid\tslots\tpercent\tranges\topen\tflags", cols, 8);
	for (i = 0; i < n; i++) {
		double pct = 100.0 * v[i]->nslots / RC_NSLOTS;

		if (unhealthy(health(v[i], ans[i], fl, sizeof fl)))
			d->bad = 1;
		ranges = rc_ranges_str(v[i]->ranges, v[i]->nranges);
		open = open_note(d, v[i], op, nop);
		row_begin(d);
		cell(d, 1, addr_of(v[i], a, sizeof a));
		id_cell(d, v[i]);
		cellf(d, 0, "%d", v[i]->nslots);
		cellf(d, 0, "%.1f", pct);
		if (d->table != NULL)
			bar_cell(d, pct / 100);
		long_cell(d, v[i]->nranges ? ranges : "-");
		long_cell(d, open != NULL ? open : "-");
		cell(d, 0, fl);
		row_end(d);
		free(ranges);
		free(open);
	}
	nun = unassigned_note(d, &ranges);
	if (nun > 0) {
		row_begin(d);
		cell(d, 1, "-");
		cell(d, 0, "-");
		cellf(d, 0, "%d", nun);
		cellf(d, 0, "%.1f", 100.0 * nun / RC_NSLOTS);
		if (d->table != NULL)
			bar_cell(d, (double)nun / RC_NSLOTS);
		long_cell(d, ranges);
		cell(d, 0, "-");
		cell(d, 0, "unassigned");
		row_end(d);
	}
	free(ranges);
	table_done(d);
	flagged_note(d, 0);
	free(op);
	free(ans);
	free(v);
}

int
run_slots(void *ctx, int argc, char **argv)
{
	return dist_run(ctx, "slots", argc, argv, view_slots);
}
