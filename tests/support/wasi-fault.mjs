// wasi-fault.mjs - run a WASI module (as tide-run does: wasi/run.mjs) with
// failures injected into the host calls Tide's WASI host makes:
//   node tests/support/wasi-fault.mjs <plan> build/wasi/x.wasm [args...]
// <plan> is a comma-separated list of rules; N counts calls from 1:
//   poll=all | poll=odd | poll=N     poll_oneoff fails with EIO
//   poll-event=all | ...             it succeeds but its one event carries EIO
//   poll-early=all | ...             it returns at once, no event (a
//                                    spurious wake-up)
//   clock=N | clock=all              Tide's clock_time_get fails with EINVAL
//   nofd                             a runtime without FD_READ / FD_WRITE:
//                                    a poll_oneoff with one fails, ENOTSUP
//   none                             nothing fails (the control run)
// Tide's clock reads are told apart from the program's own (libc's
// clock_gettime) by the precision they ask for: Tide asks for 1000 ns.
// A wait longer than CAP_NS is recorded and then shortened to 5 ms, so that
// a bug asking the host to sleep for days shows up as a number in the
// report instead of a hung test. The report is the last line on stderr:
//   FAULTS {"poll":{"calls":..,"failed":..},"clock":{..},"max_wait_ns":..}
import { compileModule, runModule } from '../../wasi/run.mjs';

process.removeAllListeners('warning');
const [planText, file, ...args] = process.argv.slice(2);
const CAP_NS = 10n * 1000000000n;
const EIO = 29;
const EINVAL = 28;
const ENOTSUP = 58;

const plan = {};
for (const rule of (planText ?? 'none').split(',')) {
  const [k, v] = rule.split('=');
  if (k !== 'none') plan[k] = v;
}
function hits(which, n) {
  const v = plan[which];
  if (v === undefined) return false;
  if (v === 'all') return true;
  if (v === 'odd') return n % 2 === 1;
  return Number(v) === n;
}

const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('TIDE_')));
const stats = {
  poll: { calls: 0, failed: 0 },
  clock: { calls: 0, failed: 0 },
  max_wait_ns: '0',
};
let maxWait = 0n;
let view = null;

// Replaces poll_oneoff and clock_time_get with the faulty ones below.
function wrap(imports, memory) {
  const host = imports.wasi_snapshot_preview1;
  view = () => new DataView(memory().buffer);
  host.poll_oneoff = faultyPoll(host.poll_oneoff);
  host.clock_time_get = faultyClock(host.clock_time_get);
}

const faultyPoll = (realPoll) => (inPtr, outPtr, nsubs, neventsPtr) => {
  const n = ++stats.poll.calls;
  // Subscriptions are 48 bytes: userdata u64, tag u8 at 8, then for a
  // clock: id u32 at 16, timeout u64 at 24, precision u64 at 32, flags u16.
  for (let i = 0; i < nsubs; i++) {
    const s = inPtr + 48 * i;
    if (view().getUint8(s + 8) !== 0) continue; // not a clock
    const t = view().getBigUint64(s + 24, true);
    if (t > maxWait) maxWait = t;
    if (t > CAP_NS) view().setBigUint64(s + 24, 5000000n, true);
  }
  if ('nofd' in plan) {
    for (let i = 0; i < nsubs; i++) {
      if (view().getUint8(inPtr + 48 * i + 8) === 0) continue; // a clock
      stats.poll.failed++;
      return ENOTSUP;
    }
  }
  if (hits('poll', n)) {
    stats.poll.failed++;
    return EIO;
  }
  if (hits('poll-early', n)) {
    stats.poll.failed++;
    view().setUint32(neventsPtr, 0, true);
    return 0;
  }
  if (hits('poll-event', n)) {
    // one event of 32 bytes: userdata u64, error u16 at 8, type u8 at 10
    stats.poll.failed++;
    const e = outPtr;
    view().setBigUint64(e, view().getBigUint64(inPtr, true), true);
    view().setUint16(e + 8, EIO, true);
    view().setUint8(e + 10, 0);
    view().setUint32(neventsPtr, 1, true);
    return 0;
  }
  return realPoll(inPtr, outPtr, nsubs, neventsPtr);
};

const faultyClock = (realClock) => (id, precision, outPtr) => {
  if (BigInt(precision) !== 1000n) return realClock(id, precision, outPtr);
  const n = ++stats.clock.calls;
  if (hits('clock', n)) {
    stats.clock.failed++;
    return EINVAL;
  }
  return realClock(id, precision, outPtr);
};

let status;
try {
  const r = await runModule(await compileModule(file), { args: [file, ...args], env, wrap });
  if (r.trap) console.error(`wasi-fault: ${r.trap.message}`);
  status = r.trap ? 70 : r.status;
} catch (e) {
  console.error(`wasi-fault: ${e.message}`);
  status = 70;
}
stats.max_wait_ns = maxWait.toString();
console.error(`FAULTS ${JSON.stringify(stats)}`);
process.exitCode = status;
