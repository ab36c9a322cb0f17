/* Status codes shared by every module of vaardigd. */
#ifndef VD_STATUS_H
#define VD_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vd_status {
	VD_OK = 0,
	VD_ERR_NOMEM,
	VD_ERR_IO,
	VD_ERR_INVALID, /* bad input or bad data file */
	VD_ERR_NOT_FOUND,
	VD_ERR_LOCKED,   /* the database is locked by another process */
	VD_ERR_CORRUPT,  /* the database or a data file cannot be read */
	VD_ERR_MODIFIED, /* retryable: the database changed under a reader */
	VD_ERR_NO_SPACE, /* the disk is full */
	VD_ERR_XAPIAN,   /* any other Xapian error */
	VD_ERR_SHUTDOWN, /* the server is stopping; nothing was done */
	VD_STATUS_LAST
} vd_status_t;

/* A fixed English text for a status; never NULL. */
const char *vd_status_str(vd_status_t status);

#ifdef __cplusplus
}
#endif

#endif
