/*
 * spine_ext_int.h -- the C++ side of Spine's extensions to Xapian
 * (spine_ext.cc) that other C++ files of the binding share: the registry
 * that knows Spine's subclasses, for whatever reads a serialised query or
 * weighting scheme (a query copied to another thread, the remote server of
 * spine_ext_tcpsrv.cc).  Never included by C.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#ifndef SPINE_EXT_INT_H
#define SPINE_EXT_INT_H

#ifndef __cplusplus
#error "spine_ext_int.h is C++: C sees only spine_ext.h"
#endif

#include <xapian.h>

namespace spine_ext {

/* Registers in reg every Xapian subclass of Spine's that can travel as
 * bytes: the weighting scheme (SPINE_EXT_PRENORM_NAME) and the posting
 * sources.  Xapian's own classes are in every registry already.  May
 * throw what Xapian::Registry throws (std::bad_alloc). */
void register_all(Xapian::Registry &reg);

}  // namespace spine_ext

#endif /* SPINE_EXT_INT_H */
