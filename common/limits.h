/*
 * limits.h - every size and count limit of tfledger in one place, each with
 * the reason for its value (in the manner of SQLite's sqliteLimit.h).
 * Input beyond a limit is refused with ERR_LIMIT and a message naming it;
 * buffers grow only up to the limit that governs them.
 */
#ifndef TFLEDGER_LIMITS_H
#define TFLEDGER_LIMITS_H

/* A migration file: schema changes are small; anything bigger is a mistake. */
#define LIMIT_MIGRATION_BYTES (4 * 1024 * 1024)

/* Migrations known to one program: four digits of numbering. */
#define LIMIT_MIGRATIONS 9999

/* Retries of a transaction after a serialization failure or deadlock:
 * enough to ride out contention, few enough to surface a livelock. */
#define LIMIT_TX_RETRIES 8

/* A path we build or read (a file, a data directory): PATH_MAX. A socket
 * directory must be shorter (sun_path holds 107 bytes): cluster.c checks. */
#define LIMIT_PATH_BYTES 4096

/* A conninfo string we print or build. */
#define LIMIT_CONNINFO_BYTES (LIMIT_PATH_BYTES + 256)

/* One argument of a tfledger command (an option's value, a FILE): the
 * longest we take is a conninfo; a longer one is a mistake (a pasted file). */
#define LIMIT_CLI_ARG_BYTES LIMIT_CONNINFO_BYTES

/* One line of a configuration file (tfledgerd.conf): room for a conninfo. */
#define LIMIT_CFG_LINE_BYTES (LIMIT_CONNINFO_BYTES + 64)

/* Seconds pg_ctl waits for the server to start or stop. */
#define LIMIT_PG_CTL_WAIT_S 60

/* One error message: long enough for a file, line, field and expectation. */
#define LIMIT_ERR_BYTES 1024

/* One piece of COPY data handed to libpq (PQputCopyData takes an int). */
#define LIMIT_COPY_PIECE_BYTES (1024 * 1024)

/* One log line. */
#define LIMIT_LOG_LINE_BYTES 4096

/* An XML document read whole into a tree (policies, reports to verify).
 * Bank statements are streamed and are not bound by this. */
#define LIMIT_XML_BYTES (64LL * 1024 * 1024)

/* Element nesting: camt.053 and our reports nest about 12 deep; 64 leaves
 * room for any honest document and stops depth bombs early. */
#define LIMIT_XML_DEPTH 64

/* Attributes (namespace declarations included) on one element: ours and
 * camt.053 carry at most four; libxml2 compares each new attribute with
 * all before it, so 200,000 on one element took 140 s of CPU (issue 16).
 * Checked on the bytes before libxml2 sees them (common/xml.c). */
#define LIMIT_XML_ATTRIBUTES 64

/* An element's or attribute's name, prefix included: the longest of
 * camt.053 and our schemas is under 40 bytes. */
#define LIMIT_XML_NAME_BYTES 256

/* One text run, attribute value or CDATA section: the largest honest one
 * is a certificate in a signature (under 4 KiB) or a long remittance
 * text; 1 MiB bounds what libxml2 holds and copies for one node.
 * Comments and processing instructions, which every reader of ours skips,
 * are bound only by the document's size. */
#define LIMIT_XML_TEXT_BYTES (1024 * 1024)

/* Nodes (elements, attributes, text runs, comments) of a document read
 * whole into a tree: our reports take 30-50 bytes a node, so a report of
 * LIMIT_XML_BYTES has under 2.5 million; 4 million keeps a tree of tiny
 * nodes (`<a/>`, 120 bytes of memory each) under half a gigabyte.
 * Streamed documents (bank statements) are not bound by it. */
#define LIMIT_XML_NODES (4L * 1024 * 1024)

/* One CSV record (a row, with its quoted line breaks): an applicant row is
 * about 200 bytes; 64 KiB fits long free text and stops a file with no
 * line breaks (or an unclosed quote) from taking all memory. */
#define LIMIT_CSV_RECORD_BYTES (64 * 1024)

/* Fields of one CSV record: our files have about 15 columns. */
#define LIMIT_CSV_FIELDS 256

