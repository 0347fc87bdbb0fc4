/*
 * alloc.c - the one allocation path (through the loop's allocator) and the
 * reference-counted messages carried by errors.
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

tide__msg *tide__msg_new(tide_loop *L, const char *text)
{
    size_t len = strlen(text);
    if (len > UINT32_MAX - 1)
        return NULL;
    tide__msg *m = tide__alloc(L, sizeof *m + len + 1);
    if (!m)
        return NULL;
    m->refs = 1;
    m->len = (uint32_t)len;
    memcpy(m->text, text, len + 1);
    return m;
}

tide__msg *tide__msg_ref(tide__msg *m)
{
    if (m)
        m->refs++;
    return m;
}

void tide__msg_unref(tide_loop *L, tide__msg *m)
{
    if (m && --m->refs == 0)
        tide__free(L, m, sizeof *m + m->len + 1);
}

void tide__msg_set(tide_loop *L, tide__msg **slot, tide__msg *m)
{
    tide__msg *old = *slot;
    *slot = tide__msg_ref(m);
    tide__msg_unref(L, old);
}
