# bench/local.mk -- `make bench`: overhead, delivered rate, attribution error,
# raw size, start-up and convert cost of sprof next to gperftools and perf.
# Not part of `make check` (it takes minutes and wants a quiet machine); the
# workloads are EXTRA_PROGRAMS so that only `make bench` builds them.
# The diff section measures the false-alarm rate of `sprof diff`'s default gate.
# Options for the driver go in BENCH_ARGS, e.g.
#   make bench BENCH_ARGS="--quick --json out.json"
BENCH_BINS = bench/bench-burn bench/bench-shares bench/bench-manystacks bench/bench-walk
EXTRA_PROGRAMS = $(BENCH_BINS)

# No sanitizers (gperftools and the shim are preloaded into these), frame
# pointers so perf -g and gperftools walk the same stacks sprof does, and
# -O2 so the work is representative.
BENCH_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -g -O2 -fno-omit-frame-pointer -pthread
bench_bench_burn_SOURCES = bench/burn.c bench/report.h
bench_bench_burn_CFLAGS = $(BENCH_CFLAGS)
bench_bench_burn_LDFLAGS = -pthread
bench_bench_shares_SOURCES = bench/shares.c bench/report.h
bench_bench_shares_CFLAGS = $(BENCH_CFLAGS)
bench_bench_shares_LDFLAGS = -pthread
bench_bench_manystacks_SOURCES = bench/manystacks.c bench/report.h
bench_bench_manystacks_CFLAGS = $(BENCH_CFLAGS)
bench_bench_manystacks_LDFLAGS = -pthread

# the shim's walker next to libunwind's (libunwind-dev: tools/install-deps)
bench_bench_walk_SOURCES = bench/walk.c src/shim/unwind.c src/shim/unwind.h
bench_bench_walk_CFLAGS = $(BENCH_CFLAGS)
bench_bench_walk_LDADD = -lunwind

EXTRA_DIST += bench/run.py bench/report.h
CLEANFILES += $(BENCH_BINS)

BENCH_ARGS =
bench: $(BENCH_BINS) src/sprof$(EXEEXT) src/shim/libsprof.la
	$(PYTHON3) $(srcdir)/bench/run.py --sprof '$(abs_top_builddir)/src/sprof' \
	  --bindir '$(abs_top_builddir)/bench' --srcdir '$(abs_top_srcdir)' $(BENCH_ARGS)
.PHONY: bench
EXTRA_DIST += doc/performance.md
