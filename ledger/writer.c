/*
 * writer.c - group commit: the one thread that appends to the journal.
 *
 * Request threads queue a ledger_submit and sleep. The writer takes every
 * submit that arrived while its previous commit was in flight, chains their
 * entries from the journal head it remembers, and stores them with ONE
 * statement in autocommit, SELECT ledger_post(jsonb): the function locks
 * the head (FOR UPDATE), checks the group starts there, appends, and the
 * statement's end is the COMMIT, so a group costs one round trip. If the
 * head moved (another writer: a second daemon, the CLI's fund commands),
 * ledger_post refuses with 'chain-mismatch' and the group is chained again
 * from the head read afresh. If ledger_post refuses the group for one bad
 * submit (a period closed or an idempotency key taken meanwhile, an entry
 * reversed twice), the group is stored again one submit per statement, each
 * all-or-nothing, so one bad submit does not fail the others; sequences
 * stay gap-free because a submit keeps its sequence numbers only when its
 * statement committed.
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
	char *response; /* built while chaining */
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
	/* The journal head as of the writer's last append (head_known): the
	 * next group is chained from it without asking the database. */
	bool head_known;
	int64_t head_seq;
	char head_hash[HASH_HEX_BYTES];
};

static void finish(struct job *j, int rc, const char *code)
{
	j->rc = rc;
	j->s->code = rc < 0 ? code : NULL;
	if (rc < 0) {
		snprintf(j->msg, sizeof(j->msg), "%s", err_last());
		free(j->response);
		j->response = NULL;
	}
}

static int fail_all(struct job *jobs, int rc)
{
	const char *code = rc == ERR_UNAVAILABLE ? "unavailable" : "internal";

	for (struct job *j = jobs; j; j = j->next)
		finish(j, rc, code);
	return rc;
}

/* Chains the entries of jobs [first, last) from (*seq, hash) and appends
 * their rows, idempotency records and audit rows to doc. */
static int add_jobs(json_t *doc, struct job *first, struct job *last, int64_t *seq,
		    char hash[HASH_HEX_BYTES])
{
	json_t *entries = json_object_get(doc, "entries");
	json_t *idem = json_object_get(doc, "idempotency");
	json_t *audit = json_object_get(doc, "audit");

	for (struct job *j = first; j != last; j = j->next) {
		struct ledger_submit *s = j->s;
		json_t *answer = s->batch ? json_array() : NULL;
		char object[96];

		for (size_t i = 0; i < s->n; i++) {
			struct ledger_entry *e = &s->entries[i];
			int rc = ledger_entry_chain(e, ++*seq, hash);

			if (rc < 0)
				return rc;
			memcpy(hash, e->hash, HASH_HEX_BYTES);
			json_array_append_new(entries, ledger_entry_store_json(e));
			if (answer)
				json_array_append_new(answer, ledger_entry_json(e));
		}
		free(j->response);
		if (answer) {
			json_t *o = json_pack("{s:o}", "entries", answer);

			j->response = json_dumps(o, JSON_COMPACT);
			json_decref(o);
		} else {
			json_t *o = ledger_entry_json(&s->entries[0]);

			j->response = json_dumps(o, JSON_COMPACT);
			json_decref(o);
		}
		if (!j->response)
			return err_set(ERR_INTERNAL, "out of memory");
		if (s->idempotency_key)
			json_array_append_new(idem, json_pack("{s:s, s:s, s:i, s:s}", "key",
							      s->idempotency_key, "request_sha256",
							      s->request_sha256, "status", 201,
							      "response", j->response));
		if (s->n == 1)
			snprintf(object, sizeof(object), "%s", s->entries[0].id);
		else
			snprintf(object, sizeof(object), "%s +%zu", s->entries[0].id, s->n - 1);
		json_array_append_new(audit, json_pack("{s:s, s:s, s:s, s:s, s:s}", "token_name",
						       s->who.token_name, "role", s->who.role,
						       "action", s->action, "object", object,
						       "request_id", s->who.request_id));
	}
	json_object_set_new(doc, "head", json_pack("{s:I, s:s}", "sequence", (json_int_t)*seq,
						   "hash", hash));
	return 0;
}

/* One call of ledger_post for jobs [first, last). *refused: its error text
 * (free it) when the database refused them, else NULL. */
static int post(char **refused, PGconn *c, struct job *first, struct job *last,
		int64_t *seq, char hash[HASH_HEX_BYTES])
{
	json_t *doc = json_pack("{s:[], s:[], s:[]}", "entries", "idempotency", "audit");
	PGresult *r = NULL;
	char *text = NULL;
	int rc;

	*refused = NULL;
	rc = doc ? add_jobs(doc, first, last, seq, hash) : err_set(ERR_INTERNAL, "out of memory");
	if (rc == 0) {
		text = json_dumps(doc, JSON_COMPACT);
		rc = text ? db_exec(&r, c, "post", 1, (const char *const[]){text})
			  : err_set(ERR_INTERNAL, "out of memory");
	}
	if (rc == 0 && !PQgetisnull(r, 0, 0)) {
		*refused = strdup(PQgetvalue(r, 0, 0));
		if (!*refused)
			rc = err_set(ERR_INTERNAL, "out of memory");
	}
	PQclear(r);
	free(text);
	json_decref(doc);
	return rc;
}

