# tests/formats.mk -- tests of the output formats beyond Sentry (report,
# collapsed, flamegraph, pprof, speedscope): a unit test on a hand-built
# model, checked by tests/fmt-check.py, go tool pprof and speedscope's schema.
check_PROGRAMS += tests/fmt-unit
tests_fmt_unit_SOURCES = tests/fmt-unit.c src/util.c
tests_fmt_unit_LDADD = src/convert/libsprofconvert.a $(CJSON_LIBS) $(ZLIB_LIBS) -lm
TESTS += tests/fmt-unit.sh tests/fmt-unit-pprof.sh
EXTRA_DIST += tests/fmt-unit.sh tests/fmt-unit-pprof.sh tests/fmt-check.py \
	tests/fmt-speedscope-schema.json tests/fmt-speedscope-schema.README
