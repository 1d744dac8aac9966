## examples: scenarios and the demo shop server they run against.
bin_PROGRAMS += crowd-demo-server
crowd_demo_server_SOURCES = examples/demo-server/main.c \
	examples/demo-server/routes.c examples/demo-server/store.c \
	examples/demo-server/stats.c examples/demo-server/delay.c \
	examples/demo-server/buf.c examples/demo-server/demo.h
crowd_demo_server_CPPFLAGS = $(AM_CPPFLAGS) $(MHD_CFLAGS) $(CJSON_CFLAGS)
crowd_demo_server_LDADD = $(MHD_LIBS) $(CJSON_LIBS) -lpthread
EXTRA_DIST += examples/demo-server/README.md
EXTRA_DIST += examples/checkout.crowd examples/quickstart.sh
EXTRA_DIST += examples/events.crowd examples/hooks.c
