/* SPDX-License-Identifier: MIT */
/* coro_x86_64.S: the coroutine switch for x86-64 System V: callee-saved state and the stack pointer. */

/* A switched-out context is its stack pointer; the stack holds, from there upwards:
 *
 *     0  MXCSR (4 bytes), x87 control word (2 bytes), padding
 *     8  r15, r14, r13, r12, rbx, rbp
 *    56  return address
 *
 * The ABI makes exactly these callee-saved (the control bits of MXCSR and the x87 control
 * word included: a coroutine that changes the rounding mode must not change it for the
 * others). The caller-saved registers are already spilled by the C compiler around the
 * call, which is why this costs a dozen moves and no system call, unlike swapcontext,
 * which also saves the signal mask with a sigprocmask(2) each way. */

	.text

/* void sim_coro__switch(void **from, void *to) */
	.globl	sim_coro__switch
	.type	sim_coro__switch, @function
	.p2align 4
sim_coro__switch:
	.cfi_startproc
	pushq	%rbp
	.cfi_adjust_cfa_offset 8
	pushq	%rbx
	.cfi_adjust_cfa_offset 8
	pushq	%r12
	.cfi_adjust_cfa_offset 8
	pushq	%r13
	.cfi_adjust_cfa_offset 8
	pushq	%r14
	.cfi_adjust_cfa_offset 8
	pushq	%r15
	.cfi_adjust_cfa_offset 8
	subq	$8, %rsp
	.cfi_adjust_cfa_offset 8
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)
	movq	%rsp, (%rdi)
	/* From here on we are on the other stack. */
	movq	%rsi, %rsp
	ldmxcsr	(%rsp)
	fldcw	4(%rsp)
	addq	$8, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.cfi_endproc
	.size	sim_coro__switch, .-sim_coro__switch

/* The first return of a new context lands here, with entry in r13 and its argument in r12.
 * rsp is 16-byte aligned at the call, as the ABI wants. entry never returns. */
	.type	coro_trampoline, @function
	.p2align 4
coro_trampoline:
	.cfi_startproc
	.cfi_undefined rip /* the bottom frame: debuggers and unwinders stop here */
	movq	%r12, %rdi
	callq	*%r13
	ud2
	.cfi_endproc
	.size	coro_trampoline, .-coro_trampoline

/* void *sim_coro__make(void *stack, size_t size, void (*entry)(void *), void *arg)
 * Lays out the frame sim_coro__switch pops, at the 16-byte aligned top of the stack. */
	.globl	sim_coro__make
	.type	sim_coro__make, @function
	.p2align 4
sim_coro__make:
	.cfi_startproc
	xorl	%eax, %eax
	cmpq	$256, %rsi /* room for the frame and a little more: refuse less */
	jb	1f
	leaq	(%rdi,%rsi), %rax
	andq	$-16, %rax
	subq	$80, %rax
	/* The new context starts with the creator's FP control state, as a thread would. */
	stmxcsr	(%rax)
	fnstcw	4(%rax)
	movw	$0, 6(%rax)   /* padding: no stale stack bytes */
	movq	$0, 8(%rax)   /* r15 */
	movq	$0, 16(%rax)  /* r14 */
	movq	%rdx, 24(%rax) /* r13: entry */
	movq	%rcx, 32(%rax) /* r12: arg */
	movq	$0, 40(%rax)  /* rbx */
	movq	$0, 48(%rax)  /* rbp: the end of the frame-pointer chain */
	leaq	coro_trampoline(%rip), %rdx
	movq	%rdx, 56(%rax) /* return address */
	movq	$0, 64(%rax)  /* a null return address above the trampoline's frame */
	movq	$0, 72(%rax)
1:	ret
	.cfi_endproc
	.size	sim_coro__make, .-sim_coro__make

/* void *sim_coro__thread_ctx(void): the stack pointer is saved in the coroutine struct. */
	.globl	sim_coro__thread_ctx
	.type	sim_coro__thread_ctx, @function
	.p2align 4
sim_coro__thread_ctx:
	xorl	%eax, %eax
	ret
	.size	sim_coro__thread_ctx, .-sim_coro__thread_ctx

/* void *sim_coro__sp(const void *ctx): a context is its stack pointer. */
	.globl	sim_coro__sp
	.type	sim_coro__sp, @function
	.p2align 4
sim_coro__sp:
	movq	%rdi, %rax
	ret
	.size	sim_coro__sp, .-sim_coro__sp

/* const char *sim_coro_impl(void) */
	.globl	sim_coro_impl
	.type	sim_coro_impl, @function
	.p2align 4
sim_coro_impl:
	leaq	impl_name(%rip), %rax
	ret
	.size	sim_coro_impl, .-sim_coro_impl

	.section .rodata.str1.1, "aMS", @progbits, 1
impl_name:
	.string	"x86-64 assembly (callee-saved registers, MXCSR and x87 control word; no system call)"

	.section .note.GNU-stack, "", @progbits
