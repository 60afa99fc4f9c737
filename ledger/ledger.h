/*
 * ledger.h - the journal: entries and their postings, strict JSON in and
 * out, validation, the hash chain, storage (store.c: accounts, balances,
 * closed months, idempotency records, the API's tokens), verification,
 * and the group-commit writer that appends to the journal.
 *
 * Invariants kept here (and repeated by the database, migrations/0002):
 * an entry has >= 2 postings; each posting's currency is its account's;
 * amounts are int64 minor units > 0; for each currency debits = credits;
 * entries are only appended, in gap-free sequence, each hashed with the one
 * before it: hash = SHA-256(prev_hash || canonical bytes) (docs/ledger.md).
 *
 * Failures return a negative err code with err_last() set; operations whose
 * failure the HTTP contract names carry its code (err_code_set, read with
 * err_code_of: EC_UNBALANCED_ENTRY, EC_PERIOD_CLOSED, ...).
 */
#ifndef TFLEDGER_LEDGER_H
#define TFLEDGER_LEDGER_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/hash.h"

#define LEDGER_CODE_BYTES 33  /* account code, 1-32 characters */
#define LEDGER_UUID_BYTES 37  /* 8-4-4-4-12 hex and the NUL */
#define LEDGER_TOKEN_ID_BYTES 17
#define LEDGER_TIME_BYTES 32  /* 2019-02-14T10:00:00.000000Z */

struct ledger_posting {
	char account[LEDGER_CODE_BYTES];
	bool debit;
	int64_t amount_minor;
	char currency[4];
};

/* An entry; strings are owned by the entry (ledger_entry_free). */
struct ledger_entry {
	char id[LEDGER_UUID_BYTES];
	int64_t sequence;
	char date[11];
	char *memo;
	char *reference;
	char created_at[LEDGER_TIME_BYTES];
	char token_id[LEDGER_TOKEN_ID_BYTES];
	char *idempotency_key;              /* NULL if none */
	char request_sha256[HASH_HEX_BYTES]; /* "" if no key */
	char reverses[LEDGER_UUID_BYTES];    /* "" if not a reversal */
	char reversed_by[LEDGER_UUID_BYTES]; /* "" if not reversed (read only) */
	char prev_hash[HASH_HEX_BYTES];
	char hash[HASH_HEX_BYTES];
	size_t n_postings;
	struct ledger_posting *postings;
};

struct ledger_account {
	char code[LEDGER_CODE_BYTES];
	char name[256 * 4];
	char type[16];
	char currency[4];
	bool normal_debit;
};

/* --- entry.c: JSON, validation, hashing ----------------------------------- */

/* Frees what e owns (not e itself); accepts NULL. */
void ledger_entry_free(struct ledger_entry *e);

/*
 * Fills *out from a request's entry object: date, postings, optional memo
 * and reference; field names in messages are prefixed with where ("" or
 * "entries[3]."). Strict: unknown fields, wrong types, amounts that are not
 * strings with exactly the currency's digits are refused (ERR_INVALID,
 * invalid-field). On failure *out holds nothing to free.
 */
int ledger_entry_parse(struct ledger_entry *out, json_t *obj, const char *where);

/*
 * Fills *out (n_out entries) from a batch request's body: an object whose
 * only field is "entries", an array of 1 to LIMIT_BATCH_ENTRIES entry
 * objects, each read by ledger_entry_parse with where "entries[i].".
 * ERR_INVALID naming the field; on failure *out is NULL and nothing is
 * left to free. Free each entry with ledger_entry_free, then *out.
 */
int ledger_entries_parse(struct ledger_entry **out, size_t *n_out, json_t *body);

/*
 * Checks e against the accounts it names (accounts[i] for postings[i]; a
 * NULL element means the account does not exist): "unknown-account",
 * "currency-mismatch", "unbalanced-entry".
 */
int ledger_entry_check(const struct ledger_entry *e,
		       const struct ledger_account *const *accounts,
		       const char *where);

