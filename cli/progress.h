/*
 * progress.h - a one-line progress bar on stderr for the long commands of
 * tfledger (statements, rates and applicants imports; report writing).
 *
 * Drawn only when stderr is a terminal: when it is not (a pipe, a file, a
 * cron job's log) nothing at all is written. A bar is first drawn once the
 * work has taken 100 ms (short commands stay quiet), is redrawn at most
 * every 100 ms, and its line is cleared at the end so that what the
 * command prints next starts on a clean line. It never changes what goes
 * to stdout and never fails the command: a bar that cannot be drawn is
 * simply not drawn.
 *
 * Every function accepts NULL for the bar, which is what the start
 * functions return when there is nothing to draw.
 */
#ifndef TFLEDGER_CLI_PROGRESS_H
#define TFLEDGER_CLI_PROGRESS_H

#include <stdint.h>

/* Time between two redraws, and before the first. */
#define CLI_PROGRESS_INTERVAL_MS 100

struct cli_progress;

/*
 * Starts a bar named label (copied) for work of total_bytes bytes (0 when
 * the total is not known: the bar then shows the bytes done and the rate).
 * NULL when stderr is not a terminal or on allocation failure.
 */
struct cli_progress *cli_progress_start(const char *label, int64_t total_bytes);

/* Sets the bytes done so far; redraws if CLI_PROGRESS_INTERVAL_MS passed. */
void cli_progress_update(struct cli_progress *p, int64_t done_bytes);

/*
 * A bar for a file that a reader elsewhere (ledger/, common/csv.c) opens
 * and reads by path: a thread looks up the file's descriptor among this
 * process's (by device and inode) and follows its read offset through
 * /proc/self/fdinfo, every CLI_PROGRESS_INTERVAL_MS. So the readers need
 * no callback. Where /proc is missing the bar stays empty. NULL as for
 * cli_progress_start, or if path cannot be stat'ed or the thread started.
 */
struct cli_progress *cli_progress_watch_file(const char *label, const char *path);

/* Stops the bar (and its thread), clears its line, frees it. */
void cli_progress_end(struct cli_progress *p);

#endif
