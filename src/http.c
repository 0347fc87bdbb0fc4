/*
 * http.c - HTTP requests over the host's fetch(): the request checks, the
 * response object and its accessors. The host half (src/host/calls_*.c)
 * performs the request; cancelling the awaiting task aborts it.
 *
 * A response is one block: the struct, the header index, the text the
 * host wrote ("status text\0url\0name\0value\0..."), then the body plus a
 * NUL. It remembers the loop's allocator, so it may outlive the loop.
 */
#include "hostcall.h"

#include <string.h>

struct tide_http_response {
    int status;
    size_t n_headers;
    const char *status_text;
    const char *url;
    const char **headers; /* name, value, name, value, ... */
    char *meta;
    size_t meta_len;
    char *body;
    size_t body_len;
};

char *tide__http_response_area(tide__hostop *op, int status,
                               size_t n_headers, size_t meta_len,
                               size_t body_len)
{
    if (body_len > op->max_body)
        return NULL; /* the host checks the limit first; this is a guard */
    size_t size = sizeof(tide_http_response);
    if (n_headers > (SIZE_MAX - size) / (2 * sizeof(char *)))
        return NULL;
    size += 2 * sizeof(char *) * n_headers;
    if (meta_len > SIZE_MAX - size || body_len > SIZE_MAX - size - meta_len ||
        SIZE_MAX - size - meta_len - body_len < 1)
        return NULL;
    size += meta_len + body_len + 1;
    tide_http_response *r = tide__owned_alloc(op->loop, size);
    if (!r)
        return NULL;
    memset(r, 0, sizeof *r);
    r->status = status;
    r->n_headers = n_headers;
    r->headers = (const char **)(void *)(r + 1);
    r->meta = (char *)(r->headers + 2 * n_headers);
    r->meta_len = meta_len;
    r->body = r->meta + meta_len;
    r->body_len = body_len;
    r->body[body_len] = 0;
    tide__http_response_discard(op);
    op->response = r;
    return r->meta;
}

void tide__http_response_discard(tide__hostop *op)
{
    tide__owned_free(op->response);
    op->response = NULL;
}

/* Cut the next NUL-terminated string off the meta text, or NULL. */
static const char *next_string(char **p, char *end)
{
    char *s = *p;
    char *nul = s < end ? memchr(s, 0, (size_t)(end - s)) : NULL;
    if (!nul)
        return NULL;
    *p = nul + 1;
    return s;
}

int tide__http_response_finish(tide_http_response *r)
{
    char *p = r->meta, *end = r->meta + r->meta_len;
    if (!(r->status_text = next_string(&p, end)) ||
        !(r->url = next_string(&p, end)))
        return TIDE_EHOST;
    for (size_t i = 0; i < 2 * r->n_headers; i++)
        if (!(r->headers[i] = next_string(&p, end)))
            return TIDE_EHOST;
    return p == end ? 0 : TIDE_EHOST;
}

static int http_fetch(const tide_http_request *req, tide_http_response **out,
                      const char *call)
{
    int err;
    tide_task *t = tide__current_for_await(&err, call);
    if (!t)
        return err;
    const char *bad = NULL;
    if (!out)
        bad = "tide_http_fetch: out is NULL";
    else if (!req || !req->url)
        bad = "tide_http_fetch: no URL";
    else if (req->n_headers && !req->headers)
        bad = "tide_http_fetch: n_headers > 0 but headers is NULL";
    else if (req->body_len && !req->body)
        bad = "tide_http_fetch: body_len > 0 but body is NULL";
    for (size_t i = 0; !bad && i < req->n_headers; i++)
        if (!req->headers[i].name || !req->headers[i].value)
            bad = "tide_http_fetch: a header with a NULL name or value";
    if (bad) {
        tide__set_message(t, bad);
        return TIDE_EINVAL;
    }
    *out = NULL;
    size_t max = req->max_body ? req->max_body : TIDE_HTTP_MAX_BODY;
    return tide__http_start(t, req, out, max);
}

tide_await tide_http_fetch(const tide_http_request *req,
                           tide_http_response **out)
{
    return tide__aw(http_fetch(req, out, "tide_http_fetch"));
}

tide_await tide_http_get(const char *url, tide_http_response **out)
{
    tide_http_request req = {0};
    req.url = url;
    return tide__aw(http_fetch(&req, out, "tide_http_get"));
}

int tide_http_status(const tide_http_response *r)
{
    return r ? r->status : 0;
}

const char *tide_http_status_text(const tide_http_response *r)
{
    return r ? r->status_text : NULL;
}

const char *tide_http_url(const tide_http_response *r)
{
    return r ? r->url : NULL;
}

static int same_name(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return 0;
        if (!x)
            return 1;
    }
}

const char *tide_http_header_get(const tide_http_response *r, const char *name)
{
    if (!r || !name)
        return NULL;
    for (size_t i = 0; i < r->n_headers; i++)
        if (same_name(r->headers[2 * i], name))
            return r->headers[2 * i + 1];
    return NULL;
}

size_t tide_http_header_count(const tide_http_response *r)
{
    return r ? r->n_headers : 0;
}

int tide_http_header_at(const tide_http_response *r, size_t i,
                        const char **name, const char **value)
{
    if (!r)
        return TIDE__NULL_ARG("r");
    if (i >= r->n_headers)
        return tide__fail(__func__, TIDE_EINVAL,
                          "i is %zu, and the response has %zu headers", i,
                          r->n_headers);
    if (name)
        *name = r->headers[2 * i];
    if (value)
        *value = r->headers[2 * i + 1];
    return 0;
}

const char *tide_http_body(const tide_http_response *r, size_t *len)
{
    if (len)
        *len = r ? r->body_len : 0;
    return r ? r->body : NULL;
}

void tide_http_response_free(tide_http_response *r)
{
    tide__owned_free(r);
}
