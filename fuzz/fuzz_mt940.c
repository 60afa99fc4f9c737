/*
 * fuzz_mt940.c - an MT940 statement read by bank_mt940_read_memory
 * directly (bank_read_memory sends it there when the first bytes are
 * SWIFT's), so that every input reaches the MT940 reader; the handler
 * checks what bank/mt940.h promises. Seeds: tests/data/mt940.
 */
#include <string.h>

#include "bank/mt940.h"
#include "fuzz/bank_oracle.h"
#include "fuzz/fuzz.h"

int fuzz_setup(void)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bank_camt_summary sum;
	struct bank_oracle o = {0};
	struct bank_camt_handler h = bank_oracle_handler(&o);

	memset(&sum, 0, sizeof(sum));
	if (bank_mt940_read_memory(&sum, (const char *)data, size, "fuzz.sta", &h) < 0) {
		FUZZ_ASSERT(err_last()[0] != '\0');
	} else {
		FUZZ_ASSERT(sum.format == BANK_FORMAT_MT940);
		bank_oracle_done(&o, &sum);
	}
	return 0;
}
