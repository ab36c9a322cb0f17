#include "config.h"

#include "status.h"

const char *
vd_status_str(vd_status_t status)
{
	/* No default: a new status without a text is a compiler warning. */
	switch (status) {
	case VD_OK:
		return "success";
	case VD_ERR_NOMEM:
		return "out of memory";
	case VD_ERR_IO:
		return "input/output error";
	case VD_ERR_INVALID:
		return "invalid input";
	case VD_ERR_NOT_FOUND:
		return "not found";
	case VD_ERR_LOCKED:
		return "database is locked by another process";
	case VD_ERR_CORRUPT:
		return "database or data file is corrupt";
	case VD_ERR_MODIFIED:
		return "database was modified during the read";
	case VD_ERR_NO_SPACE:
		return "no space left on device";
	case VD_ERR_XAPIAN:
		return "Xapian error";
	case VD_ERR_SHUTDOWN:
		return "server is shutting down";
	case VD_STATUS_LAST:
		break;
	}
	return "unknown status";
}
