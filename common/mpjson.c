/* mpjson: converts between msgpack-c objects and jansson values. It owns the mapping rules
 * listed in mpjson.h; it knows nothing of Socket.IO. */
#include "mpjson.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <msgpack.h>

#define UNDEFINED_SENTINEL ((json_t *)&undefined_marker)
static const int undefined_marker = 0;

static int iso_time(double ms, json_t **out, struct rp_err *err)
{
    if (!isfinite(ms) || ms < -8.64e15 || ms > 8.64e15) {
        return rp_err_set(err, RP_EBAD_FRAME, "msgpack: date out of range");
    }
    double secs = floor(ms / 1000.0);
    time_t t = (time_t)secs;
    int millis = (int)(ms - secs * 1000.0);
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        return rp_err_set(err, RP_EBAD_FRAME, "msgpack: date out of range");
    }
    char buf[64];
    size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, sizeof(buf) - n, ".%03dZ", millis);
    *out = json_string(buf);
    return *out ? 0 : rp_err_set(err, RP_ENOMEM, NULL);
}

static uint64_t be_read(const char *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v = v << 8 | (unsigned char)p[i];
    }
    return v;
}

/* Walks the msgpack bytes without allocating, so that a header claiming more elements than
 * the frame can hold is refused before msgpack-c sizes its zone from it. Returns the bytes
 * the value at p takes, or 0 when it is malformed, truncated or too deep. */
static size_t prescan(const unsigned char *p, size_t len, int depth)
{
    if (len == 0 || depth > RP_MPJSON_MAX_DEPTH) {
        return 0;
    }
    unsigned char b = p[0];
    uint64_t count = 0; /* elements of a container (maps count keys and values) */
    size_t head = 1;
    uint64_t body = 0; /* raw payload bytes after the head */
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
        return 1;
    } else if (b >= 0x80 && b <= 0x8f) {
        count = 2u * (b & 0x0fu);
    } else if (b >= 0x90 && b <= 0x9f) {
        count = b & 0x0fu;
    } else if (b >= 0xa0 && b <= 0xbf) {
        body = b & 0x1fu;
    } else {
        static const unsigned char fixed[] = {
            [0xca - 0xc4] = 4, [0xcb - 0xc4] = 8, [0xcc - 0xc4] = 1,  [0xcd - 0xc4] = 2,
            [0xce - 0xc4] = 4, [0xcf - 0xc4] = 8, [0xd0 - 0xc4] = 1,  [0xd1 - 0xc4] = 2,
            [0xd2 - 0xc4] = 4, [0xd3 - 0xc4] = 8, [0xd4 - 0xc4] = 2,  [0xd5 - 0xc4] = 3,
            [0xd6 - 0xc4] = 5, [0xd7 - 0xc4] = 9, [0xd8 - 0xc4] = 17,
        };
        size_t lenbytes = 0;
        bool is_map = false;
        bool is_array = false;
        switch (b) {
        case 0xc4:
        case 0xd9:
            lenbytes = 1;
            break;
        case 0xc5:
        case 0xda:
            lenbytes = 2;
            break;
        case 0xc6:
        case 0xdb:
            lenbytes = 4;
            break;
        case 0xc7:
            lenbytes = 1;
            body = 1;
            break;
        case 0xc8:
            lenbytes = 2;
            body = 1;
            break;
        case 0xc9:
            lenbytes = 4;
            body = 1;
            break;
        case 0xdc:
            lenbytes = 2;
            is_array = true;
            break;
        case 0xdd:
            lenbytes = 4;
            is_array = true;
            break;
        case 0xde:
            lenbytes = 2;
            is_map = true;
            break;
        case 0xdf:
            lenbytes = 4;
            is_map = true;
            break;
        default:
            if (b >= 0xca && b <= 0xd8) {
                return len > fixed[b - 0xc4] ? 1u + fixed[b - 0xc4] : 0;
            }
            return 0; /* 0xc1 is never used */
        }
        if (len < 1 + lenbytes) {
            return 0;
        }
        uint64_t n = be_read((const char *)p + 1, lenbytes);
        head = 1 + lenbytes;
        if (is_array) {
            count = n;
        } else if (is_map) {
            count = 2 * n;
        } else {
            body += n;
        }
    }
    if (body) {
        return body <= len - head ? (size_t)(head + body) : 0;
    }
    if (count > len - head) {
        return 0; /* every element takes at least one byte */
    }
    size_t off = head;
    for (uint64_t i = 0; i < count; i++) {
        size_t used = prescan(p + off, len - off, depth + 1);
        if (used == 0) {
            return 0;
        }
        off += used;
    }
    return off;
}

