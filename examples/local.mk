## examples: scenarios and the demo shop server they run against.
bin_PROGRAMS += crowd-demo-server
crowd_demo_server_SOURCES = examples/demo-server/main.c
crowd_demo_server_CPPFLAGS = $(AM_CPPFLAGS) $(MHD_CFLAGS)
crowd_demo_server_LDADD = $(MHD_LIBS) -lpthread
EXTRA_DIST += examples/checkout.crowd examples/quickstart.sh
