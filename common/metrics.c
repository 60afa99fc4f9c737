/*
 * metrics.c - the counters behind GET /metrics (see metrics.h). A fixed
 * table of (route, status) slots keeps memory bounded whatever clients send:
 * routes are tfledgerd's own names, never request paths.
 */
#include "common/metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 128

static const double latency_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
					0.05,   0.1,   0.25,   0.5,   1,    2.5};
#define NLAT (sizeof(latency_bounds) / sizeof(latency_bounds[0]))
static const double group_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 1000, 10000};
#define NGROUP (sizeof(group_bounds) / sizeof(group_bounds[0]))

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	const char *route;
	unsigned status;
	unsigned long long n;
} requests[SLOTS];
static unsigned long long lat_buckets[NLAT], lat_count;
static double lat_sum;
static unsigned long long group_buckets[NGROUP], group_count, entries_total;
static double group_sum;
static unsigned long long db_errors;
static unsigned long long auth_failures, auth_throttled;

void metrics_request(const char *route, unsigned status, double seconds)
{
	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < SLOTS; i++) {
		if (!requests[i].route) {
			requests[i].route = route;
			requests[i].status = status;
		}
		if (requests[i].route == route && requests[i].status == status) {
			requests[i].n++;
			break;
		}
	}
	for (size_t i = 0; i < NLAT; i++)
		if (seconds <= latency_bounds[i])
			lat_buckets[i]++;
	lat_count++;
	lat_sum += seconds;
	pthread_mutex_unlock(&mu);
}

void metrics_group(size_t n)
{
	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < NGROUP; i++)
		if ((double)n <= group_bounds[i])
			group_buckets[i]++;
	group_count++;
	group_sum += (double)n;
	entries_total += n;
	pthread_mutex_unlock(&mu);
}

void metrics_db_error(void)
{
	pthread_mutex_lock(&mu);
	db_errors++;
	pthread_mutex_unlock(&mu);
}

void metrics_auth_failure(void)
{
	pthread_mutex_lock(&mu);
	auth_failures++;
	pthread_mutex_unlock(&mu);
}

void metrics_auth_throttled(void)
{
	pthread_mutex_lock(&mu);
	auth_throttled++;
	pthread_mutex_unlock(&mu);
}

/*
 * Writes one Prometheus histogram: its HELP and TYPE lines, a cumulative
 * bucket per bound, the +Inf bucket, the sum (with sum_digits decimals) and
 * the count. The caller holds mu.
 */
static void histogram(FILE *f, const char *name, const char *help, const double *bounds,
		      const unsigned long long *buckets, size_t n, double sum, int sum_digits,
		      unsigned long long count)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[i], buckets[i]);
	fprintf(f, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.*f\n%s_count %llu\n", name, count,
		name, sum_digits, sum, name, count);
}

char *metrics_render(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	pthread_mutex_lock(&mu);
	fprintf(f,
		"# HELP tfledger_http_requests_total HTTP requests answered, by route and status.\n"
		"# TYPE tfledger_http_requests_total counter\n");
	for (size_t i = 0; i < SLOTS && requests[i].route; i++)
		fprintf(f, "tfledger_http_requests_total{route=\"%s\",status=\"%u\"} %llu\n",
			requests[i].route, requests[i].status, requests[i].n);
	histogram(f, "tfledger_http_request_duration_seconds", "Time to answer a request.",
		  latency_bounds, lat_buckets, NLAT, lat_sum, 6, lat_count);
	fprintf(f, "# HELP tfledger_entries_committed_total Journal entries committed.\n"
		   "# TYPE tfledger_entries_committed_total counter\n"
		   "tfledger_entries_committed_total %llu\n", entries_total);
	histogram(f, "tfledger_group_commit_entries", "Entries per group commit.",
		  group_bounds, group_buckets, NGROUP, group_sum, 0, group_count);
	fprintf(f, "# HELP tfledger_db_errors_total Database errors seen by the daemon.\n"
		   "# TYPE tfledger_db_errors_total counter\n"
		   "tfledger_db_errors_total %llu\n", db_errors);
	fprintf(f, "# HELP tfledger_auth_failures_total Failed authentications (no, a "
		   "malformed or an unknown token).\n"
		   "# TYPE tfledger_auth_failures_total counter\n"
		   "tfledger_auth_failures_total %llu\n"
		   "# HELP tfledger_auth_throttled_total Requests answered 429 for their "
		   "address's failed authentications.\n"
		   "# TYPE tfledger_auth_throttled_total counter\n"
		   "tfledger_auth_throttled_total %llu\n", auth_failures, auth_throttled);
	pthread_mutex_unlock(&mu);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
