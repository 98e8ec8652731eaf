# tests/shim.mk -- tests of the shim libsprof.so: which threads get sampled
# and how often, what survives kill -9 / exit() from a thread / fork, and
# that the program's environment and behaviour are untouched.  The raw files
# are read back with tests/prog-shim-dump (the real reader).
check_PROGRAMS += tests/prog-shim-work tests/prog-shim-dump
# Never sanitized (the shim is preloaded into it); -O1 -fno-inline keeps
# every frame for the stack checks.
tests_prog_shim_work_SOURCES = tests/prog-shim-work.c
tests_prog_shim_work_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -g -O1 -fno-inline -pthread
tests_prog_shim_work_LDFLAGS =
tests_prog_shim_work_LDADD = -ldl -lpthread
tests_prog_shim_dump_SOURCES = tests/prog-shim-dump.c
tests_prog_shim_dump_CFLAGS = $(AM_CFLAGS) $(ZLIB_CFLAGS)
tests_prog_shim_dump_LDADD = src/raw/libsprofraw.a $(ZLIB_LIBS)
# -rpath makes libtool build a real shared library, which is never installed.
check_LTLIBRARIES += tests/libshim-dl.la
tests_libshim_dl_la_SOURCES = tests/shim-dl.c
tests_libshim_dl_la_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -g -O1 -fno-inline
tests_libshim_dl_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere

SHIM_TESTS = \
	tests/shim-threads.sh \
	tests/shim-rate.sh \
	tests/shim-kill9.sh \
	tests/shim-env.sh \
	tests/shim-deep.sh \
	tests/shim-exit-thread.sh \
	tests/shim-fork.sh \
	tests/shim-many-threads.sh \
	tests/shim-main-exit.sh \
	tests/shim-dlopen.sh \
	tests/shim-dormant.sh \
	tests/shim-own-sigprof.sh \
	tests/shim-underscore-exit.sh
TESTS += $(SHIM_TESTS)
EXTRA_DIST += $(SHIM_TESTS) tests/shim-lib.sh
