/*
 * fuzz_csv_countries.c - the country data files the gates read
 * (rules/data/economies.csv and ldc.csv; an operator may replace them):
 * rules_countries_load with the input as economies.csv beside the bundled
 * ldc.csv, then as ldc.csv beside the bundled economies.csv. The loader takes paths, so the input is
 * an anonymous file (fuzz_file). Seeds: rules/data.
 */
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "common/cfg.h"
#include "fuzz/fuzz.h"
#include "rules/rules.h"

static char economies[PATH_MAX], ldc[PATH_MAX];

int fuzz_setup(void)
{
	if (cfg_data_path(economies, sizeof(economies), "rules/data/economies.csv") < 0 ||
	    cfg_data_path(ldc, sizeof(ldc), "rules/data/ldc.csv") < 0)
		return -1;
	return 0;
}

/* Loads the data with economies and ldc as given; checks what it promises. */
static void load(const char *economies_csv, const char *ldc_csv)
{
	rules_countries *c = NULL;

	if (rules_countries_load(&c, economies_csv, ldc_csv) < 0) {
		FUZZ_ASSERT(err_last()[0] != '\0');
		return;
	}
	FUZZ_ASSERT(c != NULL);
	/* a known code has a name; an unknown one is unclassified */
	FUZZ_ASSERT(!rules_country_known(c, "ZZZ") || rules_country_name(c, "ZZZ")[0]);
	FUZZ_ASSERT(rules_country_known(c, "ZZZ") ||
		    rules_country_wesp(c, "ZZZ") == RULES_WESP_UNCLASSIFIED);
	(void)rules_country_is_ldc(c, "AFG", 18000);
	rules_countries_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[32];
	int fd = fuzz_file(path, data, size);

	if (fd < 0)
		return 0;
	load(path, ldc);
	load(economies, path);
	close(fd);
	return 0;
}
