/* ws_lws: the libwebsockets glue shared by the agent's link and the stub's server. */
#include "ws.h"

#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>
#include <openssl/rand.h>

#include "rp_err.h"
#include "rp_log.h"
#include "ws_frame.h"

struct rp_ws_frame {
    struct rp_ws_frame *next;
    unsigned char *wire; /* the header, then the (masked) payload */
    size_t wire_len;
    unsigned char data[]; /* RP_WS_FRAME_HEADER_MAX bytes of headroom, then the payload */
};

/* Masking keys come from OpenSSL's generator, 64 at a time: each RAND_bytes call costs a
 * getpid() (its fork check), and the keys only need to be unpredictable. */
static int mask_key(unsigned char key[4])
{
    static unsigned char pool[256];
    static size_t used = sizeof(pool);
    if (used == sizeof(pool)) {
        if (RAND_bytes(pool, sizeof(pool)) != 1) {
            return RP_EINTERNAL;
        }
        used = 0;
    }
    memcpy(key, pool + used, 4);
    used += 4;
    return 0;
}

int rp_ws_queue_push(struct rp_ws_queue *q, const unsigned char *data, size_t len, bool binary)
{
    unsigned char key[4];
    if (q->mask && mask_key(key)) {
        return RP_EINTERNAL;
    }
    struct rp_ws_frame *f = malloc(sizeof(*f) + RP_WS_FRAME_HEADER_MAX + len);
    if (!f) {
        return RP_ENOMEM;
    }
    unsigned char head[RP_WS_FRAME_HEADER_MAX];
    size_t hn = rp_ws_frame_header(head, len, binary, q->mask ? key : NULL);
    unsigned char *payload = f->data + RP_WS_FRAME_HEADER_MAX;
    f->next = NULL;
    f->wire = payload - hn;
    f->wire_len = hn + len;
    memcpy(f->wire, head, hn);
    if (len) {
        memcpy(payload, data, len);
        if (q->mask) {
            rp_ws_frame_mask(payload, len, key);
        }
    }
    if (q->tail) {
        q->tail->next = f;
    } else {
        q->head = f;
    }
    q->tail = f;
    return 0;
}

static struct rp_ws_frame *queue_pop(struct rp_ws_queue *q)
{
    struct rp_ws_frame *f = q->head;
    q->head = f->next;
    if (!q->head) {
        q->tail = NULL;
    }
    return f;
}

/* The frames are whole and framed already, so they go out as raw bytes (lws's "HTTP" write
 * type, which its ws role passes straight to the socket, buffering what is left). */
static int write_raw(struct lws *wsi, unsigned char *p, size_t len)
{
    int n = lws_write(wsi, p, len, LWS_WRITE_HTTP);
    return n >= 0 && (size_t)n >= len ? 0 : -1;
}

int rp_ws_queue_write(struct rp_ws_queue *q, struct lws *wsi)
{
    if (!q->head) {
        return 0;
    }
    if (!q->head->next || q->head->wire_len + q->head->next->wire_len > RP_WS_BATCH_MAX) {
        struct rp_ws_frame *f = queue_pop(q);
        int rc = write_raw(wsi, f->wire, f->wire_len);
        free(f);
        return rc;
    }
    /* one scratch buffer for every queue (single-threaded; lws keeps what the socket did not
     * take, so nothing outlives the call) */
    static unsigned char batch[RP_WS_BATCH_MAX];
    size_t len = 0;
    while (q->head && len + q->head->wire_len <= RP_WS_BATCH_MAX) {
        struct rp_ws_frame *f = queue_pop(q);
        memcpy(batch + len, f->wire, f->wire_len);
        len += f->wire_len;
        free(f);
    }
    return write_raw(wsi, batch, len);
}

void rp_ws_queue_clear(struct rp_ws_queue *q)
{
    while (q->head) {
        struct rp_ws_frame *f = q->head;
        q->head = f->next;
        free(f);
    }
    q->tail = NULL;
}

void rp_ws_rx_init(struct rp_ws_rx *rx, size_t cap)
{
    rp_buf_init(&rx->buf);
    rx->cap = cap;
    rx->binary = false;
    rx->skip = false;
}

void rp_ws_rx_cleanup(struct rp_ws_rx *rx)
{
    rp_buf_cleanup(&rx->buf);
}

int rp_ws_rx_feed(struct rp_ws_rx *rx, struct lws *wsi, const void *in, size_t in_len,
                  const unsigned char **msg, size_t *len, bool *binary)
{
    int rc = 0;
    if (lws_is_first_fragment(wsi)) {
        rp_buf_reset(&rx->buf);
        rx->binary = lws_frame_is_binary(wsi);
        rx->skip = false;
    }
    if (!rx->skip && rx->buf.len + in_len > rx->cap) {
        rx->skip = true;
        rp_buf_reset(&rx->buf);
        rc = RP_ETOO_LARGE;
    }
    if (!rx->skip && rp_buf_append(&rx->buf, in, in_len)) {
        rx->skip = true;
        rc = RP_ENOMEM;
    }
    if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
        bool whole = !rx->skip;
        rx->skip = false;
        if (whole) {
            *msg = rx->buf.data ? rx->buf.data : (const unsigned char *)"";
            *len = rx->buf.len;
            *binary = rx->binary;
            return 1;
        }
    }
    return rc;
}

static void emit_lws_log(int level, const char *line)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
        n--;
    }
    rp_log(level == LLL_ERR ? RP_LOG_WARN : RP_LOG_VERBOSE, "lws", "%.*s", (int)n, line);
}

void rp_ws_log_setup(void)
{
    lws_set_log_level(rp_log_enabled(RP_LOG_TRACE) ? LLL_ERR | LLL_WARN | LLL_NOTICE : LLL_ERR,
                      emit_lws_log);
}
