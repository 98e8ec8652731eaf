# src/convert/local.mk -- symbolizer, profile model and the Sentry writer.
noinst_LIBRARIES += src/convert/libsprofconvert.a
src_convert_libsprofconvert_a_SOURCES = src/convert/model.h
src_convert_libsprofconvert_a_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS) $(LIBDW_CFLAGS) $(ZLIB_CFLAGS)
