// pool.mjs - analyse() on worker threads: a few workers, jobs handed out in
// order; saturated() says when the producer should wait.
import os from 'node:os';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { analyse } from './analyse.mjs';

if (!isMainThread && parentPort) {
  parentPort.on('message', ({ id, job }) => {
    let result;
    try {
      result = analyse(job);
    } catch (e) {
      result = { error: `tide-lint failed on it: ${e.stack ?? e}` };
    }
    parentPort.postMessage({ id, result });
  });
}

export class Pool {
  constructor(size = Math.max(1, Math.min(2, os.availableParallelism?.() ?? os.cpus().length))) {
    this.size = size;
    this.workers = [];
    this.idle = [];
    this.queue = [];
    this.pending = new Map();
    this.nextId = 0;
    this.drained = [];
  }

  spawn() {
    const w = new Worker(new URL(import.meta.url));
    w.on('message', ({ id, result }) => {
      const p = this.pending.get(id);
      this.pending.delete(id);
      p.resolve(result);
      this.idle.push(w);
      this.pump();
    });
    w.on('error', (e) => {
      for (const p of this.pending.values()) p.resolve({ error: `tide-lint's worker failed: ${e.stack ?? e}` });
      this.pending.clear();
    });
    this.workers.push(w);
    this.idle.push(w);
  }

  // Queues a job; resolves with analyse()'s result.
  run(job) {
    if (this.workers.length < this.size && !this.idle.length) this.spawn();
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, job, resolve });
      this.pump();
    });
  }

  pump() {
    while (this.idle.length && this.queue.length) {
      const w = this.idle.pop();
      const { id, job, resolve } = this.queue.shift();
      this.pending.set(id, { resolve });
      w.postMessage({ id, job });
    }
    if (!this.queue.length) for (const f of this.drained.splice(0)) f();
  }

  // A promise while more jobs wait than there are workers, else null.
  saturated() {
    return this.queue.length >= this.size ? new Promise((f) => this.drained.push(f)) : null;
  }

  close() {
    return Promise.all(this.workers.map((w) => w.terminate()));
  }
}