/* Gives e a fresh id (UUID version 7: time-ordered, so that new rows land
 * at the right edge of the journal's indexes) and created_at = now. */
int ledger_entry_stamp(struct ledger_entry *e);

/* Sets e->sequence, e->prev_hash and e->hash, chaining e to prev. */
int ledger_entry_chain(struct ledger_entry *e, int64_t sequence,
		       const char *prev_hash);

/* Recomputes the hash of e (sequence and prev_hash as stored) into out. */
int ledger_entry_hash(char out[HASH_HEX_BYTES], const struct ledger_entry *e);

/* The entry as the API shows it; new reference, NULL on allocation failure. */
json_t *ledger_entry_json(const struct ledger_entry *e);

/*
 * The answer to an append as text, without building JSON values: entry e
 * (n = 1, batch false) or {"entries":[...]} (batch). The bytes are those of
 * json_dumps(..., JSON_COMPACT) of ledger_entry_json (a unit test compares
 * them), written directly because building and dumping a thousand-entry
 * tree took longer than storing it. malloc'd; NULL when out of memory.
 */
char *ledger_entries_text(const struct ledger_entry *e, size_t n, bool batch);

/* True if s is an account code: [A-Za-z0-9][A-Za-z0-9._-]{0,31}. */
bool ledger_code_valid(const char *s);

/* Writes the current time as RFC 3339 UTC with microseconds. */
void ledger_now(char out[LEDGER_TIME_BYTES]);

/* Writes n random bytes as 2n lower-case hex digits and a NUL. */
int ledger_random_hex(char *out, size_t n);

/* --- store.c: the database side -------------------------------------------- */

/*
 * Prepares the ledger's statements on a new connection and switches to the
 * role tfledger_daemon (SET ROLE), so that the journal's privileges apply.
 */
int ledger_store_setup(PGconn *c);

/* Prepares the statements as the connecting user (the CLI: verify). */
int ledger_store_setup_owner(PGconn *c);

/* Creates an account; ERR_CONFLICT ("conflict") if the code exists. Writes
 * the audit row and, if key is not NULL, the idempotency record of the
 * answer response (status 201) in the same transaction. */
struct ledger_actor {
	const char *token_id;
	const char *token_name;
	const char *role;	/* the role the request acts in (one of the user's) */
	const char *request_id;
	const char *user;	/* the person (users.name); NULL: token_name */
};

/* The person who acts, as audit rows and every "by" column record them:
 * who->user, else its token's name, else its token id. Never NULL. */
const char *ledger_actor_user(const struct ledger_actor *who);
int ledger_account_create(PGconn *c, const struct ledger_account *a,
			  const struct ledger_actor *who, const char *key,
			  const char *request_sha256, const char *response);

/* Loads account code into *out: ERR_NOTFOUND if there is none. */
int ledger_account_get(struct ledger_account *out, PGconn *c, const char *code);

/*
 * The balance of an account in its normal direction, as of date (NULL for
 * all postings): one indexed lookup of the running balances.
 */
int ledger_balance(int64_t *out, PGconn *c, const struct ledger_account *a,
		   const char *as_of);

/*
 * Account code and its balance (as ledger_balance) in one indexed query:
 * ERR_NOTFOUND if there is no such account.
 */
int ledger_account_balance(struct ledger_account *out, int64_t *balance, PGconn *c,
			   const char *code, const char *as_of);

/* All accounts with their current balance, as a JSON array (new ref). */
int ledger_accounts_list(json_t **out, PGconn *c);

/* The account as the API shows it, with its balance. */
json_t *ledger_account_json(const struct ledger_account *a, int64_t balance);

/*
 * Looks up the accounts that the postings of entries e[0..n) name and
 * checks each entry (EC_UNKNOWN_ACCOUNT, EC_CURRENCY_MISMATCH,
 * EC_UNBALANCED_ENTRY), and that no entry falls in a closed period
 * (EC_PERIOD_CLOSED). Messages name the field as "postings[1].account" for
 * one entry (batch false) and "entries[3].postings[1].account" in a batch.
 */
