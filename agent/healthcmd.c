/* healthcmd: `repeater health`, a client of the health endpoint for container health checks
 * (no curl needed in the image). Exit 0 when the agent answers 200, 1 otherwise. */
#include "healthcmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

int ag_health_command(int argc, char **argv)
{
    const char *listen = getenv("REPEATER_HEALTH_LISTEN");
    const char *path = "/healthz";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--ready") == 0) {
            path = "/readyz";
        } else if (strcmp(argv[i], "--health-listen") == 0 && i + 1 < argc) {
            listen = argv[++i];
        } else if (strncmp(argv[i], "--health-listen=", 16) == 0) {
            listen = argv[i] + 16;
        } else {
            fprintf(stderr, "usage: repeater health [--ready] [--health-listen HOST:PORT]\n"
                            "  asks a running agent's health endpoint (REPEATER_HEALTH_LISTEN)\n");
            return 2;
        }
    }
    if (!listen || !listen[0]) {
        fprintf(stderr, "repeater health: no --health-listen (or REPEATER_HEALTH_LISTEN) given\n");
        return 2;
    }
    /* an agent listening on every address answers on loopback */
    char host[160];
    const char *colon = strrchr(listen, ':');
    if (!colon) {
        fprintf(stderr, "repeater health: \"%s\" is not HOST:PORT\n", listen);
        return 2;
    }
    snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
    if (strcmp(host, "0.0.0.0") == 0) {
        snprintf(host, sizeof(host), "127.0.0.1");
    } else if (strcmp(host, "[::]") == 0) {
        snprintf(host, sizeof(host), "[::1]");
    }
    char url[256];
    snprintf(url, sizeof(url), "http://%s:%s%s", host, colon + 1, path);
    CURL *c = curl_easy_init();
    if (!c) {
        return 1;
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 3000L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) {
        printf("unhealthy: %s unreachable (%s)\n", url, curl_easy_strerror(rc));
        return 1;
    }
    if (status != 200) {
        printf("unhealthy: %s answered %ld\n", url, status);
        return 1;
    }
    printf("ok: %s\n", url);
    return 0;
}
