/*
 * rc-seats - the ticket reservation system: events, seat maps, atomic holds,
 * confirm/cancel, waitlist, load and audit, correct under concurrency and
 * failover.  This file is its table of options and commands; each command
 * lives in the file of its family (events.c, reservations.c, load.c,
 * audit.c), the script calls in call.c, the names and checks in names.c.
 */
#include <string.h>

#include "seats.h"

enum { O_NAME = RC_OPT_TOOL, O_ROWS, O_SEATS, O_PRICE, O_HOLD, O_ID, O_EVENT, O_USER,
	O_EMAIL, O_USERS, O_DURATION, O_REQUESTS, O_THREADS, O_CONFIRM, O_CANCEL,
	O_LOG, O_COUNT, O_RETENTION, O_RANDOM, O_DURABLE, O_RETRY, O_WAITMS };

#define EVENTS "@event"         /* an event id, from rc-seats events */

static const struct rc_optdef options[] = {
	{ O_NAME, "name", "NAME", NULL, "the event's name; the buyer's name (reserve)" },
	{ O_ROWS, "rows", "R", NULL, "rows of seats (1-702: A..Z, AA..ZZ)" },
	{ O_SEATS, "seats", "SEATS", NULL,
	  "seats a row (create-event); the seats, A1,A2 (reserve); seats a request (load)" },
	{ O_PRICE, "price", "P", NULL, "ticket price, at most two decimals" },
	{ O_HOLD, "hold", "SECS", NULL, "how long a hold lasts (300)" },
	{ O_ID, "id", "ID", NULL, "the event's id (else 8 random hex digits)" },
	{ O_EVENT, "event", "E", EVENTS, "the event" },
	{ O_USER, "user", "U", NULL, "the user" },
	{ O_EMAIL, "email", "M", NULL, "the buyer's email" },
	{ O_USERS, "users", "N", NULL, "simulated users (10)" },
	{ O_DURATION, "duration", "S", NULL, "seconds to run" },
	{ O_REQUESTS, "requests", "N", NULL, "reservations to attempt (ten per user)" },
	{ O_THREADS, "threads", "T", NULL, "load threads (2)" },
	{ O_CONFIRM, "confirm", "PCT", NULL, "percent of holds confirmed (80)" },
	{ O_CANCEL, "cancel", "PCT", NULL, "percent of holds cancelled (10)" },
	{ O_LOG, "log", "FILE", "@file", "write every outcome to FILE" },
	{ O_COUNT, "count", "N", NULL, "seats wanted on the waitlist (1)" },
	{ O_RETENTION, "retention", "SECS", NULL,
	  "how long finished reservations are kept (86400)" },
	{ O_RANDOM, "random", NULL, NULL, "random seats instead of adjacent ones" },
	{ O_DURABLE, "durable", NULL, NULL,
	  "wait for a replica after each confirm or cancel (WAIT 1)" },
	{ O_RETRY, "retry", "SECS", NULL, "how long transient failures are retried (20)" },
	{ O_WAITMS, "wait-ms", "MS", NULL, "the WAIT timeout of --durable (1000)" },
	{ 0, NULL, NULL, NULL, NULL }
};

