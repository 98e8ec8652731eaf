# tests/local.mk -- shared test helpers; each area's tests are in tests/*.mk.
# Tests are shell scripts or C programs; a shell test sources tests/lib.sh.
EXTRA_DIST += tests/lib.sh tests/sentry-validate.py

# make install / uninstall into a staging DESTDIR, and the installed copy run
TESTS += tests/install.sh
EXTRA_DIST += tests/install.sh
