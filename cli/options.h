/*
 * options.h -- what the option parsing of the two programs (spine-index,
 * spine-search) shares: reading a number, and naming the option
 * getopt_long() stopped at.  Each message is one line on stderr, headed
 * by the program's name, with what the user typed escaped
 * (spine_format_escaped()).  Built into each program, not into libspine.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#ifndef SPINE_CLI_OPTIONS_H
#define SPINE_CLI_OPTIONS_H

#include <getopt.h>

/* Reads arg, the value of option opt, as a decimal number from min to max:
 * digits only (no sign, space or other text) and no more than max, so
 * that "-5" is never taken for a huge number.  Returns 0 with *out set;
 * else prints "PROG: OPT wants a number from MIN to MAX, not 'ARG'" and
 * returns -1. */
int cli_number(const char *prog, const char *opt, const char *arg,
               unsigned long long min, unsigned long long max,
               unsigned long long *out);

/* Prints why getopt_long() returned c ('?' or ':'), called right after it
 * with the argv and longopts it was given: "PROG: unknown option '-k'"
 * for a letter it does not know, even inside a group ("-kidney", where
 * argv[optind - 1] is still the argument before), "unknown option
 * '--bogus'", "option '--json' takes no argument" for "--json=1", or
 * "missing argument to '--limit'"; then " (see --help)". */
void cli_bad_option(const char *prog, int c, char *const argv[],
                    const struct option *longopts);

#endif /* SPINE_CLI_OPTIONS_H */
