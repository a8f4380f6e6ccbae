// SPDX-License-Identifier: MIT
// sleep.js: the documents' sleepy function as async functions: await a timer's promise, Promise.all for them all.
'use strict';

const { setTimeout: sleep } = require('timers/promises');
const { concurrency } = require('./options');
const { quantile } = require('./record');
const { predictWaves } = require('./server');

const SUMMARY = 'each task sleeps --ms, --rounds times: pure waiting (C1, C10, C11)';
const TASKS = 3;
const OPTIONS = [['ms', 'int', 0, 86400000, 'milliseconds each sleep lasts', 1000],
  ['rounds', 'int', 1, 1000000, 'sleeps per task, one after another', 1]];

function check(c) {}

async function setup(c) {
  // Every sleep's length, task i's at [i*rounds, (i+1)*rounds): a typed array, not a
  // million small arrays, so the figure per task is the loop's and the timers'.
  return { took: new Float64Array(c.tasks * c.opt.rounds), done: new Uint32Array(c.tasks), live: 0, most: 0 };
}

async function task(c, st, i) {
  st.live++;
  if (st.live > st.most) st.most = st.live;
  try {
    for (let r = 0; r < c.opt.rounds; r++) {
      const t = process.hrtime.bigint();
      await sleep(c.opt.ms);
      st.took[i * c.opt.rounds + r] = Number(process.hrtime.bigint() - t) / 1e9;
      st.done[i]++;
    }
  } finally {
    st.live--;
  }
}

function verify(c, st) {
  const least = (c.opt.rounds * c.opt.ms) / 1000 - 0.001; // every sleep done, none short (1 ms for rounding)
  for (let i = 0; i < c.tasks; i++) {
    if (st.done[i] !== c.opt.rounds) return `task ${i} completed ${st.done[i]} of ${c.opt.rounds} sleeps`;
    let sum = 0;
    for (let r = 0; r < c.opt.rounds; r++) sum += st.took[i * c.opt.rounds + r];
    if (sum < least) return `task ${i} slept ${sum.toFixed(4)} s, less than the ${(least + 0.001).toFixed(4)} s asked`;
  }
  return null;
}

// predict: the tasks in waves of the run's concurrency (all, or --limit): simul's ceil(N/C)·R·D.
function predict(c) {
  return predictWaves(c, 'sleep', ['--ms', c.opt.ms, '--rounds', c.opt.rounds]);
}

function fields(c, st) {
  return [['ms', String(c.opt.ms), false], ['rounds', String(c.opt.rounds), false],
    ['sleep_p99_s', quantile(st.took, 0.99).toFixed(6), false], ['in_flight_max', String(st.most), false]];
}

module.exports = { SUMMARY, TASKS, OPTIONS, check, setup, task, verify, predict, fields, teardown() {} };
