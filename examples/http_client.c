/*
 * http_client.c - the tutorial's rate-limited API client: fetch `count`
 * posts from an API with at most 5 requests in flight, a 10 s timeout per
 * attempt and 3 attempts with exponential backoff (2 s, then 4 s). A URL
 * that keeps failing is collected as a failure; the others carry on.
 *
 * Settings (params.h), as name=value words: base=URL (required) count=10
 * concurrent=5 timeout=10 retries=3 backoff=1 (the unit multiplied by
 * 2**attempt). It fetches BASE/1 ... BASE/count; a query string on the
 * base stays at the end of every URL (base=/api/posts?fail=0.2 fetches
 * /api/posts/1?fail=0.2, ...: the live page's fake API reads its failure
 * rate and delays from there). The JSON of each post is parsed with cJSON
 * (examples/cjson/, MIT).
 *
 * HTTP goes through the host's fetch(), so this runs in the Emscripten
 * build, in Node.js or a browser. On WASI (no outbound sockets) and native
 * it stops at once with "not supported on this host" and exit status 1.
 * Run it on the real clock: under TIDE_CLOCK=virtual the loop's time jumps
 * to the next timer while requests are still on the wire, so every attempt
 * times out at once.
 */
#include <stdio.h>
#include <string.h>
#include <tide.h>

#include "cjson/cJSON.h"
#include "params.h"

/* raise_for_status()'s and response.json()'s errors: the program's own */
enum { HTTP_ERROR = TIDE_EUSER, BAD_JSON = TIDE_EUSER - 1 };

struct post {
    int id;
    char title[160];
};

/* response.json(), for a post: {"id": 1, "title": "...", ...} */
static int parse_post(const char *body, struct post *post)
{
    cJSON *json = cJSON_Parse(body);
    cJSON *id = cJSON_GetObjectItem(json, "id");
    const char *title = cJSON_GetStringValue(cJSON_GetObjectItem(json,
                                                                 "title"));
    int ok = cJSON_IsNumber(id) && title;
    if (ok) {
        post->id = id->valueint;
        snprintf(post->title, sizeof post->title, "%s", title);
    }
    cJSON_Delete(json);
    return ok ? 0 : BAD_JSON;
}

/* One attempt: async with semaphore, timeout, session.get(url) as response */
struct get_post {
    TIDE_FRAME;
    tide_sem *sem;
    const char *url;
    struct post *post;
    tide_http_response *response;
};

static tide_status get_post(void *frame)
{
    struct get_post *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH(f, tide_sem_scope(f->sem))
    TIDE_WITH(f, tide_timeout_scope(param_num("timeout", 10, 0, 600), NULL)) {
        TIDE_AWAIT(f, tide_http_get(f->url, &f->response));
        if (tide_http_status(f->response) >= 400) /* raise_for_status() */
            TIDE_THROW_FMT(f, HTTP_ERROR, "HTTP %d %s",
                           tide_http_status(f->response),
                           tide_http_status_text(f->response));
        if (parse_post(tide_http_body(f->response, NULL), f->post) < 0)
            TIDE_THROW_MSG(f, BAD_JSON, "the body is not a post in JSON");
    }
    TIDE_FINALLY(f);
    tide_http_response_free(f->response);
    TIDE_END(f);
}

struct fetch_with_retry {
    TIDE_FRAME;
    tide_sem *sem;
    const char *url;
    struct get_post get;
    struct post post;
    int attempt, retries, rc;
};

static tide_status fetch_with_retry(void *frame)
{
    struct fetch_with_retry *f = frame;
    TIDE_BEGIN(f);
    f->retries = param_int("retries", 3, 1, 10);
    for (f->attempt = 1; f->attempt <= f->retries; f->attempt++) {
        f->get = (struct get_post){.sem = f->sem, .url = f->url,
                                   .post = &f->post};
        TIDE_AWAIT_CALL_CATCH(f, get_post, &f->get, f->rc);
        if (f->rc == 0)
            TIDE_RETURN(f, &f->post);
        if (f->rc == TIDE_ECANCELLED) /* never swallowed */
            TIDE_THROW(f, f->rc);
        if (f->rc == TIDE_ETIMEDOUT) {
            printf("Timeout on attempt %d for %s\n", f->attempt, f->url);
            continue;
        }
        printf("Attempt %d/%d failed for %s: %s\n", f->attempt, f->retries,
               f->url, tide_error_message() ? tide_error_message()
                                            : tide_strerror(f->rc));
        if (f->attempt < f->retries) /* 2 s, then 4 s */
            TIDE_AWAIT(f, tide_sleep(param_num("backoff", 1, 0, 60) *
                                     (double)(1 << f->attempt)));
    }
    TIDE_RETURN(f, NULL); /* given up */
    TIDE_END(f);
}

/* The first `n` characters of a UTF-8 string, as Python's s[:n]: bytes */
static int prefix(const char *s, int n)
{
    int i = 0;
    for (; s[i] && n > 0; n--)
        for (i++; ((unsigned char)s[i] & 0xC0) == 0x80; i++)
            ;
    return i;
}

enum { MAX_COUNT = 100 };

struct program {
    TIDE_FRAME;
    int count, ok;
    tide_sem *sem;
    tide_task *tasks[MAX_COUNT];
    struct post *posts[MAX_COUNT]; /* in the tasks' frames, which stay */
    char urls[MAX_COUNT][256];
    double start;
};

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    if (!tide_http_is_supported())
        TIDE_THROW_MSG(p, TIDE_ENOTSUP, "http_client needs fetch(): run the "
                       "Emscripten build in Node.js or a browser");
    const char *base = param_text("base");
    if (!base)
        TIDE_THROW_MSG(p, TIDE_EINVAL, "usage: http_client base=URL [count=N]");
    p->count = param_int("count", 10, 1, MAX_COUNT);
    TIDE_TRY(p, tide_sem_create(NULL, param_int("concurrent", 5, 1, 100), 0,
                                &p->sem));
    p->start = tide_time();
    size_t query = strcspn(base, "?"); /* BASE/1 ... with BASE's query */
    for (int i = 0; i < p->count; i++) {
        snprintf(p->urls[i], sizeof p->urls[i], "%.*s/%d%s", (int)query, base,
                 i + 1, base + query);
        TIDE_TRY(p, TIDE_SPAWN(fetch_with_retry, NULL, &p->tasks[i],
                               .sem = p->sem, .url = p->urls[i]));
    }
    TIDE_AWAIT(p, tide_gather(p->tasks, (size_t)p->count, TIDE_GATHER_OWN,
                              (void **)p->posts, NULL));
    for (int i = 0; i < p->count; i++)
        p->ok += p->posts[i] != NULL;
    printf("Fetched %d/%d successfully in %.2fs\n", p->ok, p->count,
           tide_time() - p->start);
    for (int i = 0, shown = 0; i < p->count && shown < 3; i++)
        if (p->posts[i] && ++shown)
            printf("  Post %d: %.*s\n", p->posts[i]->id,
                   prefix(p->posts[i]->title, 40), p->posts[i]->title);
    for (int i = 0; i < p->count; i++)
        if (!p->posts[i])
            printf("  Failed: %s\n", p->urls[i]);
    TIDE_FINALLY(p);
    tide_sem_destroy(p->sem);
    TIDE_END(p);
}

int main(int argc, char **argv)
{
    params_init(argc, argv, "base count concurrent timeout retries backoff");
    static struct program p; /* (big: not on the stack) */
    return tide_main(program, &p, sizeof p);
}
