// SPDX-License-Identifier: MIT
// sleep.go: the documents' sleepy_function as goroutines: time.Sleep in each, a WaitGroup for them all.
package main

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"time"
)

type sleepW struct {
	ms, rounds int
	predicted  float64 // simul's, asked at set-up
	took       []float64 // every sleep's length, task i's at [i*rounds, (i+1)*rounds)
	done       []int
	live, most atomic.Int64 // tasks in flight now, and at most (as simul's in_flight_max)
}

func (w *sleepW) summary() string {
	return "each task sleeps --ms, --rounds times: pure waiting (C1, C10)"
}
func (w *sleepW) defaultTasks() int { return 3 }
func (w *sleepW) options() []option {
	return []option{{"ms", "int", 0, 86400000, "milliseconds each sleep lasts", "1000"},
		{"rounds", "int", 1, 1000000, "sleeps per task, one after another", "1"}}
}
func (w *sleepW) check(c *config) error { return nil }
func (w *sleepW) teardown()             {}

func (w *sleepW) setup(c *config) error {
	w.ms, w.rounds = c.int("ms"), c.int("rounds")
	w.took, w.done = make([]float64, c.tasks*w.rounds), make([]int, c.tasks)
	var err error
	w.predicted, err = predictWaves(c, "sleep", "--ms", strconv.Itoa(w.ms), "--rounds", strconv.Itoa(w.rounds))
	return err
}

func (w *sleepW) task(c *config, i int) error {
	for n := w.live.Add(1); ; {
		m := w.most.Load()
		if n <= m || w.most.CompareAndSwap(m, n) {
			break
		}
	}
	defer w.live.Add(-1)
	for r := 0; r < w.rounds; r++ {
		t := time.Now()
		time.Sleep(time.Duration(w.ms) * time.Millisecond)
		w.took[i*w.rounds+r] = time.Since(t).Seconds()
		w.done[i]++
	}
	return nil
}

func (w *sleepW) verify(c *config) string {
	least := float64(w.rounds*w.ms)/1000 - 0.001 // every sleep done, none short (1 ms for rounding)
	for i := 0; i < c.tasks; i++ {
		if w.done[i] != w.rounds {
			return fmt.Sprintf("task %d completed %d of %d sleeps", i, w.done[i], w.rounds)
		}
		sum := 0.0
		for _, d := range w.took[i*w.rounds : (i+1)*w.rounds] {
			sum += d
		}
		if sum < least {
			return fmt.Sprintf("task %d slept %.4f s, less than the %.4f s asked", i, sum, least+0.001)
		}
	}
	return ""
}

// predict: the tasks in waves of the run's concurrency (all, or --limit): simul's ceil(N/C)·R·D.
func (w *sleepW) predict(c *config) float64 { return w.predicted }

func (w *sleepW) fields(c *config, m *measure) []field {
	return []field{{"ms", fmt.Sprint(w.ms), false}, {"rounds", fmt.Sprint(w.rounds), false},
		{"sleep_p99_s", fmt.Sprintf("%.6f", quantile(w.took, 0.99)), false},
		{"in_flight_max", fmt.Sprint(w.most.Load()), false}}
}
