/*
 * http_client.c - the tutorial's rate-limited API client: fetch COUNT
 * posts from an API with at most 5 requests in flight, a 10 s timeout per
 * attempt and 3 attempts with exponential backoff (2 s, then 4 s). A URL
 * that keeps failing is collected as a failure; the others carry on.
 *
 *   http_client BASE_URL [COUNT]
 *   e.g. http_client https://jsonplaceholder.typicode.com/posts
 * fetches BASE_URL/1 ... BASE_URL/COUNT (default 10). TIDE_HTTP_BASE and
 * TIDE_HTTP_COUNT may stand in for the arguments; TIDE_HTTP_TIMEOUT and
 * TIDE_HTTP_BACKOFF (seconds: the timeout, and the unit multiplied by
 * 2**attempt) exist so tests need not wait for the tutorial's timings.
 * The same settings, and more, can be given as name=value words
 * (params.h): base=URL count=10 concurrent=5 timeout=10 retries=3
 * backoff=1. A query string on the base URL stays at the end of every URL:
 * base=/api/posts?fail=0.2 fetches /api/posts/1?fail=0.2 and so on (the
 * live page's fake API reads its failure rate and delays from there).
 *
 * HTTP goes through the host's fetch(), so this runs in the Emscripten
 * build, in Node.js or a browser. On WASI (no outbound sockets) and native
 * it stops at once with "not supported on this host" and exit status 1.
 * Run it on the real clock: under TIDE_CLOCK=virtual the loop's time jumps
 * to the next timer while requests are still on the wire, so every attempt
 * times out at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tide.h>

#include "params.h"

#define MAX_CONCURRENT 5
#define TIMEOUT_SECONDS 10
#define MAX_RETRIES 3

enum { URL_MAX = 512, TITLE_MAX = 160, MAX_COUNT = 1000 };

/* Failures of an attempt that are ours, not Tide's (raise_for_status and
 * response.json() in the tutorial). */
enum { HTTP_STATUS_ERROR = TIDE_EUSER, BAD_JSON = TIDE_EUSER - 1 };

struct settings {
    const char *base;
    int count;
    int concurrent; /* requests in flight at most */
    int retries;    /* attempts per URL */
    double timeout; /* per attempt */
    double backoff; /* sleep backoff * 2**attempt between attempts */
};

struct post {
    long id;
    char title[TITLE_MAX];
};

static int parse_post(const char *json, struct post *post);

/* ---- one URL: up to MAX_RETRIES attempts -------------------------------- */

struct fetch_with_retry {
    TIDE_FRAME;
    const struct settings *cfg;
    tide_sem *semaphore;
    const char *url;
    int attempt;
    int held; /* a permit of the semaphore */
    int rc;
    tide_timeout *timeout;
    tide_http_response *response;
    char why[200];
    struct post post;
};

