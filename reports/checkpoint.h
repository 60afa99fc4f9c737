/*
 * checkpoint.h - signed journal checkpoints (docs/signing.md): tfledgerd
 * states, under its signing key, the journal's head (sequence and hash) at
 * a time, on request (POST /v1/checkpoints) and when a month is closed. An
 * auditor keeps the signed XML and later checks an account statement
 * against it with no server (tfledger verify-statement --checkpoint): if
 * the statement's chain no longer passes through the checkpoint's head,
 * history was rewritten since.
 *
 * The document (reports/schemas/checkpoint.xsd, in REPORTS_NS):
 * <journal-checkpoint><fund/><sequence/><head-hash/><at/><reason/>[<month/>]
 * <program-version/><ds:Signature/></journal-checkpoint>, validated before
 * it is stored; journal_checkpoints keeps it as served.
 */
#ifndef TFLEDGER_REPORTS_CHECKPOINT_H
#define TFLEDGER_REPORTS_CHECKPOINT_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdint.h>

#include "common/hash.h"
#include "ledger/ledger.h"
#include "reports/sign.h"

/* The most checkpoints one list page holds. */
#define REPORTS_CHECKPOINTS_PAGE_MAX 500

/* What a checkpoint document states. */
struct reports_checkpoint {
	char fund[64];
	int64_t sequence;
	char head_hash[HASH_HEX_BYTES];
	char at[21];     /* YYYY-MM-DDTHH:MM:SSZ */
	char reason[8];  /* request | close */
	char month[8];   /* YYYY-MM, or "" */
};

/* Prepares this module's statements on c (reports_setup calls it). */
int reports_checkpoint_setup(PGconn *c);

/*
 * Issues a checkpoint of the journal as c sees it now: reads the head and
 * the fund's id, writes the document, signs it with s, validates it against
 * checkpoint.xsd and stores it with its audit row (action
 * "checkpoint.create"), in ONE transaction (db_tx: it joins the caller's,
 * under a savepoint). reason is "request" or "close"; month ("YYYY-MM") is
 * the month closed, or NULL. *out (the caller's) is the stored row as
 * reports_checkpoints_list writes one. ERR_INVALID for a bad reason or
 * month; ERR_INTERNAL if signing or validation fails; database errors.
 */
int reports_checkpoint_issue(json_t **out, PGconn *c, const struct reports_signer *s,
			     const struct ledger_actor *who, const char *reason,
			     const char *month);

/*
 * *out = {"checkpoints": [{"id","sequence","head_hash","at","reason",
 * "month"|null,"created_by","key_id"}...], "next": id-or-null}: at most
 * limit (1..REPORTS_CHECKPOINTS_PAGE_MAX) with id > after, oldest first;
 * next is the last id when the page is full.
 */
int reports_checkpoints_list(json_t **out, PGconn *c, int64_t after, int limit);

/*
 * *out = {"sequence","hash","checkpoint": null | {the latest checkpoint as
 * in reports_checkpoints_list, "holds": bool}}: the journal's head as it
 * stands and whether the journal's entry at the latest checkpoint's
 * sequence still has the hash that checkpoint signed. A few index lookups
 * whatever the journal's size: what the journal page shows on opening.
 * It recomputes no hash: only ledger_verify (GET /v1/journal/verify, every
 * entry read) says the whole chain holds.
 */
int reports_journal_head(json_t **out, PGconn *c);

/* *out = the signed document of checkpoint id (malloc'd, NUL-terminated);
 * ERR_NOTFOUND if there is none. */
int reports_checkpoint_document(char **out, PGconn *c, int64_t id);

/*
 * Offline: checks the signature of the checkpoint file at path
 * (reports_verify_file with cert_pem, whose result goes to *sig), validates
 * it against checkpoint.xsd and reads what it states into *out.
 * ERR_INVALID naming what failed; ERR_SYSTEM if it cannot be read.
 */
int reports_checkpoint_read(struct reports_checkpoint *out, struct reports_verify_result *sig,
			    const char *path, const char *cert_pem);

#endif
