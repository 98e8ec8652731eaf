# tests/convert.mk
