/*
 * fuzz_batch_json.c - the body of POST /v1/entries/batch: json_loadb as
 * tfledgerd reads a body, then ledger_entries_parse (what the route
 * calls), then what every accepted entry must be (entry_oracle.h).
 * Seeds: fuzz/seeds/batch.
 */
#include <jansson.h>

#include "fuzz/entry_oracle.h"
#include "fuzz/fuzz.h"
#include "ledger/ledger.h"

int fuzz_setup(void)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ledger_entry *e = NULL;
	size_t n = 0;
	json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);

	/* the daemon answers 400 before the route to anything but an object */
	if (!json_is_object(body)) {
		json_decref(body);
		return 0;
	}
	if (ledger_entries_parse(&e, &n, body) == 0) {
		FUZZ_ASSERT(e && n >= 1 && n <= LIMIT_BATCH_ENTRIES);
		for (size_t i = 0; i < n; i++) {
			entry_oracle(&e[i]);
			ledger_entry_free(&e[i]);
		}
		free(e);
	} else {
		FUZZ_ASSERT(err_last()[0] != '\0');
		FUZZ_ASSERT(e == NULL && n == 0);
	}
	json_decref(body);
	return 0;
}
