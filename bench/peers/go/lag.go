// SPDX-License-Identifier: MIT
// lag.go: a ticker goroutine notes how late it wakes while the others make a blocking CPU call (C6).
package main

import (
	"fmt"
	"math"
	"runtime"
	"time"
)

// Go's scheduler preempts a goroutine that has run 10 ms while another waits for its P
// (sysmon's forcePreemptNS; asynchronously, by a signal, since Go 1.14).
const preemptMS = 10

type lagW struct {
	tickMS, restMS int
	blockMS, durS  float64
	late           []float64 // the ticker's wakes, how much later than the tick, ms
	blocks         [][]burnt // each blocker's calls
	rounds         []int     // each blocker's rounds (a block and a rest)
}

func (w *lagW) summary() string {
	return "a ticker notes how late it wakes while the other tasks block on CPU work (C6)\n\n" +
		"--tasks counts every goroutine: task 0 ticks (time.Sleep(T), how much later than T it woke),\n" +
		"tasks 1..N-1 make a blocking call (a sum of squares until the goroutine's thread has spent B ms\n" +
		"of CPU time, checked against the closed form), then time.Sleep(R), until D seconds are over.\n" +
		"No call yields, yet the ticker is not blocked: GOMAXPROCS threads run the goroutines, and the\n" +
		"scheduler preempts one that has run 10 ms while another waits (--gomaxprocs 1 shows that alone)."
}
func (w *lagW) defaultTasks() int { return 2 }
func (w *lagW) options() []option {
	return []option{
		{"tick-ms", "int", 1, 60000, "the ticker (task 0) sleeps T ms at a time and notes how late it woke", "10"},
		{"block-ms", "float", 0, 600000, "each other task computes B ms of CPU time ...", "100"},
		{"rest-ms", "int", 0, 600000, "... then sleeps R ms, and again, until the duration is over", "50"},
		{"duration-s", "float", 0.01, 3600, "how long the ticker ticks and the others block", "2"},
	}
}

func (w *lagW) check(c *config) error {
	if c.tasks < 2 {
		return usagef("lag needs --tasks 2 or more: task 0 ticks, the others block")
	}
	if c.limit > 0 {
		return usagef("--limit does not apply to lag: every task runs for the whole duration; drop it")
	}
	if b := c.float("block-ms"); b > 0 && b < 0.1 {
		return usagef("--block-ms %g is below the 0.1 ms of CPU time a block resolves here: give 0 or at least 0.1", b)
	}
	if float64(c.int("tick-ms"))/1000 > c.float("duration-s") {
		return usagef("--tick-ms %d is longer than --duration-s %g: the ticker would never wake in time; give a "+
			"shorter tick or a longer duration", c.int("tick-ms"), c.float("duration-s"))
	}
	return nil
}
func (w *lagW) teardown() {}

func (w *lagW) setup(c *config) error {
	w.tickMS, w.restMS, w.blockMS, w.durS = c.int("tick-ms"), c.int("rest-ms"), c.float("block-ms"), c.float("duration-s")
	w.blocks, w.rounds = make([][]burnt, c.tasks), make([]int, c.tasks)
	return nil
}

func (w *lagW) task(c *config, i int) error {
	dur := time.Duration(w.durS * float64(time.Second))
	t0 := time.Now()
	if i == 0 {
		tick := time.Duration(w.tickMS) * time.Millisecond
		for time.Since(t0) < dur {
			t := time.Now()
			time.Sleep(tick)
			w.late = append(w.late, math.Max(0, (time.Since(t)-tick).Seconds()*1000))
		}
		return nil
	}
	for time.Since(t0) < dur {
		if w.blockMS > 0 {
			b := burn(w.blockMS) // no yield in it: only the scheduler's preemption lets another in
			if !b.ok() {
				return fmt.Errorf("block %d: the sum of squares over %d elements is %d, not %d", w.rounds[i], b.n,
					b.sum, closedForm(b.n))
			}
			w.blocks[i] = append(w.blocks[i], b)
		}
		w.rounds[i]++
		time.Sleep(time.Duration(w.restMS) * time.Millisecond)
	}
	return nil
}

func (w *lagW) verify(c *config) string {
	if len(w.late) == 0 {
		return "the ticker never woke"
	}
	for i := 1; i < c.tasks; i++ {
		if w.rounds[i] == 0 || (w.blockMS > 0 && len(w.blocks[i]) == 0) {
			return fmt.Sprintf("task %d never blocked", i)
		}
	}
	return ""
}

// predict: the duration, and a block begun just before its end, as simul's for a task each.
func (w *lagW) predict(c *config) float64 { return w.durS + w.blockMS/1000 }

// latePredMS: the worst lateness expected. With a P free for the ticker (more than the
// blockers), the timer's own millisecond; with every P busy blocking, the ticker waits for
// the scheduler to preempt a blocker: 10 ms of its run, seen by sysmon, which looks up to
// 10 ms apart when nothing else happens; and the millisecond.
func (w *lagW) latePredMS(c *config) float64 {
	if runtime.GOMAXPROCS(0) > c.tasks-1 || w.blockMS <= preemptMS {
		return 1
	}
	return 2*preemptMS + 1
}

func (w *lagW) fields(c *config, m *measure) []field {
	var n int
	var sum, top float64
	for _, bs := range w.blocks {
		for _, b := range bs {
			n, sum, top = n+1, sum+b.wall*1000, math.Max(top, b.wall*1000)
		}
	}
	rounds := 0
	for _, r := range w.rounds {
		rounds += r
	}
	mean := 0.0
	if n > 0 {
		mean = sum / float64(n)
	}
	worst := 0.0
	for _, l := range w.late {
		worst = math.Max(worst, l)
	}
	f3 := func(v float64) string { return fmt.Sprintf("%.3f", v) }
	return []field{{"tick_ms", fmt.Sprint(w.tickMS), false}, {"block_ms", ftoa(w.blockMS), false},
		{"rest_ms", fmt.Sprint(w.restMS), false}, {"duration_s", ftoa(w.durS), false},
		{"blockers", fmt.Sprint(c.tasks - 1), false}, {"late_max_pred_ms", ftoa(w.latePredMS(c)), false},
		{"ticks", fmt.Sprint(len(w.late)), false}, {"late_p50_ms", f3(quantile(w.late, 0.5)), false},
		{"late_p99_ms", f3(quantile(w.late, 0.99)), false}, {"late_max_ms", f3(worst), false},
		{"blocks", fmt.Sprint(rounds), false}, {"block_mean_ms", f3(mean), false}, {"block_max_ms", f3(top), false}}
}
