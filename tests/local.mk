## tests: Check unit tests, golden compiler tests, end-to-end runs.
if HAVE_CHECK
TESTS += $(check_PROGRAMS)
endif
