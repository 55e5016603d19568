
/*
 * Copyright (C) pgticket authors
 *
 * libFuzzer harness over the nginx module's request parsing: the route
 * matcher and the request document builder (path parameters, query
 * string, headers, urlencoded, multipart and JSON bodies, pgticket_param),
 * the module's own ngx_http_pgticket_route.c, _request.c and
 * _multipart.c, built with AddressSanitizer and UndefinedBehaviorSanitizer
 * against nginx's headers (the tree nginx-module/build.sh configures) and
 * the core functions of tests/fuzz/ngx_shim.c.  tests/fuzz/run.sh builds
 * and runs it.
 *
 * An input is a raw HTTP request, as tests/t/031-hostile.t writes them
 * (HOSTILE_DUMP=dir): request line, headers, an empty line, the body.  It
 * is routed by the shipped routes (nginx-module/conf/api-*.conf, read
 * once, through the pgticket_route directive's own parser) of the location
 * whose prefix it matches, the helpdesk's with its pgticket_param.  The
 * body is handed over in one buffer or several, or with an empty last
 * buffer as a chunked body ends (the last byte of the input picks).
 *
 * Beyond the sanitizers, each input must keep these properties (a broken
 * one aborts, which libFuzzer reports as a crash):
 *
 *   - the builder answers a document, or 400 or 413 with a message;
 *   - a document is NUL-terminated with no NUL inside, one JSON object
 *     that json-c (strict) and PostgreSQL's own parser (the one jsonb_in
 *     runs: a document never fails the query) both take, whose "method"
 *     and "path" are the request's, with a known "body_type";
 *   - a JSON body without "body_error" is in the document as it came.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <dirent.h>
#include <json-c/json.h>

#include "ngx_http_pgticket_module.h"
#include "ngx_shim.h"


#define FUZZ_LOCATIONS  16
#define FUZZ_HEADERS    64

#ifndef FUZZ_CONF_DIR
#define FUZZ_CONF_DIR   "nginx-module/conf"
#endif


typedef struct {
    ngx_str_t                       prefix;
    ngx_http_pgticket_loc_conf_t    conf;
} fuzz_location_t;


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fuzz_location_t                 fuzz_locations[FUZZ_LOCATIONS];
static ngx_uint_t                      fuzz_nlocations;
static ngx_http_pgticket_main_conf_t   fuzz_main_conf;
static void                           *fuzz_main_confs[1];
static ngx_http_conf_ctx_t             fuzz_http_ctx;
static ngx_pool_t                     *fuzz_conf_pool;


static void
fuzz_violated(const char *property)
{
    fprintf(stderr, "request_fuzz: property violated: %s\n", property);
    abort();
}


static ngx_int_t
fuzz_str_is(ngx_str_t *s, const char *text)
{
    return s->len == strlen(text) && memcmp(s->data, text, s->len) == 0;
}


/* one statement of a route file: a location opens, a route joins it */

static void
fuzz_statement(ngx_conf_t *cf, fuzz_location_t **current, ngx_uint_t block)
{
    char                        *rv;
    ngx_str_t                   *tok;
    fuzz_location_t             *loc;
    ngx_http_pgticket_param_t   *param;

    tok = cf->args->elts;

    if (block) {
        *current = NULL;

        if (cf->args->nelts == 2 && fuzz_str_is(&tok[0], "location")
            && tok[1].len && tok[1].data[0] == '/')
        {
            if (fuzz_nlocations == FUZZ_LOCATIONS) {
                fuzz_violated("too many locations for the harness");
            }

            loc = &fuzz_locations[fuzz_nlocations++];
            loc->prefix = tok[1];
            loc->conf.body_limit = 1024 * 1024;

            /* the helpdesk's, as the shipped configuration fills them */

            if (fuzz_str_is(&tok[1], "/api/v1/")) {
                loc->conf.params = ngx_array_create(fuzz_conf_pool, 2,
                                       sizeof(ngx_http_pgticket_param_t));
                param = ngx_array_push(loc->conf.params);
                ngx_memzero(param, sizeof(*param));
                ngx_str_set(&param->name, "audience");
                ngx_str_set(&param->value.value, "user");
                param = ngx_array_push(loc->conf.params);
                ngx_memzero(param, sizeof(*param));
                ngx_str_set(&param->name, "admin");
                ngx_str_set(&param->value.value, "");
            }

            *current = loc;
        }

        return;
    }

    if (*current && cf->args->nelts >= 4
        && fuzz_str_is(&tok[0], "pgticket_route"))
    {
        rv = ngx_http_pgticket_route(cf, NULL, &(*current)->conf);
        if (rv != NGX_CONF_OK) {
            fuzz_violated("a shipped route does not parse");
        }
    }
}


