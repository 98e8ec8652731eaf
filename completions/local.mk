# completions/local.mk
