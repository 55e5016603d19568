
/*
 * Copyright (C) pgticket authors
 *
 * The per-worker connection pool: at most "max" slots, opened lazily, kept
 * on a free and an idle list in the shape of the upstream keepalive module,
 * and a bounded FIFO of requests waiting for a slot.  The pool owns the
 * slots, the queue and every deadline; each slot's connection is driven by
 * ngx_http_pgticket_pq.c, which reports back through one handler,
 * ngx_http_pgticket_pool_event().
 *
 * What a client is told is what happened.  A request whose deadline passes
 * while its statement runs is not answered until PostgreSQL has ended the
 * statement: a cancel request is sent (and sent again while the statement
 * runs on), and the client gets whatever the statement's end was, its real
 * answer if it finished anyway.  A statement that failed was rolled back,
 * so two kinds of failure are run once more: a serialization failure or
 * deadlock (40001, 40P01), and the signs of a session whose cached plans
 * and function definitions went stale when a function or type changed
 * under it (0A000 "cached plan must not change result type", 42804 "ROW()
 * column has type integer instead of type bigint", 22P07 "row type of
 * datum tuple was altered after the datum's creation"), which run again
 * on a new connection.
 *
 * With "pipeline" above 1, a request that finds every connection open and
 * busy is sent at once behind the queries running on the connection with
 * the fewest (libpq pipeline mode, up to "pipeline" each), each query with
 * its own Sync, so each request stays a transaction of its own and is
 * answered once its commit is done.  A slot keeps the requests it sent in
 * a ring, in order; results come in that order.  A cancel request hits
 * whatever the backend runs, so a request past its deadline is cancelled
 * only when it is alone on its connection, and nothing more is sent there
 * meanwhile.  A stale or large-result connection takes nothing more and
 * is replaced once drained, the stale requests running again on the new
 * one.
 *
 * While the database is unreachable (a connection attempt failed and no
 * connection is open), one attempt is made at a time, by a timer with a
 * growing delay or by a request after NGX_HTTP_PGTICKET_RECONNECT_DELAY,
 * and every other request gets the unavailable answer at once.  A worker
 * whose last connection the server closed opens one again by itself.
 */


#include "ngx_http_pgticket_module.h"


static void ngx_http_pgticket_pool_event(ngx_http_pgticket_pq_t *pq,
    ngx_uint_t event, PGresult *res);
static void ngx_http_pgticket_pool_result(ngx_http_pgticket_slot_t *slot,
    PGresult *res);
static void ngx_http_pgticket_pool_down(ngx_http_pgticket_pool_t *pool);
static void ngx_http_pgticket_pool_retry(ngx_event_t *ev);
static void ngx_http_pgticket_pool_dispatch(ngx_http_pgticket_pool_t *pool);
static ngx_int_t ngx_http_pgticket_pool_connect(
    ngx_http_pgticket_pool_t *pool);
static ngx_uint_t ngx_http_pgticket_pool_live(ngx_http_pgticket_pool_t *pool);
static void ngx_http_pgticket_assign(ngx_http_pgticket_slot_t *slot,
    ngx_http_pgticket_ctx_t *ctx);
static ngx_int_t ngx_http_pgticket_send(ngx_http_pgticket_slot_t *slot,
    ngx_http_pgticket_ctx_t *ctx);
static void ngx_http_pgticket_fifo_push(ngx_http_pgticket_slot_t *slot,
    ngx_http_pgticket_ctx_t *ctx);
static ngx_http_pgticket_ctx_t *ngx_http_pgticket_fifo_pop(
    ngx_http_pgticket_slot_t *slot);
static void ngx_http_pgticket_fifo_remove(ngx_http_pgticket_slot_t *slot,
    ngx_http_pgticket_ctx_t *ctx);
static ngx_uint_t ngx_http_pgticket_fifo_live(ngx_http_pgticket_slot_t *slot);
static ngx_http_pgticket_slot_t *ngx_http_pgticket_pool_room(
    ngx_http_pgticket_pool_t *pool);
static void ngx_http_pgticket_detach(ngx_http_pgticket_ctx_t *ctx);
static void ngx_http_pgticket_slot_log(ngx_http_pgticket_slot_t *slot);
static void ngx_http_pgticket_slot_next(ngx_http_pgticket_slot_t *slot);
static void ngx_http_pgticket_slot_renew(ngx_http_pgticket_slot_t *slot);
static void ngx_http_pgticket_rerun_remove(ngx_http_pgticket_slot_t *slot,
    ngx_http_pgticket_ctx_t *ctx);
static void ngx_http_pgticket_slot_fail(ngx_http_pgticket_slot_t *slot,
    ngx_uint_t down);
static ngx_int_t ngx_http_pgticket_send_all(ngx_http_pgticket_slot_t *slot);
static void ngx_http_pgticket_slot_idle(ngx_http_pgticket_slot_t *slot);
static void ngx_http_pgticket_slot_free(ngx_http_pgticket_slot_t *slot);
static void ngx_http_pgticket_reject(ngx_http_pgticket_ctx_t *ctx,
    ngx_uint_t kind);
static void ngx_http_pgticket_request_timeout(ngx_event_t *ev);
static void ngx_http_pgticket_slot_timeout(ngx_event_t *ev);
static void ngx_http_pgticket_slot_close(ngx_http_pgticket_slot_t *slot);
static void ngx_http_pgticket_cancel(ngx_http_pgticket_slot_t *slot);
static void ngx_http_pgticket_ctx_cleanup(void *data);
static size_t ngx_http_pgticket_result_size(PGresult *res);
static ngx_uint_t ngx_http_pgticket_sqlstate(PGresult *res,
    char **states);