static int ext_to_json(const msgpack_object_ext *ext, json_t **out, struct rp_err *err)
{
    if (ext->type == 0 && ext->size == 1 && ext->ptr[0] == 0) {
        *out = UNDEFINED_SENTINEL;
        return 0;
    }
    if (ext->type == 0 && ext->size == 8) {
        /* notepack Date: milliseconds as a signed high word and an unsigned low word */
        int32_t hi = (int32_t)(uint32_t)be_read(ext->ptr, 4);
        uint32_t lo = (uint32_t)be_read(ext->ptr + 4, 4);
        return iso_time((double)hi * 4294967296.0 + (double)lo, out, err);
    }
    if (ext->type == -1 && (ext->size == 4 || ext->size == 8 || ext->size == 12)) {
        double secs;
        double nanos = 0;
        if (ext->size == 4) {
            secs = (double)be_read(ext->ptr, 4);
        } else if (ext->size == 8) {
            uint64_t v = be_read(ext->ptr, 8);
            nanos = (double)(v >> 34);
            secs = (double)(v & 0x3ffffffffULL);
        } else {
            nanos = (double)be_read(ext->ptr, 4);
            secs = (double)(int64_t)be_read(ext->ptr + 4, 8);
        }
        return iso_time(secs * 1000.0 + floor(nanos / 1e6), out, err);
    }
    return rp_err_set(err, RP_EBAD_FRAME, "msgpack: unsupported ext type %d", (int)ext->type);
}

static int obj_to_json(const msgpack_object *o, int depth, json_t **out, struct rp_err *err);

static int map_to_json(const msgpack_object_map *m, int depth, json_t **out, struct rp_err *err)
{
    json_t *obj = json_object();
    if (!obj) {
        return rp_err_set(err, RP_ENOMEM, NULL);
    }
    for (uint32_t i = 0; i < m->size; i++) {
        const msgpack_object_kv *kv = &m->ptr[i];
        if (kv->key.type != MSGPACK_OBJECT_STR) {
            json_decref(obj);
            return rp_err_set(err, RP_EBAD_FRAME, "msgpack: map key is not a string");
        }
        const char *kptr = kv->key.via.str.size ? kv->key.via.str.ptr : "";
        if (memchr(kptr, 0, kv->key.via.str.size)) {
            json_decref(obj);
            return rp_err_set(err, RP_EBAD_FRAME, "msgpack: map key contains NUL");
        }
        json_t *val = NULL;
        int rc = obj_to_json(&kv->val, depth + 1, &val, err);
        if (rc) {
            json_decref(obj);
            return rc;
        }
        if (val == UNDEFINED_SENTINEL) {
            continue;
        }
        char *key = strndup(kptr, kv->key.via.str.size);
        if (!key || json_object_set_new_nocheck(obj, key, val)) {
            free(key);
            json_decref(obj);
            return rp_err_set(err, RP_ENOMEM, NULL);
        }
        free(key);
    }
    *out = obj;
    return 0;
}

static int array_to_json(const msgpack_object_array *a, int depth, json_t **out, struct rp_err *err)
{
    json_t *arr = json_array();
    if (!arr) {
        return rp_err_set(err, RP_ENOMEM, NULL);
    }
    for (uint32_t i = 0; i < a->size; i++) {
        json_t *val = NULL;
        int rc = obj_to_json(&a->ptr[i], depth + 1, &val, err);
        if (rc) {
            json_decref(arr);
            return rc;
        }
        if (val == UNDEFINED_SENTINEL) {
            val = json_null();
        }
        if (json_array_append_new(arr, val)) {
            json_decref(arr);
            return rp_err_set(err, RP_ENOMEM, NULL);
        }
    }
    *out = arr;
    return 0;
}

