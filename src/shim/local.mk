# src/shim/local.mk -- libsprof.so, the sampler LD_PRELOADed into the program.
# Built without sanitizers (see configure.ac) and installed in $(pkglibdir),
# where the launcher looks for it.
pkglib_LTLIBRARIES += src/shim/libsprof.la
src_shim_libsprof_la_SOURCES = src/raw/format.h
src_shim_libsprof_la_CFLAGS = -std=gnu11 $(WARN_CFLAGS) $(LIBUNWIND_CFLAGS) $(ZLIB_CFLAGS)
src_shim_libsprof_la_LDFLAGS = -module -avoid-version -shared -no-undefined
src_shim_libsprof_la_LIBADD = $(LIBUNWIND_LIBS) $(ZLIB_LIBS) -lpthread -ldl
