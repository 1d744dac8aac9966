## compiler: crowdc, and libcrowdc.a (everything but main.c) that crowdc,
## the unit tests and the fuzzers link.
noinst_LIBRARIES += libcrowdc.a
libcrowdc_a_SOURCES = \
	%D%/arena.c %D%/arena.h \
	%D%/ast.c %D%/ast.h \
	%D%/builtins.c %D%/builtins.h \
	%D%/cc.c %D%/cc.h \
	%D%/codegen.c %D%/codegen.h %D%/codegen_int.h %D%/codegen_stmt.c \
	%D%/compile.c %D%/compile.h \
	%D%/diag.c %D%/diag.h \
	%D%/load.c %D%/load.h \
	%D%/parse.h \
	%D%/sema.c %D%/sema.h %D%/sema_int.h \
	%D%/sema_events.c %D%/sema_expr.c %D%/sema_extends.c %D%/sema_flow.c \
	%D%/sema_request.c %D%/sema_resp.c %D%/sema_users.c \
	%D%/thresholds.c %D%/thresholds.h \
	%D%/upload.c %D%/upload.h \
	stdlib/jsonpath.c stdlib/jsonpath.h \
	runtime/options.c runtime/options.h runtime/log.c runtime/log.h
nodist_libcrowdc_a_SOURCES = grammar/parser.c grammar/parser.h grammar/lexer.c grammar/lexer.h
# Where crowdc finds the runtime it was built with: the build tree when it
# runs from there, else the installed copy (see compiler/cc.c).
libcrowdc_a_CPPFLAGS = $(AM_CPPFLAGS) \
	-DCROWD_CC='"$(CC)"' \
	-DCROWD_BUILD_TOP='"$(abs_top_builddir)"' \
	-DCROWD_SRC_TOP='"$(abs_top_srcdir)"' \
	-DCROWD_LIBDIR='"$(libdir)"' \
	-DCROWD_INCLUDEDIR='"$(includedir)"' \
	-DCROWD_EXE_LIBS='"$(CROWD_EXE_LIBS)"' \
	-DCROWD_CURL_STATIC_LIBS='"$(CURL_STATIC_LIBS)"' \
	-DCROWD_BUILD_SAN='"$(CROWD_SAN)"'
# Those values live in the Makefile: cc.c is rebuilt whenever it changes
# (a new library on the executables' link line, a reconfiguration).
%D%/libcrowdc_a-cc.$(OBJEXT): Makefile

# libFuzzer's coverage hooks when configured with --enable-fuzzing.
libcrowdc_a_CFLAGS = $(AM_CFLAGS) $(CROWD_FUZZ_CFLAGS)

bin_PROGRAMS += crowdc
crowdc_SOURCES = %D%/main.c
crowdc_LDADD = libcrowdc.a
