/* log.h — log lines in Locust's layout, on stderr:
 *
 *   [2026-11-27 10:00:00,123] HOSTNAME/INFO/crowd.main: message
 *
 * Ownership: the module keeps the level and the host name, written once by
 * crowd_log_init() (from crowd_main) and only read afterwards.
 */
#ifndef CROWD_LOG_H
#define CROWD_LOG_H

typedef enum crowd_log_level {
  CROWD_LOG_DEBUG = 10,
  CROWD_LOG_INFO = 20,
  CROWD_LOG_WARNING = 30,
  CROWD_LOG_ERROR = 40,
  CROWD_LOG_CRITICAL = 50
} crowd_log_level;

void crowd_log_init(crowd_log_level level);
int crowd_log_enabled(crowd_log_level level);
void crowd_log(crowd_log_level level, const char *logger, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "INFO" -> CROWD_LOG_INFO, case-insensitive; -1 if unknown. */
int crowd_log_parse_level(const char *name);

#endif
