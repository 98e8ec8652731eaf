# doc/local.mk -- the man page, the prose documentation, the helper scripts
# shipped in the tarball, and the tests that keep the man page and the shell
# completions in step with what `sprof --help` prints.
dist_man_MANS += doc/sprof.1
EXTRA_DIST += doc/HACKING.md doc/raw-format.md doc/fidelity.md
dist_noinst_SCRIPTS += tools/install-deps .ci/run tools/named-frames.py

TESTS += tests/doc-options.sh tests/completions.sh
EXTRA_DIST += tests/doc-options.sh tests/completions.sh
