;; growwrite.wat - writes "hello\n" to stdout, grows the memory by a page,
;; writes again, 2000 times (4000 lines). Node 20's node:wasi, with V8's
;; fast API calls on, writes from a stale pointer once the memory has grown
;; (nodejs/node#53087): it crashed (SIGSEGV, SIGTRAP) or lost lines in 5
;; runs of 6 when this was written. tide-run turns fast calls off
;; (wasi/run.mjs); tests/js/wasi.test.mjs runs this through it.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "hello\n")
  (func $say
    ;; one iovec at 0: the text at 100, 6 bytes; the count written goes to 8
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 6))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start") (local $i i32)
    (loop $again
      (call $say)
      (drop (memory.grow (i32.const 1)))
      (call $say)
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 2000))))))
