/* Fuzz target: msgpack bytes as a `request` payload. Whenever the agent reads a payload in
 * place (rp_job_payload_msgpack accepts it), the job, or the error, must be exactly what the
 * jansson reading of the same bytes gives. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "job.h"
#include "mpjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_job(const struct rp_job *a, const struct rp_job *b)
{
    if (!same_str(a->url, b->url) || !same_str(a->method, b->method) ||
        !same_str(a->scheme, b->scheme) || !same_str(a->host, b->host) || a->port != b->port ||
        a->n_headers != b->n_headers || a->body_len != b->body_len ||
        a->body_base64 != b->body_base64 || a->timeout_ms != b->timeout_ms ||
        a->max_content_kib != b->max_content_kib || a->decompress != b->decompress ||
        a->keep_alive != b->keep_alive || (a->body_len && memcmp(a->body, b->body, a->body_len))) {
        return false;
    }
    for (size_t i = 0; i < a->n_headers; i++) {
        if (!same_str(a->headers[i].name, b->headers[i].name) ||
            !same_str(a->headers[i].value, b->headers[i].value)) {
            return false;
        }
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    msgpack_object o;
    struct rp_err err = {0};
    struct rp_job_payload in_place;
    if (rp_mpjson_unpack(data, size, &o, &err) || !rp_job_payload_msgpack(&in_place, &o)) {
        rp_mpjson_unpack_end();
        return 0;
    }
    json_t *v = NULL;
    if (rp_mpjson_to_json(&o, &v, &err)) {
        abort(); /* a payload read in place must also read through jansson */
    }
    struct rp_job_payload through_json;
    rp_job_payload_json(&through_json, v);
    struct rp_job a;
    struct rp_job b;
    struct rp_err ea = {0};
    struct rp_err eb = {0};
    int ra = rp_job_parse_payload(&in_place, &a, &ea);
    int rb = rp_job_parse_payload(&through_json, &b, &eb);
    if (ra != rb || strcmp(ea.msg, eb.msg) != 0 || (ra == 0 && !same_job(&a, &b))) {
        abort();
    }
    char ida[64];
    char idb[64];
    bool ha = rp_job_payload_id(&in_place, ida, sizeof(ida));
    bool hb = rp_job_payload_id(&through_json, idb, sizeof(idb));
    if (ha != hb || (ha && strcmp(ida, idb) != 0)) {
        abort();
    }
    if (ra == 0) {
        rp_job_cleanup(&a);
        rp_job_cleanup(&b);
    }
    json_decref(v);
    rp_mpjson_unpack_end();
    return 0;
}
