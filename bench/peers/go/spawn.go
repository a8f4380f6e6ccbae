// SPDX-License-Identifier: MIT
// spawn.go: N empty goroutines made, started and finished (a WaitGroup waits for them): what a goroutine costs (C7).
package main

import (
	"fmt"
	"time"
)

type spawnW struct {
	cpu     int     // pinned to it, or -1
	floorNS float64 // a bare `go f()` and a channel to hear it ran, measured before the run
	ran     []uint8
}

func (w *spawnW) summary() string {
	return "N empty tasks made, started and finished: what a task costs under each model (C7)\n\n" +
		"Each task is a goroutine that marks itself done, started by run's own loop (`go`, a\n" +
		"sync.WaitGroup); spawn_ns is the run's wall time over N. floor_ns: a bare `go f()` and a\n" +
		"receive on a channel it sends to, measured before the run; the prediction is N of those.\n" +
		"--pin puts every thread of the process on one CPU and GOMAXPROCS at 1, as taskset -c would."
}
func (w *spawnW) defaultTasks() int { return 1000 }
func (w *spawnW) options() []option {
	return []option{{"pin", "flag", 0, 0, "run on one CPU (the first this process may use), as taskset -c would", ""}}
}
func (w *spawnW) check(c *config) error {
	if c.limit > 0 {
		return usagef("--limit does not apply to spawn: drop it")
	}
	return nil
}
func (w *spawnW) teardown() {}

// perItem: the least of a few batches' mean time per call of fn, in ns: other programs only add to it.
func perItem(fn func(), k int) float64 {
	best := 0.0
	for try := 0; try < 3; try++ {
		t := time.Now()
		for i := 0; i < k; i++ {
			fn()
		}
		d := float64(time.Since(t).Nanoseconds()) / float64(k)
		if try == 0 || d < best {
			best = d
		}
	}
	return best
}

// offMain: fn on a fresh goroutine. The main goroutine is locked to the main thread (main.go),
// and a locked goroutine that waits hands its thread over through the kernel each time.
func offMain(fn func()) {
	done := make(chan struct{})
	go func() { fn(); close(done) }()
	<-done
}

func (w *spawnW) setup(c *config) error {
	w.cpu = -1
	if c.given["pin"] {
		cpu, err := pinProcess()
		if err != nil {
			return err
		}
		w.cpu = cpu
	}
	w.ran = make([]uint8, c.tasks)
	ch := make(chan struct{})
	offMain(func() { w.floorNS = perItem(func() { go func() { ch <- struct{}{} }(); <-ch }, 20000) })
	return nil
}

func (w *spawnW) task(c *config, i int) error {
	w.ran[i] = 1
	return nil
}

func (w *spawnW) verify(c *config) string {
	for i, r := range w.ran {
		if r != 1 {
			return fmt.Sprintf("task %d did not run", i)
		}
	}
	return ""
}

func (w *spawnW) predict(c *config) float64 { return float64(c.tasks) * w.floorNS / 1e9 }

func (w *spawnW) fields(c *config, m *measure) []field {
	return append(pinned(w.cpu), field{"primitive", "a goroutine", true}, field{"made", fmt.Sprint(c.tasks), false},
		field{"floor_ns", fmt.Sprintf("%.1f", w.floorNS), false},
		field{"spawn_ns", fmt.Sprintf("%.1f", m.wall/float64(c.tasks)*1e9), false})
}
