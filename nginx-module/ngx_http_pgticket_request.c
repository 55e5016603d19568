
/*
 * Copyright (C) pgticket authors
 *
 * The request document: one JSON object, built with json-c, that carries
 * everything the SQL function needs (method, path, path parameters, query
 * arguments, the route's headers, the body turned into JSON, the remote
 * address).  A JSON body is validated and embedded as the bytes that came.
 */


#include "ngx_http_pgticket_module.h"

#include <json-c/json.h>
#include <json-c/printbuf.h>


#define NGX_HTTP_PGTICKET_JSON_DEPTH  128

/*
 * What PostgreSQL's numeric (a jsonb number) holds: an exponent below
 * INT_MAX / 2 either way, at most NUMERIC_DSCALE_MAX digits after the
 * point, and less than 10^131072 (NUMERIC_WEIGHT_MAX base-10000 digits)
 */
#define NGX_HTTP_PGTICKET_NUMERIC_EXP_MAX     1073741823
#define NGX_HTTP_PGTICKET_NUMERIC_SCALE_MAX   16383
#define NGX_HTTP_PGTICKET_NUMERIC_WEIGHT_MAX  131071


typedef struct {
    ngx_http_request_t  *request;
    json_object         *root;
} ngx_http_pgticket_doc_t;


static ngx_int_t ngx_http_pgticket_add_str(json_object *obj, char *key,
    u_char *data, size_t len);
static ngx_int_t ngx_http_pgticket_add_value(json_object *obj, char *key,
    u_char *data, size_t len);
static ngx_int_t ngx_http_pgticket_utf8_valid(u_char *p, size_t len);
static ngx_int_t ngx_http_pgticket_add_field(void *data, ngx_str_t *name,
    ngx_str_t *value);
static u_char *ngx_http_pgticket_form_decode(ngx_pool_t *pool, u_char *p,
    u_char *last, size_t *len);
static ngx_int_t ngx_http_pgticket_parse_form(ngx_http_request_t *r,
    json_object *obj, u_char *p, u_char *end);
static ngx_int_t ngx_http_pgticket_add_headers(ngx_http_request_t *r,
    ngx_http_pgticket_ctx_t *ctx, json_object *obj);
static ngx_int_t ngx_http_pgticket_add_params(ngx_http_request_t *r,
    json_object *root);
static ngx_int_t ngx_http_pgticket_read_body(ngx_http_request_t *r,
    ngx_str_t *body);
static ngx_int_t ngx_http_pgticket_json_valid(u_char *p, size_t len);
static ngx_int_t ngx_http_pgticket_json_tokens_valid(u_char *p,
    size_t len);
static ngx_int_t ngx_http_pgticket_json_number_valid(u_char **pp,
    u_char *last);
static ngx_int_t ngx_http_pgticket_add_body(ngx_http_request_t *r,
    ngx_http_pgticket_ctx_t *ctx, json_object *root);
static int ngx_http_pgticket_raw_serializer(json_object *jso,
    struct printbuf *pb, int level, int flags);
static void ngx_http_pgticket_doc_cleanup(void *data);


