// SPDX-License-Identifier: MIT
// server.js: what node-simul borrows from the simul binary: its loopback server for fetch, and sleep's prediction.
'use strict';

const fs = require('fs');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const { concurrency } = require('./options');

const children = new Set();

function killChildren() {
  for (const p of children) {
    try {
      p.kill('SIGKILL');
    } catch (e) { /* gone already */ }
  }
}

// simulBinary: $SIMUL, else the simul of the build beside this source tree's build/ (as the
// harness runs it), else one on PATH's build/.
function simulBinary(why) {
  const root = path.resolve(__dirname, '..', '..', '..');
  for (const p of [process.env.SIMUL, path.join(root, 'build', 'simul')]) {
    try {
      if (p) {
        fs.accessSync(p, fs.constants.X_OK);
        return p;
      }
    } catch (e) { /* the next */ }
  }
  throw new Error(`${why} needs the simul binary: run \`make build\`, or set SIMUL=/path/to/simul`);
}

// startServer: a `simul serve` on a free loopback port. Node cannot set the child's parent-
// death signal itself, so util-linux's setpriv does, before it execs simul: the server dies
// with us however we end (a SIGKILL included).
function startServer(latencyMs, bytes) {
  const bin = simulBinary('fetch without --url');
  const p = spawn('setpriv', ['--pdeathsig', 'TERM', '--', bin, 'serve', '--port', '0', '--latency-ms',
    String(latencyMs), '--bytes', String(bytes)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(p);
  return new Promise((resolve, reject) => {
    let out = '';
    const fail = (why) => {
      clearTimeout(timer);
      stop(p);
      reject(new Error(why));
    };
    const timer = setTimeout(() => fail('the simul serve we started did not report its address in 10 s: ' +
      'run `simul serve --port 0` by hand to see why'), 10000);
    p.on('error', (e) => fail(`cannot start simul serve: ${e.message}`));
    p.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      const url = out.slice(0, nl).trim();
      p.stdout.removeAllListeners('data');
      p.stdout.resume();
      if (url.startsWith('http://')) resolve({ proc: p, url });
      else fail(`simul serve printed '${url}', not its address`);
    });
  });
}

// stop: after the record's figures, so the server's CPU stays out of them.
function stop(p) {
  if (!p || p.exitCode !== null || p.signalCode !== null) {
    children.delete(p);
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const kill = setTimeout(() => p.kill('SIGKILL'), 2000);
    p.once('exit', () => {
      clearTimeout(kill);
      children.delete(p);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

// predictWaves: simul's prediction of a run whose time is its waves alone (sleep): the same N
// tasks in waves of this run's concurrency C (all, or --limit), as simul's eventloop with
// --limit C predicts them. The formula lives in simul alone; every peer asks it.
function predictWaves(c, workload, options) {
  const n = c.tasks;
  const conc = concurrency(c);
  const args = ['predict', workload, '--model', 'eventloop', '--tasks', String(n),
    ...(conc < n ? ['--limit', String(conc)] : []), ...options.map(String), '--format', 'json'];
  const r = spawnSync(simulBinary('the prediction'), args, { encoding: 'utf8', timeout: 120000 });
  if (r.status !== 0) throw new Error(`simul predict failed: ${(r.stderr || String(r.error)).split('\n')[0]}`);
  return JSON.parse(r.stdout).predicted_s;
}

module.exports = { startServer, stop, killChildren, predictWaves };
