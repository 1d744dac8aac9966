## bench: the benchmark (bench/run.sh, doc/performance.md).  Built only on
## demand (make bench/stats_bench bench/curl_loop), never by make or make check.
EXTRA_PROGRAMS += bench/stats_bench bench/curl_loop
bench_stats_bench_SOURCES = bench/stats_bench.c
bench_stats_bench_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/runtime
bench_stats_bench_LDADD = libcrowd.a $(EV_LIBS) $(CURL_LIBS) -lhttp_parser $(OPENSSL_LIBS) $(ZLIB_LIBS) $(BROTLI_LIBS) -lm
bench_curl_loop_SOURCES = bench/curl_loop.c
bench_curl_loop_LDADD = $(EV_LIBS) $(CURL_LIBS) -lm
CLEANFILES += bench/stats_bench bench/curl_loop
EXTRA_DIST += bench/run.sh bench/throughput.crowd bench/memory.crowd \
	bench/latency.crowd bench/locustfile_fast.py bench/locustfile_http.py \
	bench/soak.sh bench/soak.crowd
