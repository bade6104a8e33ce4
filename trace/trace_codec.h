/*
 * trace_codec.h — how a chunk's records are packed (trace/TRACE.md): each
 * record a tag byte and variable-length numbers, most of them differences
 * from the record before, so that a call costs about a quarter of its
 * 56-byte struct in the file. Shared, as static functions, by the
 * recording library (which packs), `gauntlet record`'s sampler (which
 * packs) and the reader (which unpacks), so that the three cannot disagree.
 * Packing is pure computation: a signal handler may use it.
 */
#ifndef GAUNTLET_TRACE_CODEC_H
#define GAUNTLET_TRACE_CODEC_H

#include "trace_format.h"

#include <stddef.h>
#include <stdint.h>

/* The most bytes one record can take: a tag, six numbers of at most 10
 * bytes, errno, and a result of at most 3. */
#define TRACE_PACKED_MAX 76

#define TRACE_TAG_EVENT  0x1fu
#define TRACE_TAG_ERR    0x20u
#define TRACE_TAG_RESULT 0x40u
#define TRACE_TAG_EXTRA  0x80u

/* What the numbers are differences from: the chunk's previous record. */
struct trace_packing {
    uint64_t seq, time, ptr;
};

static inline uint8_t *trace_put_number(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* NULL when the number runs past end (a chunk cut short) or is too long. */
static inline const uint8_t *trace_get_number(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
    uint64_t value = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
        if (p == end) return NULL;
        uint8_t b = *p++;
        value |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = value;
            return p;
        }
    }
    return NULL;
}

/* A pointer: 0 stays 0; else 1 + its distance from the last one, zigzag. */
static inline uint64_t trace_pack_ptr(uint64_t ptr, uint64_t last)
{
    if (ptr == 0) return 0;
    int64_t d = (int64_t)(ptr - last);
    return 1 + (((uint64_t)d << 1) ^ (uint64_t)(d >> 63));
}

static inline uint64_t trace_unpack_ptr(uint64_t v, uint64_t last)
{
    if (v == 0) return 0;
    v -= 1;
    return last + (uint64_t)((int64_t)(v >> 1) ^ -(int64_t)(v & 1));
}

/* Packs r at p (room for TRACE_PACKED_MAX); returns the end. Within a
 * chunk, seq and time never go down. */
static inline uint8_t *trace_pack(uint8_t *p, const struct trace_record *r, struct trace_packing *s)
{
    uint8_t *tag = p++;
    *tag = (uint8_t)(r->event & TRACE_TAG_EVENT);
    p = trace_put_number(p, r->seq - s->seq);
    p = trace_put_number(p, r->time_ns - s->time);
    p = trace_put_number(p, trace_pack_ptr(r->ptr_in, s->ptr));
    p = trace_put_number(p, trace_pack_ptr(r->ptr_out, s->ptr));
    p = trace_put_number(p, r->size);
    if (r->extra) {
        *tag |= TRACE_TAG_EXTRA;
        p = trace_put_number(p, r->extra);
    }
    if (r->err) {
        *tag |= TRACE_TAG_ERR;
        *p++ = r->err;
    }
    if (r->result) {
        *tag |= TRACE_TAG_RESULT;
        p = trace_put_number(p, r->result);
    }
    s->seq = r->seq;
    s->time = r->time_ns;
    if (r->ptr_out)
        s->ptr = r->ptr_out;
    else if (r->ptr_in)
        s->ptr = r->ptr_in;
    return p;
}

/* Unpacks one record of a chunk written by `thread`; NULL when the bytes
 * end inside it. */
static inline const uint8_t *trace_unpack(const uint8_t *p, const uint8_t *end,
                                          struct trace_record *r, struct trace_packing *s,
                                          uint32_t thread)
{
    if (p == end) return NULL;
    uint8_t tag = *p++;
    uint64_t seq, time, in, out, size, extra = 0, result = 0;
    if (!(p = trace_get_number(p, end, &seq)) || !(p = trace_get_number(p, end, &time)) ||
        !(p = trace_get_number(p, end, &in)) || !(p = trace_get_number(p, end, &out)) ||
        !(p = trace_get_number(p, end, &size)))
        return NULL;
    if ((tag & TRACE_TAG_EXTRA) && !(p = trace_get_number(p, end, &extra))) return NULL;
    uint8_t err = 0;
    if (tag & TRACE_TAG_ERR) {
        if (p == end) return NULL;
        err = *p++;
    }
    if ((tag & TRACE_TAG_RESULT) && !(p = trace_get_number(p, end, &result))) return NULL;
    *r = (struct trace_record){.seq = s->seq + seq,
                               .time_ns = s->time + time,
                               .ptr_in = trace_unpack_ptr(in, s->ptr),
                               .ptr_out = trace_unpack_ptr(out, s->ptr),
                               .size = size,
                               .extra = extra,
                               .thread = thread,
                               .event = (uint8_t)(tag & TRACE_TAG_EVENT),
                               .err = err,
                               .result = (uint16_t)result};
    s->seq = r->seq;
    s->time = r->time_ns;
    if (r->ptr_out)
        s->ptr = r->ptr_out;
    else if (r->ptr_in)
        s->ptr = r->ptr_in;
    return p;
}

/* Packs count records into out (room for count * TRACE_PACKED_MAX) and
 * fills the chunk header that goes before them. */
static inline void trace_pack_chunk(struct trace_chunk_header *h, const struct trace_record *r,
                                    uint32_t count, uint32_t writer, uint32_t thread, uint8_t *out)
{
    struct trace_packing s = {0, 0, 0};
    uint8_t *p = out;
    *h = (struct trace_chunk_header){.magic = TRACE_CHUNK_MAGIC,
                                     .count = count,
                                     .writer = writer,
                                     .thread = thread,
                                     .first_seq = count ? r[0].seq : 0,
                                     .last_seq = count ? r[count - 1].seq : 0};
    for (uint32_t i = 0; i < count; i++) {
        if (r[i].event == TRACE_END) h->flags |= TRACE_CHUNK_HAS_END;
        if (r[i].event == TRACE_ALLOCATOR) h->flags |= TRACE_CHUNK_HAS_ALLOCATOR;
        p = trace_pack(p, &r[i], &s);
    }
    h->bytes = (uint32_t)(p - out);
}

#endif
