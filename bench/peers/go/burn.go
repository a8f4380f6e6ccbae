// SPDX-License-Identifier: MIT
// burn.go: CPU work bounded by the goroutine's own thread's CPU clock, as simul's burn.c; verified by the closed form.
package main

import (
	"runtime"
	"time"
)

// Elements between two reads of the thread's CPU clock: some 10 µs of work, as burn.c's chunk.
const burnChunk = 16384

type burnt struct {
	n, sum uint64  // elements summed ([0, n)) and their sum of squares, modulo 2^64
	wall   float64 // how long the call lasted by the monotonic clock, seconds
}

func (b burnt) ok() bool { return b.n > 0 && b.sum == closedForm(b.n) }

// burn: sum i*i until this goroutine has spent ms of CPU time. The goroutine is locked to its
// thread for the call, so that the thread's CPU clock counts its work and only its work: a
// goroutine the scheduler moved to another thread would read another clock. Time spent
// preempted (another goroutine on the thread's P, or no core) does not count as work, as in
// simul; the CPU clock and not a calibrated count, because this machine's speed drifts.
//
// The CPU clock is a system call, and a goroutine that makes one every few microseconds is
// never preempted (with GOMAXPROCS 1 a ticker beside it waited out whole 100 ms blocks): the
// preemption signal lands in the call, no safe point. So it is read only when it could have
// reached the target: a thread's CPU time never runs ahead of the wall clock (vDSO, no call).
func burn(ms float64) burnt {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	need := ms / 1000
	w0, c0 := time.Now(), clockS(clockThreadCPU)
	var b burnt
	for next := need; ; {
		b.sum += squares(b.n, b.n+burnChunk)
		b.n += burnChunk
		if el := time.Since(w0).Seconds(); el >= next {
			used := clockS(clockThreadCPU) - c0
			if used >= need {
				break
			}
			next = el + need - used
		}
	}
	b.wall = time.Since(w0).Seconds()
	return b
}
