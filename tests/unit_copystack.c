/* SPDX-License-Identifier: MIT */
/* unit_copystack.c: the copied run stack: deep frames survive switches, many interleave, and ASan catches what points into a suspended one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "copystack.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(ASAN)
#define ASAN 1
#endif

/* Coroutines record, the tests assert on the thread's own stack (cmocka leaves a failed
 * test by longjmp, which must not start on a coroutine's stack). */

#define STACK (64u * 1024u)

/* ---- deep frames, many coroutines, interleaved ---------------------------------------- */

#define COROS 40
#define YIELDS 6

struct deep {
	struct sim_copystack *cs;
	struct sim_coro *main, *co;
	uint32_t id, depth;
	uint32_t bad;          /* bytes of its frames that changed across the switches */
	uint32_t saved_at_bottom;
};

static unsigned char pattern(uint32_t id, uint32_t level, size_t k) { return (unsigned char)(id * 31 + level * 7 + k); }

/* Opaque to the compiler: the buffers must be real memory on the stack (ASan puts redzones
 * around them), not registers. */
static void __attribute__((noinline)) fill(volatile unsigned char *b, size_t n, uint32_t id, uint32_t level)
{
	for (size_t k = 0; k < n; k++)
		b[k] = pattern(id, level, k);
}

static uint32_t __attribute__((noinline)) check(const volatile unsigned char *b, size_t n, uint32_t id, uint32_t level)
{
	uint32_t bad = 0;
	for (size_t k = 0; k < n; k++)
		bad += b[k] != pattern(id, level, k);
	return bad;
}

static void __attribute__((noinline)) descend(struct deep *d, uint32_t level)
{
	/* Frames of different sizes per coroutine: each one's locals and redzones lie where
	 * another's were, so a copy or a shadow restored wrong shows. */
	volatile unsigned char buf[48 + (level * 13 + d->id * 5) % 200];
	const volatile unsigned char *self = buf; /* a pointer into its own stack: fine, it comes back */
	fill(buf, sizeof buf, d->id, level);
	if (level + 1 < d->depth) {
		descend(d, level + 1);
	} else {
		for (int y = 0; y < YIELDS; y++)
			sim_coro_switch(d->co, d->main);
		d->saved_at_bottom = d->co->saved_len;
	}
	d->bad += check(self, sizeof buf, d->id, level);
}

static void deep_body(void *arg)
{
	struct deep *d = arg;
	descend(d, 0);
}

static void deep_frames_survive_interleaved(void **state)
{
	(void)state;
	struct sim_copystack cs;
	assert_int_equal(sim_copystack_init(&cs, STACK), 0);
	struct sim_coro main, co[COROS];
	struct deep d[COROS];
	sim_coro_thread(&main);
	for (uint32_t i = 0; i < COROS; i++) {
		d[i] = (struct deep){ .cs = &cs, .main = &main, .co = &co[i], .id = i, .depth = 1 + (i * 7) % 37 };
		assert_int_equal(sim_copystack_make(&cs, &co[i], deep_body, &d[i]), 0);
	}
	/* Round robin, every coroutine one step at a time, and some out of turn. */
	for (int r = 0; r <= YIELDS; r++)
		for (uint32_t k = 0; k < COROS; k++) {
			uint32_t i = (k * 17 + (uint32_t)r) % COROS;
			if (!co[i].done)
				assert_int_equal(sim_copystack_run(&cs, &main, &co[i]), 0);
		}
	size_t least = SIZE_MAX, most = 0;
	for (uint32_t i = 0; i < COROS; i++) {
		assert_true(co[i].done);
		assert_int_equal(d[i].bad, 0);
		assert_null(co[i].saved); /* a finished coroutine's buffer is freed */
		if (d[i].saved_at_bottom < least)
			least = d[i].saved_at_bottom;
		if (d[i].saved_at_bottom > most)
			most = d[i].saved_at_bottom;
		sim_coro_destroy(&co[i]);
	}
	printf("  frames saved at the deepest switch: %zu to %zu bytes; the most at once %zu\n", least, most,
	       cs.saved_max);
	assert_true(most > 4 * least); /* really different depths */
	assert_true(most < STACK);
	sim_copystack_fini(&cs);
}

/* ---- a hand-off from one coroutine to another goes through the loop's context --------- */

struct hand {
	struct sim_copystack cs;
	struct sim_coro main, a, b;
	char trail[16];
	int n;
};
static struct hand hd;

static void hand_b(void *arg)
{
	(void)arg;
	volatile int mine = 42;
	hd.trail[hd.n++] = 'b';
	sim_copystack_handoff(&hd.cs, &hd.b, &hd.a);
	hd.trail[hd.n++] = mine == 42 ? 'B' : '!';
}