/* nginx's configuration syntax, as much of it as the route files use */

static void
fuzz_read_routes(const char *path)
{
    u_char           *text, *p, *end, *start, quote;
    FILE             *f;
    long              len = 0;
    ngx_str_t        *tok;
    ngx_conf_t        cf;
    fuzz_location_t  *current;

    f = fopen(path, "r");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0) {
        fuzz_violated("a route file cannot be read");
    }

    rewind(f);
    text = ngx_palloc(fuzz_conf_pool, len + 1);
    if (fread(text, 1, len, f) != (size_t) len) {
        fuzz_violated("a route file cannot be read");
    }

    fclose(f);

    ngx_memzero(&cf, sizeof(ngx_conf_t));
    cf.pool = fuzz_conf_pool;
    cf.ctx = &fuzz_http_ctx;
    cf.args = ngx_array_create(fuzz_conf_pool, 8, sizeof(ngx_str_t));

    current = NULL;
    end = text + len;

    for (p = text; p < end; /* void */ ) {

        if (*p == '#') {
            while (p < end && *p != '\n') {
                p++;
            }

            continue;
        }

        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
            p++;
            continue;
        }

        if (*p == ';' || *p == '{' || *p == '}') {
            if (*p != '}') {
                fuzz_statement(&cf, &current, *p == '{');
            } else {
                current = NULL;
            }

            cf.args->nelts = 0;
            p++;
            continue;
        }

        tok = ngx_array_push(cf.args);

        if (*p == '"' || *p == '\'') {
            quote = *p++;
            start = p;

            while (p < end && *p != quote) {
                p += (*p == '\\' && p + 1 < end) ? 2 : 1;
            }

            tok->data = start;
            tok->len = p - start;
            p++;
            continue;
        }

        start = p;

        while (p < end && *p != ' ' && *p != '\t' && *p != '\r'
               && *p != '\n' && *p != ';' && *p != '{')
        {
            p++;
        }

        tok->data = start;
        tok->len = p - start;
    }
}


static void
fuzz_init(void)
{
    char            path[4096];
    DIR            *dir;
    const char     *conf_dir;
    struct dirent  *e;

    fuzz_conf_pool = ngx_shim_pool_create();

    if (ngx_array_init(&fuzz_main_conf.funcs, fuzz_conf_pool, 4,
                       sizeof(ngx_http_pgticket_func_t))
        != NGX_OK)
    {
        fuzz_violated("no memory");
    }

    fuzz_main_confs[0] = &fuzz_main_conf;
    fuzz_http_ctx.main_conf = fuzz_main_confs;

    conf_dir = getenv("PGTICKET_CONF_DIR");
    if (conf_dir == NULL) {
        conf_dir = FUZZ_CONF_DIR;
    }

    dir = opendir(conf_dir);
    if (dir == NULL) {
        fuzz_violated("the route files' directory cannot be read");
    }

    while ((e = readdir(dir)) != NULL) {
        if (strncmp(e->d_name, "api-", 4) == 0
            && strlen(e->d_name) > 9
            && strcmp(e->d_name + strlen(e->d_name) - 5, ".conf") == 0)
        {
            snprintf(path, sizeof(path), "%s/%s", conf_dir, e->d_name);
            fuzz_read_routes(path);
        }
    }

    closedir(dir);

    if (fuzz_nlocations == 0) {
        fuzz_violated("no route file was found");
    }
}


