/* Fuzz target: a `request` payload (JSON text) through job validation. */
#include <stddef.h>
#include <stdint.h>

#include "job.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *v = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (v) {
        struct rp_job job;
        struct rp_err err = {0};
        if (rp_job_parse(v, &job, &err) == 0) {
            rp_job_cleanup(&job);
        }
        json_decref(v);
    }
    return 0;
}
