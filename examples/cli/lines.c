/*
 * lines.c - a command-line program: reads lines from stdin and works on
 * each with bounded concurrency and a timeout per line, while a timer task
 * reports progress on stderr; a summary at the end. Its asyncio twin is
 * lines.py, next to it.
 *
 *     printf 'one\ntwo words\n' | build/native/lines
 *     node wasi/tide-run.mjs build/wasi/lines.wasm < input.txt
 *
 * The work on a line stands in for a request one would make for it: it
 * takes `per_word` seconds for each word of the line, and a line whose
 * work takes longer than `timeout` seconds is given up. A pool of
 * `workers` tasks takes the lines from a queue bounded at twice their
 * number, so the program reads stdin no faster than it works (the reader
 * waits in tide_queue_put). Results go to stdout through a tide_writer,
 * in the order the work finishes:
 *
 *     line 2: 2 words, 9 bytes
 *     line 5: timed out after 1.0 s
 *     line 7: longer than 65536 bytes, skipped
 *     6 lines: 4 done, 1 timed out, 1 too long; 7 words
 *
 * and every `every` seconds on stderr, while it runs:
 *
 *     progress: 12 lines read, 9 done, 3 waiting or in work
 *
 * Input that ends without a "\n" still gives its last line. The lines of
 * a slow writer are worked on as they come, and the progress reports go
 * on while the program waits for them.
 *
 * Settings (params.h): workers=3, timeout=1 (seconds per line),
 * per_word=0.1 (seconds of work per word), every=1 (seconds between
 * progress reports), limit=65536 (the longest line, in bytes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tide.h>

#include "params.h" /* examples/params.h (-Iexamples) */

/* One line, as the reader hands it to the workers. */
struct line {
    long number;
    size_t len;
    char text[]; /* len bytes, then a NUL */
};

/* What every task sees. */
struct shared {
    tide_queue *queue;
    tide_writer *out;
    double timeout, per_word;
    long read, done, timed_out, too_long, words;
};

/* ASCII whitespace, as Python's bytes.split() sees it. (strchr alone would
 * find a NUL byte too: the string's own terminator.) */
static int is_space(char c)
{
    return c != '\0' && strchr(" \t\n\v\f\r", c) != NULL;
}

static long count_words(const struct line *l)
{
    long n = 0;
    for (size_t i = 0; i < l->len; i++)
        if (!is_space(l->text[i]) && (i == 0 || is_space(l->text[i - 1])))
            n++;
    return n;
}

/* The work on one line, a stand-in for a request about it, given up
 * after `timeout` seconds with TIDE_ETIMEDOUT. */
struct work {
    TIDE_FRAME;
    double seconds, timeout;
};

static tide_status work(void *frame)
{
    struct work *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH(f, tide_timeout_scope(f->timeout, NULL)) { /* async with asyncio.timeout(timeout): */
        TIDE_AWAIT(f, tide_sleep(f->seconds));           /*     await work(seconds) */
    }
    TIDE_END(f);
}

/* A worker: takes lines until the queue is shut down and empty. */
struct worker {
    TIDE_FRAME;
    struct shared *s;
    struct line *line;
    struct work work;
    long words;
    int rc;
};

static tide_status worker(void *frame)
{
    struct worker *w = frame;
    TIDE_BEGIN(w);
    for (;;) {
        TIDE_AWAIT_CATCH(w, tide_queue_get(w->s->queue, (void **)&w->line),
                         w->rc);
        if (w->rc == TIDE_ESHUTDOWN)
            break; /* no more lines */
        TIDE_TRY(w, w->rc);
        w->words = count_words(w->line);
        w->work = (struct work){.seconds = (double)w->words * w->s->per_word,
                                .timeout = w->s->timeout};
        TIDE_AWAIT_CALL_CATCH(w, work, &w->work, w->rc);
        if (w->rc == TIDE_ETIMEDOUT) { /* except TimeoutError: */
            w->s->timed_out++;
            w->rc = tide_writer_printf(w->s->out,
                                       "line %ld: timed out after %.1f s\n",
                                       w->line->number, w->s->timeout);
        } else if (w->rc == 0) {
            w->s->done++;
            w->s->words += w->words;
            w->rc = tide_writer_printf(w->s->out,
                                       "line %ld: %ld word%s, %zu bytes\n",
                                       w->line->number, w->words,
                                       w->words == 1 ? "" : "s",
                                       w->line->len);
        }
        free(w->line);
        w->line = NULL;
        TIDE_TRY(w, tide_queue_task_done(w->s->queue));
        TIDE_TRY(w, w->rc);
        TIDE_AWAIT(w, tide_writer_drain(w->s->out)); /* stdout keeps up */
    }
    TIDE_FINALLY(w);
    free(w->line);
    TIDE_END(w);
}