static void ngx_http_pgticket_refresh(ngx_http_pgticket_slot_t *slot);


/* a session's caches went stale: the request runs again on a new one */
static char  *ngx_http_pgticket_stale[] = { "0A000", "42804", "22P07", NULL };

/* the transaction was rolled back: the request runs again */
static char  *ngx_http_pgticket_retry[] = { "40001", "40P01", NULL };


static char  *ngx_http_pgticket_states[] = {
    "free", "connecting", "idle", "busy", "cancelling", "draining",
    "cooling"
};


ngx_int_t
ngx_http_pgticket_pool_init(ngx_cycle_t *cycle,
    ngx_http_pgticket_main_conf_t *pmcf)
{
    ngx_uint_t                 i;
    ngx_http_pgticket_pool_t  *pool;
    ngx_http_pgticket_slot_t  *slot;

    pool = ngx_pcalloc(cycle->pool, sizeof(ngx_http_pgticket_pool_t));
    if (pool == NULL) {
        return NGX_ERROR;
    }

    pool->slots = ngx_pcalloc(cycle->pool,
                              pmcf->pool_max
                              * sizeof(ngx_http_pgticket_slot_t));
    if (pool->slots == NULL) {
        return NGX_ERROR;
    }

    pool->pmcf = pmcf;
    pool->nfree = pmcf->pool_max;
    pool->next_connect = ngx_current_msec;
    pool->retry_delay = NGX_HTTP_PGTICKET_RECONNECT_DELAY;

    pool->retry.handler = ngx_http_pgticket_pool_retry;
    pool->retry.data = pool;
    pool->retry.log = cycle->log;
    pool->retry.cancelable = 1;

    ngx_queue_init(&pool->free);
    ngx_queue_init(&pool->idle);
    ngx_queue_init(&pool->waiting);

    for (i = 0; i < pmcf->pool_max; i++) {
        slot = &pool->slots[i];

        slot->pool = pool;
        slot->state = NGX_HTTP_PGTICKET_FREE;

        slot->fifo = ngx_pcalloc(cycle->pool, 2 * pmcf->pipeline
                                 * sizeof(ngx_http_pgticket_ctx_t *));
        if (slot->fifo == NULL) {
            return NGX_ERROR;
        }

        slot->rerun = slot->fifo + pmcf->pipeline;

        slot->log = *cycle->log;

        slot->timer.handler = ngx_http_pgticket_slot_timeout;
        slot->timer.data = slot;
        slot->timer.log = &slot->log;

        if (ngx_http_pgticket_pq_init(&slot->pq, pmcf, cycle->pool,
                                      &slot->log)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        slot->pq.handler = ngx_http_pgticket_pool_event;
        slot->pq.data = slot;

        ngx_queue_insert_tail(&pool->free, &slot->queue);
    }

    pmcf->pool = pool;

    return NGX_OK;
}


void
ngx_http_pgticket_pool_done(ngx_http_pgticket_pool_t *pool)
{
    ngx_uint_t                 i;
    ngx_http_pgticket_slot_t  *slot;

    if (pool->retry.timer_set) {
        ngx_del_timer(&pool->retry);
    }

    for (i = 0; i < pool->pmcf->pool_max; i++) {
        slot = &pool->slots[i];

        if (slot->timer.timer_set) {
            ngx_del_timer(&slot->timer);
        }

        slot->n = 0;
        ngx_http_pgticket_pq_set_log(&slot->pq, &slot->log);
        ngx_http_pgticket_pq_done(&slot->pq);
    }
}


void
ngx_http_pgticket_pool_acquire(ngx_http_request_t *r,
    ngx_http_pgticket_ctx_t *ctx)
{
    ngx_queue_t                    *q;
    ngx_pool_cleanup_t             *cln;
    ngx_http_pgticket_pool_t       *pool;
    ngx_http_pgticket_slot_t       *slot;
    ngx_http_pgticket_main_conf_t  *pmcf;

    pmcf = ngx_http_get_module_main_conf(r, ngx_http_pgticket_module);
    pool = pmcf->pool;

    if (pool == NULL) {
        ngx_http_pgticket_answer(r, ngx_http_pgticket_send_unavailable(r,
                                            NGX_HTTP_PGTICKET_ERR_UNAVAILABLE));
        return;
    }

    pool->requests++;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        ngx_http_pgticket_answer(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    cln->handler = ngx_http_pgticket_ctx_cleanup;
    cln->data = ctx;

    ctx->pool = pool;
    ctx->timer.handler = ngx_http_pgticket_request_timeout;
    ctx->timer.data = ctx;
    ctx->timer.log = r->connection->log;

    if (!ngx_queue_empty(&pool->idle) && pool->nwaiting == 0) {
        q = ngx_queue_head(&pool->idle);
        slot = ngx_queue_data(q, ngx_http_pgticket_slot_t, queue);

        ngx_add_timer(&ctx->timer, pmcf->timeout);
        ngx_http_pgticket_assign(slot, ctx);
        return;
    }

    /* every connection open and busy: behind a running query (pipeline) */

    if (pool->nwaiting == 0 && pool->nfree == 0 && pool->nconnecting == 0) {
        slot = ngx_http_pgticket_pool_room(pool);

        if (slot) {
            ngx_add_timer(&ctx->timer, pmcf->timeout);
            ngx_http_pgticket_assign(slot, ctx);
            return;
        }
    }

    /*
     * the queue bounds the requests that wait for a busy connection: those
     * that wait for a connection still to be opened do not count, or with
     * queue=0 no connection would ever be opened
     */

    if (pool->nwaiting >= pmcf->queue_max
        && pool->nwaiting >= pmcf->queue_max + pool->nfree
                             + pool->nconnecting)
    {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "pgticket: wait queue is full (%ui requests)",
                      pool->nwaiting);
        ngx_http_pgticket_reject(ctx, NGX_HTTP_PGTICKET_ERR_UNAVAILABLE);
        return;
    }

    /*
     * the database is unreachable: while an attempt to connect is under
     * way, or was made a moment ago, nobody waits for it; otherwise this
     * request makes the next attempt, and waits for it
     */

    if (pool->down && ngx_http_pgticket_pool_live(pool) == 0
        && (pool->nconnecting
            || (ngx_msec_int_t) (ngx_current_msec - pool->next_connect) < 0))
    {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "pgticket pool: down, request refused at once");

        ngx_http_pgticket_reject(ctx, NGX_HTTP_PGTICKET_ERR_UNAVAILABLE);
        return;
    }

    ngx_queue_insert_tail(&pool->waiting, &ctx->queue);
    ctx->queued = 1;
    pool->nwaiting++;

    ngx_add_timer(&ctx->timer, pmcf->timeout);

    ngx_http_pgticket_pool_dispatch(pool);
}


