
/*
 * Copyright (C) pgticket authors
 *
 * multipart/form-data bodies (RFC 7578): each part is handed to the
 * caller's field handler as a name and a value, the value of a file part
 * being its file name, never its content.  The parser knows nothing of
 * what the fields become.
 */


#include "ngx_http_pgticket_module.h"


static u_char *ngx_http_pgticket_find(u_char *p, u_char *end, u_char *s,
    size_t len);
static ngx_int_t ngx_http_pgticket_param(u_char *p, u_char *end,
    char *param, ngx_str_t *value);
static ngx_int_t ngx_http_pgticket_disposition(u_char *p, u_char *end,
    ngx_str_t *name, ngx_str_t *filename);


static u_char *
ngx_http_pgticket_find(u_char *p, u_char *end, u_char *s, size_t len)
{
    while ((size_t) (end - p) >= len) {
        p = ngx_strlchr(p, end - len + 1, s[0]);
        if (p == NULL) {
            return NULL;
        }

        if (ngx_memcmp(p, s, len) == 0) {
            return p;
        }

        p++;
    }

    return NULL;
}


/*
 * finds param="value" (or param=value) among the ';'-separated parameters
 * of a header value, a parameter at a time: a quoted value is passed over
 * whole, so that what it quotes ("x; name=y") is never taken for a
 * parameter, nor "filename" for "name"
 */

static ngx_int_t
ngx_http_pgticket_param(u_char *p, u_char *end, char *param,
    ngx_str_t *value)
{
    u_char  *name, *v, *q;
    size_t   len, nlen, vlen;

    len = ngx_strlen(param);

    while (p < end) {

        while (p < end && (*p == ' ' || *p == '\t' || *p == ';')) {
            p++;
        }

        name = p;

        while (p < end && *p != '=' && *p != ';') {
            p++;
        }

        nlen = p - name;

        if (p == end || *p == ';') {
            continue;                   /* no value: "form-data" */
        }

        p++;

        if (p < end && *p == '"') {
            q = ngx_strlchr(p + 1, end, '"');
            if (q == NULL) {
                return NGX_ERROR;
            }

            v = p + 1;
            vlen = q - v;
            p = q + 1;

        } else {
            for (v = p; p < end && *p != ';' && *p != ' ' && *p != '\t'; p++)
            {
                /* void */
            }

            vlen = p - v;
        }

        if (nlen == len && ngx_strncasecmp(name, (u_char *) param, len) == 0)
        {
            value->data = v;
            value->len = vlen;
            return NGX_OK;
        }

        while (p < end && *p != ';') {
            p++;
        }
    }

    return NGX_DECLINED;
}


static ngx_int_t
ngx_http_pgticket_disposition(u_char *p, u_char *end, ngx_str_t *name,
    ngx_str_t *filename)
{
    u_char     *last;
    ngx_str_t   v;

    static u_char  cd[] = "content-disposition:";

    while (p < end) {
        last = ngx_http_pgticket_find(p, end, (u_char *) "\r\n", 2);
        if (last == NULL) {
            last = end;
        }

        if ((size_t) (last - p) > sizeof(cd) - 1
            && ngx_strncasecmp(p, cd, sizeof(cd) - 1) == 0)
        {
            v.data = p;
            v.len = 0;

            if (ngx_http_pgticket_param(p + sizeof(cd) - 1, last, "name",
                                        &v)
                != NGX_OK)
            {
                return NGX_DECLINED;
            }

            *name = v;
            v.data = p;

            if (ngx_http_pgticket_param(p + sizeof(cd) - 1, last,
                                        "filename", &v)
                == NGX_OK)
            {
                *filename = v;
            }

            return NGX_OK;
        }

        p = last + 2;
    }

    return NGX_DECLINED;
}


/*
 * NGX_OK; NGX_DECLINED for a malformed body; NGX_ERROR; or what the field
 * handler returned other than NGX_OK, which stops the parse
 */

ngx_int_t
ngx_http_pgticket_parse_multipart(ngx_pool_t *pool, ngx_str_t *type,
    ngx_str_t *body, ngx_http_pgticket_field_pt field, void *data)
{
    u_char     *p, *end, *hdr, *part, *next, *delim;
    size_t      dlen;
    ngx_int_t   rc;
    ngx_str_t   boundary, name, filename, value;

    boundary.data = type->data;

    if (ngx_http_pgticket_param(type->data, type->data + type->len,
                                "boundary", &boundary)
        != NGX_OK
        || boundary.len == 0 || boundary.len > 70)
    {
        return NGX_DECLINED;
    }

    /* "\r\n--" boundary */

    dlen = boundary.len + 4;

    delim = ngx_pnalloc(pool, dlen);
    if (delim == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(delim, "\r\n--", 4);
    ngx_memcpy(delim + 4, boundary.data, boundary.len);

    p = body->data;
    end = body->data + body->len;

    /* the first delimiter may start the body, without the CRLF */

    if ((size_t) (end - p) >= dlen - 2
        && ngx_memcmp(p, delim + 2, dlen - 2) == 0)
    {
        p += dlen - 2;

    } else {
        p = ngx_http_pgticket_find(p, end, delim, dlen);
        if (p == NULL) {
            return NGX_DECLINED;
        }

        p += dlen;
    }

    for ( ;; ) {
        if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
            return NGX_OK;
        }

        /* transport padding, then CRLF */

        while (p < end && (*p == ' ' || *p == '\t')) {
            p++;
        }

        if (end - p < 2 || p[0] != '\r' || p[1] != '\n') {
            return NGX_DECLINED;
        }

        hdr = p + 2;

        /*
         * a part without headers ends them at once: its content is never
         * searched for the blank line, nor read as its headers
         */

        if (end - hdr >= 2 && hdr[0] == '\r' && hdr[1] == '\n') {
            part = hdr - 2;

        } else {
            part = ngx_http_pgticket_find(hdr, end, (u_char *) "\r\n\r\n",
                                          4);
            if (part == NULL) {
                return NGX_DECLINED;
            }
        }

        next = ngx_http_pgticket_find(part + 4, end, delim, dlen);
        if (next == NULL) {
            return NGX_DECLINED;
        }

        ngx_str_null(&filename);

        if (ngx_http_pgticket_disposition(hdr, part + 2, &name, &filename)
            != NGX_OK)
        {
            return NGX_DECLINED;
        }

        if (filename.data) {
            value = filename;

        } else {
            value.data = part + 4;
            value.len = next - value.data;
        }

        rc = field(data, &name, &value);
        if (rc != NGX_OK) {
            return rc;
        }

        p = next + dlen;
    }
}