/* Applicants ranked in one run: a meeting has hundreds; a million keeps
 * memory under about 300 MB while leaving room for what-if bulk runs. */
#define LIMIT_RANK_APPLICANTS 1000000

/* A policy file, read whole to hash and parse: policies are ~2 KB. */
#define LIMIT_POLICY_BYTES (1024 * 1024)

/* A camt.053 bank statement file (streamed, so memory does not depend on
 * it): a month of the fund's bank lines is well under 1 MB and a generated
 * million-entry file about 1 GB; anything larger is no statement of ours. */
#define LIMIT_CAMT_BYTES (1024LL * 1024 * 1024)

/* PostgreSQL's work_mem for a statement import's transaction: sorting the
 * lines of a 100,000-entry statement by their position (and the keys'
 * window) fits in it instead of spilling some 30 MB to temporary files on
 * the server. Server memory per importing connection, not the client's. */
#define LIMIT_CAMT_SORT_MEMORY "64MB"

/* One camt.053 identifier or name (Stmt/Id, IBAN, AcctSvcrRef, EndToEndId,
 * Dbtr/Nm): the schema allows 35 or 140 characters; banks overrun the 35
 * (tolerated with a warning), but a longer value is not a reference. */
#define LIMIT_CAMT_FIELD_BYTES 256

/* Remittance text kept per bank line (all Ustrd joined): ten lines of the
 * schema's 140 characters, with room; longer text is cut with a warning. */
#define LIMIT_CAMT_REMITTANCE_BYTES 2048

/* Transactions (TxDtls) in one batch booking (Ntry): they are held in
 * memory until the entry ends; a payroll-sized batch is a few hundred. */
#define LIMIT_CAMT_TX_PER_ENTRY 5000

/* Statements (Stmt) in one file: one per account and day is a few hundred
 * a year; their summaries are kept until the file is committed. */
#define LIMIT_CAMT_STATEMENTS_PER_FILE 10000

/* Warnings of one kind per file before the rest are only counted: one bank
 * habit repeated on 100,000 entries must not flood the log. */
#define LIMIT_CAMT_WARNINGS_PER_KIND 10

/* --- the ledger and tfledgerd (issue 3) --- */

/* An HTTP request body: a batch of 10,000 two-posting entries is ~3 MiB of
 * JSON; 8 MiB leaves room for long memos and stops memory exhaustion. */
#define LIMIT_HTTP_BODY_BYTES (8 * 1024 * 1024)

/* The body of POST /v1/bank-statements (a camt.053 file): tfledgerd spools
 * it to an unnamed temporary file as it arrives and the streaming reader
 * reads it from there (daemon/server.c), but the file takes disk space and
 * the request time, so it is bounded well below LIMIT_CAMT_BYTES. A month of the fund's statements is under 1 MiB and a
 * year of daily statements of all its accounts some tens of MiB; a larger
 * file goes through `tfledger statements import`, which streams from disk. */
#define LIMIT_HTTP_STATEMENT_BYTES (64 * 1024 * 1024)

/* Open HTTP connections (one thread each): well above the 16-64 clients a
 * finance office runs, low enough that threads and memory stay bounded. */
#define LIMIT_HTTP_CONNECTIONS 256

/* Seconds an idle or trickling connection may stay open (slowloris). */
#define LIMIT_HTTP_TIMEOUT_S 30

/* Open connections from one client address (MHD_OPTION_PER_IP_CONNECTION_LIMIT):
 * twice the 16 keep-alive clients of the busiest office measured, so one
 * address (one misbehaving machine) can take at most an eighth of
 * LIMIT_HTTP_CONNECTIONS. Behind a proxy every client shares its address:
 * raise it there (--per-address-connections, tfledgerd(8)). */
#define LIMIT_HTTP_PER_ADDRESS 32

/* Seconds from a connection's start (or its previous request's end) to the
 * end of a request's headers: a client sending one header line every few
 * seconds is never idle, so only this bound ends it (slowloris). Headers
 * are a few hundred bytes: 10 s is generous on any line. An idle
 * keep-alive connection is closed after it too. */
