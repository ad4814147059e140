/*
 * metrics.c - fixed-size labelled counters (open addressing over a flat
 * array, claimed with compare-and-swap so several processes may share it),
 * the latency histogram, and the Prometheus text rendering.
 */
#include "metrics.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bounds of the latency buckets, in seconds; the last is +Inf. */
static const double metrics_bounds[METRICS_BUCKETS - 1] = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
    0.01,    0.025,  0.05,    0.1,    0.25,  1.0};

void metrics_init(struct metrics *m)
{
    memset(m, 0, sizeof(*m));
}

void metrics_gauge_add(uint64_t *field, int64_t delta)
{
    __atomic_add_fetch(field, (uint64_t)delta, __ATOMIC_RELAXED);
}

void metrics_gauge_set(uint64_t *field, uint64_t value)
{
    __atomic_store_n(field, value, __ATOMIC_RELAXED);
}

static uint32_t metrics_hash(unsigned family, const char *a, const char *b)
{
    uint32_t h = 2166136261u ^ family;

    for (; *a; a++)
        h = (h ^ (unsigned char)*a) * 16777619u;
    h = (h ^ 0xff) * 16777619u;
    for (; b && *b; b++)
        h = (h ^ (unsigned char)*b) * 16777619u;
    return h;
}

static bool metrics_slot_is(const struct metrics_slot *s, unsigned family,
                            const char *label, const char *label2)
{
    return s->family == family && strncmp(s->label, label, METRICS_LABEL_MAX - 1) == 0 &&
           strcmp(s->label2, label2) == 0;
}

void metrics_add(struct metrics *m, enum metrics_family family, const char *label,
                 const char *label2, uint64_t n)
{
    uint32_t h;

    if (!label2)
        label2 = "";
    h = metrics_hash(family, label, label2);
    for (uint32_t probe = 0; probe < METRICS_SLOTS; probe++) {
        struct metrics_slot *s = &m->slots[(h + probe) % METRICS_SLOTS];
        uint32_t state = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);

        if (state == 0) {
            uint32_t expected = 0;
            if (__atomic_compare_exchange_n(&s->state, &expected, 1, false,
                                            __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
                s->family = (uint16_t)family;
                snprintf(s->label, sizeof(s->label), "%s", label);
                snprintf(s->label2, sizeof(s->label2), "%s", label2);
                __atomic_store_n(&s->state, 2, __ATOMIC_RELEASE);
                __atomic_add_fetch(&s->value, n, __ATOMIC_RELAXED);
                return;
            }
            state = expected;
        }
        /* Another process is writing this slot's label: wait for it. */
        while (state == 1)
            state = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
        if (metrics_slot_is(s, family, label, label2)) {
            __atomic_add_fetch(&s->value, n, __ATOMIC_RELAXED);
            return;
        }
    }
    if (strcmp(label, "other") != 0)
        metrics_add(m, family, "other", label2, n);
}

void metrics_observe_latency(struct metrics *m, uint64_t ns)
{
    double secs = (double)ns / 1e9;
    size_t b = 0;

    while (b < METRICS_BUCKETS - 1 && secs > metrics_bounds[b])
        b++;
    __atomic_add_fetch(&m->latency_bucket[b], 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&m->latency_count, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&m->latency_sum_ns, ns, __ATOMIC_RELAXED);
}

static uint64_t metrics_load(const uint64_t *v)
{
    return __atomic_load_n(v, __ATOMIC_RELAXED);
}

static void metrics_family_out(FILE *f, const struct metrics *m,
                               enum metrics_family family, const char *name,
                               const char *label_name, const char *label2_name)
{
    for (size_t i = 0; i < METRICS_SLOTS; i++) {
        const struct metrics_slot *s = &m->slots[i];

        if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != 2 || s->family != family)
            continue;
        /* Labels are catalogue ids and fixed codes; quote-safe by
         * construction, but escape anyway. */
        fprintf(f, "%s{%s=\"", name, label_name);
        for (const char *p = s->label; *p; p++) {
            if (*p == '"' || *p == '\\')
                fputc('\\', f);
            fputc(*p == '\n' ? ' ' : *p, f);
        }
        fputc('"', f);
        if (label2_name)
            fprintf(f, ",%s=\"%s\"", label2_name, s->label2);
        fprintf(f, "} %llu\n", (unsigned long long)metrics_load(&s->value));
    }
}

