/*
 * metrics.h - the server's counters and reply-latency histogram, rendered in
 * the Prometheus text exposition format for GET /metrics.
 *
 * 'struct metrics' is one flat block with no pointers, so it can live in
 * memory shared by several worker processes; every update is an atomic add.
 * Counters hold numbers and catalogue ids only, never visitor text.
 */
#ifndef VIGIE_METRICS_H
#define VIGIE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define METRICS_LABEL_MAX 64   /* an intent id, an error code, a reason */
#define METRICS_SLOTS     1024 /* distinct (name, label, label2) triples */
#define METRICS_BUCKETS   14

/* One labelled counter. 'state' is 0 (free), 1 (being claimed), 2 (ready). */
struct metrics_slot {
    uint32_t state;
    uint16_t family; /* enum metrics_family */
    char label[METRICS_LABEL_MAX];
    char label2[4]; /* "fr", "en" or "" */
    uint64_t value;
};

enum metrics_family {
    METRICS_MESSAGES = 1, /* replies, by intent and language */
    METRICS_ERRORS,       /* protocol errors sent, by code */
    METRICS_REFUSED,      /* upgrades refused, by reason */
    METRICS_CLOSED,       /* sessions closed by the server, by reason */
};

struct metrics {
    uint64_t sessions_open;  /* gauge */
    uint64_t sessions_total; /* sessions established since start */
    uint64_t fallbacks[2];   /* "fallback" replies, by language (fr, en) */
    uint64_t reloads_ok;
    uint64_t reloads_failed;
    uint64_t catalogue_intents; /* gauge: intents in the serving catalogue */
    uint64_t catalogue_loaded;  /* gauge: load time, Unix seconds */
    uint64_t latency_bucket[METRICS_BUCKETS]; /* non-cumulative counts */
    uint64_t latency_count;
    uint64_t latency_sum_ns;
    struct metrics_slot slots[METRICS_SLOTS];
};

/* Zeroes 'm' (caller storage, possibly shared memory). */
void metrics_init(struct metrics *m);

/* Adds 'n' to the labelled counter; 'label2' may be NULL. Labels longer than
 * METRICS_LABEL_MAX - 1 are cut. When every slot is taken the update is
 * counted under the label "other". */
void metrics_add(struct metrics *m, enum metrics_family family, const char *label,
                 const char *label2, uint64_t n);

/* Adds 'delta' (may be negative) to a plain counter or gauge field of 'm'. */
void metrics_gauge_add(uint64_t *field, int64_t delta);
void metrics_gauge_set(uint64_t *field, uint64_t value);

/* Records one reply latency. */
void metrics_observe_latency(struct metrics *m, uint64_t ns);

/* Returns a new NUL-terminated Prometheus text exposition of 'm', owned by
 * the caller (free()), or NULL when out of memory; '*len' gets its length. */
char *metrics_render(const struct metrics *m, size_t *len);

#endif
