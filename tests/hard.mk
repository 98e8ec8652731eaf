# tests/hard.mk -- hardening of the shim: the profiled program never breaks
# and nothing is lost.  Crashes, exits and signals keep the program's own
# status and output; dlopen/dlclose races with sampling; odd environments
# (closed descriptors, daemon(), chdir, a file size limit).  The programs
# are never sanitized (the shim is preloaded into them).
check_PROGRAMS += tests/prog-hard tests/prog-hard-dlopen tests/prog-hard-badcfi
tests_prog_hard_badcfi_SOURCES = tests/prog-hard-badcfi.c
tests_prog_hard_badcfi_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -g -O1
tests_prog_hard_badcfi_LDFLAGS =
tests_prog_hard_SOURCES = tests/prog-hard.c
tests_prog_hard_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -g -O1 -fno-inline -pthread
tests_prog_hard_LDFLAGS =
tests_prog_hard_LDADD = -lpthread
tests_prog_hard_dlopen_SOURCES = tests/prog-hard-dlopen.c
tests_prog_hard_dlopen_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -g -O1 -pthread
tests_prog_hard_dlopen_LDFLAGS =
tests_prog_hard_dlopen_LDADD = -ldl -lpthread
# the two libraries prog-hard-dlopen swaps (one source, two code layouts);
# -rpath makes libtool build real shared libraries, never installed
check_LTLIBRARIES += tests/libhard-dla.la tests/libhard-dlb.la
tests_libhard_dla_la_SOURCES = tests/hard-dl.c
tests_libhard_dla_la_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -g -O1 -DVARIANT=1
tests_libhard_dla_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_libhard_dlb_la_SOURCES = tests/hard-dl.c
tests_libhard_dlb_la_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -g -O1 -DVARIANT=2
tests_libhard_dlb_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere

HARD_TESTS = \
	tests/hard-dlopen.sh \
	tests/hard-crash.sh \
	tests/hard-exit.sh \
	tests/hard-signal.sh \
	tests/hard-env.sh \
	tests/hard-unwind-fault.sh
TESTS += $(HARD_TESTS)
EXTRA_DIST += $(HARD_TESTS) tests/hard-lib.sh
