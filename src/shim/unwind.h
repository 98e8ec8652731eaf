/* unwind.h -- the shim's own stack walker (unwind.c): DWARF call-frame
 * information read in place from each image's .eh_frame_hdr/.eh_frame,
 * found with the loader's lock-free _dl_find_object, and frame pointers
 * where an address has no unwind information (JIT code).
 *
 * It takes no lock, allocates nothing, makes no system call and calls no
 * loader function other than _dl_find_object, which glibc documents as
 * async-signal-safe: safe in the sampling handler on any thread, whatever
 * that thread was doing (inside dlopen, malloc, the loader's locks).  Its
 * reads of unwind tables and stacks can fault (an image unmapped meanwhile,
 * garbage in a register): callers arm crash.c's recovery around it
 * (shim_unwind_guarded). */
#ifndef SPROF_SHIM_UNWIND_H
#define SPROF_SHIM_UNWIND_H

#include <stdbool.h>
#include <stdint.h>
#include <ucontext.h>

#define UW_NREG 17                      /* x86-64 DWARF registers 0..16 */
#define UW_RBP 6
#define UW_RSP 7
#define UW_RA 16                        /* the return-address column (rip) */

/* A frame's registers, by DWARF number; known has bit n set when r[n] is
 * valid (a walk started from a signal context knows all of them). */
struct uw_regs {
	uint64_t r[UW_NREG];
	uint32_t known;
};

enum uw_end {
	UW_END_OUTERMOST = 0,   /* reached the first frame (return address undefined or 0) */
	UW_END_DEPTH,           /* max frames written, more remain */
	UW_END_STUCK,           /* no rule to go further (no unwind info, bad CFI) */
};

/* The registers of the context the signal interrupted. */
void uw_regs_from_ucontext(struct uw_regs *regs, const ucontext_t *uc);

/* Walks the stack from regs (regs->r[UW_RA] is the first pc, taken as exact:
 * an interrupted instruction, not a return address), writing up to max pcs,
 * innermost first.  Returns how many were written; *end says why it stopped.
 * Unguarded: a bad address faults (see shim_unwind_guarded in shim.h). */
int uw_walk(struct uw_regs *regs, uint64_t *pcs, int max, enum uw_end *end);

/* The registers of uw_here's caller at the point of the call, as a walk's
 * start: the first pc is inside uw_here's caller. */
void uw_here(struct uw_regs *regs) __attribute__((noinline));

#endif
