
/*
 * Copyright (C) pgticket authors
 *
 * One PostgreSQL connection on nginx events.  Only libpq's asynchronous
 * API is used: a connection is started with PQconnectStartParams() and
 * driven by PQconnectPoll(), set up (statement_timeout, lock_timeout, the
 * prepared statements of the route functions), then each query is one
 * PQsendQueryPrepared(), flushed with PQflush() and read with
 * PQconsumeInput() / PQisBusy() / PQgetResult().  A cancel request, which
 * libpq only sends blocking (PQcancel()), runs on nginx's thread pool.
 *
 * With "pipeline" above 1 the connection enters libpq's pipeline mode once
 * set up: up to "pipeline" queries may be in flight, each followed by its
 * own PQpipelineSync(), and each is reported when its Sync's result
 * (PGRES_PIPELINE_SYNC) is read, its transaction ended.
 *
 * This layer knows nothing of pools or requests: its owner starts it,
 * sends queries on it, and hears back through one handler (pq->handler):
 * READY when it is set up (or, after a query's RESULT, once it may run
 * another: not before a cancel request sent for the query is through, or
 * the cancel could hit the next query), RESULT when a query ended, DOWN
 * when it could not connect, LOST when an open connection failed.
 *
 * The socket is watched with level-triggered events: libpq decides how
 * much it reads, so an edge could be lost with edge-triggered ones.  While
 * connecting, the one event libpq waits for is registered before a poll
 * and removed after it, because PQconnectPoll() may close the socket and
 * open another one (possibly with the same number).
 */


#include "ngx_http_pgticket_module.h"


#define NGX_HTTP_PGTICKET_PQ_CLOSED      0
#define NGX_HTTP_PGTICKET_PQ_CONNECTING  1
#define NGX_HTTP_PGTICKET_PQ_SETUP       2
#define NGX_HTTP_PGTICKET_PQ_IDLE        3
#define NGX_HTTP_PGTICKET_PQ_QUERY       4
#define NGX_HTTP_PGTICKET_PQ_COOLING     5

#define NGX_HTTP_PGTICKET_PQ_MSG_LEN     512


/* a cancel request, run by a thread; the task belongs to its pq for good */
struct ngx_http_pgticket_cancel_s {
    ngx_thread_task_t       *task;
    ngx_http_pgticket_pq_t  *pq;
    PGcancel                *cancel;
    ngx_log_t               *log;
    ngx_uint_t               busy;
    int                      ok;
    char                     err[256];
};


static void ngx_http_pgticket_pq_handler(ngx_event_t *ev);
static void ngx_http_pgticket_pq_poll(ngx_http_pgticket_pq_t *pq);
static ngx_int_t ngx_http_pgticket_pq_connected(ngx_http_pgticket_pq_t *pq);
static ngx_int_t ngx_http_pgticket_pq_watch(ngx_http_pgticket_pq_t *pq,
    ngx_uint_t write);
static void ngx_http_pgticket_pq_unwatch(ngx_http_pgticket_pq_t *pq);
static void ngx_http_pgticket_pq_release(ngx_http_pgticket_pq_t *pq);
static ngx_int_t ngx_http_pgticket_pq_flush(ngx_http_pgticket_pq_t *pq);
static ngx_int_t ngx_http_pgticket_pq_setup(ngx_http_pgticket_pq_t *pq);
static ngx_uint_t ngx_http_pgticket_pq_next_step(ngx_http_pgticket_pq_t *pq);
static ngx_int_t ngx_http_pgticket_pq_setup_result(ngx_http_pgticket_pq_t *pq,
    PGresult *res);
static ngx_int_t ngx_http_pgticket_pq_execute(ngx_http_pgticket_pq_t *pq);
static ngx_int_t ngx_http_pgticket_pq_complete(ngx_http_pgticket_pq_t *pq);
static void ngx_http_pgticket_pq_read(ngx_http_pgticket_pq_t *pq);
static ngx_int_t ngx_http_pgticket_pq_read_pipeline(
    ngx_http_pgticket_pq_t *pq);
static void ngx_http_pgticket_pq_keep(ngx_http_pgticket_pq_t *pq,
    PGresult *res);
static void ngx_http_pgticket_pq_timeout(ngx_event_t *ev);
static void ngx_http_pgticket_pq_fail(ngx_http_pgticket_pq_t *pq,
    ngx_uint_t level, char *what);
