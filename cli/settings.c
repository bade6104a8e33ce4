/*
 * settings.c — the allocator's settings on the command line (--alloc-env
 * NAME=VALUE): their form, checked so that a report's commands can carry
 * them as they are, and putting them in place by starting the command
 * again with them in its environment (rules.h, rule_settings_apply).
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

void settings_add(const char *command, struct settings *s, const char *text)
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
        usage_error(command,
                    "--alloc-env needs NAME=VALUE (a variable the allocator reads, such as "
                    "MALLOC_CONF=tcache:false; letters, digits and _.,:=+/%%- only), not '%s'",
                    text);
    if (strlen(text) > SETTING_LENGTH_MAX)
        usage_error(command, "--alloc-env %.40s...: longer than %u characters", text,
                    SETTING_LENGTH_MAX);
    if (strncmp(text, "GAUNTLET_", 9) == 0)
        usage_error(command, "--alloc-env %s: GAUNTLET_ variables are gauntlet's own", text);
    if (s->count == SETTINGS_COUNT_MAX)
        usage_error(command, "at most %u --alloc-env settings", SETTINGS_COUNT_MAX);
    s->list[s->count++] = text;
    s->list[s->count] = NULL;
}

void settings_apply(const char *command, const struct settings *s)
{
    if (s->count == 0) return;
    if (started_with == NULL || !rule_settings_apply(s->list, started_with)) {
        fprintf(stderr,
                "gauntlet %s: cannot start again with the allocator's settings in the "
                "environment (--alloc-env)\n",
                command);
        exit(EXIT_USAGE);
    }
}

int settings_add_args(const struct settings *s, const char **argv, int n)
{
    for (unsigned i = 0; i < s->count; i++)
        argv[n++] = "--alloc-env", argv[n++] = s->list[i];
    return n;
}