/* connections that can serve requests, or will when their query ends */

static ngx_uint_t
ngx_http_pgticket_pool_live(ngx_http_pgticket_pool_t *pool)
{
    return pool->pmcf->pool_max - pool->nfree - pool->nconnecting;
}


static void
ngx_http_pgticket_pool_dispatch(ngx_http_pgticket_pool_t *pool)
{
    ngx_queue_t               *q;
    ngx_http_pgticket_ctx_t   *ctx;
    ngx_http_pgticket_slot_t  *slot;

    /* idle connections serve the oldest waiting requests first */

    while (pool->nwaiting && !ngx_queue_empty(&pool->idle)) {
        q = ngx_queue_head(&pool->waiting);
        ctx = ngx_queue_data(q, ngx_http_pgticket_ctx_t, queue);

        ngx_queue_remove(q);
        ctx->queued = 0;
        pool->nwaiting--;

        q = ngx_queue_head(&pool->idle);
        slot = ngx_queue_data(q, ngx_http_pgticket_slot_t, queue);

        ngx_http_pgticket_assign(slot, ctx);
    }

    if (pool->nwaiting == 0) {
        return;
    }

    /*
     * open as many connections as there are requests left waiting; while
     * the database is unreachable, one at a time
     */

    while (pool->nwaiting > pool->nconnecting
           && !ngx_queue_empty(&pool->free)
           && (ngx_msec_int_t) (ngx_current_msec - pool->next_connect) >= 0
           && !(pool->down && pool->nconnecting
                && ngx_http_pgticket_pool_live(pool) == 0))
    {
        if (ngx_http_pgticket_pool_connect(pool) != NGX_OK) {
            break;
        }
    }

    /*
     * every connection is open and busy: the requests beyond those that
     * connections being opened will take are sent behind running queries,
     * to the connection with the fewest
     */

    while (pool->nfree == 0 && pool->nwaiting > pool->nconnecting) {
        slot = ngx_http_pgticket_pool_room(pool);
        if (slot == NULL) {
            break;
        }

        q = ngx_queue_head(&pool->waiting);
        ctx = ngx_queue_data(q, ngx_http_pgticket_ctx_t, queue);

        ngx_queue_remove(q);
        ctx->queued = 0;
        pool->nwaiting--;

        ngx_http_pgticket_assign(slot, ctx);
    }

    if (pool->nfree < pool->pmcf->pool_max) {
        return;
    }

    /* no connection exists or is coming: nobody should wait */

    while (pool->nwaiting) {
        q = ngx_queue_head(&pool->waiting);
        ctx = ngx_queue_data(q, ngx_http_pgticket_ctx_t, queue);

        ngx_queue_remove(q);
        ctx->queued = 0;
        pool->nwaiting--;

        ngx_http_pgticket_reject(ctx, NGX_HTTP_PGTICKET_ERR_UNAVAILABLE);
    }
}


static ngx_int_t
ngx_http_pgticket_pool_connect(ngx_http_pgticket_pool_t *pool)
{
    ngx_queue_t               *q;
    ngx_http_pgticket_slot_t  *slot;

    q = ngx_queue_head(&pool->free);
    slot = ngx_queue_data(q, ngx_http_pgticket_slot_t, queue);

    ngx_queue_remove(q);
    pool->nfree--;

    /* a failure is logged once per outage, later ones at info */

    slot->pq.down_level = pool->down ? NGX_LOG_INFO : NGX_LOG_ERR;

    if (ngx_http_pgticket_pq_connect(&slot->pq) != NGX_OK) {
        ngx_queue_insert_tail(&pool->free, &slot->queue);
        pool->nfree++;

        ngx_http_pgticket_pool_down(pool);
        return NGX_ERROR;
    }

    slot->state = NGX_HTTP_PGTICKET_CONNECTING;
    pool->nconnecting++;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, &slot->log, 0,
                   "pgticket slot %p: connecting%s", slot,
                   pool->down ? " (the database was unreachable)" : "");

    return NGX_OK;
}


/* a connection attempt failed */

static void
ngx_http_pgticket_pool_down(ngx_http_pgticket_pool_t *pool)
{
    pool->next_connect = ngx_current_msec + NGX_HTTP_PGTICKET_RECONNECT_DELAY;

    if (!pool->down) {
        pool->down = 1;
        pool->retry_delay = NGX_HTTP_PGTICKET_RECONNECT_DELAY;
    }

    if (ngx_http_pgticket_pool_live(pool) || pool->nconnecting) {
        return;
    }

    /* nothing is open: reconnect by ourselves, not only when asked to */

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, pool->retry.log, 0,
                   "pgticket pool: down, next attempt in %M ms",
                   pool->retry_delay);

    ngx_add_timer(&pool->retry, pool->retry_delay);

    pool->retry_delay = ngx_min(2 * pool->retry_delay,
                                NGX_HTTP_PGTICKET_RECONNECT_MAX);
}


