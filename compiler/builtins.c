#include "config.h"

#include "compiler/builtins.h"

#include <string.h>

/* The one table: stdlib/builtins.def, read as an X-macro. */
const crowdc_builtin crowdc_builtins[] = {
#define CROWD_BUILTIN(name, cname, minargs, maxargs, argtypes, rettype, doc) \
  { name, #cname, minargs, maxargs, argtypes, rettype, doc },
#include "builtins.def"
#undef CROWD_BUILTIN
};

const size_t crowdc_nbuiltins = sizeof crowdc_builtins / sizeof crowdc_builtins[0];

static const char *const crowdc_builtin_name_list[] = {
#define CROWD_BUILTIN(name, cname, minargs, maxargs, argtypes, rettype, doc) name,
#include "builtins.def"
#undef CROWD_BUILTIN
};

int crowdc_builtin_find(const char *name, size_t len)
{
  for (size_t i = 0; i < crowdc_nbuiltins; i++) {
    if (strlen(crowdc_builtins[i].name) == len && memcmp(crowdc_builtins[i].name, name, len) == 0)
      return (int)i;
  }
  return -1;
}

char crowdc_builtin_argtype(const crowdc_builtin *b, int i)
{
  size_t n = strlen(b->argtypes);
  if (n == 0)
    return 'a';
  return b->argtypes[(size_t)i < n ? (size_t)i : n - 1];
}

const char *const *crowdc_builtin_names(void)
{
  return crowdc_builtin_name_list;
}
