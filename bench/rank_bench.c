/*
 * rank_bench.c - times `tfledger rank --format json` end to end on a
 * generated file of 100,000 applicants (or argv[2]), and prints the wall
 * time, the child's peak RSS and the time per applicant. Prints figures,
 * never passes or fails; built by `make`, not run by `make check`.
 *
 *   bench/rank_bench [PATH-TO-tfledger [N]]      (default ./tfledger 100000)
 *
 * The file is generated with a fixed seed, so every run ranks the same
 * applicants; it is written under /tmp and removed afterwards.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

static uint64_t state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 2685821657736338717ULL;
}

static const char *const countries[] = {
	"KEN", "NPL", "BTN", "DEU", "USA", "BRA", "RUS", "MCO", "IND", "ZMB", "HTI",
	"CHL", "PHL", "ARM", "BIH", "COL", "CHN", "UGA", "FRA", "PRI",
};

static int generate(const char *path, long n)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs("id,name,country,category,role,forms_complete,health_check,prior_funded,"
	      "prior_reports_outstanding,request,amount,currency,requested_on\n", f);
	for (long i = 0; i < n; i++) {
		static const char *const req[] = {"full", "airfare", "dsa"};
		int cat = rng() % 3 == 0;

		fprintf(f, "app-%07ld,\"Applicant %ld, of the bench\",%s,%s,%s,%s,%s,%d,%d,%s,"
			   "%d.%02d,USD,2018-%02d-%02dT%02d:%02d:%02dZ\n",
			i, i, countries[rng() % 20], cat ? "individual" : "mag",
			cat && rng() % 4 ? "speaker" : "", rng() % 10 ? "yes" : "no",
			rng() % 10 ? "yes" : "no", (int)(rng() % 3), (int)(rng() % 20 == 0),
			req[rng() % 3], 500 + (int)(rng() % 4000), (int)(rng() % 100),
			10 + (int)(rng() % 3), 1 + (int)(rng() % 28), (int)(rng() % 24),
			(int)(rng() % 60), (int)(rng() % 60));
	}
	return fclose(f);
}

int main(int argc, char **argv)
{
	const char *bin = argc > 1 ? argv[1] : "./tfledger";
	long n = argc > 2 ? atol(argv[2]) : 100000;
	char dir[] = "/tmp/tfl-bench-XXXXXX";
	char path[64];
	struct timespec t0, t1;
	struct rusage ru;
	int status;
	pid_t pid;
	double s;

	if (n <= 0 || !mkdtemp(dir)) {
		fprintf(stderr, "rank_bench: bad N or cannot make a temp dir\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/applicants.csv", dir);
	if (generate(path, n) != 0) {
		perror("rank_bench: generate");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		execl(bin, bin, "rank", "--applicants", path, "--meeting-date", "2019-01-29",
		      "--budget", "250000.00", "--currency", "USD", "--format", "json",
		      (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) {
		perror("rank_bench: run");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	unlink(path);
	rmdir(dir);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("tfledger rank --format json, %ld applicants: exit %d\n", n,
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	printf("  wall time      %.3f s\n", s);
	printf("  CPU time       %.3f s (user %.3f + sys %.3f; wall includes waiting "
	       "when the machine is busy)\n",
	       (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
	       (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
	printf("  peak RSS       %ld KiB\n", ru.ru_maxrss);
	printf("  per applicant  %.2f us\n", s * 1e6 / (double)n);
	return 0;
}
