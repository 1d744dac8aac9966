## compiler: crowdc.
bin_PROGRAMS += crowdc
crowdc_SOURCES = compiler/main.c
