/*
 * err.h - error codes and the thread-local "last error" message.
 *
 * Every fallible function returns 0 on success or one of the negative codes
 * below; the human-readable message that explains the failure is kept in a
 * thread-local buffer and read with err_last() (libgit2's model). The message
 * names what a person needs to act: file, line, field, what was expected.
 *
 * Beside the class, an error may carry one of the contract's error codes
 * (enum err_code, docs/openapi.yaml's Error.code): what a client or a
 * script acts on. err_code_set() sets both; err_set() sets none, and
 * err_code() then derives one from the class. One table in err.c gives each
 * code its name and HTTP status: never pass a code as a string, never
 * decide on the text of a message.
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

/* The contract's error codes, in docs/openapi.yaml's order. */
enum err_code {
	EC_NONE = 0,              /* none given: err_code() derives one from the class */
	EC_INVALID_JSON,          /* 400 the body is not JSON */
	EC_INVALID_FIELD,         /* 400 a field, parameter or header is wrong */
	EC_UNAUTHENTICATED,       /* 401 no token, or an unknown or revoked one */
	EC_FORBIDDEN,             /* 403 the role may not do this */
	EC_NOT_FOUND,             /* 404 */
	EC_CONFLICT,              /* 409 clashes with what is stored */
	EC_TOO_LARGE,             /* 413 beyond a limit of common/limits.h */
	EC_UNBALANCED_ENTRY,      /* 422 debits differ from credits in a currency */
	EC_UNKNOWN_ACCOUNT,       /* 422 */
	EC_CURRENCY_MISMATCH,     /* 422 a posting's currency is not its account's */
	EC_PERIOD_CLOSED,         /* 422 the entry's month is closed */
	EC_ALREADY_REVERSED,      /* 422 */
	EC_OVER_PAYMENT,          /* 422 more received than pledged */
	EC_MISSING_RATE,          /* 422 no UN operational rate for the month */
	EC_UNAVAILABLE,           /* 503 the database is unreachable: retry */
	EC_INTERNAL,              /* 500 not the caller's fault */
	EC_IDEMPOTENCY_KEY_TAKEN, /* 409 the key was stored meanwhile: replay it */
	EC_RECONCILIATION_LOCKED, /* 409 the bank line's reconciliation is signed off */
	EC_INSUFFICIENT_FUNDS,    /* 409 the source (or a bank account) lacks the money */
	EC_PERIOD_NOT_READY,      /* 409 a month or year to close has open work */
	EC_FOUR_EYES,             /* 403 the approver is the person who ranked */
	EC_AMOUNT_OVERFLOW,       /* 422 a balance or total would leave 64 bits */
	EC_METHOD_NOT_ALLOWED,    /* 405 the path is known, the method is not */
	EC_TOO_MANY_REQUESTS,     /* 429 too many failed authentications: wait */
	EC_CSRF,                  /* 403 a session's write without its X-CSRF-Token */
	EC_COUNT
};

/* Sets the thread's last error message (printf format) and returns code. */
int err_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* err_set(ERR_INTERNAL, "out of memory"): the one way to say it. */
int err_oom(void);

/* Like err_set, and the error carries the contract code ec. */
int err_code_set(int code, enum err_code ec, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Keeps the last message; its class becomes code and its contract code ec
 * (a caller that knows better what the failure means to a client). */
int err_recode(int code, enum err_code ec);

/*
 * The contract code of a failure rc: the one the last error carries when
 * it was set with the class rc (err_code_set, err_recode), else rc's
 * own: ERR_INVALID invalid-field, ERR_NOTFOUND not-found, ERR_CONFLICT
 * conflict, ERR_LIMIT too-large, ERR_UNAVAILABLE unavailable, anything else
 * internal.
 */
enum err_code err_code_of(int rc);

/* The code's name in the contract ("period-closed") and its HTTP status. */
const char *err_code_name(enum err_code ec);
unsigned err_code_status(enum err_code ec);

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

/* Forgets the last message and its code. */
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
