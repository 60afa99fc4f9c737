/*
 * entry_oracle.h - what an entry that ledger_entry_parse accepted must be,
 * checked by fuzz_entry_json.c and fuzz_batch_json.c: the invariants of
 * ledger/ledger.h, the balance check against accounts in the postings'
 * currencies, and the answer written as text equal to jansson's dump of
 * the same entry (ledger_entries_text's promise, on which clients rely).
 */
#ifndef TFLEDGER_FUZZ_ENTRY_ORACLE_H
#define TFLEDGER_FUZZ_ENTRY_ORACLE_H

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "common/limits.h"
#include "common/money.h"
#include "common/text.h"
#include "fuzz/fuzz.h"
#include "ledger/ledger.h"

/* A parsed entry is what ledger.h says, and its JSON forms agree. */
static void entry_oracle(struct ledger_entry *e)
{
	struct ledger_account acc[LIMIT_POSTINGS_PER_ENTRY];
	const struct ledger_account *byp[LIMIT_POSTINGS_PER_ENTRY];
	char hash[HASH_HEX_BYTES];
	json_t *j = NULL;
	char *dumped = NULL, *text = NULL;
	int rc;

	FUZZ_ASSERT(e->n_postings >= 2 && e->n_postings <= LIMIT_POSTINGS_PER_ENTRY);
	FUZZ_ASSERT(date_valid(e->date));
	FUZZ_ASSERT(e->memo && e->reference);
	for (size_t i = 0; i < e->n_postings; i++) {
		const struct ledger_posting *p = &e->postings[i];

		FUZZ_ASSERT(p->amount_minor > 0);
		FUZZ_ASSERT(money_currency_valid(p->currency));
		FUZZ_ASSERT(ledger_code_valid(p->account));
		memset(&acc[i], 0, sizeof(acc[i]));
		memcpy(acc[i].code, p->account, sizeof(acc[i].code));
		memcpy(acc[i].currency, p->currency, 4);
		byp[i] = &acc[i];
	}
	/* every account exists in its posting's currency: only the balance
	 * can fail (unbalanced-entry, or a total beyond int64) */
	rc = ledger_entry_check(e, byp, "");
	FUZZ_ASSERT(rc == 0 || err_code_of(rc) == EC_UNBALANCED_ENTRY ||
		    strstr(err_last(), "total overflows"));

	/* the stamp and the chain as the writer gives them, fixed */
	memcpy(e->id, "01890a5d-ac96-774b-bcce-b302099a8057", LEDGER_UUID_BYTES);
	memcpy(e->created_at, "2019-02-14T10:00:00.000000Z", 28);
	FUZZ_ASSERT(ledger_entry_chain(e, 1, "0000000000000000000000000000000000000000"
					     "000000000000000000000000") == 0);
	FUZZ_ASSERT(ledger_entry_hash(hash, e) == 0 && strcmp(hash, e->hash) == 0);

	/* the daemon refuses text text_check refuses before parsing
	 * (daemon/server.c); only such text reaches the answer */
	if (text_ok(e->memo, strlen(e->memo)) && text_ok(e->reference, strlen(e->reference))) {
		j = ledger_entry_json(e);
		FUZZ_ASSERT(j);
		dumped = json_dumps(j, JSON_COMPACT);
		text = ledger_entries_text(e, 1, false);
		FUZZ_ASSERT(dumped && text);
		FUZZ_ASSERT(strcmp(dumped, text) == 0);
	}
	free(text);
	free(dumped);
	json_decref(j);
}

#endif
