/* eio: Engine.IO v4 framing and the open handshake. It does not own timers or sockets; the
 * session modules act on what it decodes. */
#include "eio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rp_eio_decode(const unsigned char *frame, size_t len, bool binary, struct rp_eio_packet *pkt,
                  struct rp_err *err)
{
    if (binary) {
        pkt->type = RP_EIO_MESSAGE;
        pkt->binary = true;
        pkt->payload = frame;
        pkt->len = len;
        return 0;
    }
    if (len == 0) {
        return rp_err_set(err, RP_EBAD_FRAME, "engine.io: empty text frame");
    }
    if (frame[0] < '0' || frame[0] > '6') {
        return rp_err_set(err, RP_EBAD_FRAME, "engine.io: unknown packet type 0x%02x", frame[0]);
    }
    pkt->type = (enum rp_eio_type)(frame[0] - '0');
    pkt->binary = false;
    pkt->payload = frame + 1;
    pkt->len = len - 1;
    return 0;
}

int rp_eio_open_parse(const unsigned char *payload, size_t len, struct rp_eio_open *open,
                      struct rp_err *err)
{
    json_error_t jerr;
    json_t *root = json_loadb((const char *)payload, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        return rp_err_set(err, RP_EBAD_PACKET, "engine.io open: %s", jerr.text);
    }
    const char *sid = NULL;
    json_int_t interval = 0;
    json_int_t timeout = 0;
    json_int_t max_payload = 1000000;
    int rc = json_unpack_ex(root, &jerr, 0, "{s:s, s:I, s:I, s?:I}", "sid", &sid, "pingInterval",
                            &interval, "pingTimeout", &timeout, "maxPayload", &max_payload);
    if (rc) {
        rc = rp_err_set(err, RP_EBAD_PACKET, "engine.io open: %s", jerr.text);
    } else if (strlen(sid) >= sizeof(open->sid) || interval <= 0 || interval > 3600000 ||
               timeout <= 0 || timeout > 3600000 || max_payload <= 0) {
        rc = rp_err_set(err, RP_EBAD_PACKET, "engine.io open: values out of range");
    } else {
        snprintf(open->sid, sizeof(open->sid), "%s", sid);
        open->ping_interval_ms = (int)interval;
        open->ping_timeout_ms = (int)timeout;
        open->max_payload = (long)max_payload;
    }
    json_decref(root);
    return rc;
}

char *rp_eio_open_build(const struct rp_eio_open *open)
{
    json_t *o = json_pack("{s:s, s:[], s:i, s:i, s:I}", "sid", open->sid, "upgrades",
                          "pingInterval", open->ping_interval_ms, "pingTimeout",
                          open->ping_timeout_ms, "maxPayload", (json_int_t)open->max_payload);
    if (!o) {
        return NULL;
    }
    char *body = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!body) {
        return NULL;
    }
    size_t n = strlen(body);
    char *out = malloc(n + 2);
    if (out) {
        out[0] = '0';
        memcpy(out + 1, body, n + 1);
    }
    free(body);
    return out;
}
