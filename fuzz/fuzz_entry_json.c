/*
 * fuzz_entry_json.c - the body of POST /v1/entries: the bytes as
 * tfledgerd reads them (json_loadb with JSON_REJECT_DUPLICATES; invalid
 * UTF-8 named by fund_body_path_at), then ledger_entry_parse, then what an
 * accepted entry must be (entry_oracle.h). Seeds: fuzz/seeds/entry.
 */
#include <jansson.h>

#include "fund/body.h"
#include "fuzz/entry_oracle.h"
#include "fuzz/fuzz.h"
#include "ledger/ledger.h"

int fuzz_setup(void)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ledger_entry e;
	json_error_t jerr;
	json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);

	if (!body) {
		if (json_error_code(&jerr) == json_error_invalid_utf8) {
			char path[256];

			fund_body_path_at(path, sizeof(path), (const char *)data, size,
					  jerr.position < 0 ? 0 : (size_t)jerr.position);
			FUZZ_ASSERT(strlen(path) < sizeof(path));
		}
		return 0;
	}
	if (ledger_entry_parse(&e, body, "") == 0) {
		entry_oracle(&e);
		ledger_entry_free(&e);
	} else {
		FUZZ_ASSERT(err_last()[0] != '\0');
		FUZZ_ASSERT(e.memo == NULL && e.postings == NULL);
	}
	json_decref(body);
	return 0;
}