#define SETTLE_SYN "[--durable [--wait-ms MS]] RES"
static const struct rc_command commands[] = {
	{ "create-event", 0, 0, "name rows seats price hold id retention",
	  "--name N --rows R --seats S --price P [--hold SECS] [--id ID] "
	  "[--retention SECS]", "a new event",
	  NULL, cmd_create },
	{ "events", 0, 0, NULL, "", "every event on every master", NULL, cmd_events },
	{ "seat-map", 1, 1, NULL, "EVENT", "the seats (grid on a terminal)", EVENTS,
	  cmd_seat_map },
	{ "availability", 1, 1, NULL, "EVENT", "available, held, sold", EVENTS,
	  cmd_availability },
	{ "reserve", 0, 0, "event user seats name email hold",
	  "--event E --user U --seats A1,A2 [--name N] [--email M] [--hold SECS]",
	  "hold seats, all or nothing",
	  NULL, cmd_reserve },
	{ "confirm", 1, 1, "durable wait-ms", SETTLE_SYN, "held -> sold", NULL, cmd_confirm },
	{ "cancel", 1, 1, "durable wait-ms", SETTLE_SYN,
	  "release; the waitlist is offered the seats", NULL, cmd_cancel },
	{ "show", 1, 1, NULL, "RES", "one reservation", NULL, cmd_show },
	{ "waitlist join", 0, 0, "event user count", "--event E --user U [--count N]",
	  "join the end of the waitlist",
	  NULL, cmd_waitlist_join },
	{ "waitlist list", 1, 1, NULL, "EVENT", "the waitlist in order", EVENTS,
	  cmd_waitlist_list },
	{ "waitlist leave", 0, 0, "event user", "--event E --user U", "leave the waitlist", NULL,
	  cmd_waitlist_leave },
	{ "waitlist offer", 0, 0, "event user", "--event E --user U",
	  "the user's offers from the waitlist, still held", NULL, cmd_waitlist_offer },
	{ "load", 0, 0,
	  "event users seats duration requests durable wait-ms threads random confirm "
	  "cancel log",
	  "--event E [--users N] [--seats K] [--duration S | --requests N] "
	  "[--durable [--wait-ms MS]] [--threads T] [--random] [--confirm PCT] "
	  "[--cancel PCT] [--log FILE]", "many concurrent simulated users", NULL, cmd_load },
	{ "audit", 1, 1, NULL, "EVENT", "check every invariant; exit 1 on a violation",
	  EVENTS, cmd_audit },
	{ "sweep", 0, -1, NULL, "[EVENT ...]",
	  "release expired holds now, drop records past the retention", EVENTS,
	  cmd_sweep },
	{ NULL, 0, 0, NULL, NULL, NULL, NULL, NULL }
};

/* Stores an option's value; the commands check the values they take.  Only
 * --retry and --wait-ms are numbers every command reads alike. */
static int
set_option(void *ctx, int id, const char *arg)
{
	struct ctx *c = ctx;
	struct seatopts *a = &c->a;
	const char **str[] = {
		[O_NAME - O_NAME] = &a->name, [O_ROWS - O_NAME] = &a->rows,
		[O_SEATS - O_NAME] = &a->seats, [O_PRICE - O_NAME] = &a->price,
		[O_HOLD - O_NAME] = &a->hold, [O_ID - O_NAME] = &a->id,
		[O_EVENT - O_NAME] = &a->event, [O_USER - O_NAME] = &a->user,
		[O_EMAIL - O_NAME] = &a->email, [O_USERS - O_NAME] = &a->users,
		[O_DURATION - O_NAME] = &a->duration, [O_REQUESTS - O_NAME] = &a->requests,
		[O_THREADS - O_NAME] = &a->threads, [O_CONFIRM - O_NAME] = &a->confirm,
		[O_CANCEL - O_NAME] = &a->cancel, [O_LOG - O_NAME] = &a->log,
		[O_COUNT - O_NAME] = &a->count, [O_RETENTION - O_NAME] = &a->retention,
	};

	if (id == O_RANDOM)
		a->random = 1;
	else if (id == O_DURABLE)
		c->durable = 1;
	else if (id == O_RETRY)
		c->retry_s = (double)num_arg(arg, "--retry", 0, 3600);
	else if (id == O_WAITMS) {
		c->wait_ms = (int)num_arg(arg, "--wait-ms", 1, 600000);
		c->wait_given = 1;
	} else if (id >= O_NAME && id <= O_RETENTION)
		*str[id - O_NAME] = arg;
	return 0;
}

static const struct rc_tool tool = {
	.name = "rc-seats",
	.args = "command [args]",
	.about = "  ticket reservations: events, holds, sales, a waitlist, load and audit.",
	.opts = options,
	.cmds = commands,
	.every = "retry",
	.set = set_option,
};

int
main(int argc, char **argv)
{
	struct ctx c;
	int rc;

	rc_init(argv[0]);
	memset(&c, 0, sizeof c);
	rc_opts_init(&c.o);
	c.retry_s = 20;
	c.wait_ms = 1000;
	scripts_init();
	rc = rc_main(&tool, &c.o, &c, argc, argv);
	if (c.open)
		rc_cluster_close(&c.cl);
	return rc;
}
