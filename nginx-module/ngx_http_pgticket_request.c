
/*
 * Copyright (C) pgticket authors
 *
 * The request document: one JSON object that carries everything the SQL
 * function needs (method, path, path parameters, query arguments, the
 * route's headers, the body turned into JSON, the remote address), written
 * straight into the request's pool: measured, allocated once, written,
 * each string escaped by nginx's ngx_escape_json().  A JSON body is
 * validated in one pass and embedded as the bytes that came.
 */


#include "ngx_http_pgticket_module.h"


/* a member of the query's or a form body's object, in arrival order */
typedef struct ngx_http_pgticket_member_s  ngx_http_pgticket_member_t;

struct ngx_http_pgticket_member_s {
    ngx_str_t                     key;
    ngx_str_t                     value;
    ngx_http_pgticket_member_t   *more;      /* the next value of its key */
    ngx_uint_t                    repeated;  /* an earlier one has its key */
};


/* what the document is written from, all of it in the request's pool */
typedef struct {
    ngx_http_request_t           *request;
    ngx_http_pgticket_ctx_t      *ctx;
    ngx_array_t                   query;     /* ngx_http_pgticket_member_t */
    ngx_array_t                   fields;    /* of a form or multipart body */
    ngx_table_elt_t             **headers;   /* per route header, or NULL */
    ngx_str_t                    *nginx;     /* per pgticket_param */
    ngx_str_t                     body;      /* a JSON body, as it came */
    char                         *kind;
    char                         *error;
} ngx_http_pgticket_doc_t;


/* the document written twice: measured (p NULL), then into its memory */
typedef struct {
    u_char                       *p;
    size_t                        len;
} ngx_http_pgticket_out_t;


static ngx_int_t ngx_http_pgticket_utf8_valid(u_char *p, size_t len);
static ngx_int_t ngx_http_pgticket_add_member(ngx_http_request_t *r,
    ngx_array_t *a, u_char *key, size_t klen, u_char *value, size_t vlen);
static ngx_int_t ngx_http_pgticket_group(ngx_pool_t *pool, ngx_array_t *a);
static int ngx_libc_cdecl ngx_http_pgticket_member_cmp(const void *one,
    const void *two);
static ngx_int_t ngx_http_pgticket_add_field(void *data, ngx_str_t *name,
    ngx_str_t *value);
static u_char *ngx_http_pgticket_form_decode(ngx_pool_t *pool, u_char *p,
    u_char *last, size_t *len);
static ngx_int_t ngx_http_pgticket_parse_form(ngx_http_request_t *r,
    ngx_array_t *a, u_char *p, u_char *end);
static ngx_int_t ngx_http_pgticket_find_headers(ngx_http_request_t *r,
    ngx_http_pgticket_doc_t *doc);
static ngx_int_t ngx_http_pgticket_eval_params(ngx_http_request_t *r,
    ngx_http_pgticket_doc_t *doc);
static ngx_int_t ngx_http_pgticket_read_body(ngx_http_request_t *r,
    ngx_str_t *body);
static ngx_int_t ngx_http_pgticket_parse_body(ngx_http_request_t *r,
    ngx_http_pgticket_doc_t *doc);
static void ngx_http_pgticket_write(ngx_http_pgticket_doc_t *doc,
    ngx_http_pgticket_out_t *out);
static void ngx_http_pgticket_write_members(ngx_http_pgticket_out_t *out,
    ngx_array_t *a);


#define ngx_http_pgticket_out_raw(out, s)                                    \
    ngx_http_pgticket_out_bytes(out, (u_char *) s, sizeof(s) - 1)


static ngx_inline void
ngx_http_pgticket_out_bytes(ngx_http_pgticket_out_t *out, u_char *s,
    size_t n)
{
    if (out->p) {
        out->p = ngx_cpymem(out->p, s, n);
    }

    out->len += n;
}


/* a JSON string, escaped by nginx's ngx_escape_json() */

static ngx_inline void
ngx_http_pgticket_out_str(ngx_http_pgticket_out_t *out, u_char *s, size_t n)
{
    u_char  *p;

    if (out->p == NULL) {
        out->len += n + 2 + (n ? ngx_escape_json(NULL, s, n) : 0);
        return;
    }

    p = out->p;
    *p++ = '"';

    if (n) {
        p = (u_char *) ngx_escape_json(p, s, n);
    }

    *p++ = '"';

    out->len += p - out->p;
    out->p = p;
}


