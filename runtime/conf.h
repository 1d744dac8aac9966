/* conf.h — every source of the executable's options, in one precedence
 * (doc/running.md, "Configuration"):
 *
 *   the scenario's (options ...)  <  ~/.crowd.conf  <  ./crowd.conf
 *     <  --config FILE (or CROWD_CONFIG)  <  CROWD_* / LOCUST_* environment
 *     <  the command line
 *
 * Each later source overrides the earlier ones, option by option.  All of
 * them go through options.c's table and its one parser per value type
 * (crowd_opt_set); an unknown key or a bad value is an error naming the
 * option and where it was given, exit code 2.
 *
 * Ownership: crowd_config_load fills a crowd_options the caller owns and
 * frees with crowd_opt_free.  Files are read and closed inside.
 */
#ifndef CROWD_CONF_H
#define CROWD_CONF_H

#include <stddef.h>
#include <stdio.h>

#include <crowd/crowd.h>

#include "options.h"

/* Defaults, then every source above.  sc may be NULL (no scenario
 * options).  Returns 0, or CROWD_OPT_USAGE after printing the error. */
int crowd_config_load(crowd_options *o, const crowd_scenario_desc *sc, int argc, char **argv, FILE *err);

/* Apply a config file's text (Locust's conf syntax: `key = value`,
 * `key: value`, `key value`, a bare `key` for a flag that is on; `#` and `;`
 * comments; `[section]` lines ignored; lists `[a, b]`).  name is the file
 * name for errors ("name:LINE: ...").  Returns 0 or CROWD_OPT_USAGE. */
int crowd_config_apply_text(crowd_options *o, const char *text, size_t len, const char *name, FILE *err);

/* Read and apply the file at path.  A missing file is 0 when optional;
 * otherwise an error.  Returns 0 or CROWD_OPT_USAGE. */
int crowd_config_apply_file(crowd_options *o, const char *path, int optional, FILE *err);

/* The environment variables: CROWD_<NAME> for every option (NAME: the long
 * name upper-cased, '-' as '_'), and LOCUST_<NAME> (Locust's names) for the
 * options Locust has, when the CROWD_ one is not set.  getenv_fn is getenv,
 * or a stand-in for tests. */
int crowd_config_apply_env(crowd_options *o, char *(*getenv_fn)(const char *), FILE *err);

/* The scenario's (options :key value ...), as compiled. */
int crowd_config_apply_scenario(crowd_options *o, const crowd_scenario_desc *sc, FILE *err);

#endif
