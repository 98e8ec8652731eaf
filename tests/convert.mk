# tests/convert.mk -- tests of `sprof convert`: the symbolizer on its own,
# Sentry output of real runs (C, threads, C++, dlopen), separate debug info,
# rebuilt binaries, bad input and the fuzz regression corpus.
check_PROGRAMS += tests/prog-conv-symtest tests/prog-conv-work tests/prog-conv-cxx \
	tests/prog-conv-dlopen tests/prog-sym-lto tests/prog-sym-cxx
tests_prog_conv_symtest_SOURCES = tests/prog-conv-symtest.c src/util.c
tests_prog_conv_symtest_CFLAGS = $(AM_CFLAGS) -g $(LIBDW_CFLAGS)
tests_prog_conv_symtest_LDADD = src/convert/libsprofconvert.a src/raw/libsprofraw.a \
	$(CJSON_LIBS) $(LIBDW_LIBS) $(LIBELF_LIBS) $(ZLIB_LIBS) $(CONVERT_LIBS) -lm
# The profiled test programs are built without sanitizers (not AM_CFLAGS /
# AM_LDFLAGS): the shim is preloaded into them, and an ASan runtime refuses
# to start after another preloaded library.  -fno-optimize-sibling-calls:
# the call chains the tests expect must exist at run time (no tail calls).
CONV_PROG_FLAGS = -std=gnu11 $(WARN_CFLAGS) -g -O1 -fno-omit-frame-pointer -fno-optimize-sibling-calls
tests_prog_conv_work_SOURCES = tests/prog-conv-work.c
tests_prog_conv_work_CFLAGS = $(CONV_PROG_FLAGS) -pthread
tests_prog_conv_work_LDFLAGS = -pthread
tests_prog_conv_cxx_SOURCES = tests/prog-conv-cxx.cc
tests_prog_conv_cxx_CXXFLAGS = $(WARN_CFLAGS) -g -O1 -fno-omit-frame-pointer -fno-optimize-sibling-calls
tests_prog_conv_cxx_LDFLAGS =
tests_prog_conv_dlopen_SOURCES = tests/prog-conv-dlopen.c
tests_prog_conv_dlopen_CFLAGS = $(CONV_PROG_FLAGS)
tests_prog_conv_dlopen_LDFLAGS =
tests_prog_conv_dlopen_LDADD = -ldl
# Real-world builds for tests/convert-sym-agree.sh: link-time optimization
# (which moves functions between units) and an optimized C++ program.
tests_prog_sym_lto_SOURCES = tests/prog-sym-lto.c tests/prog-sym-lto2.c
tests_prog_sym_lto_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -g -O2 -flto
tests_prog_sym_lto_LDFLAGS = -g -O2 -flto
tests_prog_sym_lto_LDADD = -lm
tests_prog_sym_cxx_SOURCES = tests/prog-sym-cxx.cc
tests_prog_sym_cxx_CXXFLAGS = $(WARN_CFLAGS) -g -O2
tests_prog_sym_cxx_LDFLAGS =
# The plugin prog-conv-dlopen loads (tests/.libs/libconv-plugin.so).
check_LTLIBRARIES += tests/libconv-plugin.la
tests_libconv_plugin_la_SOURCES = tests/libconv-plugin.c
tests_libconv_plugin_la_CFLAGS = $(CONV_PROG_FLAGS)
tests_libconv_plugin_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere

CONVERT_TESTS = \
	tests/prog-conv-symtest \
	tests/convert-single.sh \
	tests/convert-formats.sh \
	tests/convert-threads.sh \
	tests/convert-cxx.sh \
	tests/convert-dlopen.sh \
	tests/convert-debuginfo.sh \
	tests/convert-vdso.sh \
	tests/convert-bad-input.sh \
	tests/convert-validator.sh \
	tests/convert-send-envelope.sh \
	tests/convert-regress.sh \
	tests/convert-sym-agree.sh
TESTS += $(CONVERT_TESTS)
EXTRA_DIST += $(filter %.sh,$(CONVERT_TESTS)) tests/convert-lib.sh tests/convert-expect.py tests/fuzz.sh \
	tests/sym-agree.py \
	tests/fuzz-convert.c tests/corpus
