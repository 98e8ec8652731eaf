/* dlguard.c -- keeps the signal handler's unwinder out of the dynamic
 * loader's way.
 *
 * libunwind finds unwind tables with dl_iterate_phdr (under the loader's
 * recursive write lock) and then reads them after the lock is released.
 * Three ways this can go wrong, and what is done about each:
 *
 *   1. The handler interrupts a thread that is itself inside the loader:
 *      in dlopen/dlclose with the link map half updated, or in
 *      dl_iterate_phdr.  The lock is recursive, so the handler's own
 *      dl_iterate_phdr would walk a list in mid-change.  Such samples are
 *      skipped (lost_other): a thread-local count covers dl_iterate_phdr
 *      and dlclose (both wrapped here), and the loader's own debugger
 *      interface covers dlopen: r_debug.r_state is RT_ADD or RT_DELETE
 *      from before the first link-map change until after the last.  That
 *      test is process-wide, so while any thread maps or unmaps an image
 *      every thread's sample is skipped -- windows of tens of
 *      microseconds, and the only way to see a dlopen without wrapping it.
 *
 *   2. dlclose unmaps an image while another thread's handler is reading
 *      its unwind tables.  The dlclose wrapper raises a counter first, then
 *      waits until no handler is inside any slot (the handler enters its
 *      slot before it looks at the counter: seq_cst on both sides, so
 *      either the handler sees the counter or dlclose sees the handler),
 *      then closes, flushes libunwind's caches and lowers the counter.
 *
 *   3. Stale per-address caches: libunwind's fast-trace cache is keyed by
 *      pc and never flushed, so code later mapped where an unloaded image
 *      was can be walked with the old frame layout.  unw_flush_cache
 *      covers the DWARF caches only; faults that remain are caught by
 *      crash.c, which drops the sample (shim_unwind_* in shim.h).
 *
 * dlopen itself is not wrapped: glibc takes the caller's address for
 * $ORIGIN, RPATH and the namespace, and a wrapper would make that the
 * shim's (see interpose.c).
 *
 * Caching policy: UNW_CACHE_PER_THREAD (init.c), chosen knowing that
 * libunwind builds without --enable-per-thread-cache (Debian's 1.6) quietly
 * make it UNW_CACHE_GLOBAL, whose lock is held, with all signals blocked,
 * across dl_iterate_phdr.  The deadlock that opens -- handler A holds that
 * lock and waits for the loader lock, which thread B holds in the
 * program's dl_iterate_phdr while B's own handler waits for A's lock; the
 * old shim hung in 5 runs of 6 of tests/prog-hard-dlopen at 10 kHz -- is
 * closed by case 1: no handler unwinds on a thread that holds the loader
 * lock.  UNW_CACHE_NONE has no lock but parses DWARF on every sample
 * (measured ~45 us a sample against ~1 us), too dear at 10 kHz. */
#include "config.h"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>

#include <libunwind.h>

#include "shim/shim.h"

#define CLOSE_WAIT_NS 1000000000u       /* longest dlclose waits for handlers */

static int (*real_dlclose)(void *);
static int (*real_dl_iterate_phdr)(int (*)(struct dl_phdr_info *, size_t, void *), void *);

/* This thread is inside dl_iterate_phdr or dlclose (nesting count).
 * initial-exec: a plain %fs access, safe in a signal handler; the shim is
 * preloaded, so its TLS is in the static block. */
static __thread int in_loader __attribute__((tls_model("initial-exec")));
static _Atomic int closing;             /* dlclose calls under way */
static pthread_mutex_t flush_lock = PTHREAD_MUTEX_INITIALIZER;

void shim_dlguard_init(void)
{
	real_dlclose = (int (*)(void *))dlsym(RTLD_NEXT, "dlclose");
	real_dl_iterate_phdr = (int (*)(int (*)(struct dl_phdr_info *, size_t, void *), void *))dlsym(
		RTLD_NEXT, "dl_iterate_phdr");
}

/* Any namespace's link map in mid-change (r_version 2 chains the
 * dlmopen namespaces' r_debug after the base one). */
static bool link_map_changing(void)
{
	const struct r_debug_extended *r = (const struct r_debug_extended *)&_r_debug;
	int version = *(volatile const int *)&_r_debug.r_version;
	for (int n = 0; r && n < 64; n++) {
		if (*(volatile const int *)&r->base.r_state != RT_CONSISTENT)
			return true;
		if (version < 2)
			break;
		r = *(const struct r_debug_extended *volatile *)&r->r_next;
	}
	return false;
}

void shim_dlguard_reset_child(void)
{
	atomic_store(&closing, 0);
	pthread_mutex_init(&flush_lock, NULL);
}

bool shim_loader_busy(void)
{
	return in_loader > 0 || atomic_load(&closing) > 0 || link_map_changing();
}

/* Until no handler is inside any slot, or the time is up (a handler may
 * wait for the loader lock, which this thread could hold when dlclose is
 * called from a dl_iterate_phdr callback: then it does not wait at all). */
static void wait_for_handlers(void)
{
	uint64_t deadline = shim_now_ns() + CLOSE_WAIT_NS;
	uint32_t hwm = atomic_load(&shim_slots_hwm);
	for (uint32_t i = 0; i < hwm; i++)
		while (atomic_load(&shim_slots[i].in_handler) != 0) {
			if (shim_now_ns() > deadline)
				return;
			sched_yield();
		}
}

__attribute__((visibility("default"))) int dlclose(void *handle)
{
	if (!real_dlclose)
		shim_dlguard_init();
	if (!atomic_load(&shim_active))
		return real_dlclose(handle);
	bool nested = in_loader > 0;
	in_loader++;
	atomic_fetch_add(&closing, 1);
	if (!nested)
		wait_for_handlers();
	int r = real_dlclose(handle);
	/* with the counter still up, so that no handler unwinds meanwhile:
	 * unw_flush_cache edits the address space's lists unlocked */
	pthread_mutex_lock(&flush_lock);
	unw_flush_cache(unw_local_addr_space, 0, 0);
	pthread_mutex_unlock(&flush_lock);
	atomic_fetch_sub(&closing, 1);
	in_loader--;
	return r;
}

__attribute__((visibility("default"))) int dl_iterate_phdr(
	int (*cb)(struct dl_phdr_info *, size_t, void *), void *data)
{
	if (!real_dl_iterate_phdr)
		shim_dlguard_init();
	in_loader++;
	int r = real_dl_iterate_phdr(cb, data);
	in_loader--;
	return r;
}

/* After crash.c jumped out of a faulting unwind, which never came back
 * through the dl_iterate_phdr wrapper: the handler only unwinds when the
 * thread was outside the loader, so the count goes back to zero. */
void shim_loader_clear(void)
{
	in_loader = 0;
}
