
/*
 * Copyright (C) pgticket authors
 *
 * The few nginx core functions the module's request parsing calls, for the
 * libFuzzer harness (tests/fuzz/request_fuzz.c).  Debian's nginx-dev ships
 * nginx's headers, not its sources or objects, so these are written here
 * to nginx's documented behaviour.  They are not the code under test: the
 * module's ngx_http_pgticket_route.c, _request.c and _multipart.c are.
 *
 * Memory is stricter than nginx's: every allocation is a malloc() block of
 * its own, so that AddressSanitizer sees the bounds of each (in an nginx
 * pool, an overrun lands in the next allocation, unseen), all freed with
 * the pool.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_shim.h"


ngx_module_t  ngx_http_pgticket_module;   /* ctx_index 0 */


static void *
ngx_shim_alloc(ngx_pool_t *pool, size_t size)
{
    void              *p;
    ngx_pool_large_t  *l;

    l = malloc(sizeof(ngx_pool_large_t));
    p = malloc(size ? size : 1);

    if (l == NULL || p == NULL) {
        abort();
    }

    l->alloc = p;
    l->next = pool->large;
    pool->large = l;

    return p;
}


ngx_pool_t *
ngx_shim_pool_create(void)
{
    ngx_pool_t  *pool;

    pool = calloc(1, sizeof(ngx_pool_t));
    if (pool == NULL) {
        abort();
    }

    return pool;
}


void
ngx_shim_pool_destroy(ngx_pool_t *pool)
{
    ngx_pool_large_t    *l, *next;
    ngx_pool_cleanup_t  *c;

    for (c = pool->cleanup; c; c = c->next) {
        if (c->handler) {
            c->handler(c->data);
        }
    }

    for (l = pool->large; l; l = next) {
        next = l->next;
        free(l->alloc);
        free(l);
    }

    free(pool);
}


void *
ngx_palloc(ngx_pool_t *pool, size_t size)
{
    return ngx_shim_alloc(pool, size);
}


void *
ngx_pnalloc(ngx_pool_t *pool, size_t size)
{
    return ngx_shim_alloc(pool, size);
}


void *
ngx_pcalloc(ngx_pool_t *pool, size_t size)
{
    return memset(ngx_shim_alloc(pool, size), 0, size);
}


ngx_pool_cleanup_t *
ngx_pool_cleanup_add(ngx_pool_t *p, size_t size)
{
    ngx_pool_cleanup_t  *c;

    c = ngx_shim_alloc(p, sizeof(ngx_pool_cleanup_t));
    c->data = size ? ngx_shim_alloc(p, size) : NULL;
    c->handler = NULL;
    c->next = p->cleanup;
    p->cleanup = c;

    return c;
}


ngx_array_t *
ngx_array_create(ngx_pool_t *p, ngx_uint_t n, size_t size)
{
    ngx_array_t  *a;

    a = ngx_shim_alloc(p, sizeof(ngx_array_t));

    if (ngx_array_init(a, p, n, size) != NGX_OK) {
        return NULL;
    }

    return a;
}


/* a full array moves to a block twice its size */

void *
ngx_array_push(ngx_array_t *a)
{
    void  *elts;

    if (a->nelts == a->nalloc) {
        elts = ngx_shim_alloc(a->pool, 2 * a->nalloc * a->size);
        memcpy(elts, a->elts, a->nelts * a->size);
        a->elts = elts;
        a->nalloc *= 2;
    }

    return (u_char *) a->elts + a->size * a->nelts++;
}


void *
ngx_list_push(ngx_list_t *l)
{
    ngx_list_part_t  *last;

    last = l->last;

    if (last->nelts == l->nalloc) {
        last = ngx_shim_alloc(l->pool, sizeof(ngx_list_part_t));
        last->elts = ngx_shim_alloc(l->pool, l->nalloc * l->size);
        last->nelts = 0;
        last->next = NULL;
        l->last->next = last;
        l->last = last;
    }

    return (u_char *) last->elts + l->size * last->nelts++;
}


/* at most n - 1 bytes, up to a NUL; the copy ends with one */

u_char *
ngx_cpystrn(u_char *dst, u_char *src, size_t n)
{
    if (n == 0) {
        return dst;
    }

    while (--n) {
        *dst = *src;

        if (*dst == '\0') {
            return dst;
        }

        dst++;
        src++;
    }

    *dst = '\0';

    return dst;
}


