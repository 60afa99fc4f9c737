/*
 * err.h - error codes and the thread-local "last error" message.
 *
 * Every fallible function returns 0 on success or one of the negative codes
 * below; the human-readable message that explains the failure is kept in a
 * thread-local buffer and read with err_last() (libgit2's model). The message
 * names what a person needs to act: file, line, field, what was expected.
 *
 * ASSERT() is for broken invariants inside the program, never for bad input:
 * it is always on and aborts with file:line.
 */
#ifndef TFLEDGER_ERR_H
#define TFLEDGER_ERR_H

enum {
	ERR_OK = 0,
	ERR_INVALID = -1,     /* bad input from outside: usage, file, request */
	ERR_NOTFOUND = -2,    /* the thing asked for does not exist */
	ERR_CONFLICT = -3,    /* already exists, or clashes with stored state */
	ERR_RETRY = -4,       /* transient: serialization failure, deadlock */
	ERR_LIMIT = -5,       /* a named limit of common/limits.h was exceeded */
	ERR_UNAVAILABLE = -6, /* the database or another service is unreachable */
	ERR_SYSTEM = -7,      /* the operating system refused (I/O, fork, ...) */
	ERR_INTERNAL = -8     /* anything else that is not the caller's fault */
};

/* Sets the thread's last error message (printf format) and returns code. */
int err_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Like err_set, with ": <strerror(errno)>" appended (errno read at entry). */
int err_sys(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Prefixes the current message with "prefix: " (printf format), keeping the
 * code; used to add context (a file name, a line) while an error travels up.
 * Returns code.
 */
int err_wrap(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The last message set on this thread; "" if none. Valid until the next set. */
const char *err_last(void);

/* Forgets the last message. */
void err_clear(void);

/* A short stable name for a code: "invalid", "not-found", ... */
const char *err_name(int code);

/* The CLI exit status for a code: 0 for ERR_OK, 1 for ERR_INVALID/NOTFOUND/
 * CONFLICT/LIMIT (the user's input is at fault), 2 for everything else. */
int err_exit_status(int code);

_Noreturn void err_assert_fail(const char *expr, const char *file, int line);

#define ASSERT(expr) \
	((expr) ? (void)0 : err_assert_fail(#expr, __FILE__, __LINE__))

#endif
