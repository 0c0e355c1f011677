/* sio: the Socket.IO packet layer of the msgpack parser. It owns packet shape rules; event
 * meaning belongs to the session modules. */
#include "sio.h"

#include <string.h>

#include <msgpack.h>

#include "mpjson.h"

void rp_sio_packet_init(struct rp_sio_packet *p)
{
    p->type = RP_SIO_EVENT;
    p->nsp = NULL;
    p->data = NULL;
    p->id = RP_SIO_NO_ID;
}

void rp_sio_packet_cleanup(struct rp_sio_packet *p)
{
    free(p->nsp);
    json_decref(p->data);
    rp_sio_packet_init(p);
}

static int check_data(enum rp_sio_type type, const json_t *data, struct rp_err *err)
{
    switch (type) {
    case RP_SIO_CONNECT:
        if (data && !json_is_object(data)) {
            return rp_err_set(err, RP_EBAD_PACKET, "socket.io: CONNECT data is not an object");
        }
        return 0;
    case RP_SIO_DISCONNECT:
        if (data && !json_is_null(data)) {
            return rp_err_set(err, RP_EBAD_PACKET, "socket.io: DISCONNECT carries data");
        }
        return 0;
    case RP_SIO_EVENT:
        if (!json_is_array(data) || json_array_size(data) == 0) {
            return rp_err_set(err, RP_EBAD_PACKET,
                              "socket.io: EVENT data is not a non-empty array");
        }
        if (!json_is_string(json_array_get(data, 0))) {
            return rp_err_set(err, RP_EBAD_PACKET, "socket.io: EVENT name is not a string");
        }
        return 0;
    case RP_SIO_ACK:
        if (!json_is_array(data)) {
            return rp_err_set(err, RP_EBAD_PACKET, "socket.io: ACK data is not an array");
        }
        return 0;
    case RP_SIO_CONNECT_ERROR:
        if (!json_is_object(data) && !json_is_string(data)) {
            return rp_err_set(err, RP_EBAD_PACKET,
                              "socket.io: CONNECT_ERROR data is neither object nor string");
        }
        return 0;
    }
    return rp_err_set(err, RP_EBAD_PACKET, "socket.io: unknown packet type");
}

/* Checks the decoded root (owned) and fills p. */
static int decode_root(json_t *root, struct rp_sio_packet *p, int64_t *id_out, struct rp_err *err)
{
    int rc;
    if (!json_is_object(root)) {
        rc = rp_err_set(err, RP_EBAD_PACKET, "socket.io: packet is not a map");
        goto fail;
    }
    json_t *id = json_object_get(root, "id");
    if (id && !json_is_null(id)) {
        if (!json_is_integer(id) || json_integer_value(id) < 0) {
            rc = rp_err_set(err, RP_EBAD_PACKET, "socket.io: id is not a non-negative integer");
            goto fail;
        }
        p->id = json_integer_value(id);
        if (id_out) {
            *id_out = p->id;
        }
    }
    json_t *type = json_object_get(root, "type");
    if (!json_is_integer(type)) {
        rc = rp_err_set(err, RP_EBAD_PACKET, "socket.io: type is missing or not an integer");
        goto fail;
    }
    json_int_t t = json_integer_value(type);
    if (t < RP_SIO_CONNECT || t > RP_SIO_CONNECT_ERROR) {
        rc = rp_err_set(err, RP_EBAD_PACKET, "socket.io: unsupported packet type %lld",
                        (long long)t);
        goto fail;
    }
    p->type = (enum rp_sio_type)t;
    json_t *nsp = json_object_get(root, "nsp");
    if (!json_is_string(nsp)) {
        rc = rp_err_set(err, RP_EBAD_PACKET, "socket.io: nsp is missing or not a string");
        goto fail;
    }
    json_t *data = json_object_get(root, "data");
    rc = check_data(p->type, data, err);
    if (rc) {
        goto fail;
    }
    p->nsp = strndup(json_string_value(nsp), json_string_length(nsp));
    if (!p->nsp) {
        rc = rp_err_set(err, RP_ENOMEM, NULL);
        goto fail;
    }
    p->data = json_incref(data);
    json_decref(root);
    return 0;
fail:
    json_decref(root);
    rp_sio_packet_cleanup(p);
    return rc;
}

int rp_sio_decode(const unsigned char *buf, size_t len, struct rp_sio_packet *p, int64_t *id_out,
                  struct rp_err *err)
{
    msgpack_object o;
    rp_sio_packet_init(p);
    if (id_out) {
        *id_out = RP_SIO_NO_ID;
    }
    int rc = rp_mpjson_unpack(buf, len, &o, err);
    rc = rc ? rc : rp_sio_decode_object(&o, p, id_out, err);
    rp_mpjson_unpack_end();
    return rc;
}

