# src/shim/local.mk -- libsprof.so, the sampler LD_PRELOADed into the program.
# Built without sanitizers (see configure.ac) and installed in $(pkglibdir),
# where the launcher looks for it.  Only the interposed libc functions are
# exported (-fvisibility=hidden).
pkglib_LTLIBRARIES += src/shim/libsprof.la
src_shim_libsprof_la_SOURCES = src/raw/format.h \
	src/shim/shim.h src/shim/init.c src/shim/registry.c src/shim/handler.c \
	src/shim/sampler.c src/shim/writer.c src/shim/buf.h \
	src/shim/stacks.h src/shim/stacks.c src/shim/images.h src/shim/images.c \
	src/shim/interpose.c src/shim/unwind.h src/shim/unwind.c src/shim/sigmask.c src/shim/crash.c src/shim/blocking.c src/shim/follow.c src/shim/names.c src/shim/perfclock.c \
	src/raw/elfcheck.h src/raw/elfcheck.c
src_shim_libsprof_la_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -fvisibility=hidden \
	$(ZLIB_CFLAGS)
src_shim_libsprof_la_LDFLAGS = -module -avoid-version -shared -no-undefined
src_shim_libsprof_la_LIBADD = $(ZLIB_LIBS) -lpthread -ldl