int ledger_entries_check(PGconn *c, struct ledger_entry *e, size_t n, bool batch);

/* ledger_entries_check from what the process remembers of the database it
 * last read (tfledgerd reads one): true with *rc set if memory answers;
 * false if something is not remembered (ask ledger_entries_check). */
bool ledger_entries_check_known(int *rc, struct ledger_entry *e, size_t n, bool batch);

/*
 * Forgets the closed months ledger_entries_check remembers (store.c): call
 * when a month may have been closed by someone else (ledger_append does
 * when the database refuses a closed month).
 */
void ledger_closed_forget(void);

/* Loads entry id (with postings and reversed_by); ERR_NOTFOUND. */
int ledger_entry_get(struct ledger_entry *out, PGconn *c, const char *id);

/*
 * Entries oldest first: account/from/to filter (NULL for none), after =
 * the sequence to start after (0 for the start), at most limit. *out is
 * {"entries":[...],"next":seq or null}.
 */
int ledger_entries_list(json_t **out, PGconn *c, const char *account,
			const char *from, const char *to, int64_t after, int limit);

/* A stored idempotency record: *found false if key is unused. */
int ledger_idempotency_get(bool *found, char sha[HASH_HEX_BYTES], int *status,
			   char **response, PGconn *c, const char *key);

/* Writes an audit row (who did action to object) in the caller's
 * transaction, for writes made outside this file. */
int ledger_audit(PGconn *c, const struct ledger_actor *who, const char *action,
		 const char *object);

/*
 * Stores the idempotency record of a successful write (the answer's status
 * and body) inside the caller's open transaction, so that it commits with
 * the write. ERR_CONFLICT if key was stored meanwhile (the caller's
 * transaction is then aborted: roll it back, replay the stored answer).
 */
int ledger_idempotency_put(PGconn *c, const char *key, const char *request_sha256,
			   int status, const char *response);

/*
 * Recomputes the whole chain. *ok false and *bad_sequence set to the first
 * entry that does not match (a changed, missing or inserted row), with a
 * message in *why (static or err_last-like buffer of size why_size).
 */
struct ledger_verify_result {
	bool ok;
	int64_t entries;
	char head[HASH_HEX_BYTES];
	int64_t bad_sequence;
	char why[256];
};
int ledger_verify(struct ledger_verify_result *out, PGconn *c);

/* --- tokens (people.c; users, roles and the rest of people: people.h) ------ */

/* True if role is admin, finance, secretariat, auditor or approver. */
bool ledger_role_valid(const char *role);

/*
 * `tfledger token create --role ROLE --name NAME` on the database directly:
 * the user NAME (made if absent) holds ROLE (added to what they hold), and
 * a new token named NAME belongs to them; its text (tfl_<id>_<secret>) into
 * out. c has the ledger's statements prepared (ledger_store_setup or
 * ledger_store_setup_owner). Audited "token.create" as who (NULL: "tfledger token
 * create" acting as admin). ERR_INVALID for a bad role or name,
 * ERR_CONFLICT for a token name taken or a disabled user.
 */
#define LEDGER_TOKEN_BYTES 96
int ledger_token_create(char out[LEDGER_TOKEN_BYTES], PGconn *c, const char *role,
			const char *name, const struct ledger_actor *who);

/*
 * Resolves a presented token to its user: ERR_NOTFOUND ("unknown or
 * revoked token, or disabled user", the same for each) for a malformed,
 * unknown or revoked token and for a token of a disabled user. roles is a
 * set of bits, bit i for ledger_role_names[i] (people.h).
 */
struct ledger_token {
	char id[LEDGER_TOKEN_ID_BYTES];
	char name[128];      /* the token's label */
	char user[72];       /* users.name */
	char full_name[256 * 4];
	unsigned roles;
};
int ledger_token_check(struct ledger_token *out, PGconn *c, const char *token);

