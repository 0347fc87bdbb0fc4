/*
 * calls_js.c - host operations on the guest host (Emscripten): calls to
 * the embedder's JS async functions (Module.tideFunctions) and fetch().
 * The JS half is src/host/calls.js; it settles an operation from a
 * promise callback, outside any turn, through the exports below.
 */
#include "../hostcall.h"

#include <emscripten.h>

/* calls.js hard-codes these codes: keep them in step with tide.h. */
_Static_assert(TIDE_ECANCELLED == -1 && TIDE_ENOMEM == -3 &&
                   TIDE_EINVAL == -4 && TIDE_ENOTSUP == -13 &&
                   TIDE_EHOST == -20,
               "src/host/calls.js hard-codes these error codes");
_Static_assert(sizeof(tide_http_header) == 2 * sizeof(void *),
               "calls.js reads tide_http_header as two pointers");

/* src/host/calls.js */
extern int tide_js_call_start(tide__hostop *op, const char *name,
                              const char *arg_json);
extern int tide_js_http_start(tide__hostop *op, const char *method,
                              const char *url,
                              const tide_http_header *headers,
                              size_t n_headers, const void *body,
                              size_t body_len, size_t max_body);
extern void tide_js_op_abort(tide__hostop *op, const char *reason);
extern int tide_js_has_fetch(void);

int tide__host_call_start(tide__hostop *op, const char *name,
                          const char *arg_json)
{
    return tide_js_call_start(op, name, arg_json);
}

int tide__host_http_start(tide__hostop *op, const tide_http_request *req)
{
    return tide_js_http_start(op, req->method ? req->method : "GET",
                              req->url, req->headers, req->n_headers,
                              req->body, req->body_len, op->max_body);
}

void tide__host_op_abort(tide__hostop *op, const char *reason)
{
    tide_js_op_abort(op, reason);
}

int tide_http_is_supported(void)
{
    return tide_js_has_fetch();
}

/* ---- entry points for calls.js ---- */

EMSCRIPTEN_KEEPALIVE char *tide__js_op_text(tide__hostop *op, size_t len)
{
    return tide__hostop_text(op, len);
}

EMSCRIPTEN_KEEPALIVE char *tide__js_http_area(tide__hostop *op, int status,
                                              size_t n_headers,
                                              size_t meta_len,
                                              size_t body_len)
{
    return tide__http_response_area(op, status, n_headers, meta_len,
                                    body_len);
}

EMSCRIPTEN_KEEPALIVE void tide__js_op_settle(tide__hostop *op, int status)
{
    tide__hostop_settle(op, status);
}
