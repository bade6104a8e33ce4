/*
 * real_options.c — the options of `gauntlet stress --cmd`: the command, its
 * load, when it counts as ready, the rows' name; checked together, and
 * recorded in the document's settings so that a baseline of another command
 * is never compared with this one.
 */
#include "cli.h"
#include "stress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A bare number is a port: seconds carry their unit, so that `--ready 8080`
 * never means two hours and a quarter. */
static void parse_ready(const char *command, const char *text, struct real_command *c)
{
    size_t n = strlen(text);
    uint64_t port;
    if (n > 1 && text[n - 1] == 's') {
        char number[64];
        snprintf(number, sizeof number, "%.*s", (int)(n - 1), text);
        if (n - 1 < sizeof number && stress_parse_double(number, &c->ready_seconds) &&
            c->ready_seconds > 0 && c->ready_seconds <= 3600) {
            c->ready_port = 0;
            return;
        }
    } else if (parse_u64_arg(text, &port) && port >= 1 && port <= 65535) {
        c->ready_port = (unsigned)port;
        c->ready_seconds = 0;
        return;
    }
    usage_error(command,
                "--ready takes a TCP port on 127.0.0.1 (8080) or seconds with an s (2s, 0.5s; "
                "at most 3600s), not '%s'",
                text);
}

bool parse_real_option(const char *command, int argc, char **argv, int *i, struct real_command *c)
{
    const char *arg = argv[*i], *value = *i + 1 < argc ? argv[*i + 1] : NULL;
    uint64_t n;
    if (value == NULL) return false;
    if (strcmp(arg, "--cmd") == 0) {
        c->cmd = value;
    } else if (strcmp(arg, "--load") == 0) {
        c->load = value;
    } else if (strcmp(arg, "--steps") == 0) {
        if (!parse_u64_arg(value, &n) || n == 0 || n > STRESS_MAX_PHASES - 2)
            usage_error(command, "--steps needs a count in 1..%d", STRESS_MAX_PHASES - 2);
        c->steps = (unsigned)n;
    } else if (strcmp(arg, "--ready") == 0) {
        parse_ready(command, value, c);
    } else if (strcmp(arg, "--ready-timeout") == 0) {
        if (!stress_parse_double(value, &c->ready_timeout) || c->ready_timeout <= 0 ||
            c->ready_timeout > 86400)
            usage_error(command, "--ready-timeout needs seconds in (0, 86400]");
    } else if (strcmp(arg, "--name") == 0) {
        if (value[0] == '\0' || strlen(value) > 64)
            usage_error(command, "--name needs a name of 1..64 bytes");
        c->name = value;
    } else {
        return false;
    }
    (*i)++;
    return true;
}

void real_command_finish(const char *command, struct real_command *c)
{
    static char name[80];
    if (c->cmd == NULL) {
        if (c->load || c->steps || c->ready_port || c->ready_seconds > 0 || c->name)
            usage_error(command, "--load, --steps, --ready and --name go with --cmd");
        return;
    }
    if (strspn(c->cmd, " \t\n") == strlen(c->cmd)) usage_error(command, "--cmd is empty");
    if (c->load && c->ready_port == 0 && c->ready_seconds == 0)
        usage_error(command, "--load needs --ready (a port, or seconds to wait): the load must "
                             "start once CMD serves");
    if (c->steps && c->load == NULL) usage_error(command, "--steps goes with --load");
    if (c->steps == 0) c->steps = 1;
    if (c->ready_timeout == 0) c->ready_timeout = 30;
    if (c->name == NULL) {
        /* cmd:<the program's last path part>: a row a person recognises;
         * variable assignments, exec and env before it are passed over */
        const char *word = c->cmd + strspn(c->cmd, " \t\n");
        size_t len = strcspn(word, " \t\n;&|<>()");
        while (word[len] && (memchr(word, '=', len) || (len == 4 && !strncmp(word, "exec", 4)) ||
                             (len == 3 && !strncmp(word, "env", 3)))) {
            word += len;
            word += strspn(word, " \t\n");
            len = strcspn(word, " \t\n;&|<>()");
        }
        const char *slash = memrchr(word, '/', len);
        if (slash) {
            len -= (size_t)(slash + 1 - word);
            word = slash + 1;
        }
        snprintf(name, sizeof name, "cmd:%.*s", (int)(len < 60 ? len : 60), word);
        c->name = name;
    }
}

json_t *real_command_object(const struct real_command *c)
{
    json_t *ready = c->ready_port      ? json_pack("{s:I}", "port", (json_int_t)c->ready_port)
                    : c->ready_seconds ? json_pack("{s:f}", "seconds", c->ready_seconds)
                                       : json_null();
    return json_pack("{s:s, s:s, s:s?, s:I, s:o, s:f}", "name", c->name, "command", c->cmd, "load",
                     c->load, "steps", (json_int_t)(c->load ? c->steps : 0), "ready", ready,
                     "ready_timeout", c->ready_timeout);
}
