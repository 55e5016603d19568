
/*
 * Copyright (C) pgticket authors
 *
 * Response writing: the (status, headers, body) row of a route function as
 * HTTP, SQLSTATE to HTTP status, and the module's own error and
 * unavailable answers.
 */


#include "ngx_http_pgticket_module.h"


typedef struct {
    char        *sqlstate;   /* a full SQLSTATE or a two-character class */
    ngx_uint_t   status;     /* 0: the unavailable answer */
    char        *message;
    ngx_uint_t   level;      /* of the error log line */
} ngx_http_pgticket_sqlstate_t;


typedef struct {
    ngx_uint_t   status;
    char        *message;
    char        *reason;     /* RFC 9110's reason phrase, as a constant */
} ngx_http_pgticket_message_t;


/* a header the route function returned */
typedef struct {
    ngx_str_t    key;
    ngx_str_t    value;
} ngx_http_pgticket_header_t;


static ngx_int_t ngx_http_pgticket_send_row(ngx_http_request_t *r,
    PGresult *res);
static ngx_int_t ngx_http_pgticket_set_headers(ngx_http_request_t *r,
    u_char *text, size_t len);
static ngx_int_t ngx_http_pgticket_parse_headers(ngx_http_request_t *r,
    u_char *p, u_char *last, ngx_array_t *headers);
static ngx_int_t ngx_http_pgticket_header_valid(ngx_http_request_t *r,
    ngx_http_pgticket_header_t *h);
static ngx_int_t ngx_http_pgticket_send_sql_error(ngx_http_request_t *r,
    ngx_http_pgticket_ctx_t *ctx, PGresult *res);
static ngx_int_t ngx_http_pgticket_send_body(ngx_http_request_t *r,
    ngx_uint_t status, ngx_str_t *type, u_char *data, size_t len);
static ngx_http_pgticket_message_t *ngx_http_pgticket_status_row(
    ngx_uint_t status);


/*
 * SQLSTATE to HTTP, first match wins.  PT4nn (pgticket's own client
 * errors) is nnn, before this table.  A client's mistake is 4xx and logged
 * at info; a transient state of the server (a statement cancelled at the
 * deadline, a lock not had in time, a serialization failure or deadlock
 * still there when run again, a read-only server, connection, resource or
 * operator trouble) is the unavailable answer; a missing privilege is the
 * server's misconfiguration, 500 and logged as an error, like anything
 * else (22P07, a row type changed under a session, is not a bad value).
 */

static ngx_http_pgticket_sqlstate_t  ngx_http_pgticket_sqlstates[] = {
    { "42501", NGX_HTTP_INTERNAL_SERVER_ERROR, "Internal error",
      NGX_LOG_ERR },
    { "57014", 0, NULL, NGX_LOG_WARN },
    { "55P03", 0, NULL, NGX_LOG_WARN },
    { "40001", 0, NULL, NGX_LOG_WARN },
    { "40P01", 0, NULL, NGX_LOG_WARN },
    { "25006", 0, NULL, NGX_LOG_WARN },
    { "22P07", NGX_HTTP_INTERNAL_SERVER_ERROR, "Internal error",
      NGX_LOG_ERR },
    { "22", NGX_HTTP_BAD_REQUEST, "Bad request", NGX_LOG_INFO },
    { "23", NGX_HTTP_CONFLICT, "Conflict", NGX_LOG_INFO },
    { "08", 0, NULL, NGX_LOG_WARN },
    { "53", 0, NULL, NGX_LOG_WARN },
    { "57", 0, NULL, NGX_LOG_WARN },
    { NULL, NGX_HTTP_INTERNAL_SERVER_ERROR, "Internal error", NGX_LOG_ERR }
};


/*
 * $pgticket_message and $pgticket_reason of a status: of a PT4nn error, and
 * of an error nginx itself raises in an API's location
 * (ngx_http_pgticket_error_filter.c).  The reason is what 001's errorCode
 * carries after the status ("404 NOT_FOUND"), as Spring's HttpStatus names
 * RFC 9110's reason phrases.
 */

