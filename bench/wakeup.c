/*
 * bench/wakeup.c - the machine's floor under a request's latency: the time
 * one byte takes to go round a ring of processes over loopback TCP, each
 * blocked in read() until the byte reaches it. Nothing but the kernel and
 * the scheduler is in the way, so its p99 is what any request that wakes
 * as many sleeping processes pays before it does any work.
 *
 *   bench/wakeup HOPS SECONDS [ASKS]
 *
 * HOPS 2 is a client and a server (an HTTP request answered from memory,
 * /metrics); HOPS 3 adds one process the server asks and waits for, ASKS
 * times a request (default 1): an HTTP request with ASKS database round
 * trips (wrk, tfledgerd, a backend; the as-of balance makes two, the
 * token's and the balance's).
 * Prints round trips, p50, p99 and p99.9 in microseconds. Not run by
 * `make check`.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_HOPS 8
#define MAX_SAMPLES (1 << 22)

static void die(const char *what)
{
	perror(what);
	exit(2);
}

/* A connected pair of loopback TCP sockets, Nagle off on both. */
static void tcp_pair(int fd[2])
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);

	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &len) < 0)
		die("listen");
	fd[0] = socket(AF_INET, SOCK_STREAM, 0);
	if (fd[0] < 0 || connect(fd[0], (struct sockaddr *)&a, sizeof(a)) < 0)
		die("connect");
	fd[1] = accept(l, NULL, NULL);
	if (fd[1] < 0)
		die("accept");
	close(l);
	setsockopt(fd[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000L + t.tv_nsec;
}

int main(int argc, char **argv)
{
	int hops = argc > 1 ? atoi(argv[1]) : 2;
	int seconds = argc > 2 ? atoi(argv[2]) : 10;
	int asks = argc > 3 ? atoi(argv[3]) : 1;
	int link[MAX_HOPS][2]; /* link[i]: process i's end [0], process i+1's end [1] */
	pid_t kids[MAX_HOPS];
	long *lat = malloc(sizeof(long) * MAX_SAMPLES), n = 0;
	char c = 'x';

	if (hops < 2 || hops > MAX_HOPS || seconds <= 0 || seconds > 3600 || asks < 1 || !lat) {
		fprintf(stderr, "usage: wakeup HOPS(2-%d) SECONDS(1-3600) [ASKS]\n", MAX_HOPS);
		return 2;
	}
	for (int i = 0; i < hops - 1; i++)
		tcp_pair(link[i]);
	/* process i (1..hops-1) reads from i-1, passes on to i+1 or, the last,
	 * answers back; the answer travels back the same way */
	for (int i = 1; i < hops; i++) {
		if ((kids[i] = fork()) < 0)
			die("fork");
		if (kids[i] == 0) {
			int up = link[i - 1][1], down = i < hops - 1 ? link[i][0] : -1;

			for (int j = 0; j < hops - 1; j++) { /* EOF reaches it when the client closes */
				if (link[j][0] != down)
					close(link[j][0]);
				if (link[j][1] != up)
					close(link[j][1]);
			}

			while (read(up, &c, 1) == 1) {
				int k = 0;

				while (down >= 0 && k < asks && write(down, &c, 1) == 1 &&
				       read(down, &c, 1) == 1)
					k++;
				if ((down >= 0 && k < asks) || write(up, &c, 1) != 1)
					break;
			}
			_exit(0);
		}
	}
	for (long t0 = now_ns(), end = t0 + seconds * 1000000000L; t0 < end && n < MAX_SAMPLES;
	     t0 = now_ns()) {
		if (write(link[0][0], &c, 1) != 1 || read(link[0][0], &c, 1) != 1)
			die("round trip");
		lat[n++] = now_ns() - t0;
	}
	for (int i = 0; i < hops - 1; i++)
		close(link[i][0]);
	for (int i = 1; i < hops; i++)
		waitpid(kids[i], NULL, 0);
	if (n == 0)
		die("no round trip");
	qsort(lat, (size_t)n, sizeof(*lat), cmp);
	printf("hops %d, asks %d: %ld round trips in %d s, p50 %.1f us, p99 %.1f us, p99.9 %.1f us,"
	       " max %.1f us\n",
	       hops, asks, n, seconds, lat[n / 2] / 1e3, lat[n * 99 / 100] / 1e3,
	       lat[n * 999 / 1000] / 1e3, lat[n - 1] / 1e3);
	free(lat);
	return 0;
}
