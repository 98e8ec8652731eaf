# demo/local.mk -- the bundled demo program and `make demo`, which profiles it
# end to end: run -> info -> convert -> Sentry ingestion check (tests/sentry-validate.py), then shows the
# hottest functions of each thread.
#
# The demo is built like a user's program (-g -O2 -fno-omit-frame-pointer,
# no sanitizers even in a --enable-sanitizers build) so its profile looks
# like a real one.
noinst_PROGRAMS += demo/sprof-demo
demo_sprof_demo_SOURCES = demo/sprof-demo.c
demo_sprof_demo_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -g -O2 -fno-omit-frame-pointer -pthread
demo_sprof_demo_LDFLAGS = -pthread

DEMO_RAW = demo.raw
DEMO_PROFILE = demo-profile.json
CLEANFILES += $(DEMO_RAW) $(DEMO_RAW).old $(DEMO_PROFILE) $(DEMO_PROFILE).tmp

.PHONY: demo
demo: src/sprof demo/sprof-demo $(pkglib_LTLIBRARIES)
	src/sprof run -o $(DEMO_RAW) -- demo/sprof-demo
	src/sprof info $(DEMO_RAW)
	src/sprof convert $(DEMO_RAW) > $(DEMO_PROFILE).tmp
	mv $(DEMO_PROFILE).tmp $(DEMO_PROFILE)
	$(PYTHON3) $(SENTRY_VALIDATE) --format sentry $(DEMO_PROFILE)
	src/sprof convert -f report --top 5 $(DEMO_RAW)
	@echo "demo: $(DEMO_RAW) and $(DEMO_PROFILE) written; the profile passes tests/sentry-validate.py"