static void
ngx_http_pgticket_pool_retry(ngx_event_t *ev)
{
    ngx_http_pgticket_pool_t  *pool;

    pool = ev->data;

    if (ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    if (pool->nconnecting || ngx_http_pgticket_pool_live(pool)
        || ngx_queue_empty(&pool->free))
    {
        return;
    }

    (void) ngx_http_pgticket_pool_connect(pool);
}


/* the one handler of every slot's connection */

static void
ngx_http_pgticket_pool_event(ngx_http_pgticket_pq_t *pq, ngx_uint_t event,
    PGresult *res)
{
    ngx_http_pgticket_pool_t  *pool;
    ngx_http_pgticket_slot_t  *slot;

    slot = pq->data;
    pool = slot->pool;

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, &slot->log, 0,
                   "pgticket slot %p: event %ui while %s", slot, event,
                   ngx_http_pgticket_states[slot->state]);

    switch (event) {

    case NGX_HTTP_PGTICKET_PQ_READY:
        if (slot->state == NGX_HTTP_PGTICKET_COOLING) {
            /* the cancel request of its last query is through */
            if (slot->timer.timer_set) {
                ngx_del_timer(&slot->timer);
            }

            ngx_http_pgticket_slot_idle(slot);
            break;
        }

        pool->nconnecting--;

        if (pool->down) {
            ngx_log_error(NGX_LOG_NOTICE, &slot->log, 0,
                          "pgticket: PostgreSQL is reachable again");
            pool->down = 0;
            pool->retry_delay = NGX_HTTP_PGTICKET_RECONNECT_DELAY;

            if (pool->retry.timer_set) {
                ngx_del_timer(&pool->retry);
            }
        }

        if (slot->n) {
            /* a new connection for requests to run again on */

            slot->state = NGX_HTTP_PGTICKET_BUSY;
            ngx_http_pgticket_slot_log(slot);

            if (ngx_http_pgticket_send_all(slot) != NGX_OK) {
                ngx_http_pgticket_slot_fail(slot, 0);
            }

            break;
        }

        ngx_http_pgticket_slot_idle(slot);
        break;

    case NGX_HTTP_PGTICKET_PQ_RESULT:
        ngx_http_pgticket_pool_result(slot, res);
        break;

    case NGX_HTTP_PGTICKET_PQ_DOWN:
        pool->nconnecting--;
        ngx_http_pgticket_slot_fail(slot, 1);
        break;

    default: /* NGX_HTTP_PGTICKET_PQ_LOST */
        ngx_http_pgticket_slot_fail(slot, 0);

        /*
         * the last connection is gone (the server restarted, or closed
         * it): open one again by ourselves, so that the next requests
         * find it, or find out at once that the server is down
         */

        if (ngx_http_pgticket_pool_live(pool) == 0 && pool->nconnecting == 0
            && !pool->retry.timer_set)
        {
            ngx_add_timer(&pool->retry, NGX_HTTP_PGTICKET_RECONNECT_DELAY);
        }

        break;
    }

    ngx_http_pgticket_pool_dispatch(pool);
}


