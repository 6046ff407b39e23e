/* hotkey.h - rc-hotkey's commands and the state they share. */
#ifndef HOTKEY_H
#define HOTKEY_H

#include "rc.h"

enum {
	OPT_KEYS = RC_OPT_TOOL,
	OPT_ZIPF,
	OPT_HOT,
	OPT_HOT_SHARE,
	OPT_READS,
	OPT_COUNT,
	OPT_VALUE_SIZE,
	OPT_PREFIX,
	OPT_SEED,
	OPT_REPLICAS,
	OPT_COUNTERS,
	OPT_MIN_SHARE,
	OPT_LFU,
	OPT_CACHE_MS
};

/* --lfu: keys per SCAN call on each master (so each call stays short). */
#define HK_LFU_COUNT 1000

struct hk {
	struct rc_opts o;
	struct rc_hk_gen gen;   /* gen's settings */
	char *hotlist;          /* --hot, split into gen.hot */
	double duration;        /* -d; 0: the command's default */
	long k;                 /* -k */
	int replicas;           /* --replicas */
	int lfu;                /* --lfu */
	long counters;          /* --counters; 0: from k */
	double min_share;       /* --min-share, percent */
	int node;               /* -n: top - adds the live owner */
};

/* gen.c */
int cmd_gen(void *ctx, int argc, char **argv);
/* top.c */
int cmd_top(void *ctx, int argc, char **argv);
/* slots.c */
int cmd_slots(void *ctx, int argc, char **argv);

/* main.c: opens the cluster or exits 3 with the reason (and its hint); the
 * signal flag that ends gen and a sample early (SIGINT, SIGTERM). */
void hk_open(struct hk *h, struct rc_cluster *cl);
int hk_stopped(void *ud);
/* sample.c: samples the masters (and replicas) for -d seconds, saying on
 * stderr what it costs; exits 3 when the cluster refuses. */
void hk_sample(struct hk *h, struct rc_cluster *cl, struct rc_hk_sample *s);
size_t hk_counters(const struct hk *h);
/* The same from OBJECT FREQ over SCAN on every master; exits 3 unless every
 * master's policy is an LFU one. */
void hk_lfu(struct hk *h, struct rc_cluster *cl, struct rc_hk_sample *s);

#endif
