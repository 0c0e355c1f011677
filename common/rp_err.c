/* rp_err: names and messages of the project's error codes. Owns nothing else. */
#include "rp_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct err_info {
    int code;
    const char *name;
    const char *msg;
};

static const struct err_info err_table[] = {
#define RP_ERR_ROW(id, name, msg) {RP_E##id, name, msg},
    RP_ERR_LIST(RP_ERR_ROW)
#undef RP_ERR_ROW
};

static const struct err_info *err_find(int code)
{
    for (size_t i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++) {
        if (err_table[i].code == code) {
            return &err_table[i];
        }
    }
    return NULL;
}

const char *rp_err_name(int code)
{
    if (code == 0) {
        return "ok";
    }
    const struct err_info *e = err_find(code);
    return e ? e->name : "internal";
}

const char *rp_err_default_msg(int code)
{
    if (code == 0) {
        return "success";
    }
    const struct err_info *e = err_find(code);
    return e ? e->msg : "unknown error";
}

int rp_err_set(struct rp_err *err, int code, const char *fmt, ...)
{
    if (err) {
        err->code = code;
        if (fmt) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
            va_end(ap);
        } else {
            snprintf(err->msg, sizeof(err->msg), "%s", rp_err_default_msg(code));
        }
    }
    return code;
}

int rp_err_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++) {
        if (strcmp(err_table[i].name, name) == 0) {
            return err_table[i].code;
        }
    }
    return 0;
}
