/*
 * alloc.c - the one allocation path (through the loop's allocator) and the
 * reference-counted messages carried by errors (with their stories: see
 * story.c).
 */
#include "internal.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* Under ASan a cached block is poisoned past its link word, so a task used
 * after it was freed is still caught while its block waits in the cache. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TIDE__ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define TIDE__ASAN 1
#endif
#ifdef TIDE__ASAN
#include <sanitizer/asan_interface.h>
#define BLOCK_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define BLOCK_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define BLOCK_POISON(p, n) ((void)(p), (void)(n))
#define BLOCK_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

void *tide__alloc(tide_loop *L, size_t size)
{
    return L->alloc(L->alloc_ud, NULL, 0, size);
}

void *tide__realloc(tide_loop *L, void *p, size_t old_size, size_t new_size)
{
    return L->alloc(L->alloc_ud, p, old_size, new_size);
}

void tide__free(tide_loop *L, void *p, size_t size)
{
    if (p)
        L->alloc(L->alloc_ud, p, size, 0);
}

/* ---- the task block cache ------------------------------------------------
 * Spawning is mostly allocating: a task and its frame are one block, and a
 * program spawning and joining tasks frees and asks for blocks of the same
 * size over and over. A hit of the cache is an allocation that does not reach
 * the allocator, so it cannot fail; every block the cache hands out came from
 * the loop's allocator, and every one goes back to it by loop destroy. */

static void *block_used(tide_loop *L, void *p)
{
    if (++L->blocks_used > L->blocks_peak)
        L->blocks_peak = L->blocks_used;
    return p;
}

void *tide__block_alloc(tide_loop *L, size_t size)
{
    for (int i = 0; i < TIDE_TASK_CACHE_BINS; i++) {
        struct tide__block_bin *b = &L->block_bins[i];
        if (b->size == size && b->head) {
            void **p = b->head;
            BLOCK_UNPOISON(p, size);
            b->head = *p;
            L->blocks_cached--;
            return block_used(L, p);
        }
    }
    void *p = tide__alloc(L, size);
    return p ? block_used(L, p) : NULL;
}

static struct tide__block_bin *block_bin(tide_loop *L, size_t size)
{
    struct tide__block_bin *empty = NULL;
    for (int i = 0; i < TIDE_TASK_CACHE_BINS; i++) {
        struct tide__block_bin *b = &L->block_bins[i];
        if (b->size == size)
            return b;
        if (!b->head && !empty)
            empty = b;
    }
    if (empty)
        empty->size = size;
    return empty;
}

void tide__block_free(tide_loop *L, void *p, size_t size)
{
    /* Kept, the block stays counted in the total; that total may pass the
     * peak only when blocks of another size are cached: then it goes. */
    struct tide__block_bin *b;
    if (L->blocks_cached + L->blocks_used-- > L->blocks_peak ||
        size < sizeof(void *) || !(b = block_bin(L, size))) {
        tide__free(L, p, size);
        return;
    }
    *(void **)p = b->head;
    b->head = p;
    L->blocks_cached++;
    BLOCK_POISON((char *)p + sizeof(void *), size - sizeof(void *));
}

void tide__blocks_release(tide_loop *L)
{
    for (int i = 0; i < TIDE_TASK_CACHE_BINS; i++) {
        struct tide__block_bin *b = &L->block_bins[i];
        while (b->head) {
            void **p = b->head;
            BLOCK_UNPOISON(p, b->size);
            b->head = *p;
            tide__free(L, p, b->size);
        }
    }
    L->blocks_cached = 0;
}

size_t tide__blocks_cached_bytes(tide_loop *L)
{
    size_t bytes = 0;
    for (int i = 0; i < TIDE_TASK_CACHE_BINS; i++) {
        struct tide__block_bin *b = &L->block_bins[i];
        for (void **p = b->head; p; p = *p)
            bytes += b->size;
    }
    return bytes;
}