static void ngx_http_pgticket_pq_notice(void *arg, const char *message);
static void ngx_http_pgticket_pq_log(ngx_uint_t level, ngx_log_t *log,
    char *what, const char *msg);
static void ngx_http_pgticket_pq_cancel_thread(void *data, ngx_log_t *log);
static void ngx_http_pgticket_pq_cancel_done(ngx_event_t *ev);


static char  *ngx_http_pgticket_pq_phases[] = {
    "closed", "connecting", "setting up", "idle", "running a query",
    "waiting for its cancel request to be sent"
};


ngx_int_t
ngx_http_pgticket_pq_init(ngx_http_pgticket_pq_t *pq,
    ngx_http_pgticket_main_conf_t *conf, ngx_pool_t *pool, ngx_log_t *log)
{
    ngx_thread_task_t  *task;

    pq->conf = conf;
    pq->log = log;
    pq->down_level = NGX_LOG_ERR;

    pq->prepared = ngx_pcalloc(pool, 2 * conf->funcs.nelts + 1);
    if (pq->prepared == NULL) {
        return NGX_ERROR;
    }

    task = ngx_thread_task_alloc(pool, sizeof(ngx_http_pgticket_cancel_t));
    if (task == NULL) {
        return NGX_ERROR;
    }

    pq->cancel = task->ctx;
    pq->cancel->task = task;
    pq->cancel->pq = pq;
    pq->cancel->log = log;

    pq->timer.handler = ngx_http_pgticket_pq_timeout;
    pq->timer.data = pq;
    pq->timer.log = log;
    pq->timer.cancelable = 1;

    return NGX_OK;
}


/* NGX_OK: connecting; NGX_ERROR: failed at once, nothing is reported */

ngx_int_t
ngx_http_pgticket_pq_connect(ngx_http_pgticket_pq_t *pq)
{
    ngx_http_pgticket_main_conf_t  *conf;

    conf = pq->conf;

    pq->log->action = "connecting to PostgreSQL";

    /* the conninfo may hold a password: it is never logged */

    pq->conn = PQconnectStartParams(conf->keywords, conf->values, 1);

    if (pq->conn == NULL) {
        ngx_log_error(NGX_LOG_ALERT, pq->log, 0,
                      "pgticket: out of memory in PQconnectStartParams()");
        return NGX_ERROR;
    }

    pq->phase = NGX_HTTP_PGTICKET_PQ_CONNECTING;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, pq->log, 0,
                   "pgticket pq %p: connecting", pq);

    if (PQstatus(pq->conn) == CONNECTION_BAD) {
        ngx_http_pgticket_pq_log(pq->down_level, pq->log,
                                 "could not connect to PostgreSQL",
                                 PQerrorMessage(pq->conn));
        ngx_http_pgticket_pq_close(pq);
        return NGX_ERROR;
    }

    PQsetNoticeProcessor(pq->conn, ngx_http_pgticket_pq_notice, pq);

    ngx_add_timer(&pq->timer, conf->timeout);

    /* as if PQconnectPoll() had returned PGRES_POLLING_WRITING */

    if (ngx_http_pgticket_pq_watch(pq, 1) != NGX_OK) {
        ngx_http_pgticket_pq_close(pq);
        return NGX_ERROR;
    }

    return NGX_OK;
}


void
ngx_http_pgticket_pq_set_log(ngx_http_pgticket_pq_t *pq, ngx_log_t *log)
{
    pq->log = log;

    if (pq->c) {
        pq->c->log = log;
        pq->c->read->log = log;
        pq->c->write->log = log;
    }
}


void
ngx_http_pgticket_pq_close(ngx_http_pgticket_pq_t *pq)
{
    if (pq->phase != NGX_HTTP_PGTICKET_PQ_CLOSED) {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, pq->log, 0,
                       "pgticket pq %p: closed while %s", pq,
                       ngx_http_pgticket_pq_phases[pq->phase]);
    }

    if (pq->timer.timer_set) {
        ngx_del_timer(&pq->timer);
    }

    if (pq->result) {
        PQclear(pq->result);
        pq->result = NULL;
    }

    if (pq->c) {
        if (pq->c->read->active) {
            ngx_del_event(pq->c->read, NGX_READ_EVENT, NGX_CLOSE_EVENT);
        }

        if (pq->c->write->active) {
            ngx_del_event(pq->c->write, NGX_WRITE_EVENT, NGX_CLOSE_EVENT);
        }

        ngx_http_pgticket_pq_release(pq);
    }

    if (pq->conn) {
        PQfinish(pq->conn);
        pq->conn = NULL;
    }

    pq->phase = NGX_HTTP_PGTICKET_PQ_CLOSED;
    pq->param = NULL;
    pq->inflight = 0;
    pq->log->action = NULL;
}