char *metrics_render(const struct metrics *m, size_t *len)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    uint64_t cum = 0;

    if (!f)
        return NULL;
    fprintf(f, "# HELP vigie_messages_total Replies sent, by intent and language.\n"
               "# TYPE vigie_messages_total counter\n");
    metrics_family_out(f, m, METRICS_MESSAGES, "vigie_messages_total", "intent", "lang");
    fprintf(f,
            "# HELP vigie_fallbacks_total Messages not understood (intent fallback).\n"
            "# TYPE vigie_fallbacks_total counter\n"
            "vigie_fallbacks_total{lang=\"fr\"} %llu\n"
            "vigie_fallbacks_total{lang=\"en\"} %llu\n",
            (unsigned long long)metrics_load(&m->fallbacks[0]),
            (unsigned long long)metrics_load(&m->fallbacks[1]));
    fprintf(f, "# HELP vigie_errors_total Protocol errors sent to clients, by code.\n"
               "# TYPE vigie_errors_total counter\n");
    metrics_family_out(f, m, METRICS_ERRORS, "vigie_errors_total", "code", NULL);
    fprintf(f,
            "# HELP vigie_sessions_refused_total WebSocket upgrades refused, by reason.\n"
            "# TYPE vigie_sessions_refused_total counter\n");
    metrics_family_out(f, m, METRICS_REFUSED, "vigie_sessions_refused_total", "reason",
                       NULL);
    fprintf(
        f,
        "# HELP vigie_sessions_closed_total Sessions closed by the server, by reason.\n"
        "# TYPE vigie_sessions_closed_total counter\n");
    metrics_family_out(f, m, METRICS_CLOSED, "vigie_sessions_closed_total", "reason",
                       NULL);
    fprintf(f,
            "# HELP vigie_sessions_open WebSocket sessions open now.\n"
            "# TYPE vigie_sessions_open gauge\n"
            "vigie_sessions_open %llu\n"
            "# HELP vigie_sessions_total WebSocket sessions established since start.\n"
            "# TYPE vigie_sessions_total counter\n"
            "vigie_sessions_total %llu\n",
            (unsigned long long)metrics_load(&m->sessions_open),
            (unsigned long long)metrics_load(&m->sessions_total));
    fprintf(f, "# HELP vigie_reply_latency_seconds From a complete message to its reply "
               "written.\n"
               "# TYPE vigie_reply_latency_seconds histogram\n");
    for (size_t b = 0; b < METRICS_BUCKETS; b++) {
        cum += metrics_load(&m->latency_bucket[b]);
        if (b < METRICS_BUCKETS - 1)
            fprintf(f, "vigie_reply_latency_seconds_bucket{le=\"%g\"} %llu\n",
                    metrics_bounds[b], (unsigned long long)cum);
        else
            fprintf(f, "vigie_reply_latency_seconds_bucket{le=\"+Inf\"} %llu\n",
                    (unsigned long long)cum);
    }
    fprintf(f,
            "vigie_reply_latency_seconds_sum %.9f\n"
            "vigie_reply_latency_seconds_count %llu\n",
            (double)metrics_load(&m->latency_sum_ns) / 1e9,
            (unsigned long long)metrics_load(&m->latency_count));
    fprintf(f,
            "# HELP vigie_reloads_total Catalogue reloads, by result.\n"
            "# TYPE vigie_reloads_total counter\n"
            "vigie_reloads_total{result=\"ok\"} %llu\n"
            "vigie_reloads_total{result=\"failed\"} %llu\n"
            "# HELP vigie_catalogue_intents Intents in the catalogue being served.\n"
            "# TYPE vigie_catalogue_intents gauge\n"
            "vigie_catalogue_intents %llu\n"
            "# HELP vigie_catalogue_loaded_seconds When the catalogue being served was "
            "loaded (Unix time).\n"
            "# TYPE vigie_catalogue_loaded_seconds gauge\n"
            "vigie_catalogue_loaded_seconds %llu\n",
            (unsigned long long)metrics_load(&m->reloads_ok),
            (unsigned long long)metrics_load(&m->reloads_failed),
            (unsigned long long)metrics_load(&m->catalogue_intents),
            (unsigned long long)metrics_load(&m->catalogue_loaded));
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    *len = size;
    return buf;
}
