/*
 * writer.c - group commit: the one thread that appends to the journal.
 *
 * Request threads queue a ledger_submit and sleep. The writer takes every
 * submit that arrived while its previous commit was in flight and stores
 * them with ledger_append (append.c): one message to the database that
 * locks the head, copies the whole group and commits. If the database
 * refuses the group for one bad submit (a period closed or an idempotency
 * key taken meanwhile, an entry reversed twice), the group is stored again
 * one submit per transaction, so one bad submit does not fail the others;
 * sequences stay gap-free because entries are chained under the head lock
 * of the transaction that stores them.
 *
 * A submit is answered only after its commit returned: an acknowledged
 * entry is durable. If the connection breaks, every submit without an
 * outcome is answered "unavailable" (a retry with the same Idempotency-Key
 * is safe) and the next group reconnects.
 */
#include "ledger/ledger.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/log.h"
#include "ledger/metrics.h"

struct job {
	struct ledger_submit *s;
	int rc;
	char msg[LIMIT_ERR_BYTES];
	bool done;
	struct job *next;
};

struct ledger_writer {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct job *head, *tail;
	bool stopping;
	pthread_t thread;
	char *conninfo;
	PGconn *c;
	struct ledger_head journal; /* after the last append; sequence -1: unknown */
};

static void finish(struct job *j, int rc, const char *code)
{
	j->rc = rc;
	j->s->code = rc < 0 ? code : NULL;
	if (rc < 0)
		snprintf(j->msg, sizeof(j->msg), "%s", err_last());
}

static int connect_writer(struct ledger_writer *w)
{
	int rc;

	if (w->c && PQstatus(w->c) == CONNECTION_OK)
		return 0;
	PQfinish(w->c);
	w->c = NULL;
	w->journal.sequence = -1;
	rc = db_connect(&w->c, w->conninfo);
	if (rc == 0)
		rc = ledger_store_setup(w->c);
	if (rc < 0) {
		PQfinish(w->c);
		w->c = NULL;
		return err_set(ERR_UNAVAILABLE, "the database is unavailable: %s", err_last());
	}
	return 0;
}

/* Every job from j on fails with rc: the connection is gone, or the
 * writer could not even start. */
static void fail_rest(struct ledger_writer *w, struct job *j, int rc)
{
	ledger_metrics_db_error();
	log_warn("group commit failed", "error", err_last(), NULL);
	if (w->c && PQstatus(w->c) != CONNECTION_OK) {
		PQfinish(w->c);
		w->c = NULL;
		rc = err_set(ERR_UNAVAILABLE, "the database connection was lost; the outcome of the"
					      " request is unknown: retry it with the same Idempotency-Key");
	}
	for (; j; j = j->next)
		finish(j, rc, rc == ERR_UNAVAILABLE ? "unavailable" : "internal");
}

static void run_group(struct ledger_writer *w, struct job *jobs)
{
	struct ledger_submit **subs;
	size_t n = 0, n_entries = 0;
	const char *code = NULL;
	int rc;

	for (struct job *j = jobs; j; j = j->next)
		n++;
	subs = malloc(n * sizeof(*subs));
	if (!subs) {
		fail_rest(w, jobs, err_set(ERR_INTERNAL, "out of memory"));
		return;
	}
	n = 0;
	for (struct job *j = jobs; j; j = j->next) {
		subs[n++] = j->s;
		n_entries += j->s->n;
	}
	rc = connect_writer(w);
	if (rc == 0)
		rc = ledger_append(w->c, subs, n, true, &w->journal, &code);
	free(subs);
	if (rc < 0 && (!w->c || PQstatus(w->c) != CONNECTION_OK)) {
		fail_rest(w, jobs, rc);
		return;
	}
	if (rc == 0) {
		for (struct job *j = jobs; j; j = j->next)
			finish(j, 0, NULL);
		ledger_metrics_group(n_entries);
		return;
	}
	if (n == 1) {
		finish(jobs, rc, code);
		return;
	}
	/* One by one, each job all-or-nothing in its own commit: the good ones
	 * are kept, a bad one gets its own refusal. */
	for (struct job *j = jobs; j; j = j->next) {
		rc = ledger_append(w->c, &j->s, 1, true, &w->journal, &code);
		if (rc < 0 && PQstatus(w->c) != CONNECTION_OK) {
			fail_rest(w, j, rc);
			return;
		}
		finish(j, rc, code);
		if (rc == 0)
			ledger_metrics_group(j->s->n);
	}
}

static void *writer_main(void *arg)
{
	struct ledger_writer *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct job *group, *last;
		size_t n;

		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->work, &w->mu);
		if (!w->head)
			break;
		/* Everything queued, up to the group limit. */
		group = last = w->head;
		n = last->s->n;
		while (last->next && n + last->next->s->n <= LIMIT_GROUP_ENTRIES) {
			last = last->next;
			n += last->s->n;
		}
		w->head = last->next;
		if (!w->head)
			w->tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&w->mu);
		run_group(w, group);
		pthread_mutex_lock(&w->mu);
		for (struct job *j = group; j; j = j->next)
			j->done = true;
		pthread_cond_broadcast(&w->done);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int ledger_writer_start(struct ledger_writer **out, const char *conninfo)
{
	struct ledger_writer *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w || !(w->conninfo = strdup(conninfo))) {
		free(w);
		return err_set(ERR_INTERNAL, "out of memory");
	}
	w->journal.sequence = -1;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->done, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		free(w->conninfo);
		free(w);
		return err_set(ERR_SYSTEM, "cannot start the writer thread");
	}
	*out = w;
	return 0;
}

int ledger_writer_submit(struct ledger_writer *w, struct ledger_submit *s)
{
	struct job j = {.s = s};

	s->code = NULL;
	s->response = NULL;
	pthread_mutex_lock(&w->mu);
	if (w->tail)
		w->tail->next = &j;
	else
		w->head = &j;
	w->tail = &j;
	pthread_cond_signal(&w->work);
	while (!j.done)
		pthread_cond_wait(&w->done, &w->mu);
	pthread_mutex_unlock(&w->mu);
	if (j.rc < 0)
		return err_set(j.rc, "%s", j.msg);
	return 0;
}

void ledger_writer_stop(struct ledger_writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	PQfinish(w->c);
	pthread_cond_destroy(&w->work);
	pthread_cond_destroy(&w->done);
	pthread_mutex_destroy(&w->mu);
	free(w->conninfo);
	free(w);
}
