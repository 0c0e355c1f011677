/* doctor: `repeater doctor`, one line per check with ✓ or ✗ and what to do: DNS of the
 * platform host, TCP and TLS to it (certificate subject and days left), the proxy in use, the
 * clock against the platform's, and the reachability of --check-url URLs. The credentials
 * check (connect, deploy, leave) runs the real session afterwards, in main.c. */
#ifndef AG_DOCTOR_H
#define AG_DOCTOR_H

#include <stdbool.h>
#include <stdio.h>

#include "options.h"

/* Prints one check's line. */
void ag_doctor_line(FILE *out, bool ok, const char *what, const char *detail, const char *fix);
/* Runs the network checks; returns how many checks of the platform failed and puts how many
 * --check-url targets failed in *targets_failed. */
int ag_doctor_network(const struct ag_options *o, FILE *out, int *targets_failed);

#endif
