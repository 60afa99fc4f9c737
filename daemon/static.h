/*
 * static.h - the web workspace's files, served by tfledgerd (static.c):
 * GET / is the workspace's index.html, GET /web/FILE and /web/DIR/FILE the
 * files under the web directory, GET /web/vendor/chart.js Debian's
 * Chart.js. The route table (routes.c) names the handlers (routes.h).
 * Not part of the ledger's outside interface.
 */
#ifndef TFLEDGER_DAEMON_STATIC_H
#define TFLEDGER_DAEMON_STATIC_H

/* Where the workspace's files are when no --web-dir is given (make
 * install puts them there), and Debian's libjs-chart.js. */
#define STATIC_WEB_DIR_DEFAULT PKGDATADIR "/web"
#define STATIC_CHART_JS_DEFAULT "/usr/share/javascript/chart.js/chart.min.js"

/*
 * Serves the workspace from web_dir and Chart.js from chart_js (either
 * NULL: the default). Call once, before daemon_server_start (the request
 * threads read what it sets without a lock). Fails (ERR_NOTFOUND, naming
 * it) if web_dir is not a directory or chart_js not a regular file; what
 * was found is served all the same, the rest answers 404.
 */
int daemon_static_configure(const char *web_dir, const char *chart_js);

/* The web directory and Chart.js in force (real paths), or NULL. */
const char *daemon_static_web_dir(void);
const char *daemon_static_chart_js(void);

#endif
