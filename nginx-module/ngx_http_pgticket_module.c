
/*
 * Copyright (C) pgticket authors
 *
 * Directives, configuration, worker hooks and the content handler.
 */


#include "ngx_http_pgticket_module.h"


static ngx_int_t ngx_http_pgticket_handler(ngx_http_request_t *r);
static void ngx_http_pgticket_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_pgticket_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_pgticket_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_pgticket_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_http_pgticket_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static void *ngx_http_pgticket_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_pgticket_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_pgticket_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_pgticket_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_pgticket_database(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_pgticket_pool_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_pgticket_body_limit_check(ngx_conf_t *cf, void *post,
    void *data);
static char *ngx_http_pgticket_content_type(ngx_conf_t *cf,
    ngx_command_t *cmd, ngx_str_t *type);
static char *ngx_http_pgticket_error_page(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_pgticket_unavailable(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_pgticket_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_pgticket_param(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_pgticket_init_process(ngx_cycle_t *cycle);
static void ngx_http_pgticket_exit_process(ngx_cycle_t *cycle);


/*
 * pgticket_body_limit feeds libpq, whose lengths are int: a body of 256m,
 * even turned into JSON escapes, stays within them (and a request document
 * cannot be a larger jsonb value anyway)
 */
#define NGX_HTTP_PGTICKET_BODY_LIMIT_MAX  (256 * 1024 * 1024)

/* statement_timeout (1.5 times it) and lock_timeout are int milliseconds */
#define NGX_HTTP_PGTICKET_TIMEOUT_MAX     (24 * 60 * 60 * 1000)


static ngx_conf_post_t  ngx_http_pgticket_body_limit_post =
    { ngx_http_pgticket_body_limit_check };


static ngx_command_t  ngx_http_pgticket_commands[] = {

    { ngx_string("pgticket_database"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_pgticket_database,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("pgticket_pool"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_pgticket_pool_conf,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("pgticket_route"),
      NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE3
                        |NGX_CONF_TAKE4,
      ngx_http_pgticket_route,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("pgticket_error_page"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_pgticket_error_page,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("pgticket_unavailable"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE3,
      ngx_http_pgticket_unavailable,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("pgticket_body_limit"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_pgticket_loc_conf_t, body_limit),
      &ngx_http_pgticket_body_limit_post },

    { ngx_string("pgticket_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_pgticket_status,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("pgticket_param"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_pgticket_param,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_pgticket_module_ctx = {
    ngx_http_pgticket_add_variables,       /* preconfiguration */
    ngx_http_pgticket_init,                /* postconfiguration */

    ngx_http_pgticket_create_main_conf,    /* create main configuration */
    ngx_http_pgticket_init_main_conf,      /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_pgticket_create_loc_conf,     /* create location configuration */
    ngx_http_pgticket_merge_loc_conf       /* merge location configuration */
};


ngx_module_t  ngx_http_pgticket_module = {
    NGX_MODULE_V1,
    &ngx_http_pgticket_module_ctx,         /* module context */
    ngx_http_pgticket_commands,            /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_pgticket_init_process,        /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_pgticket_exit_process,        /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_request_body_filter_pt   ngx_http_next_request_body_filter;


static ngx_http_variable_t  ngx_http_pgticket_vars[] = {

    { ngx_string("pgticket_status"), NULL, ngx_http_pgticket_variable,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("pgticket_message"), NULL, ngx_http_pgticket_variable,
      1, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("pgticket_reason"), NULL, ngx_http_pgticket_variable,
      2, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("pgticket_status_text"), NULL, ngx_http_pgticket_variable,
      3, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


static ngx_int_t
ngx_http_pgticket_handler(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    ngx_http_pgticket_ctx_t       *ctx;
    ngx_http_pgticket_loc_conf_t  *plcf;

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_pgticket_module);

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_pgticket_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->request = r;
    ngx_http_set_ctx(r, ctx, ngx_http_pgticket_module);

    rc = ngx_http_pgticket_route_match(r, plcf, ctx);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc != NGX_OK) {
        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_pgticket_send_error(r, rc,
                                            rc == NGX_HTTP_NOT_FOUND
                                            ? "Not found"
                                            : "Method not allowed");
    }

    if (r->headers_in.content_length_n > (off_t) plcf->body_limit) {
        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_pgticket_send_error(r,
                                            NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                            "Request body too large");
    }

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r, ngx_http_pgticket_body_handler);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_pgticket_body_handler(ngx_http_request_t *r)
{
    ngx_int_t                 rc;
    ngx_http_pgticket_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_pgticket_module);

    if (ctx->too_large) {
        ngx_http_finalize_request(r,
                   ngx_http_pgticket_send_error(r,
                                            NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                            "Request body too large"));
        return;
    }

    r->connection->log->action = "building the pgticket request document";

    rc = ngx_http_pgticket_build_document(r, ctx);

    if (rc == NGX_ERROR) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    if (rc != NGX_OK) {
        ngx_http_finalize_request(r,
                   ngx_http_pgticket_send_error(r, rc,
                                                (char *) ctx->message.data));
        return;
    }

    /* notice a client that goes away while the query runs */
    r->read_event_handler = ngx_http_test_reading;
    r->connection->log->action = "waiting for PostgreSQL";

    ngx_http_pgticket_pool_acquire(r, ctx);
}


/*
 * pgticket_body_limit for a body without Content-Length (chunked): the
 * bytes are counted as they are read, and once they are over the limit
 * nothing more is kept, neither in memory nor in a temporary file.  What
 * the save filter holds already is dropped, the rest of the body is read
 * and discarded, and only its end goes on, so that reading completes and
 * the body handler answers 413.
 */

static ngx_int_t
ngx_http_pgticket_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_buf_t                     *b;
    ngx_uint_t                     last;
    ngx_chain_t                   *cl;
    ngx_http_request_body_t       *rb;
    ngx_http_pgticket_ctx_t       *ctx;
    ngx_http_pgticket_loc_conf_t  *plcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_pgticket_module);

    if (ctx == NULL || r != r->main) {
        return ngx_http_next_request_body_filter(r, in);
    }

    rb = r->request_body;

    if (!ctx->too_large) {
        for (cl = in; cl; cl = cl->next) {
            ctx->received += ngx_buf_size(cl->buf);
        }

        plcf = ngx_http_get_module_loc_conf(r, ngx_http_pgticket_module);

        if (ctx->received <= (off_t) plcf->body_limit) {
            return ngx_http_next_request_body_filter(r, in);
        }

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "pgticket request body over the limit: %O > %uz",
                       ctx->received, plcf->body_limit);

        ctx->too_large = 1;

        for (cl = rb->bufs; cl; cl = cl->next) {
            b = cl->buf;
            b->pos = b->last;
            b->file_pos = b->file_last;
        }

        rb->bufs = NULL;
    }

    last = 0;

    for (cl = in; cl; cl = cl->next) {
        b = cl->buf;
        b->pos = b->last;
        b->file_pos = b->file_last;

        if (b->last_buf) {
            last = 1;
        }
    }

    if (!last) {
        return ngx_http_next_request_body_filter(r, NULL);
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last_buf = 1;

    cl = ngx_alloc_chain_link(r->pool);
    if (cl == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cl->buf = b;
    cl->next = NULL;

    return ngx_http_next_request_body_filter(r, cl);
}


static ngx_int_t
ngx_http_pgticket_init(ngx_conf_t *cf)
{
    ngx_http_next_request_body_filter = ngx_http_top_request_body_filter;
    ngx_http_top_request_body_filter = ngx_http_pgticket_body_filter;

    return ngx_http_pgticket_error_filter_init(cf);
}


static ngx_int_t
ngx_http_pgticket_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_pgticket_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_pgticket_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                   *p;
    ngx_http_pgticket_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_pgticket_module);

    if (ctx == NULL || ctx->status == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    if (data == 0) {
        p = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        v->len = ngx_sprintf(p, "%ui", ctx->status) - p;
        v->data = p;

    } else if (data == 1) {
        v->len = ctx->message.len;
        v->data = ctx->message.data;

    } else if (data == 2) {
        v->data = (u_char *) ngx_http_pgticket_status_reason(ctx->status);
        v->len = ngx_strlen(v->data);

    } else {
        /* the status's own name, where $pgticket_message may say more */
        v->data = (u_char *) ngx_http_pgticket_status_message(ctx->status);
        v->len = ngx_strlen(v->data);
    }

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static void *
ngx_http_pgticket_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_pgticket_main_conf_t  *pmcf;

    pmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_pgticket_main_conf_t));
    if (pmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     pmcf->conninfo = { 0, NULL };
     *     pmcf->keywords = NULL;
     *     pmcf->values = NULL;
     *     pmcf->thread_pool = NULL;
     *     pmcf->pool = NULL;
     */

    pmcf->pool_max = NGX_CONF_UNSET_UINT;
    pmcf->queue_max = NGX_CONF_UNSET_UINT;
    pmcf->pipeline = NGX_CONF_UNSET_UINT;
    pmcf->timeout = NGX_CONF_UNSET_MSEC;
    pmcf->large_result = NGX_CONF_UNSET_SIZE;

    if (ngx_array_init(&pmcf->funcs, cf->pool, 4,
                       sizeof(ngx_http_pgticket_func_t))
        != NGX_OK)
    {
        return NULL;
    }

    return pmcf;
}


static char *
ngx_http_pgticket_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_pgticket_main_conf_t  *pmcf = conf;

    ngx_conf_init_uint_value(pmcf->pool_max, 4);
    ngx_conf_init_uint_value(pmcf->queue_max, 256);
    ngx_conf_init_uint_value(pmcf->pipeline, 4);
    ngx_conf_init_msec_value(pmcf->timeout, 5000);
    ngx_conf_init_size_value(pmcf->large_result, 1024 * 1024);

    if (pmcf->funcs.nelts && pmcf->conninfo.len == 0) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"pgticket_route\" is used but "
                      "\"pgticket_database\" is not set");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_pgticket_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_pgticket_loc_conf_t  *plcf;

    plcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_pgticket_loc_conf_t));
    if (plcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     plcf->routes = NULL;
     *     plcf->error_type = { 0, NULL };
     *     plcf->unavail_type = { 0, NULL };
     *     plcf->unavail_status = 0;
     */

    plcf->params = NGX_CONF_UNSET_PTR;
    plcf->error_body = NGX_CONF_UNSET_PTR;
    plcf->unavail_body = NGX_CONF_UNSET_PTR;
    plcf->body_limit = NGX_CONF_UNSET_SIZE;
    plcf->status = NGX_CONF_UNSET;

    return plcf;
}


static char *
ngx_http_pgticket_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_pgticket_loc_conf_t *prev = parent;
    ngx_http_pgticket_loc_conf_t *conf = child;

    ngx_http_core_loc_conf_t  *clcf;

    if (conf->routes == NULL) {
        conf->routes = prev->routes;
    }

    /* as fastcgi_param: a level with pgticket_param inherits none */

    ngx_conf_merge_ptr_value(conf->params, prev->params, NULL);

    if (conf->error_body == NGX_CONF_UNSET_PTR) {
        conf->error_body = prev->error_body;
        conf->error_type = prev->error_type;
    }

    if (conf->error_body == NGX_CONF_UNSET_PTR) {
        conf->error_body = NULL;
    }

    if (conf->unavail_body == NGX_CONF_UNSET_PTR) {
        conf->unavail_body = prev->unavail_body;
        conf->unavail_type = prev->unavail_type;
        conf->unavail_status = prev->unavail_status;
    }

    if (conf->unavail_body == NGX_CONF_UNSET_PTR) {
        conf->unavail_body = NULL;
    }

    ngx_conf_merge_size_value(conf->body_limit, prev->body_limit,
                              1024 * 1024);

    /*
     * the status page is its own location's handler and is not inherited
     * (as stub_status): a nested location's routes answer
     */

    if (conf->status == NGX_CONF_UNSET) {
        conf->status = 0;
    }

    if (conf->routes == NULL || conf->status) {
        return NGX_CONF_OK;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler == NULL) {
        clcf->handler = ngx_http_pgticket_handler;
    }

    if (clcf->handler == ngx_http_pgticket_handler) {
        /*
         * pgticket_body_limit replaces client_max_body_size here, so that
         * an oversized body gets the API's own 413 answer
         */
        clcf->client_max_body_size = 0;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_pgticket_database(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_pgticket_main_conf_t *pmcf = conf;

    ngx_str_t  *value;

    if (pmcf->conninfo.data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    pmcf->conninfo = value[1];

    /* cancel requests block in libpq: they run on the thread pool */

    pmcf->thread_pool = ngx_thread_pool_add(cf, NULL);
    if (pmcf->thread_pool == NULL) {
        return NGX_CONF_ERROR;
    }

    return ngx_http_pgticket_conninfo(cf, pmcf);
}


static char *
ngx_http_pgticket_pool_conf(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_pgticket_main_conf_t *pmcf = conf;

    char       *range;
    size_t      len;
    u_char     *eq;
    ssize_t     size;
    ngx_int_t   n;
    ngx_str_t  *value, s;
    ngx_uint_t  i, j;

    if (pmcf->pool_max != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    pmcf->pool_max = 4;
    pmcf->queue_max = 256;
    pmcf->pipeline = 4;
    pmcf->timeout = 5000;
    pmcf->large_result = 1024 * 1024;

    for (i = 1; i < cf->args->nelts; i++) {

        /* "max=4 ... max=8" is a slip of an edit, not a way to say max=8 */

        eq = ngx_strlchr(value[i].data, value[i].data + value[i].len, '=');

        for (j = 1; eq && j < i; j++) {
            len = eq - value[i].data + 1;

            if (value[j].len >= len
                && ngx_strncmp(value[j].data, value[i].data, len) == 0)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "\"%V\" directive has duplicate "
                                   "parameter \"%V\"", &cmd->name, &value[i]);
                return NGX_CONF_ERROR;
            }
        }

        if (ngx_strncmp(value[i].data, "max=", 4) == 0) {
            range = "1-1024";
            n = ngx_atoi(value[i].data + 4, value[i].len - 4);
            if (n == NGX_ERROR || n < 1 || n > 1024) {
                goto invalid;
            }

            pmcf->pool_max = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "queue=", 6) == 0) {
            range = "0-1000000";
            n = ngx_atoi(value[i].data + 6, value[i].len - 6);
            if (n == NGX_ERROR || n > 1000000) {
                goto invalid;
            }

            pmcf->queue_max = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "pipeline=", 9) == 0) {
            range = "1-64";
            n = ngx_atoi(value[i].data + 9, value[i].len - 9);
            if (n == NGX_ERROR || n < 1 || n > 64) {
                goto invalid;
            }

            pmcf->pipeline = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "timeout=", 8) == 0) {
            range = "1ms-24h";
            s.len = value[i].len - 8;
            s.data = value[i].data + 8;

            n = ngx_parse_time(&s, 0);
            if (n == NGX_ERROR || n == 0
                || n > NGX_HTTP_PGTICKET_TIMEOUT_MAX)
            {
                goto invalid;
            }

            pmcf->timeout = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "large_result=", 13) == 0) {
            range = "a size: bytes, k or m";
            s.len = value[i].len - 13;
            s.data = value[i].data + 13;

            size = ngx_parse_size(&s);
            if (size == NGX_ERROR) {
                goto invalid;
            }

            pmcf->large_result = size;
            continue;
        }

        range = "max, queue, timeout, large_result or pipeline";
        goto invalid;
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"%V\" directive has invalid parameter \"%V\" (%s)",
                       &cmd->name, &value[i], range);

    return NGX_CONF_ERROR;
}


static char *
ngx_http_pgticket_body_limit_check(ngx_conf_t *cf, void *post, void *data)
{
    size_t *sp = data;

    if (*sp > NGX_HTTP_PGTICKET_BODY_LIMIT_MAX) {
        return "must be at most 256m";
    }

    return NGX_CONF_OK;
}


/*
 * A content type goes out as the Content-Type line as it is: a CR or LF in
 * it ("text/plain\r\nSet-Cookie: ...", nginx reads \r and \n in quotes)
 * would start header lines of its own, any other control byte is no
 * media type (RFC 9110, 8.3)
 */

static char *
ngx_http_pgticket_content_type(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_str_t *type)
{
    u_char  *p;

    for (p = type->data; p < type->data + type->len; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\" directive has a control character "
                               "in its content type", &cmd->name);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_pgticket_error_page(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_pgticket_loc_conf_t *plcf = conf;

    ngx_str_t                         *value;
    ngx_http_compile_complex_value_t   ccv;

    if (plcf->error_body != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_http_pgticket_content_type(cf, cmd, &value[1]) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    plcf->error_body = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (plcf->error_body == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[2];
    ccv.complex_value = plcf->error_body;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    plcf->error_type = value[1];

    return NGX_CONF_OK;
}


static char *
ngx_http_pgticket_unavailable(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_pgticket_loc_conf_t *plcf = conf;

    ngx_int_t                          n;
    ngx_str_t                         *value;
    ngx_http_compile_complex_value_t   ccv;

    if (plcf->unavail_body != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    n = ngx_atoi(value[1].data, value[1].len);
    if (n < 200 || n > 599) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" directive has invalid status \"%V\" "
                           "(200-599)", &cmd->name, &value[1]);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_pgticket_content_type(cf, cmd, &value[2]) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    plcf->unavail_body = ngx_palloc(cf->pool,
                                    sizeof(ngx_http_complex_value_t));
    if (plcf->unavail_body == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[3];
    ccv.complex_value = plcf->unavail_body;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    plcf->unavail_status = n;
    plcf->unavail_type = value[2];

    return NGX_CONF_OK;
}


static char *
ngx_http_pgticket_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_pgticket_loc_conf_t *plcf = conf;

    ngx_http_core_loc_conf_t  *clcf;

    if (plcf->status != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    /* the status page is the location's handler: its routes would be dead */

    if (plcf->routes != NULL) {
        return "cannot be used with \"pgticket_route\" in one location";
    }

    plcf->status = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_pgticket_status_handler;

    return NGX_CONF_OK;
}


/*
 * pgticket_param name value: "name": "value" in the request document's
 * "nginx" object, which only nginx writes (a client's query, body and
 * headers are members of their own); the value may hold variables.
 */

static char *
ngx_http_pgticket_param(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_pgticket_loc_conf_t *plcf = conf;

    u_char                            *p;
    ngx_str_t                         *value;
    ngx_uint_t                         i;
    ngx_http_pgticket_param_t         *param;
    ngx_http_compile_complex_value_t   ccv;

    value = cf->args->elts;

    if (value[1].len == 0) {
        return "has an empty name";
    }

    for (p = value[1].data; p < value[1].data + value[1].len; p++) {
        if (*p < 0x21 || *p > 0x7e || *p == '"' || *p == '\\') {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\" directive has invalid parameter "
                               "name \"%V\"", &cmd->name, &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    if (plcf->params == NGX_CONF_UNSET_PTR) {
        plcf->params = ngx_array_create(cf->pool, 4,
                                        sizeof(ngx_http_pgticket_param_t));
        if (plcf->params == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    param = plcf->params->elts;

    for (i = 0; i < plcf->params->nelts; i++) {
        if (param[i].name.len == value[1].len
            && ngx_strncmp(param[i].name.data, value[1].data, value[1].len)
               == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\" directive has duplicate parameter "
                               "\"%V\"", &cmd->name, &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    param = ngx_array_push(plcf->params);
    if (param == NULL) {
        return NGX_CONF_ERROR;
    }

    /* NUL-terminated: a key of the document */

    param->name.len = value[1].len;
    param->name.data = ngx_pnalloc(cf->pool, value[1].len + 1);
    if (param->name.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_cpystrn(param->name.data, value[1].data, value[1].len + 1);

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[2];
    ccv.complex_value = &param->value;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_pgticket_init_process(ngx_cycle_t *cycle)
{
    ngx_http_pgticket_main_conf_t  *pmcf;

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    pmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_pgticket_module);

    if (pmcf == NULL || pmcf->conninfo.len == 0) {
        return NGX_OK;
    }

    return ngx_http_pgticket_pool_init(cycle, pmcf);
}


static void
ngx_http_pgticket_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_pgticket_main_conf_t  *pmcf;

    pmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_pgticket_module);

    if (pmcf == NULL || pmcf->pool == NULL) {
        return;
    }

    ngx_http_pgticket_pool_done(pmcf->pool);
    pmcf->pool = NULL;
}