/* at worker exit, once nginx's thread pool has finished its tasks */

void
ngx_http_pgticket_pq_done(ngx_http_pgticket_pq_t *pq)
{
    ngx_http_pgticket_pq_close(pq);

    if (pq->cancel && pq->cancel->cancel) {
        PQfreeCancel(pq->cancel->cancel);
        pq->cancel->cancel = NULL;
    }
}


/* frees the nginx connection that wraps the socket, not the socket */

static void
ngx_http_pgticket_pq_release(ngx_http_pgticket_pq_t *pq)
{
    ngx_connection_t  *c;

    c = pq->c;

    if (c->read->posted) {
        ngx_delete_posted_event(c->read);
    }

    if (c->write->posted) {
        ngx_delete_posted_event(c->write);
    }

    c->read->active = 0;
    c->write->active = 0;

    ngx_free_connection(c);
    c->fd = (ngx_socket_t) -1;

    pq->c = NULL;
}


static ngx_int_t
ngx_http_pgticket_pq_watch(ngx_http_pgticket_pq_t *pq, ngx_uint_t write)
{
    ngx_socket_t       fd;
    ngx_event_t       *ev;
    ngx_connection_t  *c;

    /* the socket may have changed during PQconnectPoll() */

    fd = PQsocket(pq->conn);

    if (fd == (ngx_socket_t) -1) {
        ngx_http_pgticket_pq_log(NGX_LOG_ERR, pq->log,
                                 "PostgreSQL connection has no socket",
                                 PQerrorMessage(pq->conn));
        return NGX_ERROR;
    }

    c = pq->c;

    if (c && c->fd != fd) {
        ngx_http_pgticket_pq_release(pq);
        c = NULL;
    }

    if (c == NULL) {
        c = ngx_get_connection(fd, pq->log);
        if (c == NULL) {
            return NGX_ERROR;
        }

        c->data = pq;
        c->read->log = pq->log;
        c->write->log = pq->log;
        c->read->handler = ngx_http_pgticket_pq_handler;
        c->write->handler = ngx_http_pgticket_pq_handler;

        pq->c = c;
    }

    ev = write ? c->write : c->read;

    if (ev->active) {
        return NGX_OK;
    }

    return ngx_add_event(ev, write ? NGX_WRITE_EVENT : NGX_READ_EVENT,
                         NGX_LEVEL_EVENT);
}


static void
ngx_http_pgticket_pq_unwatch(ngx_http_pgticket_pq_t *pq)
{
    ngx_connection_t  *c;

    c = pq->c;

    if (c == NULL) {
        return;
    }

    if (c->write->active) {
        ngx_del_event(c->write, NGX_WRITE_EVENT, 0);
    }

    if (c->read->active) {
        ngx_del_event(c->read, NGX_READ_EVENT, 0);
    }
}


static void
ngx_http_pgticket_pq_handler(ngx_event_t *ev)
{
    ngx_connection_t        *c;
    ngx_http_pgticket_pq_t  *pq;

    c = ev->data;
    pq = c->data;

    if (pq->phase == NGX_HTTP_PGTICKET_PQ_CONNECTING) {
        ngx_http_pgticket_pq_poll(pq);
        return;
    }

    if (ev->write) {
        if (ngx_http_pgticket_pq_flush(pq) != NGX_OK) {
            ngx_http_pgticket_pq_fail(pq, NGX_LOG_ERR,
                                      "could not send data to PostgreSQL");
        }

        return;
    }

    ngx_http_pgticket_pq_read(pq);
}


static void
ngx_http_pgticket_pq_poll(ngx_http_pgticket_pq_t *pq)
{
    ngx_http_pgticket_pq_unwatch(pq);

    switch (PQconnectPoll(pq->conn)) {

    case PGRES_POLLING_READING:
        if (ngx_http_pgticket_pq_watch(pq, 0) != NGX_OK) {
            break;
        }

        return;

    case PGRES_POLLING_WRITING:
        if (ngx_http_pgticket_pq_watch(pq, 1) != NGX_OK) {
            break;
        }

        return;

    case PGRES_POLLING_OK:
        if (ngx_http_pgticket_pq_connected(pq) != NGX_OK) {
            break;
        }

        return;

    default:
        ngx_http_pgticket_pq_fail(pq, pq->down_level,
                                  "could not connect to PostgreSQL");
        return;
    }

    ngx_http_pgticket_pq_fail(pq, pq->down_level,
                              "could not set up PostgreSQL connection");
}