static void
ngx_http_pgticket_pool_result(ngx_http_pgticket_slot_t *slot, PGresult *res)
{
    size_t                     size;
    ngx_int_t                  rc;
    ngx_uint_t                 timedout;
    ngx_http_request_t        *r;
    ngx_http_pgticket_ctx_t   *ctx;
    ngx_http_pgticket_pool_t  *pool;

    pool = slot->pool;

    /* results come in the order the queries were sent */

    ctx = ngx_http_pgticket_fifo_pop(slot);
    timedout = 0;

    if (ctx && !ctx->refreshed
        && (ctx->overdue || slot->state == NGX_HTTP_PGTICKET_CANCELLING)
        && ngx_http_pgticket_sqlstate(res, ngx_http_pgticket_stale))
    {
        /*
         * stale, and past its deadline (it waited behind other queries
         * on the connection): rolled back, nothing was done; running it
         * again would outlive its deadline, so it is answered as timed
         * out, and the connection goes once drained
         */

        ngx_log_error(NGX_LOG_NOTICE, ctx->request->connection->log, 0,
                      "pgticket: SQLSTATE %s for a request past its "
                      "deadline: rolled back, answered as timed out",
                      PQresultErrorField(res, PG_DIAG_SQLSTATE));

        PQclear(res);
        res = NULL;
        timedout = 1;
        slot->renew = 1;

    } else if (ctx && slot->state == NGX_HTTP_PGTICKET_BUSY && !ctx->refreshed
        && ngx_http_pgticket_sqlstate(res, ngx_http_pgticket_stale))
    {
        /*
         * rolled back: the request runs again on a new connection, once
         * the queries sent behind it on this one have ended
         */

        ngx_log_error(NGX_LOG_NOTICE, ctx->request->connection->log, 0,
                      "pgticket: SQLSTATE %s, a function or type may have "
                      "changed under the connection: running the request "
                      "again on a new one",
                      PQresultErrorField(res, PG_DIAG_SQLSTATE));

        PQclear(res);
        ctx->refreshed = 1;
        ctx->rerun = 1;
        slot->rerun[slot->nrerun++] = ctx;
        slot->renew = 1;

        if (slot->n) {
            /* the connection no longer logs as a request that waits */
            ngx_http_pgticket_slot_log(slot);
            ngx_http_pgticket_slot_next(slot);

        } else {
            ngx_http_pgticket_slot_renew(slot);
        }

        return;
    }

    if (ctx && !timedout && slot->state == NGX_HTTP_PGTICKET_BUSY
        && !ctx->retried
        && ngx_http_pgticket_sqlstate(res, ngx_http_pgticket_retry))
    {
        /* rolled back by a serialization failure or a deadlock: again */

        ngx_log_error(NGX_LOG_INFO, ctx->request->connection->log, 0,
                      "pgticket: SQLSTATE %s, running the request again",
                      PQresultErrorField(res, PG_DIAG_SQLSTATE));

        PQclear(res);
        ctx->retried = 1;
        ngx_http_pgticket_fifo_push(slot, ctx);

        /* the oldest request may be another one now */
        ngx_http_pgticket_slot_log(slot);

        if (ngx_http_pgticket_send(slot, ctx) != NGX_OK) {
            ngx_http_pgticket_slot_fail(slot, 0);
        }

        return;
    }

    if (ctx) {
        ngx_http_pgticket_detach(ctx);
    }

    /*
     * libpq keeps the buffer that received a large result for the life of
     * the connection: it is closed (once the queries behind are through),
     * so that the worker's memory comes back
     */

    size = res ? ngx_http_pgticket_result_size(res) : 0;

    if (size > pool->pmcf->large_result) {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, &slot->log, 0,
                       "pgticket slot %p: closed after a result of %uz "
                       "bytes", slot, size);

        slot->renew = 1;
    }

    if (slot->n) {
        ngx_http_pgticket_slot_next(slot);

    } else if (slot->renew) {
        ngx_http_pgticket_slot_renew(slot);

    } else {
        if (slot->timer.timer_set) {
            ngx_del_timer(&slot->timer);
        }

        if (!ngx_http_pgticket_pq_idle(&slot->pq)) {

            /*
             * a cancel request for the query is still on its way: the
             * connection runs nothing else until it is through (READY), or
             * the cancel could hit the next query
             */

            slot->state = NGX_HTTP_PGTICKET_COOLING;
            ngx_add_timer(&slot->timer, pool->pmcf->timeout);

        } else {
            ngx_http_pgticket_slot_idle(slot);
        }
    }

    ngx_http_pgticket_slot_log(slot);

    if (ctx == NULL) {
        /* the request went away: the result is drained */
        PQclear(res);
        return;
    }

    r = ctx->request;

    if (timedout) {
        ngx_http_pgticket_answer(r, ngx_http_pgticket_send_unavailable(r,
                                            NGX_HTTP_PGTICKET_ERR_TIMEOUT));
        return;
    }

    rc = ngx_http_pgticket_send_result(r, ctx, res);
    ngx_http_pgticket_answer(r, rc);
}


/*
 * A result came and others are still to come: the slot drains if nobody
 * waits for them, and an overdue request left alone is cancelled now.
 */

static void
ngx_http_pgticket_slot_next(ngx_http_pgticket_slot_t *slot)
{
    ngx_http_pgticket_ctx_t  *ctx;

    if (ngx_http_pgticket_fifo_live(slot) == 0) {
        if (slot->state != NGX_HTTP_PGTICKET_DRAINING) {
            if (slot->timer.timer_set) {
                ngx_del_timer(&slot->timer);
            }

            slot->state = NGX_HTTP_PGTICKET_DRAINING;
            ngx_add_timer(&slot->timer, slot->pool->pmcf->timeout);
        }

        return;
    }

    ctx = slot->fifo[slot->head];

    if (slot->n == 1 && ctx->overdue
        && slot->state == NGX_HTTP_PGTICKET_BUSY)
    {
        /* alone now: its cancel request can only hit its own statement */

        ngx_log_error(NGX_LOG_WARN, ctx->request->connection->log, 0,
                      "pgticket: request timed out in PostgreSQL, "
                      "cancelling its statement");

        slot->state = NGX_HTTP_PGTICKET_CANCELLING;
        ngx_http_pgticket_cancel(slot);
    }
}


/*
 * The slot's connection is drained and must go (stale, or holding a large
 * buffer): requests to run again get a new one, otherwise it is freed.
 */

static void
ngx_http_pgticket_slot_renew(ngx_http_pgticket_slot_t *slot)
{
    ngx_uint_t                i;
    ngx_http_pgticket_ctx_t  *ctx;

    slot->renew = 0;

    if (slot->timer.timer_set) {
        ngx_del_timer(&slot->timer);
    }

    for (i = 0; i < slot->nrerun; i++) {
        ctx = slot->rerun[i];
        ctx->rerun = 0;
        ngx_http_pgticket_fifo_push(slot, ctx);
    }

    slot->nrerun = 0;

    if (slot->n) {
        ngx_http_pgticket_refresh(slot);
        return;
    }

    ngx_http_pgticket_pq_set_log(&slot->pq, &slot->log);
    ngx_http_pgticket_pq_close(&slot->pq);
    ngx_http_pgticket_slot_free(slot);
}


static void
ngx_http_pgticket_rerun_remove(ngx_http_pgticket_slot_t *slot,
    ngx_http_pgticket_ctx_t *ctx)
{
    ngx_uint_t  i;

    for (i = 0; i < slot->nrerun; i++) {
        if (slot->rerun[i] == ctx) {
            /* the others keep their order */
            slot->nrerun--;
            ngx_memmove(&slot->rerun[i], &slot->rerun[i + 1],
                        (slot->nrerun - i) * sizeof(ngx_http_pgticket_ctx_t *));
            break;
        }
    }

    ctx->rerun = 0;
}


