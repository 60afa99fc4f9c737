/*
 * writer.c - group commit: the threads that append to the journal.
 *
 * Request threads queue a ledger_submit and sleep. A lane (a thread with
 * its own database connection; LIMIT_WRITER_LANES of them) takes every
 * submit queued, up to LIMIT_GROUP_ENTRIES entries, as one group and
 * stores it with append.c: the group is chained from the journal head the
 * writer expects, copied, and finished (head lock, chain check, balances,
 * commit) in one transaction. A group takes a ticket in the step that
 * chains it, so tickets follow the chain. Copying, the larger part of the
 * work, runs in every lane at once; the finishes take turns in ticket
 * order, so that each group's chain starts where the one before ended.
 *
 * If a group fails, the expectation it left is void: the epoch moves on
 * and the head becomes unknown; each later group, already copied, rolls
 * back, and the next chain starts from the head read when no chained
 * group is in flight any more. A group the database refused for one bad
 * submit (a period closed or an idempotency key taken meanwhile, an entry
 * reversed twice) is stored again one submit per group, so one bad submit
 * does not fail the others. A group that met another writer (the CLI's
 * fund commands append too) is chained again and retried, at most
 * LIMIT_TX_RETRIES times.
 *
 * A submit is answered only after its commit returned: an acknowledged
 * entry is durable. If a connection breaks, every submit of its group is
 * answered "unavailable" (a retry with the same Idempotency-Key is safe)
 * and the lane reconnects for its next group. A lane looks at its idle
 * connection before each group (db_alive) and reconnects with a short
 * bounded backoff (db_connect_retry), so that after a failover (the
 * primary lost, a standby promoted, found through a multi-host conninfo
 * with target_session_attrs=read-write) the next group goes to the new
 * primary without first failing on the dead connection.
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
#include "common/metrics.h"

struct job {
	struct ledger_submit *s;
	int rc;
	enum err_code ec; /* the failure's contract code */
	char msg[LIMIT_ERR_BYTES];
	bool done;
	pthread_cond_t answered; /* signalled once done: only its request wakes */
	struct job *next;
};

struct ledger_writer;

struct lane {
	struct ledger_writer *w;
	pthread_t thread;
	bool started;
	PGconn *c;
};

struct ledger_writer {
	pthread_mutex_t mu;
	pthread_cond_t work, turn;
	struct job *head, *tail;
	size_t queued;  /* entries in the queue */
	/* Requests submitted and not yet answered; the most of them seen since
	 * the last group was taken, and the same over the cycle before: about
	 * how many clients write now (gather). */
	size_t inflight, peak, clients;
	int busy;       /* lanes storing a group */
	bool stopping;
	char *conninfo;
	/* Where the next group starts (sequence -1: unknown, read it when all
	 * earlier groups are done); epoch moves on whenever a group fails, which
	 * voids every chain made from an expectation before it. */
	struct ledger_head journal;
	bool reading; /* a lane is reading the head */
	uint64_t epoch;
	uint64_t next_ticket, done_ticket; /* tickets done: 1..done_ticket */
	struct lane lanes[LIMIT_WRITER_LANES];
};

static void finish(struct job *j, int rc)
{
	j->rc = rc;
	if (rc < 0) {
		j->ec = err_code_of(rc);
		snprintf(j->msg, sizeof(j->msg), "%s", err_last());
	}
}

/* Makes the lane's connection usable: kept if it is alive, else made anew
 * (with the bounded retry of db_connect_retry) and prepared. */
static int connect_lane(struct lane *l)
{
	int rc;

	if (db_alive(l->c))
		return 0;
	PQfinish(l->c);
	l->c = NULL;
	rc = db_connect_retry(&l->c, l->w->conninfo);
	if (rc == 0) /* named for pg_stat_activity and bench/ledger.sh's profile */
		rc = db_exec_sql(l->c, "SET application_name = 'tfledgerd writer lane'");
	if (rc == 0)
		rc = ledger_store_setup(l->c);
	if (rc < 0) {
		PQfinish(l->c);
		l->c = NULL;
		return err_set(ERR_UNAVAILABLE, "the database is unavailable: %s", err_last());
	}
	return 0;
}

/*
 * Whether the lane's connection is gone, asked after a failure: libpq may
 * report a send on a connection its server closed as a plain error with
 * the status still CONNECTION_OK ("server closed the connection
 * unexpectedly", seen when a primary stopped at once), so the connection is
 * read (db_alive) to find out; a failure on a lost connection is a 503
 * whose outcome the Idempotency-Key settles, never a 500.
 */
static bool lost(const struct lane *l)
{
	return !db_alive(l->c);
}

/* Reads the head on the lane's connection, connecting if need be. */
static int read_head(struct lane *l, struct ledger_head *out)
{
	int rc = connect_lane(l);

	return rc < 0 ? rc : ledger_head_read(l->c, out);
}

/* Makes the expected head known (mu held): if it is not, waits until no
 * chained group is in flight and reads it, one lane at a time. */
