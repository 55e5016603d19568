
/*
 * Copyright (C) pgticket authors
 */


#ifndef _NGX_HTTP_PGTICKET_MODULE_H_INCLUDED_
#define _NGX_HTTP_PGTICKET_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_thread_pool.h>
#include <libpq-fe.h>


#if !(NGX_THREADS)
#error ngx_http_pgticket_module needs nginx built --with-threads
#endif


/* after a failed connection attempt: the first retry, and the longest wait */
#define NGX_HTTP_PGTICKET_RECONNECT_DELAY  200
#define NGX_HTTP_PGTICKET_RECONNECT_MAX    1000

/* how often a cancel request is sent again while a statement runs on */
#define NGX_HTTP_PGTICKET_CANCEL_RETRY     500

#define NGX_HTTP_PGTICKET_ERR_UNAVAILABLE  0
#define NGX_HTTP_PGTICKET_ERR_TIMEOUT      1
#define NGX_HTTP_PGTICKET_ERR_SQL          2
#define NGX_HTTP_PGTICKET_ERR_CLIENT       3
#define NGX_HTTP_PGTICKET_ERR_KINDS        4

/* what a PostgreSQL connection reports to its owner (pq->handler) */
#define NGX_HTTP_PGTICKET_PQ_READY         0   /* may run a query */
#define NGX_HTTP_PGTICKET_PQ_RESULT        1   /* a query ended */
#define NGX_HTTP_PGTICKET_PQ_DOWN          2   /* could not connect */
#define NGX_HTTP_PGTICKET_PQ_LOST          3   /* an open one failed */


struct json_object;

typedef struct ngx_http_pgticket_pool_s    ngx_http_pgticket_pool_t;
typedef struct ngx_http_pgticket_slot_s    ngx_http_pgticket_slot_t;
typedef struct ngx_http_pgticket_ctx_s     ngx_http_pgticket_ctx_t;
typedef struct ngx_http_pgticket_pq_s      ngx_http_pgticket_pq_t;
typedef struct ngx_http_pgticket_cancel_s  ngx_http_pgticket_cancel_t;

/*
 * the one way a connection reports back: the event, and for
 * NGX_HTTP_PGTICKET_PQ_RESULT the result, which the handler then owns.
 * After DOWN and LOST the connection is closed already.
 */
typedef void (*ngx_http_pgticket_pq_handler_pt)(ngx_http_pgticket_pq_t *pq,
    ngx_uint_t event, PGresult *res);

/* a field of a multipart body, handed over by the multipart parser */
typedef ngx_int_t (*ngx_http_pgticket_field_pt)(void *data, ngx_str_t *name,
    ngx_str_t *value);


/*
 * one SQL function called by at least one route, with two statements:
 * the plain call, and for HEAD the call in a read-only transaction
 */
typedef struct {
    ngx_str_t                     name;        /* schema.fn, NUL-terminated */
    ngx_str_t                     sql;         /* NUL-terminated */
    ngx_str_t                     head_name;   /* schema.fn/head */
    ngx_str_t                     head_sql;
} ngx_http_pgticket_func_t;

/* statement n of function f: 2 * f + head */
#define ngx_http_pgticket_stmt(f, head)  (2 * (f) + ((head) ? 1 : 0))


/* a path segment of a route: literal text or a {name} parameter */
typedef struct {
    ngx_str_t                     value;
    ngx_uint_t                    param;
} ngx_http_pgticket_segment_t;


typedef struct {
    ngx_uint_t                    methods;
    ngx_http_pgticket_segment_t  *segments;
    ngx_uint_t                    nsegments;
    ngx_uint_t                    func;        /* index in pmcf->funcs */
    ngx_str_t                    *headers;     /* lower-cased names */
    ngx_uint_t                    nheaders;
} ngx_http_pgticket_route_t;


typedef struct {
    ngx_str_t                     conninfo;    /* NUL-terminated */
    const char                  **keywords;    /* for PQconnectStartParams */
    const char                  **values;
    ngx_uint_t                    pool_max;
    ngx_uint_t                    queue_max;
    ngx_uint_t                    pipeline;    /* queries per connection */
    ngx_msec_t                    timeout;
    size_t                        large_result;
    ngx_array_t                   funcs;       /* ngx_http_pgticket_func_t */
    ngx_thread_pool_t            *thread_pool; /* runs PQcancel() */
    ngx_http_pgticket_pool_t     *pool;        /* this worker's pool */
} ngx_http_pgticket_main_conf_t;


/* pgticket_param: a member of the request document's "nginx" object */
typedef struct {
    ngx_str_t                     name;        /* NUL-terminated */
    ngx_http_complex_value_t      value;
} ngx_http_pgticket_param_t;