/* the slot's connection is replaced, its requests stay with it */

static void
ngx_http_pgticket_refresh(ngx_http_pgticket_slot_t *slot)
{
    ngx_http_pgticket_pool_t  *pool;

    pool = slot->pool;

    ngx_http_pgticket_pq_set_log(&slot->pq, &slot->log);
    ngx_http_pgticket_pq_close(&slot->pq);

    slot->pq.down_level = NGX_LOG_ERR;

    if (ngx_http_pgticket_pq_connect(&slot->pq) != NGX_OK) {
        ngx_http_pgticket_slot_fail(slot, 1);
        return;
    }

    slot->state = NGX_HTTP_PGTICKET_CONNECTING;
    pool->nconnecting++;
}


static void
ngx_http_pgticket_assign(ngx_http_pgticket_slot_t *slot,
    ngx_http_pgticket_ctx_t *ctx)
{
    if (slot->state == NGX_HTTP_PGTICKET_IDLE) {
        ngx_queue_remove(&slot->queue);
    }

    slot->state = NGX_HTTP_PGTICKET_BUSY;
    ngx_http_pgticket_fifo_push(slot, ctx);

    /* while in use, the connection logs as its oldest request */

    ngx_http_pgticket_slot_log(slot);

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, slot->pq.log, 0,
                   "pgticket slot %p: serving request %p (%ui sent)", slot,
                   ctx->request, slot->n);

    if (ngx_http_pgticket_send(slot, ctx) != NGX_OK) {
        ngx_http_pgticket_slot_fail(slot, 0);
    }
}


static ngx_int_t
ngx_http_pgticket_send(ngx_http_pgticket_slot_t *slot,
    ngx_http_pgticket_ctx_t *ctx)
{
    return ngx_http_pgticket_pq_send(&slot->pq,
                          ngx_http_pgticket_stmt(ctx->route->func,
                               ctx->request->method == NGX_HTTP_HEAD),
                          (const char *) ctx->doc.data);
}


/* a new connection: the requests that waited for it, in order */

