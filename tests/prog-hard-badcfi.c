/* prog-hard-badcfi.c -- makes the shim's unwinder fault.  bad_frame's CFI
 * says CFA = rbp + 16; the first calls keep that true, so the walker's row
 * cache (src/shim/unwind.c) learns the loop's pc as an rbp-based frame; later calls
 * load garbage into rbp at the same pcs, and the cached frame reads through
 * it.  The fault must become a dropped sample, never the program's SIGSEGV.
 *
 *   prog-hard-badcfi [own]    own: the program has its own SIGSEGV handler
 *                             (which must not run: it exits 3)
 * Prints "badcfi done" and exits 0.  x86-64 only. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void bad_frame(uint64_t n, uint64_t rbp);
__asm__(".text\n"
	".globl bad_frame\n"
	".type bad_frame,@function\n"
	"bad_frame:\n"
	".cfi_startproc\n"
	"push %rbp\n"
	".cfi_def_cfa_offset 16\n"
	".cfi_offset %rbp,-16\n"
	"mov %rsp,%rbp\n"
	".cfi_def_cfa_register %rbp\n"
	"test %rsi,%rsi\n"
	"jz 1f\n"
	"mov %rsi,%rbp\n"
	"1: dec %rdi\n"
	"jnz 1b\n"
	"mov %rsp,%rbp\n"
	"pop %rbp\n"
	".cfi_def_cfa %rsp,8\n"
	"ret\n"
	".cfi_endproc\n"
	".size bad_frame,.-bad_frame\n");

static void on_segv(int sig)
{
	(void)sig;
	if (write(1, "program handler ran\n", 20) < 0)
		_exit(4);
	_exit(3);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "own")) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_segv;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGSEGV, &sa, NULL);
	}
	for (int i = 0; i < 20; i++)
		bad_frame(20000000, 0);
	for (int i = 0; i < 30; i++)
		bad_frame(20000000, 0x10000);   /* unmapped */
	puts("badcfi done");
	return 0;
}
