/*
 * fuzz.h - what every libFuzzer harness of fuzz/ shares (docs/fuzzing.md).
 *
 * A harness feeds one input to one of the project's parsers, exactly as
 * the daemon or the CLI does, and checks what the parser promises: a
 * refusal carries a message, an acceptance holds what the header says.
 * A broken promise is FUZZ_ASSERT, which aborts so that libFuzzer keeps
 * the input. Harnesses touch no database and free everything they make
 * (LeakSanitizer runs after each input).
 */
#ifndef TFLEDGER_FUZZ_H
#define TFLEDGER_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A promise of the parser under test; aborts with the input kept. */
#define FUZZ_ASSERT(cond)                                                              \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "%s:%d: broken promise: %s (err_last: %s)\n", \
				__FILE__, __LINE__, #cond, err_last());                \
			abort();                                                       \
		}                                                                      \
	} while (0)

/*
 * What a harness loads once, before the first input (its country data, a
 * policy, the signature library): 0, or < 0 with err_last() set, which
 * stops the run. Every harness defines it.
 */
int fuzz_setup(void);

/* libFuzzer's start: only errors are logged (warnings of tolerated
 * deviations would be most of the output), then the harness's setup. Each
 * harness is one program that includes this header once. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	log_set_level(LOG_ERROR);
	if (fuzz_setup() < 0) {
		fprintf(stderr, "%s: %s\n", (*argv)[0], err_last());
		abort();
	}
	return 0;
}

/*
 * For readers that take a path: the input as an anonymous file (memfd),
 * named "/proc/self/fd/N" in path_out. Returns the descriptor (close it
 * when done), or -1 when the kernel refuses (the input is then skipped).
 */
static inline int fuzz_file(char path_out[32], const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	size_t done = 0;

	if (fd < 0)
		return -1;
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	snprintf(path_out, 32, "/proc/self/fd/%d", fd);
	return fd;
}

#endif
