/* Fuzz target: msgpack bytes -> JSON (mpjson), and back again when they decode. */
#include <stddef.h>
#include <stdint.h>

#include "mpjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *v = NULL;
    struct rp_err err = {0};
    if (rp_mpjson_decode(data, size, &v, &err) == 0) {
        struct rp_buf buf;
        rp_buf_init(&buf);
        if (rp_mpjson_encode(v, &buf, &err) == 0) {
            json_t *again = NULL;
            if (rp_mpjson_decode(buf.data, buf.len, &again, &err) == 0) {
                json_decref(again);
            }
        }
        rp_buf_cleanup(&buf);
        json_decref(v);
    }
    return 0;
}
