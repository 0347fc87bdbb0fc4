/*
 * alloc.c - the one allocation path (through the loop's allocator) and the
 * reference-counted messages carried by errors (with their stories: see
 * story.c).
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

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

void tide__msg_init(tide_loop *L, tide__msg *m, const char *text,
                    size_t len)
{
    m->refs = 1;
    m->frame_refs = 0;
    m->len = (uint32_t)len;
    m->story = NULL;
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
