# tests/run.mk
