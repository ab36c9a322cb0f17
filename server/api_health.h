#ifndef VD_API_HEALTH_H
#define VD_API_HEALTH_H

#include "http.h"

void vd_api_health(vd_call_t *call);

#endif
