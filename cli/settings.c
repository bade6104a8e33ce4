/*
 * settings.c — the allocator's settings on the command line (--alloc-env
 * NAME=VALUE): their form, checked so that a report's commands can carry
 * them as they are, and putting them in place by starting the command
 * again with them in its environment (rules.h, rule_settings_apply). Those
 * the environment already holds are taken as given, so that reports and
 * results name them too (setting_environment.c).
 */
#include "cli.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static char **started_with;

void settings_remember_argv(char **argv)
{
    started_with = argv;
}

/* Characters a value may hold: those of MALLOC_CONF, GLIBC_TUNABLES and
 * sizes such as 64MiB, none that a shell would read otherwise. */
static bool value_char(char c)
{
    return isalnum((unsigned char)c) || strchr("_.,:=+/%-", c) != NULL;
}

/* Whether `text` can be carried as a setting: NAME=VALUE in the form above,
 * not one of gauntlet's own variables; else why not, into why. */
static bool setting_form_holds(const char *text, char *why, size_t why_len)
{
    const char *equals = strchr(text, '=');
    size_t name_len = equals ? (size_t)(equals - text) : 0;
    bool good = equals && name_len > 0 && name_len < RULE_SETTING_NAME_MAX &&
                (isalpha((unsigned char)text[0]) || text[0] == '_') && equals[1] != '\0';
    for (size_t i = 0; good && i < name_len; i++)
        good = isalnum((unsigned char)text[i]) || text[i] == '_';
    for (const char *v = equals ? equals + 1 : ""; good && *v; v++)
        good = value_char(*v);
    if (!good)
        snprintf(why, why_len,
                 "needs NAME=VALUE (a variable the allocator reads, such as "
                 "MALLOC_CONF=tcache:false; letters, digits and _.,:=+/%%- only), not '%s'",
                 text);
    else if (strlen(text) > SETTING_LENGTH_MAX)
        snprintf(why, why_len, "%.40s...: longer than %u characters", text, SETTING_LENGTH_MAX);
    else if (strncmp(text, "GAUNTLET_", 9) == 0)
        snprintf(why, why_len, "%s: GAUNTLET_ variables are gauntlet's own", text);
    else
        return true;
    return false;
}

void settings_add(const char *command, struct settings *s, const char *text)
{
    char why[512];
    if (!setting_form_holds(text, why, sizeof why)) usage_error(command, "--alloc-env %s", why);
    if (s->count == SETTINGS_COUNT_MAX)
        usage_error(command, "at most %u --alloc-env settings", SETTINGS_COUNT_MAX);
    s->list[s->count++] = text;
    s->list[s->count] = NULL;
}

/* Once per process: the texts live as long as it does. */
void settings_adopt_environment(const char *command, struct settings *s)
{
    static char text[SETTINGS_TEXT_MAX];
    const char *found[SETTINGS_COUNT_MAX];
    bool complete;
    size_t n = settings_in_environment(s->list, text, sizeof text, found,
                                       SETTINGS_COUNT_MAX - s->count, &complete);
    if (!complete)
        usage_error(command,
                    "the environment holds %zu allocator settings (MALLOC_CONF, MIMALLOC_*, "
                    "TCMALLOC_*, GLIBC_TUNABLES' glibc.malloc tunables...): with the --alloc-env "
                    "ones, more than %u or longer than gauntlet can carry in a report",
                    n, SETTINGS_COUNT_MAX);
    for (size_t i = 0; i < n; i++) {
        char why[512];
        if (!setting_form_holds(found[i], why, sizeof why))
            usage_error(command,
                        "the environment's allocator setting '%.60s' cannot be carried by a "
                        "report's commands (letters, digits and _.,:=+/%%- only, at most %u "
                        "characters): unset it, or give the value you mean with --alloc-env",
                        found[i], SETTING_LENGTH_MAX);
        fprintf(stderr,
                "gauntlet %s: %s is in the environment: the allocator runs under it, and what "
                "this command reports carries it (--alloc-env %s)\n",
                command, found[i], found[i]);
        s->list[s->count++] = found[i];
        s->list[s->count] = NULL;
    }
}

void settings_apply(const char *command, struct settings *s)
{
    if (s->count > 0 && (started_with == NULL || !rule_settings_apply(s->list, started_with))) {
        fprintf(stderr,
                "gauntlet %s: cannot start again with the allocator's settings in the "
                "environment (--alloc-env)\n",
                command);
        exit(EXIT_USAGE);
    }
    /* After starting again: the given settings are in place by then, so
     * only what the user's environment adds is taken. */
    settings_adopt_environment(command, s);
}

int settings_add_args(const struct settings *s, const char **argv, int n)
{
    for (unsigned i = 0; i < s->count; i++)
        argv[n++] = "--alloc-env", argv[n++] = s->list[i];
    return n;
}
