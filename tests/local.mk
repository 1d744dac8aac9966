## tests: Check unit tests, golden compiler tests, end-to-end runs.
if HAVE_CHECK
TESTS += $(check_PROGRAMS)
endif

# Unit tests of the statistics: histogram accuracy, stats, console tables.
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_histogram tests/unit/check_stats
endif
tests_unit_check_histogram_SOURCES = tests/unit/check_histogram.c
tests_unit_check_histogram_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_histogram_LDADD = libcrowd.a $(CHECK_LIBS) -lm
tests_unit_check_stats_SOURCES = tests/unit/check_stats.c
tests_unit_check_stats_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_stats_LDADD = libcrowd.a $(CHECK_LIBS) -lm

# The demo server's smoke test; tests/e2e/lib.sh is the e2e tests' library.
TESTS += tests/e2e/demo_server.sh
EXTRA_DIST += tests/e2e/demo_server.sh tests/e2e/lib.sh

# Unit tests of the runtime: the command line, and request building, JSON
# bodies, values and built-ins.
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_options tests/unit/check_request
endif
tests_unit_check_options_SOURCES = tests/unit/check_options.c
tests_unit_check_options_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_options_LDADD = libcrowd.a $(CHECK_LIBS) $(EV_LIBS) $(CURL_LIBS) -lm
tests_unit_check_request_SOURCES = tests/unit/check_request.c
tests_unit_check_request_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_request_LDADD = libcrowd.a $(CHECK_LIBS) $(EV_LIBS) $(CURL_LIBS) -lm
