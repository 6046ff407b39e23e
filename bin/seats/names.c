/*
 * names.c - the names rc-seats reads and writes: event ids and their keys,
 * reservation ids, seat names; the checks of option values (exit 2 with a
 * reason, before anything is sent); the header line and key-value rows.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "seats.h"

static const char *const keynames[NKEYS] = {
	"meta", "seats", "stats", "holds", "res", "wl", "wlinfo", "done"
};

int
valid_event_id(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

void
evkeys_init(struct evkeys *k, const char *id)
{
	int i;

	snprintf(k->id, sizeof k->id, "%s", id);
	for (i = 0; i < NKEYS; i++) {
		snprintf(k->k[i], sizeof k->k[i], "{event:%s}:%s", id, keynames[i]);
		k->len[i] = strlen(k->k[i]);
	}
	k->slot = (int)rc_keyslot(k->k[0], k->len[0]);
}

void
event_keys(struct evkeys *k, const char *id)
{
	if (!valid_event_id(id))
		rc_die(RC_EX_USAGE, "'%s' is not an event id (letters, digits, '_' and '-', at most 64)",
		    id);
	evkeys_init(k, id);
}

/* A reservation id is EVENT.SUFFIX; the event part gives its keys. */
void
res_keys(struct evkeys *k, const char *res)
{
	const char *dot = strrchr(res, '.');
	char ev[80];
	size_t i;

	if (dot == NULL || dot == res || dot[1] == '\0' || (size_t)(dot - res) >= sizeof ev ||
	    strlen(dot + 1) > 32)
		rc_die(RC_EX_USAGE, "'%s' is not a reservation id (EVENT.SUFFIX, as reserve prints it)",
		    res);
	for (i = 1; dot[i] != '\0'; i++)
		if (!(dot[i] >= 'a' && dot[i] <= 'z') && !(dot[i] >= '0' && dot[i] <= '9'))
			rc_die(RC_EX_USAGE, "'%s' is not a reservation id (EVENT.SUFFIX, as reserve prints it)",
			    res);
	memcpy(ev, res, (size_t)(dot - res));
	ev[dot - res] = '\0';
	if (!valid_event_id(ev))
		rc_die(RC_EX_USAGE, "'%s' is not a reservation id (its event part is not an event id)",
		    res);
	evkeys_init(k, ev);
}

/* Row index (0-based) -> A..Z, AA..ZZ. */
void
row_name(int r, char *buf)
{
	if (r < 26) {
		buf[0] = (char)('A' + r);
		buf[1] = '\0';
	} else {
		buf[0] = (char)('A' + r / 26 - 1);
		buf[1] = (char)('A' + r % 26);
		buf[2] = '\0';
	}
}

/* "B12" -> row 1, number 12; -1 when it is not a seat name at all. */
int
parse_seat(const char *s, int *row, int *num)
{
	int r, i = 0;
	long n;

	if (s[0] < 'A' || s[0] > 'Z')
		return -1;
	r = s[i++] - 'A' + 1;
	if (s[i] >= 'A' && s[i] <= 'Z')
		r = r * 26 + s[i++] - 'A' + 1;
	if (s[i] < '1' || s[i] > '9' || rc_parse_long(s + i, 1, MAX_PER_ROW, &n) < 0)
		return -1;
	*row = r - 1;
	*num = (int)n;
	return 0;
}

void
random_hex(char *out, size_t nhex)
{
	unsigned char b[32];
	size_t i;
	int fd = open("/dev/urandom", O_RDONLY);

	if (nhex > 2 * sizeof b || fd < 0 || read(fd, b, (nhex + 1) / 2) != (ssize_t)((nhex + 1) / 2))
		rc_die(RC_EX_USAGE, "cannot read /dev/urandom: %s", strerror(errno));
	close(fd);
	for (i = 0; i < nhex; i++)
		out[i] = "0123456789abcdef"[(b[i / 2] >> (i % 2 ? 0 : 4)) & 15];
	out[nhex] = '\0';
}

/*
 * A new reservation id: EVENT.<11 hex digits: ms since the epoch><9 random
 * hex digits>, from rng when given (load), else /dev/urandom.  The time lets
 * the scripts tell a record that aged out from one that never was.
 */
void
res_id(char *out, size_t n, const char *event, uint64_t *rng)
{
	struct timespec ts;
	char rnd[10];
	int i;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (rng == NULL)
		random_hex(rnd, 9);
	else
		for (i = 0; i < 9; i++) {
			uint64_t x = *rng;
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			*rng = x;
			rnd[i] = "0123456789abcdef"[x & 15];
		}
	rnd[9] = '\0';
	snprintf(out, n, "%s.%011llx%s", event,
	    (unsigned long long)ts.tv_sec * 1000ULL + (unsigned long long)ts.tv_nsec / 1000000ULL,
	    rnd);
}

