## runtime: libcrowd, linked into every executable crowdc produces.
lib_LIBRARIES += libcrowd.a
libcrowd_a_SOURCES = \
	runtime/client.h \
	runtime/client_curl.c \
	runtime/client_fast.c \
	runtime/client_cert.c runtime/client_cert.h \
	runtime/dispatch.c runtime/dispatch.h \
	runtime/events.c runtime/events.h \
	runtime/fast_parse.c runtime/fast_parse.h \
	runtime/fast_cookie.c runtime/fast_cookie.h \
	runtime/checks.c runtime/checks.h \
	runtime/clock.h \
	runtime/arrival.c runtime/arrival.h \
	runtime/conf.c runtime/conf.h \
	runtime/shape.c runtime/shape.h \
	runtime/feeder.c runtime/feeder.h \
	runtime/files.c runtime/files.h \
	runtime/flow.c \
	runtime/histogram.c runtime/histogram.h \
	runtime/history.c runtime/history.h \
	runtime/inspect.c runtime/inspect.h \
	runtime/limits.c runtime/rlimits.h \
	runtime/log.c runtime/log.h \
	runtime/junit.c runtime/junit.h \
	runtime/measure.c runtime/measure.h \
	runtime/main.c \
	runtime/options.c runtime/options.h \
	runtime/report_console.c \
	runtime/report_csv.c runtime/report_fmt.c runtime/report_fmt.h \
	runtime/report_html.c runtime/report_impl.h runtime/report_json.c \
	runtime/reports.c runtime/reports.h \
	runtime/request.c runtime/request.h \
	runtime/response.c runtime/response.h \
	runtime/rng.c runtime/rng.h \
	runtime/runner.c runtime/runner.h \
	runtime/run_measure.c \
	runtime/stats.c runtime/stats.h \
	runtime/stats_wire.c runtime/stats_wire.h \
	runtime/procs.c runtime/procs.h \
	runtime/shared.c runtime/shared.h \
	runtime/thresholds.c runtime/thresholds.h \
	runtime/upload.c runtime/upload.h \
	runtime/user.c runtime/user.h \
	runtime/value.c \
	runtime/webui.c runtime/webui.h runtime/webui_api.c runtime/webui_int.h \
	stdlib/builtins.c stdlib/bi.h \
	stdlib/strings.c stdlib/crypto.c stdlib/logic.c stdlib/math.c \
	stdlib/jsonpath.c stdlib/jsonpath.h
libcrowd_a_CPPFLAGS = $(AM_CPPFLAGS) $(CURL_CFLAGS) $(OPENSSL_CFLAGS) $(ZLIB_CFLAGS) $(BROTLI_CFLAGS) \
	$(CJSON_CFLAGS) $(MHD_CFLAGS)

# The web UI's page (runtime/webui/) is embedded in libcrowd as C arrays,
# generated at build time with od and sed (runtime/webui/embed.sh).
CROWD_WEB_ASSETS = runtime/webui/index.html runtime/webui/app.js runtime/webui/style.css
nodist_libcrowd_a_SOURCES = runtime/webui_assets.c
CLEANFILES += runtime/webui_assets.c
EXTRA_DIST += $(CROWD_WEB_ASSETS) runtime/webui/embed.sh
runtime/webui_assets.c: $(CROWD_WEB_ASSETS) runtime/webui/embed.sh
	$(AM_V_GEN)$(MKDIR_P) runtime && \
	$(SHELL) $(srcdir)/runtime/webui/embed.sh $(srcdir)/runtime/webui > $@.tmp && mv $@.tmp $@

# What an executable links besides libcrowd.a: libev and http-parser
# statically, libcurl's stack, OpenSSL, zlib, brotli and cJSON dynamically (Debian
# ships no usable static libcurl stack, and no static cJSON); libmicrohttpd
# (the web UI) statically, its TLS library GnuTLS dynamically.
CROWD_EXE_LIBS = -Wl,-Bstatic -lev -lhttp_parser -lmicrohttpd -Wl,-Bdynamic -lgnutls -lpthread $(CURL_LIBS) $(OPENSSL_LIBS) $(ZLIB_LIBS) $(BROTLI_LIBS) $(CJSON_LIBS) -lm
