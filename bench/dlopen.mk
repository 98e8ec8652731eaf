# bench/dlopen.mk -- `make bench-dlopen`: the loader stresses of
# tests/loader-stress.sh (dlopen/dlclose churn on 4 threads and on 1 at
# 10 kHz, iconv_open/close on 4 threads at 101 Hz and 10 kHz, getpwnam/
# getaddrinfo on 4 threads at 1 kHz), each BENCH_DLOPEN_RUNS times for
# BENCH_DLOPEN_SECS seconds; prints per stress the runs that hung or failed
# and the samples lost.  0 hung is the only passing figure.
BENCH_DLOPEN_RUNS = 500
BENCH_DLOPEN_SECS = 0.3
bench-dlopen: src/sprof src/shim/libsprof.la tests/prog-hard-loader tests/libhard-dla.la \
		tests/libhard-dlb.la
	$(SHELL) $(srcdir)/tests/loader-stress.sh '$(abs_top_builddir)' \
		$(BENCH_DLOPEN_RUNS) $(BENCH_DLOPEN_SECS)
.PHONY: bench-dlopen
