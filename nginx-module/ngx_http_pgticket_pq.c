
/*
 * Copyright (C) pgticket authors
 *
 * libpq on nginx events.  Only the asynchronous API is used: a connection
 * is started with PQconnectStartParams() and driven by PQconnectPoll(),
 * set up (statement_timeout, one prepared statement per route function),
 * then each query is one PQsendQueryPrepared(), flushed with PQflush()
 * and read with PQconsumeInput() / PQisBusy() / PQgetResult().
 *
 * The socket is watched with level-triggered events: libpq decides how
 * much it reads, so an edge could be lost with edge-triggered ones.  While
 * connecting, the one event libpq waits for is registered before a poll
 * and removed after it, because PQconnectPoll() may close the socket and
 * open another one (possibly with the same number).
 */


#include "ngx_http_pgticket_module.h"


static void ngx_http_pgticket_pq_handler(ngx_event_t *ev);
static void ngx_http_pgticket_pq_poll(ngx_http_pgticket_slot_t *slot);
static ngx_int_t ngx_http_pgticket_pq_watch(ngx_http_pgticket_slot_t *slot,
    ngx_uint_t write);
static void ngx_http_pgticket_pq_unwatch(ngx_http_pgticket_slot_t *slot);
static void ngx_http_pgticket_pq_release(ngx_http_pgticket_slot_t *slot);
static ngx_int_t ngx_http_pgticket_pq_flush(ngx_http_pgticket_slot_t *slot);
static ngx_int_t ngx_http_pgticket_pq_setup(ngx_http_pgticket_slot_t *slot);
static ngx_int_t ngx_http_pgticket_pq_setup_result(
    ngx_http_pgticket_slot_t *slot, PGresult *res);
static void ngx_http_pgticket_pq_read(ngx_http_pgticket_slot_t *slot);
static void ngx_http_pgticket_pq_timeout(ngx_event_t *ev);
static void ngx_http_pgticket_pq_notice(void *arg, const char *message);
static void ngx_http_pgticket_pq_error(ngx_http_pgticket_slot_t *slot,
    char *what);


ngx_int_t
ngx_http_pgticket_pq_connect(ngx_http_pgticket_slot_t *slot)
{
    PGconn                         *conn;
    ngx_http_pgticket_main_conf_t  *pmcf;

    static const char  *keywords[] = {
        "dbname", "fallback_application_name", NULL
    };

    const char  *values[3];

    pmcf = slot->pool->pmcf;

    values[0] = (const char *) pmcf->conninfo.data;
    values[1] = "pgticket-nginx";
    values[2] = NULL;

    slot->log.action = "connecting to PostgreSQL";
    slot->state = NGX_HTTP_PGTICKET_CONNECTING;

    /* the conninfo may hold a password: it is never logged */

    conn = PQconnectStartParams(keywords, values, 1);

    if (conn == NULL) {
        ngx_log_error(NGX_LOG_ERR, &slot->log, 0,
                      "pgticket: out of memory in PQconnectStartParams()");
        goto failed;
    }

    slot->conn = conn;

    if (PQstatus(conn) == CONNECTION_BAD) {
        ngx_http_pgticket_pq_error(slot, "could not connect to PostgreSQL");
        goto failed;
    }

    PQsetNoticeProcessor(conn, ngx_http_pgticket_pq_notice, slot);

    slot->timer.handler = ngx_http_pgticket_pq_timeout;
    slot->timer.data = slot;
    slot->timer.log = &slot->log;
    slot->timer.cancelable = 1;

    ngx_add_timer(&slot->timer, pmcf->timeout);

    /* as if PQconnectPoll() had returned PGRES_POLLING_WRITING */

    if (ngx_http_pgticket_pq_watch(slot, 1) != NGX_OK) {
        goto failed;
    }

    return NGX_OK;

failed:

    ngx_http_pgticket_pq_close(slot);

    slot->pool->down = 1;

    return NGX_ERROR;
}


