// SPDX-License-Identifier: MIT
// chess.go: the exhibition of Vexs, “Why asyncio?” (2021), with a goroutine per table: a clone of the master at every board.
package main

// The master's move is real CPU work: an LCG stepped until this thread's CPU clock has run
// the move's length, verified against the LCG's closed form; the opponent's is a
// time.Sleep of whole milliseconds, as simul's. The prediction is simul's own for a thread
// per table, `simul predict chess --model threadpool --workers 0`: clones on the cores.

import (
	"fmt"
	"math"
	"strconv"
	"syscall"
	"time"
)

const lcgA, lcgC = 6364136223846793005, 1442695040888963407 // Knuth's MMIX LCG
const thinkChunk = 8192                                     // steps between looks at the clock: microseconds

type chessW struct {
	pairs          int
	masterS, scale float64
	opponentMS     int64
	pred           map[string]string
	order          []string
	made           []int
	state, steps   []uint64
	waits          [][]float64
	ends           []time.Time
}

func (w *chessW) summary() string {
	return "the chess exhibition of Vexs, “Why asyncio?” (2021; C4), with a goroutine per table: a clone of the master at every board"
}
func (w *chessW) defaultTasks() int { return 24 }
func (w *chessW) options() []option {
	return []option{
		{"opponents", "int", 1, 1000000, "tables, one game each (the tasks)", "24"},
		{"pairs", "int", 1, 1000000, "move pairs per game", "30"},
		{"master-s", "float", 0, 86400, "exhibition seconds the master thinks per move (CPU work)", "5"},
		{"opponent-s", "float", 0, 86400, "exhibition seconds an opponent thinks per move (a wait)", "55"},
		{"scale", "float", 0, 1, "wall seconds per exhibition second", "0.0002"},
	}
}

func (w *chessW) check(c *config) error {
	opp := c.int("opponents")
	if c.tasksGiven && c.tasks != opp {
		return usagef("--tasks %d disagrees with --opponents %d: a task is one game, so give --opponents alone", c.tasks, opp)
	}
	c.tasks = opp
	args := []string{"chess", "--model", "threadpool", "--workers", "0", "--cores", fmt.Sprint(c.cores)}
	if c.limit > 0 {
		args = append(args, "--limit", fmt.Sprint(c.limit))
	}
	for _, o := range []string{"opponents", "pairs", "master-s", "opponent-s", "scale"} {
		args = append(args, "--"+o, c.vals[o])
	}
	var err error
	w.pred, w.order, err = simulPredict(args) // simul's checks too: too short a move is exit 2 here
	return err
}

func (w *chessW) setup(c *config) error {
	w.pairs, w.masterS, w.scale = c.int("pairs"), c.float("master-s"), c.float("scale")
	w.masterS *= w.scale
	w.opponentMS = int64(math.Floor(c.float("opponent-s")*w.scale*1000 + 0.5)) // whole ms, as simul's timers
	n := c.tasks
	w.made, w.state, w.steps = make([]int, n), make([]uint64, n), make([]uint64, n)
	w.waits, w.ends = make([][]float64, n), make([]time.Time, n)
	return nil
}

func (w *chessW) teardown() {}

// think: spin until this thread's CPU clock has advanced by cpu seconds. A goroutine may
// move to another thread between looks: that stretch is not counted (the clocks differ),
// so the move is never short, at most a chunk long.
func think(cpu float64, x uint64) (uint64, uint64) {
	var done float64
	var n uint64
	tid, last := syscall.Gettid(), clockS(clockThreadCPU)
	for done < cpu {
		for k := 0; k < thinkChunk; k++ {
			x = x*lcgA + lcgC
		}
		n += thinkChunk
		t1, now, t2 := syscall.Gettid(), clockS(clockThreadCPU), syscall.Gettid()
		if t1 == tid && t2 == tid {
			done += now - last
		}
		tid, last = t2, now
		if t1 != t2 {
			tid = -1
		}
	}
	return x, n
}

func lcgJump(x, n uint64) uint64 {
	a, c, ja, jc := uint64(lcgA), uint64(lcgC), uint64(1), uint64(0)
	for ; n > 0; n >>= 1 {
		if n&1 == 1 {
			ja, jc = ja*a, jc*a+c
		}
		c, a = (a+1)*c, a*a
	}
	return ja*x + jc
}

func gameSeed(i int) uint64 {
	z := uint64(i) + 0x9e3779b97f4a7c15 // splitmix64, as simul's
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// task: one table's game, the clone waiting at the board while the opponent thinks.
func (w *chessW) task(c *config, i int) error {
	x, wait := gameSeed(i), time.Duration(w.opponentMS)*time.Millisecond
	w.waits[i] = make([]float64, 0, w.pairs)
	for k := 0; k < w.pairs; k++ {
		var n uint64
		x, n = think(w.masterS, x)
		w.steps[i] += n
		t := time.Now()
		time.Sleep(wait)
		d := time.Since(t).Seconds()
		if d < wait.Seconds()-0.001 { // a whole-millisecond timer may round down by one
			return fmt.Errorf("the opponent's move %d at table %d lasted %.3f ms, less than the %d ms asked", k, i, d*1e3, w.opponentMS)
		}
		w.waits[i] = append(w.waits[i], d)
		w.made[i] += 2
	}
	w.state[i], w.ends[i] = x, time.Now()
	return nil
}

func (w *chessW) verify(c *config) string {
	for i := 0; i < c.tasks; i++ {
		if w.made[i] != 2*w.pairs {
			return fmt.Sprintf("table %d played %d moves of %d", i, w.made[i], 2*w.pairs)
		}
		if w.steps[i] == 0 || w.state[i] != lcgJump(gameSeed(i), w.steps[i]) {
			return fmt.Sprintf("table %d: the master's %d steps of thought end in the wrong state", i, w.steps[i])
		}
	}
	return ""
}

func (w *chessW) predict(c *config) float64 {
	v, _ := strconv.ParseFloat(w.pred["predicted_s"], 64)
	return v
}

func (w *chessW) fields(c *config, m *measure) []field {
	var own []field
	after := false
	for _, k := range w.order {
		if after {
			own = append(own, field{k, w.pred[k], k == "story"})
		}
		after = after || k == "gil"
	}
	var end float64
	var all []float64
	for i := range w.ends {
		end = math.Max(end, w.ends[i].Sub(m.t0).Seconds())
		all = append(all, w.waits[i]...)
	}
	late := quantile(all, 0.99) - float64(w.opponentMS)/1000
	return append(own, field{"measured_h", fmt.Sprintf("%.4f", end/w.scale/3600), false},
		field{"opponent_late_p99_ms", fmt.Sprintf("%.3f", late*1e3), false},
		// simul replays its clones' start-up through its own simulation; a peer does not
		field{"started_ms", "0.000", false}, field{"replayed_s", "0.000000", false})
}
