
/*
 * Copyright (C) pgticket authors
 *
 * pgticket_database: the connection string, turned when the configuration
 * is read into the keyword arrays every connection of a worker starts
 * from (PQconnectStartParams()).
 *
 * libpq resolves a host name inside PQconnectPoll() with getaddrinfo(),
 * which blocks: a slow DNS would freeze the worker on every connect.  So
 * each host name is resolved here, once, and every address found becomes
 * a host/hostaddr pair: libpq then connects to the address, and still uses
 * the name for TLS and authentication.  Socket directories and numeric
 * addresses are kept as they are; a name that does not resolve fails
 * nginx -t.  The names are resolved again on reload.
 *
 * client_encoding=UTF8 is set after the string, so that it wins over the
 * string, the role and the database: the request documents are UTF-8.
 */


#include "ngx_http_pgticket_module.h"

#include <netdb.h>


#define NGX_HTTP_PGTICKET_MAX_KEYWORDS  8


typedef struct {
    ngx_str_t   host;
    ngx_str_t   hostaddr;
    ngx_str_t   port;
} ngx_http_pgticket_target_t;


static ngx_int_t ngx_http_pgticket_resolve(ngx_conf_t *cf, ngx_str_t *host,
    ngx_str_t *port, ngx_array_t *targets);
static ngx_uint_t ngx_http_pgticket_split(ngx_conf_t *cf, const char *s,
    ngx_array_t *items);
static ngx_int_t ngx_http_pgticket_port_valid(ngx_str_t *port);
static ngx_int_t ngx_http_pgticket_join(ngx_conf_t *cf, ngx_array_t *targets,
    size_t offset, const char **out);


char *
ngx_http_pgticket_conninfo(ngx_conf_t *cf,
    ngx_http_pgticket_main_conf_t *pmcf)
{
    char                        *err, *rv;
    ngx_int_t                    rc;
    ngx_str_t                   *host, *port, none;
    ngx_uint_t                   i, n, nhosts, nports, resolved, given;
    ngx_array_t                  hosts, ports, targets;
    const char                  *host_v, *hostaddr_v, *port_v;
    PQconninfoOption            *opts, *o;

    pmcf->keywords = ngx_pcalloc(cf->pool,
                                 NGX_HTTP_PGTICKET_MAX_KEYWORDS
                                 * sizeof(char *));
    pmcf->values = ngx_pcalloc(cf->pool,
                               NGX_HTTP_PGTICKET_MAX_KEYWORDS
                               * sizeof(char *));
    if (pmcf->keywords == NULL || pmcf->values == NULL) {
        return NGX_CONF_ERROR;
    }

    /* libpq's message would quote the string, which may hold a password */

    err = NULL;
    opts = PQconninfoParse((const char *) pmcf->conninfo.data, &err);

    if (err) {
        PQfreemem(err);
    }

    if (opts == NULL) {
        return "is not a valid libpq connection string";
    }

    host_v = NULL;
    hostaddr_v = NULL;
    port_v = NULL;
    given = 0;

    for (o = opts; o->keyword; o++) {
        if (o->val == NULL || o->val[0] == '\0') {
            continue;
        }

        given++;

        if (ngx_strcmp(o->keyword, "host") == 0) {
            host_v = o->val;

        } else if (ngx_strcmp(o->keyword, "hostaddr") == 0) {
            hostaddr_v = o->val;

        } else if (ngx_strcmp(o->keyword, "port") == 0) {
            port_v = o->val;
        }
    }

    /*
     * "", " ", "dbname=" or "postgresql://" name nothing: libpq would take
     * every default, and the check that routes have a database would pass
     */

    if (given == 0) {
        PQconninfoFree(opts);
        return "has an empty conninfo";
    }

    n = 0;
    pmcf->keywords[n] = "dbname";
    pmcf->values[n++] = (const char *) pmcf->conninfo.data;

    rv = NGX_CONF_ERROR;

    if (ngx_array_init(&ports, cf->pool, 4, sizeof(ngx_str_t)) != NGX_OK) {
        goto done;
    }

    nports = port_v ? ngx_http_pgticket_split(cf, port_v, &ports) : 0;

    if (port_v && nports == 0) {
        goto done;
    }

    port = ports.elts;

    for (i = 0; i < nports; i++) {
        if (!ngx_http_pgticket_port_valid(&port[i])) {
            rv = "has an invalid port (1-65535)";
            goto done;
        }
    }

    /* with hostaddr given, libpq looks nothing up */

    if (host_v && hostaddr_v == NULL) {

        if (ngx_array_init(&hosts, cf->pool, 4, sizeof(ngx_str_t)) != NGX_OK
            || ngx_array_init(&targets, cf->pool, 4,
                              sizeof(ngx_http_pgticket_target_t))
               != NGX_OK)
        {
            goto done;
        }

        nhosts = ngx_http_pgticket_split(cf, host_v, &hosts);

        if (nhosts == 0) {
            goto done;
        }

        if (nports > 1 && nports != nhosts) {
            rv = "must have one port, or as many ports as hosts";
            goto done;
        }

        ngx_str_null(&none);
        host = hosts.elts;
        resolved = 0;

        for (i = 0; i < nhosts; i++) {
            rc = ngx_http_pgticket_resolve(cf, &host[i],
                                           nports > 1 ? &port[i]
                                           : nports ? &port[0] : &none,
                                           &targets);
            if (rc == NGX_ERROR) {
                goto done;
            }

            if (rc == NGX_DONE) {
                resolved = 1;
            }
        }

        if (resolved) {
            pmcf->keywords[n] = "host";
            pmcf->keywords[n + 1] = "hostaddr";

            if (ngx_http_pgticket_join(cf, &targets,
                        offsetof(ngx_http_pgticket_target_t, host),
                        &pmcf->values[n])
                != NGX_OK
                || ngx_http_pgticket_join(cf, &targets,
                        offsetof(ngx_http_pgticket_target_t, hostaddr),
                        &pmcf->values[n + 1])
                   != NGX_OK)
            {
                goto done;
            }

            n += 2;

            if (nports) {
                pmcf->keywords[n] = "port";

                if (ngx_http_pgticket_join(cf, &targets,
                            offsetof(ngx_http_pgticket_target_t, port),
                            &pmcf->values[n])
                    != NGX_OK)
                {
                    goto done;
                }

                n++;
            }
        }
    }

    pmcf->keywords[n] = "client_encoding";
    pmcf->values[n++] = "UTF8";
    pmcf->keywords[n] = "fallback_application_name";
    pmcf->values[n++] = "pgticket-nginx";
    pmcf->keywords[n] = NULL;
    pmcf->values[n] = NULL;

    rv = NGX_CONF_OK;

done:

    PQconninfoFree(opts);

    return rv;
}


