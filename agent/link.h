/* link: the one outbound WebSocket to the platform, kept up forever: connect, reassemble
 * messages under a size cap, send frames in order, reconnect with jittered exponential
 * backoff, and a dead-link watchdog. Glue over libwebsockets on the process's libuv loop;
 * protocol meaning belongs to session.c. */
#ifndef AG_LINK_H
#define AG_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "rp_err.h"

struct ag_link_cbs {
    void (*up)(void *ud);
    void (*frame)(void *ud, const unsigned char *data, size_t len, bool binary);
    void (*down)(void *ud, const char *reason);
};

struct ag_link_cfg {
    const char *host;
    int port;
    const char *path;
    bool tls;
    bool insecure;      /* accept any platform certificate */
    size_t max_message; /* larger messages are refused with a too_large error */
    const char *proxy;  /* HTTP proxy "[user:pass@]host:port" for the platform; NULL: direct */
    char *const *pins;  /* base64 SHA-256 of accepted platform public keys (SPKI); borrowed */
    size_t n_pins;
};

/* The base64 SHA-256 of a DER SubjectPublicKeyInfo, as curl's and HPKP's pins write it. */
void ag_link_spki_pin(const unsigned char *der, size_t len, char out[64]);

struct ag_link;

struct ag_link *ag_link_new(uv_loop_t *loop, const struct ag_link_cfg *cfg,
                            const struct ag_link_cbs *cbs, void *ud, struct rp_err *err);
/* Connects now (and again after every loss until ag_link_close). */
void ag_link_start(struct ag_link *l);
/* Queues one frame; sent in order, before the loop next waits for I/O. Returns 0,
 * RP_ESHUTTING_DOWN (no link), RP_ENOMEM or RP_EINTERNAL (no masking key). */
int ag_link_send(struct ag_link *l, const unsigned char *data, size_t len, bool binary);
/* Closes the current WebSocket; a new one follows after the backoff delay. */
void ag_link_drop(struct ag_link *l, const char *reason);
/* (Re)arms the watchdog: without a new call within ms the link is dropped. */
void ag_link_watchdog(struct ag_link *l, int ms);
/* The link reached a good state: the next loss starts the backoff from the beginning. */
void ag_link_reset_backoff(struct ag_link *l);
/* Stops reconnecting and closes the WebSocket after the queued frames are written (or at
 * once when flush is false). The down callback follows when it is gone. */
void ag_link_close(struct ag_link *l, bool flush);
/* True while a WebSocket exists (connecting, open or closing). */
bool ag_link_busy(const struct ag_link *l);
/* Destroys the lws context and closes the timers; the loop must then run until it drains. */
void ag_link_destroy(struct ag_link *l);
/* lws 4.1 with a foreign loop may need a second destroy round after the loop ran: returns
 * true when it did one (run the loop again then). */
bool ag_link_destroy_again(struct ag_link *l);
/* Frees the memory; only after the loop has drained. NULL is a no-op. */
void ag_link_free(struct ag_link *l);

/* Backoff delay for the n-th consecutive failure (0-based): exponential from 500 ms, capped
 * at 10 s, with jitter taking the delay down to half of that; rnd is any random number. */
unsigned ag_backoff_delay_ms(unsigned attempt, uint32_t rnd);

#endif
