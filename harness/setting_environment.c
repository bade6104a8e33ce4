/*
 * setting_environment.c — which of the environment's variables are the
 * allocator's settings (registry.c says which variables each allocator
 * reads). A command started with MALLOC_CONF or MIMALLOC_RESERVE_OS_MEMORY
 * already set runs every allocator under it: what it reports and measures
 * must name it, as it names an --alloc-env, or a reproducer run in a clean
 * shell would contradict the run.
 */
#include "internal.h"

#include <string.h>

extern char **environ;

/* GLIBC_TUNABLES also carries tunables of the loader (gauntlet's own static
 * TLS room among them): only these are the allocator's. */
static bool allocator_tunable(const char *part)
{
    return strncmp(part, "glibc.malloc.", 13) == 0 || strncmp(part, "glibc.mem.", 10) == 0;
}

/* The ':'-separated tunables of `value` that are the allocator's and that
 * no given GLIBC_TUNABLES holds, into out; false when none remain. */
static bool own_tunables(const char *value, const char *const *given, char *out, size_t len)
{
    char part[RULE_SETTING_NAME_MAX * 4];
    size_t used = 0;
    out[0] = '\0';
    for (const char *at = value; *at;) {
        size_t n = strcspn(at, ":");
        snprintf(part, sizeof part, "%.*s", (int)n, at);
        bool held = false;
        for (const char *const *g = given; g && *g && !held; g++)
            held = strncmp(*g, RULE_TUNABLES_NAME "=", sizeof RULE_TUNABLES_NAME) == 0 &&
                   rule_tunables_hold(*g + sizeof RULE_TUNABLES_NAME, part);
        if (n > 0 && allocator_tunable(part) && !held)
            used += (size_t)snprintf(out + used, used < len ? len - used : 0, "%s%s",
                                     used ? ":" : "", part);
        at += n + (at[n] == ':');
    }
    return used > 0 && used < len;
}

static bool named_by(const char *const *given, const char *name, size_t name_len)
{
    for (const char *const *g = given; g && *g; g++)
        if (strncmp(*g, name, name_len) == 0 && (*g)[name_len] == '=') return true;
    return false;
}

size_t settings_in_environment(const char *const *given, char *text, size_t text_len,
                               const char **found, size_t max, bool *complete)
{
    size_t count = 0, stored = 0, used = 0;
    *complete = true;
    for (char **env = environ; env && *env; env++) {
        const char *equals = strchr(*env, '=');
        if (equals == NULL) continue;
        size_t name_len = (size_t)(equals - *env);
        if (!registry_reads_variable(*env, name_len)) continue;
        char value[4096];
        bool tunables = name_len == strlen(RULE_TUNABLES_NAME) &&
                        strncmp(*env, RULE_TUNABLES_NAME, name_len) == 0;
        if (tunables) {
            if (!own_tunables(equals + 1, given, value, sizeof value)) continue;
        } else {
            if (named_by(given, *env, name_len)) continue;
            snprintf(value, sizeof value, "%s", equals + 1);
        }
        size_t need = name_len + 1 + strlen(value) + 1;
        count++;
        if (stored == max || used + need > text_len) {
            *complete = false;
            continue;
        }
        char *setting = text + used;
        snprintf(setting, need, "%.*s=%s", (int)name_len, *env, value);
        used += need;
        /* Sorted by name as they come: a report does not depend on the
         * environment's order. */
        size_t at = stored++;
        for (; at > 0 && strcmp(found[at - 1], setting) > 0; at--)
            found[at] = found[at - 1];
        found[at] = setting;
    }
    return count;
}
