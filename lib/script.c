/*
 * script.c - Lua scripts called by their SHA-1.
 *
 * A script is never loaded ahead with SCRIPT LOAD: its SHA-1 is computed
 * here, and it is called with EVALSHA.  A node that does not have it cached
 * (the first call there, a replica just promoted, a node just added, after
 * SCRIPT FLUSH) answers NOSCRIPT; then the whole text goes once by EVAL,
 * which runs it and caches it there, so EVALSHA finds it from then on.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"

/* ---- SHA-1 (FIPS 180-4), for EVALSHA without a SCRIPT LOAD round trip ---- */

static uint32_t
rol32(uint32_t x, int k)
{
	return x << k | x >> (32 - k);
}

static void
sha1_block(uint32_t h[5], const unsigned char *p)
{
	uint32_t w[80], a, b, c, d, e, f, k, t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 80; i++)
		w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20)
			f = (b & c) | (~b & d), k = 0x5A827999;
		else if (i < 40)
			f = b ^ c ^ d, k = 0x6ED9EBA1;
		else if (i < 60)
			f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
		else
			f = b ^ c ^ d, k = 0xCA62C1D6;
		t = rol32(a, 5) + f + e + k + w[i];
		e = d, d = c, c = rol32(b, 30), b = a, a = t;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
}

void
rc_sha1_hex(const void *buf, size_t len, char out[41])
{
	uint32_t h[5] = { 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0 };
	const unsigned char *s = buf;
	unsigned char tail[128];
	uint64_t bits = (uint64_t)len * 8;
	size_t i, full = len / 64 * 64, rest = len - full, tl;

	for (i = 0; i < full; i += 64)
		sha1_block(h, s + i);
	memset(tail, 0, sizeof tail);
	if (rest > 0)
		memcpy(tail, s + full, rest);
	tail[rest] = 0x80;
	tl = rest + 1 + 8 <= 64 ? 64 : 128;
	for (i = 0; i < 8; i++)
		tail[tl - 1 - i] = (unsigned char)(bits >> (8 * i));
	for (i = 0; i < tl; i += 64)
		sha1_block(h, tail + i);
	for (i = 0; i < 5; i++)
		snprintf(out + 8 * i, 9, "%08x", h[i]);
}

/* ---- scripts -------------------------------------------------------------- */

void
rc_evalsha_init(struct rc_evalsha *s, const char *name, ...)
{
	struct rc_buf b = { 0 };
	const char *n, *text;
	va_list ap;

	va_start(ap, name);
	for (n = name; n != NULL; n = va_arg(ap, const char *)) {
		if ((text = rc_lua(n)) == NULL)
			rc_die(RC_EX_USAGE, "the %s script is not built in", n);
		rc_buf_adds(&b, text);
	}
	va_end(ap);
	if (b.s == NULL)
		rc_buf_adds(&b, "");
	s->src = b.s;
	s->len = b.len;
	rc_sha1_hex(s->src, s->len, s->sha);
}

void
rc_evalsha_free(struct rc_evalsha *s)
{
	free(s->src);
	s->src = NULL;
	s->len = 0;
}

int
rc_reply_noscript(const redisReply *r)
{
	return rc_reply_is_err(r, "NOSCRIPT");
}

/* ---- calls ------------------------------------------------------------------ */

void
rc_pipe_script(struct rc_pipe *p, int slot, const struct rc_evalsha *s, int eval,
    int nkeys, int argc, const char *const *argv, const size_t *argvlen)
{
	const char **av = rc_calloc((size_t)argc + 3, sizeof *av);
	size_t *len = rc_calloc((size_t)argc + 3, sizeof *len);
	char nk[16];
	int i;

	snprintf(nk, sizeof nk, "%d", nkeys);
	av[0] = eval ? "EVAL" : "EVALSHA";
	len[0] = strlen(av[0]);
	av[1] = eval ? s->src : s->sha;
	len[1] = eval ? s->len : 40;
	av[2] = nk;
	len[2] = strlen(nk);
	for (i = 0; i < argc; i++) {
		av[3 + i] = argv[i];
		len[3 + i] = argvlen != NULL ? argvlen[i] : strlen(argv[i]);
	}
	rc_pipe_argv(p, slot, argc + 3, av, len);
	free(av);
	free(len);
}

struct rc_pipe *
rc_script_call(struct rc_cluster *cl, int slot, const struct rc_evalsha *s, int nkeys,
    int argc, const char *const *argv, const size_t *argvlen, const char *const *after)
{
	struct rc_pipe *p;
	int eval;

	for (eval = 0; ; eval = 1) {
		p = rc_pipe_new(cl);
		rc_pipe_script(p, slot, s, eval, nkeys, argc, argv, argvlen);
		if (after != NULL) {
			int n;
			for (n = 0; after[n] != NULL; n++)
				;
			rc_pipe_argv(p, slot, n, (const char **)after, NULL);
		}
		rc_pipe_exec(p);
		if (eval || !rc_reply_noscript(rc_pipe_reply(p, 0)))
			return p;
		rc_pipe_free(p);
	}
}
