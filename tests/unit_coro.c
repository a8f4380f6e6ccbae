/* SPDX-License-Identifier: MIT */
/* unit_coro.c: unit tests of the coroutine switch (whichever the build picked) and the stack pool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "coro.h"
#include "stackpool.h"

#include <errno.h>
#include <fenv.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define TSAN 1
#endif

/* TSan makes a fiber per coroutine, at the cost of a thread: fewer lifetimes there. */
#ifdef TSAN
#define LIFETIMES 2000
#else
#define LIFETIMES 100000
#endif

/* Assertions stay on the thread's own stack: cmocka leaves a failed test by longjmp, which
 * must not cross from a coroutine's stack. Coroutines record, the test checks. */

static struct sim_stackpool pool;

static int pool_setup(void **state)
{
	(void)state;
	return sim_stackpool_init(&pool, 64 * 1024);
}

static int pool_teardown(void **state)
{
	(void)state;
	sim_stackpool_fini(&pool);
	return 0;
}

/* ---- switching back and forth ------------------------------------------------------- */

struct pingpong {
	struct sim_coro *main, *co;
	int counter;
	int seen[100];
};

static void pingpong_body(void *arg)
{
	struct pingpong *p = arg;
	for (int i = 0; i < 100; i++) {
		p->seen[i] = p->counter; /* what main set before resuming us */
		p->counter = -i;
		sim_coro_switch(p->co, p->main);
	}
}

static void switch_back_and_forth(void **state)
{
	(void)state;
	struct sim_coro main, co;
	struct pingpong p = { .main = &main, .co = &co };
	sim_coro_thread(&main);
	void *stack = sim_stackpool_get(&pool);
	assert_non_null(stack);
	assert_int_equal(sim_coro_make(&co, stack, pool.stack_size, pingpong_body, &p), 0);
	for (int i = 0; i < 100; i++) {
		p.counter = 1000 + i;
		sim_coro_switch(&main, &co);
		assert_false(co.done);
		assert_int_equal(p.counter, -i);
		assert_int_equal(p.seen[i], 1000 + i);
	}
	sim_coro_switch(&main, &co); /* the body returns: control comes back for good */
	assert_true(co.done);
	sim_coro_destroy(&co);
	sim_stackpool_put(&pool, stack);
}

/* ---- many coroutines, round robin, and a direct switch between two of them ----------- */

#define MANY 1000
#define ROUNDS 10

struct many {
	struct sim_coro main;
	struct sim_coro co[MANY];
	uint32_t log[MANY * ROUNDS];
	uint32_t nlog;
};

struct many_arg {
	struct many *m;
	uint32_t id;
};

static void many_body(void *arg)
{
	struct many_arg *a = arg;
	for (int r = 0; r < ROUNDS; r++) {
		a->m->log[a->m->nlog++] = a->id;
		sim_coro_switch(&a->m->co[a->id], &a->m->main);
	}
}

static void many_coroutines(void **state)
{
	(void)state;
	struct many *m = calloc(1, sizeof *m);
	struct many_arg *args = calloc(MANY, sizeof *args);
	void **stacks = calloc(MANY, sizeof *stacks);
	assert_non_null(m);
	assert_non_null(args);
	assert_non_null(stacks);
	sim_coro_thread(&m->main);
	for (uint32_t i = 0; i < MANY; i++) {
		args[i] = (struct many_arg){ m, i };
		stacks[i] = sim_stackpool_get(&pool);
		assert_non_null(stacks[i]);
		for (uint32_t j = 0; j < i; j += 97)
			assert_ptr_not_equal(stacks[i], stacks[j]);
		assert_int_equal(sim_coro_make(&m->co[i], stacks[i], pool.stack_size, many_body, &args[i]), 0);
	}
	for (int r = 0; r <= ROUNDS; r++)
		for (uint32_t i = 0; i < MANY; i++)
			sim_coro_switch(&m->main, &m->co[i]);
	assert_int_equal(m->nlog, MANY * ROUNDS);
	for (uint32_t k = 0; k < m->nlog; k++)
		assert_int_equal(m->log[k], k % MANY);
	for (uint32_t i = 0; i < MANY; i++) {
		assert_true(m->co[i].done);
		sim_coro_destroy(&m->co[i]);
		sim_stackpool_put(&pool, stacks[i]);
	}
	free(stacks);
	free(args);
	free(m);
}

