# tests/hard.mk -- hardening of the shim: the profiled program never breaks
# and nothing is lost.  Crashes, exits and signals keep the program's own
# status and output; dlopen/dlclose races with sampling; odd environments
# (closed descriptors, daemon(), chdir, a file size limit).  The programs
# are never sanitized (the shim is preloaded into them).
check_PROGRAMS += tests/prog-hard tests/prog-hard-badcfi \
	tests/prog-hard-loader tests/prog-hard-sigwait
tests_prog_hard_loader_SOURCES = tests/prog-hard-loader.c
tests_prog_hard_loader_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -g -O1 -pthread
tests_prog_hard_loader_LDFLAGS =
tests_prog_hard_loader_LDADD = -ldl -lpthread
tests_prog_hard_sigwait_SOURCES = tests/prog-hard-sigwait.c tests/burn.h
tests_prog_hard_sigwait_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -g -O1 -pthread
tests_prog_hard_sigwait_LDFLAGS =
tests_prog_hard_sigwait_LDADD = -lpthread
tests_prog_hard_badcfi_SOURCES = tests/prog-hard-badcfi.c
tests_prog_hard_badcfi_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -g -O1
tests_prog_hard_badcfi_LDFLAGS =
tests_prog_hard_SOURCES = tests/prog-hard.c
tests_prog_hard_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -g -O1 -fno-inline -pthread
tests_prog_hard_LDFLAGS =
tests_prog_hard_LDADD = -lpthread
# the two libraries prog-hard-loader swaps (one source, two code layouts);
# -rpath makes libtool build real shared libraries, never installed
check_LTLIBRARIES += tests/libhard-dla.la tests/libhard-dlb.la
tests_libhard_dla_la_SOURCES = tests/hard-dl.c
tests_libhard_dla_la_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -g -O1 -DVARIANT=1
tests_libhard_dla_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_libhard_dlb_la_SOURCES = tests/hard-dl.c
tests_libhard_dlb_la_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -g -O1 -DVARIANT=2
tests_libhard_dlb_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere

HARD_TESTS = \
	tests/hard-crash.sh \
	tests/hard-exit.sh \
	tests/hard-signal.sh \
	tests/hard-env.sh \
	tests/hard-unwind-fault.sh \
	tests/hard-loader.sh \
	tests/hard-sigwait.sh \
	tests/hard-term.sh
TESTS += $(HARD_TESTS)
EXTRA_DIST += $(HARD_TESTS) tests/hard-lib.sh tests/loader-stress.sh

# The shim's stack walker against libgcc's (glibc backtrace()): linked in
# directly, never sanitized (it reads other frames' return-address slots).
check_PROGRAMS += tests/prog-unwind-unit
tests_prog_unwind_unit_SOURCES = tests/prog-unwind-unit.c src/shim/unwind.c src/shim/unwind.h
tests_prog_unwind_unit_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -g -O1
tests_prog_unwind_unit_LDFLAGS =
TESTS += tests/unwind-unit.sh
EXTRA_DIST += tests/unwind-unit.sh
