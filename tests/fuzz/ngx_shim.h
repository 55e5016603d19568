
/*
 * Copyright (C) pgticket authors
 *
 * tests/fuzz/ngx_shim.c: a pool for one input of the request harness, and
 * PostgreSQL's verdict on a JSON text (tests/fuzz/pg_json.c).
 */


#ifndef _NGX_SHIM_H_INCLUDED_
#define _NGX_SHIM_H_INCLUDED_


ngx_pool_t *ngx_shim_pool_create(void);
void ngx_shim_pool_destroy(ngx_pool_t *pool);

/* 1 when PostgreSQL's JSON parser takes the text (UTF-8, as jsonb_in) */
int pg_json_valid(const char *text, size_t len);


#endif /* _NGX_SHIM_H_INCLUDED_ */
