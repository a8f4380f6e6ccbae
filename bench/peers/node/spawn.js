// SPDX-License-Identifier: MIT
// spawn.js: N empty tasks made, started and finished: an async function per task, each awaited once, Promise.all for them all.
'use strict';

// What a task costs in Node.js: the run's wall time over N (spawn_ns), beside the bare
// primitive measured before the run (floor_ns): an async function called and run to its end
// without the loop (it returns an already-settled promise). A task here awaits once, so it is
// made, suspended and resumed through the microtask queue, as asyncio.create_task's is through
// a turn of the loop.
const { UsageError } = require('./options');

const SUMMARY = 'N empty tasks made, started and finished: what a task costs (C7)';
const TASKS = 1000;
const OPTIONS = [['pin', 'flag', 0, 0, "simul's: refused here (Node.js sets no CPU affinity of its own: run it under taskset -c)", null]];

function check(c) {
  if (c.limit) throw new UsageError(`--limit does not apply to ${c.workload}: drop it`);
  if (c.opt.pin) throw new UsageError('--pin: Node.js cannot pin itself to a CPU: drop it, or run node-simul under taskset -c CPU');
}

async function nothing(i) {
  return i;
}

async function empty(i) {
  await null;
  return i;
}

// perItem: the least of a few batches' mean time per call of fn, in ns: other programs only add to it.
function perItem(fn, k, tries = 3) {
  let best = Infinity;
  for (let t = 0; t < tries; t++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < k; i++) fn(i);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / k);
  }
  return best;
}

async function setup(c) {
  return { floorNs: perItem(nothing, 20000) };
}

async function timed(c) {
  const ps = new Array(c.tasks);
  for (let i = 0; i < c.tasks; i++) ps[i] = empty(i);
  return Promise.all(ps);
}

function verify(c, st, results) {
  for (let i = 0; i < c.tasks; i++) if (results[i] !== i) return `task ${i} did not run to its end`;
  return null;
}

function predict(c, st) {
  return c.tasks * st.floorNs / 1e9;
}

function fields(c, st, results, m) {
  return [['pinned', 'false', false], ['cpu', '-1', false], ['primitive', 'a promise', true],
    ['made', String(c.tasks), false], ['floor_ns', st.floorNs.toFixed(1), false],
    ['spawn_ns', (m.wallS / c.tasks * 1e9).toFixed(1), false]];
}

module.exports = { SUMMARY, TASKS, OPTIONS, check, setup, timed, verify, predict, fields, perItem, teardown() {} };
