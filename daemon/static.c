/*
 * static.c - the web workspace's files (web/ in the source tree, installed
 * under $(pkgdatadir)/web), served by tfledgerd on the route table's rows
 * GET /, GET /web/{file} and GET /web/{dir}/{file}; Chart.js from Debian's
 * libjs-chart.js at /web/vendor/chart.js. Nothing comes from another host.
 *
 * Invariant: only a regular file under the web directory's real path is
 * ever sent. A path segment is letters, digits, '_', '-' and '.', never
 * first (so no "..", whether sent plainly or as %2e%2e: libmicrohttpd
 * decodes the path before it is routed, and no hidden file); the file's
 * real path must still lie under the directory's (a symlink out is 404);
 * a directory is 404 (no listing); an extension not in the type table is
 * 404 (no guessed Content-Type).
 *
 * Every answer here carries the workspace's security headers: a
 * Content-Security-Policy that admits scripts, styles and requests from
 * this origin only (no inline script or style, no framing), nosniff, no
 * referrer, and Cache-Control no-cache (the browser revalidates, so an
 * upgrade is seen at once).
 */
#include "daemon/static.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/limits.h"
#include "daemon/http.h"
#include "daemon/routes.h"

static char web_dir[PATH_MAX];  /* real path, "" if none */
static char chart_js[PATH_MAX]; /* real path, "" if none */

static const char *const headers[] = {
	"Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'",
	"X-Content-Type-Options", "nosniff",
	"Referrer-Policy", "no-referrer",
	"Cache-Control", "no-cache",
	NULL,
};

static const struct {
	const char *ext, *type;
} types[] = {
	{".html", "text/html; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".json", "application/json"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".ico", "image/x-icon"},
	{".txt", "text/plain; charset=utf-8"},
};

int daemon_static_configure(const char *dir, const char *chart)
{
	struct stat st;
	int rc = 0;

	dir = dir ? dir : STATIC_WEB_DIR_DEFAULT;
	chart = chart ? chart : STATIC_CHART_JS_DEFAULT;
	web_dir[0] = chart_js[0] = '\0';
	if (!realpath(chart, chart_js) || stat(chart_js, &st) != 0 || !S_ISREG(st.st_mode)) {
		chart_js[0] = '\0';
		rc = err_set(ERR_NOTFOUND, "Chart.js %s: not a file (apt-get install libjs-chart.js)",
			     chart);
	}
	if (!realpath(dir, web_dir) || stat(web_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		web_dir[0] = '\0';
		rc = err_set(ERR_NOTFOUND, "web directory %s: not a directory", dir);
	}
	return rc;
}

const char *daemon_static_web_dir(void)
{
	return web_dir[0] ? web_dir : NULL;
}

const char *daemon_static_chart_js(void)
{
	return chart_js[0] ? chart_js : NULL;
}

/* The Content-Type of name by its extension, or NULL. */
static const char *type_of(const char *name)
{
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

/* A segment the workspace may name: [A-Za-z0-9_-][A-Za-z0-9._-]*. */
static bool segment_ok(const char *s)
{
	if (!*s || *s == '.')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
			return false;
	return true;
}

/* Sends the regular file path (a real path, already checked) as type. */
static enum MHD_Result send_file(struct req *q, const char *path, const char *type)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return http_send_error(q, EC_NOT_FOUND, "no such file in the workspace");
	}
	return http_send_fd_with(q, 200, type, fd, (uint64_t)st.st_size, headers);
}

/* Sends web_dir/rel (rel: one or two checked segments) if its real path
 * lies under web_dir; else 404. */
static enum MHD_Result send_web(struct req *q, const char *rel)
{
	char path[PATH_MAX], real[PATH_MAX];
	const char *type = type_of(rel);
	size_t n = strlen(web_dir);

	if (!web_dir[0])
		return http_send_error(q, EC_NOT_FOUND,
				       "the web workspace is not installed on this server");
	if (!type || snprintf(path, sizeof(path), "%s/%s", web_dir, rel) >= (int)sizeof(path) ||
	    !realpath(path, real) || strncmp(real, web_dir, n) != 0 || real[n] != '/')
		return http_send_error(q, EC_NOT_FOUND, "no such file in the workspace");
	return send_file(q, real, type);
}

enum MHD_Result route_web_index(struct req *q, const char *const *args)
{
	(void)args;
	return send_web(q, "index.html");
}

enum MHD_Result route_web_file(struct req *q, const char *const *args)
{
	if (!segment_ok(args[0]))
		return http_send_error(q, EC_NOT_FOUND, "no such file in the workspace");
	return send_web(q, args[0]);
}

enum MHD_Result route_web_file_in(struct req *q, const char *const *args)
{
	char rel[2 * 128 + 2];

	if (!segment_ok(args[0]) || !segment_ok(args[1]))
		return http_send_error(q, EC_NOT_FOUND, "no such file in the workspace");
	if (strcmp(args[0], "vendor") == 0 && strcmp(args[1], "chart.js") == 0) {
		if (!chart_js[0])
			return http_send_error(q, EC_NOT_FOUND,
					       "Chart.js is not installed on this server");
		return send_file(q, chart_js, "text/javascript; charset=utf-8");
	}
	snprintf(rel, sizeof(rel), "%s/%s", args[0], args[1]);
	return send_web(q, rel);
}
