/*
 * options.c -- the option parsing both programs share (options.h).
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include <stdio.h>
#include <string.h>

#include "options.h"
#include "spine/format.h"

int cli_number(const char *prog, const char *opt, const char *arg,
               unsigned long long min, unsigned long long max,
               unsigned long long *out)
{
    unsigned long long v = 0;
    int ok = *arg != '\0';
    for (const char *p = arg; ok && *p; p++) {
        unsigned d = (unsigned)(*p - '0');
        ok = *p >= '0' && *p <= '9' && d <= max && v <= (max - d) / 10;
        v = v * 10 + d;
    }
    if (ok && v >= min) {
        *out = v;
        return 0;
    }
    fprintf(stderr, "%s: %s wants a number from %llu to %llu, not '", prog,
            opt, min, max);
    spine_format_escaped(stderr, arg);
    fputs("'\n", stderr);
    return -1;
}

/* The long option that takes no argument and stands for val, when arg is
 * "--NAME=..." for it (NAME its name or a prefix of it): what
 * getopt_long() refuses with optopt set to val, as it does an unknown
 * letter.  Else NULL. */
static const struct option *flag_given_value(const char *arg, int val,
                                             const struct option *longopts)
{
    const char *eq = strchr(arg, '=');
    if (strncmp(arg, "--", 2) != 0 || !eq)
        return NULL;
    size_t n = (size_t)(eq - arg - 2);
    for (const struct option *o = longopts; o->name; o++)
        if (o->has_arg == no_argument && o->val == val && !o->flag
            && strncmp(o->name, arg + 2, n) == 0)
            return o;
    return NULL;
}

void cli_bad_option(const char *prog, int c, char *const argv[],
                    const struct option *longopts)
{
    /* A missing argument, an unknown long option and a long option given
     * a value have made getopt_long() step past their argument; an
     * unknown letter has not, unless it ended its group. */
    const char *arg = argv[optind - 1];
    const struct option *flag = NULL;
    char letter[3] = { '-', (char)optopt, '\0' };
    fprintf(stderr, "%s: ", prog);
    if (c == ':') {
        fputs("missing argument to '", stderr);
        spine_format_escaped(stderr, arg);
        fputs("'", stderr);
    } else if (optopt != 0
               && (flag = flag_given_value(arg, optopt, longopts))) {
        fprintf(stderr, "option '--%s' takes no argument", flag->name);
    } else {
        fputs("unknown option '", stderr);
        spine_format_escaped(stderr, optopt != 0 ? letter : arg);
        fputs("'", stderr);
    }
    fputs(" (see --help)\n", stderr);
}
