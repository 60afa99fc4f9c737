/*
 * fuzz_camt.c - a bank statement upload (POST /v1/bank-statements,
 * `tfledger statements import`) read by bank_read_memory, which tells
 * camt.053/052/054 from MT940 by the first bytes; the handler checks what
 * bank/camt.h promises of every statement and line. Seeds: tests/data/camt
 * (and tests/data/mt940: the same door). Run with -max_len=1048576.
 */
#include <string.h>

#include "bank/read.h"
#include "common/date.h"
#include "common/money.h"
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
	if (bank_read_memory(&sum, (const char *)data, size, "fuzz.xml", &h) < 0)
		FUZZ_ASSERT(err_last()[0] != '\0');
	else
		bank_oracle_done(&o, &sum);
	return 0;
}
