/* Fuzz target: frames into the agent's session state machine (Engine.IO text frames and
 * Socket.IO binary frames), after a handshake, with ops that record nothing. The first byte
 * chooses text or binary. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rp_log.h"
#include "session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int f_send(void *ud, const unsigned char *d, size_t n, bool binary)
{
    (void)ud;
    (void)d;
    (void)n;
    (void)binary;
    return 0;
}
static void f_watchdog(void *ud, int ms)
{
    (void)ud;
    (void)ms;
}
static void f_drop(void *ud, const char *r)
{
    (void)ud;
    (void)r;
}
static void f_fatal(void *ud, const char *c, const char *m, const char *r)
{
    (void)ud;
    (void)c;
    (void)m;
    (void)r;
}
static void f_ready(void *ud)
{
    (void)ud;
}
static void f_job(void *ud, int64_t id, const struct rp_job_payload *p)
{
    (void)ud;
    (void)id;
    struct rp_job job;
    struct rp_err err = {0};
    if (rp_job_parse_payload(p, &job, &err) == 0) {
        rp_job_cleanup(&job);
    }
}
static void f_netcheck(void *ud, int64_t id, json_t *p)
{
    (void)ud;
    (void)id;
    (void)p;
}

static const struct ag_session_ops ops = {f_send,  f_watchdog, f_drop,    f_fatal,
                                          f_ready, f_job,      f_netcheck};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned char open[] = "0{\"sid\":\"s\",\"upgrades\":[],\"pingInterval\":1000,"
                                        "\"pingTimeout\":1000,\"maxPayload\":1000000}";
    /* {type:0, nsp:"/workstations", data:{sid:"x"}} */
    static const unsigned char connected[] = {0x83, 0xa4, 't', 'y', 'p', 'e',  0x00, 0xa3, 'n', 's',
                                              'p',  0xad, '/', 'w', 'o', 'r',  'k',  's',  't', 'a',
                                              't',  'i',  'o', 'n', 's', 0xa4, 'd',  'a',  't', 'a',
                                              0x81, 0xa3, 's', 'i', 'd', 0xa1, 'x'};
    rp_log_setup(RP_LOG_SILENT, RP_LOG_TEXT, NULL);
    struct ag_session s;
    if (size < 1 || ag_session_init(&s, &ops, NULL, "tok", "abcdefghij", NULL)) {
        return 0;
    }
    ag_session_link_up(&s);
    ag_session_frame(&s, open, sizeof(open) - 1, false);
    ag_session_frame(&s, connected, sizeof(connected), true);
    ag_session_frame(&s, data + 1, size - 1, data[0] & 1);
    ag_session_cleanup(&s);
    return 0;
}