/* Reports progress on stderr until cancelled. */
struct progress {
    TIDE_FRAME;
    struct shared *s;
    double every;
};

static tide_status progress(void *frame)
{
    struct progress *p = frame;
    TIDE_BEGIN(p);
    for (;;) {
        TIDE_AWAIT(p, tide_sleep(p->every));
        fprintf(stderr, "progress: %ld lines read, %ld done, %ld waiting or "
                        "in work\n",
                p->s->read, p->s->done + p->s->timed_out + p->s->too_long,
                p->s->read - p->s->done - p->s->timed_out - p->s->too_long);
    }
    TIDE_END(p);
}

/* A copy of the line the reader returned, numbered. */
static struct line *line_copy(tide_bytes b, long number)
{
    size_t len = b.len && b.data[b.len - 1] == '\n' ? b.len - 1 : b.len;
    struct line *l = malloc(sizeof *l + len + 1);
    if (!l)
        return NULL;
    l->number = number;
    l->len = len;
    memcpy(l->text, b.data, len);
    l->text[len] = '\0';
    return l;
}

enum { MAX_WORKERS = 64 };

struct program {
    TIDE_FRAME;
    struct shared s;
    int workers;
    double every;
    size_t limit;
    tide_reader *in;
    tide_task *pool[MAX_WORKERS], *ticker;
    tide_bytes b;
    struct line *line;
    int n, rc;
};

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    TIDE_TRY(p, tide_reader_create(NULL, 0, p->limit, 0, &p->in));
    TIDE_TRY(p, tide_writer_create(NULL, 1, 0, &p->s.out));
    TIDE_TRY(p, tide_queue_create(NULL, TIDE_QUEUE_FIFO,
                                  2 * (size_t)p->workers, NULL,
                                  &p->s.queue));
    for (p->n = 0; p->n < p->workers; p->n++)
        TIDE_TRY(p, TIDE_SPAWN(worker, "worker", &p->pool[p->n], .s = &p->s));
    TIDE_TRY(p, TIDE_SPAWN(progress, "progress", &p->ticker, .s = &p->s,
                           .every = p->every));

    for (;;) { /* async for line in reader */
        TIDE_AWAIT_CATCH(p, tide_reader_readline(p->in, &p->b), p->rc);
        if (p->rc == TIDE_ELIMIT) { /* asyncio's ValueError: skip it */
            p->s.read++;
            p->s.too_long++;
            TIDE_TRY(p, tide_writer_printf(p->s.out,
                                           "line %ld: longer than %zu bytes, "
                                           "skipped\n",
                                           p->s.read, tide_reader_limit(p->in)));
            continue;
        }
        TIDE_TRY(p, p->rc);
        if (p->b.len == 0)
            break; /* the end of the input */
        p->line = line_copy(p->b, ++p->s.read);
        if (!p->line)
            TIDE_THROW(p, TIDE_ENOMEM);
        TIDE_AWAIT(p, tide_queue_put(p->s.queue, p->line));
        p->line = NULL; /* a worker's now */
    }

    /* no more lines: the workers finish what is queued, then stop */
    tide_queue_shutdown(p->s.queue, 0);
    TIDE_AWAIT(p, tide_gather(p->pool, (size_t)p->n, 0, NULL, NULL));
    TIDE_TRY(p, tide_writer_printf(p->s.out,
                                   "%ld lines: %ld done, %ld timed out, %ld "
                                   "too long; %ld words\n",
                                   p->s.read, p->s.done, p->s.timed_out,
                                   p->s.too_long, p->s.words));
    tide_writer_close(p->s.out);
    TIDE_AWAIT(p, tide_writer_wait_closed(p->s.out));
    TIDE_FINALLY(p);
    if (p->ticker)
        tide_task_cancel(p->ticker, NULL);
    tide_task_release(p->ticker);
    for (int i = 0; i < p->n; i++) {
        tide_task_cancel(p->pool[i], NULL); /* (an error cut the run short) */
        tide_task_release(p->pool[i]);
    }
    free(p->line);
    if (p->s.queue) { /* lines nobody took */
        while (tide_queue_get_nowait(p->s.queue, (void **)&p->line) == 0)
            free(p->line);
        p->line = NULL;
    }
    tide_queue_destroy(p->s.queue);
    tide_writer_destroy(p->s.out);
    tide_reader_destroy(p->in);
    TIDE_END(p);
}

int main(int argc, char **argv)
{
    params_init(argc, argv, "workers every limit timeout per_word");
    struct program p = {
        .workers = param_int("workers", 3, 1, MAX_WORKERS),
        .every = param_num("every", 1, 0.001, 3600),
        .limit = (size_t)param_int("limit", 65536, 1, 1 << 30),
        .s = {.timeout = param_num("timeout", 1, 0, 3600),
              .per_word = param_num("per_word", 0.1, 0, 60)},
    };
    return tide_main(program, &p, sizeof p);
}
