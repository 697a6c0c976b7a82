/*
 * version.c -- the versions of Spine and of the Xapian it runs on, for
 * programs that must not include the binding (the CLIs' --version).
 */
#include "spine/version.h"
#include "xapian_c.h"

const char *spine_version(void)
{
    return SPINE_VERSION_STRING;
}

const char *spine_xapian_version(void)
{
    return xapian_version_string();
}