static int obj_to_json(const msgpack_object *o, int depth, json_t **out, struct rp_err *err)
{
    if (depth > RP_MPJSON_MAX_DEPTH) {
        return rp_err_set(err, RP_EBAD_FRAME, "msgpack: nesting deeper than %d",
                          RP_MPJSON_MAX_DEPTH);
    }
    json_t *v = NULL;
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        v = json_null();
        break;
    case MSGPACK_OBJECT_BOOLEAN:
        v = json_boolean(o->via.boolean);
        break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (o->via.u64 > (uint64_t)INT64_MAX) {
            v = json_real((double)o->via.u64);
        } else {
            v = json_integer((json_int_t)o->via.u64);
        }
        break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        v = json_integer((json_int_t)o->via.i64);
        break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        if (!isfinite(o->via.f64)) {
            return rp_err_set(err, RP_EBAD_FRAME, "msgpack: non-finite number");
        }
        v = json_real(o->via.f64);
        break;
    case MSGPACK_OBJECT_STR: /* msgpack-c gives a NULL pointer for an empty string */
        v = json_stringn_nocheck(o->via.str.size ? o->via.str.ptr : "", o->via.str.size);
        break;
    case MSGPACK_OBJECT_BIN:
        v = json_stringn_nocheck(o->via.bin.size ? o->via.bin.ptr : "", o->via.bin.size);
        break;
    case MSGPACK_OBJECT_ARRAY:
        return array_to_json(&o->via.array, depth, out, err);
    case MSGPACK_OBJECT_MAP:
        return map_to_json(&o->via.map, depth, out, err);
    case MSGPACK_OBJECT_EXT:
        return ext_to_json(&o->via.ext, out, err);
    default:
        return rp_err_set(err, RP_EBAD_FRAME, "msgpack: unknown object type");
    }
    if (!v) {
        return rp_err_set(err, RP_ENOMEM, NULL);
    }
    *out = v;
    return 0;
}

/* one zone, kept and cleared between messages: a new one per message is an 8 KiB malloc,
 * which also makes glibc consolidate its fast bins every time (single-threaded use) */
static msgpack_zone *zone;

int rp_mpjson_unpack(const unsigned char *buf, size_t len, msgpack_object *out, struct rp_err *err)
{
    rp_mpjson_unpack_end();
    if (len == 0) {
        return rp_err_set(err, RP_EBAD_FRAME, "msgpack: empty frame");
    }
    size_t used = prescan(buf, len, 0);
    if (used == 0) {
        return rp_err_set(err, RP_EBAD_FRAME, "msgpack: malformed, truncated or too deep");
    }
    if (used != len) {
        return rp_err_set(err, RP_EBAD_FRAME, "msgpack: %zu trailing bytes", len - used);
    }
    if (!zone && !(zone = msgpack_zone_new(MSGPACK_ZONE_CHUNK_SIZE))) {
        return rp_err_set(err, RP_ENOMEM, NULL);
    }
    size_t off = 0;
    msgpack_unpack_return ret = msgpack_unpack((const char *)buf, len, &off, zone, out);
    if (ret == MSGPACK_UNPACK_NOMEM_ERROR) {
        return rp_err_set(err, RP_ENOMEM, NULL);
    }
    if (ret == MSGPACK_UNPACK_CONTINUE) {
        return rp_err_set(err, RP_EBAD_FRAME, "msgpack: truncated value");
    }
    if (ret == MSGPACK_UNPACK_EXTRA_BYTES || (ret == MSGPACK_UNPACK_SUCCESS && off != len)) {
        return rp_err_set(err, RP_EBAD_FRAME, "msgpack: %zu trailing bytes", len - off);
    }
    if (ret != MSGPACK_UNPACK_SUCCESS) {
        return rp_err_set(err, RP_EBAD_FRAME, "msgpack: malformed value");
    }
    return 0;
}

