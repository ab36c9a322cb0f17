#ifndef VD_TEST_LEGACY_INDEX_H
#define VD_TEST_LEGACY_INDEX_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Commits one document holding data as Xapian's document data. */
bool legacy_write_doc(const char *dir, const char *unique_term, const char *data);

#ifdef __cplusplus
}
#endif

#endif
