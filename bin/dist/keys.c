/*
 * keys.c - rc-dist's keys view: keys per master, how far each is from an
 * even share, and how they were counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"

/* The line under the keys table: how the keys were counted, and whether
 * every master is within 10% of an even share. */
static void
keys_summary(struct dist *d, long long total, double worst)
{
	char how[128];

	if (d->estimated)
		snprintf(how, sizeof how, "about %lld keys, estimated from %lld found "
		    "by SCAN in %.0f%% of each master's keys", total, d->found,
		    100 * d->share);
	else
		snprintf(how, sizeof how, "%lld keys%s", total, d->stdin_src ?
		    " from stdin" : d->match != NULL || d->limit_set ?
		    " found by SCAN" : "");
	rc_putf("%s; %s (largest deviation from an even share %.1f%%)\n", how,
	    worst <= EVEN_PCT ? "balanced: every master within 10% of even" :
	    "skewed: some master is more than 10% off an even share", worst);
}

/* One master's row (m->n NULL: the unassigned slots); its deviation from
 * an even share (mean) goes into *worst when it is the largest yet. */
static void
keys_row(struct dist *d, const struct mcount *m, long long total, double mean,
    double *worst)
{
	double pct = total > 0 && m->keys >= 0 ? 100.0 * (double)m->keys /
	    (double)total : 0;
	double dev = 0;
	int has_dev = m->n != NULL && m->nslots > 0 && m->keys >= 0;
	char a[300], fl[128];

	if (has_dev && mean > 0)
		dev = 100.0 * ((double)m->keys - mean) / mean;
	if (has_dev && (dev > *worst || -dev > *worst))
		*worst = dev < 0 ? -dev : dev;
	if (m->n != NULL && m->refused == RC_REFUSED_NOPERM)
		snprintf(fl, sizeof fl, "noperm");
	else if (m->n != NULL)
		health(m->n, m->keys >= 0, fl, sizeof fl);
	else
		snprintf(fl, sizeof fl, "unassigned");
	if (unhealthy(fl))
		d->bad = 1;
	row_begin(d);
	cell(d, 1, addr_of(m->n, a, sizeof a));
	if (m->n == NULL)
		cell(d, 0, "-");
	else
		id_cell(d, m->n);
	llcell(d, m->keys);
	cellf(d, 0, m->keys >= 0 ? "%.1f" : "-", pct);
	if (d->table != NULL)
		bar_cell(d, pct / 100);
	if (!has_dev)
		cell(d, 0, "-");
	else if (d->table != NULL && (dev > EVEN_PCT || dev < -EVEN_PCT))
		cellf(d, 0, "%s%+.1f%s", rc_color(&d->o, RC_C_YELLOW), dev,
		    rc_color(&d->o, RC_C_RESET));
	else
		cellf(d, 0, "%+.1f", dev);
	cellf(d, 0, "%d", m->nslots);
	cell(d, 0, fl);
	row_end(d);
}

static void
view_keys(struct dist *d)
{
	static const char *const cols[] = { "NODE", "ID", "KEYS", "%", "",
		"DEV%", "SLOTS", "FLAGS" };
	struct mcount *mc;
	long long total = 0, mtotal = 0;
	double mean, worst = 0;
	int n, i, owning = 0, unknown = 0;

	mc = count_keys(d, &n);
	for (i = 0; i <= n; i++) {
		if (mc[i].keys > 0)
			total += mc[i].keys;
		if (i == n || mc[i].nslots == 0)
			continue;
		/* An even share among the masters whose count is known. */
		if (mc[i].keys < 0)
			unknown++;
		else {
			owning++;
			mtotal += mc[i].keys;
		}
	}
	mean = owning > 0 ? (double)mtotal / owning : 0;
	if (unknown > 0)
		note(d, "the deviations are from an even share among the %d masters "
		    "that answered, not all %d", owning, owning + unknown);
	header(d, "addr\tid\tkeys\tpercent\tdeviation\tslots\tflags", cols, 8);
	for (i = 0; i <= n; i++)
		/* The unassigned row only when some slot has no owner. */
		if (mc[i].n != NULL || mc[i].nslots != 0 || mc[i].keys != 0)
			keys_row(d, &mc[i], total, mean, &worst);
	table_done(d);
	if (d->o.pretty)
		keys_summary(d, total, worst);
	unassigned_note(d, NULL);
	flagged_note(d, 0);
	free(mc);
}

int
run_keys(void *ctx, int argc, char **argv)
{
	struct dist *d = ctx;

	dist_operands(d, "keys", argc, argv, 0);
	return dist_run(d, "keys", argc, argv, view_keys);
}