static void hand_a(void *arg)
{
	(void)arg;
	volatile int mine = 7;
	hd.trail[hd.n++] = 'a';
	sim_copystack_handoff(&hd.cs, &hd.a, &hd.b);
	hd.trail[hd.n++] = mine == 7 ? 'a' : '!';
	sim_copystack_handoff(&hd.cs, &hd.a, &hd.b); /* b finishes: back to main */
	hd.trail[hd.n++] = mine == 7 ? 'A' : '!';
}

/* On one run stack every hand-off goes through main, which copies; on two, a hand-off to a
 * coroutine whose frames are in place on the other switches straight there. */
static void handoff_on(uint32_t stacks)
{
	memset(&hd, 0, sizeof hd);
	assert_int_equal(sim_copystack_init_n(&hd.cs, STACK, stacks), 0);
	sim_coro_thread(&hd.main);
	assert_int_equal(sim_copystack_make(&hd.cs, &hd.a, hand_a, NULL), 0);
	assert_int_equal(sim_copystack_make(&hd.cs, &hd.b, hand_b, NULL), 0);
	assert_int_equal(sim_copystack_run(&hd.cs, &hd.main, &hd.a), 0);
	assert_string_equal(hd.trail, "abaB");
	assert_ptr_equal(hd.cs.current, &hd.b);
	assert_true(hd.b.done);
	assert_false(hd.a.done);
	assert_int_equal(sim_copystack_run(&hd.cs, &hd.main, &hd.a), 0);
	assert_string_equal(hd.trail, "abaBA");
	assert_true(hd.a.done);
	sim_coro_destroy(&hd.a);
	sim_coro_destroy(&hd.b);
	sim_copystack_fini(&hd.cs);
}

static void handoff_goes_through_the_loop(void **state)
{
	(void)state;
	handoff_on(1);
	if (SIM_COPYSTACKS > 1)
		handoff_on(SIM_COPYSTACKS);
}

/* ---- what must not work: said loudly, in a child ---------------------------------------- */

/* Run fn in a child; its exit status and what it wrote to stderr. */
static int in_child(void (*fn)(void), char *msg, size_t n)
{
	int fds[2];
	if (pipe(fds) < 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		signal(SIGABRT, SIG_DFL); /* cmocka catches it to report a failed test */
		signal(SIGSEGV, SIG_DFL);
		fn();
		_exit(0);
	}
	close(fds[1]);
	size_t got = 0;
	ssize_t r;
	while (got < n - 1 && (r = read(fds[0], msg + got, n - 1 - got)) > 0)
		got += (size_t)r;
	msg[got] = 0;
	close(fds[0]);
	int st = 0;
	waitpid(pid, &st, 0);
	return st;
}

static struct sim_copystack bad_cs;
static struct sim_coro bad_main, bad_a, bad_b;

static void direct_b(void *arg) { (void)arg; }
static void direct_a(void *arg)
{
	(void)arg;
	sim_coro_switch(&bad_a, &bad_b); /* wrong: b's frames would land on a's */
}

static void direct_switch(void)
{
	sim_copystack_init_n(&bad_cs, STACK, 1); /* both on one run stack */
	sim_coro_thread(&bad_main);
	sim_copystack_make(&bad_cs, &bad_a, direct_a, NULL);
	sim_copystack_make(&bad_cs, &bad_b, direct_b, NULL);
	sim_copystack_run(&bad_cs, &bad_main, &bad_a);
}

static void direct_switch_is_refused(void **state)
{
	(void)state;
	char msg[4096];
	int st = in_child(direct_switch, msg, sizeof msg);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	assert_non_null(strstr(msg, "direct switch between two coroutines on one copied run stack"));
}

/* ---- ASan: nothing may point into a suspended coroutine's stack ------------------------ */

/* A libuv timer whose handle lives on the coroutine's own stack (on_stack) or on the heap;
 * the coroutine waits for it as the event loop's sim_sleep does. */
static struct {
	uv_loop_t loop;
	struct sim_copystack cs;
	struct sim_coro main, co;
	bool on_stack;
	int fired;
} tw;

static void tw_fired(uv_timer_t *t)
{
	int *fired = t->data; /* a handle on the suspended stack: ASan reports this read */
	(*fired)++;
	sim_copystack_run(&tw.cs, &tw.main, &tw.co);
}

static void tw_closed(uv_handle_t *h)
{
	if (!tw.on_stack)
		free(h);
}

static void tw_body(void *arg)
{
	(void)arg;
	uv_timer_t mine, *t = tw.on_stack ? &mine : malloc(sizeof *t);
	uv_timer_init(&tw.loop, t);
	t->data = &tw.fired;
	uv_timer_start(t, tw_fired, 1, 0);
	sim_coro_switch(&tw.co, &tw.main); /* the wait: the loop resumes us from the callback */
	uv_close((uv_handle_t *)t, tw_closed);
	if (tw.on_stack)
		sim_coro_switch(&tw.co, &tw.main); /* the handle must outlive the close */
}