void *tide__mem_alloc(tide_loop *L, size_t size, tide__mem *mem)
{
    mem->fn = L->alloc;
    mem->ud = L->alloc_ud;
    return tide__alloc(L, size);
}

void tide__mem_free(const tide__mem *mem, void *p, size_t size)
{
    mem->fn(mem->ud, p, size, 0);
}

/* What every message starts as: one reference, no story, its text. */
static void msg_header(tide__msg *m, char *text, size_t len)
{
    m->refs = 1;
    m->frame_refs = 0;
    m->len = (uint32_t)len;
    m->story = NULL;
    m->text = text;
}

void tide__msg_init_pinned(tide__msg *m, const char *text)
{
    m->link.next = m->link.prev = &m->link;
    msg_header(m, (char *)text, strlen(text)); /* (never written) */
}

void tide__msg_init(tide_loop *L, tide__msg *m, const char *text,
                    size_t len)
{
    msg_header(m, (char *)(m + 1), len);
    memcpy(m->text, text, len);
    m->text[len] = 0;
    tide__list_push(&L->msgs, &m->link);
}

tide__msg *tide__msg_new(tide_loop *L, const char *text)
{
    size_t len = strlen(text);
    if (len > UINT32_MAX - 1)
        return NULL;
    tide__msg *m = tide__alloc(L, sizeof *m + len + 1);
    if (m)
        tide__msg_init(L, m, text, len);
    return m;
}

tide__msg *tide__msg_vfmt(tide_loop *L, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    tide__msg *m = NULL;
    if (n >= 0 && (uint64_t)n < UINT32_MAX)
        m = tide__alloc(L, sizeof *m + (size_t)n + 1);
    if (m) { /* formatted straight into the block */
        msg_header(m, (char *)(m + 1), (size_t)n);
        vsnprintf(m->text, (size_t)n + 1, fmt, again);
        tide__list_push(&L->msgs, &m->link);
    }
    va_end(again);
    return m;
}

static size_t msg_size(const tide__msg *m)
{
    return m->story ? m->story->size : sizeof *m + m->len + 1;
}

static void msg_free(tide_loop *L, tide__msg *m)
{
    tide__list_remove(&m->link);
    tide__free(L, m, msg_size(m));
}

/* m's last reference is gone. A story's messages may have stories of their
 * own, as deep as groups nest: the dying ones wait in a list instead of on
 * the C stack. */
void tide__msg_die(tide_loop *L, tide__msg *m)
{
    if (tide__msg_pinned(L, m)) {
        m->refs = 1; /* uncounted holders came and went: it stays */
        return;
    }
    tide__msg *dead = m;
    if (m->story)
        m->story->dead = NULL;
    while (dead) {
        m = dead;
        dead = m->story ? m->story->dead : NULL;
        for (size_t i = 0; m->story && i < m->story->n; i++) {
            tide__msg *c = m->story->errors[i].msg;
            if (!c || --c->refs)
                continue;
            if (tide__msg_pinned(L, c)) {
                c->refs = 1;
                continue;
            }
            if (c->story) {
                c->story->dead = dead;
                dead = c;
            } else {
                msg_free(L, c);
            }
        }
        msg_free(L, m);
    }
}


void tide__msg_drop_frames(tide_loop *L)
{
    /* Each message is visited once, from a list of its own: dropping one
     * may free others (its story's), wherever they are. */
    tide__node todo;
    tide__list_init(&todo);
    if (!tide__list_empty(&L->msgs)) {
        todo.next = L->msgs.next;
        todo.prev = L->msgs.prev;
        todo.next->prev = todo.prev->next = &todo;
        tide__list_init(&L->msgs);
    }
    while (!tide__list_empty(&todo)) {
        tide__msg *m = TIDE__CONTAINER(todo.next, tide__msg, link);
        tide__list_remove(&m->link);
        tide__list_push(&L->msgs, &m->link);
        uint32_t held = m->frame_refs;
        m->frame_refs = 0;
        m->refs -= held;
        if (held && m->refs == 0)
            tide__msg_die(L, m);
    }
}
