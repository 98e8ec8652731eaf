# demo/local.mk