ngx_int_t
ngx_http_pgticket_build_document(ngx_http_request_t *r,
    ngx_http_pgticket_ctx_t *ctx)
{
    size_t                        len;
    ngx_int_t                     rc;
    ngx_uint_t                    i;
    const char                   *s;
    json_object                  *root, *obj;
    ngx_pool_cleanup_t           *cln;
    ngx_http_pgticket_doc_t      *doc;
    ngx_http_pgticket_segment_t  *seg;

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_pgticket_doc_t));
    if (cln == NULL) {
        return NGX_ERROR;
    }

    root = json_object_new_object();
    if (root == NULL) {
        return NGX_ERROR;
    }

    doc = cln->data;
    doc->request = r;
    doc->root = root;
    cln->handler = ngx_http_pgticket_doc_cleanup;

    ngx_str_set(&ctx->message, "Invalid request encoding");

    if (ngx_http_pgticket_add_str(root, "method", r->method_name.data,
                                  r->method_name.len)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ngx_http_pgticket_utf8_valid(r->uri.data, r->uri.len) != NGX_OK) {
        return NGX_HTTP_BAD_REQUEST;
    }

    if (ngx_http_pgticket_add_str(root, "path", r->uri.data, r->uri.len)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* path parameters */

    obj = json_object_new_object();
    if (obj == NULL) {
        return NGX_ERROR;
    }

    json_object_object_add_ex(root, "params", obj,
                              JSON_C_OBJECT_KEY_IS_CONSTANT);

    seg = ctx->route->segments;

    for (i = 0; i < ctx->route->nsegments; i++) {
        if (!seg[i].param) {
            continue;
        }

        if (ngx_http_pgticket_utf8_valid(ctx->params[i].data,
                                         ctx->params[i].len)
            != NGX_OK)
        {
            return NGX_HTTP_BAD_REQUEST;
        }

        if (ngx_http_pgticket_add_str(obj, (char *) seg[i].value.data,
                                      ctx->params[i].data, ctx->params[i].len)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    /* query arguments */

    obj = json_object_new_object();
    if (obj == NULL) {
        return NGX_ERROR;
    }

    json_object_object_add_ex(root, "query", obj,
                              JSON_C_OBJECT_KEY_IS_CONSTANT);

    /* no query string: args.data is NULL, and NULL + 0 undefined in C */

    if (r->args.len) {
        rc = ngx_http_pgticket_parse_form(r, obj, r->args.data,
                                          r->args.data + r->args.len);
        if (rc != NGX_OK) {
            return rc;
        }
    }

    /* the route's headers */

    obj = json_object_new_object();
    if (obj == NULL) {
        return NGX_ERROR;
    }

    json_object_object_add_ex(root, "headers", obj,
                              JSON_C_OBJECT_KEY_IS_CONSTANT);

    rc = ngx_http_pgticket_add_headers(r, ctx, obj);
    if (rc != NGX_OK) {
        return rc;
    }

    rc = ngx_http_pgticket_add_params(r, root);
    if (rc != NGX_OK) {
        return rc;
    }

    rc = ngx_http_pgticket_add_body(r, ctx, root);
    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_pgticket_add_str(root, "remote_addr",
                                  r->connection->addr_text.data,
                                  r->connection->addr_text.len)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    s = json_object_to_json_string_length(root,
                                          JSON_C_TO_STRING_PLAIN
                                          | JSON_C_TO_STRING_NOSLASHESCAPE,
                                          &len);
    if (s == NULL) {
        return NGX_ERROR;
    }

    ctx->doc.data = ngx_pnalloc(r->pool, len + 1);
    if (ctx->doc.data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(ctx->doc.data, s, len + 1);
    ctx->doc.len = len;

    /* json-c memory is released now rather than with the request */

    json_object_put(root);
    doc->root = NULL;

    return NGX_OK;
}


static void
ngx_http_pgticket_doc_cleanup(void *data)
{
    ngx_http_pgticket_doc_t  *doc = data;

    if (doc->root) {
        json_object_put(doc->root);
        doc->root = NULL;
    }
}


static ngx_int_t
ngx_http_pgticket_add_str(json_object *obj, char *key, u_char *data,
    size_t len)
{
    json_object  *v;

    v = json_object_new_string_len((const char *) data, (int) len);
    if (v == NULL) {
        return NGX_ERROR;
    }

    if (json_object_object_add_ex(obj, key, v, JSON_C_OBJECT_KEY_IS_CONSTANT)
        != 0)
    {
        json_object_put(v);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* adds a string; a repeated key turns into an array of strings */

static ngx_int_t
ngx_http_pgticket_add_value(json_object *obj, char *key, u_char *data,
    size_t len)
{
    json_object  *old, *arr, *v;

    if (!json_object_object_get_ex(obj, key, &old)) {
        return ngx_http_pgticket_add_str(obj, key, data, len);
    }

    v = json_object_new_string_len((const char *) data, (int) len);
    if (v == NULL) {
        return NGX_ERROR;
    }

    if (json_object_is_type(old, json_type_array)) {
        if (json_object_array_add(old, v) != 0) {
            json_object_put(v);
            return NGX_ERROR;
        }

        return NGX_OK;
    }

    arr = json_object_new_array();
    if (arr == NULL) {
        json_object_put(v);
        return NGX_ERROR;
    }

    json_object_array_add(arr, json_object_get(old));
    json_object_array_add(arr, v);

    if (json_object_object_add_ex(obj, key, arr,
                                  JSON_C_OBJECT_KEY_IS_CONSTANT)
        != 0)
    {
        json_object_put(arr);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* valid UTF-8 without NUL: what PostgreSQL accepts in a text value */

static ngx_int_t
ngx_http_pgticket_utf8_valid(u_char *p, size_t len)
{
    u_char    *end;
    uint32_t   c, min;
    ngx_uint_t n;

    end = p + len;

    while (p < end) {
        c = *p++;

        if (c < 0x80) {
            if (c == 0) {
                return NGX_DECLINED;
            }

            continue;
        }

        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            c &= 0x1f;
            min = 0x80;

        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            c &= 0x0f;
            min = 0x800;

        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            c &= 0x07;
            min = 0x10000;

        } else {
            return NGX_DECLINED;
        }

        if ((size_t) (end - p) < n) {
            return NGX_DECLINED;
        }

        while (n--) {
            if ((*p & 0xc0) != 0x80) {
                return NGX_DECLINED;
            }

            c = (c << 6) | (*p++ & 0x3f);
        }

        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
            return NGX_DECLINED;
        }
    }

    return NGX_OK;
}


/* URL-decodes into a NUL-terminated copy; '+' is a space */

static u_char *
ngx_http_pgticket_form_decode(ngx_pool_t *pool, u_char *p, u_char *last,
    size_t *len)
{
    u_char  *dst, *d, c, h, l;

    dst = ngx_pnalloc(pool, last - p + 1);
    if (dst == NULL) {
        return NULL;
    }

    d = dst;

    while (p < last) {
        c = *p++;

        if (c == '+') {
            *d++ = ' ';
            continue;
        }

        if (c == '%' && last - p >= 2) {
            h = ngx_tolower(p[0]);
            l = ngx_tolower(p[1]);

            if (((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f'))
                && ((l >= '0' && l <= '9') || (l >= 'a' && l <= 'f')))
            {
                h = (h >= 'a') ? h - 'a' + 10 : h - '0';
                l = (l >= 'a') ? l - 'a' + 10 : l - '0';
                *d++ = (u_char) ((h << 4) | l);
                p += 2;
                continue;
            }
        }

        *d++ = c;
    }

    *d = '\0';
    *len = d - dst;

    return dst;
}


static ngx_int_t
ngx_http_pgticket_parse_form(ngx_http_request_t *r, json_object *obj,
    u_char *p, u_char *end)
{
    u_char  *last, *eq, *key, *val;
    size_t   klen, vlen;

    while (p < end) {
        last = ngx_strlchr(p, end, '&');
        if (last == NULL) {
            last = end;
        }

        if (last == p) {
            p++;
            continue;
        }

        eq = ngx_strlchr(p, last, '=');
        if (eq == NULL) {
            eq = last;
        }

        key = ngx_http_pgticket_form_decode(r->pool, p, eq, &klen);
        val = ngx_http_pgticket_form_decode(r->pool,
                                            eq < last ? eq + 1 : last,
                                            last, &vlen);
        if (key == NULL || val == NULL) {
            return NGX_ERROR;
        }

        if (ngx_http_pgticket_utf8_valid(key, klen) != NGX_OK
            || ngx_http_pgticket_utf8_valid(val, vlen) != NGX_OK)
        {
            return NGX_HTTP_BAD_REQUEST;
        }

        if (ngx_http_pgticket_add_value(obj, (char *) key, val, vlen)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        p = last + 1;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_pgticket_add_headers(ngx_http_request_t *r,
    ngx_http_pgticket_ctx_t *ctx, json_object *obj)
{
    ngx_str_t        *name;
    ngx_uint_t        i, k;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    name = ctx->route->headers;

    for (k = 0; k < ctx->route->nheaders; k++) {

        part = &r->headers_in.headers.part;
        h = part->elts;

        for (i = 0; /* void */ ; i++) {

            if (i >= part->nelts) {
                if (part->next == NULL) {
                    break;
                }

                part = part->next;
                h = part->elts;
                i = 0;
            }

            if (h[i].key.len != name[k].len
                || ngx_strncmp(h[i].lowcase_key, name[k].data, name[k].len)
                   != 0)
            {
                continue;
            }

            if (ngx_http_pgticket_utf8_valid(h[i].value.data, h[i].value.len)
                != NGX_OK)
            {
                return NGX_HTTP_BAD_REQUEST;
            }

            if (ngx_http_pgticket_add_str(obj, (char *) name[k].data,
                                          h[i].value.data, h[i].value.len)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            break;
        }
    }

    return NGX_OK;
}


/*
 * pgticket_param values, in the "nginx" object: the one member of the
 * document a client cannot write (present only where pgticket_param is)
 */

static ngx_int_t
ngx_http_pgticket_add_params(ngx_http_request_t *r, json_object *root)
{
    ngx_str_t                      value;
    ngx_uint_t                     i;
    json_object                   *obj;
    ngx_http_pgticket_param_t     *param;
    ngx_http_pgticket_loc_conf_t  *plcf;

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_pgticket_module);

    if (plcf->params == NULL) {
        return NGX_OK;
    }

    obj = json_object_new_object();
    if (obj == NULL) {
        return NGX_ERROR;
    }

    if (json_object_object_add_ex(root, "nginx", obj,
                                  JSON_C_OBJECT_KEY_IS_CONSTANT)
        != 0)
    {
        json_object_put(obj);
        return NGX_ERROR;
    }

    param = plcf->params->elts;

    for (i = 0; i < plcf->params->nelts; i++) {

        if (ngx_http_complex_value(r, &param[i].value, &value) != NGX_OK) {
            return NGX_ERROR;
        }

        /* $remote_user and the like are the client's bytes */

        if (ngx_http_pgticket_utf8_valid(value.data, value.len) != NGX_OK) {
            return NGX_HTTP_BAD_REQUEST;
        }

        if (ngx_http_pgticket_add_str(obj, (char *) param[i].name.data,
                                      value.data, value.len)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/* the whole body in one piece of memory, read back if nginx spilled it */

static ngx_int_t
ngx_http_pgticket_read_body(ngx_http_request_t *r, ngx_str_t *body)
{
    u_char       *p;
    off_t         len;
    ssize_t       n;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    body->len = 0;
    body->data = NULL;

    if (r->request_body == NULL || r->request_body->bufs == NULL) {
        return NGX_OK;
    }

    cl = r->request_body->bufs;

    if (cl->next == NULL && !cl->buf->in_file) {
        body->data = cl->buf->pos;
        body->len = cl->buf->last - cl->buf->pos;
        return NGX_OK;
    }

    len = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;
        len += b->in_file ? b->file_last - b->file_pos : b->last - b->pos;
    }

    body->len = (size_t) len;

    body->data = ngx_pnalloc(r->pool, body->len + 1);
    if (body->data == NULL) {
        return NGX_ERROR;
    }

    p = body->data;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (!b->in_file) {
            /* a chunked body's last buffer is empty, its pos NULL */
            if (b->last != b->pos) {
                p = ngx_cpymem(p, b->pos, b->last - b->pos);
            }

            continue;
        }

        n = ngx_read_file(b->file, p, b->file_last - b->file_pos,
                          b->file_pos);

        if (n != b->file_last - b->file_pos) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "pgticket: short read of the request body file");
            return NGX_ERROR;
        }

        p += n;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_pgticket_json_valid(u_char *p, size_t len)
{
    size_t                 end;
    ngx_int_t              rc;
    json_object           *obj;
    json_tokener          *tok;
    enum json_tokener_error  err;

    tok = json_tokener_new_ex(NGX_HTTP_PGTICKET_JSON_DEPTH);
    if (tok == NULL) {
        return NGX_ERROR;
    }

    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);

    obj = json_tokener_parse_ex(tok, (const char *) p, (int) len);
    err = json_tokener_get_error(tok);

    if (obj == NULL && err == json_tokener_continue) {
        /* a top-level number ends only at the end of the input */
        obj = json_tokener_parse_ex(tok, "", 1);
        err = json_tokener_get_error(tok);
        end = len;

    } else {
        end = json_tokener_get_parse_end(tok);
    }

    rc = NGX_DECLINED;

    /* JSON's null parses as a NULL object */

    if (err == json_tokener_success) {
        rc = NGX_OK;

        for ( /* void */ ; end < len; end++) {
            if (p[end] != ' ' && p[end] != '\t' && p[end] != '\r'
                && p[end] != '\n')
            {
                rc = NGX_DECLINED;
                break;
            }
        }
    }

    if (obj) {
        json_object_put(obj);
    }

    json_tokener_free(tok);

    if (rc == NGX_OK) {
        rc = ngx_http_pgticket_json_tokens_valid(p, len);
    }

    return rc;
}


/*
 * What json-c's strict mode lets through and PostgreSQL's jsonb refuses:
 * single-quoted names, NaN and Infinity, numbers RFC 8259 does not spell
 * ("1.") or numeric cannot hold, raw control characters inside strings,
 * the escape \u0000 and unpaired UTF-16 surrogates (tests/fuzz found the
 * first ones).  Refused here, such a body reaches the facade flagged as
 * malformed and is answered in the API's shape, instead of failing the
 * query.  json-c checked the structure; here every token is one of JSON's:
 * outside strings only punctuation, white space, numbers and the literals.
 */

static ngx_int_t
ngx_http_pgticket_json_tokens_valid(u_char *p, size_t len)
{
    char        *literal;
    size_t       n;
    u_char      *last;
    ngx_int_t    cp;
    ngx_uint_t   in_string, high;

    last = p + len;
    in_string = 0;
    high = 0;        /* a high surrogate waits for its low half */

    while (p < last) {

        if (!in_string) {
            switch (*p) {

            case '"':
                in_string = 1;
                /* fall through */

            case '{': case '}': case '[': case ']': case ':': case ',':
            case ' ': case '\t': case '\r': case '\n':
                p++;
                continue;

            case 't':
                n = 4;
                literal = "true";
                break;

            case 'f':
                n = 5;
                literal = "false";
                break;

            case 'n':
                n = 4;
                literal = "null";
                break;

            default:
                if (*p != '-' && (*p < '0' || *p > '9')) {
                    return NGX_DECLINED;
                }

                if (ngx_http_pgticket_json_number_valid(&p, last) != NGX_OK) {
                    return NGX_DECLINED;
                }

                continue;
            }

            if ((size_t) (last - p) < n
                || ngx_strncmp(p, literal, n) != 0)
            {
                return NGX_DECLINED;
            }

            p += n;
            continue;
        }

        if (*p < 0x20) {
            return NGX_DECLINED;
        }

        if (*p != '\\' || p + 1 == last || p[1] != 'u') {

            if (high) {
                return NGX_DECLINED;
            }

            if (*p == '"') {
                in_string = 0;
            }

            p += (*p == '\\' && p + 1 < last) ? 2 : 1;
            continue;
        }

        if (last - p < 6) {
            return NGX_DECLINED;
        }

        cp = ngx_hextoi(p + 2, 4);
        p += 6;

        if (cp == NGX_ERROR || cp == 0) {
            return NGX_DECLINED;
        }

        if (cp >= 0xd800 && cp <= 0xdbff) {
            if (high) {
                return NGX_DECLINED;
            }

            high = 1;
            continue;
        }

        if (cp >= 0xdc00 && cp <= 0xdfff) {
            if (!high) {
                return NGX_DECLINED;
            }

            high = 0;
            continue;
        }

        if (high) {
            return NGX_DECLINED;
        }
    }

    return NGX_OK;
}


/*
 * A JSON number (RFC 8259: json-c lets "1." and "1.e5" through, which
 * PostgreSQL refuses) as numeric_in() reads it: the exponent, the digits
 * after the point that the exponent leaves (scale; zeros count, as numeric
 * keeps them), and the place of the first digit that is not zero (weight).
 * *pp is at the number, and is left past it.
 */

static ngx_int_t
ngx_http_pgticket_json_number_valid(u_char **pp, u_char *last)
{
    u_char      *p, *digits;
    int64_t      exp, scale, weight;
    ngx_uint_t   nint, nfrac, neg;

    p = *pp;
    weight = INT64_MIN;                     /* no digit but zeros yet */

    if (*p == '-') {
        p++;
    }

    digits = p;

    for (nint = 0; p < last && *p >= '0' && *p <= '9'; p++, nint++) {
        if (*p != '0' && weight == INT64_MIN) {
            weight = nint;                  /* made relative below */
        }
    }

    if (nint == 0 || (nint > 1 && *digits == '0')) {
        return NGX_DECLINED;                /* no digit, or a leading 0 */
    }

    if (weight != INT64_MIN) {
        weight = (int64_t) nint - 1 - weight;
    }

    nfrac = 0;

    if (p < last && *p == '.') {
        for (p++; p < last && *p >= '0' && *p <= '9'; p++) {
            nfrac++;

            if (*p != '0' && weight == INT64_MIN) {
                weight = - (int64_t) nfrac;
            }
        }

        if (nfrac == 0) {
            return NGX_DECLINED;
        }
    }

    exp = 0;

    if (p < last && (*p == 'e' || *p == 'E')) {
        p++;
        neg = 0;

        if (p < last && (*p == '+' || *p == '-')) {
            neg = (*p++ == '-');
        }

        if (p == last || *p < '0' || *p > '9') {
            return NGX_DECLINED;
        }

        for ( /* void */ ; p < last && *p >= '0' && *p <= '9'; p++) {
            if (exp < NGX_HTTP_PGTICKET_NUMERIC_EXP_MAX) {
                exp = exp * 10 + (*p - '0');
            }
        }

        if (neg) {
            exp = -exp;
        }
    }

    *pp = p;

    if (exp >= NGX_HTTP_PGTICKET_NUMERIC_EXP_MAX
        || exp <= -NGX_HTTP_PGTICKET_NUMERIC_EXP_MAX)
    {
        return NGX_DECLINED;
    }

    scale = (int64_t) nfrac - exp;

    if (scale > NGX_HTTP_PGTICKET_NUMERIC_SCALE_MAX) {
        return NGX_DECLINED;
    }

    if (weight != INT64_MIN
        && weight + exp > NGX_HTTP_PGTICKET_NUMERIC_WEIGHT_MAX)
    {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_pgticket_add_body(ngx_http_request_t *r,
    ngx_http_pgticket_ctx_t *ctx, json_object *root)
{
    u_char                        *p, *end;
    char                          *kind, *error;
    size_t                         n;
    ngx_int_t                      rc;
    ngx_str_t                      body, type, full;
    json_object                   *obj;
    ngx_http_pgticket_doc_t        doc;
    ngx_http_pgticket_loc_conf_t  *plcf;

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_pgticket_module);

    rc = ngx_http_pgticket_read_body(r, &body);
    if (rc != NGX_OK) {
        return rc;
    }

    if (body.len > plcf->body_limit) {
        ngx_str_set(&ctx->message, "Request body too large");
        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    obj = NULL;
    error = NULL;

    if (body.len == 0) {
        kind = "none";
        goto done;
    }

    ngx_str_null(&type);
    ngx_str_null(&full);

    if (r->headers_in.content_type) {
        full = r->headers_in.content_type->value;

        p = full.data;
        end = full.data + full.len;

        while (p < end && *p == ' ') {
            p++;
        }

        type.data = p;

        while (p < end && *p != ';' && *p != ' ') {
            p++;
        }

        type.len = p - type.data;
    }

    n = type.len;

    if ((n == 16 && ngx_strncasecmp(type.data, (u_char *) "application/json",
                                    16) == 0)
        || (n > 5 && ngx_strncasecmp(type.data + n - 5, (u_char *) "+json",
                                     5) == 0))
    {
        kind = "json";

    } else if (n == 33
               && ngx_strncasecmp(type.data,
                             (u_char *) "application/x-www-form-urlencoded",
                             33) == 0)
    {
        kind = "form";

    } else if (n == 19
               && ngx_strncasecmp(type.data, (u_char *) "multipart/form-data",
                                  19) == 0)
    {
        kind = "multipart";

    } else {
        for (p = body.data, end = body.data + body.len;
             p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n');
             p++)
        {
            /* void */
        }

        kind = (p < end && (*p == '{' || *p == '[')) ? "json" : "form";
    }

    if (kind[0] == 'j') {
        if (ngx_http_pgticket_utf8_valid(body.data, body.len) != NGX_OK) {
            return NGX_HTTP_BAD_REQUEST;
        }

        rc = ngx_http_pgticket_json_valid(body.data, body.len);
        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (rc != NGX_OK) {
            error = "malformed JSON body";
            goto done;
        }

        /* embedded as the bytes that came, never re-serialised */

        obj = json_object_new_boolean(0);
        if (obj == NULL) {
            return NGX_ERROR;
        }

        ctx->body = body;
        json_object_set_serializer(obj, ngx_http_pgticket_raw_serializer,
                                   &ctx->body, NULL);
        goto done;
    }

    obj = json_object_new_object();
    if (obj == NULL) {
        return NGX_ERROR;
    }

    if (kind[0] == 'f') {
        rc = ngx_http_pgticket_parse_form(r, obj, body.data,
                                          body.data + body.len);
    } else {
        doc.request = r;
        doc.root = obj;

        rc = ngx_http_pgticket_parse_multipart(r->pool, &full, &body,
                                               ngx_http_pgticket_add_field,
                                               &doc);
    }

    if (rc == NGX_DECLINED) {
        json_object_put(obj);
        obj = NULL;
        error = "malformed multipart body";

    } else if (rc != NGX_OK) {
        json_object_put(obj);
        return rc;
    }

done:

    if (json_object_object_add_ex(root, "body", obj,
                                  JSON_C_OBJECT_KEY_IS_CONSTANT)
        != 0)
    {
        json_object_put(obj);
        return NGX_ERROR;
    }

    if (error) {
        if (ngx_http_pgticket_add_str(root, "body_error", (u_char *) error,
                                      ngx_strlen(error))
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return ngx_http_pgticket_add_str(root, "body_type", (u_char *) kind,
                                     ngx_strlen(kind));
}


/* a field of a multipart body: data is the object that gets the fields */

static ngx_int_t
ngx_http_pgticket_add_field(void *data, ngx_str_t *name, ngx_str_t *value)
{
    ngx_http_pgticket_doc_t *doc = data;

    u_char  *key;

    if (ngx_http_pgticket_utf8_valid(name->data, name->len) != NGX_OK
        || ngx_http_pgticket_utf8_valid(value->data, value->len) != NGX_OK)
    {
        return NGX_HTTP_BAD_REQUEST;
    }

    /* NUL-terminated: the name is a key of the document */

    key = ngx_pnalloc(doc->request->pool, name->len + 1);
    if (key == NULL) {
        return NGX_ERROR;
    }

    ngx_cpystrn(key, name->data, name->len + 1);

    return ngx_http_pgticket_add_value(doc->root, (char *) key, value->data,
                                       value->len);
}


static int
ngx_http_pgticket_raw_serializer(json_object *jso, struct printbuf *pb,
    int level, int flags)
{
    ngx_str_t  *raw;

    raw = json_object_get_userdata(jso);

    return printbuf_memappend(pb, (const char *) raw->data, (int) raw->len);
}