typedef struct {
    ngx_array_t                  *routes;      /* ngx_http_pgticket_route_t */
    ngx_array_t                  *params;      /* ngx_http_pgticket_param_t */
    ngx_str_t                     error_type;
    ngx_http_complex_value_t     *error_body;
    ngx_uint_t                    unavail_status;
    ngx_str_t                     unavail_type;
    ngx_http_complex_value_t     *unavail_body;
    size_t                        body_limit;
    ngx_flag_t                    status;
} ngx_http_pgticket_loc_conf_t;


/* one PostgreSQL connection, driven by ngx_http_pgticket_pq.c */
struct ngx_http_pgticket_pq_s {
    PGconn                          *conn;
    ngx_connection_t                *c;
    ngx_log_t                       *log;
    ngx_event_t                      timer;      /* connecting, setting up */
    ngx_http_pgticket_main_conf_t   *conf;
    u_char                          *prepared;   /* per statement */
    ngx_uint_t                       phase;
    ngx_uint_t                       step;       /* of the setup */
    ngx_uint_t                       stmt;       /* of the query running */
    const char                      *param;      /* the request document */
    PGresult                        *result;     /* first of the query */
    ngx_uint_t                       inflight;   /* queries sent, not ended */
    ngx_http_pgticket_cancel_t      *cancel;
    ngx_uint_t                       down_level; /* logs a failed connect */
    ngx_http_pgticket_pq_handler_pt  handler;
    void                            *data;
};


/* a slot of the pool, from the pool's point of view */
typedef enum {
    NGX_HTTP_PGTICKET_FREE = 0,
    NGX_HTTP_PGTICKET_CONNECTING,              /* connecting, setting up */
    NGX_HTTP_PGTICKET_IDLE,
    NGX_HTTP_PGTICKET_BUSY,                    /* running a request */
    NGX_HTTP_PGTICKET_CANCELLING,              /* past its deadline */
    NGX_HTTP_PGTICKET_DRAINING,                /* its request went away */
    NGX_HTTP_PGTICKET_COOLING                  /* its cancel on its way */
} ngx_http_pgticket_state_e;


struct ngx_http_pgticket_slot_s {
    ngx_queue_t                   queue;       /* in pool->free or ->idle */
    ngx_http_pgticket_pool_t     *pool;
    ngx_http_pgticket_pq_t        pq;
    ngx_log_t                     log;
    ngx_event_t                   timer;       /* cancel, drain, cool */
    ngx_http_pgticket_state_e     state;
    ngx_http_pgticket_ctx_t     **fifo;        /* requests sent, in order */
    ngx_uint_t                    head;
    ngx_uint_t                    n;           /* in fifo, gone ones too */
    ngx_http_pgticket_ctx_t     **rerun;       /* for the next connection */
    ngx_uint_t                    nrerun;
    unsigned                      renew:1;     /* closed once drained */
};


struct ngx_http_pgticket_pool_s {
    ngx_http_pgticket_main_conf_t  *pmcf;
    ngx_http_pgticket_slot_t       *slots;
    ngx_queue_t                     free;
    ngx_queue_t                     idle;
    ngx_queue_t                     waiting;
    ngx_uint_t                      nwaiting;
    ngx_uint_t                      nfree;
    ngx_uint_t                      nconnecting;
    ngx_msec_t                      next_connect;
    ngx_msec_t                      retry_delay;
    ngx_event_t                     retry;     /* reconnects while down */
    ngx_uint_t                      down;      /* last attempt failed */
    ngx_atomic_uint_t               requests;
    ngx_atomic_uint_t               errors[NGX_HTTP_PGTICKET_ERR_KINDS];
};


struct ngx_http_pgticket_ctx_s {
    ngx_http_request_t           *request;
    ngx_http_pgticket_route_t    *route;
    ngx_http_pgticket_pool_t     *pool;
    ngx_http_pgticket_slot_t     *slot;
    ngx_queue_t                   queue;       /* in pool->waiting */
    ngx_event_t                   timer;       /* whole-request deadline */
    ngx_str_t                     doc;         /* NUL-terminated */
    ngx_str_t                     body;        /* a JSON body, raw */
    ngx_str_t                    *params;      /* values of {name} segments */
    ngx_uint_t                    status;      /* $pgticket_status */
    ngx_str_t                     message;     /* $pgticket_message */
    PGresult                     *result;
    off_t                         received;    /* request body bytes */
    unsigned                      queued:1;
    unsigned                      retried:1;   /* after 40001, 40P01 */
    unsigned                      refreshed:1; /* after 0A000, 42804 */
    unsigned                      overdue:1;   /* past its deadline, sent */
    unsigned                      rerun:1;     /* in slot->rerun */
    unsigned                      too_large:1; /* over pgticket_body_limit */
    unsigned                      own:1;       /* the module's answer */
    unsigned                      replace:1;   /* nginx's error, reshaped */
    unsigned                      replaced:1;  /* its body is sent */
    ngx_str_t                     error_page;  /* the body it gets */
};


