
/*
 * Copyright (C) pgticket authors
 *
 * The route table: "pgticket_route METHODS PATH FUNCTION [headers=...]"
 * lines compiled at configuration time, and the match of a request against
 * them (404 when no path matches, 405 with Allow when only the method does
 * not).
 */


#include "ngx_http_pgticket_module.h"


#define NGX_HTTP_PGTICKET_MAX_SEGMENTS  32


typedef struct {
    ngx_str_t   name;
    ngx_uint_t  method;
} ngx_http_pgticket_method_t;


static char *ngx_http_pgticket_route_error(ngx_conf_t *cf, char *what,
    ngx_str_t *value);
static char *ngx_http_pgticket_parse_methods(ngx_conf_t *cf,
    ngx_str_t *value, ngx_http_pgticket_route_t *route);
static char *ngx_http_pgticket_parse_path(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_pgticket_route_t *route);
static char *ngx_http_pgticket_parse_function(ngx_conf_t *cf,
    ngx_str_t *value, ngx_http_pgticket_route_t *route);
static ngx_int_t ngx_http_pgticket_concat(ngx_conf_t *cf, ngx_str_t *dst,
    ngx_str_t *a, ngx_str_t *b, ngx_str_t *c);
static char *ngx_http_pgticket_parse_headers(ngx_conf_t *cf,
    ngx_str_t *value, ngx_http_pgticket_route_t *route);
static ngx_uint_t ngx_http_pgticket_is_ident(u_char *p, size_t len,
    ngx_uint_t upper);


static ngx_http_pgticket_method_t  ngx_http_pgticket_methods[] = {
    { ngx_string("GET"),     NGX_HTTP_GET },
    { ngx_string("HEAD"),    NGX_HTTP_HEAD },
    { ngx_string("POST"),    NGX_HTTP_POST },
    { ngx_string("PUT"),     NGX_HTTP_PUT },
    { ngx_string("DELETE"),  NGX_HTTP_DELETE },
    { ngx_string("PATCH"),   NGX_HTTP_PATCH },
    { ngx_string("OPTIONS"), NGX_HTTP_OPTIONS },
    { ngx_null_string, 0 }
};


