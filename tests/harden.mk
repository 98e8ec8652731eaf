# tests/harden.mk -- hardening: damaged and hostile raw files never crash,
# hang or exhaust sprof; the raw file keeps no secrets and is private.
# tests/valgrind.sh (memcheck) is run in full by CI (.ci/run) after make
# check; tests/harden-valgrind.sh runs its --quick form here.
check_PROGRAMS += tests/prog-harden-work
# Never sanitized (the shim is preloaded into it); -O1 -fno-inline keeps the
# call chains for the stacks.
tests_prog_harden_work_SOURCES = tests/prog-harden-work.c
tests_prog_harden_work_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -g -O1 -fno-inline -pthread
tests_prog_harden_work_LDFLAGS =
tests_prog_harden_work_LDADD = -lpthread

HARDEN_TESTS = \
	tests/harden-mutate.sh \
	tests/harden-private.sh \
	tests/harden-valgrind.sh
TESTS += $(HARDEN_TESTS)
EXTRA_DIST += $(HARDEN_TESTS) tests/harden-mutate.py tests/valgrind.sh \
	tests/harden-repro-empty-stack.raw tests/harden-repro-no-samples.raw
