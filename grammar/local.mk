## grammar: the flex scanner and bison parser (built into libcrowdc.a, see compiler/local.mk).
## Explicit rules rather than automake's ylwrap, so that flex's header
## (grammar/lexer.h) lands in the build tree next to the scanner.
CROWD_GRAMMAR_OUT = grammar/parser.c grammar/parser.h grammar/lexer.c grammar/lexer.h
EXTRA_DIST += %D%/lexer.l %D%/parser.y
BUILT_SOURCES += grammar/parser.h grammar/lexer.h
CLEANFILES += $(CROWD_GRAMMAR_OUT)

AM_V_BISON = $(am__v_BISON_@AM_V@)
am__v_BISON_ = $(am__v_BISON_@AM_DEFAULT_V@)
am__v_BISON_0 = @echo "  BISON   " $@;
AM_V_FLEX = $(am__v_FLEX_@AM_V@)
am__v_FLEX_ = $(am__v_FLEX_@AM_DEFAULT_V@)
am__v_FLEX_0 = @echo "  FLEX    " $@;

grammar/parser.c: $(srcdir)/%D%/parser.y
	$(AM_V_BISON)$(MKDIR_P) grammar && bison -Wall -Werror -d -o grammar/parser.c $(srcdir)/%D%/parser.y
grammar/parser.h: grammar/parser.c
	@test -f $@ || { rm -f grammar/parser.c; $(MAKE) $(AM_MAKEFLAGS) grammar/parser.c; }
grammar/lexer.c: $(srcdir)/%D%/lexer.l grammar/parser.h
	$(AM_V_FLEX)$(MKDIR_P) grammar && $(LEX) --header-file=grammar/lexer.h -o grammar/lexer.c $(srcdir)/%D%/lexer.l
grammar/lexer.h: grammar/lexer.c
	@test -f $@ || { rm -f grammar/lexer.c; $(MAKE) $(AM_MAKEFLAGS) grammar/lexer.c; }
