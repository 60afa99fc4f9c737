/*
 * throttle.c - the per-address table of failed authentications behind
 * throttle.h. Each address hashes (with a seed drawn at first use, so that
 * nobody can aim addresses at one set) to a set of WAYS slots; a new
 * address takes a free slot of its set or the one seen longest ago. One
 * mutex: the table is touched only on a failure or a throttled address's
 * request, and for a lookup of a few slots.
 */
#include "daemon/throttle.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#include "common/limits.h"

#define WAYS 8
#define SETS (LIMIT_AUTH_CLIENTS / WAYS)

struct slot {
	uint8_t key[17];  /* family, then the IPv4 address or the IPv6 /64 */
	uint8_t used;     /* the slot holds an address */
	int failures;     /* in the window that began at start_s */
	long start_s;
	uint64_t seen;    /* tick of the last use, for LRU */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct slot table[SETS][WAYS];
static uint64_t tick, seed;

static long now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)t.tv_sec;
}

/* The key of addr into key (17 bytes, zero padded); 0, or -1 if its
 * family is neither IPv4 nor IPv6. */
static int key_of(uint8_t key[17], const struct sockaddr *addr)
{
	memset(key, 0, 17);
	if (addr->sa_family == AF_INET) {
		key[0] = 4;
		memcpy(key + 1, &((const struct sockaddr_in *)(const void *)addr)->sin_addr, 4);
		return 0;
	}
	if (addr->sa_family == AF_INET6) {
		key[0] = 6;
		memcpy(key + 1, &((const struct sockaddr_in6 *)(const void *)addr)->sin6_addr, 8);
		return 0;
	}
	return -1;
}

/* FNV-1a of key, seeded. The caller holds mu. */
static size_t set_of(const uint8_t key[17])
{
	uint64_t h = 1469598103934665603ULL ^ seed;

	if (!seed && getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)now_s() | 1;
	for (int i = 0; i < 17; i++)
		h = (h ^ key[i]) * 1099511628211ULL;
	return (size_t)(h % SETS);
}

/* key's slot; if absent and make, a fresh one in place of the least recently
 * seen of its set, else NULL. The caller holds mu. */
static struct slot *find(const uint8_t key[17], int make)
{
	struct slot *set = table[set_of(key)], *old = &set[0];

	for (int i = 0; i < WAYS; i++) {
		if (set[i].used && memcmp(set[i].key, key, 17) == 0)
			return &set[i];
		if (!set[i].used || (old->used && set[i].seen < old->seen))
			old = &set[i];
	}
	if (!make)
		return NULL;
	memset(old, 0, sizeof(*old));
	memcpy(old->key, key, 17);
	old->used = 1;
	old->start_s = now_s();
	return old;
}

int daemon_throttle_wait_s(const struct sockaddr *addr)
{
	uint8_t key[17];
	struct slot *s;
	long now = now_s();
	int wait = 0;

	if (!addr || key_of(key, addr) < 0)
		return 0;
	pthread_mutex_lock(&mu);
	s = find(key, 0);
	if (s && now - s->start_s < LIMIT_AUTH_WINDOW_S && s->failures >= LIMIT_AUTH_FAILURES) {
		wait = (int)(s->start_s + LIMIT_AUTH_WINDOW_S - now);
		s->seen = ++tick;
	}
	pthread_mutex_unlock(&mu);
	return wait;
}

void daemon_throttle_failure(const struct sockaddr *addr)
{
	uint8_t key[17];
	struct slot *s;
	long now = now_s();

	if (!addr || key_of(key, addr) < 0)
		return;
	pthread_mutex_lock(&mu);
	s = find(key, 1);
	if (now - s->start_s >= LIMIT_AUTH_WINDOW_S) {
		s->start_s = now;
		s->failures = 0;
	}
	s->failures++;
	s->seen = ++tick;
	pthread_mutex_unlock(&mu);
}

void daemon_throttle_success(const struct sockaddr *addr)
{
	uint8_t key[17];
	struct slot *s;

	if (!addr || key_of(key, addr) < 0)
		return;
	pthread_mutex_lock(&mu);
	s = find(key, 0);
	if (s)
		s->failures = 0;
	pthread_mutex_unlock(&mu);
}

void daemon_throttle_address(char *out, size_t size, const struct sockaddr *addr)
{
	const void *a = NULL;

	if (addr && addr->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)addr)->sin_addr;
	else if (addr && addr->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)addr)->sin6_addr;
	if (!a || !inet_ntop(addr->sa_family, a, out, (socklen_t)size))
		snprintf(out, size, "unknown");
}
