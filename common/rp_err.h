/* rp_err: the project's one list of error codes, with their names and messages.
 *
 * Functions return 0 for success and a negative RP_E* code for failure. Details go into a
 * struct rp_err the caller passes. Each code has a short type name (the `errorCode` of a
 * record, the `error=` of a log line) and a default message. */
#ifndef RP_ERR_H
#define RP_ERR_H

#include <stddef.h>

#define RP_ERR_LIST(X)                                                                             \
    X(NOMEM, "nomem", "out of memory")                                                             \
    X(INVALID, "invalid", "invalid argument")                                                      \
    X(BAD_FRAME, "bad_frame", "frame could not be decoded")                                        \
    X(BAD_PACKET, "bad_packet", "packet has an invalid shape")                                     \
    X(UNKNOWN_EVENT, "unknown_event", "event not understood")                                      \
    X(INVALID_JOB, "invalid_job", "job is invalid")                                                \
    X(UNSUPPORTED, "unsupported", "not supported")                                                 \
    X(BUSY, "busy", "agent is at capacity")                                                        \
    X(SHUTTING_DOWN, "shutting_down", "agent is shutting down")                                    \
    X(DNS, "dns", "host name could not be resolved")                                               \
    X(CONNECT, "connect", "connection failed")                                                     \
    X(TLS, "tls", "TLS handshake or certificate verification failed")                              \
    X(TIMEOUT, "timeout", "timed out")                                                             \
    X(TOO_LARGE, "too_large", "size limit exceeded")                                               \
    X(IO, "io", "connection broken during transfer")                                               \
    X(PROTOCOL, "protocol", "peer broke the protocol")                                             \
    X(CONFIG, "config", "bad configuration")                                                       \
    X(OFFLINE, "repeater_offline", "the repeater is not connected")                                \
    X(LOST, "repeater_lost", "the repeater's session kept ending while it ran the job")            \
    X(POLICY, "policy_denied", "the egress policy does not allow this destination")                \
    X(INTERNAL, "internal", "internal error")

enum rp_errcode {
    RP_OK = 0,
#define RP_ERR_ENUM(id, name, msg) RP_E##id,
    RP_ERR_FIRST_ = -100,
    RP_ERR_LIST(RP_ERR_ENUM) RP_ERR_END_
#undef RP_ERR_ENUM
};

#define RP_ERR_MSG_MAX 256

/* Details of a failure: its code and a human message. */
struct rp_err {
    int code;
    char msg[RP_ERR_MSG_MAX];
};

/* The type name of a code ("dns", "timeout" ...), "ok" for 0; never NULL. */
const char *rp_err_name(int code);
/* The default message of a code; never NULL. */
const char *rp_err_default_msg(int code);
/* Sets err (when not NULL) to code with a printf-style message and returns code. */
int rp_err_set(struct rp_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Code for a type name, or 0 when the name is unknown. */
int rp_err_from_name(const char *name);

#endif