static int know_head(struct lane *l)
{
	struct ledger_writer *w = l->w;

	while (w->journal.sequence < 0) {
		if (w->done_ticket == w->next_ticket && !w->reading) {
			struct ledger_head h;
			int rc;

			w->reading = true;
			pthread_mutex_unlock(&w->mu);
			rc = read_head(l, &h);
			pthread_mutex_lock(&w->mu);
			w->reading = false;
			pthread_cond_broadcast(&w->turn);
			if (rc < 0)
				return rc;
			w->journal = h;
		} else {
			pthread_cond_wait(&w->turn, &w->mu);
		}
	}
	return 0;
}

/*
 * Stores subs[0..n) as one group (mu held on entry and exit). Each attempt
 * chains the group from the expected head and takes the next ticket in the
 * same step, so that tickets follow the chain; copies with mu released;
 * then finishes in its turn (every earlier ticket done) unless an earlier
 * group failed meanwhile (the epoch moved: the chain is void). A failed
 * attempt voids the chains after it, rolls back and gives its ticket up in
 * turn; the group is tried again while the failure is ERR_RETRY.
 */
static int append_group(struct lane *l, struct ledger_submit *const *subs, size_t n)
{
	struct ledger_writer *w = l->w;
	int rc = 0;

	for (int attempt = 0; attempt < LIMIT_TX_RETRIES; attempt++) {
		struct ledger_append *a = NULL;
		uint64_t ticket, epoch;
		bool in_turn;

		rc = know_head(l);
		if (rc < 0)
			return rc;
		rc = ledger_append_prepare(&a, subs, n, true, &w->journal);
		if (rc < 0)
			return rc;
		ticket = ++w->next_ticket;
		epoch = w->epoch;
		w->journal = *ledger_append_last(a);

		in_turn = w->done_ticket + 1 == ticket;
		pthread_mutex_unlock(&w->mu);

		rc = connect_lane(l);
		if (rc == 0 && in_turn) /* nothing before it: one message */
			rc = ledger_append_store(l->c, a);
		else if (rc == 0)
			rc = ledger_append_copy(l->c, a);

		pthread_mutex_lock(&w->mu);
		while (w->done_ticket + 1 != ticket && w->epoch == epoch)
			pthread_cond_wait(&w->turn, &w->mu);
		if (rc == 0 && !in_turn && w->epoch != epoch)
			rc = err_set(ERR_RETRY, "an earlier group failed; chained again");
		if (rc == 0 && !in_turn) {
			pthread_mutex_unlock(&w->mu);
			rc = ledger_append_finish(l->c, a);
			pthread_mutex_lock(&w->mu);
		}
		if (rc < 0) {
			if (w->epoch == epoch) {
				w->epoch++;
				w->journal.sequence = -1;
				pthread_cond_broadcast(&w->turn);
			}
			pthread_mutex_unlock(&w->mu);
			ledger_append_abandon(l->c, a);
			pthread_mutex_lock(&w->mu);
		}
		ledger_append_free(a);
		while (w->done_ticket + 1 != ticket)
			pthread_cond_wait(&w->turn, &w->mu);
		w->done_ticket = ticket;
		pthread_cond_broadcast(&w->turn);
		if (rc != ERR_RETRY || lost(l))
			return rc;
	}
	return rc;
}

/* Runs one group of n jobs (subs), mu held on entry and exit; every job
 * has its outcome when this returns. */
static void run_group(struct lane *l, struct job *jobs, struct ledger_submit **subs, size_t n)
{
	size_t n_entries = 0;
	int rc;

	for (size_t i = 0; i < n; i++)
		n_entries += subs[i]->n;
	rc = append_group(l, subs, n);
	if (rc == 0) {
		for (struct job *j = jobs; j; j = j->next)
			finish(j, 0);
		metrics_group(n_entries);
	} else if (lost(l) || rc == ERR_UNAVAILABLE) {
		metrics_db_error();
		log_warn("group commit failed", "error", err_last(), NULL);
		rc = err_set(ERR_UNAVAILABLE,
			     "the database connection was lost; the outcome of the"
			     " request is unknown: retry it with the same Idempotency-Key");
		for (struct job *j = jobs; j; j = j->next)
			finish(j, rc);
	} else if (n == 1) {
		finish(jobs, rc);
	} else {
		/* One by one, each job all-or-nothing in its own commit: the
		 * good ones are kept, a bad one gets its own refusal. */
		struct job *j = jobs;

		for (size_t i = 0; i < n; i++, j = j->next) {
			rc = append_group(l, &subs[i], 1);
			if (rc < 0 && (lost(l) || rc == ERR_UNAVAILABLE))
				rc = err_recode(rc, EC_UNAVAILABLE);
			finish(j, rc);
			if (rc == 0)
				metrics_group(subs[i]->n);
		}
	}
}

/* Jobs queued. */
static size_t queued_jobs(const struct ledger_writer *w)
{
	size_t n = 0;

	for (const struct job *j = w->head; j; j = j->next)
		n++;
	return n;
}

