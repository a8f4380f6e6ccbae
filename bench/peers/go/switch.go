// SPDX-License-Identifier: MIT
// switch.go: two goroutines hand a token back and forth through unbuffered channels: what a switch costs (C8).
package main

import (
	"fmt"
	"runtime"
	"time"
)

type switchW struct {
	rounds  int
	cpu     int
	floorNS float64 // a turn of the scheduler with no one else to run (runtime.Gosched), before the run
	ping    chan int
	pong    chan int
	got     [2]int // tokens each task received
	token   int    // the token as task 0 last got it back
	took    float64
}

func (w *switchW) summary() string {
	return "two tasks hand a token back and forth: what a switch costs under each model (C8)\n\n" +
		"Task 0 sends the token (a count each side raises by one) to task 1 on an unbuffered channel\n" +
		"and waits for it back on another, --rounds times; the first round is not timed; switch_ns is\n" +
		"per one-way hand-off. The receiver becomes the sender's next goroutine, so the Go scheduler\n" +
		"switches in user space. floor_ns: runtime.Gosched() with no one else to run. --pin: one CPU\n" +
		"and GOMAXPROCS 1, as taskset -c would."
}
func (w *switchW) defaultTasks() int { return 2 }
func (w *switchW) options() []option {
	return []option{
		{"rounds", "int", 2, 100000000, "round trips: task 0 passes the token to task 1 and waits for it back " +
			"(the first is not timed)", "10000"},
		{"direct", "flag", 0, 0, "simul's eventloop only: refused here (a goroutine hands over through the scheduler)", ""},
		{"pin", "flag", 0, 0, "run on one CPU (the first this process may use), as taskset -c would", ""},
	}
}

func (w *switchW) check(c *config) error {
	if c.tasksGiven && c.tasks != 2 {
		return usagef("--tasks %d: the token goes between two tasks: give --tasks 2 or leave it out", c.tasks)
	}
	if c.given["direct"] {
		return usagef("--direct is simul's switch straight to a coroutine; a goroutine always hands over " +
			"through the Go scheduler: drop it")
	}
	if c.limit > 0 {
		return usagef("--limit does not apply to switch: drop it")
	}
	return nil
}
func (w *switchW) teardown() {}

func (w *switchW) setup(c *config) error {
	w.rounds, w.cpu = c.int("rounds"), -1
	if c.given["pin"] {
		cpu, err := pinProcess()
		if err != nil {
			return err
		}
		w.cpu = cpu
	}
	w.ping, w.pong = make(chan int), make(chan int)
	offMain(func() { w.floorNS = perItem(runtime.Gosched, 20000) })
	return nil
}

func (w *switchW) task(c *config, i int) error {
	if i == 1 {
		for r := 0; r < w.rounds; r++ {
			v := <-w.ping
			w.got[1]++
			w.pong <- v + 1
		}
		return nil
	}
	var t0 time.Time
	for r := 0; r < w.rounds; r++ {
		if r == 1 {
			t0 = time.Now()
		}
		w.ping <- w.token + 1
		w.token = <-w.pong
		w.got[0]++
	}
	w.took = time.Since(t0).Seconds()
	return nil
}

func (w *switchW) verify(c *config) string {
	for i, n := range w.got {
		if n != w.rounds {
			return fmt.Sprintf("task %d received the token %d times of %d", i, n, w.rounds)
		}
	}
	if w.token != 2*w.rounds {
		return fmt.Sprintf("the token came back at %d after %d round trips, not %d", w.token, w.rounds, 2*w.rounds)
	}
	if w.took <= 0 {
		return "the rounds took no time at all: the clock did not move"
	}
	return ""
}

func (w *switchW) predict(c *config) float64 { return 2 * float64(w.rounds) * w.floorNS / 1e9 }

func (w *switchW) fields(c *config, m *measure) []field {
	f := []field{{"rounds", fmt.Sprint(w.rounds), false}, {"primitive", "a goroutine", true},
		{"via", "unbuffered chan", true}}
	return append(append(f, pinned(w.cpu)...), field{"floor_ns", fmt.Sprintf("%.2f", w.floorNS), false},
		field{"switch_ns", fmt.Sprintf("%.2f", w.took/float64(2*(w.rounds-1))*1e9), false})
}
