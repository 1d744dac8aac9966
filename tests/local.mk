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

# --processes: stats deltas encoded, decoded and merged exactly.
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_stats_wire
endif
tests_unit_check_stats_wire_SOURCES = tests/unit/check_stats_wire.c
tests_unit_check_stats_wire_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_stats_wire_LDADD = libcrowd.a $(CHECK_LIBS) -lm

# The file reports' pieces: float repr, CSV/JSON/HTML escaping, atomic
# files, the history (windowed percentiles, bounded memory).
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_reports
endif
tests_unit_check_reports_SOURCES = tests/unit/check_reports.c
tests_unit_check_reports_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_reports_LDADD = libcrowd.a $(CHECK_LIBS) -lm

# Thresholds, the timing and corrected-latency measures, the JUnit report.
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_thresholds
endif
tests_unit_check_thresholds_SOURCES = tests/unit/check_thresholds.c
tests_unit_check_thresholds_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_thresholds_LDADD = libcrowd.a $(CHECK_LIBS) -lm

# The demo server's smoke test; tests/e2e/lib.sh is the e2e tests' library.
TESTS += tests/e2e/demo_server.sh
EXTRA_DIST += tests/e2e/demo_server.sh tests/e2e/lib.sh

# The compiler: scanner, parser and diagnostics unit tests; golden tests
# (tests/compile/{ok,fail}); every ```crowd block of doc/ and every example.
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_lexer tests/unit/check_parser tests/unit/check_diag
endif
tests_unit_check_lexer_SOURCES = tests/unit/check_lexer.c
tests_unit_check_lexer_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_lexer_LDADD = libcrowdc.a $(CHECK_LIBS) -lm
tests_unit_check_parser_SOURCES = tests/unit/check_parser.c
tests_unit_check_parser_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_parser_LDADD = libcrowdc.a $(CHECK_LIBS) -lm
tests_unit_check_diag_SOURCES = tests/unit/check_diag.c
tests_unit_check_diag_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_diag_LDADD = libcrowdc.a $(CHECK_LIBS) -lm
TESTS += tests/compile/golden.sh tests/compile/doc-examples.sh
EXTRA_DIST += tests/compile/golden.sh tests/compile/doc-examples.sh \
	$(wildcard $(srcdir)/tests/compile/ok/*.crowd) \
	$(wildcard $(srcdir)/tests/compile/fail/*.crowd) \
	$(wildcard $(srcdir)/tests/compile/fail/*.err)

# Rewrite tests/compile/fail/*.err from what crowdc prints now (review the
# diff before committing it).
update-golden: crowdc$(EXEEXT)
	UPDATE_GOLDEN=1 top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	  CROWDC='$(abs_top_builddir)/crowdc' $(SHELL) $(srcdir)/tests/compile/golden.sh
.PHONY: update-golden

# Unit tests of the runtime: the command line, and request building, JSON
# bodies, values and built-ins.
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_options tests/unit/check_request
endif
tests_unit_check_options_SOURCES = tests/unit/check_options.c
tests_unit_check_options_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_options_LDADD = libcrowd.a $(CHECK_LIBS) $(EV_LIBS) $(CURL_LIBS) -lhttp_parser $(OPENSSL_LIBS) $(ZLIB_LIBS) $(BROTLI_LIBS) -lm
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_conf
endif
tests_unit_check_conf_SOURCES = tests/unit/check_conf.c
tests_unit_check_conf_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_conf_LDADD = libcrowd.a $(CHECK_LIBS) $(EV_LIBS) $(CURL_LIBS) -lhttp_parser $(OPENSSL_LIBS) $(ZLIB_LIBS) $(BROTLI_LIBS) -lm
tests_unit_check_request_SOURCES = tests/unit/check_request.c
tests_unit_check_request_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_request_LDADD = libcrowd.a $(CHECK_LIBS) $(EV_LIBS) $(CURL_LIBS) -lhttp_parser $(OPENSSL_LIBS) $(ZLIB_LIBS) $(BROTLI_LIBS) -lm

# The fast client: response parsing edge cases fed as byte arrays, then
# connections to a server thread (keep-alive, reconnects, errors, no fd leak).
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_fast
endif
tests_unit_check_fast_SOURCES = tests/unit/check_fast.c
tests_unit_check_fast_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(OPENSSL_CFLAGS) $(ZLIB_CFLAGS) $(BROTLI_CFLAGS) \
	$(BROTLIENC_CFLAGS)
tests_unit_check_fast_LDADD = libcrowd.a $(CHECK_LIBS) $(EV_LIBS) $(CURL_LIBS) -lhttp_parser \
	$(OPENSSL_LIBS) $(ZLIB_LIBS) $(BROTLIENC_LIBS) $(BROTLI_LIBS) $(CJSON_LIBS) -lpthread -lm

# The same end-to-end runs on the fast client (CROWD_TEST_CLIENT=fast).
TESTS += tests/e2e/checkout-fast.sh tests/e2e/failures-fast.sh tests/e2e/unreachable-fast.sh
EXTRA_DIST += tests/e2e/checkout-fast.sh tests/e2e/failures-fast.sh tests/e2e/unreachable-fast.sh

# End-to-end runs of compiled scenarios against the demo server: the numbers
# reported, failures and exit codes, connection errors, bad flags, signals.
TESTS += tests/e2e/load_control.sh
EXTRA_DIST += tests/e2e/load_control.sh

# Shapes (issue 7): a (tick ...) shape's timeline, per-stage user classes,
# bad ticks; a shape and an :arrival class driven from the web UI's /swarm.
TESTS += tests/e2e/shape_tick.sh tests/e2e/webui_shape.sh
EXTRA_DIST += tests/e2e/shape_tick.sh tests/e2e/webui_shape.sh
TESTS += tests/e2e/processes.sh tests/e2e/processes_load.sh tests/e2e/processes_shapes.sh
EXTRA_DIST += tests/e2e/processes.sh tests/e2e/processes_load.sh tests/e2e/processes_shapes.sh
TESTS += tests/e2e/checkout.sh tests/e2e/failures.sh tests/e2e/unreachable.sh \
	tests/e2e/options.sh tests/e2e/signals.sh
EXTRA_DIST += tests/e2e/checkout.sh tests/e2e/failures.sh tests/e2e/unreachable.sh \
	tests/e2e/options.sh tests/e2e/signals.sh tests/e2e/console.py

# Fuzzing (configure --enable-fuzzing, clang): libFuzzer targets for the
# scanner+parser and for the whole compiler; smoke.sh runs each for
# CROWD_FUZZ_SECONDS (skipped in other builds).  See doc/testing.md.
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_parse tests/fuzz/fuzz_compile
endif
tests_fuzz_fuzz_parse_SOURCES = tests/fuzz/fuzz_parse.c
tests_fuzz_fuzz_parse_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_parse_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_parse_LDADD = libcrowdc.a -lm
tests_fuzz_fuzz_compile_SOURCES = tests/fuzz/fuzz_compile.c
tests_fuzz_fuzz_compile_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_compile_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_compile_LDADD = libcrowdc.a -lm
TESTS += tests/fuzz/smoke.sh
EXTRA_DIST += tests/fuzz/smoke.sh tests/fuzz/corpus.sh tests/fuzz/crowd.dict

# Robustness: open-file and ephemeral-port limits checked at start-up.
TESTS += tests/e2e/limits.sh
EXTRA_DIST += tests/e2e/limits.sh

# One end-to-end run under valgrind memcheck (skipped without valgrind and
# in sanitizer builds).
TESTS += tests/e2e/valgrind.sh
EXTRA_DIST += tests/e2e/valgrind.sh

# Generated code is safe: adversarial strings everywhere, bytes checked on
# the wire through the demo server's /echoes.
TESTS += tests/e2e/wire_bytes.sh
EXTRA_DIST += tests/e2e/wire_bytes.sh tests/e2e/wire_bytes.py

# Response blocks and on-start/on-stop: the runtime's checks, saves and
# messages (unit), a correlated flow and failed expectations end to end.
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_response
endif
tests_unit_check_response_SOURCES = tests/unit/check_response.c
tests_unit_check_response_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_response_LDADD = libcrowd.a $(CHECK_LIBS) $(EV_LIBS) $(CURL_LIBS) -lhttp_parser \
	$(OPENSSL_LIBS) $(ZLIB_LIBS) $(BROTLI_LIBS) $(CJSON_LIBS) -lm
TESTS += tests/e2e/correlation.sh tests/e2e/correlation-fast.sh
EXTRA_DIST += tests/e2e/correlation.sh tests/e2e/correlation-fast.sh
# One connection per user on both clients (the demo server's /echo "client").
TESTS += tests/e2e/connections.sh
EXTRA_DIST += tests/e2e/connections.sh
# Cookies and redirects on both clients (the demo server's /cookies, /redirect).
TESTS += tests/e2e/cookies_redirects.sh
EXTRA_DIST += tests/e2e/cookies_redirects.sh
# Cookies per user while the http client lends its easy handles from a pool.
TESTS += tests/e2e/cookies_lending.sh
EXTRA_DIST += tests/e2e/cookies_lending.sh

# Safe defaults: TLS verification, no proxy from the environment, no build
# environment in executables.
TESTS += tests/e2e/safe_defaults.sh
EXTRA_DIST += tests/e2e/safe_defaults.sh

# Hostile servers: resets, stalls, garbage, broken chunking, huge headers,
# a 100 MB body, on both clients; failures, bounded memory, no fd leak.
TESTS += tests/hostile/hostile.sh
EXTRA_DIST += tests/hostile/hostile.sh tests/hostile/server.py

# Data, control flow, HTTP conveniences and the standard library (issue 5):
# the CSV parser and the feeders' strategies, every built-in on known
# vectors (unit); doc/stdlib.md is what crowdc --builtins-md prints; feeders,
# auth, loops, branches, sleep and env end to end.
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_feeder tests/unit/check_builtins
endif
tests_unit_check_feeder_SOURCES = tests/unit/check_feeder.c
tests_unit_check_feeder_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_feeder_LDADD = libcrowd.a $(CHECK_LIBS) $(EV_LIBS) $(CURL_LIBS) -lhttp_parser \
	$(OPENSSL_LIBS) $(ZLIB_LIBS) $(BROTLI_LIBS) $(CJSON_LIBS) -lm
tests_unit_check_builtins_SOURCES = tests/unit/check_builtins.c
tests_unit_check_builtins_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_builtins_LDADD = libcrowd.a $(CHECK_LIBS) $(EV_LIBS) $(CURL_LIBS) -lhttp_parser \
	$(OPENSSL_LIBS) $(ZLIB_LIBS) $(BROTLI_LIBS) $(CJSON_LIBS) -lm
TESTS += tests/compile/stdlib-doc.sh tests/e2e/data_flow.sh tests/e2e/data_flow-fast.sh
EXTRA_DIST += tests/compile/stdlib-doc.sh tests/e2e/data_flow.sh tests/e2e/data_flow-fast.sh

# Task sets, tags and user dispatch: Locust's class sequences (fixed counts
# first, the KL generator, LIFO ramp-down) and task choice in sets (unit);
# weights, sequences, interrupt, tags, --show-task-ratio and --single-user
# against the demo server (e2e).
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_dispatch
endif
tests_unit_check_dispatch_SOURCES = tests/unit/check_dispatch.c
tests_unit_check_dispatch_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_dispatch_LDADD = libcrowd.a $(CHECK_LIBS) $(EV_LIBS) $(CURL_LIBS) -lhttp_parser \
	$(OPENSSL_LIBS) $(ZLIB_LIBS) $(BROTLI_LIBS) $(CJSON_LIBS) -lm
TESTS += tests/e2e/tasksets.sh
EXTRA_DIST += tests/e2e/tasksets.sh

# Nothing lost: every file report after every stop path (a table of runs).
TESTS += tests/e2e/reports.sh
EXTRA_DIST += tests/e2e/reports.sh tests/e2e/reports_check.py

# Thresholds (pass, fail, abort-on-fail, exit codes, JUnit), percentile
# accuracy on a known delay, timings, corrected latency, --percentiles,
# --reset-stats (issue 6).
TESTS += tests/e2e/thresholds.sh tests/e2e/thresholds-fast.sh tests/e2e/measure.sh
EXTRA_DIST += tests/e2e/thresholds.sh tests/e2e/thresholds-fast.sh tests/e2e/measure.sh

# The web UI (issue 8): its REST API with curl, and the page in headless
# Chromium driven by playwright-core (skips when they cannot be installed).
TESTS += tests/e2e/webui_api.sh tests/e2e/webui_browser.sh
EXTRA_DIST += tests/e2e/webui_api.sh tests/e2e/prom_check.py tests/e2e/webui_browser.sh \
	tests/e2e/browser/webui.js tests/e2e/browser/package.json tests/e2e/browser/package-lock.json

# Every option of crowdc and of the executables is in doc/ and the man pages.
TESTS += tests/e2e/docs_options.sh
EXTRA_DIST += tests/e2e/docs_options.sh

# Event hooks: (on EVENT ...), write-file, C extensions (call NAME).
TESTS += tests/e2e/events.sh
EXTRA_DIST += tests/e2e/events.sh

# Bodies from files and multipart bodies, both clients (issue 5, part 7).
TESTS += tests/e2e/uploads.sh
EXTRA_DIST += tests/e2e/uploads.sh

# HTTP/2 and TLS client certificates against nginx, both clients (issue 5, part 7).
TESTS += tests/e2e/tls_http2.sh
EXTRA_DIST += tests/e2e/tls_http2.sh
