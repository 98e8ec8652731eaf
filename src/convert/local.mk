# src/convert/local.mk -- symbolizer, profile model and the Sentry writers.
# Output formats beyond Sentry are listed in src/convert/formats.mk.
noinst_LIBRARIES += src/convert/libsprofconvert.a
src_convert_libsprofconvert_a_SOURCES = src/convert/model.h src/convert/model.c \
	src/convert/symbolize.h src/convert/symbolize.c \
	src/convert/symnames.h src/convert/symnames.c \
	src/convert/json.h src/convert/json.c \
	src/convert/text.h src/convert/text.c \
	src/convert/formats.c src/convert/out-sentry.c
src_convert_libsprofconvert_a_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS) $(LIBDW_CFLAGS) $(ZLIB_CFLAGS)
# symbolize.c demangles C++ names with __cxa_demangle (see its header comment).
CONVERT_LIBS = -lstdc++
src_sprof_LDADD += $(CONVERT_LIBS)
