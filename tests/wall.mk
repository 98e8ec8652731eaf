# tests/wall.mk -- wall-clock mode (every thread sampled, blocked ones
# off-CPU, never an EINTR the program did not ask for), process trees
# (fork, exec, posix_spawn, system() children in one raw file) and thread
# lifecycles (renames, churn).  Test programs are never sanitized: the shim
# is preloaded into them.
WALL_PROG_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -g -O1 -fno-inline -fno-optimize-sibling-calls -pthread
check_PROGRAMS += tests/prog-wall-eintr tests/prog-wall-rate tests/prog-wall-threads \
	tests/prog-tree-work tests/prog-tree-static tests/prog-wall-namecheck
tests_prog_wall_eintr_SOURCES = tests/prog-wall-eintr.c
tests_prog_wall_eintr_CFLAGS = $(WALL_PROG_CFLAGS)
tests_prog_wall_eintr_LDFLAGS =
tests_prog_wall_eintr_LDADD = -lpthread
tests_prog_wall_rate_SOURCES = tests/prog-wall-rate.c
tests_prog_wall_rate_CFLAGS = $(WALL_PROG_CFLAGS)
tests_prog_wall_rate_LDFLAGS =
tests_prog_wall_rate_LDADD = -lpthread
tests_prog_wall_threads_SOURCES = tests/prog-wall-threads.c tests/burn.h
tests_prog_wall_threads_CFLAGS = $(WALL_PROG_CFLAGS)
tests_prog_wall_threads_LDFLAGS =
tests_prog_wall_threads_LDADD = -lpthread
tests_prog_tree_work_SOURCES = tests/prog-tree-work.c tests/burn.h
tests_prog_tree_work_CFLAGS = $(WALL_PROG_CFLAGS)
tests_prog_tree_work_LDFLAGS =
tests_prog_tree_work_LDADD = -lpthread
# a program the shim cannot enter, started from inside a profiled tree
tests_prog_tree_static_SOURCES = tests/prog-tree-static.c
tests_prog_tree_static_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -g -O1
tests_prog_tree_static_LDFLAGS = -all-static

tests_prog_wall_namecheck_SOURCES = tests/prog-wall-namecheck.c
tests_prog_wall_namecheck_CFLAGS = $(AM_CFLAGS) $(ZLIB_CFLAGS)
tests_prog_wall_namecheck_LDADD = src/raw/libsprofraw.a $(ZLIB_LIBS)

WALL_TESTS = \
	tests/wall-eintr.sh \
	tests/wall-sleep.sh \
	tests/wall-rate.sh \
	tests/wall-churn.sh \
	tests/wall-names.sh \
	tests/wall-longjmp.sh \
	tests/tree-script.sh \
	tests/tree-no-follow.sh \
	tests/tree-fork.sh \
	tests/tree-exec.sh \
	tests/tree-unprofiled.sh \
	tests/tree-nested.sh \
	tests/tree-fork-storm.sh
TESTS += $(WALL_TESTS)
EXTRA_DIST += $(WALL_TESTS) tests/wall-lib.sh
