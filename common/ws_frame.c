/* ws_frame: see ws_frame.h. */
#include "ws_frame.h"

#include <stdint.h>
#include <string.h>

size_t rp_ws_frame_header(unsigned char *out, size_t len, bool binary, const unsigned char *mask)
{
    size_t n = 0;
    out[n++] = (unsigned char)(0x80 | (binary ? 0x2 : 0x1)); /* FIN, no RSV bits, opcode */
    unsigned char mask_bit = mask ? 0x80 : 0;
    if (len < 126) {
        out[n++] = (unsigned char)(mask_bit | len);
    } else if (len <= 0xffff) {
        out[n++] = (unsigned char)(mask_bit | 126);
        out[n++] = (unsigned char)(len >> 8);
        out[n++] = (unsigned char)len;
    } else {
        out[n++] = (unsigned char)(mask_bit | 127);
        uint64_t l = (uint64_t)len;
        for (int shift = 56; shift >= 0; shift -= 8) {
            out[n++] = (unsigned char)(l >> shift);
        }
    }
    if (mask) {
        memcpy(out + n, mask, 4);
        n += 4;
    }
    return n;
}

void rp_ws_frame_mask(unsigned char *data, size_t len, const unsigned char *mask)
{
    size_t i = 0;
    uint32_t key;
    memcpy(&key, mask, 4);
    /* four bytes at a time: the key repeats every four bytes from the payload's start */
    for (; i + 4 <= len; i += 4) {
        uint32_t w;
        memcpy(&w, data + i, 4);
        w ^= key;
        memcpy(data + i, &w, 4);
    }
    for (; i < len; i++) {
        data[i] ^= mask[i & 3];
    }
}
