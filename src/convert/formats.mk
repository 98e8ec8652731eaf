# src/convert/formats.mk -- output formats beyond Sentry (report, flamegraph,
# pprof, speedscope, collapsed): one out-NAME.c each, plus the helpers they
# share (string interning, stack folding, a protobuf encoder for pprof).
src_convert_libsprofconvert_a_SOURCES += \
	src/convert/strtab.c src/convert/strtab.h \
	src/convert/folded.c src/convert/folded.h \
	src/convert/pbenc.c src/convert/pbenc.h \
	src/convert/out-collapsed.c \
	src/convert/out-report.c \
	src/convert/out-flamegraph.c src/convert/flamegraph.h \
	src/convert/out-pprof.c \
	src/convert/out-speedscope.c
# their user documentation and its screenshot (doc/local.mk belongs to the docs)
EXTRA_DIST += doc/formats.md doc/flamegraph.png
