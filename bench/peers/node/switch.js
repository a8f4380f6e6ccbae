// SPDX-License-Identifier: MIT
// switch.js: two async functions hand a token back and forth through a pair of promise-backed events.
'use strict';

// What a switch costs in Node.js. Task 0 passes a token (a count each side raises by one) to
// task 1 and waits for it back, --rounds times; the first round is not timed; switch_ns is per
// one-way hand-off. Each side waits on an Event like asyncio's (a promise its set() resolves),
// so a hand-off is a promise settled and its continuation run from the microtask queue.
// floor_ns is that mechanism with no one to wake: an `await` of a settled value.
const { UsageError } = require('./options');

const SUMMARY = 'two tasks hand a token back and forth: what a switch costs (C8)';
const TASKS = 2;
const OPTIONS = [
  ['rounds', 'int', 2, 100000000, 'round trips: task 0 passes the token to task 1 and waits for it back (the first is not timed)', 10000],
  ['direct', 'flag', 0, 0, "simul's eventloop only: refused here (a promise always resumes through the microtask queue)", null],
  ['pin', 'flag', 0, 0, "simul's: refused here (Node.js sets no CPU affinity of its own: run it under taskset -c)", null],
];

function check(c) {
  if (c.tasks !== 2) throw new UsageError(`--tasks ${c.tasks}: the token goes between two tasks: give --tasks 2 or leave it out`);
  if (c.opt.direct) throw new UsageError("--direct is simul's switch straight to a coroutine; a promise always resumes through the microtask queue: drop it");
  if (c.opt.pin) throw new UsageError('--pin: Node.js cannot pin itself to a CPU: drop it, or run node-simul under taskset -c CPU');
  if (c.limit) throw new UsageError('--limit does not apply to switch: drop it');
}

class Event {
  constructor() {
    this.flag = false;
    this.waiter = null;
  }

  set() {
    this.flag = true;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w();
    }
  }

  clear() {
    this.flag = false;
  }

  wait() {
    return this.flag ? Promise.resolve() : new Promise((resolve) => { this.waiter = resolve; });
  }
}

async function awaits(k) {
  const t = process.hrtime.bigint();
  for (let i = 0; i < k; i++) await null;
  return Number(process.hrtime.bigint() - t) / k;
}

async function setup(c) {
  let best = Infinity;
  for (let t = 0; t < 3; t++) best = Math.min(best, await awaits(20000));
  return { floorNs: best };
}

async function timed(c) {
  const ping = new Event();
  const pong = new Event();
  let token = 0;
  const other = (async () => {
    for (let r = 0; r < c.opt.rounds; r++) {
      await ping.wait();
      ping.clear();
      token++;
      pong.set();
    }
  })();
  let t0 = 0n;
  for (let r = 0; r < c.opt.rounds; r++) {
    if (r === 1) t0 = process.hrtime.bigint();
    token++;
    ping.set();
    await pong.wait();
    pong.clear();
  }
  const took = Number(process.hrtime.bigint() - t0) / 1e9;
  await other;
  return { token, took };
}

function verify(c, st, res) {
  if (res.token !== 2 * c.opt.rounds) {
    return `the token came back at ${res.token} after ${c.opt.rounds} round trips, not ${2 * c.opt.rounds}`;
  }
  return null;
}

function predict(c, st) {
  return 2 * c.opt.rounds * st.floorNs / 1e9;
}

function fields(c, st, res) {
  return [['rounds', String(c.opt.rounds), false], ['primitive', 'a promise', true],
    ['via', 'a settled promise (the microtask queue)', true], ['pinned', 'false', false], ['cpu', '-1', false],
    ['floor_ns', st.floorNs.toFixed(2), false], ['switch_ns', (res.took / (2 * (c.opt.rounds - 1)) * 1e9).toFixed(2), false]];
}

module.exports = { SUMMARY, TASKS, OPTIONS, check, setup, timed, verify, predict, fields, teardown() {} };