static u_char *
fuzz_copy(ngx_pool_t *pool, const u_char *p, size_t len)
{
    u_char  *copy;

    copy = ngx_pnalloc(pool, len + 1);
    ngx_memcpy(copy, p, len);
    copy[len] = '\0';

    return copy;
}


static ngx_uint_t
fuzz_method(ngx_str_t *name)
{
    static struct {
        const char  *name;
        ngx_uint_t   method;
    } methods[] = {
        { "GET", NGX_HTTP_GET }, { "HEAD", NGX_HTTP_HEAD },
        { "POST", NGX_HTTP_POST }, { "PUT", NGX_HTTP_PUT },
        { "DELETE", NGX_HTTP_DELETE }, { "PATCH", NGX_HTTP_PATCH },
        { "OPTIONS", NGX_HTTP_OPTIONS }, { NULL, 0 }
    };

    ngx_uint_t  i;

    for (i = 0; methods[i].name; i++) {
        if (fuzz_str_is(name, methods[i].name)) {
            return methods[i].method;
        }
    }

    return NGX_HTTP_UNKNOWN;
}


/* the body in one buffer, in pieces, or with chunked's empty last one */

static ngx_chain_t *
fuzz_body(ngx_pool_t *pool, const u_char *p, size_t len, ngx_uint_t how)
{
    size_t        piece, n;
    ngx_buf_t    *b;
    ngx_chain_t  *head, **next, *cl;

    piece = (how == 1) ? (len + 1) / 2 : (how == 2) ? 7 : len;
    head = NULL;
    next = &head;

    do {
        n = ngx_min(piece, len);

        b = ngx_pcalloc(pool, sizeof(ngx_buf_t));
        b->memory = 1;

        if (n) {
            b->pos = fuzz_copy(pool, p, n);
            b->last = b->pos + n;
        }

        cl = ngx_pcalloc(pool, sizeof(ngx_chain_t));
        cl->buf = b;
        *next = cl;
        next = &cl->next;

        p += n;
        len -= n;

    } while (len);

    if (how == 3) {
        b = ngx_pcalloc(pool, sizeof(ngx_buf_t));   /* pos == last == NULL */
        b->last_buf = 1;
        cl = ngx_pcalloc(pool, sizeof(ngx_chain_t));
        cl->buf = b;
        *next = cl;
    }

    return head;
}


