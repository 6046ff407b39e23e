/*
 * watch.c - running a view: once, or (-w) again every few seconds, each
 * round a frame from the top of the terminal or rows prefixed with the
 * time, the round's warnings shown once; and the exit status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dist.h"

/* keys and hot: "-" means rc-slot's rows on stdin; up to keep other
 * operands (hot's slot or node) stay in d->args.  Stdin is read once, to
 * the end, so it cannot be watched or scanned. */
void
dist_operands(struct dist *d, const char *view, int argc, char **argv, int keep)
{
	int i;

	d->args = argv;
	d->nargs = 0;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0)
			d->stdin_src = 1;
		else if (d->nargs < keep)
			d->args[d->nargs++] = argv[i];
		else
			rc_die(RC_EX_USAGE, "%s: unexpected argument '%s'", view, argv[i]);
	}
	if (d->stdin_src && (d->match != NULL || d->watch > 0 || d->nargs > 0 ||
	    d->limit_set))
		rc_die(RC_EX_USAGE, "%s: stdin rows cannot be combined with -m, -w, a "
		    "slot/node or keys -n", view);
}

static void
frame_start(struct dist *d, const char *argline)
{
	if (d->o.pretty) {
		time_t now = time(NULL);
		char tb[64];
		strftime(tb, sizeof tb, "%Y-%m-%d %H:%M:%S", localtime(&now));
		rc_puts("\033[H\033[2J");
		rc_putf("%sEvery %gs: rc-dist %s%s    %s\n\n",
		    rc_color(&d->o, RC_C_DIM), d->watch, argline, rc_color(&d->o,
		    RC_C_RESET), tb);
	}
	d->ts = (long long)time(NULL);
}

int
dist_run(struct dist *d, const char *name, int argc, char **argv, view_fn *view)
{
	char argline[512];
	int i, rc;

	if (d->count > 0 && d->watch <= 0)
		rc_die(RC_EX_USAGE, "--count goes with -w");
	/* The frame's heading: the view as it was asked for. */
	snprintf(argline, sizeof argline, "%s", name);
	for (i = 0; i < argc; i++) {
		size_t l = strlen(argline);
		snprintf(argline + l, sizeof argline - l, " %s", argv[i]);
	}
	d->view = name;
	for (d->round = 0; ; d->round++) {
		d->bad = d->refused = 0;
		if (d->watch > 0)
			frame_start(d, argline);
		view(d);
		show_warnings(d);
		rc_flush();
		if (d->watch <= 0 || (d->count > 0 && d->round + 1 >= d->count))
			break;
		rc_sleep_ms((int)(d->watch * 1000));
	}
	rc = d->refused ? RC_EX_CLUSTER : d->bad ? RC_EX_NO : RC_EX_OK;
	if (d->opened)
		rc_cluster_close(&d->cl);
	free(d->slotkeys);
	free(d->lastwarn);
	return rc;
}
