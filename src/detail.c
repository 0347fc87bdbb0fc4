/*
 * detail.c - why a call that does not await failed. An await's error
 * reaches the coroutine with its message; a call that returns an int
 * has room for the code only. So a call that fails for a reason its code
 * does not tell (which argument is NULL, which fd is not open, a NaN
 * delay, a group that has exited) leaves its words here, in the running
 * loop of the calling thread: TIDE_TRY clears them before its call and
 * raises with them when the call fails with the same code; a program
 * that checks by hand reads them with tide_error_detail.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>

/* Lets go of the detail (its code first: one without text is none). */
static void detail_set(tide_loop *L, int code, tide__msg *m)
{
    tide__msg *old = L->detail;
    L->detail = m;
    L->detail_code = m ? code : 0;
    tide__msg_unref(L, old);
}

int tide__fail(const char *fn, int code, const char *fmt, ...)
{
    tide_loop *L = tide__running;
    if (!L) /* no TIDE_TRY runs here, and another thread's loop is not ours */
        return code;
    char text[TIDE_REPORT_MAX / 2];
    int n = fn ? snprintf(text, sizeof text, "%s: ", fn) : 0;
    if (n < 0 || (size_t)n >= sizeof text)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text + n, sizeof text - (size_t)n, fmt, ap); /* (cut short) */
    va_end(ap);
    /* out of memory: no detail, and the call fails as it would have */
    detail_set(L, code, tide__msg_new(L, text));
    return code;
}

void tide__fail_with(tide_loop *L, int code, tide__msg *msg)
{
    if (L == tide__running) /* (else msg is another loop's memory) */
        detail_set(L, code, tide__msg_ref(msg));
}

int tide__fail_thread(const char *fn)
{
    return tide__fail(fn, TIDE_ETHREAD,
                      "called from a thread that does not own the loop (the "
                      "way in from other threads is "
                      "tide_call_soon_threadsafe)");
}

int tide__nan_arg(const char *fn, const char *name)
{
    return tide__fail(fn, TIDE_EINVAL, "%s is NaN (not a number)", name);
}

int tide__busy(const char *fn, int held)
{
    return tide__fail(fn, TIDE_EBUSY, "%s",
                      held ? "an open TIDE_WITH block holds it"
                           : "tasks wait on it (or were woken by it and have "
                             "not run yet)");
}

void tide__detail_clear(void)
{
    tide_loop *L = tide__running;
    if (L && L->detail)
        detail_set(L, 0, NULL);
}

void tide__detail_drop(tide_loop *L)
{
    detail_set(L, 0, NULL);
}

tide__msg *tide__detail_of(tide_loop *L, int err)
{
    return L && err < 0 && L->detail_code == err ? L->detail : NULL;
}

const char *tide_error_detail(int err)
{
    tide__msg *m = tide__detail_of(tide__running, err);
    return m ? m->text : NULL;
}
