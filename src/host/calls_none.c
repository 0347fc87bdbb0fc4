/*
 * calls_none.c - host operations on hosts without JavaScript (native,
 * WASI): there is no JS function to call and no fetch(). WASI preview1 has
 * no outbound sockets either, so HTTP is refused rather than faked; every
 * start fails at once with TIDE_ENOTSUP and a message saying what to use.
 */
#include "../hostcall.h"

#include <string.h>

#ifndef TIDE__HOST_NAME /* the host's name for messages (select.c) */
#define TIDE__HOST_NAME "this"
#endif

static int unsupported(tide__hostop *op, const char *text)
{
    size_t len = strlen(text);
    char *p = tide__hostop_text(op, len);
    if (p)
        memcpy(p, text, len);
    return TIDE_ENOTSUP;
}

int tide__host_call_start(tide__hostop *op, const char *name,
                          const char *arg_json)
{
    (void)name;
    (void)arg_json;
    return unsupported(op, "host calls need a JavaScript host (the "
                           "Emscripten build); this is the " TIDE__HOST_NAME
                           " host");
}

int tide__host_http_start(tide__hostop *op, const tide_http_request *req)
{
    (void)req;
    return unsupported(op, "HTTP needs fetch() (the Emscripten build, in "
                           "Node.js or a browser); the " TIDE__HOST_NAME
                           " host has no outbound HTTP");
}

void tide__host_op_abort(tide__hostop *op, const char *reason)
{
    (void)op;
    (void)reason; /* nothing ever starts here */
}

int tide_http_is_supported(void)
{
    return 0;
}
