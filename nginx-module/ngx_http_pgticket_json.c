
/*
 * Copyright (C) pgticket authors
 *
 * Reading JSON without building it: a request's JSON body checked as
 * PostgreSQL's jsonb will take it (so a body it would refuse is answered
 * as malformed, in the API's shape), and the steps the reader of a
 * function's headers (ngx_http_pgticket_output.c) takes over the jsonb
 * text PostgreSQL writes: white space, a string (decoded into the pool
 * only when it has escapes), a value passed over.
 */


#include "ngx_http_pgticket_module.h"


#define NGX_HTTP_PGTICKET_JSON_DEPTH  128

/*
 * What PostgreSQL's numeric (a jsonb number) holds: an exponent below
 * INT_MAX / 2 either way, at most NUMERIC_DSCALE_MAX digits after the
 * point, and less than 10^131072 (NUMERIC_WEIGHT_MAX base-10000 digits)
 */
#define NGX_HTTP_PGTICKET_NUMERIC_EXP_MAX     1073741823
#define NGX_HTTP_PGTICKET_NUMERIC_SCALE_MAX   16383
#define NGX_HTTP_PGTICKET_NUMERIC_WEIGHT_MAX  131071


static ngx_int_t ngx_http_pgticket_json_scalar_valid(u_char **pp,
    u_char *last);
static ngx_int_t ngx_http_pgticket_json_string_valid(u_char **pp,
    u_char *last);
static ngx_int_t ngx_http_pgticket_json_number_valid(u_char **pp,
    u_char *last);


/*
 * A JSON text as RFC 8259 spells it and PostgreSQL's jsonb takes it, in
 * one pass over the body and without memory of its own.  Beyond the
 * grammar, what jsonb refuses and a JSON parser may let through: numbers
 * numeric cannot hold, the escape \u0000 and unpaired UTF-16 surrogates
 * (raw control characters inside strings are the grammar's).  Refused
 * here, such a body reaches the facade flagged as malformed and is
 * answered in the API's shape, instead of failing the query.  A value is
 * nested in at most NGX_HTTP_PGTICKET_JSON_DEPTH - 1 arrays and objects,
 * as json-c's parser, which did this before, had it.  A body that is
 * only null is valid JSON that is not an object: the facades say so.
 */

ngx_int_t
ngx_http_pgticket_json_valid(u_char *p, size_t len)
{
    u_char      *last, closing[NGX_HTTP_PGTICKET_JSON_DEPTH];
    ngx_uint_t   depth;
    enum {
        sw_value = 0,
        sw_name,
        sw_after
    } state;

    last = p + len;
    depth = 0;              /* arrays and objects open */
    state = sw_value;

    for ( ;; ) {
        p = ngx_http_pgticket_json_space(p, last);

        switch (state) {

        case sw_value:
            if (p == last || depth == NGX_HTTP_PGTICKET_JSON_DEPTH) {
                return NGX_DECLINED;
            }

            if (*p != '{' && *p != '[') {
                if (ngx_http_pgticket_json_scalar_valid(&p, last) != NGX_OK) {
                    return NGX_DECLINED;
                }

                state = sw_after;
                break;
            }

            closing[depth++] = (*p == '{') ? '}' : ']';
            p = ngx_http_pgticket_json_space(p + 1, last);

            if (p < last && *p == closing[depth - 1]) {
                p++;
                depth--;
                state = sw_after;
                break;
            }

            state = (closing[depth - 1] == '}') ? sw_name : sw_value;
            break;

        case sw_name:
            if (p == last || *p != '"'
                || ngx_http_pgticket_json_string_valid(&p, last) != NGX_OK)
            {
                return NGX_DECLINED;
            }

            p = ngx_http_pgticket_json_space(p, last);

            if (p == last || *p++ != ':') {
                return NGX_DECLINED;
            }

            state = sw_value;
            break;

        case sw_after:
            if (depth == 0) {
                return (p == last) ? NGX_OK : NGX_DECLINED;
            }

            if (p == last) {
                return NGX_DECLINED;
            }

            if (*p == ',') {
                p++;
                state = (closing[depth - 1] == '}') ? sw_name : sw_value;
                break;
            }

            if (*p++ != closing[depth - 1]) {
                return NGX_DECLINED;
            }

            depth--;
            break;
        }
    }
}


