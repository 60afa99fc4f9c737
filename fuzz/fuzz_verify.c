/*
 * fuzz_verify.c - what an auditor's `tfledger report verify FILE` and
 * `tfledger verify-statement FILE` read, both with no server: the input
 * as a report whose enveloped signature reports_verify_file checks
 * (libxml2, xmlsec, the certificate in KeyInfo), and as an account
 * statement whose chain and balances reports_verify_statement_at
 * recomputes. Both take a path, so the input is an anonymous file
 * (fuzz_file). Seeds: fuzz/seeds/verify (signed reports of the demo).
 */
#include <stdio.h>
#include <unistd.h>

#include "fuzz/fuzz.h"
#include "reports/report.h"
#include "reports/sign.h"

int fuzz_setup(void)
{
	if (reports_sign_init() < 0)
		return -1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reports_verify_result sig;
	struct reports_statement_check chk;
	char path[32];
	int fd = fuzz_file(path, data, size), rc;

	if (fd < 0)
		return 0;
	memset(&sig, 0, sizeof(sig));
	rc = reports_verify_file(&sig, path, NULL);
	FUZZ_ASSERT(rc <= 0);
	if (rc < 0)
		FUZZ_ASSERT(err_last()[0] != '\0');
	else
		FUZZ_ASSERT(!sig.trusted && memchr(sig.subject, '\0', sizeof(sig.subject)));

	memset(&chk, 0, sizeof(chk));
	/* a file that is no well-formed XML is an error (ERR_INVALID with its
	 * line), a statement that fails a check is ok false with why */
	rc = reports_verify_statement_at(&chk, path, 3);
	FUZZ_ASSERT(rc <= 0);
	FUZZ_ASSERT(rc < 0 ? err_last()[0] != '\0' : chk.ok || chk.why[0] != '\0');
	FUZZ_ASSERT(memchr(chk.why, '\0', sizeof(chk.why)) != NULL);
	close(fd);
	return 0;
}
