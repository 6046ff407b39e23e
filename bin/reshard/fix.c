/*
 * fix.c - fix: finish or roll back open slots, give every slot one owner
 * that every master agrees on (gathering the keys other masters hold of it
 * onto that owner), put back a cluster-node-timeout that differs from the
 * rest.  --dry-run prints the rows fix would print, and changes nothing.
 *
 * What the masters say is read from each one's own view (lib/claims.c),
 * never from the seed's map alone: after a crash or two operators at once
 * the seed can be the one that is wrong.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reshard.h"

struct fixing {
	struct ctx *c;
	struct rc_cluster cl;
	int dry;
	int asked;                      /* confirmed (the first change asks) */
	int rc;                         /* RC_EX_OK until something is left */
	int down;                       /* a master of the map is down or silent */
	unsigned char *kept;            /* slot -> a key was kept twice (named) */
};

static void
fix_row(struct fixing *f, int slot, const char *action, const char *from, const char *to,
    long keys)
{
	if (!f->dry)
		done_slot(f->c, action, slot);
	rc_putf("%d\t%s\t%s\t%s\t%ld\n", slot, action, from, to, keys);
}

/* Something fix could not do: said, and the exit is not 0. */
static void
left(struct fixing *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
left(struct fixing *f, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	rc_flush();
	rc_warn("%s", buf);
	if (f->rc == RC_EX_OK)
		f->rc = RC_EX_NO;
}

/* Before the first change: a terminal asks, elsewhere -y is needed.  A
 * cluster with nothing to fix is never asked about. */
static void
ask(struct fixing *f)
{
	if (!f->asked++ && !f->dry) {
		confirm(f->c, "fix the cluster (open slots, owners, stranded keys, "
		    "timeouts)");
		rc_done("fix began changing the cluster");
	}
}

/* ---- open slots ---------------------------------------------------------------- */

/* The live master that owns slot by its own word, or NULL. */
static struct rc_node *
claimer(const struct rc_claims *cm, int slot)
{
	return cm->nclaim[slot] == 1 ? cm->claim[slot] : NULL;
}

/* The one live master besides src that holds keys of slot: *dst, 0.  None:
 * *dst NULL, 0.  Several: -1. */
static int
holder(struct rc_cluster *cl, const struct rc_claims *cm, struct rc_node *src,
    int slot, struct rc_node **dst)
{
	int j, many = 0;

	*dst = NULL;
	for (j = 0; j < cm->nm; j++) {
		struct rc_node *m = cm->m[j];
		if (m != src && rc_node_count_keys(cl, m, slot) > 0) {
			many += *dst != NULL;
			*dst = m;
		}
	}
	return many ? -1 : 0;
}

/* A side of an open slot, or the master that took over from it when it is
 * dead or a replica now: a master by its own word. */
static struct rc_node *
live_side(struct rc_cluster *cl, const char *id)
{
	struct rc_node *n = rc_cluster_by_id(cl, id);

	return n != NULL && rc_node_says_master(cl, n) ? n : NULL;
}

/* One open slot: 1 with a move in mv (the engine finishes it), 0 with the
 * side to close in *side (rolled back), 2 with the master that keeps it in
 * *side (settled there), -1 when it cannot be fixed (said).
 *
 * While a master is down, or once the importing side has failed over, the
 * slot stays with the master that claims it now, its keys gathered there:
 * a node that comes back with the config it had says "importing from the
 * source", and Valkey 8 lets such a master take the slot (a fresh epoch of
 * its own, no vote) as soon as the source stops claiming it, which would
 * cost the successor its keys.  So no claim changes while such a node may
 * return.  A slot that only its importing side has open stays with its
 * owner too.  Otherwise: roll back when the other side holds none of its
 * keys and does not own it, else finish the move (no key is ever dropped). */
static int
decide_open(struct fixing *f, const struct rc_claims *cm, const struct rc_open *op,
    struct rc_move *mv, struct rc_node **side)
{
	struct rc_cluster *cl = &f->cl;
	struct rc_node *src = live_side(cl, op->src), *dst = live_side(cl, op->dst);
	struct rc_node *home = claimer(cm, op->slot);
	long kd, ks;

	if (home != NULL && home != dst && (dst == NULL || f->down)) {
		*side = home;
		return 2;
	}
	/* A source that died: its successor owns the slot now. */
	if (src == NULL && (src = home) == NULL) {
		left(f, "slot %d: its source %.12s is down and no master owns the slot: "
		    "cannot fix it yet (wait for the failover)", op->slot, op->src);
		return -1;
	}
	if (dst == NULL || dst == src) {
		if (holder(cl, cm, src, op->slot, &dst) < 0) {
			left(f, "slot %d: its keys are on several masters besides %s: "
			    "cannot fix it", op->slot, addr_of(src));
			return -1;
		}
		if (dst == NULL) {
			*side = src;    /* nobody else holds its keys */
			return 0;
		}
	}
	kd = rc_node_count_keys(cl, dst, op->slot);
	ks = rc_node_count_keys(cl, src, op->slot);
	if (kd < 0 || ks < 0) {
		left(f, "slot %d: %s", op->slot, kd < 0 ? dst->err : src->err);
		return -1;
	}
	/* Only the importing side says the slot is open, and it holds keys
	 * (redis-cli's "keys in a slot the owner is not migrating"): the owner
	 * took every write since it stopped migrating (a client reaches the
	 * importing node only through a migrating owner's ASK), so the slot
	 * stays with it and the importing node's keys come back (settle: a key
	 * only there moves, one on both is dropped there only when equal). */
	if (op->importing && !op->migrating && kd > 0 && home != NULL && home != dst) {
		*side = home;
		return 2;
	}
	if (kd == 0 && claimer(cm, op->slot) != dst && !(op->migrating && op->importing)) {
		*side = op->importing ? dst : src;
		return 0;
	}
	mv->slot = op->slot;
	snprintf(mv->from, sizeof mv->from, "%s", src->id);
	snprintf(mv->to, sizeof mv->to, "%s", dst->id);
	return 1;
}

/* ---- moving a slot's keys onto one master --------------------------------------- */

/* Keys master i of cm holds of slot (counted now when it claims it). */
static long
keys_on(struct fixing *f, const struct rc_claims *cm, int i, int slot)
{
	size_t at = (size_t)i * RC_NSLOTS + (size_t)slot;

	if (cm->mine[at])
		return rc_node_count_keys(&f->cl, cm->m[i], slot);
	return cm->keys[at] > 0 ? cm->keys[at] : 0;
}

static void
on_kept(void *ud, const char *key, size_t len)
{
	struct rc_gather *g = ud;
	struct rc_buf b = { 0 };

	rc_quote(&b, key, len);
	rc_flush();
	rc_warn("slot %d: key %s is on %s and on %s with different values: both "
	    "kept; delete the wrong one, then run fix again", g->slot, b.s,
	    addr_of(g->from), addr_of(g->to));
	free(b.s);
}

/* The k keys of slot on from onto owner (with --dry-run, counted only);
 * how many moved. */
static long
move_keys(struct fixing *f, struct rc_node *from, struct rc_node *owner, int slot,
    long k)
{
	struct rc_gather g;
	char err[400];

	if (f->dry)
		return k;
	memset(&g, 0, sizeof g);
	g.from = from;
	g.to = owner;
	g.slot = slot;
	g.timeout_ms = f->c->m.timeout_ms;
	g.kept = on_kept;
	g.ud = &g;
	if (rc_gather_slot(&f->cl, &g, err, sizeof err) < 0)
		left(f, "slot %d: moving its keys from %s to %s: %s", slot,
		    addr_of(from), addr_of(owner), err);
	if (g.nkept > 0) {
		left(f, "slot %d: %ld keys left on %s (see above)", slot, g.nkept,
		    addr_of(from));
		f->kept[slot] = 1;
	}
	return g.moved;
}

/* Closes slot on n and tells it that owner owns it: a target importing from
 * a source that died keeps the dead node as the owner in its view on Redis
 * 7 (a slot being imported takes no update by gossip), so it reports the
 * cluster down and refuses MIGRATE and every key.  0, or -1 (said). */
static int
point_at(struct fixing *f, struct rc_node *n, int slot, const char *owner)
{
	char err[400];

	if (rc_node_setslot_stable(&f->cl, n, slot, err, sizeof err) < 0 ||
	    rc_node_setslot_node(&f->cl, n, slot, owner, err, sizeof err) < 0) {
		left(f, "slot %d: pointing %s at the owner: %s", slot, addr_of(n), err);
		return -1;
	}
	return 0;
}

/* An open slot kept by home: home closes it first (a master migrating a
 * slot answers a restore of a key it lacks with ASK), every other master
 * that has it open closes it and is told that home owns it, then the keys
 * the other masters hold of it are moved onto home. */
static void
settle(struct fixing *f, const struct rc_claims *cm, struct rc_node *home,
    const struct rc_open *op)
{
	char err[400];
	long moved = 0;
	int i;

	ask(f);
	for (i = 0; !f->dry && i < cm->nm; i++) {
		if (!cm->open[(size_t)i * RC_NSLOTS + op->slot])
			continue;
		if (cm->m[i] != home)
			point_at(f, cm->m[i], op->slot, home->id);
		else if (rc_node_setslot_stable(&f->cl, home, op->slot, err, sizeof err) < 0)
			left(f, "slot %d: SETSLOT STABLE on %s: %s", op->slot,
			    addr_of(home), err);
	}
	for (i = 0; i < cm->nm; i++) {
		long k;
		if (cm->m[i] == home || (k = rc_node_count_keys(&f->cl, cm->m[i],
		    op->slot)) == 0)
			continue;
		if (k < 0)
			left(f, "slot %d: %s", op->slot, cm->m[i]->err);
		else
			moved += move_keys(f, cm->m[i], home, op->slot, k);
	}
	fix_row(f, op->slot, strcmp(home->id, op->dst) == 0 ? "finished" : "rolled-back",
	    op->src, op->dst, moved);
}

/* Every key of slot on master i onto owner; a row for what moved. */
static void
gather(struct fixing *f, const struct rc_claims *cm, int i, struct rc_node *owner,
    int slot)
{
	long k = keys_on(f, cm, i, slot);

	if (k > 0)
		fix_row(f, slot, "gathered", cm->m[i]->id, owner->id,
		    move_keys(f, cm->m[i], owner, slot, k));
}

/* Closes an open slot on side (SETSLOT STABLE). */
static void
roll_back(struct fixing *f, struct rc_node *side, const struct rc_open *op)
{
	char err[400];

	ask(f);
	if (!f->dry && rc_node_setslot_stable(&f->cl, side, op->slot, err, sizeof err) < 0) {
		left(f, "slot %d: SETSLOT STABLE on %s: %s", op->slot, addr_of(side), err);
		return;
	}
	fix_row(f, op->slot, "rolled-back", op->src, op->dst, 0);
}

/* The open slots every answering master names; a master that does not
 * answer is named (its open slots stay). */
static int
read_open(struct fixing *f, struct rc_open **op)
{
	struct rc_node **m = rc_calloc((size_t)f->cl.nnodes + 1, sizeof *m);
	int *ans = rc_calloc((size_t)f->cl.nnodes + 1, sizeof *ans);
	int i, n = 0, nop;

	for (i = 0; i < f->cl.nnodes; i++)
		if (rc_node_is_master(f->cl.nodes[i]) &&
		    !(f->cl.nodes[i]->flags & (RC_NF_FAIL | RC_NF_NOADDR)))
			m[n++] = f->cl.nodes[i];
	nop = rc_open_slots_of(&f->cl, m, n, ans, op);
	for (i = 0; i < n; i++)
		if (!ans[i])
			left(f, "%s: its open slots, if any, are left as they are", m[i]->err);
	free(m);
	free(ans);
	return nop;
}

/* A target importing from a source that died takes the rest of the keys
 * from the master that took over, once pointed at it (point_at). */
static int
reroute(struct fixing *f, const struct rc_open *op, const struct rc_move *mv)
{
	struct rc_node *dst = rc_cluster_by_id(&f->cl, mv->to);

	if (!op->importing || strcmp(mv->from, op->src) == 0 || dst == NULL)
		return 0;
	return point_at(f, dst, op->slot, mv->from);
}

static void
fix_open(struct fixing *f, const struct rc_claims *cm, const struct rc_open *op, int nop)
{
	struct rc_move *mv = rc_calloc((size_t)nop + 1, sizeof *mv);
	struct rc_node *side;
	int n = 0, i, k;

	for (i = 0; i < nop; i++) {
		if ((k = decide_open(f, cm, &op[i], &mv[n], &side)) == 0)
			roll_back(f, side, &op[i]);
		else if (k == 2)
			settle(f, cm, side, &op[i]);
		else if (k > 0 && f->dry) {
			struct rc_node *src = rc_cluster_by_id(&f->cl, mv[n].from);
			fix_row(f, op[i].slot, "finished", mv[n].from, mv[n].to,
			    rc_node_count_keys(&f->cl, src, op[i].slot));
		} else if (k > 0) {
			ask(f);
			n += reroute(f, &op[i], &mv[n]) == 0;
		}
	}
	if (n > 0) {
		int r2;
		ask(f);
		f->c->fix_rows = 1;
		if ((r2 = run_moves(f->c, &f->cl, mv, n)) != RC_EX_OK)
			f->rc = r2;
	}
	free(mv);
}

/* ---- one owner a slot ------------------------------------------------------------ */

/* Whether slot needs an owner made: no claim, two claims, views that name
 * different owners, or keys on a master that does not own it. */
static int
broken(const struct rc_claims *cm, int slot)
{
	int i;

	if (cm->nclaim[slot] != 1 || cm->split[slot])
		return 1;
	for (i = 0; i < cm->nm; i++)
		if (rc_claims_stranded(cm, i, slot) > 0)
			return 1;
	return 0;
}

/* The owner: the master with the most keys of slot; then one that claims
 * it; then the higher config epoch (as gossip would decide); with nothing
 * else to go by, the one with the fewest slots.  *keys: what it holds. */
static int
choose_owner(struct fixing *f, const struct rc_claims *cm, int slot, long *keys)
{
	int i, best = -1, bclaims = 0;

	*keys = 0;
	for (i = 0; i < cm->nm; i++) {
		long k = keys_on(f, cm, i, slot);
		int claims = cm->mine[(size_t)i * RC_NSLOTS + slot];
		if (best < 0 || k > *keys || (k == *keys && (claims > bclaims ||
		    (claims == bclaims && cm->epoch[i] > cm->epoch[best])))) {
			best = i;
			*keys = k;
			bclaims = claims;
		}
	}
	if (best >= 0 && *keys == 0 && !bclaims)
		for (i = 0; i < cm->nm; i++)
			if (cm->m[i]->nslots < cm->m[best]->nslots)
				best = i;
	return best;
}

/* Makes owner the only master that claims slot, with a fresh epoch so that
 * every view takes its claim. */
static int
make_owner(struct fixing *f, const struct rc_claims *cm, struct rc_node *owner, int slot)
{
	char err[400];
	int i;

	for (i = 0; i < cm->nm; i++)
		if (cm->m[i] != owner && cm->mine[(size_t)i * RC_NSLOTS + slot] &&
		    rc_node_delslot(&f->cl, cm->m[i], slot, err, sizeof err) < 0)
			goto fail;
	if (rc_node_setslot_node(&f->cl, owner, slot, owner->id, err, sizeof err) < 0 ||
	    rc_node_bump_epoch(&f->cl, owner, err, sizeof err) < 0)
		goto fail;
	return 0;
fail:
	left(f, "slot %d: making %s its owner: %s", slot, addr_of(owner), err);
	return -1;
}

/* The other masters learn the owner now rather than by gossip. */
static void
tell_owner(struct fixing *f, const struct rc_claims *cm, struct rc_node *owner, int slot)
{
	char err[400];
	int i;

	for (i = 0; i < cm->nm; i++)
		if (cm->m[i] != owner &&
		    rc_node_setslot_node(&f->cl, cm->m[i], slot, owner->id, err,
		    sizeof err) < 0)
			left(f, "slot %d: SETSLOT NODE on %s: %s", slot, addr_of(cm->m[i]),
			    err);
}

static void
fix_owner(struct fixing *f, const struct rc_claims *cm, int slot)
{
	struct rc_node *owner;
	long keys;
	int o, i, settled;

	if ((o = choose_owner(f, cm, slot, &keys)) < 0) {
		left(f, "slot %d: no master to give it to", slot);
		return;
	}
	owner = cm->m[o];
	settled = cm->nclaim[slot] == 1 && cm->mine[(size_t)o * RC_NSLOTS + slot] &&
	    !cm->split[slot];
	ask(f);
	if (!settled) {
		if (!f->dry && make_owner(f, cm, owner, slot) < 0)
			return;
		/* Before the keys move: a node serves MIGRATE of a slot it
		 * imports only when its view names an owner. */
		if (!f->dry)
			tell_owner(f, cm, owner, slot);
		fix_row(f, slot, "assigned", "-", owner->id, keys);
	}
	for (i = 0; i < cm->nm; i++)
		if (i != o)
			gather(f, cm, i, owner, slot);
}

static void
fix_owners(struct fixing *f, const struct rc_claims *cm)
{
	int s;

	for (s = 0; s < RC_NSLOTS; s++) {
		int open = 0, i;
		for (i = 0; i < cm->nm; i++)
			open |= cm->open[(size_t)i * RC_NSLOTS + s];
		/* A slot whose keys were found twice this run, with one owner
		 * now: named already, gathered again next run. */
		if (open || !broken(cm, s) || (f->kept[s] && cm->nclaim[s] == 1 &&
		    !cm->split[s]))
			continue;
		/* Its owner may be a master that does not answer: not ours to
		 * give away. */
		if (cm->nclaim[s] == 0 && cm->silent > 0 &&
		    rc_cluster_owner(&f->cl, s) != NULL) {
			left(f, "slot %d: its owner %s does not answer: left as it is", s,
			    addr_of(rc_cluster_owner(&f->cl, s)));
			continue;
		}
		fix_owner(f, cm, s);
	}
}

/* ---- settings ---------------------------------------------------------------------- */

/* A cluster-node-timeout that differs from the rest (an add-node killed
 * while it had lowered it) goes back to what most nodes have. */
static void
fix_timeouts(struct fixing *f)
{
	struct rc_timeouts t;
	char v[32];
	int i;

	if (rc_node_timeouts(&f->cl, &t) < 0)
		return;
	snprintf(v, sizeof v, "%ld", t.common);
	for (i = 0; i < f->cl.nnodes; i++) {
		struct rc_node *n = f->cl.nodes[i];
		redisContext *x;
		if (t.ms[i] < 0 || t.ms[i] == t.common)
			continue;
		ask(f);
		if (!f->dry && ((x = rc_node_ctx(&f->cl, n)) == NULL ||
		    rc_ctx_config_set(x, "cluster-node-timeout", v) < 0)) {
			left(f, "%s: CONFIG SET cluster-node-timeout %s failed", addr_of(n), v);
			continue;
		}
		if (!f->dry)
			done_slot(f->c, "timeout put back on", -1);
		rc_putf("-\ttimeout\t%s\t%s\t-\n", addr_of(n), v);
	}
	free(t.ms);
}

/* ---- replicas ------------------------------------------------------------------------ */

/* Whether node n has slot open in its own view (-1: it does not answer). */
static int
has_open(struct fixing *f, struct rc_node *n, int slot)
{
	struct rc_node *v;
	int nv, j, k, yes = 0;

	if ((nv = rc_node_view(&f->cl, n, &v)) < 0)
		return -1;
	for (j = 0; j < nv; j++)
		for (k = 0; (v[j].flags & RC_NF_MYSELF) && k < v[j].nopen; k++)
			yes |= v[j].open[k].slot == slot;
	rc_nodes_free(v, nv);
	return yes;
}

/* Whether master m counts r among its replicas in its own view (-1: m does
 * not answer). */
static int
counts_replica(struct fixing *f, struct rc_node *m, struct rc_node *r)
{
	struct rc_node *v;
	int nv, j, yes = 0;

	if ((nv = rc_node_view(&f->cl, m, &v)) < 0)
		return -1;
	for (j = 0; j < nv; j++)
		yes |= strcmp(v[j].id, r->id) == 0 && strcmp(v[j].master_id, m->id) == 0;
	rc_nodes_free(v, nv);
	return yes;
}

/* SETSLOT STABLE on x's master until x's replica has the slot closed too.
 * Valkey copies a SETSLOT to the replicas only when the master counts any
 * (num_replicas != 0), and a node that came back as its only replica a moment
 * ago, its link up, may not be counted yet: the master says OK, no copy goes,
 * none follows later (a fix said "cleared" and the replica kept the slot open
 * for a minute).  Sent again each second, for up to 10 s. */
static int
clear_through(struct fixing *f, struct rc_stale *x, int slot, char *err, size_t errlen)
{
	uint64_t end = rc_now_us() + 10 * 1000000ULL;
	int i, open;

	for (;;) {
		if (rc_node_setslot_stable(&f->cl, x->master, slot, err, errlen) < 0)
			return -1;
		for (i = 0; i < 10; i++) {
			if ((open = has_open(f, x->replica, slot)) == 0)
				return 0;
			rc_sleep_ms(100);
		}
		if (rc_now_us() >= end) {
			snprintf(err, errlen, "the replica %s still has it open 10 s on%s",
			    addr_of(x->replica), open < 0 ? " (it does not answer)" :
			    counts_replica(f, x->master, x->replica) == 0 ?
			    ": its master does not count it among its replicas yet" : "");
			return -1;
		}
	}
}

/* A replica's open slot is closed through its master, whose SETSLOT Valkey
 * copies to it, when the master has the slot closed itself: the master's
 * own open slots were the business of the steps above. */
static void
fix_replicas(struct fixing *f)
{
	struct rc_stale *st;
	char err[400];
	int n = rc_replica_open_slots(&f->cl, &st), i;

	for (i = 0; i < n; i++) {
		struct rc_stale *x = &st[i];
		int slot = x->os.slot;
		const char *how = x->os.importing ? "importing from" : "migrating to";

		if (x->master == NULL || !x->link_up) {
			left(f, "slot %d: the replica %s still has it open (%s %.12s) and is "
			    "not in sync with its master: run fix again once it is", slot,
			    addr_of(x->replica), how, x->os.peer);
			continue;
		}
		if (has_open(f, x->master, slot) != 0)
			continue;
		ask(f);
		if (!f->dry && clear_through(f, x, slot, err, sizeof err) < 0) {
			left(f, "slot %d: SETSLOT STABLE on %s (for its replica %s): %s", slot,
			    addr_of(x->master), addr_of(x->replica), err);
			continue;
		}
		fix_row(f, slot, "cleared", x->replica->id, x->master->id, 0);
	}
	free(st);
}

/* ---- fix --------------------------------------------------------------------------- */

/* Whether a master of the map is down: it may come back with the config it
 * had. */
static int
master_down(struct fixing *f, const struct rc_claims *cm)
{
	int i;

	for (i = 0; i < f->cl.nnodes; i++)
		if (rc_node_is_master(f->cl.nodes[i]) &&
		    (f->cl.nodes[i]->flags & (RC_NF_FAIL | RC_NF_PFAIL)))
			return 1;
	return cm->silent > 0;
}

static void
fix_all(struct fixing *f)
{
	struct rc_claims cm;
	struct rc_open *op;
	int nop;

	nop = read_open(f, &op);
	rc_claims_read(&f->cl, &cm);
	f->down = master_down(f, &cm);
	fix_open(f, &cm, op, nop);
	free(op);
	if (!f->dry) {
		rc_claims_free(&cm);
		if (rc_cluster_refresh(&f->cl) < 0)
			rc_die(RC_EX_CLUSTER, "%s", f->cl.err);
		rc_claims_read(&f->cl, &cm);
	}
	fix_owners(f, &cm);
	rc_claims_free(&cm);
	fix_replicas(f);
	fix_timeouts(f);
}

int
cmd_fix(void *ctx, int argc, char **argv)
{
	struct ctx *c = ctx;
	struct fixing f;
	char err[512];

	(void)argc, (void)argv;
	memset(&f, 0, sizeof f);
	f.c = c;
	f.dry = c->dry_run;
	f.kept = rc_calloc(RC_NSLOTS, 1);
	open_cluster(c, &f.cl);
	if (c->o.header)
		rc_puts("#slot\taction\tfrom\tto\tkeys\n");
	fix_all(&f);
	/* Like a move: done when every node sees the repaired map. */
	if (!f.dry && f.asked && (rc_cluster_refresh(&f.cl) < 0 ||
	    rc_wait_agreed(&f.cl, 0, 0, c->wait_s, err, sizeof err) < 0))
		left(&f, "the nodes do not agree after %d s: %s", c->wait_s,
		    f.cl.err[0] ? f.cl.err : err);
	rc_cluster_close(&f.cl);
	free(f.kept);
	return f.rc;
}
