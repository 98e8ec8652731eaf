# tests/formats.mk -- tests of the output formats beyond Sentry (report,
# collapsed, flamegraph, pprof, speedscope): a unit test on a hand-built
# model, and end-to-end runs of a program with known hot spots, checked by
# tests/fmt-check.py, go tool pprof, speedscope's schema and Chromium.
check_PROGRAMS += tests/fmt-unit tests/fmt-prog-hot
tests_fmt_unit_SOURCES = tests/fmt-unit.c src/util.c
tests_fmt_unit_LDADD = src/convert/libsprofconvert.a $(CJSON_LIBS) $(ZLIB_LIBS) -lm
tests_fmt_prog_hot_SOURCES = tests/fmt-prog-hot.c
# Never sanitized: the shim is preloaded into it, and the ASan runtime
# insists on coming first in the library list.
tests_fmt_prog_hot_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -g -O1 -fno-inline -pthread
tests_fmt_prog_hot_LDFLAGS = -pthread
FMT_TESTS = tests/fmt-unit.sh tests/fmt-unit-pprof.sh tests/fmt-e2e.sh tests/fmt-e2e-render.sh
TESTS += $(FMT_TESTS)
EXTRA_DIST += $(FMT_TESTS) tests/fmt-check.py \
	tests/fmt-speedscope-schema.json tests/fmt-speedscope-schema.README