static ngx_http_pgticket_message_t  ngx_http_pgticket_messages[] = {
    { 400, "Bad request", "BAD_REQUEST" },
    { 401, "Unauthorized", "UNAUTHORIZED" },
    { 403, "Forbidden", "FORBIDDEN" },
    { 404, "Not found", "NOT_FOUND" },
    { 405, "Method not allowed", "METHOD_NOT_ALLOWED" },
    { 408, "Request timeout", "REQUEST_TIMEOUT" },
    { 409, "Conflict", "CONFLICT" },
    { 410, "Gone", "GONE" },
    { 413, "Request body too large", "CONTENT_TOO_LARGE" },
    { 414, "Request URI too long", "URI_TOO_LONG" },
    { 415, "Unsupported media type", "UNSUPPORTED_MEDIA_TYPE" },
    { 422, "Unprocessable content", "UNPROCESSABLE_CONTENT" },
    { 429, "Too many requests", "TOO_MANY_REQUESTS" },
    { 500, "Internal error", "INTERNAL_SERVER_ERROR" },
    { 501, "Not implemented", "NOT_IMPLEMENTED" },
    { 502, "Bad gateway", "BAD_GATEWAY" },
    { 503, "Service unavailable", "SERVICE_UNAVAILABLE" },
    { 504, "Gateway timeout", "GATEWAY_TIMEOUT" },
    { 0, NULL, NULL }
};


void
ngx_http_pgticket_answer(ngx_http_request_t *r, ngx_int_t rc)
{
    ngx_connection_t  *c;

    c = r->connection;

    ngx_http_finalize_request(r, rc);
    ngx_http_run_posted_requests(c);
}


ngx_int_t
ngx_http_pgticket_send_result(ngx_http_request_t *r,
    ngx_http_pgticket_ctx_t *ctx, PGresult *res)
{
    /* the result lives as long as the request: the body is sent from it */

    ctx->result = res;

    r->connection->log->action = "sending pgticket response to client";

    switch (PQresultStatus(res)) {

    case PGRES_TUPLES_OK:
        if (PQntuples(res) == 1 && PQnfields(res) == 3
            && !PQgetisnull(res, 0, 0))
        {
            return ngx_http_pgticket_send_row(r, res);
        }

        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "pgticket: route function returned %d rows, "
                      "expected one with a status",
                      PQntuples(res));
        break;

    case PGRES_FATAL_ERROR:
        return ngx_http_pgticket_send_sql_error(r, ctx, res);

    default:
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "pgticket: unexpected result: %s",
                      PQresStatus(PQresultStatus(res)));
        break;
    }

    ctx->pool->errors[NGX_HTTP_PGTICKET_ERR_SQL]++;

    return ngx_http_pgticket_send_error(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                        "Internal error");
}


