# bench/dlopen.mk -- `make bench-dlopen`: the dlopen/dlclose stress of
# tests/prog-hard-dlopen (4 threads, sampled at 10 kHz), 20 runs of 20 s;
# prints how many finished.  BENCH_DLOPEN_RUNS / BENCH_DLOPEN_SECS shorten it.
BENCH_DLOPEN_RUNS = 20
BENCH_DLOPEN_SECS = 20
EXTRA_DIST += bench/dlopen-stress.sh
bench-dlopen: src/sprof src/shim/libsprof.la tests/prog-hard-dlopen tests/libhard-dla.la \
		tests/libhard-dlb.la
	$(SHELL) $(srcdir)/bench/dlopen-stress.sh '$(abs_top_builddir)' \
		$(BENCH_DLOPEN_RUNS) $(BENCH_DLOPEN_SECS)
.PHONY: bench-dlopen