static void
fuzz_check_document(ngx_http_request_t *r, ngx_http_pgticket_ctx_t *ctx,
    ngx_str_t *body)
{
    const char               *type;
    json_object              *doc, *v;
    json_tokener             *tok;
    enum json_tokener_error   err;

    if (ctx->doc.data == NULL || ctx->doc.data[ctx->doc.len] != '\0'
        || strlen((char *) ctx->doc.data) != ctx->doc.len)
    {
        fuzz_violated("the document is one NUL-terminated string");
    }

    tok = json_tokener_new_ex(512);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    doc = json_tokener_parse_ex(tok, (char *) ctx->doc.data,
                                (int) ctx->doc.len);
    err = json_tokener_get_error(tok);

    if (doc == NULL || err != json_tokener_success
        || json_tokener_get_parse_end(tok) != ctx->doc.len
        || !json_object_is_type(doc, json_type_object))
    {
        fuzz_violated("the document is one JSON object (json-c, strict)");
    }

    json_tokener_free(tok);

    if (getenv("FUZZ_SHOW")) {
        fprintf(stderr, "%.*s\n", (int) ctx->doc.len, ctx->doc.data);
    }

    if (!pg_json_valid((char *) ctx->doc.data, ctx->doc.len)) {
        fuzz_violated("the document is JSON PostgreSQL takes");
    }

    if (!json_object_object_get_ex(doc, "method", &v)
        || (size_t) json_object_get_string_len(v) != r->method_name.len
        || memcmp(json_object_get_string(v), r->method_name.data,
                  r->method_name.len) != 0
        || !json_object_object_get_ex(doc, "path", &v)
        || (size_t) json_object_get_string_len(v) != r->uri.len
        || memcmp(json_object_get_string(v), r->uri.data, r->uri.len) != 0)
    {
        fuzz_violated("the document's method and path are the request's");
    }

    if (!json_object_object_get_ex(doc, "body_type", &v)) {
        fuzz_violated("the document has a body_type");
    }

    type = json_object_get_string(v);

    if (strcmp(type, "none") && strcmp(type, "json") && strcmp(type, "form")
        && strcmp(type, "multipart"))
    {
        fuzz_violated("the body_type is none, json, form or multipart");
    }

    if (strcmp(type, "json") == 0
        && !json_object_object_get_ex(doc, "body_error", &v)
        && (body->len == 0
            || memmem(ctx->doc.data, ctx->doc.len, body->data, body->len)
               == NULL))
    {
        fuzz_violated("a JSON body is in the document as it came");
    }

    json_object_put(doc);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char                        *line, *end, *p, *q, *colon, *head_end;
    size_t                         body_len, len;
    ngx_int_t                      rc;
    ngx_str_t                      target, body;
    ngx_log_t                      log;
    ngx_uint_t                     i, best, how;
    ngx_pool_t                    *pool;
    ngx_table_elt_t               *h;
    ngx_connection_t               c;
    ngx_http_request_t             r;
    fuzz_location_t               *loc;
    ngx_http_pgticket_ctx_t       *ctx;
    void                          *loc_confs[1], *ctxs[1];

    if (fuzz_conf_pool == NULL) {
        fuzz_init();
    }

    if (size == 0) {
        return 0;
    }

    end = (u_char *) data + size;

    /* head and body */

    head_end = (u_char *) memmem(data, size, "\r\n\r\n", 4);
    len = 4;

    if (head_end == NULL) {
        head_end = (u_char *) memmem(data, size, "\n\n", 2);
        len = 2;
    }

    if (head_end == NULL) {
        head_end = end;
        len = 0;
    }

    body_len = end - (head_end + len);

    pool = ngx_shim_pool_create();

    ngx_memzero(&r, sizeof(ngx_http_request_t));
    ngx_memzero(&c, sizeof(ngx_connection_t));
    ngx_memzero(&log, sizeof(ngx_log_t));

    c.log = &log;
    c.pool = pool;
    ngx_str_set(&c.addr_text, "127.0.0.2");

    loc_confs[0] = NULL;
    ctxs[0] = NULL;

    r.connection = &c;
    r.pool = pool;
    r.main_conf = fuzz_main_confs;
    r.loc_conf = loc_confs;
    r.ctx = ctxs;

    if (ngx_list_init(&r.headers_in.headers, pool, 8, sizeof(ngx_table_elt_t))
        != NGX_OK
        || ngx_list_init(&r.headers_out.headers, pool, 8,
                         sizeof(ngx_table_elt_t))
           != NGX_OK)
    {
        fuzz_violated("no memory");
    }

    /* the request line: method, target (absolute form too), query */

    line = (u_char *) data;
    p = ngx_strlchr(line, head_end, '\n');
    q = p ? p : head_end;

    p = ngx_strlchr(line, q, ' ');
    if (p == NULL) {
        p = q;
    }

    r.method_name.len = p - line;
    r.method_name.data = fuzz_copy(pool, line, r.method_name.len);
    r.method = fuzz_method(&r.method_name);

    target.data = (p < q) ? p + 1 : q;
    p = ngx_strlchr(target.data, q, ' ');
    target.len = (p ? p : q) - target.data;

    if (target.len > 0 && target.data[target.len - 1] == '\r') {
        target.len--;
    }

    if (target.len > 8 && ngx_strncmp(target.data, "http://", 7) == 0) {
        p = ngx_strlchr(target.data + 7, target.data + target.len, '/');
        if (p) {
            target.len -= p - target.data;
            target.data = p;
        }
    }

    p = ngx_strlchr(target.data, target.data + target.len, '?');

    r.uri.len = (p ? p : target.data + target.len) - target.data;
    r.uri.data = fuzz_copy(pool, target.data, r.uri.len);

    if (p) {
        r.args.len = target.data + target.len - (p + 1);
        r.args.data = fuzz_copy(pool, p + 1, r.args.len);
    }

    /* headers, "name: value" */

    for (line = ngx_strlchr((u_char *) data, head_end, '\n'), i = 0;
         line && line < head_end && i < FUZZ_HEADERS;
         line = ngx_strlchr(line, head_end, '\n'), i++)
    {
        line++;
        q = ngx_strlchr(line, head_end, '\n');
        if (q == NULL) {
            q = head_end;
        }

        colon = ngx_strlchr(line, q, ':');
        if (colon == NULL || colon == line) {
            continue;
        }

        h = ngx_list_push(&r.headers_in.headers);
        h->hash = 1;
        h->key.len = colon - line;
        h->key.data = fuzz_copy(pool, line, h->key.len);
        h->lowcase_key = fuzz_copy(pool, line, h->key.len);

        for (len = 0; len < h->key.len; len++) {
            h->lowcase_key[len] = ngx_tolower(h->lowcase_key[len]);
        }

        for (p = colon + 1; p < q && (*p == ' ' || *p == '\t'); p++) {
            /* void */
        }

        len = q - p;
        while (len && (p[len - 1] == '\r' || p[len - 1] == ' ')) {
            len--;
        }

        h->value.len = len;
        h->value.data = fuzz_copy(pool, p, len);

        if (r.headers_in.content_type == NULL && h->key.len == 12
            && ngx_strncasecmp(h->key.data, (u_char *) "content-type", 12)
               == 0)
        {
            r.headers_in.content_type = h;
        }
    }

    /* the body, in buffers as the last byte says */

    how = data[size - 1] & 3;
    body.len = body_len;
    body.data = end - body_len;

    r.request_body = ngx_pcalloc(pool, sizeof(ngx_http_request_body_t));

    if (body_len || how == 3) {
        r.request_body->bufs = fuzz_body(pool, body.data, body_len, how);
    }

    r.headers_in.content_length_n = (how == 3) ? -1 : (off_t) body_len;

    /* the location of the longest prefix, or the first */

    best = 0;
    len = 0;

    for (i = 0; i < fuzz_nlocations; i++) {
        loc = &fuzz_locations[i];

        if (loc->prefix.len > len && r.uri.len >= loc->prefix.len
            && ngx_strncmp(r.uri.data, loc->prefix.data, loc->prefix.len)
               == 0)
        {
            best = i;
            len = loc->prefix.len;
        }
    }

    loc = &fuzz_locations[best];
    loc_confs[0] = &loc->conf;

    ctx = ngx_pcalloc(pool, sizeof(ngx_http_pgticket_ctx_t));
    ctx->request = &r;
    ctxs[0] = ctx;

    rc = ngx_http_pgticket_route_match(&r, &loc->conf, ctx);

    if (rc == NGX_OK) {
        rc = ngx_http_pgticket_build_document(&r, ctx);

        if (rc == NGX_OK) {
            fuzz_check_document(&r, ctx, &body);

        } else if (rc != NGX_HTTP_BAD_REQUEST
                   && rc != NGX_HTTP_REQUEST_ENTITY_TOO_LARGE)
        {
            fuzz_violated("the builder answers a document, 400 or 413");

        } else if (ctx->message.data == NULL || ctx->message.len == 0) {
            fuzz_violated("a refusal has a message");
        }

    } else if (rc != NGX_HTTP_NOT_FOUND && rc != NGX_HTTP_NOT_ALLOWED) {
        fuzz_violated("a route matches, or it is 404 or 405");
    }

    ngx_shim_pool_destroy(pool);

    return 0;
}