#define LIMIT_HTTP_HEADER_S 10

/* Seconds a whole request may take, from its first byte to its answer's
 * last: a 64 MiB statement (LIMIT_HTTP_STATEMENT_BYTES) on a 10 Mbit/s
 * line takes under a minute; a client trickling its body is cut here. */
#define LIMIT_HTTP_REQUEST_S 120

/* The largest --header-timeout and --request-timeout an operator may set:
 * an hour is far beyond any upload the ledger takes. */
#define LIMIT_HTTP_BOUND_MAX_S 3600

/* Memory of "large" requests, given back to the kernel when they end: an
 * allocation at least this large is a mapping of its own (M_MMAP_THRESHOLD,
 * tfledgerd.c), unmapped when freed, and a request whose body was at least
 * this large calls malloc_trim when it ends. glibc never gives back the
 * top of a connection thread's arena below M_TRIM_THRESHOLD
 * (LIMIT_MALLOC_KEEP_BYTES), and malloc_trim does not either: without
 * this, 4 uploads of 40 MiB left 4 x 32 MiB (their bodies' last doubling)
 * in 4 arenas. Above any JSON body (LIMIT_HTTP_BODY_BYTES), so a batch's
 * body, trees and answer still reuse their arena's memory. */
#define LIMIT_MALLOC_LARGE_BYTES LIMIT_HTTP_BODY_BYTES

/* Seconds SIGTERM waits for in-flight requests before stopping anyway. */
#define LIMIT_HTTP_DRAIN_S 30

/* Database connections the daemon's request threads share: PostgreSQL
 * handles concurrency best with few connections; writes go through one. */
#define LIMIT_DB_POOL 16

/* Postings in one entry: a payroll-style split is a few hundred lines. */
#define LIMIT_POSTINGS_PER_ENTRY 1000

/* Entries in one POST /v1/entries/batch (the contract says 10,000). */
#define LIMIT_BATCH_ENTRIES 10000

/* Entries the writer commits in one transaction: bounds its memory and
 * the time a group holds the journal head. */
#define LIMIT_GROUP_ENTRIES 20000

/* Writer lanes (threads, each with a database connection) that copy
 * groups at once while their finishes take turns (ledger/writer.c): one
 * per core of the machine the figures were taken on; more only adds
 * groups that wait for their turn holding their rows. */
#define LIMIT_WRITER_LANES 2

/* Queued entries from which a second lane starts while one is busy:
 * below it, single entries wait for the busy lane's next group, which
 * commits them together (fewer, larger commits); a batch request alone
 * is above it. */
#define LIMIT_LANE_SPLIT_ENTRIES 256

/* How long a writer lane waits, at most, for the clients the last group
 * answered before it takes the next group (ledger/writer.c, gather). */
#define LIMIT_GROUP_GATHER_US 1500

/* An entry's memo and reference (also CHECKed by migrations/0002). */
#define LIMIT_MEMO_BYTES 1000
#define LIMIT_REFERENCE_BYTES 100

/* An Idempotency-Key header (CHECKed by the idempotency_keys table). */
#define LIMIT_IDEMPOTENCY_KEY_BYTES 255

/* Rows per page of every list paged on a cursor (entries, the audit log,
 * pledges, receipts, gifts in kind, trips): keeps one answer small; a page
 * without limit= holds LIMIT_LIST_ROWS_DEFAULT. */
#define LIMIT_LIST_ROWS 1000
#define LIMIT_LIST_ROWS_DEFAULT 100

/* Failed authentications (no, a malformed or an unknown token) from one
 * client address within LIMIT_AUTH_WINDOW_S after which its requests are
 * answered 429 without looking at their token until the window ends: a
 * person mistyping retries a few times, a guesser thousands. */
#define LIMIT_AUTH_FAILURES 5
#define LIMIT_AUTH_WINDOW_S 60

/* Client addresses whose failures tfledgerd remembers (daemon/throttle.c):
 * a fixed table, the least recently seen forgotten first, so that a flood
 * from many addresses costs no memory; 4096 entries of 48 bytes. */
#define LIMIT_AUTH_CLIENTS 4096