char *
ngx_http_pgticket_route(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_pgticket_loc_conf_t *plcf = conf;

    char                       *rv;
    ngx_str_t                  *value;
    ngx_http_pgticket_route_t  *route;

    value = cf->args->elts;

    if (plcf->status == 1) {
        return "cannot be used with \"pgticket_status\" in one location";
    }

    if (plcf->routes == NULL) {
        plcf->routes = ngx_array_create(cf->pool, 4,
                                        sizeof(ngx_http_pgticket_route_t));
        if (plcf->routes == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    route = ngx_array_push(plcf->routes);
    if (route == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(route, sizeof(ngx_http_pgticket_route_t));

    rv = ngx_http_pgticket_parse_methods(cf, &value[1], route);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    rv = ngx_http_pgticket_parse_path(cf, &value[2], route);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    rv = ngx_http_pgticket_parse_function(cf, &value[3], route);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    if (cf->args->nelts == 5) {
        return ngx_http_pgticket_parse_headers(cf, &value[4], route);
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_pgticket_route_error(ngx_conf_t *cf, char *what, ngx_str_t *value)
{
    u_char  *p, *last;
    size_t   len;

    len = ngx_strlen(what) + value->len + sizeof(" \"\"");

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    last = ngx_snprintf(p, len - 1, "%s \"%V\"", what, value);
    *last = '\0';

    return (char *) p;
}


static char *
ngx_http_pgticket_parse_methods(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_pgticket_route_t *route)
{
    u_char                      *p, *last, *end;
    ngx_uint_t                   found;
    ngx_http_pgticket_method_t  *m;

    p = value->data;
    end = value->data + value->len;

    while (p <= end) {
        last = ngx_strlchr(p, end, '|');
        if (last == NULL) {
            last = end;
        }

        found = 0;

        for (m = ngx_http_pgticket_methods; m->name.len; m++) {
            if ((size_t) (last - p) == m->name.len
                && ngx_strncmp(p, m->name.data, m->name.len) == 0)
            {
                route->methods |= m->method;
                found = 1;
                break;
            }
        }

        if (!found) {
            return ngx_http_pgticket_route_error(cf, "has invalid method in",
                                                 value);
        }

        p = last + 1;
    }

    /* a GET route also answers HEAD */

    if (route->methods & NGX_HTTP_GET) {
        route->methods |= NGX_HTTP_HEAD;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_pgticket_parse_path(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_pgticket_route_t *route)
{
    u_char                       *p, *last, *end;
    ngx_uint_t                    i, k, n;
    ngx_http_pgticket_segment_t  *seg;

    p = value->data;
    end = value->data + value->len;

    if (value->len == 0 || *p != '/') {
        return ngx_http_pgticket_route_error(cf, "has invalid path", value);
    }

    /* a trailing slash is not significant */

    if (end - p > 1 && end[-1] == '/') {
        end--;
    }

    n = 0;
    for (last = p + 1; last < end; last++) {
        if (*last == '/') {
            n++;
        }
    }

    if (end - p > 1) {
        n++;
    }

    if (n > NGX_HTTP_PGTICKET_MAX_SEGMENTS) {
        return ngx_http_pgticket_route_error(cf, "has too long path", value);
    }

    route->segments = ngx_pcalloc(cf->pool,
                                  (n ? n : 1)
                                  * sizeof(ngx_http_pgticket_segment_t));
    if (route->segments == NULL) {
        return NGX_CONF_ERROR;
    }

    route->nsegments = n;
    p++;

    for (i = 0; i < n; i++) {
        last = ngx_strlchr(p, end, '/');
        if (last == NULL) {
            last = end;
        }

        seg = &route->segments[i];

        if (last == p) {
            return ngx_http_pgticket_route_error(cf,
                                                 "has empty segment in path",
                                                 value);
        }

        if (*p == '{') {
            if (last - p < 3 || last[-1] != '}'
                || !ngx_http_pgticket_is_ident(p + 1, last - p - 2, 1))
            {
                return ngx_http_pgticket_route_error(cf,
                                    "has invalid parameter in path", value);
            }

            /* a NUL-terminated copy: the name is a key of the document */

            seg->param = 1;
            seg->value.len = last - p - 2;
            seg->value.data = ngx_pnalloc(cf->pool, seg->value.len + 1);
            if (seg->value.data == NULL) {
                return NGX_CONF_ERROR;
            }

            ngx_cpystrn(seg->value.data, p + 1, seg->value.len + 1);

            for (k = 0; k < i; k++) {
                if (route->segments[k].param
                    && route->segments[k].value.len == seg->value.len
                    && ngx_strncmp(route->segments[k].value.data,
                                   seg->value.data, seg->value.len)
                       == 0)
                {
                    return ngx_http_pgticket_route_error(cf,
                                    "has duplicate parameter in path", value);
                }
            }

        } else {
            seg->value.data = p;
            seg->value.len = last - p;

            for ( /* void */ ; p < last; p++) {
                if (*p <= ' ' || *p == '{' || *p == '}' || *p == '?'
                    || *p == '#' || *p == '%' || *p >= 0x7f)
                {
                    return ngx_http_pgticket_route_error(cf,
                                    "has invalid character in path", value);
                }
            }
        }

        p = last + 1;
    }

    return NGX_CONF_OK;
}


/*
 * A route function's statements.  HEAD must not change anything, so its
 * statement makes the transaction read-only before the function runs (the
 * argument, an InitPlan, is evaluated first): a function that would write
 * or lock fails with 25006, and the HEAD is answered 405.
 */

static char *
ngx_http_pgticket_parse_function(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_pgticket_route_t *route)
{
    u_char                         *dot;
    ngx_uint_t                      i;
    ngx_http_pgticket_func_t       *func;
    ngx_http_pgticket_main_conf_t  *pmcf;

    static ngx_str_t  pre = ngx_string("SELECT status, headers::text, body "
                                       "FROM ");
    static ngx_str_t  post = ngx_string("($1::jsonb)");
    static ngx_str_t  head_post = ngx_string("((SELECT $1::jsonb FROM "
                            "pg_catalog.set_config('transaction_read_only', "
                            "'on', true)))");
    static ngx_str_t  head = ngx_string("/head");

    dot = ngx_strlchr(value->data, value->data + value->len, '.');

    if (dot == NULL
        || !ngx_http_pgticket_is_ident(value->data, dot - value->data, 0)
        || !ngx_http_pgticket_is_ident(dot + 1,
                                       value->data + value->len - dot - 1, 0))
    {
        return ngx_http_pgticket_route_error(cf, "has invalid function",
                                             value);
    }

    pmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_pgticket_module);

    func = pmcf->funcs.elts;

    for (i = 0; i < pmcf->funcs.nelts; i++) {
        if (func[i].name.len == value->len
            && ngx_strncmp(func[i].name.data, value->data, value->len) == 0)
        {
            break;
        }
    }

    if (i == pmcf->funcs.nelts) {
        func = ngx_array_push(&pmcf->funcs);
        if (func == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memzero(func, sizeof(ngx_http_pgticket_func_t));

        func->name = *value;

        if (ngx_http_pgticket_concat(cf, &func->sql, &pre, value, &post)
            != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }

    } else {
        func = &func[i];
    }

    route->func = func - (ngx_http_pgticket_func_t *) pmcf->funcs.elts;

    if ((route->methods & NGX_HTTP_HEAD) && func->head_name.len == 0) {
        if (ngx_http_pgticket_concat(cf, &func->head_name, value, &head,
                                     NULL)
            != NGX_OK
            || ngx_http_pgticket_concat(cf, &func->head_sql, &pre, value,
                                        &head_post)
               != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


/* a NUL-terminated a + b + c (c may be NULL) from the configuration pool */

static ngx_int_t
ngx_http_pgticket_concat(ngx_conf_t *cf, ngx_str_t *dst, ngx_str_t *a,
    ngx_str_t *b, ngx_str_t *c)
{
    u_char  *p;
    size_t   len;

    len = a->len + b->len + (c ? c->len : 0);

    dst->data = ngx_pnalloc(cf->pool, len + 1);
    if (dst->data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(dst->data, a->data, a->len);
    p = ngx_cpymem(p, b->data, b->len);

    if (c) {
        p = ngx_cpymem(p, c->data, c->len);
    }

    *p = '\0';
    dst->len = len;

    return NGX_OK;
}


static char *
ngx_http_pgticket_parse_headers(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_pgticket_route_t *route)
{
    u_char     *p, *q, *last, *end, c;
    ngx_uint_t  n, k;

    if (value->len <= 8 || ngx_strncmp(value->data, "headers=", 8) != 0) {
        return ngx_http_pgticket_route_error(cf, "has invalid parameter",
                                             value);
    }

    p = value->data + 8;
    end = value->data + value->len;

    n = 1;
    for (last = p; last < end; last++) {
        if (*last == ',') {
            n++;
        }
    }

    route->headers = ngx_palloc(cf->pool, n * sizeof(ngx_str_t));
    if (route->headers == NULL) {
        return NGX_CONF_ERROR;
    }

    route->nheaders = n;

    for (n = 0; n < route->nheaders; n++) {
        last = ngx_strlchr(p, end, ',');
        if (last == NULL) {
            last = end;
        }

        if (last == p) {
            return ngx_http_pgticket_route_error(cf, "has invalid headers",
                                                 value);
        }

        /* lower-cased, NUL-terminated: the name is a key of the document */

        route->headers[n].len = last - p;
        route->headers[n].data = ngx_pnalloc(cf->pool, last - p + 1);
        if (route->headers[n].data == NULL) {
            return NGX_CONF_ERROR;
        }

        q = route->headers[n].data;

        for ( /* void */ ; p < last; p++) {
            c = ngx_tolower(*p);

            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                  || c == '-' || c == '_'))
            {
                return ngx_http_pgticket_route_error(cf,
                                                     "has invalid headers",
                                                     value);
            }

            *q++ = c;
        }

        *q = '\0';

        /* a name given twice would be one member of the document twice */

        for (k = 0; k < n; k++) {
            if (route->headers[k].len == route->headers[n].len
                && ngx_strcmp(route->headers[k].data, route->headers[n].data)
                   == 0)
            {
                return ngx_http_pgticket_route_error(cf,
                                                     "has duplicate header",
                                                     &route->headers[n]);
            }
        }

        p = last + 1;
    }

    return NGX_CONF_OK;
}


static ngx_uint_t
ngx_http_pgticket_is_ident(u_char *p, size_t len, ngx_uint_t upper)
{
    u_char  c;
    size_t  i;

    if (len == 0 || len > 63) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        c = p[i];

        if (upper) {
            c = ngx_tolower(c);
        }

        if ((c >= 'a' && c <= 'z') || c == '_'
            || (i > 0 && c >= '0' && c <= '9'))
        {
            continue;
        }

        return 0;
    }

    return 1;
}


ngx_int_t
ngx_http_pgticket_route_match(ngx_http_request_t *r,
    ngx_http_pgticket_loc_conf_t *plcf, ngx_http_pgticket_ctx_t *ctx)
{
    u_char                     *p, *last, *end;
    ngx_str_t                   segs[NGX_HTTP_PGTICKET_MAX_SEGMENTS];
    ngx_uint_t                  n, i, k, allowed;
    ngx_http_pgticket_route_t  *route;

    p = r->uri.data;
    end = r->uri.data + r->uri.len;

    if (r->uri.len == 0 || *p != '/') {
        return NGX_HTTP_NOT_FOUND;
    }

    if (end - p > 1 && end[-1] == '/') {
        end--;
    }

    /* split the path into segments once */

    n = 0;
    p++;

    while (p < end) {
        if (n == NGX_HTTP_PGTICKET_MAX_SEGMENTS) {
            return NGX_HTTP_NOT_FOUND;
        }

        last = ngx_strlchr(p, end, '/');
        if (last == NULL) {
            last = end;
        }

        segs[n].data = p;
        segs[n].len = last - p;
        n++;

        p = last + 1;
    }

    allowed = 0;
    route = plcf->routes->elts;

    for (i = 0; i < plcf->routes->nelts; i++) {

        if (route[i].nsegments != n) {
            continue;
        }

        for (k = 0; k < n; k++) {
            if (segs[k].len == 0) {
                break;
            }

            if (route[i].segments[k].param) {
                continue;
            }

            if (segs[k].len != route[i].segments[k].value.len
                || ngx_strncmp(segs[k].data, route[i].segments[k].value.data,
                               segs[k].len)
                   != 0)
            {
                break;
            }
        }

        if (k != n) {
            continue;
        }

        if (!(route[i].methods & r->method)) {
            allowed |= route[i].methods;
            continue;
        }

        ctx->route = &route[i];

        ctx->params = ngx_palloc(r->pool, (n ? n : 1) * sizeof(ngx_str_t));
        if (ctx->params == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(ctx->params, segs, n * sizeof(ngx_str_t));

        return NGX_OK;
    }

    if (allowed == 0) {
        return NGX_HTTP_NOT_FOUND;
    }

    if (ngx_http_pgticket_set_allow(r, allowed) != NGX_OK) {
        return NGX_ERROR;
    }

    return NGX_HTTP_NOT_ALLOWED;
}


ngx_int_t
ngx_http_pgticket_set_allow(ngx_http_request_t *r, ngx_uint_t methods)
{
    u_char                      *p;
    ngx_table_elt_t             *h;
    ngx_http_pgticket_method_t  *m;

    p = ngx_pnalloc(r->pool, sizeof("GET, HEAD, POST, PUT, DELETE, PATCH, "
                                    "OPTIONS"));
    if (p == NULL) {
        return NGX_ERROR;
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Allow");
    h->value.data = p;

    for (m = ngx_http_pgticket_methods; m->name.len; m++) {
        if (methods & m->method) {
            if (p != h->value.data) {
                *p++ = ',';
                *p++ = ' ';
            }

            p = ngx_cpymem(p, m->name.data, m->name.len);
        }
    }

    h->value.len = p - h->value.data;

    return NGX_OK;
}
