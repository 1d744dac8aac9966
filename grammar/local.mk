## grammar: the flex scanner and bison parser (built into libcrowdc.a, see compiler/local.mk).
