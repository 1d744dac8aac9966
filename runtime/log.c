#include "config.h"

#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static crowd_log_level log_level = CROWD_LOG_INFO;
static char log_host[256] = "localhost";

static const struct { const char *name; crowd_log_level level; } log_levels[] = {
  { "DEBUG", CROWD_LOG_DEBUG }, { "INFO", CROWD_LOG_INFO },
  { "WARNING", CROWD_LOG_WARNING }, { "ERROR", CROWD_LOG_ERROR },
  { "CRITICAL", CROWD_LOG_CRITICAL },
};

void crowd_log_init(crowd_log_level level)
{
  log_level = level;
  if (gethostname(log_host, sizeof log_host) != 0)
    snprintf(log_host, sizeof log_host, "localhost");
  log_host[sizeof log_host - 1] = '\0';
}

int crowd_log_enabled(crowd_log_level level)
{
  return level >= log_level;
}

int crowd_log_parse_level(const char *name)
{
  for (size_t i = 0; i < sizeof log_levels / sizeof log_levels[0]; i++)
    if (strcasecmp(name, log_levels[i].name) == 0)
      return (int)log_levels[i].level;
  return -1;
}

static const char *level_name(crowd_log_level level)
{
  for (size_t i = 0; i < sizeof log_levels / sizeof log_levels[0]; i++)
    if (log_levels[i].level == level)
      return log_levels[i].name;
  return "INFO";
}

void crowd_log(crowd_log_level level, const char *logger, const char *fmt, ...)
{
  if (!crowd_log_enabled(level))
    return;
  struct timespec ts = { 0, 0 };
  struct tm tm;
  char stamp[32] = "";
  if (clock_gettime(CLOCK_REALTIME, &ts) == 0 && localtime_r(&ts.tv_sec, &tm) != NULL)
    strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
  /* One fprintf for the prefix and one for the message; stderr is unbuffered,
   * so build the line first to keep it whole. */
  char line[2048];
  int n = snprintf(line, sizeof line, "[%s,%03ld] %s/%s/%s: ", stamp,
                   (long)(ts.tv_nsec / 1000000), log_host, level_name(level), logger);
  if (n < 0)
    return;
  if ((size_t)n < sizeof line) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
  }
  fprintf(stderr, "%s\n", line);
}