/*
 * Connected: the connection must speak UTF-8 (client_encoding=UTF8 is
 * asked for in the startup packet, which wins over role and database
 * settings) to a database that stores UTF-8: any other server encoding
 * would store the requests' text mangled or refuse it.
 */

static ngx_int_t
ngx_http_pgticket_pq_connected(ngx_http_pgticket_pq_t *pq)
{
    const char  *server, *client;

    server = PQparameterStatus(pq->conn, "server_encoding");
    client = PQparameterStatus(pq->conn, "client_encoding");

    if (server == NULL || ngx_strcmp(server, "UTF8") != 0) {
        ngx_log_error(pq->down_level, pq->log, 0,
                      "pgticket: the database's encoding is \"%s\", "
                      "pgticket needs a UTF8 database: connection refused",
                      server ? server : "unknown");
        return NGX_ERROR;
    }

    if (client == NULL || ngx_strcmp(client, "UTF8") != 0) {
        ngx_log_error(pq->down_level, pq->log, 0,
                      "pgticket: the connection's client_encoding is "
                      "\"%s\", not UTF8: connection refused",
                      client ? client : "unknown");
        return NGX_ERROR;
    }

    if (PQsetnonblocking(pq->conn, 1) != 0
        || ngx_http_pgticket_pq_watch(pq, 0) != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_memzero(pq->prepared, 2 * pq->conf->funcs.nelts);

    pq->phase = NGX_HTTP_PGTICKET_PQ_SETUP;
    pq->step = 0;
    pq->log->action = "setting up PostgreSQL connection";

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, pq->log, 0,
                   "pgticket pq %p: connected, setting up", pq);

    return ngx_http_pgticket_pq_setup(pq);
}


/*
 * Setup steps: 0 sets lock_timeout to three quarters of the request
 * timeout, so that a statement waiting for a lock fails (55P03) before the
 * request's deadline, and statement_timeout to one and a half times it: a
 * statement is cancelled by nginx at the deadline, the server's own limit
 * only matters when nginx cannot (its worker died); 1..2n prepare the
 * statements of the route functions (the HEAD statement only for a
 * function that a HEAD route calls).  A function that cannot be prepared
 * (it may not exist yet) is logged and later called unprepared.
 */

static ngx_int_t
ngx_http_pgticket_pq_setup(ngx_http_pgticket_pq_t *pq)
{
    int                             ok;
    u_char                          sql[96], *p;
    ngx_uint_t                      n;
    ngx_http_pgticket_func_t       *func;
    ngx_http_pgticket_main_conf_t  *conf;

    conf = pq->conf;

    if (pq->step == 0) {
        p = ngx_snprintf(sql, sizeof(sql) - 1,
                         "SET statement_timeout = %M; SET lock_timeout = %M",
                         conf->timeout + conf->timeout / 2,
                         conf->timeout - conf->timeout / 4);
        *p = '\0';

        ok = PQsendQuery(pq->conn, (const char *) sql);

    } else {
        n = pq->step - 1;
        func = conf->funcs.elts;
        func = &func[n / 2];

        if (n % 2) {
            ok = PQsendPrepare(pq->conn, (const char *) func->head_name.data,
                               (const char *) func->head_sql.data, 1, NULL);

        } else {
            ok = PQsendPrepare(pq->conn, (const char *) func->name.data,
                               (const char *) func->sql.data, 1, NULL);
        }
    }

    if (!ok) {
        ngx_http_pgticket_pq_log(NGX_LOG_ERR, pq->log,
                                 "could not send setup query",
                                 PQerrorMessage(pq->conn));
        return NGX_ERROR;
    }

    return ngx_http_pgticket_pq_flush(pq);
}


/* the next setup step, skipping HEAD statements no route needs */

static ngx_uint_t
ngx_http_pgticket_pq_next_step(ngx_http_pgticket_pq_t *pq)
{
    ngx_uint_t                 n;
    ngx_http_pgticket_func_t  *func;

    func = pq->conf->funcs.elts;

    for (pq->step++; pq->step <= 2 * pq->conf->funcs.nelts; pq->step++) {
        n = pq->step - 1;

        if (n % 2 == 0 || func[n / 2].head_name.len) {
            return 1;
        }
    }

    return 0;
}