void
ngx_http_pgticket_pq_close(ngx_http_pgticket_slot_t *slot)
{
    ngx_http_pgticket_pool_t  *pool;

    pool = slot->pool;

    if (slot->timer.timer_set) {
        ngx_del_timer(&slot->timer);
    }

    if (slot->result) {
        PQclear(slot->result);
        slot->result = NULL;
    }

    if (slot->c) {
        if (slot->c->read->active) {
            ngx_del_event(slot->c->read, NGX_READ_EVENT, NGX_CLOSE_EVENT);
        }

        if (slot->c->write->active) {
            ngx_del_event(slot->c->write, NGX_WRITE_EVENT, NGX_CLOSE_EVENT);
        }

        ngx_http_pgticket_pq_release(slot);
    }

    if (slot->conn) {
        PQfinish(slot->conn);
        slot->conn = NULL;
    }

    if (slot->state == NGX_HTTP_PGTICKET_IDLE) {
        ngx_queue_remove(&slot->queue);
    }

    if (slot->state != NGX_HTTP_PGTICKET_FREE) {
        slot->state = NGX_HTTP_PGTICKET_FREE;
        ngx_queue_insert_tail(&pool->free, &slot->queue);
        pool->nfree++;
    }

    slot->log.action = NULL;
}


/* frees the nginx connection that wraps the socket, not the socket */

static void
ngx_http_pgticket_pq_release(ngx_http_pgticket_slot_t *slot)
{
    ngx_connection_t  *c;

    c = slot->c;

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

    slot->c = NULL;
}


