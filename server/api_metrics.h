/* GET /metrics (admin): the Prometheus text exposition, format 0.0.4. */
#ifndef VD_API_METRICS_H
#define VD_API_METRICS_H

#include "http.h"

void vd_api_metrics(vd_call_t *call);

#endif
