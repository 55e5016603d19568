
/*
 * Copyright (C) pgticket authors
 */


#ifndef _NGX_HTTP_PGTICKET_MODULE_H_INCLUDED_
#define _NGX_HTTP_PGTICKET_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <libpq-fe.h>


/* the delay between two connection attempts after one failed */
#define NGX_HTTP_PGTICKET_RECONNECT_DELAY  200

#define NGX_HTTP_PGTICKET_ERR_UNAVAILABLE  0
#define NGX_HTTP_PGTICKET_ERR_TIMEOUT      1
#define NGX_HTTP_PGTICKET_ERR_SQL          2
#define NGX_HTTP_PGTICKET_ERR_CLIENT       3
#define NGX_HTTP_PGTICKET_ERR_KINDS        4


struct json_object;

typedef struct ngx_http_pgticket_pool_s  ngx_http_pgticket_pool_t;
typedef struct ngx_http_pgticket_slot_s  ngx_http_pgticket_slot_t;
typedef struct ngx_http_pgticket_ctx_s   ngx_http_pgticket_ctx_t;


/* one SQL function called by at least one route */
typedef struct {
    ngx_str_t                     name;        /* schema.fn, NUL-terminated */
    ngx_str_t                     sql;         /* NUL-terminated */
} ngx_http_pgticket_func_t;


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
    ngx_uint_t                    pool_max;
    ngx_uint_t                    queue_max;
    ngx_msec_t                    timeout;
    ngx_array_t                   funcs;       /* ngx_http_pgticket_func_t */
    ngx_http_pgticket_pool_t     *pool;        /* this worker's pool */
} ngx_http_pgticket_main_conf_t;


typedef struct {
    ngx_array_t                  *routes;      /* ngx_http_pgticket_route_t */
    ngx_str_t                     error_type;
    ngx_http_complex_value_t     *error_body;
    ngx_uint_t                    unavail_status;
    ngx_str_t                     unavail_type;
    ngx_http_complex_value_t     *unavail_body;
    size_t                        body_limit;
    ngx_flag_t                    status;
} ngx_http_pgticket_loc_conf_t;


typedef enum {
    NGX_HTTP_PGTICKET_FREE = 0,
    NGX_HTTP_PGTICKET_CONNECTING,
    NGX_HTTP_PGTICKET_SETUP,
    NGX_HTTP_PGTICKET_IDLE,
    NGX_HTTP_PGTICKET_BUSY,
    NGX_HTTP_PGTICKET_DRAINING
} ngx_http_pgticket_state_e;


struct ngx_http_pgticket_slot_s {
    ngx_queue_t                   queue;       /* in pool->free or ->idle */
    ngx_http_pgticket_pool_t     *pool;
    PGconn                       *conn;
    ngx_connection_t             *c;
    ngx_log_t                     log;
    ngx_event_t                   timer;       /* connect, setup, drain */
    ngx_http_pgticket_state_e     state;
    ngx_uint_t                    step;        /* setup step */
    u_char                       *prepared;    /* per function */
    ngx_http_pgticket_ctx_t      *ctx;         /* request being served */
    PGresult                     *result;      /* first result of a query */
};


struct ngx_http_pgticket_pool_s {
    ngx_http_pgticket_main_conf_t  *pmcf;
    ngx_http_pgticket_slot_t       *slots;
    ngx_queue_t                     free;
    ngx_queue_t                     idle;
    ngx_queue_t                     waiting;
    ngx_uint_t                      nwaiting;
    ngx_uint_t                      nfree;
    ngx_msec_t                      next_connect;
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
    unsigned                      too_large:1; /* over pgticket_body_limit */
};


/* ngx_http_pgticket_route.c */
char *ngx_http_pgticket_route(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_pgticket_route_match(ngx_http_request_t *r,
    ngx_http_pgticket_loc_conf_t *plcf, ngx_http_pgticket_ctx_t *ctx);

/* ngx_http_pgticket_request.c */
ngx_int_t ngx_http_pgticket_build_document(ngx_http_request_t *r,
    ngx_http_pgticket_ctx_t *ctx);

/* ngx_http_pgticket_request.c, for ngx_http_pgticket_multipart.c */
ngx_int_t ngx_http_pgticket_utf8_valid(u_char *p, size_t len);
ngx_int_t ngx_http_pgticket_add_value(struct json_object *obj, char *key,
    u_char *data, size_t len);

/* ngx_http_pgticket_multipart.c */
ngx_int_t ngx_http_pgticket_parse_multipart(ngx_http_request_t *r,
    struct json_object *obj, ngx_str_t *type, ngx_str_t *body);

/* ngx_http_pgticket_pool.c */
ngx_int_t ngx_http_pgticket_pool_init(ngx_cycle_t *cycle,
    ngx_http_pgticket_main_conf_t *pmcf);
void ngx_http_pgticket_pool_done(ngx_http_pgticket_pool_t *pool);
void ngx_http_pgticket_pool_acquire(ngx_http_request_t *r,
    ngx_http_pgticket_ctx_t *ctx);
void ngx_http_pgticket_pool_ready(ngx_http_pgticket_slot_t *slot);
void ngx_http_pgticket_pool_finish(ngx_http_pgticket_slot_t *slot,
    PGresult *res);
void ngx_http_pgticket_pool_lost(ngx_http_pgticket_slot_t *slot,
    ngx_uint_t connecting);
void ngx_http_pgticket_pool_dispatch(ngx_http_pgticket_pool_t *pool);

/* ngx_http_pgticket_pq.c */
ngx_int_t ngx_http_pgticket_pq_connect(ngx_http_pgticket_slot_t *slot);
ngx_int_t ngx_http_pgticket_pq_send(ngx_http_pgticket_slot_t *slot);
void ngx_http_pgticket_pq_close(ngx_http_pgticket_slot_t *slot);

/* ngx_http_pgticket_output.c */
void ngx_http_pgticket_answer(ngx_http_request_t *r, ngx_int_t rc);
ngx_int_t ngx_http_pgticket_send_result(ngx_http_request_t *r,
    ngx_http_pgticket_ctx_t *ctx, PGresult *res);
ngx_int_t ngx_http_pgticket_send_error(ngx_http_request_t *r,
    ngx_uint_t status, char *message);
ngx_int_t ngx_http_pgticket_send_unavailable(ngx_http_request_t *r,
    ngx_uint_t kind);

/* ngx_http_pgticket_status.c */
ngx_int_t ngx_http_pgticket_status_handler(ngx_http_request_t *r);


extern ngx_module_t  ngx_http_pgticket_module;


#endif /* _NGX_HTTP_PGTICKET_MODULE_H_INCLUDED_ */
