/*
 * story.c - a TIDE_EGROUP keeps its story: the message of the error carries
 * the children's errors (code, message, task), so they go wherever the
 * error goes - tide_join, gather, a re-raise, main's error, JS - long after
 * the group is destroyed. Nested groups nest: a child's message may carry a
 * story of its own. Built by group.c, freed by tide__msg_unref (alloc.c).
 *
 * One block holds the message, its list and the tasks' names:
 *     [tide__msg + text][tide__story + errors[n]][names...]
 */
#include "internal.h"

#include <stdalign.h>
#include <stdio.h>
#include <string.h>

tide__msg *tide__story_new(tide_loop *L, const char *text, size_t n,
                           size_t names_size)
{
    size_t len = strlen(text);
    size_t align = alignof(struct tide__story);
    size_t at = (sizeof(tide__msg) + len + 1 + align - 1) & ~(align - 1);
    size_t max = (SIZE_MAX - at - sizeof(struct tide__story) - names_size) /
                 sizeof(tide__story_error);
    if (len > UINT32_MAX - 1 || names_size > SIZE_MAX / 2 || n > max)
        return NULL;
    size_t size = at + sizeof(struct tide__story) +
                  n * sizeof(tide__story_error) + names_size;
    tide__msg *m = tide__alloc(L, size);
    if (!m)
        return NULL;
    tide__msg_init(L, m, text, len);
    struct tide__story *st = (struct tide__story *)(void *)((char *)m + at);
    st->size = size;
    st->dead = NULL;
    st->n = n;
    st->names = (char *)&st->errors[n];
    memset(st->errors, 0, n * sizeof(tide__story_error));
    m->story = st;
    return m;
}

void tide__story_put(tide__msg *m, size_t i, int code, uint32_t task_id,
                     const char *task, int body, tide__msg *msg)
{
    struct tide__story *st = m->story;
    size_t k = strlen(task) + 1;
    tide__story_error *e = &st->errors[i];
    e->code = code;
    e->task_id = task_id;
    e->body = body != 0;
    e->task = memcpy(st->names, task, k);
    st->names += k;
    e->msg = tide__msg_ref(msg);
}

const char *tide__label(char *buf, size_t n, uint32_t id, const char *name)
{
    char def[TIDE_DEFAULT_NAME_MAX];
    snprintf(def, sizeof def, "Task-%u", (unsigned)id);
    if (name && strcmp(name, def) != 0)
        snprintf(buf, n, "%s '%s'", def, name);
    else
        snprintf(buf, n, "%s", def);
    return buf;
}

/* "TIDE_EHOST", "TIDE_EUSER-7" (as a program writes it), "error -50". */
static const char *code_name(char *buf, size_t n, int code)
{
    const char *name = tide_errname(code);
    if (name)
        snprintf(buf, n, "%s", name);
    else if (code == TIDE_EUSER)
        snprintf(buf, n, "TIDE_EUSER");
    else if (code < TIDE_EUSER)
        snprintf(buf, n, "TIDE_EUSER-%ld", (long)TIDE_EUSER - code);
    else
        snprintf(buf, n, "error %d", code);
    return buf;
}

void tide__story_entry(char *buf, size_t n, const char *label, int code,
                       const tide__msg *msg)
{
    char name[40];
    int nested = msg && msg->story;
    size_t len = msg ? msg->len : 0, keep = len;
    if (nested && keep > TIDE_EGROUP_NESTED_MAX)
        keep = TIDE_EGROUP_NESTED_MAX;
    if (keep > n)
        keep = n;
    int w = snprintf(buf, n, "%s: %s%s%s%.*s%s%s", label,
                     code_name(name, sizeof name, code), msg ? " " : "",
                     nested ? "(" : "", (int)keep, msg ? msg->text : "",
                     keep < len ? "..." : "", nested ? ")" : "");
    if (w >= 0 && (size_t)w >= n && n >= 4) /* cut to fit */
        memcpy(buf + n - 4, "...", 4);
}

void tide__story_print(const tide__msg *m)
{
    /* Depth-first with a stack of its own: deeper groups are not shown. */
    const tide__msg *stack[TIDE_EGROUP_PRINT_DEPTH];
    size_t next[TIDE_EGROUP_PRINT_DEPTH];
    size_t depth = 0;
    if (m && m->story) {
        stack[0] = m;
        next[0] = 0;
        depth = 1;
    }
    while (depth) {
        const struct tide__story *st = stack[depth - 1]->story;
        size_t i = next[depth - 1]++;
        if (i >= st->n) {
            depth--;
            continue;
        }
        const tide__story_error *e = &st->errors[i];
        const tide__msg *sub = e->msg && e->msg->story ? e->msg : NULL;
        char label[TIDE_REPORT_MAX / 8], line[TIDE_REPORT_MAX / 2];
        tide__label(label, sizeof label - 8, e->task_id, e->task);
        if (e->body)
            strcat(label, " (body)");
        /* a nested group's line is told by the lines below it */
        tide__story_entry(line, sizeof line, label, e->code, sub ? NULL : e->msg);
        fprintf(stderr, "tide: %*s%s\n", (int)(2 * depth), "", line);
        if (!sub)
            continue;
        if (depth == TIDE_EGROUP_PRINT_DEPTH) {
            fprintf(stderr, "tide: %*s(%zu more errors in groups nested "
                    "deeper)\n", (int)(2 * depth + 2), "", sub->story->n);
            continue;
        }
        stack[depth] = sub;
        next[depth] = 0;
        depth++;
    }
}

/* ---- reading a story (tide.h) ------------------------------------------ */

static const tide_egroup *egroup_of(const tide__msg *m)
{
    return m && m->story ? (const tide_egroup *)(const void *)m : NULL;
}

const tide_egroup *tide_task_egroup(const tide_task *t)
{
    if (!t || !(t->flags & TIDE__T_DONE) || t->status != TIDE_EGROUP)
        return NULL;
    return egroup_of(t->msg);
}

const tide_egroup *tide_error_egroup(void)
{
    tide_task *t = tide_current_task();
    return t ? egroup_of(t->msg) : NULL;
}

size_t tide_egroup_error_count(const tide_egroup *eg)
{
    const tide__msg *m = (const tide__msg *)(const void *)eg;
    return m && m->story ? m->story->n : 0;
}

int tide_egroup_error(const tide_egroup *eg, size_t i, const char **msg,
                      const char **task, const tide_egroup **nested)
{
    if (msg)
        *msg = NULL;
    if (task)
        *task = NULL;
    if (nested)
        *nested = NULL;
    if (i >= tide_egroup_error_count(eg))
        return tide__fail(__func__, TIDE_EINVAL,
                          "i is %zu, and the group has %zu errors", i,
                          tide_egroup_error_count(eg));
    const tide__story_error *e =
        &((const tide__msg *)(const void *)eg)->story->errors[i];
    if (msg && e->msg)
        *msg = e->msg->text;
    if (task)
        *task = e->task;
    if (nested)
        *nested = egroup_of(e->msg);
    return e->code;
}
