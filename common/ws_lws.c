/* ws_lws: the libwebsockets glue shared by the agent's link and the stub's server. */
#include "ws.h"

#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "rp_err.h"
#include "rp_log.h"

struct rp_ws_frame {
    struct rp_ws_frame *next;
    size_t len;
    bool binary;
    unsigned char data[]; /* LWS_PRE bytes of headroom, then the payload */
};

int rp_ws_queue_push(struct rp_ws_queue *q, const unsigned char *data, size_t len, bool binary)
{
    struct rp_ws_frame *f = malloc(sizeof(*f) + LWS_PRE + len);
    if (!f) {
        return RP_ENOMEM;
    }
    f->next = NULL;
    f->len = len;
    f->binary = binary;
    if (len) {
        memcpy(f->data + LWS_PRE, data, len);
    }
    if (q->tail) {
        q->tail->next = f;
    } else {
        q->head = f;
    }
    q->tail = f;
    q->n++;
    return 0;
}

int rp_ws_queue_write(struct rp_ws_queue *q, struct lws *wsi)
{
    struct rp_ws_frame *f = q->head;
    if (!f) {
        return 0;
    }
    q->head = f->next;
    if (!q->head) {
        q->tail = NULL;
    }
    q->n--;
    int n =
        lws_write(wsi, f->data + LWS_PRE, f->len, f->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
    bool ok = n >= 0 && (size_t)n >= f->len;
    free(f);
    return ok ? 0 : -1;
}

void rp_ws_queue_clear(struct rp_ws_queue *q)
{
    while (q->head) {
        struct rp_ws_frame *f = q->head;
        q->head = f->next;
        free(f);
    }
    q->tail = NULL;
    q->n = 0;
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