static ngx_int_t
ngx_http_pgticket_pq_setup_result(ngx_http_pgticket_pq_t *pq, PGresult *res)
{
    ngx_uint_t                 n;
    ngx_http_pgticket_func_t  *func;

    if (PQresultStatus(res) == PGRES_COMMAND_OK) {
        if (pq->step > 0) {
            pq->prepared[pq->step - 1] = 1;
        }

        return NGX_OK;
    }

    if (pq->step == 0) {
        ngx_http_pgticket_pq_log(NGX_LOG_ERR, pq->log,
                                 "setting the timeouts failed",
                                 PQresultErrorField(res,
                                                    PG_DIAG_MESSAGE_PRIMARY));
        return NGX_ERROR;
    }

    n = pq->step - 1;
    func = pq->conf->funcs.elts;
    func = &func[n / 2];

    ngx_log_error(NGX_LOG_ERR, pq->log, 0,
                  "pgticket: could not prepare \"%V\": %s",
                  n % 2 ? &func->head_name : &func->name,
                  PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
                  ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : "");

    return NGX_OK;
}


/* NGX_OK: sent; NGX_ERROR: the connection is closed, nothing is reported */

ngx_int_t
ngx_http_pgticket_pq_send(ngx_http_pgticket_pq_t *pq, ngx_uint_t stmt,
    const char *param)
{
    pq->stmt = stmt;
    pq->param = param;

    if (ngx_http_pgticket_pq_execute(pq) != NGX_OK) {
        ngx_http_pgticket_pq_close(pq);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* whether a query may be sent now (in a pipeline, see pq_room) */

ngx_uint_t
ngx_http_pgticket_pq_idle(ngx_http_pgticket_pq_t *pq)
{
    return pq->phase == NGX_HTTP_PGTICKET_PQ_IDLE;
}


/* whether one more query may be sent behind those running (pipeline) */

ngx_uint_t
ngx_http_pgticket_pq_room(ngx_http_pgticket_pq_t *pq)
{
    return pq->phase == NGX_HTTP_PGTICKET_PQ_QUERY
           && pq->inflight < pq->conf->pipeline
           && PQpipelineStatus(pq->conn) == PQ_PIPELINE_ON;
}


static ngx_int_t
ngx_http_pgticket_pq_execute(ngx_http_pgticket_pq_t *pq)
{
    int                        ok;
    ngx_str_t                 *name, *sql;
    ngx_http_pgticket_func_t  *func;

    func = pq->conf->funcs.elts;
    func = &func[pq->stmt / 2];

    name = (pq->stmt % 2) ? &func->head_name : &func->name;
    sql = (pq->stmt % 2) ? &func->head_sql : &func->sql;

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, pq->log, 0,
                   "pgticket pq %p: running \"%V\"%s", pq, name,
                   pq->prepared[pq->stmt] ? "" : " unprepared");

    pq->log->action = "sending query to PostgreSQL";
    pq->phase = NGX_HTTP_PGTICKET_PQ_QUERY;

    if (pq->prepared[pq->stmt]) {
        ok = PQsendQueryPrepared(pq->conn, (const char *) name->data,
                                 1, &pq->param, NULL, NULL, 0);

    } else {
        ok = PQsendQueryParams(pq->conn, (const char *) sql->data,
                               1, NULL, &pq->param, NULL, NULL, 0);
    }

    /* in a pipeline, each query is a transaction of its own: its Sync */

    if (ok && pq->conf->pipeline > 1) {
        ok = PQpipelineSync(pq->conn);
    }

    if (!ok) {
        ngx_http_pgticket_pq_log(NGX_LOG_ERR, pq->log, "could not send query",
                                 PQerrorMessage(pq->conn));
        return NGX_ERROR;
    }

    pq->inflight++;

    if (ngx_http_pgticket_pq_flush(pq) != NGX_OK) {
        return NGX_ERROR;
    }

    pq->log->action = "reading result from PostgreSQL";

    return NGX_OK;
}


/* PQflush() until it returns 0, waiting for writability in between */

static ngx_int_t
ngx_http_pgticket_pq_flush(ngx_http_pgticket_pq_t *pq)
{
    int  rc;

    rc = PQflush(pq->conn);

    if (rc == -1) {
        ngx_http_pgticket_pq_log(NGX_LOG_ERR, pq->log,
                                 "could not send data to PostgreSQL",
                                 PQerrorMessage(pq->conn));
        return NGX_ERROR;
    }

    if (rc == 1) {
        return ngx_http_pgticket_pq_watch(pq, 1);
    }

    if (pq->c->write->active) {
        if (ngx_del_event(pq->c->write, NGX_WRITE_EVENT, 0) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static void
ngx_http_pgticket_pq_read(ngx_http_pgticket_pq_t *pq)
{
    PGresult  *res;
    ngx_int_t  rc;

    if (!PQconsumeInput(pq->conn)) {
        if (pq->phase == NGX_HTTP_PGTICKET_PQ_IDLE
            || pq->phase == NGX_HTTP_PGTICKET_PQ_COOLING)
        {
            ngx_http_pgticket_pq_fail(pq, NGX_LOG_INFO,
                                      "idle PostgreSQL connection closed");
        } else {
            ngx_http_pgticket_pq_fail(pq, NGX_LOG_ERR,
                                      "lost PostgreSQL connection");
        }

        return;
    }

    if (pq->phase == NGX_HTTP_PGTICKET_PQ_IDLE
        || pq->phase == NGX_HTTP_PGTICKET_PQ_COOLING)
    {
        /* nothing is expected: drop anything that came */

        while (!PQisBusy(pq->conn)) {
            res = PQgetResult(pq->conn);
            if (res == NULL) {
                break;
            }

            PQclear(res);
        }

        if (PQstatus(pq->conn) == CONNECTION_BAD) {
            ngx_http_pgticket_pq_fail(pq, NGX_LOG_INFO,
                                      "idle PostgreSQL connection closed");
            return;
        }

        goto done;
    }

    if (pq->phase == NGX_HTTP_PGTICKET_PQ_QUERY
        && PQpipelineStatus(pq->conn) != PQ_PIPELINE_OFF)
    {
        if (ngx_http_pgticket_pq_read_pipeline(pq) != NGX_OK) {
            return;
        }

        goto done;
    }

    while (!PQisBusy(pq->conn)) {
        res = PQgetResult(pq->conn);

        if (res != NULL) {
            if (pq->phase == NGX_HTTP_PGTICKET_PQ_SETUP) {
                rc = ngx_http_pgticket_pq_setup_result(pq, res);
                PQclear(res);

                if (rc != NGX_OK) {
                    ngx_http_pgticket_pq_fail(pq, NGX_LOG_ERR,
                                    "could not set up PostgreSQL connection");
                    return;
                }

            } else {
                ngx_http_pgticket_pq_keep(pq, res);
            }

            continue;
        }

        /* NULL: the command is complete */

        if (PQstatus(pq->conn) == CONNECTION_BAD) {
            ngx_http_pgticket_pq_fail(pq, NGX_LOG_ERR,
                                      "lost PostgreSQL connection");
            return;
        }

        rc = ngx_http_pgticket_pq_complete(pq);

        if (rc == NGX_AGAIN) {
            continue;
        }

        if (rc == NGX_ERROR) {
            ngx_http_pgticket_pq_fail(pq, NGX_LOG_ERR,
                                      "lost PostgreSQL connection");
        }

        /* NGX_DONE: reported, the handler may have reused or closed pq */

        return;
    }

done:

    if (ngx_handle_read_event(pq->c->read, 0) != NGX_OK) {
        ngx_http_pgticket_pq_fail(pq, NGX_LOG_ERR,
                                  "could not watch PostgreSQL connection");
    }
}


/*
 * Results in pipeline mode: each query's results, a NULL, then the
 * PGRES_PIPELINE_SYNC of its own Sync, after which its transaction has
 * ended (committed, or rolled back by an error): only then is the query
 * reported.  NGX_OK: read what there was; NGX_DONE: the connection was
 * closed or replaced (by the owner, or failing), nothing of it may be
 * touched.
 */

static ngx_int_t
ngx_http_pgticket_pq_read_pipeline(ngx_http_pgticket_pq_t *pq)
{
    PGconn      *conn;
    PGresult    *res;
    ngx_int_t    rc;
    ngx_uint_t   ended;

    ended = 0;
    conn = pq->conn;

    while (pq->inflight && !PQisBusy(conn)) {
        res = PQgetResult(conn);

        if (res == NULL) {
            if (PQstatus(conn) == CONNECTION_BAD) {
                ngx_http_pgticket_pq_fail(pq, NGX_LOG_ERR,
                                          "lost PostgreSQL connection");
                return NGX_DONE;
            }

            if (ended) {
                /* not two ends in a row: wait for the Sync */
                break;
            }

            ended = 1;
            continue;
        }

        ended = 0;

        if (PQresultStatus(res) != PGRES_PIPELINE_SYNC) {
            ngx_http_pgticket_pq_keep(pq, res);
            continue;
        }

        PQclear(res);

        rc = ngx_http_pgticket_pq_complete(pq);

        if (rc == NGX_ERROR) {
            ngx_http_pgticket_pq_fail(pq, NGX_LOG_ERR,
                                      "lost PostgreSQL connection");
            return NGX_DONE;
        }

        /* the owner may have closed the connection, or opened another */

        if (pq->conn != conn
            || (pq->phase != NGX_HTTP_PGTICKET_PQ_QUERY
                && pq->phase != NGX_HTTP_PGTICKET_PQ_IDLE
                && pq->phase != NGX_HTTP_PGTICKET_PQ_COOLING))
        {
            return NGX_DONE;
        }
    }

    return NGX_OK;
}


/*
 * The result a query reports: its first, unless an error came after it
 * (the commit of its transaction failed), which is then what happened.
 */

static void
ngx_http_pgticket_pq_keep(ngx_http_pgticket_pq_t *pq, PGresult *res)
{
    if (pq->result == NULL) {
        pq->result = res;
        return;
    }

    if (PQresultStatus(res) == PGRES_FATAL_ERROR
        && PQresultStatus(pq->result) != PGRES_FATAL_ERROR)
    {
        PQclear(pq->result);
        pq->result = res;
        return;
    }

    PQclear(res);
}


/*
 * A command ended.  NGX_AGAIN: the next one is sent; NGX_DONE: the owner
 * was told (nothing of pq may be touched after); NGX_ERROR: failed.
 */

static ngx_int_t
ngx_http_pgticket_pq_complete(ngx_http_pgticket_pq_t *pq)
{
    PGresult  *res;

    if (pq->phase == NGX_HTTP_PGTICKET_PQ_SETUP) {
        if (ngx_http_pgticket_pq_next_step(pq)) {
            return ngx_http_pgticket_pq_setup(pq) == NGX_OK ? NGX_AGAIN
                                                             : NGX_ERROR;
        }

        ngx_del_timer(&pq->timer);

        if (pq->conf->pipeline > 1 && !PQenterPipelineMode(pq->conn)) {
            ngx_http_pgticket_pq_log(NGX_LOG_ERR, pq->log,
                                     "could not enter pipeline mode",
                                     PQerrorMessage(pq->conn));
            return NGX_ERROR;
        }

        pq->phase = NGX_HTTP_PGTICKET_PQ_IDLE;
        pq->log->action = "keeping idle PostgreSQL connection";

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, pq->log, 0,
                       "pgticket pq %p: ready", pq);

        pq->handler(pq, NGX_HTTP_PGTICKET_PQ_READY, NULL);
        return NGX_DONE;
    }

    /* NGX_HTTP_PGTICKET_PQ_QUERY */

    res = pq->result;
    pq->result = NULL;

    if (res == NULL) {
        ngx_log_error(NGX_LOG_ERR, pq->log, 0,
                      "pgticket: no result from PostgreSQL");
        return NGX_ERROR;
    }

    if (pq->inflight) {
        pq->inflight--;
    }

    if (pq->inflight == 0) {
        pq->phase = pq->cancel->busy ? NGX_HTTP_PGTICKET_PQ_COOLING
                                     : NGX_HTTP_PGTICKET_PQ_IDLE;
        pq->param = NULL;
        pq->log->action = "keeping idle PostgreSQL connection";
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, pq->log, 0,
                   "pgticket pq %p: query ended: %s", pq,
                   PQresStatus(PQresultStatus(res)));

    pq->handler(pq, NGX_HTTP_PGTICKET_PQ_RESULT, res);

    return NGX_DONE;
}


static void
ngx_http_pgticket_pq_timeout(ngx_event_t *ev)
{
    ngx_http_pgticket_pq_t  *pq;

    pq = ev->data;

    ngx_http_pgticket_pq_fail(pq, pq->down_level,
                              "PostgreSQL connection timed out");
}


/* logs, closes, and tells the owner: DOWN while connecting, else LOST */

static void
ngx_http_pgticket_pq_fail(ngx_http_pgticket_pq_t *pq, ngx_uint_t level,
    char *what)
{
    ngx_uint_t  event;

    event = (pq->phase == NGX_HTTP_PGTICKET_PQ_CONNECTING
             || pq->phase == NGX_HTTP_PGTICKET_PQ_SETUP)
            ? NGX_HTTP_PGTICKET_PQ_DOWN : NGX_HTTP_PGTICKET_PQ_LOST;

    ngx_http_pgticket_pq_log(level, pq->log, what,
                             pq->conn ? PQerrorMessage(pq->conn) : NULL);

    ngx_http_pgticket_pq_close(pq);

    pq->handler(pq, event, NULL);
}


static void
ngx_http_pgticket_pq_notice(void *arg, const char *message)
{
    ngx_http_pgticket_pq_t *pq = arg;

    ngx_http_pgticket_pq_log(NGX_LOG_NOTICE, pq->log, "PostgreSQL", message);
}


/* a libpq message, which may be NULL, on one line of the error log */

static void
ngx_http_pgticket_pq_log(ngx_uint_t level, ngx_log_t *log, char *what,
    const char *msg)
{
    u_char  text[NGX_HTTP_PGTICKET_PQ_MSG_LEN], *p, *last;

    if (log->log_level < level) {
        return;
    }

    p = text;
    last = text + sizeof(text);

    for ( /* void */ ; msg && *msg && p < last; msg++) {
        *p++ = (*msg == '\n' || *msg == '\r' || *msg == '\t') ? ' ' : *msg;
    }

    while (p > text && p[-1] == ' ') {
        p--;
    }

    ngx_log_error(level, log, 0, "pgticket: %s%s%*s", what,
                  p > text ? ": " : "", p - text, text);
}


/*
 * Cancel requests.  PQcancel() opens a connection of its own to the
 * server and waits for it to close: it blocks, so it runs on nginx's
 * thread pool, on a PGcancel taken from the connection beforehand.  The
 * task belongs to the pq for good, so its end is safe to handle whatever
 * became of the connection meanwhile.
 */

ngx_int_t
ngx_http_pgticket_pq_cancel(ngx_http_pgticket_pq_t *pq)
{
    ngx_thread_task_t           *task;
    ngx_http_pgticket_cancel_t  *cn;

    cn = pq->cancel;

    if (cn->busy) {
        return NGX_BUSY;
    }

    if (pq->conn == NULL || pq->conf->thread_pool == NULL) {
        return NGX_ERROR;
    }

    cn->cancel = PQgetCancel(pq->conn);
    if (cn->cancel == NULL) {
        return NGX_ERROR;
    }

    cn->ok = 0;
    cn->err[0] = '\0';

    task = cn->task;
    task->handler = ngx_http_pgticket_pq_cancel_thread;
    task->event.handler = ngx_http_pgticket_pq_cancel_done;
    task->event.data = cn;
    task->event.log = cn->log;

    if (ngx_thread_task_post(pq->conf->thread_pool, task) != NGX_OK) {
        PQfreeCancel(cn->cancel);
        cn->cancel = NULL;
        return NGX_ERROR;
    }

    cn->busy = 1;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, pq->log, 0,
                   "pgticket pq %p: cancel request posted", pq);

    return NGX_OK;
}


static void
ngx_http_pgticket_pq_cancel_thread(void *data, ngx_log_t *log)
{
    ngx_http_pgticket_cancel_t *cn = data;

    cn->ok = PQcancel(cn->cancel, cn->err, sizeof(cn->err));
}


static void
ngx_http_pgticket_pq_cancel_done(ngx_event_t *ev)
{
    ngx_http_pgticket_cancel_t *cn = ev->data;

    ngx_http_pgticket_pq_t  *pq;

    if (!cn->ok) {
        ngx_http_pgticket_pq_log(NGX_LOG_WARN, cn->log,
                                 "could not send a cancel request", cn->err);
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, cn->log, 0,
                   "pgticket cancel request sent: %d", cn->ok);

    PQfreeCancel(cn->cancel);
    cn->cancel = NULL;
    cn->busy = 0;

    pq = cn->pq;

    if (pq->phase == NGX_HTTP_PGTICKET_PQ_COOLING) {
        pq->phase = NGX_HTTP_PGTICKET_PQ_IDLE;
        pq->handler(pq, NGX_HTTP_PGTICKET_PQ_READY, NULL);
    }
}