/*
 * The daemon's appends take the token from memory (tfledgerd's
 * authorise): ledger_token_remember keeps what ledger_token_check found;
 * ledger_token_recall finds a presented token among those kept (false:
 * ask ledger_token_check); ledger_token_forget drops a token the
 * database refused. Memory may be stale: the writer's transaction checks
 * every token again (ledger_tokens_hold, migration 0070), so nothing is
 * stored under a token revoked, a user disabled or a role withdrawn.
 */
void ledger_token_remember(const struct ledger_token *t, const char *token);
bool ledger_token_recall(struct ledger_token *out, const char *token);
void ledger_token_forget(const char *id);

/* --- writer.c: group commit ---------------------------------------------------- */

/* One request to append entries: all of them or none. */
struct ledger_submit {
	struct ledger_entry *entries; /* stamped, checked; chained by ledger_append */
	size_t n;
	bool batch;                   /* answer {"entries":[...]} */
	const char *idempotency_key;  /* NULL if none */
	const char *request_sha256;
	const char *action;           /* audit action, e.g. "entry.post" */
	struct ledger_actor who;
	/* out */
	char *response;               /* success: the 201 body (free it) */
};

/*
 * append.c: storing the entries of subs[0..n) (in order; all of them or,
 * on failure, none) in two messages (see append.c):
 *
 * ledger_append_prepare chains every entry from the head `from`, builds
 * each submit's 201 answer (s->response, freed by the caller) and the rows
 * of entries, postings, idempotency records and one audit row per submit.
 * own_tx: the copy begins a transaction and the finish commits it; else
 * both run inside the caller's open transaction.
 * ledger_append_copy sends the rows (COPY); ledger_append_finish takes the
 * head lock, checks the chain, balances and moves the head (and commits).
 * Failures: ERR_INVALID with EC_PERIOD_CLOSED or EC_ALREADY_REVERSED,
 * ERR_CONFLICT with EC_IDEMPOTENCY_KEY_TAKEN (the key was taken meanwhile),
 * ERR_RETRY (the journal moved since `from` was read: prepare again from
 * the new head), ERR_UNAVAILABLE, ERR_INTERNAL. After a failure call ledger_append_abandon
 * (rolls an own transaction back, frees the answers).
 */
struct ledger_head {
	int64_t sequence;
	char hash[HASH_HEX_BYTES];
};
struct ledger_append;
/* The head as it reads now (no lock: ledger_append_finish checks it). */
int ledger_head_read(PGconn *c, struct ledger_head *out);
int ledger_append_prepare(struct ledger_append **out, struct ledger_submit *const *subs,
			  size_t n, bool own_tx, const struct ledger_head *from);
const struct ledger_head *ledger_append_last(const struct ledger_append *a);
int ledger_append_copy(PGconn *c, struct ledger_append *a);
int ledger_append_finish(PGconn *c, struct ledger_append *a);
/* Copy and finish in one message, for an append that need not wait. */
int ledger_append_store(PGconn *c, struct ledger_append *a);
void ledger_append_abandon(PGconn *c, struct ledger_append *a);
void ledger_append_free(struct ledger_append *a);

/* All of the above for one submit inside the caller's open transaction,
 * from the head as it reads now; ERR_RETRY if the journal moved (the
 * caller's db_tx runs its transaction again). */
int ledger_append_in_tx(PGconn *c, struct ledger_submit *s);

struct ledger_writer;

/* Starts the writer thread; it connects to conninfo when it needs to. */
int ledger_writer_start(struct ledger_writer **out, const char *conninfo);

/*
 * Queues s and waits until its group committed or failed. Returns 0 with
 * s->response, or a negative code with err_last() and its contract code
 * set as the lane saw them: ERR_UNAVAILABLE, ERR_INVALID (a 422 code),
 * ERR_CONFLICT (EC_IDEMPOTENCY_KEY_TAKEN: the key was taken meanwhile),
 * ERR_INTERNAL.
 */
int ledger_writer_submit(struct ledger_writer *w, struct ledger_submit *s);

/* Commits what is queued, then stops the thread and frees w. */
void ledger_writer_stop(struct ledger_writer *w);

#endif
