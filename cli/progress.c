/*
 * progress.c - the progress bar of progress.h: one line on stderr, drawn
 * only when stderr is a terminal, throttled to one redraw per
 * CLI_PROGRESS_INTERVAL_MS, cleared at the end.
 *
 * A frame is one write(2) of "\r<line>\033[K", cut to the terminal's width
 * so that it never wraps. A watched file's offset is read by a thread that
 * only reads /proc and writes stderr; the command's own thread never
 * waits for it except in cli_progress_end.
 */
#include <dirent.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/progress.h"

#define BAR_WIDTH 30

struct cli_progress {
	char *label;
	int64_t total, done;
	struct timespec started;
	int64_t last_draw_ms; /* -1: nothing drawn yet */
	/* watching a file (cli_progress_watch_file) */
	bool watching, stop;
	dev_t dev;
	ino_t ino;
	int fd; /* the reader's descriptor of the file, -1 until found */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static int64_t elapsed_ms(const struct cli_progress *p)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - p->started.tv_sec) * 1000 +
	       (now.tv_nsec - p->started.tv_nsec) / 1000000;
}

/* "12.3 MiB" into out. */
static void human(char *out, size_t size, double bytes)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int u = 0;

	while (bytes >= 1024 && u < 4) {
		bytes /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, size, "%.0f B", bytes);
	else
		snprintf(out, size, "%.1f %s", bytes, units[u]);
}

static void draw(struct cli_progress *p, int64_t now_ms)
{
	char line[512], done[32], total[32], rate[32], bar[BAR_WIDTH + 1];
	char frame[sizeof(line) + 8];
	struct winsize ws;
	size_t len;
	int n;

	human(done, sizeof(done), (double)p->done);
	if (p->total > 0) {
		int64_t d = p->done < p->total ? p->done : p->total;
		int fill = (int)(d * BAR_WIDTH / p->total);

		memset(bar, '#', (size_t)fill);
		memset(bar + fill, '-', (size_t)(BAR_WIDTH - fill));
		bar[BAR_WIDTH] = '\0';
		human(total, sizeof(total), (double)p->total);
		n = snprintf(line, sizeof(line), "%s [%s] %3d%% %s of %s", p->label, bar,
			     (int)(d * 100 / p->total), done, total);
	} else {
		human(rate, sizeof(rate), now_ms > 0 ? (double)p->done * 1000 / (double)now_ms : 0);
		n = snprintf(line, sizeof(line), "%s: %s (%s/s)", p->label, done, rate);
	}
	len = n < 0 ? 0 : (size_t)n >= sizeof(line) ? sizeof(line) - 1 : (size_t)n;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && len >= ws.ws_col)
		len = (size_t)ws.ws_col - 1;
	n = snprintf(frame, sizeof(frame), "\r%.*s\033[K", (int)len, line);
	if (n > 0 && write(STDERR_FILENO, frame, (size_t)n) < 0) {
		/* a bar that cannot be drawn is not drawn */
	}
	p->last_draw_ms = now_ms;
}

/* Draws if the interval passed since the start or the last frame. */
static void tick(struct cli_progress *p)
{
	int64_t now = elapsed_ms(p);

	if (now < CLI_PROGRESS_INTERVAL_MS)
		return;
	if (p->last_draw_ms >= 0 && now - p->last_draw_ms < CLI_PROGRESS_INTERVAL_MS)
		return;
	draw(p, now);
}

struct cli_progress *cli_progress_start(const char *label, int64_t total_bytes)
{
	struct cli_progress *p = NULL;

	if (!isatty(STDERR_FILENO))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p || !(p->label = strdup(label))) {
		free(p);
		return NULL;
	}
	p->total = total_bytes > 0 ? total_bytes : 0;
	p->last_draw_ms = -1;
	p->fd = -1;
	clock_gettime(CLOCK_MONOTONIC, &p->started);
	return p;
}

void cli_progress_update(struct cli_progress *p, int64_t done_bytes)
{
	if (!p)
		return;
	p->done = done_bytes;
	tick(p);
}

/* Whether fd is (still) a descriptor of the watched file. */
static bool is_watched(const struct cli_progress *p, int fd)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == p->dev && st.st_ino == p->ino;
}

/* Finds this process's descriptor of the watched file: -1 if none is open. */
static int find_fd(const struct cli_progress *p)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int found = -1;

	if (!d)
		return -1;
	while (found < 0 && (e = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);

		if (*end == '\0' && e->d_name[0] != '\0' && fd != dirfd(d) && fd > STDERR_FILENO &&
		    is_watched(p, (int)fd))
			found = (int)fd;
	}
	closedir(d);
	return found;
}

/* The read offset of fd from /proc/self/fdinfo/FD; -1 if unknown. */
static int64_t fd_offset(int fd)
{
	char path[64], line[128];
	int64_t pos = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "pos: %" SCNd64, &pos) == 1)
			break;
	fclose(f);
	return pos;
}

static void *watch(void *arg)
{
	struct cli_progress *p = arg;
	struct timespec until;
	bool fresh = false;

	pthread_mutex_lock(&p->mu);
	while (!p->stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += CLI_PROGRESS_INTERVAL_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->cv, &p->mu, &until);
		if (p->stop)
			break;
		if (!is_watched(p, p->fd)) {
			p->fd = find_fd(p);
			fresh = true;
		}
		if (p->fd >= 0) {
			int64_t pos = fd_offset(p->fd);

			/* A new descriptor is a new pass over the file (statements
			 * are hashed, then parsed): follow it from its start. Within
			 * one pass stdio may seek back a little: never go back. */
			if (pos >= 0 && (fresh || pos > p->done))
				p->done = pos;
			fresh = false;
		}
		tick(p);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct cli_progress *cli_progress_watch_file(const char *label, const char *path)
{
	struct cli_progress *p = NULL;
	struct stat st;

	if (!isatty(STDERR_FILENO) || stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return NULL;
	p = cli_progress_start(label, st.st_size > 0 ? (int64_t)st.st_size : 1);
	if (!p)
		return NULL;
	p->dev = st.st_dev;
	p->ino = st.st_ino;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (pthread_create(&p->thread, NULL, watch, p) != 0) {
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
		free(p->label);
		free(p);
		return NULL;
	}
	p->watching = true;
	return p;
}

void cli_progress_end(struct cli_progress *p)
{
	static const char clear[] = "\r\033[K";

	if (!p)
		return;
	if (p->watching) {
		pthread_mutex_lock(&p->mu);
		p->stop = true;
		pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thread, NULL);
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
	}
	if (p->last_draw_ms >= 0 && write(STDERR_FILENO, clear, sizeof(clear) - 1) < 0) {
		/* nothing to clear up if the terminal is gone */
	}
	free(p->label);
	free(p);
}
