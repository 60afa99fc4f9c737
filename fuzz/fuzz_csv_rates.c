/*
 * fuzz_csv_rates.c - the UN rates CSV (POST /v1/rates, `tfledger rates
 * import`): common/csv.c over the bytes, then fund_rates_header and
 * fund_rates_row on every record, the half of the import that needs no
 * database (fund/fund.c; the other half looks each rate up and stores it).
 * Seeds: tests/data/fund, tests/data/reports/rates-2019.csv.
 */
#include <stdio.h>

#include "common/csv.h"
#include "common/money.h"
#include "fund/fund.h"
#include "fuzz/fuzz.h"

int fuzz_setup(void)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fund_rates_columns cols;
	struct fund_rate_row row;
	csv_reader *rd = NULL;
	FILE *f;
	int rc;

	/* the import refuses an empty body before reading it */
	if (size == 0 || !(f = fmemopen((void *)data, size, "r")))
		return 0;
	if (csv_open_stream(&rd, f, "fuzz.csv") < 0) {
		fclose(f);
		return 0;
	}
	rc = fund_rates_header(&cols, rd);
	if (rc == 0) {
		for (int k = 0; k < 3; k++)
			FUZZ_ASSERT(cols.col[k] < cols.n_header);
	}
	while (rc == 0 && (rc = csv_next(rd)) > 0) {
		if ((rc = fund_rates_row(&row, rd, &cols)) < 0)
			break;
		FUZZ_ASSERT(money_currency_valid(row.currency));
		FUZZ_ASSERT(strcmp(row.currency, "USD") != 0 && strlen(row.month) == 7);
		FUZZ_ASSERT(row.rate.mantissa > 0 && row.rate.scale >= 0);
		FUZZ_ASSERT(row.value != NULL);
	}
	FUZZ_ASSERT(rc == 0 || err_last()[0] != '\0');
	csv_close(rd);
	fclose(f);
	return 0;
}
