// SPDX-License-Identifier: MIT
// sumsq.go: the documents' sum(i*i for i in range(n)) split over goroutines, in uint64 as simul's C.
package main

import (
	"fmt"
	"math/bits"
	"sort"
	"time"
)

type sumsqW struct {
	n        uint64
	sums     []uint64
	counts   []uint64
	sPerElem float64 // one core's speed, calibrated before the timed region
}

func (w *sumsqW) summary() string {
	return "sum of i*i over --n elements split over the tasks: pure CPU (C5)"
}
func (w *sumsqW) defaultTasks() int { return 2 }
func (w *sumsqW) options() []option {
	return []option{{"n", "int", 1, 1e15, "elements: the sum of i*i for i in [0, n)", "10000000"}}
}
func (w *sumsqW) check(c *config) error { return nil }
func (w *sumsqW) teardown()             {}

// squares wraps modulo 2^64, as C's unsigned arithmetic; Go neither folds nor vectorises
// the loop, and its result is verified, so the work is done.
func squares(a, b uint64) uint64 {
	var s uint64
	for i := a; i < b; i++ {
		s += i * i
	}
	return s
}

// closedForm: sum of i*i for i in [0, n) modulo 2^64, the 2 and the 3 divided out first.
func closedForm(n uint64) uint64 {
	if n < 2 {
		return 0
	}
	a, b, c := n-1, n, 2*n-1
	if a%2 == 0 {
		a /= 2
	} else {
		b /= 2
	}
	if a%3 == 0 {
		a /= 3
	} else if b%3 == 0 {
		b /= 3
	} else {
		c /= 3
	}
	return a * b * c
}

// share: task i's elements, [i·n/N, (i+1)·n/N), in 128 bits so n·i cannot overflow.
func (w *sumsqW) share(c *config, i int) (uint64, uint64) {
	at := func(k int) uint64 {
		hi, lo := bits.Mul64(w.n, uint64(k))
		q, _ := bits.Div64(hi, lo, uint64(c.tasks))
		return q
	}
	return at(i), at(i + 1)
}

func (w *sumsqW) setup(c *config) error {
	w.n = uint64(c.int("n"))
	w.sums, w.counts = make([]uint64, c.tasks), make([]uint64, c.tasks)
	// The median of nine runs of 2^21 elements, about as simul calibrates its C loop.
	const elems = 1 << 21
	d := make([]float64, 9)
	for k := range d {
		t := time.Now()
		sink += squares(w.n/2, w.n/2+elems)
		d[k] = time.Since(t).Seconds()
	}
	sort.Float64s(d)
	w.sPerElem = d[4] / elems
	return nil
}

var sink uint64 // the calibration's sums, kept so the compiler cannot drop them

func (w *sumsqW) task(c *config, i int) error {
	a, b := w.share(c, i)
	w.sums[i], w.counts[i] = squares(a, b), b-a
	return nil
}

func (w *sumsqW) total() (uint64, uint64) {
	var s, e uint64
	for i := range w.sums {
		s += w.sums[i]
		e += w.counts[i]
	}
	return s, e
}

func (w *sumsqW) verify(c *config) string {
	s, e := w.total()
	if e != w.n || s != closedForm(w.n) {
		return fmt.Sprintf("sum of squares over %d elements is %d, the closed form says %d", e, s, closedForm(w.n))
	}
	return ""
}

// predict: n elements at one core's speed over the goroutines that can run at once, at
// most the cores (GOMAXPROCS); uneven shares are ignored, so it is a floor, as simul's.
func (w *sumsqW) predict(c *config) float64 {
	par := c.concurrency()
	if par > c.cores {
		par = c.cores
	}
	return float64(w.n) * w.sPerElem / float64(par)
}

func (w *sumsqW) fields(c *config, m *measure) []field {
	s, _ := w.total()
	return []field{{"n", fmt.Sprint(w.n), false}, {"ns_per_elem", fmt.Sprintf("%.4f", w.sPerElem*1e9), false},
		{"sum", fmt.Sprint(s), false}}
}
