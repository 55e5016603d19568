
/*
 * Copyright (C) pgticket authors
 *
 * nginx's own errors in an API's shape.  Where pgticket_error_page is set,
 * an error nginx raises itself (a 403 of allow/deny or auth_request, a 401
 * of auth_basic, a 400 for a bad chunked body, a 500, a 503 of limit_conn,
 * ...: its "special response") is answered with that template instead of
 * nginx's HTML page, with $pgticket_status and $pgticket_message set from
 * the status.  The headers nginx set (WWW-Authenticate, Allow, Retry-After)
 * stay; error_page, where configured for the status, still wins.  The
 * module's own answers are left alone.
 */


#include "ngx_http_pgticket_module.h"


static ngx_int_t ngx_http_pgticket_error_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_pgticket_error_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


ngx_int_t
ngx_http_pgticket_error_filter_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_pgticket_error_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_pgticket_error_body_filter;

    return NGX_OK;
}


static ngx_int_t
ngx_http_pgticket_error_header_filter(ngx_http_request_t *r)
{
    char                          *message;
    ngx_str_t                      body;
    ngx_http_pgticket_ctx_t       *ctx;
    ngx_http_pgticket_loc_conf_t  *plcf;

    /* err_status is set by ngx_http_special_response_handler() only */

    if (r->err_status < NGX_HTTP_BAD_REQUEST || r != r->main) {
        return ngx_http_next_header_filter(r);
    }

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_pgticket_module);

    if (plcf->error_body == NULL) {
        return ngx_http_next_header_filter(r);
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_pgticket_module);

    if (ctx && (ctx->own || ctx->replace)) {
        return ngx_http_next_header_filter(r);
    }

    if (ctx == NULL) {
        /* refused before the content handler: by access control, say */

        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_pgticket_ctx_t));
        if (ctx == NULL) {
            return NGX_ERROR;
        }

        ctx->request = r;
        ngx_http_set_ctx(r, ctx, ngx_http_pgticket_module);
    }

    message = ngx_http_pgticket_status_message(r->err_status);

    ctx->status = r->err_status;
    ctx->message.data = (u_char *) message;
    ctx->message.len = ngx_strlen(message);

    if (ngx_http_complex_value(r, plcf->error_body, &body) != NGX_OK) {
        return NGX_ERROR;
    }

    ctx->error_page = body;
    ctx->replace = 1;

    r->headers_out.content_type = plcf->error_type;
    r->headers_out.content_type_len = plcf->error_type.len;
    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.content_length_n = body.len;

    if (r->headers_out.content_length) {
        r->headers_out.content_length->hash = 0;
        r->headers_out.content_length = NULL;
    }

    return ngx_http_next_header_filter(r);
}


/*
 * nginx's page goes nowhere; the template goes once, as the whole body.
 * Later calls only flush what the first one could not send yet.
 */

static ngx_int_t
ngx_http_pgticket_error_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_buf_t                *b;
    ngx_chain_t              *cl, out;
    ngx_http_pgticket_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_pgticket_module);

    if (ctx == NULL || !ctx->replace) {
        return ngx_http_next_body_filter(r, in);
    }

    for (cl = in; cl; cl = cl->next) {
        cl->buf->pos = cl->buf->last;
        cl->buf->file_pos = cl->buf->file_last;
    }

    if (ctx->replaced) {
        return ngx_http_next_body_filter(r, NULL);
    }

    ctx->replaced = 1;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    if (ctx->error_page.len) {
        b->pos = ctx->error_page.data;
        b->last = ctx->error_page.data + ctx->error_page.len;
        b->memory = 1;
    }

    b->last_buf = 1;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_next_body_filter(r, &out);
}