/* A secret read from a file (--database-file, --token-file): one line, a
 * conninfo at most. */
#define LIMIT_SECRET_FILE_BYTES LIMIT_CONNINFO_BYTES

/* Seconds a client is told to wait (Retry-After) while the database is down. */
#define LIMIT_RETRY_AFTER_S 1

/* Connection attempts a writer lane or a pooled connection makes before a
 * request is answered 503 (db_connect_retry): a standby's promotion after
 * the primary is lost takes about a second; the pauses double from 50 ms,
 * so six attempts wait 1.55 s in all. */
#define LIMIT_RECONNECT_TRIES 6
#define LIMIT_RECONNECT_PAUSE_MS 50

/* Memory tfledgerd keeps from one request to the next instead of
 * returning it to the kernel (M_TRIM_THRESHOLD in tfledgerd.c): a few
 * batches' worth of bodies and JSON trees; larger allocations are
 * LIMIT_MALLOC_LARGE_BYTES'. */
#define LIMIT_MALLOC_KEEP_BYTES (64 * 1024 * 1024)

/* Accounts (code, currency) and closed months the append checks remember
 * (ledger/store.c): a trust fund's chart has hundreds of accounts and a
 * century has 1,200 months; beyond these the checks ask the database. */
#define LIMIT_ACCOUNT_CACHE 4096
/* Tokens tfledgerd remembers for its appends (ledger_token_recall). */
#define LIMIT_TOKEN_MEMORY 64
#define LIMIT_CLOSED_CACHE 1200
/* Entries with more postings than this are checked by the database
 * (the in-memory check keeps one account row per posting on the stack). */
#define LIMIT_KNOWN_CHECK_POSTINGS 16
/* --- end of the ledger's limits --- */

/* Bank lines per page of the reconciliation work queue (bank/queue.c):
 * each line's candidates are scored with a few queries, so a page of 100
 * answers well under a second and fills a screen; a month of the fund's
 * statements has a few dozen lines. */
#define LIMIT_QUEUE_LINES 100

/* A report signed in place (enveloped XML-DSig) is parsed whole into memory
 * by xmlsec and parsed whole again to verify, so it must stay under
 * LIMIT_XML_BYTES with room for the Signature element (~3 KiB with the
 * certificate). Larger reports get a detached signature FILE.sig over their
 * bytes, digested in streaming (docs/reports.md). */
#define LIMIT_REPORT_SIGN_INLINE_BYTES (LIMIT_XML_BYTES - 64 * 1024)

/* A certificate subject given to `report keygen` or printed by verify:
 * X.509 names of a few RDNs are well under 256 bytes. */
#define LIMIT_REPORT_SUBJECT_BYTES 1024

/* Entries per keyset page of a streaming report (account statement). Each
 * page is one COPY read a row at a time, so the page does not live in
 * memory; what the size trades is one parse and plan of the query per
 * page (a tenth of the server's time at 2,000) against the planner's
 * estimate for a larger LIMIT. */
#define LIMIT_REPORT_PAGE_ENTRIES 10000

/* Web sign-in (daemon/session.c, ledger/sessions.c). Failed sign-ins of
 * one name (it need not exist) within LIMIT_SIGN_IN_WINDOW_S after which
 * the name is locked for LIMIT_SIGN_IN_LOCK_S, its right password refused
 * too: a person who forgot their password tries a few times, a guesser
 * trying names from many addresses gets 5 guesses per name per quarter
 * hour, and the person locked out waits 15 minutes, not a call to IT. */
#define LIMIT_SIGN_IN_FAILURES 5
#define LIMIT_SIGN_IN_WINDOW_S 900
#define LIMIT_SIGN_IN_LOCK_S 900

/* A name tried at sign-in: longer than any login name (64) so that a
 * mistyped one is still counted and audited as typed, short enough to
 * keep the failures table small. */
#define LIMIT_SIGN_IN_NAME_BYTES 256

/* A session idle (no request) longer than this is refused, unless the
 * setting web.session_idle_s says otherwise: a browser left open on a
 * shared office machine is signed out after a quarter of an hour. */
#define LIMIT_SESSION_IDLE_S 900

#endif
