# src/raw/local.mk -- the raw file format and its reader (shared by info,
# convert and the fuzz target).
noinst_LIBRARIES += src/raw/libsprofraw.a
src_raw_libsprofraw_a_SOURCES = src/raw/format.h src/raw/reader.h src/raw/reader.c \
	src/raw/elfcheck.h src/raw/elfcheck.c
src_raw_libsprofraw_a_CFLAGS = $(AM_CFLAGS) $(ZLIB_CFLAGS)
