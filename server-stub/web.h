/* web: the page platform-stub serves at / (server-stub/web, embedded at build time by
 * embed.cmake). */
#ifndef PS_WEB_H
#define PS_WEB_H

#include <stddef.h>

struct ps_web_asset {
    const char *path; /* "/index.html", "/app.js", ... */
    const char *type;
    const unsigned char *data;
    size_t len;
};

/* Terminated by an entry with a NULL path. */
extern const struct ps_web_asset ps_web_assets[];

#endif
