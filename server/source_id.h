#ifndef VD_SOURCE_ID_H
#define VD_SOURCE_ID_H

/* API.md "Source ids": prefix, '-', the identifier (NULL: "") with every
 * character outside A-Za-z0-9._- as '-', cut to 64 and then ending in 8
 * hex digits of the SHA-256 of the whole, so distinct ids stay distinct;
 * written to out. */
void vd_source_id(const char *prefix, const char *identifier, char out[65]);

#endif