/*
 * Adds the targets of one host: NGX_OK for a socket directory or a numeric
 * address, kept as it is; NGX_DONE for a name, one target per address;
 * NGX_ERROR when it cannot be resolved (logged).
 */

static ngx_int_t
ngx_http_pgticket_resolve(ngx_conf_t *cf, ngx_str_t *host, ngx_str_t *port,
    ngx_array_t *targets)
{
    int                          rc;
    u_char                       text[NGX_SOCKADDR_STRLEN];
    ngx_str_t                    addr;
    ngx_uint_t                   i, first;
    struct addrinfo              hints, *res, *rp;
    ngx_http_pgticket_target_t  *t;

    if (host->len == 0 || host->data[0] == '/' || host->data[0] == '@'
        || ngx_inet_addr(host->data, host->len) != INADDR_NONE
#if (NGX_HAVE_INET6)
        || ngx_inet6_addr(host->data, host->len, text) == NGX_OK
#endif
        )
    {
        t = ngx_array_push(targets);
        if (t == NULL) {
            return NGX_ERROR;
        }

        t->host = *host;
        t->port = *port;

        /* an empty hostaddr: libpq takes the host as it is */

        if (host->len && host->data[0] != '/' && host->data[0] != '@') {
            t->hostaddr = *host;

        } else {
            ngx_str_null(&t->hostaddr);
        }

        return NGX_OK;
    }

    /* blocking, but only here, while the configuration is read */

    ngx_memzero(&hints, sizeof(struct addrinfo));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;

    rc = getaddrinfo((char *) host->data, NULL, &hints, &res);

    if (rc != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"pgticket_database\" host \"%V\" cannot be "
                           "resolved: %s", host, gai_strerror(rc));
        return NGX_ERROR;
    }

    first = targets->nelts;

    for (rp = res; rp; rp = rp->ai_next) {
        if (rp->ai_family != AF_INET
#if (NGX_HAVE_INET6)
            && rp->ai_family != AF_INET6
#endif
           )
        {
            continue;
        }

        addr.data = text;
        addr.len = ngx_sock_ntop(rp->ai_addr, rp->ai_addrlen, text,
                                 NGX_SOCKADDR_STRLEN, 0);

        /* an address may come more than once */

        t = targets->elts;

        for (i = first; i < targets->nelts; i++) {
            if (t[i].hostaddr.len == addr.len
                && ngx_strncmp(t[i].hostaddr.data, text, addr.len) == 0)
            {
                break;
            }
        }

        if (i < targets->nelts) {
            continue;
        }

        t = ngx_array_push(targets);
        if (t == NULL) {
            freeaddrinfo(res);
            return NGX_ERROR;
        }

        t->host = *host;
        t->port = *port;
        t->hostaddr.len = addr.len;
        t->hostaddr.data = ngx_pstrdup(cf->pool, &addr);

        if (t->hostaddr.data == NULL) {
            freeaddrinfo(res);
            return NGX_ERROR;
        }

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, cf->log, 0,
                       "pgticket_database: host \"%V\" is %V",
                       host, &t->hostaddr);
    }

    freeaddrinfo(res);

    if (targets->nelts == first) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"pgticket_database\" host \"%V\" has no "
                           "IPv4 or IPv6 address", host);
        return NGX_ERROR;
    }

    return NGX_DONE;
}