ngx_int_t
ngx_http_pgticket_build_document(ngx_http_request_t *r,
    ngx_http_pgticket_ctx_t *ctx)
{
    ngx_int_t                     rc;
    ngx_uint_t                    i;
    ngx_http_pgticket_out_t       out;
    ngx_http_pgticket_doc_t       doc;
    ngx_http_pgticket_segment_t  *seg;

    ngx_memzero(&doc, sizeof(ngx_http_pgticket_doc_t));
    doc.request = r;
    doc.ctx = ctx;

    ngx_str_set(&ctx->message, "Invalid request encoding");

    if (ngx_http_pgticket_utf8_valid(r->uri.data, r->uri.len) != NGX_OK) {
        return NGX_HTTP_BAD_REQUEST;
    }

    /* path parameters */

    seg = ctx->route->segments;

    for (i = 0; i < ctx->route->nsegments; i++) {
        if (seg[i].param
            && ngx_http_pgticket_utf8_valid(ctx->params[i].data,
                                            ctx->params[i].len)
               != NGX_OK)
        {
            return NGX_HTTP_BAD_REQUEST;
        }
    }

    /* query arguments; no query string: args.data is NULL, NULL + 0 is UB */

    if (r->args.len) {
        rc = ngx_http_pgticket_parse_form(r, &doc.query, r->args.data,
                                          r->args.data + r->args.len);
        if (rc != NGX_OK) {
            return rc;
        }

        if (ngx_http_pgticket_group(r->pool, &doc.query) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    rc = ngx_http_pgticket_find_headers(r, &doc);
    if (rc != NGX_OK) {
        return rc;
    }

    rc = ngx_http_pgticket_eval_params(r, &doc);
    if (rc != NGX_OK) {
        return rc;
    }

    rc = ngx_http_pgticket_parse_body(r, &doc);
    if (rc != NGX_OK) {
        return rc;
    }

    out.p = NULL;
    out.len = 0;

    ngx_http_pgticket_write(&doc, &out);

    ctx->doc.data = ngx_pnalloc(r->pool, out.len + 1);
    if (ctx->doc.data == NULL) {
        return NGX_ERROR;
    }

    out.p = ctx->doc.data;
    out.len = 0;

    ngx_http_pgticket_write(&doc, &out);

    *out.p = '\0';
    ctx->doc.len = out.len;

    return NGX_OK;
}


/*
 * The document, as json-c wrote it before: compact, members in this order,
 * a repeated query or form key an array of its values in arrival order
 */

static void
ngx_http_pgticket_write(ngx_http_pgticket_doc_t *doc,
    ngx_http_pgticket_out_t *out)
{
    u_char                        *sep, *v, *end;
    ngx_str_t                     *addr;
    ngx_uint_t                     i;
    ngx_http_request_t            *r;
    ngx_http_pgticket_ctx_t       *ctx;
    ngx_http_pgticket_route_t     *route;
    ngx_http_pgticket_param_t     *param;
    ngx_http_pgticket_segment_t   *seg;
    ngx_http_pgticket_loc_conf_t  *plcf;

    r = doc->request;
    ctx = doc->ctx;
    route = ctx->route;

    ngx_http_pgticket_out_raw(out, "{\"method\":");
    ngx_http_pgticket_out_str(out, r->method_name.data, r->method_name.len);

    ngx_http_pgticket_out_raw(out, ",\"path\":");
    ngx_http_pgticket_out_str(out, r->uri.data, r->uri.len);

    ngx_http_pgticket_out_raw(out, ",\"params\":{");

    seg = route->segments;
    sep = (u_char *) "";

    for (i = 0; i < route->nsegments; i++) {
        if (!seg[i].param) {
            continue;
        }

        ngx_http_pgticket_out_bytes(out, sep, *sep ? 1 : 0);
        sep = (u_char *) ",";

        ngx_http_pgticket_out_str(out, seg[i].value.data, seg[i].value.len);
        ngx_http_pgticket_out_raw(out, ":");
        ngx_http_pgticket_out_str(out, ctx->params[i].data,
                                  ctx->params[i].len);
    }

    ngx_http_pgticket_out_raw(out, "},\"query\":");
    ngx_http_pgticket_write_members(out, &doc->query);

    ngx_http_pgticket_out_raw(out, ",\"headers\":{");

    sep = (u_char *) "";

    for (i = 0; i < route->nheaders; i++) {
        if (doc->headers[i] == NULL) {
            continue;
        }

        ngx_http_pgticket_out_bytes(out, sep, *sep ? 1 : 0);
        sep = (u_char *) ",";

        ngx_http_pgticket_out_str(out, route->headers[i].data,
                                  route->headers[i].len);
        ngx_http_pgticket_out_raw(out, ":");

        /*
         * nginx drops the spaces around a value but keeps tabs, which are
         * white space around it too (OWS, RFC 9110, 5.5): "Authorization:
         * <tab>Basic ..." is Basic credentials
         */

        v = doc->headers[i]->value.data;
        end = v + doc->headers[i]->value.len;

        while (v < end && (*v == ' ' || *v == '\t')) {
            v++;
        }

        while (end > v && (end[-1] == ' ' || end[-1] == '\t')) {
            end--;
        }

        ngx_http_pgticket_out_str(out, v, end - v);
    }

    ngx_http_pgticket_out_raw(out, "}");

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_pgticket_module);

    if (plcf->params) {
        ngx_http_pgticket_out_raw(out, ",\"nginx\":{");

        param = plcf->params->elts;

        for (i = 0; i < plcf->params->nelts; i++) {
            if (i) {
                ngx_http_pgticket_out_raw(out, ",");
            }

            ngx_http_pgticket_out_str(out, param[i].name.data,
                                      param[i].name.len);
            ngx_http_pgticket_out_raw(out, ":");
            ngx_http_pgticket_out_str(out, doc->nginx[i].data,
                                      doc->nginx[i].len);
        }

        ngx_http_pgticket_out_raw(out, "}");
    }

    ngx_http_pgticket_out_raw(out, ",\"body\":");

    if (doc->error || doc->kind[0] == 'n') {
        ngx_http_pgticket_out_raw(out, "null");

    } else if (doc->kind[0] == 'j') {
        /* embedded as the bytes that came, never re-serialised */
        ngx_http_pgticket_out_bytes(out, doc->body.data, doc->body.len);

    } else {
        ngx_http_pgticket_write_members(out, &doc->fields);
    }

    if (doc->error) {
        ngx_http_pgticket_out_raw(out, ",\"body_error\":");
        ngx_http_pgticket_out_str(out, (u_char *) doc->error,
                                  ngx_strlen(doc->error));
    }

    ngx_http_pgticket_out_raw(out, ",\"body_type\":");
    ngx_http_pgticket_out_str(out, (u_char *) doc->kind,
                              ngx_strlen(doc->kind));

    addr = &r->connection->addr_text;

    ngx_http_pgticket_out_raw(out, ",\"remote_addr\":");
    ngx_http_pgticket_out_str(out, addr->data, addr->len);
    ngx_http_pgticket_out_raw(out, "}");
}


/* an object of members grouped by ngx_http_pgticket_group() */

static void
ngx_http_pgticket_write_members(ngx_http_pgticket_out_t *out, ngx_array_t *a)
{
    ngx_uint_t                   i, first;
    ngx_http_pgticket_member_t  *m, *v;

    ngx_http_pgticket_out_raw(out, "{");

    m = a->elts;
    first = 1;

    for (i = 0; i < a->nelts; i++) {
        if (m[i].repeated) {
            continue;
        }

        if (!first) {
            ngx_http_pgticket_out_raw(out, ",");
        }

        first = 0;

        ngx_http_pgticket_out_str(out, m[i].key.data, m[i].key.len);
        ngx_http_pgticket_out_raw(out, ":");

        if (m[i].more == NULL) {
            ngx_http_pgticket_out_str(out, m[i].value.data, m[i].value.len);
            continue;
        }

        ngx_http_pgticket_out_raw(out, "[");

        for (v = &m[i]; v; v = v->more) {
            ngx_http_pgticket_out_str(out, v->value.data, v->value.len);

            if (v->more) {
                ngx_http_pgticket_out_raw(out, ",");
            }
        }

        ngx_http_pgticket_out_raw(out, "]");
    }

    ngx_http_pgticket_out_raw(out, "}");
}


static ngx_int_t
ngx_http_pgticket_add_member(ngx_http_request_t *r, ngx_array_t *a,
    u_char *key, size_t klen, u_char *value, size_t vlen)
{
    ngx_http_pgticket_member_t  *m;

    if (a->elts == NULL
        && ngx_array_init(a, r->pool, 4, sizeof(ngx_http_pgticket_member_t))
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    m = ngx_array_push(a);
    if (m == NULL) {
        return NGX_ERROR;
    }

    m->key.data = key;
    m->key.len = klen;
    m->value.data = value;
    m->value.len = vlen;
    m->more = NULL;
    m->repeated = 0;

    return NGX_OK;
}


/*
 * Members of one key are chained in arrival order, the first one leading:
 * sorted by key, then by place (n log n, however many fields a body has)
 */

static ngx_int_t
ngx_http_pgticket_group(ngx_pool_t *pool, ngx_array_t *a)
{
    ngx_uint_t                    i;
    ngx_http_pgticket_member_t   *m, **sorted;

    if (a->nelts < 2) {
        return NGX_OK;
    }

    sorted = ngx_palloc(pool, a->nelts * sizeof(ngx_http_pgticket_member_t *));
    if (sorted == NULL) {
        return NGX_ERROR;
    }

    m = a->elts;

    for (i = 0; i < a->nelts; i++) {
        sorted[i] = &m[i];
    }

    ngx_qsort(sorted, a->nelts, sizeof(ngx_http_pgticket_member_t *),
              ngx_http_pgticket_member_cmp);

    for (i = 1; i < a->nelts; i++) {
        if (sorted[i]->key.len == sorted[i - 1]->key.len
            && ngx_memcmp(sorted[i]->key.data, sorted[i - 1]->key.data,
                          sorted[i]->key.len)
               == 0)
        {
            sorted[i - 1]->more = sorted[i];
            sorted[i]->repeated = 1;
        }
    }

    return NGX_OK;
}


static int ngx_libc_cdecl
ngx_http_pgticket_member_cmp(const void *one, const void *two)
{
    int                          rc;
    ngx_http_pgticket_member_t  *a, *b;

    a = *(ngx_http_pgticket_member_t **) one;
    b = *(ngx_http_pgticket_member_t **) two;

    if (a->key.len != b->key.len) {
        return a->key.len < b->key.len ? -1 : 1;
    }

    rc = a->key.len ? ngx_memcmp(a->key.data, b->key.data, a->key.len) : 0;

    if (rc != 0) {
        return rc;
    }

    return (a < b) ? -1 : (a > b);
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
ngx_http_pgticket_parse_form(ngx_http_request_t *r, ngx_array_t *a,
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

        if (ngx_http_pgticket_add_member(r, a, key, klen, val, vlen)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        p = last + 1;
    }

    return NGX_OK;
}


/*
 * The route's headers, each at most once: a singleton field sent twice has
 * no one value (RFC 9110, 5.3), and a check in front of nginx may have
 * read the other one, so it is refused with 400 naming the header.
 */

static ngx_int_t
ngx_http_pgticket_find_headers(ngx_http_request_t *r,
    ngx_http_pgticket_doc_t *doc)
{
    u_char           *p;
    ngx_str_t        *name;
    ngx_uint_t        i, k, n;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    n = doc->ctx->route->nheaders;

    if (n == 0) {
        return NGX_OK;
    }

    doc->headers = ngx_pcalloc(r->pool, n * sizeof(ngx_table_elt_t *));
    if (doc->headers == NULL) {
        return NGX_ERROR;
    }

    name = doc->ctx->route->headers;

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

        for (k = 0; k < n; k++) {
            if (h[i].key.len == name[k].len
                && ngx_strncmp(h[i].lowcase_key, name[k].data, name[k].len)
                   == 0)
            {
                break;
            }
        }

        if (k == n) {
            continue;
        }

        if (doc->headers[k] != NULL) {
            /* NUL-terminated: ngx_http_pgticket_send_error() takes it */

            p = ngx_pnalloc(r->pool, sizeof("The  header was sent twice")
                                     + name[k].len);
            if (p == NULL) {
                return NGX_ERROR;
            }

            doc->ctx->message.data = p;
            p = ngx_cpymem(p, "The ", sizeof("The ") - 1);
            p = ngx_cpymem(p, name[k].data, name[k].len);
            p = ngx_cpymem(p, " header was sent twice",
                           sizeof(" header was sent twice"));
            doc->ctx->message.len = p - 1 - doc->ctx->message.data;

            return NGX_HTTP_BAD_REQUEST;
        }

        if (ngx_http_pgticket_utf8_valid(h[i].value.data, h[i].value.len)
            != NGX_OK)
        {
            return NGX_HTTP_BAD_REQUEST;
        }

        doc->headers[k] = &h[i];
    }

    return NGX_OK;
}


/*
 * pgticket_param values, in the "nginx" object: the one member of the
 * document a client cannot write (present only where pgticket_param is)
 */

static ngx_int_t
ngx_http_pgticket_eval_params(ngx_http_request_t *r,
    ngx_http_pgticket_doc_t *doc)
{
    ngx_uint_t                     i;
    ngx_http_pgticket_param_t     *param;
    ngx_http_pgticket_loc_conf_t  *plcf;

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_pgticket_module);

    if (plcf->params == NULL) {
        return NGX_OK;
    }

    doc->nginx = ngx_palloc(r->pool, plcf->params->nelts * sizeof(ngx_str_t));
    if (doc->nginx == NULL) {
        return NGX_ERROR;
    }

    param = plcf->params->elts;

    for (i = 0; i < plcf->params->nelts; i++) {

        if (ngx_http_complex_value(r, &param[i].value, &doc->nginx[i])
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        /* $remote_user and the like are the client's bytes */

        if (ngx_http_pgticket_utf8_valid(doc->nginx[i].data,
                                         doc->nginx[i].len)
            != NGX_OK)
        {
            return NGX_HTTP_BAD_REQUEST;
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
ngx_http_pgticket_parse_body(ngx_http_request_t *r,
    ngx_http_pgticket_doc_t *doc)
{
    u_char                        *p, *end;
    size_t                         n;
    ngx_int_t                      rc;
    ngx_str_t                      body, type, full;
    ngx_http_pgticket_loc_conf_t  *plcf;

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_pgticket_module);

    rc = ngx_http_pgticket_read_body(r, &body);
    if (rc != NGX_OK) {
        return rc;
    }

    if (body.len > plcf->body_limit) {
        ngx_str_set(&doc->ctx->message, "Request body too large");
        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    if (body.len == 0) {
        doc->kind = "none";
        return NGX_OK;
    }

    ngx_str_null(&type);
    ngx_str_null(&full);

    if (r->headers_in.content_type) {
        full = r->headers_in.content_type->value;

        p = full.data;
        end = full.data + full.len;

        /* OWS, around the type and before its ";", is SP or HTAB (RFC 9110) */

        while (p < end && (*p == ' ' || *p == '\t')) {
            p++;
        }

        type.data = p;

        while (p < end && *p != ';' && *p != ' ' && *p != '\t') {
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
        doc->kind = "json";

    } else if (n == 33
               && ngx_strncasecmp(type.data,
                             (u_char *) "application/x-www-form-urlencoded",
                             33) == 0)
    {
        doc->kind = "form";

    } else if (n == 19
               && ngx_strncasecmp(type.data, (u_char *) "multipart/form-data",
                                  19) == 0)
    {
        doc->kind = "multipart";

    } else {
        for (p = body.data, end = body.data + body.len;
             p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n');
             p++)
        {
            /* void */
        }

        doc->kind = (p < end && (*p == '{' || *p == '[')) ? "json" : "form";
    }

    if (doc->kind[0] == 'j') {
        if (ngx_http_pgticket_utf8_valid(body.data, body.len) != NGX_OK) {
            return NGX_HTTP_BAD_REQUEST;
        }

        if (ngx_http_pgticket_json_valid(body.data, body.len) != NGX_OK) {
            doc->error = "malformed JSON body";
            return NGX_OK;
        }

        doc->body = body;
        return NGX_OK;
    }

    if (doc->kind[0] == 'f') {
        rc = ngx_http_pgticket_parse_form(r, &doc->fields, body.data,
                                          body.data + body.len);
    } else {
        rc = ngx_http_pgticket_parse_multipart(r->pool, &full, &body,
                                               ngx_http_pgticket_add_field,
                                               doc);
    }

    if (rc == NGX_DECLINED) {
        doc->error = "malformed multipart body";
        return NGX_OK;
    }

    if (rc != NGX_OK) {
        return rc;
    }

    return ngx_http_pgticket_group(r->pool, &doc->fields);
}


/* a field of a multipart body */

static ngx_int_t
ngx_http_pgticket_add_field(void *data, ngx_str_t *name, ngx_str_t *value)
{
    ngx_http_pgticket_doc_t *doc = data;

    if (ngx_http_pgticket_utf8_valid(name->data, name->len) != NGX_OK
        || ngx_http_pgticket_utf8_valid(value->data, value->len) != NGX_OK)
    {
        return NGX_HTTP_BAD_REQUEST;
    }

    return ngx_http_pgticket_add_member(doc->request, &doc->fields,
                                        name->data, name->len,
                                        value->data, value->len);
}