ngx_int_t
ngx_hextoi(u_char *line, size_t n)
{
    u_char     c, d;
    ngx_int_t  value, cutoff;

    if (n == 0) {
        return NGX_ERROR;
    }

    cutoff = NGX_MAX_INT_T_VALUE / 16;

    for (value = 0; n--; line++) {
        if (value > cutoff) {
            return NGX_ERROR;
        }

        c = *line;

        if (c >= '0' && c <= '9') {
            d = c - '0';

        } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
            d = (c | 0x20) - 'a' + 10;

        } else {
            return NGX_ERROR;
        }

        value = value * 16 + d;
    }

    return value;
}


/*
 * nginx's JSON string escaping: '"' and '\\' escaped, control characters
 * as \n, \r, \t, \b, \f or \u00XX, anything else as it is; with dst NULL,
 * the number of bytes the escapes add
 */

uintptr_t
ngx_escape_json(u_char *dst, u_char *src, size_t size)
{
    u_char      ch;
    ngx_uint_t  len;

    static u_char  hex[] = "0123456789ABCDEF";

    if (dst == NULL) {
        len = 0;

        while (size--) {
            ch = *src++;

            if (ch == '\\' || ch == '"') {
                len++;

            } else if (ch <= 0x1f) {
                len += (ch == '\n' || ch == '\r' || ch == '\t' || ch == '\b'
                        || ch == '\f')
                       ? 1 : sizeof("\\u001F") - 2;
            }
        }

        return (uintptr_t) len;
    }

    while (size--) {
        ch = *src++;

        if (ch > 0x1f) {
            if (ch == '\\' || ch == '"') {
                *dst++ = '\\';
            }

            *dst++ = ch;
            continue;
        }

        *dst++ = '\\';

        switch (ch) {
        case '\n':
            *dst++ = 'n';
            break;

        case '\r':
            *dst++ = 'r';
            break;

        case '\t':
            *dst++ = 't';
            break;

        case '\b':
            *dst++ = 'b';
            break;

        case '\f':
            *dst++ = 'f';
            break;

        default:
            *dst++ = 'u';
            *dst++ = '0';
            *dst++ = '0';
            *dst++ = hex[ch >> 4];
            *dst++ = hex[ch & 0xf];
        }
    }

    return (uintptr_t) dst;
}


ngx_int_t
ngx_strncasecmp(u_char *s1, u_char *s2, size_t n)
{
    ngx_uint_t  c1, c2;

    while (n--) {
        c1 = ngx_tolower(*s1);
        c2 = ngx_tolower(*s2);
        s1++;
        s2++;

        if (c1 != c2) {
            return c1 < c2 ? -1 : 1;
        }

        if (c1 == 0) {
            return 0;
        }
    }

    return 0;
}


/*
 * s2 (n + 1 bytes, lower case) in [s1, last), case-insensitively: where
 * it starts, or NULL
 */

u_char *
ngx_strlcasestrn(u_char *s1, u_char *last, u_char *s2, size_t n)
{
    u_char  *p;

    if ((size_t) (last - s1) < n + 1) {
        return NULL;
    }

    for (p = s1; p <= last - (n + 1); p++) {
        if (ngx_tolower(*p) == s2[0]
            && ngx_strncasecmp(p + 1, s2 + 1, n) == 0)
        {
            return p;
        }
    }

    return NULL;
}


ngx_int_t
ngx_http_complex_value(ngx_http_request_t *r, ngx_http_complex_value_t *val,
    ngx_str_t *value)
{
    if (val->lengths != NULL) {
        abort();                        /* the harness has no variables */
    }

    *value = val->value;

    return NGX_OK;
}


void
ngx_log_error_core(ngx_uint_t level, ngx_log_t *log, ngx_err_t err,
    const char *fmt, ...)
{
}


/* reached only by an invalid pgticket_route, never by the harness's */

u_char *
ngx_snprintf(u_char *buf, size_t max, const char *fmt, ...)
{
    abort();
}


/* the harness's bodies are in memory */

ssize_t
ngx_read_file(ngx_file_t *file, u_char *buf, size_t size, off_t offset)
{
    abort();
}
