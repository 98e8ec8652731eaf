# tests/run.mk -- tests of `sprof run` (the launcher), the raw reader and
# `sprof info`, run against the built programs.
check_PROGRAMS += tests/prog-run tests/prog-rawgen tests/prog-reader-unit
tests_prog_run_SOURCES = tests/prog-run.c
# Never sanitized: a program that the shim is preloaded into cannot have the
# ASan runtime (it insists on coming first in the library list).
tests_prog_run_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -g -O1 -fno-inline
tests_prog_run_LDFLAGS =
tests_prog_rawgen_SOURCES = tests/prog-rawgen.c src/raw/format.h
tests_prog_rawgen_CFLAGS = $(AM_CFLAGS) $(ZLIB_CFLAGS)
tests_prog_rawgen_LDADD = $(ZLIB_LIBS)
tests_prog_reader_unit_SOURCES = tests/prog-reader-unit.c
tests_prog_reader_unit_CFLAGS = $(AM_CFLAGS) $(ZLIB_CFLAGS)
tests_prog_reader_unit_LDADD = src/raw/libsprofraw.a $(ZLIB_LIBS)

RUN_TESTS = \
	tests/run-exit-status.sh \
	tests/run-not-found.sh \
	tests/run-bad-options.sh \
	tests/run-args.sh \
	tests/run-output.sh \
	tests/run-output-safety.sh \
	tests/run-streams.sh \
	tests/run-signals.sh \
	tests/run-signal-reraise.sh \
	tests/run-disk-full.sh \
	tests/run-tty-signal.sh \
	tests/run-unprofilable.sh \
	tests/run-env.sh \
	tests/run-profile.sh \
	tests/info-synthetic.sh \
	tests/info-cut.sh \
	tests/info-bad-input.sh \
	tests/info-prefixes.sh
TESTS += $(RUN_TESTS) tests/prog-reader-unit
EXTRA_DIST += $(RUN_TESTS)
