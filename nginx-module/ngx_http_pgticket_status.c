
/*
 * Copyright (C) pgticket authors
 *
 * The status location: the pool of the worker that serves the request, in
 * the Prometheus text exposition format, every sample labelled with the
 * worker's pid.
 */


#include "ngx_http_pgticket_module.h"


#define NGX_HTTP_PGTICKET_STATUS_LEN  2048


static char  *ngx_http_pgticket_error_kinds[] = {
    "unavailable", "timeout", "sql", "client"
};


ngx_int_t
ngx_http_pgticket_status_handler(ngx_http_request_t *r)
{
    u_char                         *p, *last;
    ngx_int_t                       rc;
    ngx_uint_t                      i, busy, idle, connecting, size;
    ngx_buf_t                      *b;
    ngx_chain_t                     out;
    ngx_http_pgticket_pool_t       *pool;
    ngx_http_pgticket_main_conf_t  *pmcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    pmcf = ngx_http_get_module_main_conf(r, ngx_http_pgticket_module);
    pool = pmcf->pool;

    busy = 0;
    idle = 0;
    connecting = 0;
    size = 0;

    if (pool) {
        size = pmcf->pool_max;

        for (i = 0; i < pmcf->pool_max; i++) {
            switch (pool->slots[i].state) {

            case NGX_HTTP_PGTICKET_BUSY:
            case NGX_HTTP_PGTICKET_CANCELLING:
            case NGX_HTTP_PGTICKET_DRAINING:
            case NGX_HTTP_PGTICKET_COOLING:
                busy++;
                break;

            case NGX_HTTP_PGTICKET_IDLE:
                idle++;
                break;

            case NGX_HTTP_PGTICKET_CONNECTING:
                connecting++;
                break;

            default:
                break;
            }
        }
    }

    b = ngx_create_temp_buf(r->pool, NGX_HTTP_PGTICKET_STATUS_LEN);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = b->last;
    last = b->end;

    p = ngx_slprintf(p, last,
            "# HELP pgticket_pool_size Connection slots of this worker.\n"
            "# TYPE pgticket_pool_size gauge\n"
            "pgticket_pool_size{pid=\"%P\"} %ui\n"
            "# HELP pgticket_connections PostgreSQL connections by state.\n"
            "# TYPE pgticket_connections gauge\n"
            "pgticket_connections{pid=\"%P\",state=\"busy\"} %ui\n"
            "pgticket_connections{pid=\"%P\",state=\"idle\"} %ui\n"
            "pgticket_connections{pid=\"%P\",state=\"connecting\"} %ui\n"
            "# HELP pgticket_queue_length Requests waiting for a "
            "connection.\n"
            "# TYPE pgticket_queue_length gauge\n"
            "pgticket_queue_length{pid=\"%P\"} %ui\n"
            "# HELP pgticket_requests_total Requests given to the pool.\n"
            "# TYPE pgticket_requests_total counter\n"
            "pgticket_requests_total{pid=\"%P\"} %uA\n"
            "# HELP pgticket_errors_total Requests answered with an "
            "error, by kind.\n"
            "# TYPE pgticket_errors_total counter\n",
            ngx_pid, size, ngx_pid, busy, ngx_pid, idle, ngx_pid, connecting,
            ngx_pid, pool ? pool->nwaiting : 0,
            ngx_pid, pool ? pool->requests : 0);

    for (i = 0; i < NGX_HTTP_PGTICKET_ERR_KINDS; i++) {
        p = ngx_slprintf(p, last,
                         "pgticket_errors_total{pid=\"%P\",kind=\"%s\"} %uA\n",
                         ngx_pid, ngx_http_pgticket_error_kinds[i],
                         pool ? pool->errors[i] : 0);
    }

    b->last = p;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = b->last - b->pos;
    ngx_str_set(&r->headers_out.content_type, "text/plain; version=0.0.4");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}