/* ---- argument checks ----------------------------------------------------------- */

long
num_arg(const char *s, const char *what, long min, long max)
{
	long v;

	if (s == NULL)
		rc_die(RC_EX_USAGE, "%s is required", what);
	/* Digits only (a '-' first where min allows): strtol would take " 1"
	 * and "+1", which are not what anyone means. */
	if (strspn(s + (s[0] == '-' && min < 0), "0123456789") !=
	    strlen(s + (s[0] == '-' && min < 0)) ||
	    rc_parse_long(s, min, max, &v) < 0)
		rc_die(RC_EX_USAGE, "%s '%s' must be a whole number from %ld to %ld", what, s,
		    min, max);
	return v;
}

void
text_arg(const char *s, const char *what, int required)
{
	size_t i;

	if (s == NULL) {
		if (required)
			rc_die(RC_EX_USAGE, "%s is required", what);
		return;
	}
	if (required && s[0] == '\0')
		rc_die(RC_EX_USAGE, "%s must not be empty", what);
	if (strlen(s) > MAX_FIELD)
		rc_die(RC_EX_USAGE, "%s is longer than %d bytes", what, MAX_FIELD);
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			rc_die(RC_EX_USAGE, "%s contains a control character", what);
}

/* Price: a positive decimal with at most two decimals, at most 1000000;
 * canon gets its one stored form, two decimals and no leading zeros
 * ("10.5", "010.50" -> "10.50"). */
void
price_arg(const char *s, char *canon, size_t n)
{
	long cents = 0;
	int d = -1;
	const char *q;

	const char *p = s;
	int digits = 0, dec = -1;
	double v;

	if (s == NULL)
		rc_die(RC_EX_USAGE, "--price is required");
	for (; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9') {
			digits++;
			if (dec >= 0)
				dec++;
		} else if (*p == '.' && dec < 0)
			dec = 0;
		else
			break;
	}
	v = strtod(s, NULL);
	if (*p != '\0' || digits == 0 || digits > 9 || dec == 0 || dec > 2 || v <= 0 ||
	    v > 1000000)
		rc_die(RC_EX_USAGE, "--price '%s' must be a positive amount up to 1000000 "
		    "with at most two decimals", s);
	for (q = s; *q != '\0'; q++) {
		if (*q == '.') {
			d = 0;
			continue;
		}
		cents = cents * 10 + (*q - '0');
		if (d >= 0)
			d++;
	}
	for (; d < 2; d = d < 0 ? 1 : d + 1)
		cents *= 10;
	snprintf(canon, n, "%ld.%02ld", cents / 100, cents % 100);
}

/* "A1,A2" checked for shape and repeats; the map itself is the script's. */
int
seats_arg(const char *s)
{
	char *copy, *tok, *save = NULL, **seen;
	int n = 0, i, row, num;

	if (s == NULL)
		rc_die(RC_EX_USAGE, "--seats is required (e.g. --seats A1,A2)");
	if (s[0] == '\0' || s[strlen(s) - 1] == ',' || s[0] == ',' || strstr(s, ",,") != NULL)
		rc_die(RC_EX_USAGE, "--seats '%s' must be seat names separated by commas", s);
	copy = rc_strdup(s);
	seen = rc_calloc(MAX_REQ_SEATS + 1, sizeof *seen);
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (parse_seat(tok, &row, &num) < 0)
			rc_die(RC_EX_USAGE, "'%s' is not a seat name (a row A..ZZ and a number: A1, AB12)",
			    tok);
		for (i = 0; i < n; i++)
			if (strcmp(seen[i], tok) == 0)
				rc_die(RC_EX_USAGE, "seat %s is named twice", tok);
		if (n == MAX_REQ_SEATS)
			rc_die(RC_EX_USAGE, "at most %d seats in one reservation", MAX_REQ_SEATS);
		seen[n++] = tok;
	}
	free(seen);
	free(copy);
	return n;
}

/* ---- output helpers ---------------------------------------------------------------- */

void
header(struct ctx *c, const char *cols)
{
	if (c->o.header) {
		rc_putc('#');
		rc_puts(cols);
		rc_putc('\n');
	}
}

void
kv(const char *k, const char *v)
{
	rc_put_field(k, strlen(k), 1);
	rc_putc('\t');
	rc_put_field(v, strlen(v), 0);
	rc_putc('\n');
}

void
need_event(const struct ctx *c)
{
	if (c->a.event == NULL)
		rc_die(RC_EX_USAGE, "--event is required");
}

/* --wait-ms is only the WAIT timeout of --durable: alone it would look as if
 * it did something. */
void
need_durable(const struct ctx *c, const char *cmd)
{
	if (c->wait_given && !c->durable)
		rc_die(RC_EX_USAGE, "%s: --wait-ms is the WAIT timeout of --durable: give "
		    "--durable too", cmd);
}