void rp_mpjson_unpack_end(void)
{
    if (zone) {
        msgpack_zone_clear(zone);
    }
}

int rp_mpjson_to_json(const msgpack_object *o, json_t **out, struct rp_err *err)
{
    json_t *v = NULL;
    int rc = obj_to_json(o, 0, &v, err);
    if (rc == 0) {
        *out = v == UNDEFINED_SENTINEL ? json_null() : v;
    }
    return rc;
}

bool rp_mpjson_str_is(const msgpack_object *o, const char *s, size_t n)
{
    /* msgpack-c gives a NULL pointer for an empty string */
    return o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
           (n == 0 || memcmp(o->via.str.ptr, s, n) == 0);
}

int rp_mpjson_decode(const unsigned char *buf, size_t len, json_t **out, struct rp_err *err)
{
    msgpack_object obj;
    int rc = rp_mpjson_unpack(buf, len, &obj, err);
    rc = rc ? rc : rp_mpjson_to_json(&obj, out, err);
    rp_mpjson_unpack_end();
    return rc;
}

static int sbuf_write(void *data, const char *buf, size_t len)
{
    return rp_buf_append(data, buf, len) ? -1 : 0;
}

static int pack_value(msgpack_packer *pk, const json_t *v, int depth, struct rp_err *err)
{
    if (depth > RP_MPJSON_MAX_DEPTH) {
        return rp_err_set(err, RP_EINVALID, "msgpack: value nested deeper than %d",
                          RP_MPJSON_MAX_DEPTH);
    }
    int rc = 0;
    switch (json_typeof(v)) {
    case JSON_NULL:
        rc = msgpack_pack_nil(pk);
        break;
    case JSON_TRUE:
        rc = msgpack_pack_true(pk);
        break;
    case JSON_FALSE:
        rc = msgpack_pack_false(pk);
        break;
    case JSON_INTEGER:
        rc = msgpack_pack_int64(pk, json_integer_value(v));
        break;
    case JSON_REAL:
        rc = msgpack_pack_double(pk, json_real_value(v));
        break;
    case JSON_STRING: {
        size_t n = json_string_length(v);
        rc = msgpack_pack_str(pk, n);
        if (!rc) {
            rc = msgpack_pack_str_body(pk, json_string_value(v), n);
        }
        break;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(v);
        rc = msgpack_pack_array(pk, n);
        for (size_t i = 0; !rc && i < n; i++) {
            int r = pack_value(pk, json_array_get(v, i), depth + 1, err);
            if (r) {
                return r;
            }
        }
        break;
    }
    case JSON_OBJECT: {
        rc = msgpack_pack_map(pk, json_object_size(v));
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)v, key, val)
        {
            if (rc) {
                break;
            }
            size_t n = strlen(key);
            rc = msgpack_pack_str(pk, n);
            if (!rc) {
                rc = msgpack_pack_str_body(pk, key, n);
            }
            if (!rc) {
                int r = pack_value(pk, val, depth + 1, err);
                if (r) {
                    return r;
                }
            }
        }
        break;
    }
    default:
        return rp_err_set(err, RP_EINVALID, "msgpack: unknown JSON type");
    }
    return rc ? rp_err_set(err, RP_ENOMEM, NULL) : 0;
}

void rp_mpjson_packer_init(msgpack_packer *pk, struct rp_buf *out)
{
    msgpack_packer_init(pk, out, sbuf_write);
}

int rp_mpjson_pack_strn(msgpack_packer *pk, const char *s, size_t n)
{
    return msgpack_pack_str(pk, n) || msgpack_pack_str_body(pk, s, n);
}

int rp_mpjson_pack_cstr(msgpack_packer *pk, const char *s)
{
    return rp_mpjson_pack_strn(pk, s, strlen(s));
}

int rp_mpjson_encode(const json_t *v, struct rp_buf *out, struct rp_err *err)
{
    msgpack_packer pk;
    rp_mpjson_packer_init(&pk, out);
    return pack_value(&pk, v, 0, err);
}
