# src/diff/local.mk -- `sprof diff` (src/cmd-diff.c): loading the sides, the
# statistics, the gate and the writers, in one library of their own.
noinst_LIBRARIES += src/diff/libsprofdiff.a
src_diff_libsprofdiff_a_SOURCES = src/diff/diff.h src/diff/side.c src/diff/stats.c \
	src/diff/gate.c src/diff/out-text.c src/diff/out-json.c src/diff/out-flame.c
src_diff_libsprofdiff_a_CFLAGS = $(AM_CFLAGS)
src_sprof_SOURCES += src/cmd-diff.c
# after the convert libraries it uses: repeated, so a static link finds them
src_sprof_LDADD += src/diff/libsprofdiff.a src/convert/libsprofconvert.a src/raw/libsprofraw.a \
	$(CJSON_LIBS) $(LIBDW_LIBS) $(LIBELF_LIBS) $(ZLIB_LIBS) $(CONVERT_LIBS) -lm
