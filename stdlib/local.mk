## stdlib: the built-in table (read by the compiler and the runtime) and the
## runtime side of each built-in.
crowdincdir = $(includedir)/crowd
crowdinc_HEADERS = runtime/include/crowd/crowd.h runtime/include/crowd/extension.h stdlib/builtins.def
