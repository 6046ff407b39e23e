/*
 * repl.h - what the files of rc-repl share: the session, and the functions
 * one family of them calls in another.
 *
 *	main.c		the option table, the session's start and end
 *	run.c		one command: routing, pipelines, transactions, replies,
 *			timing; lines from stdin, -e and argv
 *	split.c		:split, one command per slot, the replies merged
 *	wait.c		WAIT and WAITAOF, on the node of the last write
 *	state.c		what every connection of the session says on connecting
 *	meta.c		the :meta-commands
 *	stream.c	SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, MONITOR
 *	intr.c		Ctrl-C while a command waits on the prompt
 *	edit.c		the prompt: libedit, history, Tab completion, hints
 */
#ifndef REPL_H
#define REPL_H

#include <histedit.h>
#include <signal.h>

#include "rc.h"

/* A command name the prompt completes, with its synopsis for the hint. */
struct cmdinfo {
	char *name;     /* "GET", or "CLUSTER SETSLOT" for a subcommand */
	char *hint;     /* its arguments, "" when none */
};

/* A :split write's masters, for WAIT (more than a cluster has, in practice). */
#define MAX_WROTE 64

struct repl {
	struct rc_opts o;
	struct rc_cluster cl;
	int interactive;
	int mode;                       /* RC_REPLY_TTY or RC_REPLY_RAW */
	int report;                     /* the command's reply is a text report */
	int route, split, timing, readonly;     /* the :toggles */
	int route_once;                 /* :route CMD */
	int in_multi;                   /* MULTI seen, not yet sent */
	long multi_line;
	struct rc_node *txn;            /* the node a transaction runs on */
	int txn_listens;                /* it queued a SUBSCRIBE or MONITOR */
	struct rc_node *pin;            /* :node */
	const char *src;                /* "<stdin>", "-e", "argv" or "<tty>" */
	long line;                      /* the current input line */
	struct rc_reader *rd;           /* batch: the input, to see the next line come */
	int more_cmds;                  /* -e: another command follows this one */
	int status;                     /* the worst exit code so far */
	long block;                     /* how long the current command may block
					 * (ms, 0: for ever), -1: it does not */
	char **ev;                      /* the -e command lines */
	int nev;
	struct rc_args args;
	struct rc_buf out;
	struct rc_pipe *pipe;           /* batch: queued keyed commands */
	long *pend;                     /* the input line of each queued command */
	size_t npend;
	struct rc_buf trace;            /* route lines of the current command */
	const char *send_label;         /* how SEND events are described */
	int last_ev;
	const struct rc_node *sent;     /* where the router last sent a command */
	struct rc_node *wrote[MAX_WROTE];       /* the nodes of the last write */
	int nwrote;
	long qwrite;                    /* batch: the last queued write's index, or -1 */
	int qwrite_slot;
	char *user, *pass, *name;       /* AUTH and CLIENT SETNAME of the session */
	/* interactive */
	EditLine *el;
	History *hist;
	char *histfile;
	char prompt[400];
	struct cmdinfo *cmds;           /* what Tab completes */
	int ncmds;
	int hint_shown;                 /* the last redraw put a hint at the right */
};

/* run.c */
void node_unusable(struct repl *r, struct rc_node *n, const char *pre, const char *tail);
void complain(struct repl *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void note(const char *s, size_t len);
void show(struct repl *r, const redisReply *rep, long line);
void on_event(void *ud, const struct rc_event *ev);
void trace_begin(struct repl *r, const char *label);
void trace_end(struct repl *r);
void flush_pipe(struct repl *r);
int is_cmd(const struct rc_args *a, int i, const char *name);
int text_report(const struct rc_args *a);
int listens(const struct rc_args *a);
void run_command(struct repl *r, struct rc_args *a);
int run_line(struct repl *r, const char *line, size_t len);
void batch(struct repl *r);
void run_args(struct repl *r, int argc, char **argv);
int more_input(struct rc_reader *rd);
int is_read(const struct rc_args *a);
/* How long a blocking command may wait by its own timeout argument (ms, 0:
 * for ever); -1 for a command that does not block. */
long block_ms(const struct rc_args *a);

/* split.c */
enum { SP_NONE, SP_MGET, SP_MSET, SP_SUM };
/* Which kind of split the command would be (SP_NONE: none). */
int split_kind(const struct rc_args *a);
/* Runs the command split over its keys' slots; 0 when they share one
 * (nothing to split: the caller sends it as it is). */
int run_split(struct repl *r, struct rc_args *a, int kind);

/* wait.c */
int is_wait(const struct rc_args *a);
int is_write(const struct rc_args *a, int slot);
/* The last write went to these nodes / to the node the router last sent to. */
void wrote_on(struct repl *r, struct rc_node **nodes, int n);
void wrote_on_sent(struct repl *r);
/* WAIT or WAITAOF on the nodes of the last write (any master when none);
 * 1 when the reply is not an error. */
int run_wait(struct repl *r, struct rc_args *a, long wait_ms);

/* state.c */
/* After a command went through: AUTH, HELLO ... AUTH/SETNAME and CLIENT
 * SETNAME become every connection's, those open now and those made later. */
void keep_state(struct repl *r, const struct rc_args *a);
void state_free(struct repl *r);

/* meta.c */
int meta(struct repl *r, struct rc_args *a);

/* stream.c */
void stream_messages(struct repl *r, struct rc_args *a);

/* intr.c */
/* From intr_catch to intr_release Ctrl-C on the prompt sets a flag
 * (intr_seen) instead of ending the session; release puts SIGINT back and
 * ends the line the terminal echoed ^C on.  Nothing happens in batch. */
void intr_catch(struct repl *r, struct sigaction *old);
int intr_seen(void);
void intr_release(struct repl *r, const struct sigaction *old);
/* Runs p, whose commands may block for wait ms (0: for ever; -1: they do
 * not block): their replies are awaited that long, on whatever node they
 * land, and on the prompt Ctrl-C cancels them (lib's rc_pipe_block). */
void exec_waiting(struct repl *r, struct rc_pipe *p, long wait);

/* edit.c */
void interactive(struct repl *r);

#endif