static tide_status fetch_with_retry(void *frame)
{
    struct fetch_with_retry *f = frame;
    TIDE_BEGIN(f);
    for (f->attempt = 1; f->attempt <= f->cfg->retries; f->attempt++) {
        /* async with semaphore: async with timeout(...): get the URL */
        TIDE_AWAIT(f, tide_sem_acquire(f->semaphore));
        f->held = 1;
        TIDE_TRY(f, tide_timeout_enter(f->cfg->timeout, &f->timeout));
        TIDE_AWAIT_CATCH(f, tide_http_get(f->url, &f->response), f->rc);
        snprintf(f->why, sizeof f->why, "%s",
                 tide_error_message() ? tide_error_message()
                                      : tide_strerror(f->rc));
        f->rc = tide_timeout_exit(f->timeout, f->rc);
        tide_timeout_destroy(f->timeout);
        f->timeout = NULL;
        tide_sem_release(f->semaphore);
        f->held = 0;

        if (f->rc == 0) { /* response.raise_for_status(); response.json() */
            int status = tide_http_status(f->response);
            if (status < 200 || status > 299) {
                f->rc = HTTP_STATUS_ERROR;
                snprintf(f->why, sizeof f->why, "HTTP %d %s", status,
                         tide_http_status_text(f->response));
            } else if (parse_post(tide_http_body(f->response, NULL),
                                  &f->post) < 0) {
                f->rc = BAD_JSON;
                snprintf(f->why, sizeof f->why, "the body is not a post "
                         "in JSON");
            }
            tide_http_response_free(f->response);
            f->response = NULL;
            if (f->rc == 0)
                TIDE_RETURN(f, &f->post);
        }

        if (f->rc == TIDE_ECANCELLED) /* never swallow a cancellation */
            TIDE_THROW(f, f->rc);
        if (f->rc == TIDE_ETIMEDOUT) {
            printf("Timeout on attempt %d for %s\n", f->attempt, f->url);
        } else {
            printf("Attempt %d/%d failed for %s: %s\n", f->attempt,
                   f->cfg->retries, f->url, f->why);
            if (f->attempt < f->cfg->retries) /* exponential backoff */
                TIDE_AWAIT(f, tide_sleep(f->cfg->backoff *
                                         (double)(1 << f->attempt)));
        }
    }
    TIDE_RETURN(f, NULL); /* given up: a failure, collected by the caller */
    TIDE_FINALLY(f);
    if (f->held)
        tide_sem_release(f->semaphore);
    tide_timeout_destroy(f->timeout);
    tide_http_response_free(f->response);
    TIDE_END(f);
}

/* ---- every URL, at most MAX_CONCURRENT at a time ------------------------- */

struct fetch_all {
    TIDE_FRAME;
    const struct settings *cfg;
    char (*urls)[URL_MAX];
    struct post **results; /* count entries: a post, or NULL if it failed */
    tide_sem *semaphore;
    tide_task **tasks;
    int spawned;
};

static tide_status fetch_all(void *frame)
{
    struct fetch_all *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_sem_create(NULL, f->cfg->concurrent, 0, &f->semaphore));
    f->tasks = calloc((size_t)f->cfg->count, sizeof *f->tasks);
    if (!f->tasks)
        TIDE_THROW(f, TIDE_ENOMEM);
    for (f->spawned = 0; f->spawned < f->cfg->count; f->spawned++)
        TIDE_TRY(f, TIDE_SPAWN(fetch_with_retry, NULL, &f->tasks[f->spawned],
                               .cfg = f->cfg, .semaphore = f->semaphore,
                               .url = f->urls[f->spawned]));
    TIDE_AWAIT(f, tide_gather(f->tasks, (size_t)f->cfg->count, 0,
                              (void **)f->results, NULL));
    TIDE_FINALLY(f);
    /* results point into the tasks' frames: copy them before releasing */
    for (int i = 0; i < f->spawned; i++) {
        if (!TIDE_ERROR(f) && f->results[i]) {
            struct post *copy = malloc(sizeof *copy);
            if (copy)
                *copy = *f->results[i];
            f->results[i] = copy;
        } else {
            f->results[i] = NULL;
        }
        tide_task_release(f->tasks[i]);
    }
    free(f->tasks);
    tide_sem_destroy(f->semaphore);
    TIDE_END(f);
}

/* ---- main ------------------------------------------------------------------ */

struct program {
    TIDE_FRAME;
    struct settings cfg;
    char (*urls)[URL_MAX];
    struct post **results;
    struct fetch_all all;
    double start;
    int ok;
};