static ngx_int_t
ngx_http_pgticket_send_all(ngx_http_pgticket_slot_t *slot)
{
    ngx_uint_t  i;

    for (i = 0; i < slot->n; i++) {
        if (ngx_http_pgticket_send(slot, slot->fifo[(slot->head + i)
                                                 % slot->pool->pmcf->pipeline])
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * The requests a slot's connection has sent, oldest first, in a ring of
 * "pipeline" entries.  An entry whose request went away is NULL until its
 * result comes (and is dropped).  While the slot connects, its entries
 * are not sent yet, and one that goes away is removed.
 */

static void
ngx_http_pgticket_fifo_push(ngx_http_pgticket_slot_t *slot,
    ngx_http_pgticket_ctx_t *ctx)
{
    ngx_uint_t  depth;

    depth = slot->pool->pmcf->pipeline;

    slot->fifo[(slot->head + slot->n) % depth] = ctx;
    slot->n++;
    ctx->slot = slot;
}


static ngx_http_pgticket_ctx_t *
ngx_http_pgticket_fifo_pop(ngx_http_pgticket_slot_t *slot)
{
    ngx_http_pgticket_ctx_t  *ctx;

    if (slot->n == 0) {
        return NULL;
    }

    ctx = slot->fifo[slot->head];
    slot->fifo[slot->head] = NULL;
    slot->head = (slot->head + 1) % slot->pool->pmcf->pipeline;
    slot->n--;

    return ctx;
}


static void
ngx_http_pgticket_fifo_remove(ngx_http_pgticket_slot_t *slot,
    ngx_http_pgticket_ctx_t *ctx)
{
    ngx_uint_t  i, depth, found;

    depth = slot->pool->pmcf->pipeline;
    found = 0;

    for (i = 0; i < slot->n; i++) {
        if (slot->fifo[(slot->head + i) % depth] == ctx) {
            found = 1;
        }

        if (found && i + 1 < slot->n) {
            slot->fifo[(slot->head + i) % depth] =
                                    slot->fifo[(slot->head + i + 1) % depth];
        }
    }

    if (found) {
        slot->n--;
        slot->fifo[(slot->head + slot->n) % depth] = NULL;
    }
}


/* requests in the ring that are still there to be answered */

static ngx_uint_t
ngx_http_pgticket_fifo_live(ngx_http_pgticket_slot_t *slot)
{
    ngx_uint_t  i, n;

    n = 0;

    for (i = 0; i < slot->n; i++) {
        if (slot->fifo[(slot->head + i) % slot->pool->pmcf->pipeline]) {
            n++;
        }
    }

    return n;
}


/*
 * The busy connection that may take one more query: in pipeline mode,
 * running only requests still waited for and none past its deadline (a
 * cancel must hit only the request it is for), with the fewest sent.
 */

static ngx_http_pgticket_slot_t *
ngx_http_pgticket_pool_room(ngx_http_pgticket_pool_t *pool)
{
    ngx_uint_t                 i, j;
    ngx_http_pgticket_ctx_t   *ctx;
    ngx_http_pgticket_slot_t  *slot, *best;

    if (pool->pmcf->pipeline < 2) {
        return NULL;
    }

    best = NULL;

    for (i = 0; i < pool->pmcf->pool_max; i++) {
        slot = &pool->slots[i];

        if (slot->state != NGX_HTTP_PGTICKET_BUSY || slot->renew
            || !ngx_http_pgticket_pq_room(&slot->pq)
            || (best && best->n <= slot->n))
        {
            continue;
        }

        for (j = 0; j < slot->n; j++) {
            ctx = slot->fifo[(slot->head + j) % pool->pmcf->pipeline];

            if (ctx == NULL || ctx->overdue) {
                break;
            }
        }

        if (j == slot->n) {
            best = slot;
        }
    }

    return best;
}


/* a request leaves its slot */

static void
ngx_http_pgticket_detach(ngx_http_pgticket_ctx_t *ctx)
{
    ctx->slot = NULL;

    if (ctx->timer.timer_set) {
        ngx_del_timer(&ctx->timer);
    }
}


/* the connection logs as the oldest request it serves, or as the slot */

static void
ngx_http_pgticket_slot_log(ngx_http_pgticket_slot_t *slot)
{
    ngx_uint_t                i;
    ngx_http_pgticket_ctx_t  *ctx;

    for (i = 0; i < slot->n; i++) {
        ctx = slot->fifo[(slot->head + i) % slot->pool->pmcf->pipeline];

        if (ctx) {
            ngx_http_pgticket_pq_set_log(&slot->pq,
                                         ctx->request->connection->log);
            return;
        }
    }

    ngx_http_pgticket_pq_set_log(&slot->pq, &slot->log);
}


/*
 * The slot's connection is closed (or could not be opened, "down"): each
 * request it had sent gets the answer of a lost query, which may have
 * been done: none is run again.
 */

static void
ngx_http_pgticket_slot_fail(ngx_http_pgticket_slot_t *slot, ngx_uint_t down)
{
    ngx_uint_t                 i, n;
    ngx_http_pgticket_ctx_t   *ctx, *lost[2 * 64];

    n = 0;

    while (slot->n) {
        ctx = ngx_http_pgticket_fifo_pop(slot);

        if (ctx) {
            ngx_http_pgticket_detach(ctx);
            lost[n++] = ctx;
        }
    }

    for (i = 0; i < slot->nrerun; i++) {
        ctx = slot->rerun[i];
        ctx->rerun = 0;
        ngx_http_pgticket_detach(ctx);
        lost[n++] = ctx;
    }

    slot->nrerun = 0;

    ngx_http_pgticket_pq_set_log(&slot->pq, &slot->log);
    ngx_http_pgticket_pq_close(&slot->pq);
    ngx_http_pgticket_slot_free(slot);

    if (down) {
        ngx_http_pgticket_pool_down(slot->pool);
    }

    for (i = 0; i < n; i++) {
        ngx_http_pgticket_reject(lost[i], NGX_HTTP_PGTICKET_ERR_UNAVAILABLE);
    }
}


static void
ngx_http_pgticket_slot_idle(ngx_http_pgticket_slot_t *slot)
{
    slot->state = NGX_HTTP_PGTICKET_IDLE;
    ngx_queue_insert_head(&slot->pool->idle, &slot->queue);

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, &slot->log, 0,
                   "pgticket slot %p: idle", slot);
}


/* the slot's connection is closed already */

static void
ngx_http_pgticket_slot_free(ngx_http_pgticket_slot_t *slot)
{
    if (slot->state == NGX_HTTP_PGTICKET_IDLE) {
        ngx_queue_remove(&slot->queue);
    }

    if (slot->timer.timer_set) {
        ngx_del_timer(&slot->timer);
    }

    slot->state = NGX_HTTP_PGTICKET_FREE;
    slot->head = 0;
    slot->n = 0;
    slot->nrerun = 0;
    slot->renew = 0;
    ngx_queue_insert_tail(&slot->pool->free, &slot->queue);
    slot->pool->nfree++;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, &slot->log, 0,
                   "pgticket slot %p: free", slot);
}


static void
ngx_http_pgticket_reject(ngx_http_pgticket_ctx_t *ctx, ngx_uint_t kind)
{
    ngx_http_request_t  *r;

    r = ctx->request;

    if (ctx->timer.timer_set) {
        ngx_del_timer(&ctx->timer);
    }

    ngx_http_pgticket_answer(r, ngx_http_pgticket_send_unavailable(r, kind));
}


static void
ngx_http_pgticket_request_timeout(ngx_event_t *ev)
{
    ngx_http_request_t        *r;
    ngx_http_pgticket_ctx_t   *ctx;
    ngx_http_pgticket_slot_t  *slot;

    ctx = ev->data;
    r = ctx->request;
    slot = ctx->slot;

    if (slot && ctx->rerun) {
        /* waits for a new connection: what ran was rolled back */
        ngx_http_pgticket_rerun_remove(slot, ctx);
        ngx_http_pgticket_detach(ctx);
        slot = NULL;

    } else if (slot && slot->state == NGX_HTTP_PGTICKET_CONNECTING) {
        /* to be run again on a new connection: what ran was rolled back */
        ngx_http_pgticket_fifo_remove(slot, ctx);
        ngx_http_pgticket_detach(ctx);
        ngx_http_pgticket_slot_log(slot);
        slot = NULL;
    }

    if (slot == NULL) {
        /* never sent, or rolled back: nothing was done */

        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "pgticket: request timed out waiting for a "
                      "PostgreSQL connection");

        if (ctx->queued) {
            ngx_queue_remove(&ctx->queue);
            ctx->queued = 0;
            ctx->pool->nwaiting--;
        }

        ngx_http_pgticket_answer(r, ngx_http_pgticket_send_unavailable(r,
                                            NGX_HTTP_PGTICKET_ERR_TIMEOUT));
        return;
    }

    if (slot->n > 1) {
        /*
         * other queries are in flight on the connection: a cancel request
         * hits whatever the backend runs, which may be one of them.  The
         * request is cancelled once it is alone, answered when it ends.
         */

        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "pgticket: request timed out in PostgreSQL behind "
                      "%ui other queries on its connection",
                      slot->n - 1);

        ctx->overdue = 1;
        return;
    }

    /*
     * the statement runs: the client is answered once it has ended,
     * which the cancel request makes happen at once
     */

    ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                  "pgticket: request timed out in PostgreSQL, "
                  "cancelling its statement");

    slot->state = NGX_HTTP_PGTICKET_CANCELLING;

    ngx_http_pgticket_cancel(slot);
}


