// SPDX-License-Identifier: MIT
// mixed.go: a web handler as a goroutine: one GET from our own simul serve, then CPU work (C9's shape).
package main

import (
	"fmt"
	"math"
)

type mixedW struct {
	f       fetchW  // fetch's client, server and calibration, whole, for one GET a task
	cpuMS   float64 // CPU time after the answer
	took    []float64
	done    []burnt
	elemsMS float64 // this machine's elements per CPU ms, before the run (for the record)
}

func (w *mixedW) summary() string {
	return "each task GETs from our server (--latency-ms) then computes (--cpu-ms): a web handler (C9)\n\n" +
		"A goroutine per task: one GET from our own simul serve (fetch's client and calibration), then\n" +
		"--cpu-ms of CPU time (lag's sum of squares on the goroutine's thread, checked by its closed\n" +
		"form). Predicted with simul's formula for a parallel model: L + N·c + N·C/min(N, cores).\n" +
		"p50_s and max_s: a task's time from its GET to the end of its work."
}
func (w *mixedW) defaultTasks() int { return 20 }
func (w *mixedW) options() []option {
	return []option{
		{"latency-ms", "int", 0, 3600000, "our server's delay before it answers (0: the loopback round trip alone)", "10"},
		{"cpu-ms", "float", 0, 60000, "CPU time spent after the answer (the thread's CPU clock)", "1"},
		{"bytes", "int", 0, 268435456, "the answer's body size", "1024"},
		{"io-timeout-ms", "int", 1, 3600000, "a connect or a read waiting longer fails the task", "30000"},
	}
}

func (w *mixedW) check(c *config) error {
	if v := c.float("cpu-ms"); v > 0 && v < 0.1 {
		return usagef("--cpu-ms %g is below the 0.1 ms of CPU work a run resolves here: give 0 or at least 0.1", v)
	}
	return nil
}

func (w *mixedW) setup(c *config) error {
	w.cpuMS = c.float("cpu-ms")
	fc := *c // fetch's own options for one GET a task from our own server
	fc.vals, fc.given = map[string]string{"requests": "1", "io-timeout-ms": c.vals["io-timeout-ms"],
		"latency-ms": c.vals["latency-ms"], "bytes": c.vals["bytes"]}, map[string]bool{"latency-ms": true, "bytes": true}
	if err := w.f.setup(&fc); err != nil {
		return err
	}
	w.took, w.done = make([]float64, c.tasks), make([]burnt, c.tasks)
	if w.cpuMS > 0 {
		w.elemsMS = float64(burn(20).n) / 20
	}
	return nil
}

func (w *mixedW) task(c *config, i int) error {
	if err := w.f.task(c, i); err != nil {
		return err
	}
	if w.cpuMS > 0 {
		b := burn(w.cpuMS)
		if !b.ok() {
			return fmt.Errorf("the sum of squares over %d elements is %d, not %d", b.n, b.sum, closedForm(b.n))
		}
		w.done[i] = b
	}
	w.took[i] = w.f.took[i][0] + w.done[i].wall
	return nil
}

func (w *mixedW) teardown() { w.f.teardown() }

func (w *mixedW) verify(c *config) string {
	if why := w.f.verify(c); why != "" {
		return why
	}
	for i, b := range w.done {
		if (w.cpuMS > 0) != (b.n > 0) {
			return fmt.Sprintf("task %d summed %d elements for %g ms of CPU work", i, b.n, w.cpuMS)
		}
	}
	return ""
}

// predict: simul's for a model neither serial nor a pool, and parallel (GOMAXPROCS threads).
func (w *mixedW) predict(c *config) float64 {
	n := float64(c.tasks)
	return w.f.latency + n*w.f.cost + n*w.cpuMS/1000/math.Min(n, float64(c.cores))
}

func (w *mixedW) fields(c *config, m *measure) []field {
	top := 0.0
	for _, t := range w.took {
		top = math.Max(top, t)
	}
	f := []field{{"latency_ms", fmt.Sprint(c.int("latency-ms")), false}, {"cpu_ms", ftoa(w.cpuMS), false},
		{"bytes_per_response", fmt.Sprint(c.int("bytes")), false}, {"c_ms", fmt.Sprintf("%.4f", w.f.cost*1000), false}}
	if w.cpuMS > 0 {
		f = append(f, field{"elems_per_cpu_ms", fmt.Sprintf("%.0f", w.elemsMS), false})
	}
	return append(f, field{"p50_s", fmt.Sprintf("%.6f", quantile(w.took, 0.5)), false},
		field{"max_s", fmt.Sprintf("%.6f", top), false})
}
