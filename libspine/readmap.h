/*
 * readmap.h -- serves Xapian's block reads of an open index from memory
 * maps instead of one pread() system call per block.
 *
 * Xapian's glass backend reads every B-tree block it visits with pread(),
 * and keeps no cache of its own beyond one block per tree level for each
 * cursor.  A warm query on MedQuAD makes about six such calls; on a
 * virtual machine, where a system call is dear, they were a third of the
 * time of an AND query (benchmarks/RESULTS.md).  Xapian has no hook for its
 * I/O, so libspine replaces the C library's open(), pread() and close():
 *
 *   - While a thread is inside spine_readmap_capture_begin() ... _end(), a
 *     read-only open() of a file whose name ends in ".glass" is noted.
 *     After its 64th read (SPINE_READMAP_AFTER_READS, below) the whole
 *     file is mapped read-only: MAP_SHARED, the very pages of the page
 *     cache that pread() would copy from.
 *   - pread() on such a descriptor copies from the map; any other read
 *     (another descriptor, a range past the mapped size) is the system
 *     call, exactly as before.
 *   - close() of such a descriptor drops its map first, so a descriptor
 *     number reused for another file is never served from an old map.
 *
 * Spine opens only immutable generations this way (index.h), so a map can
 * never go stale.  dup2(), dup3() and close_range(), which close
 * descriptors too, are replaced as close() is.  Only a descriptor closed
 * by a raw system call would keep its map.  Nothing else in the process
 * changes behaviour: opens outside a capture, writes, and every other
 * descriptor go straight to the kernel.  Setting SPINE_NO_READMAP=1 in the environment turns the maps
 * off (for measuring what they save).  On systems other than 64-bit Linux
 * the capture functions do nothing and no C library function is replaced.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#ifndef SPINE_READMAP_H
#define SPINE_READMAP_H

#include <stddef.h>

/* A captured file is mapped at its this-many-th read unless
 * spine_readmap_set_after() says otherwise.  Not at once: on a virtual
 * machine each page first touched through a map costs a fault dearer than
 * a pread() of it.  A one-shot spine-search reads a table at most a few
 * dozen times, and mapping at once made it 0.6 ms slower (4.5 against
 * 5.1 ms, hyperfine); a searcher that answers many queries crosses this
 * within its first queries. */
#define SPINE_READMAP_AFTER_READS 64

/* Starts capturing on the calling thread: the index files it opens from
 * now on until spine_readmap_capture_end() are served from maps.  Captures
 * do not nest. */
void spine_readmap_capture_begin(void);

/* Stops capturing on the calling thread.  Returns how many files the
 * capture took, to be mapped once read often enough (0 when maps are off
 * or unsupported). */
unsigned spine_readmap_capture_end(void);

/* Sets how many reads of a file taken from now on go to the system call
 * before the file is mapped: SPINE_READMAP_AFTER_READS unless set; 0 maps
 * at the first read.
 * Process wide; files taken earlier keep their own count. */
void spine_readmap_set_after(unsigned reads);

/* Returns how many descriptors are served from maps right now, process
 * wide (for tests). */
unsigned spine_readmap_count(void);

#endif