/*
 * Before a lane takes a group (mu held, something queued): while no other
 * lane is busy, waits at most LIMIT_GROUP_GATHER_US for the clients the last
 * group answered to send their next entries, while fewer are queued than
 * clients have been writing. A group costs mostly a fixed amount
 * (bench/README.md, issue 18: ~2 ms of the lane's backend for 7 entries,
 * 39 µs an entry in batches), and without this 16 clients run as two
 * cohorts of 8, each group taking the cohort that queued while the other
 * was stored. A lone client never waits (one client, one queued).
 */
static void gather(struct ledger_writer *w)
{
	struct timespec until;

	if (w->busy > 0 || w->clients < 2 || queued_jobs(w) >= w->clients)
		return;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += LIMIT_GROUP_GATHER_US * 1000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (!w->stopping && w->busy == 0 && queued_jobs(w) < w->clients &&
	       pthread_cond_timedwait(&w->work, &w->mu, &until) == 0)
		;
}

static void *lane_main(void *arg)
{
	struct lane *l = arg;
	struct ledger_writer *w = l->w;

	pthread_setname_np(pthread_self(), "tfl-lane");
	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct ledger_submit **subs;
		struct job *group, *last;
		size_t n, n_jobs = 1;

		/* A second lane starts only on a large queue: small groups are
		 * cheaper merged into the next group of the busy lane (one
		 * commit) than split over two. */
		while (!w->stopping &&
		       (!w->head || (w->busy > 0 && w->queued < LIMIT_LANE_SPLIT_ENTRIES)))
			pthread_cond_wait(&w->work, &w->mu);
		if (!w->head)
			break;
		gather(w);
		/* another lane may have taken the work meanwhile */
		if (!w->head || (w->busy > 0 && w->queued < LIMIT_LANE_SPLIT_ENTRIES))
			continue;
		w->clients = w->peak;
		w->peak = w->inflight;
		/* Everything queued, up to the group limit. */
		group = last = w->head;
		n = last->s->n;
		while (last->next && n + last->next->s->n <= LIMIT_GROUP_ENTRIES) {
			last = last->next;
			n += last->s->n;
			n_jobs++;
		}
		w->head = last->next;
		if (!w->head)
			w->tail = NULL;
		last->next = NULL;
		w->queued -= n;
		w->busy++;
		subs = malloc(n_jobs * sizeof(*subs));
		if (subs) {
			size_t i = 0;

			for (struct job *j = group; j; j = j->next)
				subs[i++] = j->s;
			run_group(l, group, subs, n_jobs);
			free(subs);
		} else {
			err_set(ERR_INTERNAL, "out of memory");
			for (struct job *j = group; j; j = j->next)
				finish(j, ERR_INTERNAL);
		}
		for (struct job *j = group; j; j = j->next) {
			j->done = true;
			w->inflight--;
			pthread_cond_signal(&j->answered);
		}
		w->busy--;
		/* another lane may be waiting for work this lane left queued */
		if (w->head)
			pthread_cond_broadcast(&w->work);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

void ledger_writer_stop(struct ledger_writer *w);

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
	pthread_cond_init(&w->turn, NULL);
	for (int i = 0; i < LIMIT_WRITER_LANES; i++) {
		w->lanes[i].w = w;
		if (pthread_create(&w->lanes[i].thread, NULL, lane_main, &w->lanes[i]) != 0) {
			ledger_writer_stop(w);
			return err_set(ERR_SYSTEM, "cannot start the writer's threads");
		}
		w->lanes[i].started = true;
	}
	*out = w;
	return 0;
}

int ledger_writer_submit(struct ledger_writer *w, struct ledger_submit *s)
{
	struct job j = {.s = s};

	s->response = NULL;
	pthread_cond_init(&j.answered, NULL);
	pthread_mutex_lock(&w->mu);
	if (w->tail)
		w->tail->next = &j;
	else
		w->head = &j;
	w->tail = &j;
	w->queued += s->n;
	if (++w->inflight > w->peak)
		w->peak = w->inflight;
	/* one lane is enough: a lane that takes work wakes another if it
	 * leaves some (lane_main) */
	pthread_cond_signal(&w->work);
	while (!j.done)
		pthread_cond_wait(&j.answered, &w->mu);
	pthread_mutex_unlock(&w->mu);
	pthread_cond_destroy(&j.answered);
	if (j.rc < 0)
		return err_code_set(j.rc, j.ec, "%s", j.msg);
	return 0;
}

void ledger_writer_stop(struct ledger_writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	pthread_cond_broadcast(&w->work);
	pthread_mutex_unlock(&w->mu);
	for (int i = 0; i < LIMIT_WRITER_LANES; i++) {
		if (w->lanes[i].started)
			pthread_join(w->lanes[i].thread, NULL);
		PQfinish(w->lanes[i].c);
	}
	pthread_cond_destroy(&w->work);
	pthread_cond_destroy(&w->turn);
	pthread_mutex_destroy(&w->mu);
	free(w->conninfo);
	free(w);
}