u_char *
ngx_http_pgticket_json_space(u_char *p, u_char *last)
{
    while (p < last
           && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
    {
        p++;
    }

    return p;
}


/* a string, a number or a literal; *pp is left past it */

static ngx_int_t
ngx_http_pgticket_json_scalar_valid(u_char **pp, u_char *last)
{
    char    *literal;
    size_t   n;
    u_char  *p;

    p = *pp;

    switch (*p) {

    case '"':
        return ngx_http_pgticket_json_string_valid(pp, last);

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

        return ngx_http_pgticket_json_number_valid(pp, last);
    }

    if ((size_t) (last - p) < n || ngx_strncmp(p, literal, n) != 0) {
        return NGX_DECLINED;
    }

    *pp = p + n;

    return NGX_OK;
}


/* *pp is at the opening quote, and is left past the closing one */

static ngx_int_t
ngx_http_pgticket_json_string_valid(u_char **pp, u_char *last)
{
    u_char      *p;
    ngx_int_t    cp;
    ngx_uint_t   high;

    p = *pp + 1;
    high = 0;        /* a high surrogate waits for its low half */

    for ( ;; ) {

        if (p == last || *p < 0x20) {
            return NGX_DECLINED;
        }

        if (*p != '\\') {
            if (high) {
                return NGX_DECLINED;
            }

            if (*p++ == '"') {
                *pp = p;
                return NGX_OK;
            }

            continue;
        }

        if (last - p < 2) {
            return NGX_DECLINED;
        }

        switch (p[1]) {

        case '"': case '\\': case '/':
        case 'b': case 'f': case 'n': case 'r': case 't':
            if (high) {
                return NGX_DECLINED;
            }

            p += 2;
            continue;

        case 'u':
            break;

        default:
            return NGX_DECLINED;
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
}


/*
 * A JSON number (RFC 8259: not "1." nor "1.e5", which json-c let through
 * and PostgreSQL refuses) as numeric_in() reads it: the exponent, the digits
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


/*
 * A JSON string, *pp at its opening quote, left past its closing one.
 * Without escapes it is the bytes in place; with them, decoded (never
 * longer than written) into the pool, or only passed over without one.
 */

ngx_int_t
ngx_http_pgticket_json_string(ngx_pool_t *pool, u_char **pp, u_char *last,
    ngx_str_t *s)
{
    u_char      *p, *start, *end, *d;
    ngx_int_t    cp, lo;
    ngx_uint_t   escaped;

    start = *pp + 1;
    escaped = 0;

    for (p = start; /* void */ ; p++) {
        if (p == last) {
            return NGX_DECLINED;
        }

        if (*p == '"') {
            break;
        }

        if (*p == '\\') {
            if (++p == last) {
                return NGX_DECLINED;
            }

            escaped = 1;
        }
    }

    end = p;
    *pp = p + 1;

    if (!escaped || pool == NULL) {
        s->data = start;
        s->len = end - start;
        return NGX_OK;
    }

    d = ngx_pnalloc(pool, end - start);
    if (d == NULL) {
        return NGX_ERROR;
    }

    s->data = d;

    for (p = start; p < end; /* void */ ) {

        if (*p != '\\') {
            *d++ = *p++;
            continue;
        }

        p++;

        switch (*p++) {

        case '"':
        case '\\':
        case '/':
            *d++ = p[-1];
            continue;

        case 'b':
            *d++ = '\b';
            continue;

        case 'f':
            *d++ = '\f';
            continue;

        case 'n':
            *d++ = '\n';
            continue;

        case 'r':
            *d++ = '\r';
            continue;

        case 't':
            *d++ = '\t';
            continue;

        case 'u':
            break;

        default:
            return NGX_DECLINED;
        }

        if (end - p < 4 || (cp = ngx_hextoi(p, 4)) == NGX_ERROR) {
            return NGX_DECLINED;
        }

        p += 4;

        if (cp >= 0xdc00 && cp <= 0xdfff) {
            return NGX_DECLINED;
        }

        if (cp >= 0xd800 && cp <= 0xdbff) {
            if (end - p < 6 || p[0] != '\\' || p[1] != 'u'
                || (lo = ngx_hextoi(p + 2, 4)) == NGX_ERROR
                || lo < 0xdc00 || lo > 0xdfff)
            {
                return NGX_DECLINED;
            }

            p += 6;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        }

        /* UTF-8 */

        if (cp < 0x80) {
            *d++ = (u_char) cp;

        } else if (cp < 0x800) {
            *d++ = (u_char) (0xc0 | (cp >> 6));
            *d++ = (u_char) (0x80 | (cp & 0x3f));

        } else if (cp < 0x10000) {
            *d++ = (u_char) (0xe0 | (cp >> 12));
            *d++ = (u_char) (0x80 | ((cp >> 6) & 0x3f));
            *d++ = (u_char) (0x80 | (cp & 0x3f));

        } else {
            *d++ = (u_char) (0xf0 | (cp >> 18));
            *d++ = (u_char) (0x80 | ((cp >> 12) & 0x3f));
            *d++ = (u_char) (0x80 | ((cp >> 6) & 0x3f));
            *d++ = (u_char) (0x80 | (cp & 0x3f));
        }
    }

    s->len = d - s->data;

    return NGX_OK;
}


/* a value that is not a string, left at the ',' or '}' after it */

ngx_int_t
ngx_http_pgticket_json_skip(u_char **pp, u_char *last)
{
    u_char      *p;
    ngx_str_t    s;
    ngx_uint_t   depth;

    depth = 0;
    p = *pp;

    while (p < last) {

        switch (*p) {

        case '"':
            if (ngx_http_pgticket_json_string(NULL, &p, last, &s)
                == NGX_DECLINED)
            {
                return NGX_DECLINED;
            }

            continue;

        case '{':
        case '[':
            depth++;
            break;

        case '}':
        case ']':
            if (depth == 0) {
                *pp = p;
                return (*p == '}') ? NGX_OK : NGX_DECLINED;
            }

            depth--;
            break;

        case ',':
            if (depth == 0) {
                *pp = p;
                return NGX_OK;
            }

            break;
        }

        p++;
    }

    return NGX_DECLINED;
}