static ngx_int_t
ngx_http_pgticket_pq_watch(ngx_http_pgticket_slot_t *slot, ngx_uint_t write)
{
    ngx_socket_t       fd;
    ngx_event_t       *ev;
    ngx_connection_t  *c;

    /* the socket may have changed during PQconnectPoll() */

    fd = PQsocket(slot->conn);

    if (fd == (ngx_socket_t) -1) {
        ngx_http_pgticket_pq_error(slot, "PostgreSQL connection has no "
                                   "socket");
        return NGX_ERROR;
    }

    c = slot->c;

    if (c && c->fd != fd) {
        ngx_http_pgticket_pq_release(slot);
        c = NULL;
    }

    if (c == NULL) {
        c = ngx_get_connection(fd, &slot->log);
        if (c == NULL) {
            return NGX_ERROR;
        }

        c->data = slot;
        c->log = &slot->log;
        c->read->log = &slot->log;
        c->write->log = &slot->log;
        c->read->handler = ngx_http_pgticket_pq_handler;
        c->write->handler = ngx_http_pgticket_pq_handler;

        slot->c = c;
    }

    ev = write ? c->write : c->read;

    if (ev->active) {
        return NGX_OK;
    }

    if (ngx_add_event(ev, write ? NGX_WRITE_EVENT : NGX_READ_EVENT,
                      NGX_LEVEL_EVENT)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_http_pgticket_pq_unwatch(ngx_http_pgticket_slot_t *slot)
{
    ngx_connection_t  *c;

    c = slot->c;

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
    ngx_connection_t          *c;
    ngx_http_pgticket_slot_t  *slot;

    c = ev->data;
    slot = c->data;

    if (slot->state == NGX_HTTP_PGTICKET_CONNECTING) {
        ngx_http_pgticket_pq_poll(slot);
        return;
    }

    if (ev->write) {
        if (ngx_http_pgticket_pq_flush(slot) != NGX_OK) {
            ngx_http_pgticket_pool_lost(slot,
                              slot->state == NGX_HTTP_PGTICKET_SETUP);
        }

        return;
    }

    ngx_http_pgticket_pq_read(slot);
}


static void
ngx_http_pgticket_pq_poll(ngx_http_pgticket_slot_t *slot)
{
    ngx_http_pgticket_main_conf_t  *pmcf;

    pmcf = slot->pool->pmcf;

    ngx_http_pgticket_pq_unwatch(slot);

    switch (PQconnectPoll(slot->conn)) {

    case PGRES_POLLING_READING:
        if (ngx_http_pgticket_pq_watch(slot, 0) != NGX_OK) {
            break;
        }

        return;

    case PGRES_POLLING_WRITING:
        if (ngx_http_pgticket_pq_watch(slot, 1) != NGX_OK) {
            break;
        }

        return;

    case PGRES_POLLING_OK:
        if (PQsetnonblocking(slot->conn, 1) != 0
            || ngx_http_pgticket_pq_watch(slot, 0) != NGX_OK)
        {
            ngx_http_pgticket_pq_error(slot, "could not set up PostgreSQL "
                                       "connection");
            break;
        }

        ngx_memzero(slot->prepared, pmcf->funcs.nelts);

        slot->state = NGX_HTTP_PGTICKET_SETUP;
        slot->step = 0;
        slot->log.action = "setting up PostgreSQL connection";

        if (ngx_http_pgticket_pq_setup(slot) != NGX_OK) {
            break;
        }

        return;

    default:
        ngx_http_pgticket_pq_error(slot, "could not connect to PostgreSQL");
        break;
    }

    ngx_http_pgticket_pool_lost(slot, 1);
}


/*
 * Setup steps: 0 sets statement_timeout, 1..n prepare the statement of
 * each route function, named after the function.  A function that cannot
 * be prepared (it may not exist yet) is logged and later called unprepared.
 */

static ngx_int_t
ngx_http_pgticket_pq_setup(ngx_http_pgticket_slot_t *slot)
{
    int                             ok;
    u_char                          sql[64], *p;
    ngx_http_pgticket_func_t       *func;
    ngx_http_pgticket_main_conf_t  *pmcf;

    pmcf = slot->pool->pmcf;

    if (slot->step == 0) {
        p = ngx_snprintf(sql, sizeof(sql) - 1, "SET statement_timeout = %M",
                         pmcf->timeout);
        *p = '\0';

        ok = PQsendQuery(slot->conn, (const char *) sql);

    } else {
        func = pmcf->funcs.elts;
        func = &func[slot->step - 1];

        ok = PQsendPrepare(slot->conn, (const char *) func->name.data,
                           (const char *) func->sql.data, 1, NULL);
    }

    if (!ok) {
        ngx_http_pgticket_pq_error(slot, "could not send setup query");
        return NGX_ERROR;
    }

    return ngx_http_pgticket_pq_flush(slot);
}


static ngx_int_t
ngx_http_pgticket_pq_setup_result(ngx_http_pgticket_slot_t *slot,
    PGresult *res)
{
    ngx_http_pgticket_func_t       *func;
    ngx_http_pgticket_main_conf_t  *pmcf;

    pmcf = slot->pool->pmcf;

    if (PQresultStatus(res) == PGRES_COMMAND_OK) {
        if (slot->step > 0) {
            slot->prepared[slot->step - 1] = 1;
        }

        return NGX_OK;
    }

    if (slot->step == 0) {
        ngx_log_error(NGX_LOG_ERR, &slot->log, 0,
                      "pgticket: setting statement_timeout failed: %s",
                      PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
        return NGX_ERROR;
    }

    func = pmcf->funcs.elts;
    func = &func[slot->step - 1];

    ngx_log_error(NGX_LOG_ERR, &slot->log, 0,
                  "pgticket: could not prepare \"%V\": %s",
                  &func->name,
                  PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));

    return NGX_OK;
}


ngx_int_t
ngx_http_pgticket_pq_send(ngx_http_pgticket_slot_t *slot)
{
    int                             ok;
    const char                     *values[1];
    ngx_http_pgticket_ctx_t        *ctx;
    ngx_http_pgticket_func_t       *func;
    ngx_http_pgticket_main_conf_t  *pmcf;

    pmcf = slot->pool->pmcf;
    ctx = slot->ctx;

    func = pmcf->funcs.elts;
    func = &func[ctx->route->func];

    values[0] = (const char *) ctx->doc.data;

    slot->log.action = "sending query to PostgreSQL";

    if (slot->prepared[ctx->route->func]) {
        ok = PQsendQueryPrepared(slot->conn, (const char *) func->name.data,
                                 1, values, NULL, NULL, 0);

    } else {
        ok = PQsendQueryParams(slot->conn, (const char *) func->sql.data,
                               1, NULL, values, NULL, NULL, 0);
    }

    if (!ok) {
        ngx_http_pgticket_pq_error(slot, "could not send query");
        return NGX_ERROR;
    }

    if (ngx_http_pgticket_pq_flush(slot) != NGX_OK) {
        return NGX_ERROR;
    }

    slot->log.action = "reading result from PostgreSQL";

    return NGX_OK;
}


/* PQflush() until it returns 0, waiting for writability in between */

static ngx_int_t
ngx_http_pgticket_pq_flush(ngx_http_pgticket_slot_t *slot)
{
    int  rc;

    rc = PQflush(slot->conn);

    if (rc == -1) {
        ngx_http_pgticket_pq_error(slot, "could not send data to "
                                   "PostgreSQL");
        return NGX_ERROR;
    }

    if (rc == 1) {
        return ngx_http_pgticket_pq_watch(slot, 1);
    }

    if (slot->c->write->active) {
        if (ngx_del_event(slot->c->write, NGX_WRITE_EVENT, 0) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static void
ngx_http_pgticket_pq_read(ngx_http_pgticket_slot_t *slot)
{
    PGresult                       *res;
    ngx_uint_t                      setup;
    ngx_http_pgticket_main_conf_t  *pmcf;

    pmcf = slot->pool->pmcf;
    setup = (slot->state == NGX_HTTP_PGTICKET_SETUP);

    if (!PQconsumeInput(slot->conn)) {
        if (slot->state == NGX_HTTP_PGTICKET_IDLE) {
            ngx_log_error(NGX_LOG_INFO, &slot->log, 0,
                          "pgticket: idle PostgreSQL connection closed: %s",
                          PQerrorMessage(slot->conn));
        } else {
            ngx_http_pgticket_pq_error(slot, "lost PostgreSQL connection");
        }

        ngx_http_pgticket_pool_lost(slot, setup);
        return;
    }

    if (slot->state == NGX_HTTP_PGTICKET_IDLE) {

        /* nothing is expected: drop anything that came */

        while (!PQisBusy(slot->conn)) {
            res = PQgetResult(slot->conn);
            if (res == NULL) {
                break;
            }

            PQclear(res);
        }

        if (PQstatus(slot->conn) == CONNECTION_BAD) {
            ngx_http_pgticket_pool_lost(slot, 0);
            return;
        }

        goto done;
    }

    while (!PQisBusy(slot->conn)) {
        res = PQgetResult(slot->conn);

        if (res != NULL) {
            if (setup) {
                if (ngx_http_pgticket_pq_setup_result(slot, res) != NGX_OK) {
                    PQclear(res);
                    ngx_http_pgticket_pool_lost(slot, 1);
                    return;
                }

                PQclear(res);

            } else if (slot->result == NULL) {
                slot->result = res;

            } else {
                PQclear(res);
            }

            continue;
        }

        /* NULL: the command is complete */

        if (PQstatus(slot->conn) == CONNECTION_BAD) {
            ngx_http_pgticket_pq_error(slot, "lost PostgreSQL connection");
            ngx_http_pgticket_pool_lost(slot, setup);
            return;
        }

        if (setup) {
            if (slot->step++ < pmcf->funcs.nelts) {
                if (ngx_http_pgticket_pq_setup(slot) != NGX_OK) {
                    ngx_http_pgticket_pool_lost(slot, 1);
                    return;
                }

                continue;
            }

            ngx_del_timer(&slot->timer);
            ngx_http_pgticket_pool_ready(slot);
            return;
        }

        res = slot->result;
        slot->result = NULL;

        if (res == NULL) {
            ngx_http_pgticket_pq_error(slot, "no result from PostgreSQL");
            ngx_http_pgticket_pool_lost(slot, 0);
            return;
        }

        ngx_http_pgticket_pool_finish(slot, res);
        return;
    }

done:

    if (ngx_handle_read_event(slot->c->read, 0) != NGX_OK) {
        ngx_http_pgticket_pool_lost(slot, setup);
    }
}


static void
ngx_http_pgticket_pq_timeout(ngx_event_t *ev)
{
    ngx_http_pgticket_slot_t  *slot;

    slot = ev->data;

    if (slot->state == NGX_HTTP_PGTICKET_DRAINING) {
        ngx_log_error(NGX_LOG_WARN, &slot->log, NGX_ETIMEDOUT,
                      "pgticket: the query of a closed request did not "
                      "end in time, closing its connection");

        ngx_http_pgticket_pool_lost(slot, 0);
        return;
    }

    ngx_log_error(NGX_LOG_ERR, &slot->log, NGX_ETIMEDOUT,
                  "pgticket: PostgreSQL connection timed out");

    ngx_http_pgticket_pool_lost(slot, 1);
}


static void
ngx_http_pgticket_pq_notice(void *arg, const char *message)
{
    ngx_http_pgticket_slot_t *slot = arg;

    size_t  len;

    len = ngx_strlen(message);

    while (len && (message[len - 1] == '\n' || message[len - 1] == '\r')) {
        len--;
    }

    ngx_log_error(NGX_LOG_NOTICE, &slot->log, 0,
                  "pgticket: PostgreSQL: %*s", len, message);
}


static void
ngx_http_pgticket_pq_error(ngx_http_pgticket_slot_t *slot, char *what)
{
    char    *msg;
    size_t   len;

    msg = slot->conn ? PQerrorMessage(slot->conn) : "";
    len = ngx_strlen(msg);

    while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r')) {
        len--;
    }

    ngx_log_error(NGX_LOG_ERR, &slot->log, 0, "pgticket: %s: %*s",
                  what, len, msg);
}