struct pair {
	struct sim_coro main, a, b;
	char trail[16];
	int n;
};
static struct pair pr;

static void pair_b(void *arg)
{
	(void)arg;
	pr.trail[pr.n++] = 'b';
	sim_coro_switch(&pr.b, &pr.a); /* straight back to a, not through main */
	pr.trail[pr.n++] = 'B';
}                                  /* returns to a: the last to switch in */

static void pair_a(void *arg)
{
	(void)arg;
	pr.trail[pr.n++] = 'a';
	sim_coro_switch(&pr.a, &pr.b);
	pr.trail[pr.n++] = 'a';
	sim_coro_switch(&pr.a, &pr.b);
	pr.trail[pr.n++] = 'A';
	/* b switched in last, and b is done: leave through main explicitly. */
	sim_coro_switch(&pr.a, &pr.main);
	pr.trail[pr.n++] = 'Z';
}

static void switch_between_coroutines(void **state)
{
	(void)state;
	memset(&pr, 0, sizeof pr);
	sim_coro_thread(&pr.main);
	void *sa = sim_stackpool_get(&pool), *sb = sim_stackpool_get(&pool);
	assert_int_equal(sim_coro_make(&pr.a, sa, pool.stack_size, pair_a, NULL), 0);
	assert_int_equal(sim_coro_make(&pr.b, sb, pool.stack_size, pair_b, NULL), 0);
	sim_coro_switch(&pr.main, &pr.a);
	assert_string_equal(pr.trail, "abaBA");
	assert_false(pr.a.done);
	assert_true(pr.b.done);
	sim_coro_switch(&pr.main, &pr.a);
	assert_string_equal(pr.trail, "abaBAZ");
	assert_true(pr.a.done);
	sim_coro_destroy(&pr.a);
	sim_coro_destroy(&pr.b);
	sim_stackpool_put(&pool, sb);
	sim_stackpool_put(&pool, sa);
}

/* ---- what the ABI says a switch keeps: alignment, FP control state ------------------- */

struct abi {
	struct sim_coro main, co;
	uintptr_t misalign;
	char printed[64];
	int round_in_co_before, round_in_co_after;
};
static struct abi abi;

static void __attribute__((noinline)) check_alignment(void)
{
	_Alignas(16) char probe[16];
	uintptr_t p = (uintptr_t)probe;
	__asm__("" : "+r"(p)); /* hide the address: the compiler would fold the test to 0 */
	abi.misalign = p & 15;
	/* printf's float paths use aligned SSE moves on the stack: a bad alignment crashes. */
	snprintf(abi.printed, sizeof abi.printed, "%.3Lf %.2f", (long double)2.5L, 0.25);
}

static void abi_body(void *arg)
{
	(void)arg;
	check_alignment();
	fesetround(FE_UPWARD);
	abi.round_in_co_before = fegetround();
	sim_coro_switch(&abi.co, &abi.main);
	abi.round_in_co_after = fegetround();
	fesetround(FE_TONEAREST);
}

static void abi_state_survives_switches(void **state)
{
	(void)state;
	memset(&abi, 0, sizeof abi);
	abi.misalign = 99;
	sim_coro_thread(&abi.main);
	void *stack = sim_stackpool_get(&pool);
	assert_int_equal(sim_coro_make(&abi.co, stack, pool.stack_size, abi_body, NULL), 0);
	assert_int_equal(fegetround(), FE_TONEAREST);
	sim_coro_switch(&abi.main, &abi.co);
	assert_int_equal(abi.misalign, 0);
	assert_string_equal(abi.printed, "2.500 0.25");
	assert_int_equal(abi.round_in_co_before, FE_UPWARD);
	/* The coroutine's rounding mode stayed with it. */
	assert_int_equal(fegetround(), FE_TONEAREST);
	sim_coro_switch(&abi.main, &abi.co);
	assert_int_equal(abi.round_in_co_after, FE_UPWARD);
	assert_true(abi.co.done);
	assert_int_equal(fegetround(), FE_TONEAREST);
	sim_coro_destroy(&abi.co);
	sim_stackpool_put(&pool, stack);
}