static void timer_wait(bool on_stack)
{
	memset(&tw, 0, sizeof tw);
	tw.on_stack = on_stack;
	uv_loop_init(&tw.loop);
	sim_copystack_init(&tw.cs, STACK);
	sim_coro_thread(&tw.main);
	sim_copystack_make(&tw.cs, &tw.co, tw_body, NULL);
	sim_copystack_run(&tw.cs, &tw.main, &tw.co);
	uv_run(&tw.loop, UV_RUN_DEFAULT);
	if (tw.fired != 1 || uv_loop_close(&tw.loop) != 0 || !tw.co.done)
		_exit(5);
	sim_coro_destroy(&tw.co);
	sim_copystack_fini(&tw.cs);
}

static void timer_on_stack(void) { timer_wait(true); }
static void timer_on_heap(void) { timer_wait(false); }

/* A plain pointer to a local, kept while the coroutine is switched out and read from the
 * loop's context. */
static volatile int *kept;
static struct sim_coro kp_main, kp_co;
static struct sim_copystack kp_cs;

static void kp_body(void *arg)
{
	(void)arg;
	volatile int local = 5;
	kept = &local;
	sim_coro_switch(&kp_co, &kp_main);
}

static void pointer_kept(void)
{
	sim_copystack_init(&kp_cs, STACK);
	sim_coro_thread(&kp_main);
	sim_copystack_make(&kp_cs, &kp_co, kp_body, NULL);
	sim_copystack_run(&kp_cs, &kp_main, &kp_co);
	if (*kept == 5) /* ASan reports this read */
		_exit(6);
	_exit(7);
}

/* An overflow of a local array after the switch back: its redzone came back with it. */
static volatile size_t past = 16;
static void __attribute__((noinline)) poke(volatile char *a, size_t i) { a[i] = 1; }

static void rz_body(void *arg)
{
	(void)arg;
	volatile char small[16];
	poke(small, 0);
	sim_coro_switch(&kp_co, &kp_main);
	poke(small, past); /* one past the end: ASan reports it */
}

static void redzone_after_switch(void)
{
	sim_copystack_init(&kp_cs, STACK);
	sim_coro_thread(&kp_main);
	struct sim_coro other;
	sim_copystack_make(&kp_cs, &kp_co, rz_body, NULL);
	sim_copystack_run(&kp_cs, &kp_main, &kp_co);
	/* Another coroutine runs where its frames were, and switches out too. */
	sim_copystack_make(&kp_cs, &other, kp_body, NULL);
	sim_copystack_run(&kp_cs, &kp_main, &other);
	sim_copystack_run(&kp_cs, &kp_main, &kp_co);
	_exit(8);
}

static void asan_catches_pointers_into_a_suspended_stack(void **state)
{
	(void)state;
#ifndef ASAN
	skip(); /* without ASan these would corrupt memory silently: what the ASan build is for */
#endif
	char msg[8192];
	int st = in_child(timer_on_heap, msg, sizeof msg);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0); /* the right way: no report */
	assert_null(strstr(msg, "AddressSanitizer"));

	st = in_child(timer_on_stack, msg, sizeof msg);
	printf("  a uv_timer_t on a suspended coroutine's stack: %.*s\n", (int)strcspn(strstr(msg, "ERROR") ? strstr(msg, "ERROR") : msg, "\n"),
	       strstr(msg, "ERROR") ? strstr(msg, "ERROR") : msg);
	assert_false(WIFEXITED(st) && (WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 5));
	assert_non_null(strstr(msg, "AddressSanitizer: use-after-poison"));
	assert_non_null(strstr(msg, "tw_fired"));

	st = in_child(pointer_kept, msg, sizeof msg);
	assert_false(WIFEXITED(st) && (WEXITSTATUS(st) == 6 || WEXITSTATUS(st) == 7));
	assert_non_null(strstr(msg, "AddressSanitizer: use-after-poison"));

	st = in_child(redzone_after_switch, msg, sizeof msg);
	assert_false(WIFEXITED(st) && WEXITSTATUS(st) == 8);
	assert_non_null(strstr(msg, "AddressSanitizer: stack-buffer-overflow"));
	assert_non_null(strstr(msg, "rz_body"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(deep_frames_survive_interleaved),
		cmocka_unit_test(handoff_goes_through_the_loop),
		cmocka_unit_test(direct_switch_is_refused),
		cmocka_unit_test(asan_catches_pointers_into_a_suspended_stack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
