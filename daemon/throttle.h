/*
 * throttle.h - failed authentications per client address (issue 16,
 * item 8): after LIMIT_AUTH_FAILURES within LIMIT_AUTH_WINDOW_S an address
 * is answered 429 with Retry-After, without its token being looked at,
 * until the window that began with its first failure ends. An answer, not
 * a wait: a request thread put to sleep would be a connection held for the
 * guesser (one thread per connection, LIMIT_HTTP_CONNECTIONS of them).
 *
 * The memory is a fixed table of LIMIT_AUTH_CLIENTS addresses, set
 * associative, the least recently seen address of a set forgotten first:
 * a flood from many addresses costs no memory and at worst makes the
 * daemon forget some. IPv6 clients count by their /64 (one host holds a
 * whole /64). Thread-safe.
 */
#ifndef TFLEDGER_DAEMON_THROTTLE_H
#define TFLEDGER_DAEMON_THROTTLE_H

#include <stddef.h>

struct sockaddr;

/* 0 if a request from addr may present a token now; else the seconds
 * (>= 1) until it may. addr NULL (unknown) is never throttled. */
int daemon_throttle_wait_s(const struct sockaddr *addr);

/* Counts one failed authentication from addr (NULL: nothing to count). */
void daemon_throttle_failure(const struct sockaddr *addr);

/* Forgets addr's failures after a successful authentication: a person
 * who mistyped and then got it right starts afresh (a blocked address
 * never gets this far). */
void daemon_throttle_success(const struct sockaddr *addr);

/* addr as text ("127.0.0.1", "::1"; "unknown" for NULL) into out. */
void daemon_throttle_address(char *out, size_t size, const struct sockaddr *addr);

#endif
