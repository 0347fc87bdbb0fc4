/*
 * hostcall.h - host operations: work a task hands to the host and awaits
 * (a call to a JS function, a fetch). Private to the core (hostcall.c,
 * http.c) and the per-host halves in src/host/calls_*.c (host.h).
 *
 * The life of one operation:
 *   1. the awaitable (tide_host_call, tide_http_fetch) allocates a
 *      tide__hostop through the loop's allocator and asks the host to start
 *      it; an immediate failure (unknown function, not supported here)
 *      returns at once with its message in op->text;
 *   2. while it runs, L->host_pending counts it, so an idle loop waits for
 *      the host instead of reporting a deadlock;
 *   3. the host settles it from outside a turn (tide__hostop_settle), which
 *      wakes the task; or the task is cancelled first, and the host is told
 *      to abort and forget it (tide__host_op_abort) - the host never
 *      touches an operation after that, so nothing can settle freed memory.
 */
#ifndef TIDE_HOSTCALL_H
#define TIDE_HOSTCALL_H

#include "internal.h"

enum { TIDE__OP_CALL = 1, TIDE__OP_HTTP = 2 };

enum {
    TIDE__OP_NEW = 0,     /* allocated, not started */
    TIDE__OP_RUNNING = 1, /* the host works on it; counted in host_pending */
    TIDE__OP_SETTLED = 2, /* the host finished it; the task is woken */
    TIDE__OP_ABORTED = 3  /* the task stopped waiting; the host forgot it */
};

typedef struct tide__hostop {
    tide_loop *loop;
    tide_task *task;
    int kind;
    int state;
    char *text;       /* result JSON, or the error message (owned block) */
    void *out;        /* char ** (call) or tide_http_response ** (http) */
    tide_http_response *response; /* http: the settled response */
    size_t max_body;  /* http: body limit in bytes */
    char label[96];   /* "host call 'name'", "GET http://..." (reports) */
} tide__hostop;

/* http.c starts its operations through the same path as host calls. */
int tide__http_start(tide_task *t, const tide_http_request *req,
                     tide_http_response **out, size_t max_body);

/* The host half (tide__host_call_start, tide__host_http_start,
 * tide__host_op_abort) is part of the host contract: src/host/host.h. */

/* ---- the core half, called by the host ---- */

/* A buffer of len + 1 bytes for the result or message (NUL at len),
 * replacing any previous one; NULL if it cannot be allocated. */
char *tide__hostop_text(tide__hostop *op, size_t len);
/* The host finished: status 0 (result in op->text or op->response) or an
 * error (message in op->text, if any). Call from outside a turn. */
void tide__hostop_settle(tide__hostop *op, int status);

/* http.c: a response for `op` with room for the host to fill in: `meta`
 * is "status text\0final url\0" then "name\0value\0" per header (meta_len
 * bytes in all), followed by the body (body_len bytes). Returns where meta
 * starts (the body follows it), or NULL if it cannot be allocated or the
 * sizes are absurd. */
char *tide__http_response_area(tide__hostop *op, int status,
                               size_t n_headers, size_t meta_len,
                               size_t body_len);
/* Indexes the filled-in meta; TIDE_EHOST if it is malformed. */
int tide__http_response_finish(tide_http_response *r);
void tide__http_response_discard(tide__hostop *op);

/* Blocks whose allocator is remembered, so the caller can free them after
 * the loop is gone (results and responses outlive awaits and loops). */
void *tide__owned_alloc(tide_loop *L, size_t size);
void tide__owned_free(void *p);

#endif