/* Maps ledger_post's refusal text to the job's outcome. */
static void refuse(struct job *j, const char *why)
{
	if (strncmp(why, "period-closed ", 14) == 0) {
		ledger_closed_forget(); /* closed by another process: reload */
		err_set(ERR_INVALID, "date: the period %s is closed", why + 14);
		finish(j, ERR_INVALID, "period-closed");
	} else if (strcmp(why, "already-reversed") == 0) {
		err_set(ERR_INVALID, "the entry was already reversed");
		finish(j, ERR_INVALID, "already-reversed");
	} else if (strcmp(why, "idempotency-key") == 0) {
		err_set(ERR_CONFLICT, "the Idempotency-Key was used meanwhile");
		finish(j, ERR_CONFLICT, "conflict");
	} else {
		log_error("ledger_post refused an entry", "why", why, NULL);
		err_set(ERR_INTERNAL, "the database refused the entry: %s", why);
		finish(j, ERR_INTERNAL, "internal");
	}
}

static int connect_writer(struct ledger_writer *w)
{
	int rc;

	if (w->c && PQstatus(w->c) == CONNECTION_OK)
		return 0;
	PQfinish(w->c);
	w->c = NULL;
	w->head_known = false;
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

/* Reads the journal head into the writer's copy (no lock: ledger_post
 * locks it and refuses a group that does not start there). */
static int read_head(struct ledger_writer *w)
{
	PGresult *r = NULL;
	int rc = db_exec(&r, w->c, "head_get", 0, NULL);

	if (rc < 0)
		return rc;
	w->head_seq = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	snprintf(w->head_hash, sizeof(w->head_hash), "%s", PQgetvalue(r, 0, 1));
	w->head_known = true;
	PQclear(r);
	return 0;
}

/*
 * Appends jobs [first, last) in one autocommit statement: ledger_post locks
 * the head, stores everything and the statement's end commits it (one
 * round trip). On success the writer's head moves on. *refused: the
 * database's refusal (free it), then nothing was stored. A group chained
 * from a stale head (another writer appended meanwhile) is chained again
 * from the head read afresh, a bounded number of times.
 */
static int append(char **refused, struct ledger_writer *w, struct job *first, struct job *last)
{
	int rc = 0;

	*refused = NULL;
	for (int attempt = 0; attempt < LIMIT_TX_RETRIES; attempt++) {
		int64_t seq;
		char hash[HASH_HEX_BYTES];

		if (!w->head_known && (rc = read_head(w)) < 0)
			return rc;
		seq = w->head_seq;
		memcpy(hash, w->head_hash, HASH_HEX_BYTES);
		rc = post(refused, w->c, first, last, &seq, hash);
		if (rc < 0) {
			w->head_known = false;
			return rc;
		}
		if (!*refused) {
			w->head_seq = seq;
			memcpy(w->head_hash, hash, HASH_HEX_BYTES);
			return 0;
		}
		if (strncmp(*refused, "chain-mismatch", 14) != 0)
			return 0;
		free(*refused);
		*refused = NULL;
		w->head_known = false;
	}
	return err_set(ERR_RETRY, "the journal head kept moving; try again");
}

static void run_group(struct ledger_writer *w, struct job *jobs)
{
	struct job *pending = jobs; /* the first job without an outcome */
	char *refused = NULL;
	size_t n_entries = 0;
	int rc;

	for (struct job *j = jobs; j; j = j->next)
		n_entries += j->s->n;
	rc = connect_writer(w);
	if (rc == 0)
		rc = append(&refused, w, jobs, NULL);
	if (rc < 0)
		goto cleanup;
	if (!refused) {
		for (struct job *j = jobs; j; j = j->next)
			finish(j, 0, NULL);
		ledger_metrics_group(n_entries);
		goto cleanup;
	}
	/* One by one, each job all-or-nothing in its own commit: the good ones
	 * are kept, the bad one gets its refusal. */
	for (; pending; pending = pending->next) {
		free(refused);
		rc = append(&refused, w, pending, pending->next);
		if (rc < 0)
			goto cleanup;
		if (refused) {
			refuse(pending, refused);
		} else {
			finish(pending, 0, NULL);
			ledger_metrics_group(pending->s->n);
		}
	}
cleanup:
	free(refused);
	if (rc < 0) {
		ledger_metrics_db_error();
		log_warn("group commit failed", "error", err_last(), NULL);
		if (w->c && PQstatus(w->c) != CONNECTION_OK) {
			PQfinish(w->c);
			w->c = NULL;
			w->head_known = false;
			rc = ERR_UNAVAILABLE;
			err_set(rc, "the database connection was lost; the outcome of the"
				    " request is unknown: retry it with the same Idempotency-Key");
		}
		/* Jobs appended one by one before the failure keep their answer. */
		fail_all(pending, rc);
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
	s->response = j.response;
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
