/*
 * seats.h - what the files of rc-seats share: the context every command
 * gets, an event's keys, one script call and its answer, and the checks and
 * names every command family uses.
 *
 * Every key of an event shares the hash tag {event:ID}, so every change is
 * one Lua script (lib/lua/seats_*.lua, with seats_lib.lua prepended) run
 * atomically on the event's master with all its keys in KEYS, by EVALSHA
 * with lib's NOSCRIPT fallback (lib/script.c).  Reservation ids are chosen
 * here and carry the event id, so a retry after a lost reply finds its own
 * hold and confirm/cancel know where to go.
 */
#ifndef SEATS_H
#define SEATS_H

#include "rc.h"

#define NKEYS 8
#define MAX_ROWS 702            /* A..Z, AA..ZZ */
#define MAX_PER_ROW 1000
#define MAX_SEATS 100000        /* per event */
#define MAX_REQ_SEATS 100       /* per reservation */
#define MAX_FIELD 256           /* user, name, email */

/* The scripts, one per kind of change. */
enum { S_CREATE, S_RESERVE, S_CONFIRM, S_CANCEL, S_SWEEP, S_SHOW, S_WAITLIST,
	S_AUDIT, S_AUDIT_CHUNK, S_N };

#define DEFAULT_RETENTION 86400 /* seconds a finished reservation is kept */
#define SWEEP_HOLDS 256         /* expired holds one sweep step releases */
#define SWEEP_PRUNE 1000        /* aged records one sweep step removes */

/* The values of the tool's options, as given (checked by the command). */
struct seatopts {
	const char *name, *rows, *seats, *price, *hold, *id, *event, *user, *email;
	const char *users, *duration, *requests, *threads, *confirm, *cancel, *log;
	const char *count, *retention;
	int random;
};

struct ctx {
	struct rc_opts o;
	struct rc_cluster cl;
	int open;               /* cl is open */
	double retry_s;         /* --retry: how long transient failures are retried */
	int durable;            /* --durable */
	int wait_ms;            /* --wait-ms */
	int wait_given;         /* --wait-ms was given (only with --durable) */
	struct seatopts a;
};

/* An event's keys, all with the hash tag {event:ID}. */
struct evkeys {
	char id[80];
	char k[NKEYS][100];
	size_t len[NKEYS];
	int slot;
};

/* One script call: the event's keys, then its arguments. */
#define MAX_ARGS 24
struct call {
	int script;             /* S_* */
	int argc;
	const char *argv[NKEYS + MAX_ARGS];
	size_t len[NKEYS + MAX_ARGS];
	int slot;
	int once;               /* not sent again after a lost reply or a timeout */
};

/* What a script call came back with. */
struct answer {
	struct rc_pipe *p;      /* holds r */
	redisReply *r;          /* the script's answer, or the error that ended the tries */
	long replicas;          /* with --durable: replicas that acknowledged; else -1 */
	int lost;               /* an earlier try may have run without our seeing it */
};

/* names.c: ids, seat names, option values, output */
int valid_event_id(const char *s);
void evkeys_init(struct evkeys *k, const char *id);
void event_keys(struct evkeys *k, const char *id);
void res_keys(struct evkeys *k, const char *res);
void row_name(int r, char *buf);
int parse_seat(const char *s, int *row, int *num);
void random_hex(char *out, size_t nhex);
long num_arg(const char *s, const char *what, long min, long max);
void text_arg(const char *s, const char *what, int required);
void price_arg(const char *s, char *canon, size_t n);
void res_id(char *out, size_t n, const char *event, uint64_t *rng);
int seats_arg(const char *s);
void need_event(const struct ctx *c);
void need_durable(const struct ctx *c, const char *cmd);
void header(struct ctx *c, const char *cols);
void kv(const char *k, const char *v);

/* call.c: the cluster, script calls, their answers */
void scripts_init(void);
void cluster_open(struct ctx *c);
int open_handle(struct ctx *c, struct rc_cluster *cl, int startup, char *why, size_t n);
void call_init(struct call *call, int script, const struct evkeys *k);
void call_arg(struct call *call, const char *s);
void call_pipe(struct rc_pipe *p, const struct call *call, int eval);
int worth_retry(const redisReply *r);
int retry_wait(struct ctx *c, const redisReply *r, double deadline, int *backoff);
struct rc_pipe *pipe_retry(struct ctx *c, void (*fill)(struct rc_pipe *, void *), void *ud,
    const char *what);
redisReply *run(struct ctx *c, const struct call *call, int durable, struct answer *an);
void answer_free(struct answer *an);
int settled(const char *w);
const char *word(const redisReply *r);
const char *elem(const redisReply *r, size_t i);
const char *must_word(const struct answer *an, const char *what, const char *res,
    const char *maybe);
_Noreturn void die_reply(const redisReply *r, const char *what);
_Noreturn void die_noevent(const char *id);
_Noreturn void die_nores(const char *res, const redisReply *r);
const char *owner_addr(struct ctx *c, int slot, char *buf, size_t n);

/* events.c */
int cmd_create(void *ctx, int argc, char **argv);
int cmd_events(void *ctx, int argc, char **argv);
int cmd_seat_map(void *ctx, int argc, char **argv);
int cmd_availability(void *ctx, int argc, char **argv);
char **scan_events(struct ctx *c, size_t *count, const char *what);
void sweep_event(struct ctx *c, struct evkeys *k, struct answer *an, long *released,
    long *offers, long *pruned);

/* reservations.c */
int cmd_reserve(void *ctx, int argc, char **argv);
int cmd_confirm(void *ctx, int argc, char **argv);
int cmd_cancel(void *ctx, int argc, char **argv);
int cmd_show(void *ctx, int argc, char **argv);
int cmd_waitlist_join(void *ctx, int argc, char **argv);
int cmd_waitlist_list(void *ctx, int argc, char **argv);
int cmd_waitlist_leave(void *ctx, int argc, char **argv);
int cmd_waitlist_offer(void *ctx, int argc, char **argv);
int cmd_sweep(void *ctx, int argc, char **argv);

/* load.c */
int cmd_load(void *ctx, int argc, char **argv);

/* audit.c */
int cmd_audit(void *ctx, int argc, char **argv);

#endif
