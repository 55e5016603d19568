
/*
 * Copyright (C) pgticket authors
 *
 * The per-worker connection pool: at most "max" slots, opened lazily, kept
 * on a free and an idle list in the shape of the upstream keepalive module,
 * and a bounded FIFO of requests waiting for a slot.  Each waiting or served
 * request has a deadline; a request that goes away leaves its slot to drain
 * the result before it is reused.
 */


#include "ngx_http_pgticket_module.h"


static void ngx_http_pgticket_assign(ngx_http_pgticket_slot_t *slot,
    ngx_http_pgticket_ctx_t *ctx);
static void ngx_http_pgticket_reject(ngx_http_pgticket_ctx_t *ctx,
    ngx_uint_t kind);
static void ngx_http_pgticket_request_timeout(ngx_event_t *ev);
static void ngx_http_pgticket_ctx_cleanup(void *data);
static ngx_uint_t ngx_http_pgticket_pool_opening(
    ngx_http_pgticket_pool_t *pool);


ngx_int_t
ngx_http_pgticket_pool_init(ngx_cycle_t *cycle,
    ngx_http_pgticket_main_conf_t *pmcf)
{
    ngx_uint_t                 i, nfuncs;
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

    ngx_queue_init(&pool->free);
    ngx_queue_init(&pool->idle);
    ngx_queue_init(&pool->waiting);

    nfuncs = pmcf->funcs.nelts ? pmcf->funcs.nelts : 1;

    for (i = 0; i < pmcf->pool_max; i++) {
        slot = &pool->slots[i];

        slot->pool = pool;
        slot->state = NGX_HTTP_PGTICKET_FREE;
        slot->log = *cycle->log;

        slot->prepared = ngx_pcalloc(cycle->pool, nfuncs);
        if (slot->prepared == NULL) {
            return NGX_ERROR;
        }

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

    for (i = 0; i < pool->pmcf->pool_max; i++) {
        slot = &pool->slots[i];

        if (slot->state != NGX_HTTP_PGTICKET_FREE) {
            slot->ctx = NULL;
            ngx_http_pgticket_pq_close(slot);
        }
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

    /*
     * the queue bounds the requests that wait for a busy connection: those
     * that wait for a connection still to be opened do not count, or with
     * queue=0 no connection would ever be opened
     */

    if (pool->nwaiting >= pmcf->queue_max
        && pool->nwaiting >= pmcf->queue_max
                             + ngx_http_pgticket_pool_opening(pool))
    {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "pgticket: wait queue is full (%ui requests)",
                      pool->nwaiting);
        ngx_http_pgticket_reject(ctx, NGX_HTTP_PGTICKET_ERR_UNAVAILABLE);
        return;
    }

    if (pool->nfree == pmcf->pool_max
        && (ngx_msec_int_t) (ngx_current_msec - pool->next_connect) < 0)
    {
        /* the last connection attempt failed a moment ago */
        ngx_http_pgticket_reject(ctx, NGX_HTTP_PGTICKET_ERR_UNAVAILABLE);
        return;
    }

    ngx_queue_insert_tail(&pool->waiting, &ctx->queue);
    ctx->queued = 1;
    pool->nwaiting++;

    ngx_add_timer(&ctx->timer, pmcf->timeout);

    ngx_http_pgticket_pool_dispatch(pool);
}


/* slots free or being connected: each will serve a waiting request */

static ngx_uint_t
ngx_http_pgticket_pool_opening(ngx_http_pgticket_pool_t *pool)
{
    ngx_uint_t  i, n;

    n = pool->nfree;

    for (i = 0; i < pool->pmcf->pool_max; i++) {
        if (pool->slots[i].state == NGX_HTTP_PGTICKET_CONNECTING
            || pool->slots[i].state == NGX_HTTP_PGTICKET_SETUP)
        {
            n++;
        }
    }

    return n;
}


void
ngx_http_pgticket_pool_dispatch(ngx_http_pgticket_pool_t *pool)
{
    ngx_uint_t                 i, nconnecting;
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

    /* open as many connections as there are requests left waiting */

    nconnecting = 0;

    for (i = 0; i < pool->pmcf->pool_max; i++) {
        if (pool->slots[i].state == NGX_HTTP_PGTICKET_CONNECTING
            || pool->slots[i].state == NGX_HTTP_PGTICKET_SETUP)
        {
            nconnecting++;
        }
    }

    while (pool->nwaiting > nconnecting
           && !ngx_queue_empty(&pool->free)
           && (ngx_msec_int_t) (ngx_current_msec - pool->next_connect) >= 0)
    {
        q = ngx_queue_head(&pool->free);
        slot = ngx_queue_data(q, ngx_http_pgticket_slot_t, queue);

        ngx_queue_remove(q);
        pool->nfree--;

        if (ngx_http_pgticket_pq_connect(slot) != NGX_OK) {
            pool->next_connect = ngx_current_msec
                                 + NGX_HTTP_PGTICKET_RECONNECT_DELAY;
            break;
        }

        nconnecting++;
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


static void
ngx_http_pgticket_assign(ngx_http_pgticket_slot_t *slot,
    ngx_http_pgticket_ctx_t *ctx)
{
    ngx_queue_remove(&slot->queue);

    slot->state = NGX_HTTP_PGTICKET_BUSY;
    slot->ctx = ctx;
    ctx->slot = slot;

    if (ngx_http_pgticket_pq_send(slot) != NGX_OK) {
        ngx_http_pgticket_pool_lost(slot, 0);
    }
}


void
ngx_http_pgticket_pool_ready(ngx_http_pgticket_slot_t *slot)
{
    ngx_http_pgticket_pool_t  *pool;

    pool = slot->pool;

    slot->state = NGX_HTTP_PGTICKET_IDLE;
    slot->log.action = "keeping idle PostgreSQL connection";
    ngx_queue_insert_head(&pool->idle, &slot->queue);

    pool->down = 0;

    ngx_http_pgticket_pool_dispatch(pool);
}


void
ngx_http_pgticket_pool_finish(ngx_http_pgticket_slot_t *slot, PGresult *res)
{
    ngx_int_t                  rc;
    ngx_http_request_t        *r;
    ngx_http_pgticket_ctx_t   *ctx;
    ngx_http_pgticket_pool_t  *pool;

    pool = slot->pool;
    ctx = slot->ctx;

    slot->ctx = NULL;
    slot->state = NGX_HTTP_PGTICKET_IDLE;
    slot->log.action = "keeping idle PostgreSQL connection";
    ngx_queue_insert_head(&pool->idle, &slot->queue);

    if (slot->timer.timer_set) {
        ngx_del_timer(&slot->timer);
    }

    if (ctx == NULL) {
        /* the request went away: the result is drained */
        if (res) {
            PQclear(res);
        }

    } else {
        ctx->slot = NULL;

        if (ctx->timer.timer_set) {
            ngx_del_timer(&ctx->timer);
        }

        r = ctx->request;
        rc = ngx_http_pgticket_send_result(r, ctx, res);
        ngx_http_pgticket_answer(r, rc);
    }

    ngx_http_pgticket_pool_dispatch(pool);
}


void
ngx_http_pgticket_pool_lost(ngx_http_pgticket_slot_t *slot,
    ngx_uint_t connecting)
{
    ngx_http_pgticket_ctx_t   *ctx;
    ngx_http_pgticket_pool_t  *pool;

    pool = slot->pool;
    ctx = slot->ctx;

    slot->ctx = NULL;
    ngx_http_pgticket_pq_close(slot);

    if (connecting) {
        pool->down = 1;
        pool->next_connect = ngx_current_msec
                             + NGX_HTTP_PGTICKET_RECONNECT_DELAY;
    }

    if (ctx) {
        ctx->slot = NULL;
        ngx_http_pgticket_reject(ctx, NGX_HTTP_PGTICKET_ERR_UNAVAILABLE);
    }

    ngx_http_pgticket_pool_dispatch(pool);
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
    ngx_http_pgticket_pool_t  *pool;
    ngx_http_pgticket_slot_t  *slot;

    ctx = ev->data;
    r = ctx->request;
    pool = NULL;

    ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                  "pgticket: request timed out %s",
                  ctx->slot ? "in PostgreSQL, closing its connection"
                            : "waiting for a PostgreSQL connection");

    if (ctx->queued) {
        ngx_queue_remove(&ctx->queue);
        ctx->queued = 0;
        ctx->pool->nwaiting--;
    }

    slot = ctx->slot;

    if (slot) {
        /*
         * the query is abandoned with its connection: a libpq cancel would
         * block the worker, and statement_timeout, set to the same value
         * on every connection, makes the server cancel the query itself
         */

        pool = slot->pool;
        slot->ctx = NULL;
        ctx->slot = NULL;
        ngx_http_pgticket_pq_close(slot);
    }

    ngx_http_pgticket_answer(r,
               ngx_http_pgticket_send_unavailable(r,
                                            NGX_HTTP_PGTICKET_ERR_TIMEOUT));

    if (pool) {
        ngx_http_pgticket_pool_dispatch(pool);
    }
}


static void
ngx_http_pgticket_ctx_cleanup(void *data)
{
    ngx_http_pgticket_ctx_t *ctx = data;

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

    if (slot) {
        /*
         * the result will be read and dropped before the slot is reused;
         * a server that never answers (statement_timeout cannot help when
         * it is stopped or unreachable) must not hold the slot for ever
         */
        slot->ctx = NULL;
        slot->state = NGX_HTTP_PGTICKET_DRAINING;
        ctx->slot = NULL;

        ngx_add_timer(&slot->timer, ctx->pool->pmcf->timeout);
    }

    if (ctx->result) {
        PQclear(ctx->result);
        ctx->result = NULL;
    }
}
