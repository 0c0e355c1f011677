/* testutil: fixture helpers for the unit tests. */
#include "testutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mpjson.h"
#include "rp_err.h"

unsigned char *tu_unhex(const char *hex, size_t *len)
{
    size_t n = strlen(hex);
    if (n % 2) {
        return NULL;
    }
    unsigned char *out = malloc(n / 2 + 1);
    for (size_t i = 0; out && i < n / 2; i++) {
        unsigned int b;
        if (sscanf(hex + 2 * i, "%2x", &b) != 1) {
            free(out);
            return NULL;
        }
        out[i] = (unsigned char)b;
    }
    *len = n / 2;
    return out;
}

json_t *tu_load_json(const char *rel)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", RP_TEST_DATA_DIR, rel);
    json_error_t jerr;
    json_t *v = json_load_file(path, JSON_ALLOW_NUL, &jerr);
    if (!v) {
        fail_msg("cannot load %s: %s (line %d)", path, jerr.text, jerr.line);
    }
    return v;
}

static int is_undefined(const json_t *v)
{
    return json_is_object(v) && json_is_true(json_object_get(v, "$undefined"));
}

json_t *tu_expected(const json_t *v)
{
    if (json_is_object(v)) {
        const json_t *bin = json_object_get(v, "$bin");
        if (bin) {
            size_t n = 0;
            unsigned char *bytes = tu_unhex(json_string_value(bin), &n);
            json_t *s = json_stringn_nocheck((const char *)bytes, n);
            free(bytes);
            return s;
        }
        const json_t *date = json_object_get(v, "$date");
        if (date) {
            return json_deep_copy(date);
        }
        if (is_undefined(v)) {
            return json_null();
        }
        json_t *obj = json_object();
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)v, key, val)
        {
            if (!is_undefined(val)) {
                json_object_set_new(obj, key, tu_expected(val));
            }
        }
        return obj;
    }
    if (json_is_array(v)) {
        json_t *arr = json_array();
        size_t i;
        json_t *val;
        json_array_foreach(v, i, val)
        {
            json_array_append_new(arr, tu_expected(val));
        }
        return arr;
    }
    return json_deep_copy(v);
}

void tu_msgpack_of(const char *json, struct rp_buf *out)
{
    json_t *v = json_loads(json, 0, NULL);
    assert_non_null(v);
    struct rp_err err = {0};
    rp_buf_init(out);
    assert_int_equal(rp_mpjson_encode(v, out, &err), 0);
    json_decref(v);
}