/*
 * Sends the cancel request, and again every NGX_HTTP_PGTICKET_CANCEL_RETRY
 * while the statement runs on (a cancel that arrives between two commands
 * is lost).  The request is answered when the statement ends, however long
 * that takes: a server that is stopped may still commit it when it runs
 * again, so no answer could be true before.  The connection failing ends
 * the wait too, and a client may go away.
 */

static void
ngx_http_pgticket_cancel(ngx_http_pgticket_slot_t *slot)
{
    /* NGX_BUSY: the last one is still on its way */

    if (ngx_http_pgticket_pq_cancel(&slot->pq) == NGX_ERROR) {
        ngx_log_error(NGX_LOG_WARN, &slot->log, 0,
                      "pgticket: could not post a cancel request");
    }

    ngx_add_timer(&slot->timer, NGX_HTTP_PGTICKET_CANCEL_RETRY);
}


static void
ngx_http_pgticket_slot_timeout(ngx_event_t *ev)
{
    ngx_http_pgticket_slot_t  *slot;

    slot = ev->data;

    if (slot->state == NGX_HTTP_PGTICKET_CANCELLING) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, &slot->log, 0,
                       "pgticket slot %p: statement runs on, cancel again",
                       slot);

        ngx_http_pgticket_cancel(slot);
        return;
    }

    if (slot->state == NGX_HTTP_PGTICKET_COOLING) {
        ngx_log_error(NGX_LOG_WARN, &slot->log, 0,
                      "pgticket: a cancel request was not through in "
                      "time, closing its connection");

    } else {
        ngx_log_error(NGX_LOG_WARN, &slot->log, NGX_ETIMEDOUT,
                      "pgticket: the query of a closed request did not "
                      "end in time, closing its connection");
    }

    ngx_http_pgticket_slot_close(slot);
}


/* gives up a slot's connection, which serves no request */

static void
ngx_http_pgticket_slot_close(ngx_http_pgticket_slot_t *slot)
{
    ngx_http_pgticket_pool_t  *pool;

    pool = slot->pool;

    ngx_http_pgticket_slot_fail(slot, 0);
    ngx_http_pgticket_pool_dispatch(pool);
}


static void
ngx_http_pgticket_ctx_cleanup(void *data)
{
    ngx_http_pgticket_ctx_t *ctx = data;

    ngx_uint_t                 i;
    ngx_http_pgticket_slot_t  *slot;

    if (ctx->timer.timer_set) {
        ngx_del_timer(&ctx->timer);
    }

    if (ctx->queued) {
        ngx_queue_remove(&ctx->queue);
        ctx->queued = 0;
        ctx->pool->nwaiting--;
    }

    slot = ctx->slot;

    if (slot && ctx->rerun) {
        ngx_http_pgticket_rerun_remove(slot, ctx);
        ngx_http_pgticket_detach(ctx);

    } else if (slot && slot->state == NGX_HTTP_PGTICKET_CONNECTING) {
        /* not sent yet: the new connection serves the others, if any */
        ngx_http_pgticket_fifo_remove(slot, ctx);
        ngx_http_pgticket_detach(ctx);
        ngx_http_pgticket_slot_log(slot);

    } else if (slot) {
        /*
         * the result will be read and dropped; a server that never
         * answers (statement_timeout cannot help when it is stopped or
         * unreachable) must not hold the slot for ever
         */

        for (i = 0; i < slot->n; i++) {
            if (slot->fifo[(slot->head + i) % ctx->pool->pmcf->pipeline]
                == ctx)
            {
                slot->fifo[(slot->head + i) % ctx->pool->pmcf->pipeline] =
                                                                        NULL;
            }
        }

        ngx_http_pgticket_detach(ctx);
        ngx_http_pgticket_slot_log(slot);

        if (ngx_http_pgticket_fifo_live(slot) == 0) {
            ngx_log_debug1(NGX_LOG_DEBUG_HTTP, &slot->log, 0,
                           "pgticket slot %p: request gone, draining", slot);

            if (slot->timer.timer_set) {
                ngx_del_timer(&slot->timer);
            }

            slot->state = NGX_HTTP_PGTICKET_DRAINING;
            ngx_add_timer(&slot->timer, ctx->pool->pmcf->timeout);
        }
    }

    if (ctx->result) {
        PQclear(ctx->result);
        ctx->result = NULL;
    }
}


static size_t
ngx_http_pgticket_result_size(PGresult *res)
{
    int     i, j, rows, fields;
    size_t  size;

    size = 0;
    rows = PQntuples(res);
    fields = PQnfields(res);

    for (i = 0; i < rows; i++) {
        for (j = 0; j < fields; j++) {
            size += PQgetlength(res, i, j);
        }
    }

    return size;
}


/* whether a result is an error with one of the SQLSTATEs */

static ngx_uint_t
ngx_http_pgticket_sqlstate(PGresult *res, char **states)
{
    char  *state;

    if (PQresultStatus(res) != PGRES_FATAL_ERROR) {
        return 0;
    }

    state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

    if (state == NULL) {
        return 0;
    }

    for ( /* void */ ; *states; states++) {
        if (ngx_strcmp(state, *states) == 0) {
            return 1;
        }
    }

    return 0;
}
