/* prog-unwind-unit.c -- the shim's stack walker (src/shim/unwind.c, linked
 * in directly) against an independent one: glibc's backtrace(), which is
 * libgcc's DWARF unwinder.  Both must give the same return addresses:
 *   - deep recursion (a walk from uw_here, as blocking.c does);
 *   - inside qsort's comparison callback (frames of libc's own);
 *   - from a signal handler's ucontext, as the sampling handler does, with
 *     the interrupted code in the recursion;
 *   - from inside a signal handler through the kernel's signal frame
 *     (glibc's __restore_rt, described by CFI expressions);
 *   - from a handler running on a sigaltstack;
 *   - the second walk of the same stack (the row cache) equal to the first.
 * Prints one "ok NAME FRAMES" line per case; exits 1 at the first mismatch
 * with both lists. */
#include "config.h"

#include <execinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include "shim/unwind.h"

#define MAXF 256

static int fails;

static void dump(const char *what, void *const *pcs, int n)
{
	fprintf(stderr, "%s (%d):", what, n);
	for (int i = 0; i < n; i++)
		fprintf(stderr, " %p", pcs[i]);
	fprintf(stderr, "\n");
}

/* ours[0..n) against ref[0..m): equal from ours[from] on, where ref has
 * ours[from] at some index (the reference also lists its own frames). */
static void compare(const char *name, const uint64_t *ours, int n, void *const *ref, int m,
		    int from)
{
	int at = -1;
	for (int j = 0; j < m && from < n; j++)
		if ((uint64_t)(uintptr_t)ref[j] == ours[from]) {
			at = j;
			break;
		}
	bool same = at >= 0 && n - from == m - at;
	for (int k = 0; same && from + k < n; k++)
		same = ours[from + k] == (uint64_t)(uintptr_t)ref[at + k];
	if (!same || n - from < 3) {
		fprintf(stderr, "MISMATCH %s (compared from our frame %d)\n", name, from);
		dump("sprof", (void *const *)ours, n);
		dump("backtrace", ref, m);
		fails++;
		return;
	}
	printf("ok %s %d\n", name, n);
}

static void walk_here(const char *name)
{
	uint64_t ours[MAXF], again[MAXF];
	void *ref[MAXF];
	struct uw_regs r;
	enum uw_end e;
	uw_here(&r);
	int n = uw_walk(&r, ours, MAXF, &e);
	int m = backtrace(ref, MAXF);
	if (e != UW_END_OUTERMOST)
		fprintf(stderr, "%s: walk ended with %d, not at the outermost frame\n", name, (int)e);
	/* frame 0 differs (two call sites in this function): compare from 1 */
	compare(name, ours, n, ref, m, 1);
	uw_here(&r);
	int n2 = uw_walk(&r, again, MAXF, &e);
	if (n2 != n || memcmp(ours + 1, again + 1, (size_t)(n - 1) * sizeof *ours) != 0) {
		fprintf(stderr, "MISMATCH %s: the second (cached) walk differs\n", name);
		fails++;
	}
}

__attribute__((noinline)) static int recurse(int d, void (*at_bottom)(void))
{
	if (d == 0) {
		at_bottom();
		return 0;
	}
	int r = recurse(d - 1, at_bottom);
	__asm__ volatile("" : "+r"(r));
	return r + 1;
}

static void bottom_here(void) { walk_here("recursion"); }

static int cmp_calls;
static int cmp(const void *a, const void *b)
{
	if (cmp_calls++ == 3)
		walk_here("qsort-callback");
	return *(const int *)a - *(const int *)b;
}
static void bottom_qsort(void)
{
	int v[64];
	for (int i = 0; i < 64; i++)
		v[i] = (i * 37) % 64;
	qsort(v, 64, sizeof v[0], cmp);
}

/* SIGUSR1: walk from the ucontext (the sampling handler's way) and from
 * the handler itself (through __restore_rt) */
static const char *sig_case;
static void on_usr1(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	(void)si;
	uint64_t ours[MAXF];
	void *ref[MAXF];
	struct uw_regs r;
	enum uw_end e;
	uw_regs_from_ucontext(&r, (ucontext_t *)ucv);
	int n = uw_walk(&r, ours, MAXF, &e);
	int m = backtrace(ref, MAXF);
	/* backtrace lists the handler and the signal frame first, then the
	 * interrupted pc: compare from our frame 0 */
	char name[64];
	snprintf(name, sizeof name, "%s-ucontext", sig_case);
	compare(name, ours, n, ref, m, 0);
	snprintf(name, sizeof name, "%s-through-signal-frame", sig_case);
	walk_here(name);
}
static void bottom_raise(void) { raise(SIGUSR1); }

int main(void)
{
	void *warm[4];
	backtrace(warm, 4);     /* loads libgcc_s outside the cases */
	recurse(40, bottom_here);
	recurse(5, bottom_qsort);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	sig_case = "signal";
	recurse(20, bottom_raise);
	static char alt[1 << 16];
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0 };
	sigaltstack(&ss, NULL);
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	sig_case = "sigaltstack";
	recurse(20, bottom_raise);
	return fails ? 1 : 0;
}