/* The first `n` characters of a UTF-8 string, as Python's s[:n]. */
static int utf8_prefix_bytes(const char *s, int n)
{
    int i = 0;
    for (; s[i] && n > 0; n--)
        for (i++; ((unsigned char)s[i] & 0xC0) == 0x80; i++)
            ;
    return i;
}

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    if (!tide_http_is_supported())
        TIDE_THROW_MSG(p, TIDE_ENOTSUP,
                       "http_client needs fetch(): run the Emscripten "
                       "build in Node.js or a browser (WASI has no "
                       "outbound sockets; native has no HTTP client)");
    if (!p->cfg.base || !p->cfg.base[0])
        TIDE_THROW_MSG(p, TIDE_EINVAL,
                       "usage: http_client BASE_URL [COUNT], e.g. "
                       "http_client https://jsonplaceholder.typicode.com/"
                       "posts (or set TIDE_HTTP_BASE)");
    p->urls = calloc((size_t)p->cfg.count, sizeof *p->urls);
    p->results = calloc((size_t)p->cfg.count, sizeof *p->results);
    if (!p->urls || !p->results)
        TIDE_THROW(p, TIDE_ENOMEM);
    /* BASE/1 ... BASE/COUNT, with BASE's query string (if any) after N */
    const char *query = strchr(p->cfg.base, '?');
    if (!query)
        query = "";
    size_t len = strlen(p->cfg.base) - strlen(query);
    while (len > 0 && p->cfg.base[len - 1] == '/')
        len--;
    for (int i = 0; i < p->cfg.count; i++)
        snprintf(p->urls[i], URL_MAX, "%.*s/%d%s", (int)len, p->cfg.base,
                 i + 1, query);

    p->start = tide_time();
    p->all = (struct fetch_all){.cfg = &p->cfg, .urls = p->urls,
                                .results = p->results};
    TIDE_AWAIT_CALL(p, fetch_all, &p->all);

    for (int i = 0; i < p->cfg.count; i++)
        p->ok += p->results[i] != NULL;
    printf("Fetched %d/%d successfully in %.2fs\n", p->ok, p->cfg.count,
           tide_time() - p->start);
    for (int i = 0, shown = 0; i < p->cfg.count && shown < 3; i++) {
        struct post *post = p->results[i];
        if (!post)
            continue;
        printf("  Post %ld: %.*s\n", post->id,
               utf8_prefix_bytes(post->title, 40), post->title);
        shown++;
    }
    for (int i = 0; i < p->cfg.count; i++)
        if (!p->results[i])
            printf("  Failed: %s\n", p->urls[i]);
    TIDE_FINALLY(p);
    for (int i = 0; p->results && i < p->cfg.count; i++)
        free(p->results[i]);
    free(p->results);
    free(p->urls);
    TIDE_END(p);
}

/* ---- settings from the command line and the environment ----------------- */

static double env_seconds(const char *name, double fallback)
{
    const char *s = getenv(name);
    char *end;
    double v = s ? strtod(s, &end) : fallback;
    return s && (end == s || *end || !(v >= 0)) ? fallback : v;
}

int main(int argc, char **argv)
{
    struct settings cfg = {getenv("TIDE_HTTP_BASE"), 10, MAX_CONCURRENT,
                           MAX_RETRIES, TIMEOUT_SECONDS, 1};
    const char *count = getenv("TIDE_HTTP_COUNT");
    /* positional: BASE_URL [COUNT]; name=value words are params.h's */
    for (int i = 1, pos = 0; i < argc; i++) {
        if (param_word(argv[i]))
            continue;
        if (pos++ == 0)
            cfg.base = argv[i];
        else
            count = argv[i];
    }
    if (count) {
        cfg.count = atoi(count);
        if (cfg.count < 1 || cfg.count > MAX_COUNT) {
            fprintf(stderr, "http_client: COUNT must be 1..%d\n", MAX_COUNT);
            return 2;
        }
    }
    cfg.timeout = env_seconds("TIDE_HTTP_TIMEOUT", cfg.timeout);
    cfg.backoff = env_seconds("TIDE_HTTP_BACKOFF", cfg.backoff);
    params_init(argc, argv);
    if (param_text("base"))
        cfg.base = param_text("base");
    cfg.count = param_int("count", cfg.count, 1, MAX_COUNT);
    cfg.concurrent = param_int("concurrent", cfg.concurrent, 1, 100);
    cfg.retries = param_int("retries", cfg.retries, 1, 10);
    cfg.timeout = param_num("timeout", cfg.timeout, 0.001, 600);
    cfg.backoff = param_num("backoff", cfg.backoff, 0, 60);
    struct program p = {.cfg = cfg};
    return tide_main(program, &p, sizeof p);
}

/* ---- just enough JSON for {"id": 1, "title": "...", ...} ----------------- */

static const char *skip_ws(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    return s;
}

