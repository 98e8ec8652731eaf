# src/convert/formats.mk -- output formats beyond Sentry (report, flamegraph,
# pprof, speedscope, collapsed): one out-NAME.c each.
