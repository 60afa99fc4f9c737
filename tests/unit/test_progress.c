/*
 * test_progress.c - cli/progress: nothing at all on a stderr that is no
 * terminal; on a pseudo-terminal (openpty) a bar that waits for the first
 * interval, redraws at most once per interval, follows a watched file's
 * read offset, and clears its line at the end.
 *
 * Each test points fd 2 somewhere else; Check runs each test in its own
 * process, so the suite's own stderr is untouched.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli/progress.h"
#include "tests/harness/harness.h"

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Makes fd 2 the slave of a new pty; returns the master (non-blocking). */
static int stderr_to_pty(void)
{
	struct winsize ws = {.ws_row = 24, .ws_col = 200};
	int master, slave;

	ck_assert_int_eq(openpty(&master, &slave, NULL, NULL, &ws), 0);
	ck_assert_int_ge(dup2(slave, STDERR_FILENO), 0);
	close(slave);
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	return master;
}

/* Everything written to the pty so far (static buffer, NUL-terminated). */
static const char *drain(int master)
{
	static char buf[16384];
	static size_t len;
	ssize_t n;

	sleep_ms(20);
	while (len < sizeof(buf) - 1 && (n = read(master, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return buf;
}

static int count(const char *s, char c)
{
	int n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

/* A file of size bytes under /tmp; its path into path. */
static void make_file(char path[32], size_t size)
{
	char *data = malloc(size);
	int fd;

	strcpy(path, "/tmp/tfl-prog-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	memset(data, 'x', size);
	ck_assert_int_eq(write(fd, data, size), (ssize_t)size);
	close(fd);
	free(data);
}

START_TEST(test_progress__silent_when_stderr_is_not_a_terminal)
{
	char out[] = "/tmp/tfl-prog-out-XXXXXX";
	char path[32];
	struct cli_progress *p, *w;
	int fd = mkstemp(out);
	int in;
	struct stat st;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
	make_file(path, 10000);
	in = open(path, O_RDONLY);
	ck_assert_int_ge(in, 0);
	p = cli_progress_start("report", 1000);
	w = cli_progress_watch_file(path, path);
	ck_assert_ptr_null(p);
	ck_assert_ptr_null(w);
	cli_progress_update(p, 10);
	sleep_ms(3 * CLI_PROGRESS_INTERVAL_MS);
	cli_progress_update(p, 500);
	cli_progress_end(w);
	cli_progress_end(p);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	close(in);
	close(fd);
	unlink(path);
	unlink(out);
}
END_TEST

START_TEST(test_progress__draws_throttles_and_clears_on_a_terminal)
{
	int master = stderr_to_pty();
	struct cli_progress *p = cli_progress_start("report x", 1000);
	const char *s;

	ck_assert_ptr_nonnull(p);
	cli_progress_update(p, 100); /* before the first interval: not drawn */
	ck_assert_str_eq(drain(master), "");
	sleep_ms(CLI_PROGRESS_INTERVAL_MS + 50);
	cli_progress_update(p, 500); /* drawn */
	cli_progress_update(p, 600); /* within the interval: not drawn */
	cli_progress_update(p, 700);
	s = drain(master);
	ck_assert_int_eq(count(s, '\r'), 1);
	ck_assert_ptr_nonnull(strstr(s, "\rreport x [###############---------------]  50% 500 B "
					"of 1000 B\033[K"));
	sleep_ms(CLI_PROGRESS_INTERVAL_MS + 10);
	cli_progress_update(p, 1000);
	ck_assert_ptr_nonnull(strstr(drain(master), "100% 1000 B of 1000 B"));
	cli_progress_end(p);
	s = drain(master);
	ck_assert_int_eq(count(s, '\r'), 3);
	ck_assert_int_eq(strcmp(s + strlen(s) - 4, "\r\033[K"), 0);
	close(master);
}
END_TEST

START_TEST(test_progress__unknown_total_shows_bytes_done)
{
	int master = stderr_to_pty();
	struct cli_progress *p = cli_progress_start("report trial-balance", 0);

	sleep_ms(CLI_PROGRESS_INTERVAL_MS + 20);
	cli_progress_update(p, 3 * 1024 * 1024 + 300 * 1024);
	ck_assert_ptr_nonnull(strstr(drain(master), "report trial-balance: 3.3 MiB ("));
	cli_progress_end(p);
	close(master);
}
END_TEST

START_TEST(test_progress__follows_a_watched_files_read_offset)
{
	char path[32], buf[4000];
	int master = stderr_to_pty();
	struct cli_progress *w;
	int in;

	make_file(path, 10000);
	w = cli_progress_watch_file("bank.xml", path);
	ck_assert_ptr_nonnull(w);
	in = open(path, O_RDONLY); /* opened after the watch began, as the readers do */
	ck_assert_int_ge(in, 0);
	ck_assert_int_eq(read(in, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	sleep_ms(3 * CLI_PROGRESS_INTERVAL_MS);
	ck_assert_ptr_nonnull(strstr(drain(master), "bank.xml [############------------------]  "
						    "40% 3.9 KiB of 9.8 KiB"));
	cli_progress_end(w);
	ck_assert_int_eq(strcmp(drain(master) + strlen(drain(master)) - 4, "\r\033[K"), 0);
	close(in);
	unlink(path);
	close(master);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test core[] = {
		{test_progress__silent_when_stderr_is_not_a_terminal, 0},
		{test_progress__draws_throttles_and_clears_on_a_terminal, 0},
		{test_progress__unknown_total_shows_bytes_done, 0},
		{test_progress__follows_a_watched_files_read_offset, 0},
	};
	Suite *s = suite_create("progress");

	harness_add_tcase(s, "core", NULL, NULL, 0, core, HARNESS_N(core));
	return s;
}

int main(void)
{
	return harness_main(suite(), false);
}
