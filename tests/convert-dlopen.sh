#!/bin/sh
# A library loaded with dlopen() after the start is symbolized too, appears
# in debug_meta, and counts as the application (it lives beside the program).
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/convert-lib.sh"
need_shim
dl=$(prog prog-conv-dlopen)
plugin=$SPROF_TESTDIR/.libs/libconv-plugin.so
need_file "$plugin"
src=$SPROF_SRCDIR/tests/libconv-plugin.c

profile_run d.raw "$dl" "$plugin" 0.4
expect_status 0 "$SPROF" convert -o d.json d.raw
check_sentry d.json
expect_frames d.json "$src" "func|conv_plugin_leaf|libconv-plugin.c" "call|conv_plugin_run|plugin" \
	"module_in_app|libconv-plugin.so|true" "debug_id|$(cd "$(dirname "$plugin")" && pwd -P)/libconv-plugin.so"
# --in-app-exclude by path and --in-app-include by function name
expect_status 0 "$SPROF" convert --in-app-exclude "$(dirname "$plugin")" --in-app-include __libc_start -o d2.json d.raw
expect_frames d2.json "$src" "module_in_app|libconv-plugin.so|false" "in_app|__libc_start_call_main|true"
exit 0