/* A JSON string at s into out (if not NULL; truncated to n bytes, UTF-8
 * kept whole for \u escapes of the BMP). Returns the end, or NULL. */
static const char *json_string(const char *s, char *out, size_t n)
{
    size_t k = 0;
    if (*s++ != '"')
        return NULL;
    for (;;) {
        unsigned c = (unsigned char)*s++;
        if (c == '"')
            break;
        if (c < 0x20)
            return NULL;
        char buf[4];
        size_t blen = 1;
        buf[0] = (char)c;
        if (c == '\\') {
            c = (unsigned char)*s++;
            switch (c) {
            case 'n': buf[0] = '\n'; break;
            case 't': buf[0] = '\t'; break;
            case 'r': buf[0] = '\r'; break;
            case 'b': buf[0] = '\b'; break;
            case 'f': buf[0] = '\f'; break;
            case '"': case '\\': case '/': buf[0] = (char)c; break;
            case 'u': {
                unsigned u = 0;
                for (int i = 0; i < 4; i++, s++) {
                    char h = *s;
                    u = u * 16 + (unsigned)(h >= '0' && h <= '9' ? h - '0'
                                            : h >= 'a' && h <= 'f' ? h - 'a' + 10
                                            : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                            : 99);
                    if (u > 0xFFFF)
                        return NULL;
                }
                if (u < 0x80) {
                    buf[0] = (char)u;
                } else if (u < 0x800) {
                    buf[0] = (char)(0xC0 | u >> 6);
                    buf[1] = (char)(0x80 | (u & 0x3F));
                    blen = 2;
                } else { /* surrogate halves come out as they are */
                    buf[0] = (char)(0xE0 | u >> 12);
                    buf[1] = (char)(0x80 | ((u >> 6) & 0x3F));
                    buf[2] = (char)(0x80 | (u & 0x3F));
                    blen = 3;
                }
                break;
            }
            default:
                return NULL;
            }
        }
        if (out && k + blen < n) {
            memcpy(out + k, buf, blen);
            k += blen;
        }
    }
    if (out && n)
        out[k] = 0;
    return s;
}

/* Skips any JSON value; returns its end or NULL. */
static const char *json_skip(const char *s, int depth)
{
    s = skip_ws(s);
    if (depth > 64)
        return NULL;
    if (*s == '"')
        return json_string(s, NULL, 0);
    if (*s == '{' || *s == '[') {
        char close = *s == '{' ? '}' : ']';
        s = skip_ws(s + 1);
        if (*s == close)
            return s + 1;
        for (;;) {
            if (close == '}') {
                if (!(s = json_string(skip_ws(s), NULL, 0)))
                    return NULL;
                s = skip_ws(s);
                if (*s++ != ':')
                    return NULL;
            }
            if (!(s = json_skip(s, depth + 1)))
                return NULL;
            s = skip_ws(s);
            if (*s == close)
                return s + 1;
            if (*s++ != ',')
                return NULL;
        }
    }
    const char *start = s; /* number, true, false, null */
    while (*s && strchr("+-.0123456789eEtruefalsn", *s))
        s++;
    return s > start ? s : NULL;
}

static int parse_post(const char *json, struct post *post)
{
    int have_id = 0, have_title = 0;
    const char *s = skip_ws(json);
    if (*s++ != '{')
        return -1;
    s = skip_ws(s);
    if (*s == '}')
        return -1;
    for (;;) {
        char key[16];
        if (!(s = json_string(skip_ws(s), key, sizeof key)))
            return -1;
        s = skip_ws(s);
        if (*s++ != ':')
            return -1;
        s = skip_ws(s);
        if (!strcmp(key, "id")) {
            char *end;
            post->id = strtol(s, &end, 10);
            have_id = end != s;
        } else if (!strcmp(key, "title")) {
            have_title = json_string(s, post->title, sizeof post->title) != NULL;
        }
        if (!(s = json_skip(s, 0)))
            return -1;
        s = skip_ws(s);
        if (*s == '}')
            break;
        if (*s++ != ',')
            return -1;
    }
    return have_id && have_title ? 0 : -1;
}