static ngx_int_t
ngx_http_pgticket_send_row(ngx_http_request_t *r, PGresult *res)
{
    ngx_int_t  rc, status;

    status = ngx_atoi((u_char *) PQgetvalue(res, 0, 0),
                      PQgetlength(res, 0, 0));

    if (status < 200 || status > 599) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "pgticket: route function returned invalid "
                      "status \"%s\"", PQgetvalue(res, 0, 0));
        return ngx_http_pgticket_send_error(r,
                                            NGX_HTTP_INTERNAL_SERVER_ERROR,
                                            "Internal error");
    }

    if (!PQgetisnull(res, 0, 1)) {
        rc = ngx_http_pgticket_set_headers(r, (u_char *) PQgetvalue(res, 0, 1),
                                           PQgetlength(res, 0, 1));
        if (rc == NGX_DECLINED) {
            return ngx_http_pgticket_send_error(r,
                                            NGX_HTTP_INTERNAL_SERVER_ERROR,
                                            "Internal error");
        }

        if (rc != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    /* a NULL body has length 0: no body; otherwise its bytes as they came */

    return ngx_http_pgticket_send_body(r, status, NULL,
                                       (u_char *) PQgetvalue(res, 0, 2),
                                       PQgetlength(res, 0, 2));
}


/*
 * headers: a JSON object of name to string value (members of another type
 * are ignored).  The whole object is checked before anything is set: a
 * name that is not an HTTP token or a value with a control character (CR,
 * LF: response splitting) refuses the answer (NGX_DECLINED).  nginx owns
 * the framing of the response, so Content-Length and the hop-by-hop
 * headers are ignored.  Names and values stay in the result, which lives
 * as long as the request; only an escaped one is decoded into the pool.
 */

static ngx_int_t
ngx_http_pgticket_set_headers(ngx_http_request_t *r, u_char *text,
    size_t len)
{
    size_t                       klen;
    u_char                      *key;
    ngx_uint_t                   i;
    ngx_array_t                  headers;
    ngx_table_elt_t             *h;
    ngx_http_pgticket_header_t  *hd;

    if (ngx_array_init(&headers, r->pool, 4,
                       sizeof(ngx_http_pgticket_header_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    switch (ngx_http_pgticket_parse_headers(r, text, text + len, &headers)) {

    case NGX_OK:
        break;

    case NGX_DECLINED:
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "pgticket: route function returned headers that are "
                      "not a JSON object");
        return NGX_DECLINED;

    default:
        return NGX_ERROR;
    }

    hd = headers.elts;

    for (i = 0; i < headers.nelts; i++) {
        if (ngx_http_pgticket_header_valid(r, &hd[i]) != NGX_OK) {
            return NGX_DECLINED;
        }
    }

    for (i = 0; i < headers.nelts; i++) {
        key = hd[i].key.data;
        klen = hd[i].key.len;

        if (klen == 12
            && ngx_strncasecmp(key, (u_char *) "content-type", 12) == 0)
        {
            r->headers_out.content_type = hd[i].value;
            r->headers_out.content_type_len = hd[i].value.len;
            r->headers_out.content_type_lowcase = NULL;
            continue;
        }

        if ((klen == 14
             && ngx_strncasecmp(key, (u_char *) "content-length", 14) == 0)
            || (klen == 17
                && ngx_strncasecmp(key, (u_char *) "transfer-encoding", 17)
                   == 0)
            || (klen == 10
                && ngx_strncasecmp(key, (u_char *) "connection", 10) == 0)
            || (klen == 10
                && ngx_strncasecmp(key, (u_char *) "keep-alive", 10) == 0)
            || (klen == 7
                && ngx_strncasecmp(key, (u_char *) "upgrade", 7) == 0)
            || (klen == 7
                && ngx_strncasecmp(key, (u_char *) "trailer", 7) == 0))
        {
            continue;
        }

        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        h->hash = 1;
        h->key = hd[i].key;
        h->value = hd[i].value;
    }

    return NGX_OK;
}


/*
 * The headers object as PostgreSQL writes a jsonb value: valid JSON, so
 * this only has to be right about valid JSON; anything else it is given
 * is refused (NGX_DECLINED), never read past.
 */

static ngx_int_t
ngx_http_pgticket_parse_headers(ngx_http_request_t *r, u_char *p,
    u_char *last, ngx_array_t *headers)
{
    ngx_int_t                    rc;
    ngx_str_t                    key, value;
    ngx_http_pgticket_header_t  *hd;

    p = ngx_http_pgticket_json_space(p, last);

    if (p == last || *p++ != '{') {
        return NGX_DECLINED;
    }

    p = ngx_http_pgticket_json_space(p, last);

    if (p < last && *p == '}') {
        p++;
        goto done;
    }

    for ( ;; ) {
        p = ngx_http_pgticket_json_space(p, last);

        if (p == last || *p != '"') {
            return NGX_DECLINED;
        }

        rc = ngx_http_pgticket_json_string(r->pool, &p, last, &key);
        if (rc != NGX_OK) {
            return rc;
        }

        p = ngx_http_pgticket_json_space(p, last);

        if (p == last || *p++ != ':') {
            return NGX_DECLINED;
        }

        p = ngx_http_pgticket_json_space(p, last);

        if (p < last && *p == '"') {
            rc = ngx_http_pgticket_json_string(r->pool, &p, last, &value);
            if (rc != NGX_OK) {
                return rc;
            }

            hd = ngx_array_push(headers);
            if (hd == NULL) {
                return NGX_ERROR;
            }

            hd->key = key;
            hd->value = value;

        } else if (ngx_http_pgticket_json_skip(&p, last) != NGX_OK) {
            return NGX_DECLINED;
        }

        p = ngx_http_pgticket_json_space(p, last);

        if (p == last) {
            return NGX_DECLINED;
        }

        if (*p == ',') {
            p++;
            continue;
        }

        if (*p++ == '}') {
            break;
        }

        return NGX_DECLINED;
    }

done:

    p = ngx_http_pgticket_json_space(p, last);

    return (p == last) ? NGX_OK : NGX_DECLINED;
}


static ngx_int_t
ngx_http_pgticket_header_valid(ngx_http_request_t *r,
    ngx_http_pgticket_header_t *h)
{
    u_char  c;
    size_t  i;

    static uint32_t  token[] = {
        0x00000000, /* 0000 0000 0000 0000  0000 0000 0000 0000 */

                    /* ?>=< ;:98 7654 3210  /.-, +*)( '&%$ #"!  */
        0x03ff6cfa, /* 0000 0011 1111 1111  0110 1100 1111 1010 */

                    /* _^]\ [ZYX WVUT SRQP  ONML KJIH GFED CBA@ */
        0xc7fffffe, /* 1100 0111 1111 1111  1111 1111 1111 1110 */

                    /*  ~}| {zyx wvut srqp  onml kjih gfed cba` */
        0x57ffffff, /* 0101 0111 1111 1111  1111 1111 1111 1111 */

        0x00000000, 0x00000000, 0x00000000, 0x00000000
    };

    if (h->key.len == 0) {
        goto invalid;
    }

    for (i = 0; i < h->key.len; i++) {
        c = h->key.data[i];

        if (!(token[c >> 5] & (1U << (c & 0x1f)))) {
            goto invalid;
        }
    }

    for (i = 0; i < h->value.len; i++) {
        c = h->value.data[i];

        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            goto invalid;
        }
    }

    return NGX_OK;

invalid:

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "pgticket: route function returned an invalid header "
                  "\"%V\"", &h->key);

    return NGX_DECLINED;
}


static ngx_int_t
ngx_http_pgticket_send_sql_error(ngx_http_request_t *r,
    ngx_http_pgticket_ctx_t *ctx, PGresult *res)
{
    char                          *state, *msg, *message;
    size_t                         len;
    ngx_uint_t                     status, level;
    ngx_http_pgticket_func_t      *func;
    ngx_http_pgticket_sqlstate_t  *m;

    state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

    if (state == NULL || ngx_strlen(state) != 5) {
        state = "XX000";
    }

    func = ctx->pool->pmcf->funcs.elts;
    func = &func[ctx->route->func];

    for (m = ngx_http_pgticket_sqlstates; m->sqlstate; m++) {
        len = ngx_strlen(m->sqlstate);

        if (ngx_strncmp(state, m->sqlstate, len) == 0) {
            break;
        }
    }

    status = m->status;
    message = m->message;
    level = m->level;

    if (state[0] == 'P' && state[1] == 'T' && state[2] == '4'
        && state[3] >= '0' && state[3] <= '9'
        && state[4] >= '0' && state[4] <= '9')
    {
        status = 400 + (state[3] - '0') * 10 + (state[4] - '0');
        level = NGX_LOG_INFO;
        message = ngx_http_pgticket_status_message(status);
    }

    /* a HEAD runs read-only: its route's function would change data */

    if (r->method == NGX_HTTP_HEAD && ngx_strcmp(state, "25006") == 0) {
        status = NGX_HTTP_NOT_ALLOWED;
        message = "Method not allowed";
        level = NGX_LOG_INFO;
    }

    /* the message may quote what the client sent: escaped, on one line */

    if (msg) {
        msg = (char *) ngx_http_pgticket_log_escape(r->pool, (u_char *) msg,
                                                    ngx_strlen(msg));
    }

    ngx_log_error(level, r->connection->log, 0,
                  "pgticket: %V failed: SQLSTATE %s: %s%s",
                  &func->name, state, msg ? msg : "",
                  ngx_strcmp(state, "42501") == 0
                  ? " (the role nginx connects as misses a privilege)" : "");

    if (status == 0) {
        return ngx_http_pgticket_send_unavailable(r,
                                   ngx_strcmp(state, "57014") == 0
                                   ? NGX_HTTP_PGTICKET_ERR_TIMEOUT
                                   : NGX_HTTP_PGTICKET_ERR_UNAVAILABLE);
    }

    ctx->pool->errors[NGX_HTTP_PGTICKET_ERR_SQL]++;

    if (status == NGX_HTTP_NOT_ALLOWED) {
        if (ngx_http_pgticket_set_allow(r,
                                 ctx->route->methods & ~NGX_HTTP_HEAD)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    return ngx_http_pgticket_send_error(r, status, message);
}


ngx_int_t
ngx_http_pgticket_send_error(ngx_http_request_t *r, ngx_uint_t status,
    char *message)
{
    ngx_str_t                       body;
    ngx_http_pgticket_ctx_t        *ctx;
    ngx_http_pgticket_loc_conf_t   *plcf;
    ngx_http_pgticket_main_conf_t  *pmcf;

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_pgticket_module);
    pmcf = ngx_http_get_module_main_conf(r, ngx_http_pgticket_module);
    ctx = ngx_http_get_module_ctx(r, ngx_http_pgticket_module);

    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->status = status;
    ctx->message.data = (u_char *) message;
    ctx->message.len = ngx_strlen(message);

    if (status < NGX_HTTP_INTERNAL_SERVER_ERROR && pmcf->pool) {
        pmcf->pool->errors[NGX_HTTP_PGTICKET_ERR_CLIENT]++;
    }

    if (plcf->error_body == NULL) {
        return ngx_http_pgticket_send_body(r, status, NULL, NULL, 0);
    }

    if (ngx_http_complex_value(r, plcf->error_body, &body) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_pgticket_send_body(r, status, &plcf->error_type,
                                       body.data, body.len);
}


ngx_int_t
ngx_http_pgticket_send_unavailable(ngx_http_request_t *r, ngx_uint_t kind)
{
    ngx_str_t                       body;
    ngx_http_pgticket_ctx_t        *ctx;
    ngx_http_pgticket_loc_conf_t   *plcf;
    ngx_http_pgticket_main_conf_t  *pmcf;

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_pgticket_module);
    pmcf = ngx_http_get_module_main_conf(r, ngx_http_pgticket_module);
    ctx = ngx_http_get_module_ctx(r, ngx_http_pgticket_module);

    if (pmcf->pool) {
        pmcf->pool->errors[kind]++;
    }

    if (ctx == NULL) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    r->connection->log->action = "sending pgticket response to client";

    if (plcf->unavail_body == NULL) {
        return ngx_http_pgticket_send_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                            "Service unavailable");
    }

    ctx->status = plcf->unavail_status;
    ngx_str_set(&ctx->message, "Service unavailable");

    if (ngx_http_complex_value(r, plcf->unavail_body, &body) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_pgticket_send_body(r, plcf->unavail_status,
                                       &plcf->unavail_type,
                                       body.data, body.len);
}


static ngx_int_t
ngx_http_pgticket_send_body(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, u_char *data, size_t len)
{
    ngx_int_t                 rc;
    ngx_buf_t                *b;
    ngx_chain_t               out;
    ngx_http_pgticket_ctx_t  *ctx;

    /* not an error of nginx's own for the error filter to reshape */

    ctx = ngx_http_get_module_ctx(r, ngx_http_pgticket_module);
    if (ctx) {
        ctx->own = 1;
    }

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;

    if (type) {
        r->headers_out.content_type = *type;
        r->headers_out.content_type_len = type->len;
        r->headers_out.content_type_lowcase = NULL;
    }

    if (len == 0) {
        r->header_only = 1;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = data;
    b->last = data + len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/* a status's row of the table; a status without one, by its class */

static ngx_http_pgticket_message_t *
ngx_http_pgticket_status_row(ngx_uint_t status)
{
    ngx_http_pgticket_message_t  *pm;

    static ngx_http_pgticket_message_t  client_error = {
        0, "Client error", "CLIENT_ERROR"
    };
    static ngx_http_pgticket_message_t  server_error = {
        0, "Server error", "SERVER_ERROR"
    };

    for (pm = ngx_http_pgticket_messages; pm->status; pm++) {
        if (pm->status == status) {
            return pm;
        }
    }

    return status < NGX_HTTP_INTERNAL_SERVER_ERROR ? &client_error
                                                   : &server_error;
}


char *
ngx_http_pgticket_status_message(ngx_uint_t status)
{
    return ngx_http_pgticket_status_row(status)->message;
}


char *
ngx_http_pgticket_status_reason(ngx_uint_t status)
{
    return ngx_http_pgticket_status_row(status)->reason;
}


/*
 * Text that may come from a client, made safe for one line of the error
 * log, as the access log escapes by default: '"', '\\', control characters
 * and bytes over 0x7e as \xHH, so that no request can write a line of its
 * own (a forged entry) or a terminal escape.  NUL-terminated.
 */

u_char *
ngx_http_pgticket_log_escape(ngx_pool_t *pool, u_char *text, size_t len)
{
    u_char  *dst, *d, *end;

    static u_char  hex[] = "0123456789ABCDEF";

    dst = ngx_pnalloc(pool, len * 4 + 1);
    if (dst == NULL) {
        return (u_char *) "(out of memory)";
    }

    d = dst;

    for (end = text + len; text < end; text++) {

        if (*text < 0x20 || *text > 0x7e || *text == '"' || *text == '\\') {
            *d++ = '\\';
            *d++ = 'x';
            *d++ = hex[*text >> 4];
            *d++ = hex[*text & 0xf];
            continue;
        }

        *d++ = *text;
    }

    *d = '\0';

    return dst;
}