int rp_sio_decode_object(const msgpack_object *o, struct rp_sio_packet *p, int64_t *id_out,
                         struct rp_err *err)
{
    json_t *root = NULL;
    rp_sio_packet_init(p);
    if (id_out) {
        *id_out = RP_SIO_NO_ID;
    }
    int rc = rp_mpjson_to_json(o, &root, err);
    return rc ? rc : decode_root(root, p, id_out, err);
}

static bool key_is(const msgpack_object *k, const char *name)
{
    return rp_mpjson_str_is(k, name, strlen(name));
}

bool rp_sio_event_in_place(const msgpack_object *o, struct rp_sio_event_view *ev)
{
    if (o->type != MSGPACK_OBJECT_MAP || o->via.map.size != 4) {
        return false;
    }
    const msgpack_object *type = NULL;
    const msgpack_object *nsp = NULL;
    const msgpack_object *data = NULL;
    const msgpack_object *id = NULL;
    for (uint32_t i = 0; i < 4; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];
        const msgpack_object **slot = key_is(&kv->key, "type")   ? &type
                                      : key_is(&kv->key, "nsp")  ? &nsp
                                      : key_is(&kv->key, "data") ? &data
                                      : key_is(&kv->key, "id")   ? &id
                                                                 : NULL;
        if (!slot || *slot) {
            return false; /* another key, or one twice */
        }
        *slot = &kv->val;
    }
    if (type->type != MSGPACK_OBJECT_POSITIVE_INTEGER || type->via.u64 != RP_SIO_EVENT ||
        nsp->type != MSGPACK_OBJECT_STR || id->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
        id->via.u64 > (uint64_t)INT64_MAX || data->type != MSGPACK_OBJECT_ARRAY ||
        data->via.array.size < 1 || data->via.array.size > 2 ||
        data->via.array.ptr[0].type != MSGPACK_OBJECT_STR) {
        return false;
    }
    ev->nsp = nsp;
    ev->name = &data->via.array.ptr[0];
    ev->id = (int64_t)id->via.u64;
    ev->arg = data->via.array.size == 2 ? &data->via.array.ptr[1] : NULL;
    return true;
}

int rp_sio_encode(const struct rp_sio_packet *p, struct rp_buf *out, struct rp_err *err)
{
    json_t *root = json_object();
    if (!root) {
        return rp_err_set(err, RP_ENOMEM, NULL);
    }
    int rc = json_object_set_new(root, "type", json_integer(p->type));
    if (p->data) {
        rc |= json_object_set(root, "data", p->data);
    }
    rc |= json_object_set_new(root, "nsp", json_string(p->nsp ? p->nsp : "/"));
    if (p->id != RP_SIO_NO_ID) {
        rc |= json_object_set_new(root, "id", json_integer(p->id));
    }
    if (rc) {
        json_decref(root);
        return rp_err_set(err, RP_ENOMEM, NULL);
    }
    rc = rp_mpjson_encode(root, out, err);
    json_decref(root);
    return rc;
}

int rp_sio_encode_event(const char *nsp, const json_t *args, int64_t id, struct rp_buf *out,
                        struct rp_err *err)
{
    struct rp_sio_packet p = {
        .type = RP_SIO_EVENT, .nsp = (char *)nsp, .data = (json_t *)args, .id = id};
    return rp_sio_encode(&p, out, err);
}

int rp_sio_encode_ack(const char *nsp, int64_t id, const json_t *args, struct rp_buf *out,
                      struct rp_err *err)
{
    struct rp_sio_packet p = {
        .type = RP_SIO_ACK, .nsp = (char *)nsp, .data = (json_t *)args, .id = id};
    return rp_sio_encode(&p, out, err);
}

int rp_sio_encode_ack_packed(const char *nsp, int64_t id, rp_sio_pack_fn pack, const void *ctx,
                             struct rp_buf *out)
{
    msgpack_packer pk;
    rp_mpjson_packer_init(&pk, out);
    /* the keys in rp_sio_encode's order */
    int rc = msgpack_pack_map(&pk, 4);
    rc = rc || rp_mpjson_pack_cstr(&pk, "type") || msgpack_pack_int64(&pk, RP_SIO_ACK);
    rc = rc || rp_mpjson_pack_cstr(&pk, "data") || msgpack_pack_array(&pk, 1) || pack(ctx, &pk);
    rc = rc || rp_mpjson_pack_cstr(&pk, "nsp") || rp_mpjson_pack_cstr(&pk, nsp ? nsp : "/");
    rc = rc || rp_mpjson_pack_cstr(&pk, "id") || msgpack_pack_int64(&pk, id);
    return rc ? RP_ENOMEM : 0;
}
