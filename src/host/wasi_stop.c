/*
 * wasi_stop.c - Stop for a WASI program whose runner can call into it
 * while it waits: the export tide_wasi_cancel_main cancels the main task
 * of the loop running tide_main, as asyncio's main_task.cancel() (its
 * FINALLY sections run). The live page's runner (web/page/wasi-worker.mjs)
 * calls it under JSPI while the program is suspended in poll_oneoff or in
 * a write to stdout, so between two iterations of the loop or inside the
 * program's own step; wasmtime and tide-run never call it.
 */

/* Returns 1 if the cancellation took, 0 if there is no main task to
 * cancel (no loop running, main done). */
__attribute__((export_name("tide_wasi_cancel_main"))) int tide_wasi_cancel_main(void)
{
    tide_loop *L = tide_running_loop();
    if (!L || !L->main || tide_task_is_done(L->main))
        return 0;
    tide__loop_now(L); /* the wakes it causes carry the cancel's time */
    /* the page's words for Stop (web/page/playground.mjs, STOP_MESSAGE) */
    return tide_task_cancel(L->main, "stopped from the page") > 0;
}
