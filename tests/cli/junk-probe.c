/*
 * junk-probe PORT TEXT: a server that is not Redis.  It listens on
 * 127.0.0.1:PORT, prints "listening" when it does, and answers every
 * connection with TEXT (C escapes \r \n decoded) then closes it, until it
 * is killed.  The tests use it as a seed that speaks HTTP, or a node that
 * sends an absurd multi-bulk length.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static size_t
unescape(char *s)
{
	char *w = s, *r;

	for (r = s; *r != '\0'; r++) {
		if (r[0] == '\\' && (r[1] == 'r' || r[1] == 'n')) {
			*w++ = r[1] == 'r' ? '\r' : '\n';
			r++;
		} else
			*w++ = *r;
	}
	return (size_t)(w - s);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in a;
	size_t len;
	int s, one = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: junk-probe PORT TEXT\n");
		return 2;
	}
	len = unescape(argv[2]);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 16) < 0) {
		perror("junk-probe");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		char buf[4096];
		int c = accept(s, NULL, NULL);

		if (c < 0)
			continue;
		/* Let the client speak first, as a server would. */
		(void)read(c, buf, sizeof buf);
		if (write(c, argv[2], len) < 0)
			perror("junk-probe: write");
		close(c);
	}
}