/* ngx_http_pgticket_route.c */
char *ngx_http_pgticket_route(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_pgticket_route_match(ngx_http_request_t *r,
    ngx_http_pgticket_loc_conf_t *plcf, ngx_http_pgticket_ctx_t *ctx);
ngx_int_t ngx_http_pgticket_set_allow(ngx_http_request_t *r,
    ngx_uint_t methods);

/* ngx_http_pgticket_request.c */
ngx_int_t ngx_http_pgticket_build_document(ngx_http_request_t *r,
    ngx_http_pgticket_ctx_t *ctx);

/* ngx_http_pgticket_multipart.c */
ngx_int_t ngx_http_pgticket_parse_multipart(ngx_pool_t *pool,
    ngx_str_t *type, ngx_str_t *body, ngx_http_pgticket_field_pt field,
    void *data);

/* ngx_http_pgticket_json.c */
ngx_int_t ngx_http_pgticket_json_valid(u_char *p, size_t len);
u_char *ngx_http_pgticket_json_space(u_char *p, u_char *last);
ngx_int_t ngx_http_pgticket_json_string(ngx_pool_t *pool, u_char **pp,
    u_char *last, ngx_str_t *s);
ngx_int_t ngx_http_pgticket_json_skip(u_char **pp, u_char *last);

/* ngx_http_pgticket_conninfo.c */
char *ngx_http_pgticket_conninfo(ngx_conf_t *cf,
    ngx_http_pgticket_main_conf_t *pmcf);

/* ngx_http_pgticket_pool.c */
ngx_int_t ngx_http_pgticket_pool_init(ngx_cycle_t *cycle,
    ngx_http_pgticket_main_conf_t *pmcf);
void ngx_http_pgticket_pool_done(ngx_http_pgticket_pool_t *pool);
void ngx_http_pgticket_pool_acquire(ngx_http_request_t *r,
    ngx_http_pgticket_ctx_t *ctx);

/* ngx_http_pgticket_pq.c */
ngx_int_t ngx_http_pgticket_pq_init(ngx_http_pgticket_pq_t *pq,
    ngx_http_pgticket_main_conf_t *conf, ngx_pool_t *pool, ngx_log_t *log);
ngx_int_t ngx_http_pgticket_pq_connect(ngx_http_pgticket_pq_t *pq);
ngx_int_t ngx_http_pgticket_pq_send(ngx_http_pgticket_pq_t *pq,
    ngx_uint_t stmt, const char *param);
ngx_uint_t ngx_http_pgticket_pq_idle(ngx_http_pgticket_pq_t *pq);
ngx_uint_t ngx_http_pgticket_pq_room(ngx_http_pgticket_pq_t *pq);
ngx_int_t ngx_http_pgticket_pq_cancel(ngx_http_pgticket_pq_t *pq);
void ngx_http_pgticket_pq_set_log(ngx_http_pgticket_pq_t *pq,
    ngx_log_t *log);
void ngx_http_pgticket_pq_close(ngx_http_pgticket_pq_t *pq);
void ngx_http_pgticket_pq_done(ngx_http_pgticket_pq_t *pq);

/* ngx_http_pgticket_output.c */
void ngx_http_pgticket_answer(ngx_http_request_t *r, ngx_int_t rc);
ngx_int_t ngx_http_pgticket_send_result(ngx_http_request_t *r,
    ngx_http_pgticket_ctx_t *ctx, PGresult *res);
ngx_int_t ngx_http_pgticket_send_error(ngx_http_request_t *r,
    ngx_uint_t status, char *message);
ngx_int_t ngx_http_pgticket_send_unavailable(ngx_http_request_t *r,
    ngx_uint_t kind);
char *ngx_http_pgticket_status_message(ngx_uint_t status);
char *ngx_http_pgticket_status_reason(ngx_uint_t status);
u_char *ngx_http_pgticket_log_escape(ngx_pool_t *pool, u_char *text,
    size_t len);

/* ngx_http_pgticket_error_filter.c */
ngx_int_t ngx_http_pgticket_error_filter_init(ngx_conf_t *cf);

/* ngx_http_pgticket_status.c */
ngx_int_t ngx_http_pgticket_status_handler(ngx_http_request_t *r);


extern ngx_module_t  ngx_http_pgticket_module;


#endif /* _NGX_HTTP_PGTICKET_MODULE_H_INCLUDED_ */
