/* har: a delivery's attempts as an HTTP Archive (HAR 1.2), so browser tools and HAR viewers can
 * open what the platform sent and got back. Pure logic over the delivery JSON of api.c. */
#ifndef PS_HAR_H
#define PS_HAR_H

#include <jansson.h>

/* A new HAR document {log: {version, creator, entries}} for the delivery (borrowed). */
json_t *ps_har_from_delivery(const json_t *delivery);

#endif
