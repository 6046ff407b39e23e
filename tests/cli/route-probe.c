/*
 * route-probe - drives the library's router for tests/cli/route.t.
 *
 * Reads commands, one a line, words split on spaces, from stdin, and sends
 * each routed by its key (rc_command_slot).  Prints one line a reply: the
 * string, integer, "(nil)", "ERR:<text>", or "[a,b,...]" for arrays.  Lines:
 *   !wait FILE     wait (up to 60 s) until FILE exists
 *   !pipe N CMD    queue CMD N times with %d replaced by 0..N-1, send them as
 *                  one pipeline, print "pipe: N replies, E errors"
 *   !stats         print "moved=N ask=N retry=N refresh=N"
 *   !owner KEY     print the address of the master the slot table names
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rc.h"

static void
show(const redisReply *r)
{
	size_t i;

	switch (r->type) {
	case REDIS_REPLY_STRING:
	case REDIS_REPLY_STATUS:
		printf("%.*s", (int)r->len, r->str);
		break;
	case REDIS_REPLY_ERROR:
		printf("ERR:%.*s", (int)r->len, r->str);
		break;
	case REDIS_REPLY_INTEGER:
		printf("%lld", r->integer);
		break;
	case REDIS_REPLY_NIL:
		printf("(nil)");
		break;
	case REDIS_REPLY_ARRAY:
		printf("[");
		for (i = 0; i < r->elements; i++) {
			if (i)
				printf(",");
			show(r->element[i]);
		}
		printf("]");
		break;
	default:
		printf("?");
	}
}

static int
split(char *line, const char **argv, size_t *len, int max)
{
	int argc = 0;
	char *p, *save = NULL;

	for (p = strtok_r(line, " ", &save); p && argc < max; p = strtok_r(NULL, " ", &save)) {
		argv[argc] = p;
		len[argc++] = strlen(p);
	}
	return argc;
}

/* tmpl with every "%d" (or "%1$d") replaced by i, into buf (the template is the test's
 * input, so it is not used as a format). */
static void
subst(char *buf, size_t n, const char *tmpl, long i)
{
	size_t k = 0;
	const char *s;

	for (s = tmpl; *s != '\0' && k + 24 < n; s++) {
		if (s[0] == '%' && s[1] == 'd') {
			k += (size_t)snprintf(buf + k, n - k, "%ld", i);
			s++;
		} else if (strncmp(s, "%1$d", 4) == 0) {
			k += (size_t)snprintf(buf + k, n - k, "%ld", i);
			s += 3;
		} else {
			buf[k++] = *s;
		}
	}
	buf[k] = '\0';
}

static void
pipe_n(struct rc_cluster *cl, long n, char *tmpl)
{
	struct rc_pipe *p = rc_pipe_new(cl);
	size_t errs;
	long i;

	for (i = 0; i < n; i++) {
		char buf[512];
		const char *argv[32];
		size_t len[32];
		int argc;

		subst(buf, sizeof buf, tmpl, i);
		argc = split(buf, argv, len, 32);
		rc_pipe_argv(p, rc_command_slot(argc, argv, len), argc, argv, len);
	}
	errs = rc_pipe_exec(p);
	for (i = 0; i < n && errs > 0; i++) {
		redisReply *r = rc_pipe_reply(p, (size_t)i);
		if (r->type == REDIS_REPLY_ERROR) {
			printf("first error at %ld: %s\n", i, r->str);
			break;
		}
	}
	printf("pipe: %ld replies, %zu errors\n", n, errs);
	rc_pipe_free(p);
}

int
main(int argc, char **argv)
{
	struct rc_opts o;
	struct rc_cluster cl;
	char line[1024];

	rc_init(argv[0]);
	rc_opts_init(&o);
	if (argc > 1 && rc_addr_parse(argv[1], &o.seed) < 0)
		rc_die(2, "bad seed %s", argv[1]);
	o.timeout_ms = 2000;
	if (rc_cluster_open(&cl, &o) < 0)
		rc_die(3, "%s", cl.err);
	if (argc > 2)
		cl.max_retries = atoi(argv[2]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof line, stdin) != NULL) {
		const char *av[64];
		size_t len[64];
		int ac;

		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "!wait ", 6) == 0) {
			int i;
			for (i = 0; i < 6000 && access(line + 6, F_OK) != 0; i++)
				rc_sleep_ms(10);
			continue;
		}
		if (strcmp(line, "!stats") == 0) {
			printf("moved=%lu ask=%lu retry=%lu refresh=%lu\n", cl.nmoved,
			    cl.nask, cl.nretry, cl.nrefresh);
			continue;
		}
		if (strncmp(line, "!owner ", 7) == 0) {
			struct rc_node *n = rc_cluster_owner(&cl,
			    (int)rc_keyslot(line + 7, strlen(line + 7)));
			char a[300];
			printf("%s\n", n ? rc_node_addr(n, a, sizeof a) : "-");
			continue;
		}
		if (strncmp(line, "!pipe ", 6) == 0) {
			char *sp = strchr(line + 6, ' ');
			if (sp == NULL)
				rc_die(2, "!pipe N CMD");
			*sp = '\0';
			pipe_n(&cl, atol(line + 6), sp + 1);
			continue;
		}
		ac = split(line, av, len, 64);
		if (ac == 0)
			continue;
		{
			redisReply *r = rc_cluster_argv(&cl, rc_command_slot(ac, av, len),
			    ac, av, len);
			show(r);
			printf("\n");
			freeReplyObject(r);
		}
	}
	rc_cluster_close(&cl);
	return 0;
}