static void too_small_a_stack_is_refused(void **state)
{
	(void)state;
	static char tiny[64];
	struct sim_coro co;
	assert_int_equal(sim_coro_make(&co, tiny, sizeof tiny, pingpong_body, NULL), -EINVAL);
	const char *impl = sim_coro_impl();
	assert_non_null(impl);
	assert_true(strlen(impl) > 3);
}

/* ---- the stack pool ------------------------------------------------------------------ */

static void count_body(void *arg) { (*(uint64_t *)arg)++; }

static void stacks_are_reused(void **state)
{
	(void)state;
	struct sim_stackpool p;
	assert_int_equal(sim_stackpool_init(&p, 16 * 1024 + 1), 0);
	assert_int_equal(p.stack_size % p.page, 0);
	assert_true(p.stack_size >= 16 * 1024 + 1);
	assert_int_equal(sim_stackpool_reserve(&p, 10), 0);
	assert_int_equal(p.stacks, 10);
	assert_int_equal(p.guarded, 10);

	void *a = sim_stackpool_get(&p), *b = sim_stackpool_get(&p);
	assert_ptr_not_equal(a, b);
	memset(a, 0xa5, p.stack_size); /* every byte of a stack is usable */
	memset(b, 0x5a, p.stack_size);
	sim_stackpool_put(&p, a);
	assert_ptr_equal(sim_stackpool_get(&p), a); /* LIFO: the warm one comes back */
	sim_stackpool_put(&p, a);
	sim_stackpool_put(&p, b);

	/* Many coroutine lifetimes, four at a time, on the same four stacks. */
	struct sim_coro main, co[4];
	void *st[4];
	uint64_t ran = 0;
	sim_coro_thread(&main);
	for (int k = 0; k < LIFETIMES / 4; k++) {
		for (int i = 0; i < 4; i++) {
			st[i] = sim_stackpool_get(&p);
			assert_int_equal(sim_coro_make(&co[i], st[i], p.stack_size, count_body, &ran), 0);
		}
		for (int i = 0; i < 4; i++) {
			sim_coro_switch(&main, &co[i]);
			sim_coro_destroy(&co[i]);
			sim_stackpool_put(&p, st[i]);
		}
	}
	assert_int_equal(ran, LIFETIMES);
	assert_int_equal(p.stacks, 10);

	/* Empty, it grows by a slab. */
	void *all[11];
	for (int i = 0; i < 11; i++)
		assert_non_null(all[i] = sim_stackpool_get(&p));
	assert_true(p.stacks > 10);
	for (int i = 0; i < 11; i++)
		sim_stackpool_put(&p, all[i]);
	sim_stackpool_fini(&p);
}

/* A write just below a stack lands on its guard page and kills the process. */
static void guard_page_faults(bool mprotect_guards)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stderr)) /* a sanitizer's report of the SEGV */
			_exit(3);
		signal(SIGSEGV, SIG_DFL); /* cmocka catches it to report a failed test */
		signal(SIGBUS, SIG_DFL);
		if (mprotect_guards)
			sim_stackpool__no_madv_guard();
		struct sim_stackpool p;
		if (sim_stackpool_init(&p, 16 * 1024) < 0 || sim_stackpool_reserve(&p, 3) < 0)
			_exit(4);
		if (p.guarded != 3)
			_exit(5);
		char *s = sim_stackpool_get(&p);
		s = sim_stackpool_get(&p); /* one with a stack below it as well */
		s[0] = 1;                  /* the lowest byte of the stack is fine */
		volatile char *below = s - 1;
		*below = 1;
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st))
		assert_true(WTERMSIG(st) == SIGSEGV || WTERMSIG(st) == SIGBUS);
	else /* ASan and TSan catch the SEGV and exit non-zero; 3-5: the set-up failed */
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) != 0 && (WEXITSTATUS(st) < 3 || WEXITSTATUS(st) > 5));
}

static void guard_pages(void **state)
{
	(void)state;
	guard_page_faults(false);
	guard_page_faults(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(switch_back_and_forth),
		cmocka_unit_test(many_coroutines),
		cmocka_unit_test(switch_between_coroutines),
		cmocka_unit_test(abi_state_survives_switches),
		cmocka_unit_test(too_small_a_stack_is_refused),
		cmocka_unit_test(stacks_are_reused),
		cmocka_unit_test(guard_pages),
	};
	printf("coroutine switch: %s\n", sim_coro_impl());
	return cmocka_run_group_tests(tests, pool_setup, pool_teardown);
}