/*
 * libpq checks a port only when it connects ("invalid port number"), so a
 * port of "abc", "-1" or "99999" passed nginx -t and every request got the
 * unavailable answer.  One port of the list as libpq reads it: empty (the
 * default), or an integer of 1-65535 ("+" allowed), blanks around it.
 */

static ngx_int_t
ngx_http_pgticket_port_valid(ngx_str_t *port)
{
    u_char     *p, *end;
    ngx_int_t   n;

    if (port->len == 0) {
        return 1;
    }

    p = port->data;
    end = p + port->len;

    /* isspace() in the C locale, as libpq's strtol() skips */

    while (p < end && (*p == ' ' || (*p >= '\t' && *p <= '\r'))) {
        p++;
    }

    while (end > p && (end[-1] == ' '
                       || (end[-1] >= '\t' && end[-1] <= '\r')))
    {
        end--;
    }

    if (p < end && *p == '+') {
        p++;
    }

    n = ngx_atoi(p, end - p);

    return n >= 1 && n <= 65535;
}


/* a comma-separated list of libpq (no quoting inside a list) */

static ngx_uint_t
ngx_http_pgticket_split(ngx_conf_t *cf, const char *s, ngx_array_t *items)
{
    u_char     *p, *last, *end;
    ngx_str_t  *item;

    p = (u_char *) s;
    end = p + ngx_strlen(s);

    for ( ;; ) {
        last = ngx_strlchr(p, end, ',');
        if (last == NULL) {
            last = end;
        }

        item = ngx_array_push(items);
        if (item == NULL) {
            return 0;
        }

        /* NUL-terminated copies: getaddrinfo() reads them */

        item->len = last - p;
        item->data = ngx_pnalloc(cf->pool, item->len + 1);
        if (item->data == NULL) {
            return 0;
        }

        ngx_cpystrn(item->data, p, item->len + 1);

        if (last == end) {
            return items->nelts;
        }

        p = last + 1;
    }
}


static ngx_int_t
ngx_http_pgticket_join(ngx_conf_t *cf, ngx_array_t *targets, size_t offset,
    const char **out)
{
    u_char                      *p;
    size_t                       len;
    ngx_str_t                   *s;
    ngx_uint_t                   i;
    ngx_http_pgticket_target_t  *t;

    t = targets->elts;
    len = targets->nelts;

    for (i = 0; i < targets->nelts; i++) {
        s = (ngx_str_t *) ((u_char *) &t[i] + offset);
        len += s->len;
    }

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    *out = (const char *) p;

    for (i = 0; i < targets->nelts; i++) {
        s = (ngx_str_t *) ((u_char *) &t[i] + offset);

        if (i) {
            *p++ = ',';
        }

        p = ngx_cpymem(p, s->data, s->len);
    }

    *p = '\0';

    return NGX_OK;
}
