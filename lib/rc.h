/*
 * rc.h - the rc-tools library (librc.a).
 *
 * One header, grouped by the source file that implements each part.  Every
 * public name starts with rc_.  Nothing here keeps global state except the
 * program name and the stdout buffer (err.c, out.c); a struct rc_cluster is
 * owned by one thread at a time, so a tool that wants concurrency opens one
 * cluster handle per thread.
 */
#ifndef RC_H
#define RC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>

#include <hiredis/hiredis.h>

#define RC_VERSION "0.1.0"
#define RC_NSLOTS 16384

/* ---- err.c: messages, exit codes, memory that cannot fail ---------------- */

enum {
	RC_EX_OK = 0,      /* success */
	RC_EX_NO = 1,      /* the answer is no: conflict, failed check, nothing found */
	RC_EX_USAGE = 2,   /* usage or bad input */
	RC_EX_CLUSTER = 3, /* the cluster could not be reached or refused */
	RC_EX_LOST = 4     /* done, but output lost: the change was made and stdout
			    * could not be written; stderr says what it held */
};

extern const char *rc_progname;

/* Sets rc_progname from argv[0] and arranges for stdout to be flushed and
 * checked at exit (rc_out_end). Call first thing in main(). */
void rc_init(const char *argv0);
void rc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void rc_die(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Like rc_die/rc_warn, prefixed with "NAME:LINE: " for input errors. */
_Noreturn void rc_die_at(const char *name, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void *rc_malloc(size_t n);
void *rc_calloc(size_t n, size_t size);
void *rc_realloc(void *p, size_t n);
char *rc_strdup(const char *s);
char *rc_strndup(const char *s, size_t n);

/* ---- slot.c: CRC16/XMODEM and the hash-tag rule ------------------------ */

uint16_t rc_crc16(const void *buf, size_t len);
/* The part of a key that is hashed: the bytes between the first '{' and the
 * first '}' after it, when that is not empty; else the whole key.  Returns 1
 * when a tag applies (*off, *len describe it), 0 otherwise (whole key). */
int rc_hashtag(const char *key, size_t keylen, size_t *off, size_t *len);
unsigned rc_keyslot(const char *key, size_t keylen);

/* ---- tsv.c: line reading, fields, escapes ------------------------------- */

struct rc_reader {
	int fd;
	const char *name;   /* for messages: "<stdin>" or a file name */
	long lineno;
	char *buf;
	size_t cap, start, end;
	int eof;
};

void rc_reader_init(struct rc_reader *r, int fd, const char *name);
void rc_reader_free(struct rc_reader *r);
/* Next line without its '\n' (and a '\r' before it); -1 at end of input.
 * The line is writable and valid until the next call; it is NUL-terminated. */
ssize_t rc_reader_line(struct rc_reader *r, char **line);
/* 1 when the line is empty or a comment (first byte '#'). */
int rc_tsv_skip(const char *line, size_t len);

struct rc_field {
	char *s;
	size_t len;
};
/* Splits line at TABs in place (each field NUL-terminated); returns the number
 * of fields, at most max (the last field then holds the rest of the line). */
int rc_tsv_split(char *line, size_t len, struct rc_field *f, int max);
/* Decodes \t \n \r \\ \# in place; returns the new length, or -1 with *bad
 * pointing at the offending backslash when an escape is malformed. */
ssize_t rc_tsv_unescape(char *s, size_t len, size_t *bad);
/* Writes the escaped form of s to dst (room for 2*len bytes); returns length.
 * first: escape a leading '#' as "\#" (the first field of a row). */
size_t rc_tsv_escape(char *dst, const char *s, size_t len, int first);

/* ---- out.c: buffered stdout, checked at exit ----------------------------- */

void rc_put(const void *s, size_t len);
void rc_putc(int c);
void rc_puts(const char *s);
void rc_putu(unsigned long long v);
void rc_puti(long long v);
void rc_putf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A TSV field: escaped; first as for rc_tsv_escape. */
void rc_put_field(const char *s, size_t len, int first);
void rc_flush(void);
/* A command that changes something calls rc_done once its change is made,
 * before it prints about it, with what that output says ("reserved A1,A2 as
 * EVENT.r1f2"); a later call replaces the text (a change made in steps says
 * so at its first step and sums up at the end).  A write error on stdout
 * before rc_done ends the program with RC_EX_USAGE, as "nothing done"; from
 * rc_done on it no longer ends it (a change half made is worse than output
 * lost): the rest of the output is dropped, and at exit stderr says "done,
 * but output lost: TEXT" and the status is RC_EX_LOST, or the command's own
 * when that is not RC_EX_OK.  Thread-safe only as rc_put is (one at a time). */
void rc_done(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* rc_done for a change whose text costs to make (many steps): say writes
 * it into buf (len bytes, NUL-terminated), called only when output was
 * lost, at exit.  arg must live until then. */
void rc_done_by(void (*say)(void *arg, char *buf, size_t len), void *arg);
/* Flushes and checks stdout for a program about to exit with code, and
 * returns the status to exit with: code, RC_EX_USAGE for a write error
 * before rc_done, RC_EX_LOST (when code is RC_EX_OK) for one after it, each
 * said on stderr once.  rc_main, rc_die and the exit handler call it. */
int rc_out_end(int code);

/* ---- opt.c: addresses and the options every tool shares ------------------ */

struct rc_addr {
	char host[256];
	int port;
};

/* "host:port", "[v6addr]:port", "v6addr:port" is refused (ambiguous), or a
 * bare "port" meaning 127.0.0.1. Returns 0, or -1 when malformed. */
int rc_addr_parse(const char *s, struct rc_addr *a);
/* "host:port" (IPv6 in brackets) into buf, which it returns. */
const char *rc_addr_fmt(const struct rc_addr *a, char *buf, size_t n);
int rc_addr_eq(const struct rc_addr *a, const struct rc_addr *b);

enum { RC_MODE_AUTO, RC_MODE_TSV, RC_MODE_PRETTY };

struct rc_opts {
	struct rc_addr seed;
	char *user;         /* RC_USER, else NULL */
	char *pass;         /* RC_AUTH or REDISCLI_AUTH, --askpass; else NULL */
	int timeout_ms;     /* connect and command timeout; RC_TIMEOUT, --timeout */
	int mode;           /* RC_MODE_* */
	int pretty;         /* resolved by rc_opts_done: mode, or stdout a tty */
	int color;          /* pretty and NO_COLOR unset */
	int header;         /* -H */
	int askpass;
	int resp;           /* 3: every connection says HELLO 3 (hiredis 1.x); else RESP2 */
	const char *name;   /* every connection says CLIENT SETNAME name; NULL: none */
};

/* Long options every tool accepts; short ones are "c:HTp" plus h and V. */
enum { RC_OPT_ASKPASS = 0x1000, RC_OPT_TIMEOUT };
#define RC_COMMON_SHORTOPTS "c:HTphV"
#define RC_COMMON_LONGOPTS                                         \
	{"cluster", required_argument, NULL, 'c'},                 \
	{"header", no_argument, NULL, 'H'},                        \
	{"tsv", no_argument, NULL, 'T'},                           \
	{"pretty", no_argument, NULL, 'p'},                        \
	{"askpass", no_argument, NULL, RC_OPT_ASKPASS},            \
	{"timeout", required_argument, NULL, RC_OPT_TIMEOUT},      \
	{"help", no_argument, NULL, 'h'},                          \
	{"version", no_argument, NULL, 'V'}

/* Defaults from the environment (RC_CLUSTER, RC_AUTH, REDISCLI_AUTH, RC_USER,
 * RC_TIMEOUT); dies with RC_EX_USAGE on a malformed value. */
void rc_opts_init(struct rc_opts *o);
/* Handles one common option from getopt; returns 1 if it was one of them.
 * 'h' and 'V' are left to the tool (usage text is the tool's). */
int rc_opts_parse(struct rc_opts *o, int ch, const char *arg);
/* After option parsing: resolves pretty/colour and asks for a password when
 * --askpass was given. */
void rc_opts_done(struct rc_opts *o);
/* getopt_long with what every tool shares done here: the common options go
 * into o, -h prints usage on stdout and exits 0, -V the version, an unknown
 * option or a missing argument usage on stderr and exit 2.  Returns the next
 * option that is the tool's own (shortopts: its letters only), -1 at the end.
 * longopts must include RC_COMMON_LONGOPTS. */
struct option;
int rc_getopt(struct rc_opts *o, int argc, char *const argv[], const char *shortopts,
    const struct option *longopts, void (*usage)(FILE *));
/* Prints "NAME VERSION" and exits 0. */
_Noreturn void rc_version(void);
/* Parses a whole decimal number in [min, max]; returns 0 or -1. */
int rc_parse_long(const char *s, long min, long max, long *out);

/* ---- cmd.c: a tool is a table of its commands ------------------------------ */

/* One option of a tool.  id: the letter of an option that has a short form
 * ('y'), else a number from RC_OPT_TOOL on.  A table ends with name NULL. */
enum { RC_OPT_TOOL = 0x2000 };
struct rc_optdef {
	int id;
	const char *name;       /* the long name, without "--" */
	const char *arg;        /* the value's name in help ("SECS"); NULL: none */
	const char *comp;       /* completing the value: NULL nothing, "@file",
				 * "@host" (a seed), "@node", or words "slots keys" */
	const char *help;       /* one line */
};

/* One command.  A table ends with run NULL.  A tool without command words
 * (rc-slot) has one command whose name is NULL. */
struct rc_command {
	const char *name;       /* "create", or words: "plan move", "waitlist join" */
	int min, max;           /* how many operands; max -1: any number */
	const char *opts;       /* the long names of the options it takes, space-separated */
	const char *synopsis;   /* what follows the name in usage: "[-r N] HOST:PORT ..." */
	const char *help;       /* one line */
	const char *operands;   /* completing an operand: NULL nothing, "@file", "@stdin"
				 * ("-"), "@node", "@host", or words */
	int (*run)(void *ctx, int argc, char **argv);  /* its operands only */
};

struct rc_tool {
	const char *name;               /* "rc-seats" */
	const char *args;               /* usage's first line after "[options]": "command [args]" */
	const char *about;              /* a line under it, or NULL */
	const struct rc_optdef *opts;   /* the tool's own options, or NULL */
	const struct rc_command *cmds;
	const char *every;              /* options every command takes ("retry"), or NULL */
	const char *deflt;              /* the command run when none is named, or NULL */
	/* Stores one of the tool's options, called in command-line order after
	 * the command was found and is known to take it.  Returns 0, or -1 for a
	 * bad value (it may also die with its own RC_EX_USAGE message). */
	int (*set)(void *ctx, int id, const char *arg);
	const char *footer;             /* more help text, or NULL */
	const char *noun;               /* what a command is called in messages
					 * ("view": "no view given"); NULL: "command" */
};

/* The whole front of a tool: parses argv (options before or after the
 * command words), puts the shared options in o (rc_opts_init it first),
 * finds the command, refuses an option the command does not take and a
 * wrong number of operands (exit 2, naming option and command, nothing
 * done), hands the tool's options to t->set, calls rc_opts_done, and returns
 * what the command's run returns.  -h prints usage (a command's own after
 * its name), -V the version; the hidden --rc-spec prints the table as TSV
 * for tools/completion.sh, and --rc-check-options stops after the option
 * checks with exit 0 (tests/cli/completion.t walks the completion with it). */
int rc_main(const struct rc_tool *t, struct rc_opts *o, void *ctx, int argc, char **argv);
/* A whole number in [lo, hi] for option opt, else dies with exit 2. */
long rc_arg_long(const char *opt, const char *s, long lo, long hi);

/* ---- conn.c: one connection ------------------------------------------------ */

/* Connects with the timeout in o, authenticates when o has a password, says
 * HELLO 3 when o->resp is 3, and sets the command timeout.  NULL with
 * "host:port: reason" in err on failure (the caller exits RC_EX_CLUSTER). */
redisContext *rc_connect(const struct rc_addr *a, const struct rc_opts *o,
    char *err, size_t errlen);
/* Switches a connection to RESP proto (2 or 3).  0, or -1 with "who: reason"
 * in err. */
int rc_hello(redisContext *c, int proto, char *err, size_t errlen, const char *who);
/* Runs a command; NULL when the connection failed (c->errstr says why). */
redisReply *rc_cmd(redisContext *c, const char *fmt, ...);
redisReply *rc_cmd_argv(redisContext *c, int argc, const char **argv,
    const size_t *argvlen);
/* A command given as its words, NULL-terminated (at most RC_CMDV_MAX):
 * rc_cmdv(c, "CLUSTER", "FORGET", id, NULL).  Binary-safe up to a NUL, and
 * the compiler checks the list, where a hiredis format string is not.  NULL
 * when the connection failed (c->errstr says why). */
#define RC_CMDV_MAX 64
redisReply *rc_cmdv(redisContext *c, const char *arg, ...) __attribute__((sentinel));
redisReply *rc_vcmdv(redisContext *c, const char *arg, va_list ap);
/* How rc_errstr begins a protocol error (rc_text_kind: RC_K_PROTO). */
#define RC_PROTO_ERR "a reply no Redis node sends"
/* Why the connection failed, for a message: its errstr, but a timeout as
 * "no reply within 5 s (timeout)" (not the errno text "Resource temporarily
 * unavailable"); "connection lost" when hiredis said nothing; "no
 * connection" for NULL; garbage on the wire as RC_PROTO_ERR " (hiredis's
 * words)".  Valid while c is. */
const char *rc_errstr(const redisContext *c);
/* Sets the connection's read and write timeout; 0: wait for ever. */
void rc_set_timeout(redisContext *c, long ms);
/* 1 for a +OK status reply. */
int rc_reply_ok(const redisReply *r);
/* 1 if r is an error reply whose text starts with prefix ("MOVED", "ASK"). */
int rc_reply_is_err(const redisReply *r, const char *prefix);
/* A genuine hiredis reply object built from a RESP fragment ("-ERR x\r\n"). */
redisReply *rc_reply_make(const char *resp, size_t len);
redisReply *rc_reply_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The value of "field:" in an INFO-style text reply, copied into buf. */
const char *rc_info_field(const char *info, const char *field, char *buf, size_t n);

/* ---- kind.c: what a reply means ---------------------------------------------- */

enum {
	RC_K_OK,            /* not an error */
	RC_K_MOVED,         /* MOVED slot host:port */
	RC_K_ASK,           /* ASK slot host:port */
	RC_K_TRANSIENT,     /* TRYAGAIN, CLUSTERDOWN, LOADING, MASTERDOWN, READONLY (also wrapped
			     * by MIGRATE): may pass, worth another try */
	RC_K_IOERR,         /* the connection failed (NULL reply, IOERR, CONNERR):
			     * the command may or may not have run */
	RC_K_AUTH,          /* NOAUTH, WRONGPASS, NOPERM, a refused AUTH: no retry helps */
	RC_K_PROTO,         /* the node sent what no Redis node sends (an HTTP server, an
			     * absurd length): no retry helps */
	RC_K_ERR            /* any other error */
};
/* The kind of a reply (NULL: RC_K_IOERR), or of an error text such as a
 * cluster handle's err. */
int rc_reply_kind(const redisReply *r);
int rc_text_kind(const char *s);
/* What the user can do about an error of that kind ("the password comes from
 * RC_AUTH ..."), or NULL when there is nothing to add. */
const char *rc_kind_hint(int kind);
/* The same for one error text, by its code where that says more than its
 * kind (CLUSTERDOWN, OOM, MOVED, ...), also for a target's error wrapped by
 * MIGRATE ("ERR Target instance replied with error: ..."); NULL when
 * nothing can be added. */
const char *rc_error_hint(const char *text);
/* A refusal is not an outage: a password the node refused (NOAUTH,
 * WRONGPASS, our connect's "authentication failed"), or an ACL that does
 * not allow a command, key or channel (NOPERM).  Which one text is. */
enum { RC_REFUSED_NONE, RC_REFUSED_PASSWORD, RC_REFUSED_NOPERM };
int rc_refusal(const char *text);
/* The refusal said plainly into buf, which it returns: "refused the
 * password (WRONGPASS ...): the password comes from ...", or "user 'ro' may
 * not run 'evalsha' (NOPERM): allow it with ACL SETUSER ro +evalsha (it is
 * in the ACL category @scripting)" and, when alt is not NULL, ", or " alt (a
 * way round that needs no such right).  user NULL: "default".  NULL when
 * text is not a refusal. */
const char *rc_refusal_say(const char *text, const char *user, const char *alt,
    char *buf, size_t n);

/* ---- topo.c: the cluster's shape --------------------------------------------- */

enum {
	RC_NF_MYSELF = 1 << 0,
	RC_NF_MASTER = 1 << 1,
	RC_NF_REPLICA = 1 << 2,
	RC_NF_PFAIL = 1 << 3,
	RC_NF_FAIL = 1 << 4,
	RC_NF_HANDSHAKE = 1 << 5,
	RC_NF_NOADDR = 1 << 6,
	RC_NF_NOFAILOVER = 1 << 7
};

struct rc_range {
	int lo, hi;
};

/* A slot being moved: migrating (this node -> peer) or importing (peer -> it). */
struct rc_open_slot {
	int slot;
	int importing;      /* 1: importing from peer; 0: migrating to peer */
	char peer[41];
};

/* What a node's server is and can do (feature.c): found once per node, on
 * the first question, and kept while the node's connection stays open. */
struct rc_server {
	int known;                  /* name and version read */
	char name[16];              /* "redis", "valkey" */
	char version[32];           /* "7.0.15", "8.0.1" */
	unsigned asked;             /* RC_FEAT_* bits looked for (1 << feature) */
	unsigned have;              /* the ones found */
};

struct rc_node {
	char id[41];
	struct rc_addr addr;
	unsigned flags;             /* RC_NF_* */
	char master_id[41];         /* replicas: their master's id; else "" */
	struct rc_node *master;     /* replicas, in a cluster handle; else NULL */
	long long config_epoch;
	long long repl_offset;      /* from CLUSTER SHARDS; -1 unknown */
	int connected;              /* the gossip link state as the source saw it */
	struct rc_range *ranges;
	int nranges;
	int nslots;
	struct rc_open_slot *open;  /* only from CLUSTER NODES of the node itself */
	int nopen;
	/* connection state, owned by the cluster handle */
	redisContext *ctx;
	int down;                   /* last connect or I/O failed */
	char err[300];              /* why, when down */
	int readonly;               /* every connection says READONLY (rc_node_readonly) */
	uint64_t retry_at;          /* a down replica is worth a connect again from then
				     * (rc_now_us; pick.c) */
	struct rc_server server;    /* feature.c's cache; reset on connecting */
};

/* Parses CLUSTER NODES text.  Returns the number of nodes (>= 0) with a newly
 * allocated array in *out, or -1 with a reason in err. Pure: no I/O. */
int rc_parse_nodes(const char *text, size_t len, struct rc_node **out,
    char *err, size_t errlen);
/* Parses a CLUSTER SHARDS reply the same way. */
int rc_parse_shards(const redisReply *r, struct rc_node **out, char *err,
    size_t errlen);
/* In a parsed view (n nodes): the node that says "myself", and the master
 * that owns slot; NULL when there is none. */
const struct rc_node *rc_view_myself(const struct rc_node *v, int n);
const struct rc_node *rc_view_owner(const struct rc_node *v, int n, int slot);
/* Frees an array from rc_parse_*. */
void rc_nodes_free(struct rc_node *nodes, int n);
/* "0-5460,10923" into buf (ending "..." when it does not fit). */
const char *rc_ranges_fmt(const struct rc_range *r, int n, char *buf, size_t len);
/* The same, whole, in memory of its own (never cut: for TSV and for
 * comparing); the caller frees it. */
char *rc_ranges_str(const struct rc_range *r, int n);
/* Slot s added to the *n ranges in *r (grown), merged with the last one when
 * it follows it: slots added in order make the fewest ranges. */
void rc_ranges_add(struct rc_range **r, int *n, int s);

/* Something the router did, for tools that show routes (rc-repl). */
enum { RC_EV_SEND, RC_EV_MOVED, RC_EV_ASK, RC_EV_RETRY, RC_EV_CONN, RC_EV_REFRESH };
struct rc_event {
	int kind;                   /* RC_EV_* */
	int slot;                   /* -1 when none */
	const struct rc_node *node; /* where it went (NULL for REFRESH) */
	const char *detail;         /* the error text for MOVED/ASK/RETRY/CONN */
};

/*
 * A cluster handle.  nodes[] is the current node list; a node's memory stays
 * valid until rc_cluster_close even when a refresh drops it from the list,
 * so a tool may hold struct rc_node pointers across calls.
 */
struct rc_cluster {
	struct rc_opts opts;
	struct rc_node **nodes;
	int nnodes;
	struct rc_node *owner[RC_NSLOTS];  /* slot -> master, NULL unassigned */
	struct rc_node *seed;       /* the node we first loaded from */
	int from_shards;            /* topology came from CLUSTER SHARDS */
	int stale;                  /* a MOVED was seen: refresh before next send */
	int max_retries;            /* TRYAGAIN/CLUSTERDOWN/LOADING/IO bound */
	unsigned long nmoved, nask, nretry, nrefresh;
	void (*trace)(void *ud, const struct rc_event *ev);
	void *trace_ud;
	char err[512];              /* why the last call failed */
	/* private */
	struct rc_node **all;       /* every node ever seen, for freeing */
	int nall;
};

/* Connects to the seed (o->seed), checks it is a cluster node, loads the
 * topology.  0, or -1 with cl->err set (exit with RC_EX_CLUSTER). */
int rc_cluster_open(struct rc_cluster *cl, const struct rc_opts *o);
/* rc_cluster_open, or exit 3 with why and what to do about it (the
 * password's hint for a refused password). */
void rc_cluster_open_or_die(struct rc_cluster *cl, const struct rc_opts *o);
/* Reloads topology from the first node that answers. 0 or -1. */
int rc_cluster_refresh(struct rc_cluster *cl);
void rc_cluster_close(struct rc_cluster *cl);
/* The node's connection, connecting lazily; NULL (node->err says why).  A
 * new connection gets the handle's state as part of connecting (AUTH, HELLO,
 * CLIENT SETNAME from cl->opts; READONLY when n->readonly). */
redisContext *rc_node_ctx(struct rc_cluster *cl, struct rc_node *n);
/* rc_cmdv on the node's connection; NULL when it failed (the node is then
 * dropped, n->err says why). */
redisReply *rc_node_cmdv(struct rc_cluster *cl, struct rc_node *n, const char *arg, ...)
    __attribute__((sentinel));
/* Every connection of the handle speaks RESP proto (2 or 3) from now on:
 * those open say HELLO now (one that fails is dropped and says it when it
 * connects again), later ones when they connect. */
void rc_cluster_set_proto(struct rc_cluster *cl, int proto);
/* Closes every open connection (no node is marked down): each connects
 * again when next used, with the state cl->opts now says (a new password,
 * client name). */
void rc_cluster_reconnect(struct rc_cluster *cl);
/* Drops the node's connection (after an I/O error), recording why. */
void rc_node_drop(struct rc_node *n, const char *why);
/* The node's own view: its CLUSTER NODES, parsed (open slots included).
 * Returns the count and an array to rc_nodes_free, or -1 (n->err). */
int rc_node_view(struct rc_cluster *cl, struct rc_node *n, struct rc_node **out);
/* Lookups: by exact address, by id or unique id prefix (>= 4 chars), or by
 * either written as the user gives it.  NULL when none (or ambiguous). */
struct rc_node *rc_cluster_by_addr(struct rc_cluster *cl, const struct rc_addr *a);
struct rc_node *rc_cluster_by_id(struct rc_cluster *cl, const char *id);
struct rc_node *rc_cluster_find(struct rc_cluster *cl, const char *addr_or_id);
/* Master owning slot, or NULL when unassigned. */
struct rc_node *rc_cluster_owner(struct rc_cluster *cl, int slot);
int rc_node_is_master(const struct rc_node *n);
int rc_cluster_nmasters(const struct rc_cluster *cl);
/* "host:port" of a node (static buffer per call site is the caller's). */
const char *rc_node_addr(const struct rc_node *n, char *buf, size_t len);

/* ---- feature.c: which server a node runs, what it can do ------------------- */

/* What a tool may ask of a node, never by comparing version numbers. */
enum {
	RC_FEAT_SLOT_STATS,         /* CLUSTER SLOT-STATS (Valkey 8.0, Redis 8.2) */
	RC_FEAT_SETSLOT_TIMEOUT,    /* CLUSTER SETSLOT ... TIMEOUT ms (Valkey 8.0) */
	RC_FEAT_HOTKEYS,            /* HOTKEYS START/GET (Redis 8.6) */
	RC_FEAT_N
};
/* "CLUSTER SLOT-STATS", ...; NULL for a number out of range. */
const char *rc_feature_name(int feat);
/* The server's name and version from an INFO text (its server section):
 * server_name and NAME_version where the server says them (Valkey), else
 * "redis" and redis_version.  0, or -1 when the text has no version.  Pure. */
int rc_server_parse(const char *info, struct rc_server *s);
/* "valkey 8.0.1" into buf, which it returns; "-" when not known. */
const char *rc_server_fmt(const struct rc_server *s, char *buf, size_t n);
/* The features a node's replies show (bits 1 << RC_FEAT_*): info is its
 * answer to COMMAND INFO CLUSTER|SLOT-STATS HOTKEYS (an entry for each, nil
 * where the command is unknown), docs its COMMAND DOCS CLUSTER|SETSLOT (the
 * TIMEOUT token).  Pure. */
unsigned rc_features_parse(const redisReply *info, const redisReply *docs);
/* The node's server (INFO server once, then cached while its connection
 * stays open); NULL when it cannot be asked (n->err says why). */
const struct rc_server *rc_node_server(struct rc_cluster *cl, struct rc_node *n);
/* Fills the cache from an INFO text the caller already read from n. */
void rc_node_server_seen(struct rc_node *n, const char *info);
/* 1 when the node has the feature, 0 when not, -1 when it could not be
 * asked (n->err says why).  The first question asks for every feature at
 * once (COMMAND INFO and COMMAND DOCS); later ones are answered from the
 * cache.  A node that refuses COMMAND is taken to have none. */
int rc_node_has(struct rc_cluster *cl, struct rc_node *n, int feat);

/* ---- slotstat.c: CLUSTER SLOT-STATS of the masters ------------------------ */

/* How a node turns on per-slot cpu and network statistics. */
#define RC_SLOT_STATS_ON "CONFIG SET cluster-slot-stats-enabled yes"
struct rc_slotstat {
	long long keys, cpu, in, out;   /* key-count, cpu-usec, network-bytes-in
					 * and -out; -1: unknown */
};
struct rc_slotstats {
	struct rc_slotstat *slot;       /* [RC_NSLOTS] */
	int asked;                      /* masters asked */
	int with;                       /* of them with SLOT-STATS that answered */
	int without;                    /* without the command (an older server) */
	int off;                        /* answered, cpu and network statistics off */
	int failed;                     /* could not be asked, or refused (err) */
	struct rc_node *first_without;  /* one of each, for messages */
	struct rc_node *first_off;
	char err[300];                  /* the first failure */
};
/* CLUSTER SLOT-STATS SLOTSRANGE 0 16383 of every master of m[0..n) that has
 * it (rc_node_has), all at once; each answers for the slots it owns.  A
 * slot no one answered for stays unknown.  Free with rc_slot_stats_free. */
void rc_slot_stats(struct rc_cluster *cl, struct rc_node **m, int n,
    struct rc_slotstats *st);
void rc_slot_stats_free(struct rc_slotstats *st);
/* Why the masters asked gave no cpu and network figures, in sentences for
 * the user (what to do included): the servers without the command, the
 * masters with the statistics off, a failure.  "" when every master gave
 * them. */
const char *rc_slot_stats_gaps(struct rc_cluster *cl, const struct rc_slotstats *st,
    char *buf, size_t n);
/* Parses one master's reply into slot[] (pure): how many slots it named,
 * with *cpu 1 when they carry cpu and network figures; -1 when malformed. */
int rc_slot_stats_parse(const redisReply *r, struct rc_slotstat *slot, int *cpu);

/* ---- route.c: sending commands where they belong ----------------------------- */

/* One command routed by slot (-1: any reachable master).  Follows MOVED
 * (updating the slot table) and ASK (ASKING once), retries TRYAGAIN,
 * CLUSTERDOWN, LOADING and failed connects with backoff, within
 * cl->max_retries.  A command whose connection broke after it was sent is
 * not sent again (it may have run): its reply is an error starting "IOERR".
 * Never NULL: a failure is an error reply object. */
redisReply *rc_cluster_argv(struct rc_cluster *cl, int slot, int argc,
    const char **argv, const size_t *argvlen);
/* The same with the command as its words, NULL-terminated. */
redisReply *rc_cluster_cmdv(struct rc_cluster *cl, int slot, const char *arg, ...)
    __attribute__((sentinel));
/* Tells cl->trace, when there is one, a step the router took (or a caller
 * that sends outside it, like sub.c). */
void rc_cluster_trace(struct rc_cluster *cl, int kind, int slot, const struct rc_node *n,
    const char *detail);
/* The slot of a command's keys per its first key (argv[1] for most
 * commands); -1 for keyless commands. Knows EVAL/EVALSHA/FCALL numkeys,
 * XREAD(GROUP) STREAMS, MIGRATE and friends. */
int rc_command_slot(int argc, const char **argv, const size_t *argvlen);
/* The index in argv of that first key (keys.c), or -1. */
int rc_command_key(int argc, const char **argv, const size_t *argvlen);

/* A pipeline: commands queued with their slots, sent grouped per node (all
 * nodes at once), replies handed back in the order the commands were added. */
struct rc_pipe;
struct rc_pipe *rc_pipe_new(struct rc_cluster *cl);
void rc_pipe_argv(struct rc_pipe *p, int slot, int argc, const char **argv,
    const size_t *argvlen);
/* To this node whatever the slot (INFO, DBSIZE, CLUSTER COUNTKEYSINSLOT);
 * no redirects are followed, transient errors are retried. */
void rc_pipe_node_argv(struct rc_pipe *p, struct rc_node *n, int argc,
    const char **argv, const size_t *argvlen);
/* The same with the command as its words, NULL-terminated (at most
 * RC_CMDV_MAX): rc_pipe_cmdv(p, slot, "HGET", key, "field", NULL). */
void rc_pipe_cmdv(struct rc_pipe *p, int slot, const char *arg, ...)
    __attribute__((sentinel));
void rc_pipe_node_cmdv(struct rc_pipe *p, struct rc_node *n, const char *arg, ...)
    __attribute__((sentinel));
size_t rc_pipe_len(const struct rc_pipe *p);
/* Sends everything, following redirects; afterwards every command has a
 * reply (an error object where it failed).  Returns the number of replies
 * that are errors. */
size_t rc_pipe_exec(struct rc_pipe *p);
redisReply *rc_pipe_reply(struct rc_pipe *p, size_t i);
/* The commands of p may block the node they run on (BLPOP, XREAD BLOCK,
 * WAIT) for ms (0, or more than RC_BLOCK_FOREVER_MS: for ever; < 0: they do
 * not block, nothing changes): a reply is awaited that long plus the
 * handle's timeout, on whichever node the command lands (one a MOVED or an
 * ASK names too), and the connections keep the handle's timeout for
 * everything else.  stop (NULL: none) is asked every 100 ms of such a wait
 * and whenever a signal interrupts it (a SIGINT handler without SA_RESTART
 * that sets a flag stop reads): when it says 1, a reply already there is
 * taken; otherwise the node's connection is closed, so that no late reply
 * can be read as another command's (the next command connects again, with
 * the handle's state: password, name, protocol, READONLY), and the reply is
 * an error starting RC_INTERRUPTED. */
#define RC_BLOCK_FOREVER_MS (30L * 86400 * 1000)
#define RC_INTERRUPTED "IOERR interrupted:"
void rc_pipe_block(struct rc_pipe *p, long ms, int (*stop)(void *ud), void *ud);
/* Empties the pipeline for reuse (frees replies). */
void rc_pipe_reset(struct rc_pipe *p);
void rc_pipe_free(struct rc_pipe *p);

/* ---- pick.c: choosing a node the router does not choose ---------------------- */

/* A master not known to be down, the seed first; NULL when none is. */
struct rc_node *rc_cluster_any_master(struct rc_cluster *cl);
/* A replica of the master of slot that is up and not suspected down, or
 * NULL (read from the master then). */
struct rc_node *rc_slot_replica(struct rc_cluster *cl, int slot);
/* Says READONLY on n's connection, so it serves reads of its master's
 * slots, and on every connection to n made later (rc_node_ctx); 0, or -1
 * (n->err says why when the connection failed). */
int rc_node_readonly(struct rc_cluster *cl, struct rc_node *n);
/* Runs a read on a replica of slot's master (READONLY said on connecting):
 * its reply, with the replica in *from; NULL when no replica could serve it
 * (none up, the connection failed, MOVED, LOADING): the caller asks the
 * master then.  A replica that failed is tried again a second later. */
redisReply *rc_replica_argv(struct rc_cluster *cl, int slot, int argc, const char **argv,
    const size_t *argvlen, struct rc_node **from);

/* ---- sub.c: a connection that streams messages ------------------------------- */

/* SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, MONITOR: afterwards a connection only
 * streams messages, so it is one of its own. */
struct rc_sub {
	redisContext *ctx;
	char who[300];      /* "host:port" of its node */
	char err[512];      /* why the last call failed: "host:port: reason" */
};
/* Connects to n, or when n is NULL to where the command goes (SSUBSCRIBE:
 * the master of its first channel's slot; else any master, the seed first),
 * sends the command and reads its first reply into *first (an error reply
 * too: the caller shows it).  A SSUBSCRIBE answered MOVED is sent again
 * after a refresh, at most 3 times; each send and MOVED goes to cl->trace.
 * 0, or -1 with s->err (nothing open). */
int rc_sub_open(struct rc_sub *s, struct rc_cluster *cl, struct rc_node *n, int argc,
    const char **argv, const size_t *argvlen, redisReply **first);
/* The next message: 1 with *out; 0 when stop(ud) says to stop (asked
 * before each wait, which also ends when wake_fd (-1: none) is readable or
 * a signal comes); -1 with s->err when the connection failed or timeout_ms
 * (-1: none) passed. */
int rc_sub_next(struct rc_sub *s, int timeout_ms, int wake_fd, int (*stop)(void *ud),
    void *ud, redisReply **out);
/* 1 for the unsubscribe that left no subscription (the server sends one
 * when a sharded channel's slot moves away): nothing more will come. */
int rc_sub_over(const redisReply *msg);
void rc_sub_close(struct rc_sub *s);

/* ---- term.c: terminals, tables, bars, colour, progress ----------------------- */

int rc_isatty(int fd);
int rc_term_width(void);
/* ANSI colour sequences, "" when colour is off. */
enum { RC_C_RESET, RC_C_BOLD, RC_C_DIM, RC_C_RED, RC_C_GREEN, RC_C_YELLOW,
	RC_C_BLUE, RC_C_MAGENTA, RC_C_CYAN };
const char *rc_color(const struct rc_opts *o, int c);
/* A bar of width cells for frac (0..1) with eighth-block resolution, UTF-8. */
const char *rc_bar(char *buf, size_t n, double frac, int width);

/* An aligned table: cells added row by row; numbers right-aligned. */
struct rc_table;
struct rc_table *rc_table_new(int ncols);
void rc_table_cell(struct rc_table *t, const char *s);
void rc_table_cellf(struct rc_table *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void rc_table_print(struct rc_table *t, int header_rows);
void rc_table_free(struct rc_table *t);

/* Progress on stderr, only when stderr is a terminal; at most 10 redraws/s. */
struct rc_progress {
	const char *label;
	uint64_t total, done, t0, last;
	int active;
};
void rc_progress_start(struct rc_progress *p, const char *label, uint64_t total);
void rc_progress_step(struct rc_progress *p, uint64_t done, const char *extra);
void rc_progress_end(struct rc_progress *p);

/* ---- clock.c: time, latency histograms ----------------------------------------- */

uint64_t rc_now_us(void);       /* monotonic */
double rc_now(void);            /* monotonic seconds */
void rc_sleep_ms(int ms);

/* Latency histogram in microseconds, log-linear buckets (~1.5% error). */
#define RC_HIST_BUCKETS (64 * 32)
struct rc_hist {
	uint64_t count, sum, min, max;
	uint32_t b[RC_HIST_BUCKETS];
};
void rc_hist_init(struct rc_hist *h);
void rc_hist_add(struct rc_hist *h, uint64_t us);
void rc_hist_merge(struct rc_hist *dst, const struct rc_hist *src);
/* The value at percentile q (0..100), in microseconds. */
uint64_t rc_hist_pct(const struct rc_hist *h, double q);

/* ---- lua.c (generated from the lib/lua scripts by tools/embed.sh) ------------------ */

struct rc_script {
	const char *name;   /* the file name without .lua */
	const char *src;
};
extern const struct rc_script rc_scripts[];     /* ends with { NULL, NULL } */
/* The text of lib/lua/NAME.lua, or NULL. */
const char *rc_lua(const char *name);

/* ---- script.c: Lua scripts called by their SHA-1 ------------------------------ */

/* The lowercase hex SHA-1 of len bytes of buf, as EVALSHA names a script. */
void rc_sha1_hex(const void *buf, size_t len, char out[41]);

/* A script as EVALSHA calls it: its whole text and the text's SHA-1. */
struct rc_evalsha {
	char *src;
	size_t len;
	char sha[41];
};
/* The built-in scripts named (lib/lua/NAME.lua), joined in order into one
 * text ("seats_lib", "seats_reserve", NULL: a library first, then the body);
 * dies when one is not built in. */
void rc_evalsha_init(struct rc_evalsha *s, const char *name, ...) __attribute__((sentinel));
void rc_evalsha_free(struct rc_evalsha *s);
/* 1 for NOSCRIPT: the node does not have the script cached (its first call
 * there, a replica just promoted, SCRIPT FLUSH); call it again with eval. */
int rc_reply_noscript(const redisReply *r);
/* Queues a call of s on p, routed by slot: EVALSHA sha nkeys argv..., or
 * with eval EVAL and the whole text, which also caches it on the node.
 * argv holds the nkeys keys, then the arguments; argvlen may be NULL. */
void rc_pipe_script(struct rc_pipe *p, int slot, const struct rc_evalsha *s, int eval,
    int nkeys, int argc, const char *const *argv, const size_t *argvlen);
/* One call of s: EVALSHA, and on NOSCRIPT once more by EVAL.  after, when
 * not NULL, is a command (its words, NULL-terminated: "WAIT", "1", "500")
 * sent right after the call in the same round, on the same connection.
 * Returns the pipeline that holds the replies (0 the script's, 1 after's);
 * rc_pipe_free it. */
struct rc_pipe *rc_script_call(struct rc_cluster *cl, int slot, const struct rc_evalsha *s,
    int nkeys, int argc, const char *const *argv, const size_t *argvlen, const char *const *after);

/* ---- quote.c, reply.c: command lines and replies as redis-cli has them ---- */

/* A growable byte buffer, always NUL-terminated after len bytes. */
struct rc_buf {
	char *s;
	size_t len, cap;
};
void rc_buf_add(struct rc_buf *b, const void *s, size_t n);
void rc_buf_addc(struct rc_buf *b, int c);
void rc_buf_adds(struct rc_buf *b, const char *s);
void rc_buf_free(struct rc_buf *b);

/* The words of a command line; each argv[i] is NUL-terminated (binary-safe
 * by argvlen).  Zero-initialise, reuse across lines, rc_args_free at the end. */
struct rc_args {
	int argc, cap;
	char **argv;
	size_t *argvlen;
};
/* Splits a line like redis-cli: blanks separate words; "..." knows \n \r
 * \t \b \a \\ \" \xHH; '...' is literal but for \'.  Returns argc (0 for a
 * blank line), or -1 with a reason in err (unbalanced quotes, a closing quote
 * not followed by a blank). */
int rc_split_args(const char *line, size_t len, struct rc_args *a, char *err,
    size_t errlen);
void rc_args_clear(struct rc_args *a);
/* Appends a copy of one word (len bytes of s) to a. */
void rc_args_add(struct rc_args *a, const char *s, size_t len);
void rc_args_free(struct rc_args *a);
/* s as redis-cli quotes a string: "..." with \n \r \t \a \b \\ \" and
 * \xHH for other unprintable bytes. */
void rc_quote(struct rc_buf *b, const char *s, size_t len);

/* RC_REPLY_TTY: (integer) 1, (nil), (error) ..., "quoted", numbered nested
 * arrays, RESP3 types; RC_REPLY_RAW: values as they are, one a line. */
enum { RC_REPLY_RAW, RC_REPLY_TTY };
void rc_reply_format(struct rc_buf *b, const redisReply *r, int mode);
/* Runs one command on c and reads its RESP2 reply without hiredis's limit on
 * nesting (0.14 refuses more than 7 levels; COMMAND DOCS has up to 11).
 * c must have no reply pending.  The reply is freed with freeReplyObject;
 * NULL with "reason" in err when the connection failed or the reply is
 * malformed, and then c is no longer usable. */
redisReply *rc_cmd_deep(redisContext *c, int argc, const char **argv,
    const size_t *argvlen, char *err, size_t errlen);

/* ---- migrate.c: moving slots between masters (rc-reshard's engine) ---------- */

/* One slot to move: from the master with id from to the master with id to. */
struct rc_move {
	int slot;
	char from[41], to[41];
};

/* What became of one slot, handed to rc_mig_opts.on_slot. */
struct rc_mig_slot {
	int slot;
	const char *from, *to;      /* node ids */
	long keys;                  /* keys moved */
	double ms;                  /* from opening the slot to closing it */
	int ok;                     /* 1 moved; 0 failed, err says why */
	const char *err;
};

struct rc_mig_opts {
	int batch;          /* keys per GETKEYSINSLOT and MIGRATE (1000) */
	int chunk;          /* slots of one source/target pair open together (32) */
	int parallel;       /* worker threads, each with its own connections (8) */
	int timeout_ms;     /* MIGRATE's own timeout (10000) */
	int replace;        /* MIGRATE ... REPLACE: overwrite keys on the target */
	int retries;        /* bound for transient errors per slot (20) */
	int finish;         /* fix: finishing half-done moves (either side may own
			     * a slot); else a slot must be its source's */
	int durable;        /* WAIT for a replica of the target to have a job's
			     * keys before its slots close (1) */
	/* Called for every slot, one call at a time (under the engine's lock). */
	void (*on_slot)(void *ud, const struct rc_mig_slot *r);
	void *ud;
};

void rc_mig_defaults(struct rc_mig_opts *m);
/* Moves the slots, many at once.  Each job of slots: the source's and the
 * target's own views are read (guard.c) and a slot that is not where the
 * move expects is refused with the reason; IMPORTING on the target,
 * MIGRATING on the source, every reply checked (a target that already owns
 * the slot, a source that no longer does: refused, unless m->finish, where
 * a half-done move is finished); keys with MIGRATE ... KEYS; the views read
 * again; then SETSLOT NODE on the target, the source and every other master.
 * Returns RC_EX_OK, RC_EX_NO (some slots failed: busy keys, refused) or
 * RC_EX_CLUSTER (a node could not be reached); err holds the first reason. */
int rc_migrate(const struct rc_opts *o, const struct rc_move *mv, int n,
    const struct rc_mig_opts *m, char *err, size_t errlen);

/* ---- guard.c: is a slot still what a move expects? -------------------------- */

enum {
	RC_GUARD_OPEN,      /* before a move opens it: the source owns it, neither side
			     * has it open but as this move, no move runs the
			     * other way between the two */
	RC_GUARD_FINISH,    /* before fix reopens a half-done move: the source or the
			     * target owns it, nothing else has it open */
	RC_GUARD_CLOSE      /* before SETSLOT NODE on the target: the source owns it
			     * and migrates it to the target, which imports it */
};
struct rc_guard {
	int slot;
	int src_ours, dst_ours;     /* the source migrates it to the target; the
				     * target imports it from the source */
	int resume;                 /* set by OPEN when the slot is open as this
				     * move already (judged then as FINISH); kept
				     * for CLOSE */
	char why[400];              /* "" when the slot may go on, else why not */
};
/* Reads the source's and the target's own views (one CLUSTER NODES each,
 * over the caller's connections from and to) and judges g[0..n) by `when`.
 * 0, or -1 with err when a view could not be read (a broken connection is
 * left for the caller to notice). */
int rc_guard_slots(redisContext *from, redisContext *to, const struct rc_node *src,
    const struct rc_node *dst, struct rc_guard *g, int n, int when, char *err,
    size_t errlen);
/* 1 with why when a move dst -> src is open (MIGRATE both ways blocks both
 * servers), 0 when none, -1 with why when a view could not be read. */
int rc_guard_opposite(redisContext *from, redisContext *to, const struct rc_node *src,
    const struct rc_node *dst, char *why, size_t len);

/* A slot left half-moved: migrating on src, or importing on dst (or both). */
struct rc_open {
	int slot;
	char src[41], dst[41];
	int migrating, importing;   /* which side says so */
};
/* (view.c) Reads every master's own view.  Returns the number of open slots with an
 * array in *out (free it), or -1 with err (a master did not answer). */
int rc_open_slots(struct rc_cluster *cl, struct rc_open **out, char *err,
    size_t errlen);

/* ---- plan.c: which slots go where (pure but for rebalancing by keys) ----- */

/* Plans read the handle's slot table (owner[]) and its masters.  Each returns
 * an array of moves in *out (free it) that leaves every slot with exactly
 * one owner, and the count, or -1 with err.
 * rc_plan_move: nslots slots to master `to`, the lowest of from, or with
 * from NULL from every other master in proportion to what it holds. */
int rc_plan_move(struct rc_cluster *cl, struct rc_node *from, struct rc_node *to,
    int nslots, struct rc_move **out, char *err, size_t errlen);
struct rc_weight {
	struct rc_node *node;
	double w;
};
struct rc_plan_opts {
	struct rc_weight *weights;  /* masters not named weigh 1 */
	int nweights;
	int use_empty;              /* masters with no slots take part */
	double threshold;           /* percent off target before anything moves */
	int by_keys;                /* balance key counts instead of slot counts */
};
/* Every master that takes part to its weighted share (a master with weight
 * 0 gives all it has); nothing moves when every master is within the
 * threshold of its share. */
int rc_plan_rebalance(struct rc_cluster *cl, const struct rc_plan_opts *po,
    struct rc_move **out, char *err, size_t errlen);

/* ---- keycmp.c: one key on two nodes, compared by content ------------------ */

/* Two copies of a key hold the same thing when they have the same type, the
 * same elements with the same values (a sorted set's scores as numbers; a
 * stream's entries, last generated id, and consumer groups by name and last
 * delivered id) and TTLs within ttl_ms (both measured at nearly the same
 * moment; the tolerance absorbs a MIGRATE's transfer time).  DUMP payloads
 * are compared first for a small key (equal bytes: equal); a big one is
 * walked in chunks, never with one call over the whole key: strings by
 * GETRANGE, lists by LRANGE, streams by XRANGE, on both sides in step;
 * hashes, sets and sorted sets by H/S/ZSCAN ... COUNT on the source, each
 * chunk looked up on the target (HMGET, SMISMEMBER, ZMSCORE).  Every command
 * goes after ASKING, so a target that imports the slot answers for the key.
 * A type without a walk (a module's) is equal only if its DUMPs are. */
#define RC_KEYCMP_TTL_MS 2000       /* TTL tolerance */
#define RC_KEYCMP_CHUNK 1000        /* elements per call */
#define RC_KEYCMP_BYTES (256 * 1024) /* bytes of a string per call */
enum {
	RC_KEY_ERROR = -1,  /* a node failed or refused: why says which */
	RC_KEY_EQUAL,       /* (rc_key_settle: and the source's copy is gone) */
	RC_KEY_DIFFERENT,   /* why names the first difference */
	RC_KEY_CHANGED      /* rc_key_settle: the source's copy changed while it
			     * was compared; nothing deleted, try again */
};
struct rc_keycmp {
	long ttl_ms;        /* in: tolerance (RC_KEYCMP_TTL_MS) */
	int chunk;          /* in: elements per call (RC_KEYCMP_CHUNK) */
	int fast;           /* out: decided by identical DUMPs */
	int equal;          /* out: the contents compared equal */
	long calls;         /* out: commands sent, both sides */
	uint64_t max_us;    /* out: the slowest call's round trip */
	char why[512];      /* out: the first difference, or the error */
};
void rc_keycmp_init(struct rc_keycmp *k);
/* Compares key on src and dst (connections to the two masters). */
int rc_key_compare(redisContext *src, redisContext *dst, const char *key, size_t klen,
    struct rc_keycmp *k);
/* A key on both src and dst: when the two copies are equal, keeps the
 * target's and deletes the source's, atomically only if the source's is
 * still what was compared (WATCH before the comparison, then MULTI UNLINK
 * EXEC).  Different copies are both kept (RC_KEY_DIFFERENT): only the user
 * chooses (--replace). */
int rc_key_settle(redisContext *src, redisContext *dst, const char *key, size_t klen,
    struct rc_keycmp *k);

/* ---- lease.c: one operator at a time -------------------------------------- */

/* The lease every command that changes slot ownership takes: a connection
 * to every master named "rc-lease/HOST/PID/SINCE/WHAT" (CLIENT SETNAME),
 * nothing in the keyspace; it ends when its holder's process does.  Taken
 * when registered on more than half of the masters with no other lease on
 * any of them.  rc_lease_take tries for wait_s seconds (0: as long as two
 * takers that met need to settle it).  0: *out holds it; 1: another holds
 * it, err names the holder ("rebalance by pid 42 on host h, since ...");
 * -1: it could not be taken (most masters did not answer, or refused: err
 * says why).  A keeper thread holds the connections open. */
struct rc_lease;
int rc_lease_take(struct rc_cluster *cl, const char *what, double wait_s,
    struct rc_lease **out, char *err, size_t errlen);
void rc_lease_release(struct rc_lease *l);
/* The leases held on the masters: how many (out describes the first), or -1
 * with err when no master could be asked.  rc_lease_break also ends them
 * (CLIENT KILL), for a holder that is frozen or cut off. */
int rc_lease_holder(struct rc_cluster *cl, char *out, size_t outlen, char *err,
    size_t errlen);
int rc_lease_break(struct rc_cluster *cl, char *out, size_t outlen, char *err,
    size_t errlen);

/* ---- view.c: what each master says of itself --------------------------------- */

/* The open slots that the masters m[0..n) name in their own CLUSTER NODES
 * (rc_node_view), one entry a slot, sorted by slot; a node that says it is a
 * replica is skipped, whatever the map says.  Unlike rc_open_slots,
 * a master that does not answer does not stop the rest: answered[i] says
 * whether m[i] did, and m[i]->err ("host:port: why") why not.  Returns the
 * count, with the array in *out (free it; NULL when none). */
int rc_open_slots_of(struct rc_cluster *cl, struct rc_node **m, int n, int *answered,
    struct rc_open **out);
/* The slots replicas say they have open in their own views (every node is
 * asked, a replica by its own word counts; Valkey copies
 * SETSLOT to online replicas; a master demoted within its shard keeps its
 * open slots), one entry per replica and slot, with the replica's master
 * (NULL when the handle does not know it) and whether its link to it is up.
 * Replicas that do not answer are skipped.  Returns the count, the array in
 * *out (free it; NULL when none). */
struct rc_stale {
	struct rc_node *replica, *master;
	struct rc_open_slot os;
	int link_up;
};
int rc_replica_open_slots(struct rc_cluster *cl, struct rc_stale **out);

/* ---- claims.c: slot ownership by every master's own word ------------------- */

/* What the masters say, each in its own CLUSTER NODES: which slots each
 * claims (the seed's map can say otherwise), whom each names as owners,
 * and the keys each holds of slots it does not own. */
struct rc_claims {
	struct rc_node **m;         /* the nodes that say they are masters */
	long long *epoch;           /* m[i]'s config epoch by its own word */
	int nm;
	int silent;                 /* masters of the map that did not answer */
	unsigned short *nclaim;     /* slot -> how many of m claim it */
	struct rc_node **claim;     /* slot -> one of them (NULL: none) */
	char (*named)[41];          /* slot -> the owner the first view names */
	unsigned char *split;       /* slot -> views name different owners */
	unsigned char *mine;        /* [i * RC_NSLOTS + slot]: m[i] claims it */
	unsigned char *open;        /* [i * RC_NSLOTS + slot]: open on m[i] */
	long *keys;                 /* [i * RC_NSLOTS + slot]: keys of a slot m[i]
	                               does not claim (-1 unknown) */
};
/* Asks every node not flagged failed; returns k->nm. */
int rc_claims_read(struct rc_cluster *cl, struct rc_claims *k);
/* Keys m[i] holds of a slot it neither claims nor has open: stranded. */
long rc_claims_stranded(const struct rc_claims *k, int i, int slot);
void rc_claims_free(struct rc_claims *k);
/* The one scan for keys a master holds outside its slots, shared by check
 * and fix (rc_claims_read) and rc-dist keys: CLUSTER COUNTKEYSINSLOT of
 * every slot that its[] (RC_NSLOTS flags) does not mark, pipelined, into
 * keys[slot] (0 for a marked slot, -1 where n did not answer).  With held
 * >= 0, the keys n was found to hold in its marked slots, n's DBSIZE is
 * asked first and the rest only when it is larger (else nothing is
 * outside).  Returns the keys found outside, or -1 with err (the first
 * failed reply's text, or "no reply") when n did not answer them all. */
long long rc_node_strays(struct rc_cluster *cl, struct rc_node *n,
    const unsigned char *its, long long held, long *keys, char *err, size_t errlen);

/* Moves every key of slot from a master that does not own it to one that
 * does (SETSLOT IMPORTING on from, MIGRATE, SETSLOT STABLE).  A key that
 * exists on both is dropped from `from` when its DUMP is the same, else
 * kept on both and handed to kept().  0, or -1 with err. */
struct rc_gather {
	struct rc_node *from, *to;
	int slot, timeout_ms;
	void (*kept)(void *ud, const char *key, size_t len);
	void *ud;
	long moved, dropped, nkept; /* out: dropped counts in moved too */
	char **keptkey;             /* private */
	size_t *keptlen;
};
int rc_gather_slot(struct rc_cluster *cl, struct rc_gather *g, char *err, size_t errlen);

/* ---- setting.c: a node's setting changed for a while ------------------------- */

/* CONFIG SET name value over c, a connection to the node at a, its old value
 * kept; put back by rc_setting_restore, at exit, and on SIGINT, SIGTERM or
 * SIGHUP, whose handler sends it over a connection kept idle for it, says
 * note (when not NULL) on stderr and lets the signal end us.  A handle >= 0,
 * or -1 when nothing was changed (CONFIG refused or renamed away, the value
 * so already).  Main thread only. */
int rc_setting_set(redisContext *c, const struct rc_addr *a, const struct rc_opts *o,
    const char *name, const char *value, const char *note);
/* Puts it back (warns when it cannot); a handle put back already, or -1, is
 * ignored. */
void rc_setting_restore(int h);

/* ---- admin.c: asking nodes about the cluster, waiting until they agree ------- */

/* A node not (yet) in a cluster handle, on its own connection: */
/* Its own view (CLUSTER NODES, parsed), or -1 when it does not answer. */
int rc_ctx_view(redisContext *c, struct rc_node **out);
/* 1 when it reports cluster_state:ok. */
int rc_ctx_state_ok(redisContext *c);
/* Its id (41 bytes), or -1 with err. */
int rc_ctx_myid(redisContext *c, char *id, char *err, size_t errlen);
/* Whether a node can be made part of a new cluster: a cluster node, alone,
 * no slots, no keys.  RC_EX_OK, else RC_EX_USAGE (it is not fit) or
 * RC_EX_CLUSTER (it does not answer, refuses the password) with err. */
int rc_ctx_check_new(redisContext *c, const char *who, char *err, size_t errlen);
/* CLUSTER ADDSLOTS lo..hi; 0 or -1 with err. */
int rc_ctx_addslots(redisContext *c, int lo, int hi, char *err, size_t errlen);
/* CLUSTER SET-CONFIG-EPOCH, best effort (distinct epochs up front). */
void rc_ctx_set_epoch(redisContext *c, long long epoch);
int rc_ctx_meet(redisContext *c, const struct rc_addr *a, char *err, size_t errlen);
/* CLUSTER REPLICATE, again until the node knows the master or until the
 * deadline (rc_now seconds); 0 or -1 with err. */
int rc_ctx_replicate(redisContext *c, const char *master_id, double deadline,
    char *err, size_t errlen);
/* CONFIG GET / SET of one setting; 0 or -1 (renamed away, refused). */
int rc_ctx_config_get(redisContext *c, const char *name, char *buf, size_t n);
int rc_ctx_config_set(redisContext *c, const char *name, const char *value);

/* A node of a cluster handle (n->err says why a call failed to reach it): */
/* A master by its own word (ROLE), not by the map, which lags a failover. */
int rc_node_says_master(struct rc_cluster *cl, struct rc_node *n);
/* CLUSTER COUNTKEYSINSLOT, or -1. */
long rc_node_count_keys(struct rc_cluster *cl, struct rc_node *n, int slot);
/* One-off changes, 0 or -1 with err.  FORGET of a node it does not know is
 * fine; RESET HARD gives the node a new id (others ban the old for 60 s). */
int rc_node_addslot(struct rc_cluster *cl, struct rc_node *n, int slot, char *err,
    size_t errlen);
int rc_node_setslot_stable(struct rc_cluster *cl, struct rc_node *n, int slot,
    char *err, size_t errlen);
/* SETSLOT slot NODE owner; DELSLOTS slot (keys stay where they are);
 * BUMPEPOCH (a fresh config epoch, so that the node's claims win). */
int rc_node_setslot_node(struct rc_cluster *cl, struct rc_node *n, int slot,
    const char *owner, char *err, size_t errlen);
int rc_node_delslot(struct rc_cluster *cl, struct rc_node *n, int slot, char *err,
    size_t errlen);
int rc_node_bump_epoch(struct rc_cluster *cl, struct rc_node *n, char *err,
    size_t errlen);
int rc_node_replicate(struct rc_cluster *cl, struct rc_node *n, const char *master_id,
    char *err, size_t errlen);
int rc_node_forget(struct rc_cluster *cl, struct rc_node *n, const char *id,
    char *err, size_t errlen);
int rc_node_reset_hard(struct rc_cluster *cl, struct rc_node *n, char *err,
    size_t errlen);

/* Every node's cluster-node-timeout (CONFIG GET; ms[i] for cl->nodes[i],
 * -1 when it cannot be read) and the value most nodes have.  0, or -1 when
 * no node told (free ms). */
struct rc_timeouts {
	long *ms;
	long common;
};
int rc_node_timeouts(struct rc_cluster *cl, struct rc_timeouts *t);

/* A fingerprint of who owns what and who replicates whom in a view, to
 * compare views (free it). */
char *rc_view_sig(const struct rc_node *v, int n);

/* Agreement: every reachable node of cl sees the same slots and roles, and no
 * node in handshake.  With RC_AGREE_SERVED (a cluster just made or grown):
 * every node answers, reports cluster_state:ok and serves every replica in
 * CLUSTER SLOTS (first sync done).  With RC_AGREE_ALL (health): also no node
 * flagged failing, every gossip link up, every replica's link to its master
 * up.  want > 0: each view names exactly want nodes.  rc_cluster_agreed
 * looks once (1, or 0 with why); rc_wait_agreed polls for wait_s seconds
 * (0, or -1 with the last why), nudging fresh masters' streams. */
enum { RC_AGREE_SERVED = 1 << 0, RC_AGREE_ALL = 1 << 1 };
int rc_cluster_agreed(struct rc_cluster *cl, int flags, int want, char *why,
    size_t whylen);
int rc_wait_agreed(struct rc_cluster *cl, int flags, int want, int wait_s, char *why,
    size_t whylen);
/* Every node of cl knows node id, out of handshake (with master: as its
 * replica).  Once (1 or 0 with why), or polled for wait_s (0 or -1). */
int rc_cluster_knows(struct rc_cluster *cl, const char *id, const char *master,
    char *why, size_t whylen);
int rc_wait_known(struct rc_cluster *cl, const char *id, const char *master,
    int wait_s, char *why, size_t whylen);
/* A node joining cl (connection x, id): it knows every node and every node
 * knows it.  Once: 1, or 0 with why. */
int rc_joined(struct rc_cluster *cl, redisContext *x, const char *who, const char *id,
    char *why, size_t whylen);

/* ---- place.c: masters and replicas of a new cluster ----------------------------- */

/* Chooses which of n nodes (host[i] their hosts) are the nmasters masters,
 * round-robin over hosts in the order given, and whom each replica follows:
 * the master with the fewest replicas, on another host where possible.
 * master_of[i] is -1 for a master, else its master's index.  Pure. */
void rc_place(const char *const *host, int n, int nmasters, int *master_of);

/* ---- failover.c: replicas, their lag, promotion, a probe ------------------- */

/* A hash tag (digits, without the braces) whose slot master owns, into buf;
 * -1 when the master owns no slot. */
int rc_fo_tag(struct rc_cluster *cl, const struct rc_node *master, char *buf, size_t n);

/* status writes this key ("rc-failover:hb:{TAG}", TAG from rc_fo_tag) on
 * every master, with a TTL, and reads it back from each replica. */
#define RC_FO_HB_PREFIX "rc-failover:hb:"
#define RC_FO_HB_TTL_MS 60000

/* One node as status sees it. */
struct rc_fo_row {
	struct rc_node *node;
	struct rc_node *master;     /* a replica's master, else NULL */
	int reachable;
	int link_up;                /* replicas: 1 up, 0 down, -1 unknown */
	long long lag_bytes;        /* replicas: master offset - own; -1 unknown */
	double lag_ms;              /* replicas: heartbeat seen after; -1 not seen */
	long long age_ms;           /* replicas: data age as the election counts it */
	long long max_age_ms;       /* the limit on it; -1 none or unknown */
	int can;                    /* replicas: could fail over now */
	char why[320];              /* why not (or, for a master, no replica can) */
};

struct rc_fo_status {
	struct rc_fo_row *rows;     /* each master, then its replicas */
	int n;
	int orphans;                /* masters with slots and no replica able */
};

/* Reads every node's replication state, measures each replica's lag with
 * the heartbeat (waiting at most hb_wait_ms for it), and decides who could
 * take over.  0, or -1 with err. */
int rc_fo_status(struct rc_cluster *cl, int hb_wait_ms, struct rc_fo_status *st,
    char *err, size_t errlen);
void rc_fo_status_free(struct rc_fo_status *st);

enum { RC_FO_DEFAULT, RC_FO_FORCE, RC_FO_TAKEOVER };

/* A point of a promotion's timeline: "requested", "caught-up", "promoted",
 * "agreed"; ms since CLUSTER FAILOVER was sent. */
struct rc_fo_event {
	const char *what;
	double ms;
	const char *detail;
};

/* CLUSTER FAILOVER [FORCE|TAKEOVER] on replica r, then waits (wait_ms) until
 * r is a master with its old master's slots in every reachable node's own
 * view, calling on() at each step.  RC_EX_OK when agreed; RC_EX_NO when not
 * in time (err names who disagrees); RC_EX_CLUSTER when refused, when r
 * cannot be reached, or when the default mode finds the master down. */
int rc_fo_promote(struct rc_cluster *cl, struct rc_node *r, int mode, int wait_ms,
    void (*on)(void *ud, const struct rc_fo_event *ev), void *ud,
    char *err, size_t errlen);

/* What one node sees at a moment, for watch: its CLUSTER INFO state and
 * epoch, and its own CLUSTER NODES. */
struct rc_fo_sight {
	int up;                     /* it answered */
	char state[16];             /* cluster_state: "ok", "fail" */
	long long epoch;            /* cluster_current_epoch */
	struct rc_node *view;       /* its CLUSTER NODES, parsed */
	int nview;
};
/* 0, or -1 with s->up 0 (n->err says why). */
int rc_fo_sight(struct rc_cluster *cl, struct rc_node *n, struct rc_fo_sight *s);
void rc_fo_sight_free(struct rc_fo_sight *s);

/* The probe's operations, routed, with the cluster handle's retries:
 * SET key seq PX ttl_ms, and GET key into *seq (-1 when missing).  The
 * kind of the outcome (RC_K_OK or an error kind), its text in err. */
int rc_fo_probe_set(struct rc_cluster *cl, const char *key, long long seq,
    long long ttl_ms, char *err, size_t errlen);
int rc_fo_probe_get(struct rc_cluster *cl, const char *key, long long *seq,
    char *err, size_t errlen);
/* DEL key, routed; the kind. */
int rc_fo_probe_del(struct rc_cluster *cl, const char *key);


/* ---- topk.c: the heaviest keys of a stream, in bounded memory (pure) ------- */

/* A Space-Saving sketch of m counters: a key's count overestimates its true
 * count by at most its err, err <= total / m, and every key seen more than
 * total / m times holds a counter.  Memory: m counters and their keys. */
struct rc_topk;
struct rc_topk *rc_topk_new(size_t counters);
void rc_topk_free(struct rc_topk *t);
/* Counts len bytes of key w times. */
void rc_topk_add(struct rc_topk *t, const char *key, size_t len, uint64_t w);
/* Everything added; and the smallest count when every counter is taken (a
 * key without a counter was seen at most that often), else 0. */
uint64_t rc_topk_total(const struct rc_topk *t);
uint64_t rc_topk_floor(const struct rc_topk *t);
/* 1 with the key's count and err when it holds a counter, else 0. */
int rc_topk_get(const struct rc_topk *t, const char *key, size_t len, uint64_t *count,
    uint64_t *err);
/* A key of one or more sketches: count is an upper bound of its true count,
 * count - err a lower bound.  key points into the sketch (valid while it is). */
struct rc_topk_item {
	const char *key;
	size_t len;
	uint64_t count, err;
	int where;          /* the first sketch that holds it */
};
/* The union of the keys of sketches v[0..n), their counts summed, sorted by
 * count (then key).  For a sketch that holds no counter for a key its floor
 * is added to count and err, unless could(ud, j, key, len) says sketch j
 * cannot have seen the key (NULL: any could).  Returns how many, the array
 * in *out (free it). */
size_t rc_topk_merge(struct rc_topk **v, int n, int (*could)(void *ud, int j,
    const char *key, size_t len), void *ud, struct rc_topk_item **out);

/* Zipf(s) over 1..n (rank 1 the most frequent), constant memory; s <= 0:
 * uniform.  Deterministic for a seed. */
struct rc_zipf {
	uint64_t n, rng;
	double s, hx1, hn, sv;
};
void rc_zipf_init(struct rc_zipf *z, uint64_t n, double s, uint64_t seed);
uint64_t rc_zipf_next(struct rc_zipf *z);
/* splitmix64: the next of a stream; and a double in [0, 1). */
uint64_t rc_rand(uint64_t *state);
double rc_rand01(uint64_t *state);

/* ---- hotkey.c: hot-key traffic, and sampling what the nodes execute -------- */

/* A second of rc_hk_gen, handed to its tick(). */
struct rc_hk_tick {
	double at;                  /* seconds since the start */
	double secs;                /* this row's length */
	uint64_t ops, reads, writes, errors;
	uint64_t hits;              /* reads served from the local copy (cache_ms) */
};

/* GET/SET traffic routed through the cluster in pipelines.  Keys are
 * prefix + rank - 1 ("key:0" the hottest under Zipf), or one of hot[] with
 * probability hot_share. */
struct rc_hk_gen {
	uint64_t keys;              /* how many keys (N) */
	double zipf;                /* s; 0: uniform */
	char **hot;                 /* the named hot set, or NULL */
	int nhot;
	double hot_share;           /* of operations that go to hot[] */
	double reads;               /* of operations that are GETs */
	int replicas;               /* GETs go to a replica of the slot's master
				     * (READONLY) when one is up */
	long rate;                  /* operations a second; 0: flat out */
	double secs;                /* how long (both bounds apply) */
	uint64_t count;             /* how many operations; 0: no bound */
	int pipeline;               /* commands per round */
	int value_size;             /* SET's value bytes */
	const char *prefix;
	uint64_t seed;
	long cache_ms;              /* > 0: a GET's value is kept here this long
				     * and read again from it (a stale window) */
	void (*tick)(void *ud, const struct rc_hk_tick *t);
	/* With cache_ms: a key's value read anew differs from the copy kept
	 * since age_ms ago (which reads served in the meantime). */
	void (*changed)(void *ud, const char *key, const char *was, const char *now,
	    double age_ms);
	int (*stop)(void *ud);      /* asked each round; 1 ends the run */
	void *ud;
	struct rc_hk_tick total;    /* out */
	char err[512];              /* out: the first error reply seen */
};
/* Runs the traffic.  RC_EX_OK, or RC_EX_CLUSTER with g->err when a whole
 * round failed (no node answered). */
int rc_hk_gen(struct rc_cluster *cl, struct rc_hk_gen *g);

/* What each node executed for secs seconds, from its MONITOR stream: each
 * command's first key into a sketch per node, exact operations per slot. */
struct rc_hk_sample {
	double secs;                /* in */
	size_t counters;            /* in: per node */
	int (*stop)(void *ud);      /* in: asked between reads; 1 ends early */
	void *ud;
	struct rc_node **nodes;     /* out: as given */
	int n;
	struct rc_topk **sk;        /* out: per node */
	uint64_t *lines;            /* out: per node, every command seen */
	uint64_t *keyed;            /* out: per node, commands with a key */
	uint64_t *slot_ops;         /* out: [RC_NSLOTS], all nodes */
	uint64_t *replicated;       /* out: per node, lines of a replica's link to
				     * its master (the master's writes again), not
				     * counted anywhere else */
	char (*link)[64];           /* per node: its master's address, "" for a master */
	double elapsed;             /* out */
};
/* Samples nodes[0..n) at once and closes every MONITOR connection before it
 * returns.  RC_EX_OK; RC_EX_CLUSTER with err when a node cannot be reached,
 * refuses MONITOR (err says so: an ACL without +monitor) or drops out. */
int rc_hk_sample(struct rc_cluster *cl, struct rc_node **nodes, int n,
    struct rc_hk_sample *s, char *err, size_t errlen);
void rc_hk_sample_free(struct rc_hk_sample *s);
/* 1 when node n's maxmemory-policy is an LFU one (allkeys-lfu,
 * volatile-lfu), 0 when not; buf gets the policy (or, -1, why not known). */
int rc_hk_lfu_policy(struct rc_cluster *cl, struct rc_node *n, char *buf, size_t cap);
/* What an LFU policy knows: every key of nodes[0..n) walked with SCAN COUNT
 * count, all nodes at once, and weighed by its OBJECT FREQ (pipelined per
 * SCAN reply) into s as rc_hk_sample fills it, with the keys walked in
 * lines[] and their summed counters in keyed[].  RC_EX_OK, or RC_EX_CLUSTER
 * with err.  Free s with rc_hk_sample_free. */
int rc_hk_lfu(struct rc_cluster *cl, struct rc_node **nodes, int n, long count,
    struct rc_hk_sample *s, char *err, size_t errlen);
/* The first key of a MONITOR line ("1.2 [0 1.2.3.4:5] \"GET\" \"k\""),
 * unquoted into buf; its length, or -1 for a line without a key. */
ssize_t rc_hk_monitor_key(const char *line, size_t len, char *buf, size_t bufcap);
/* 1 when the MONITOR line's client is who ("host:port"). */
int rc_hk_monitor_from(const char *line, size_t len, const char *who);

#endif
