/*
 * test_realbugs.c — the real allocator bugs `make bench-realbugs` puts back
 * (ci/realbugs/): each patch says where it comes from (package, upstream
 * issue or fix, kind, what goes wrong) and has a direct C program that
 * compiles cleanly; and the bench's short form (`--quick`) on one mimalloc
 * bug: the patch applies to Debian's source, the direct program tells the
 * two builds apart, gen+run finds the bug with a program the fixed build
 * passes, and the finding's minimized C reproducer fails on the buggy build
 * and passes on the fixed one. Without Debian's source packages the short
 * form is skipped, saying so.
 */
#include "command.h"
#include "runner.h"

#include <check.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REALBUGS "ci/realbugs"

static struct spawned r;

/* The value of the patch header's `# FIELD: ` line, or "" when it has none. */
static void header_field(const char *patch, const char *field, char *value, size_t len)
{
    char prefix[64], line[1024];
    snprintf(prefix, sizeof prefix, "# %s: ", field);
    value[0] = '\0';
    FILE *f = fopen(patch, "r");
    ck_assert_msg(f != NULL, "cannot read %s", patch);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, prefix, strlen(prefix)) == 0) {
            snprintf(value, len, "%s", line + strlen(prefix));
            value[strcspn(value, "\n")] = '\0';
            break;
        }
    fclose(f);
}

static bool has_diff(const char *patch)
{
    char line[1024];
    bool found = false;
    FILE *f = fopen(patch, "r");
    ck_assert(f != NULL);
    while (!found && fgets(line, sizeof line, f))
        found = strncmp(line, "--- a/", 6) == 0;
    fclose(f);
    return found;
}

START_TEST(every_bug_says_where_it_comes_from_and_compiles)
{
    static const char *const families[] = {"mimalloc", "jemalloc", "gperftools"};
    unsigned per_family[3] = {0}, bugs = 0;
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    DIR *d = opendir(REALBUGS);
    ck_assert_msg(d != NULL, "no %s", REALBUGS);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t n = strlen(e->d_name);
        if (n < 7 || strcmp(e->d_name + n - 6, ".patch") != 0) continue;
        char patch[512], program[512], value[512];
        snprintf(patch, sizeof patch, "%s/%s", REALBUGS, e->d_name);
        snprintf(program, sizeof program, "%s/%.*s.c", REALBUGS, (int)(n - 6), e->d_name);
        header_field(patch, "package", value, sizeof value);
        const char *at = strchr(value, '@');
        ck_assert_msg(at && (strcmp(at, "@bookworm") == 0 || strcmp(at, "@trixie") == 0 ||
                             strcmp(at, "@sid") == 0),
                      "%s: `# package: NAME@SUITE`, not `%s`", patch, value);
        bool known = false;
        for (unsigned k = 0; k < 3; k++)
            if ((size_t)(at - value) == strlen(families[k]) &&
                strncmp(value, families[k], strlen(families[k])) == 0 &&
                strncmp(e->d_name, families[k], strlen(families[k])) == 0) {
                per_family[k]++;
                known = true;
            }
        ck_assert_msg(known, "%s: a family's bug, named after it (%s)", patch, value);
        header_field(patch, "upstream", value, sizeof value);
        ck_assert_msg(strncmp(value, "https://github.com/", 19) == 0 || strstr(value, "commit"),
                      "%s: `# upstream:` names the issue or the fix", patch);
        for (const char *const *field = (const char *const[]){"kind", "what", NULL}; *field;
             field++) {
            header_field(patch, *field, value, sizeof value);
            ck_assert_msg(value[0] != '\0', "%s: no `# %s:` line", patch, *field);
        }
        ck_assert_msg(has_diff(patch), "%s: no unified diff (--- a/...)", patch);
        char command[2048];
        snprintf(command, sizeof command,
                 "cc -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -pthread %s -o %s/proof -ldl",
                 program, dir);
        const char *cc[] = {"sh", "-c", command, NULL};
        spawn_run(cc, &r);
        ck_assert_msg(r.status == 0, "%s does not compile cleanly:\n%s", program, r.err);
        bugs++;
    }
    closedir(d);
    ck_assert_uint_ge(bugs, 10);
    for (unsigned k = 0; k < 3; k++)
        ck_assert_msg(per_family[k] > 0, "no %s bug", families[k]);
}
END_TEST

START_TEST(short_form_finds_a_mimalloc_bug_the_fixed_build_lacks)
{
    char dir[64], command[512];
    make_temp_dir(dir, sizeof dir);
    snprintf(command, sizeof command,
             "REALBUGS_OUT=%s bash ci/bench-realbugs.sh --quick 60 mimalloc-small-align", dir);
    const char *bench[] = {"sh", "-c", command, NULL};
    spawn_run(bench, &r);
    if (strstr(r.out, "does not build") &&
        (strstr(r.err, "apt-get update failed") || strstr(r.err, "cannot get the source"))) {
        test_skip("realbugs short form", "Debian's source packages are out of reach");
        return;
    }
    ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
    const char *row = strstr(r.out, "| mimalloc-small-align |");
    ck_assert_msg(row != NULL, "no row:\n%s", r.out);
    /* | bug | kind | upstream | proof | seeds | gen+run | fuzz | fuzz, instrumented | on the
     * fixed build | replay | minimized | reproducer | */
    char line[1024], *cell[16];
    unsigned cells = 0;
    snprintf(line, sizeof line, "%.*s", (int)strcspn(row, "\n"), row);
    for (char *save = NULL, *c = strtok_r(line, "|", &save); c && cells < 16;
         c = strtok_r(NULL, "|", &save))
        cell[cells++] = c;
    ck_assert_msg(cells >= 12, "a row of %u cells: %s", cells, row);
    ck_assert_msg(strstr(cell[3], "proved"), "the direct program: %s", cell[3]);
    ck_assert_msg(strstr(cell[5], " s ("), "gen+run did not find it: %s", cell[5]);
    ck_assert_msg(strstr(cell[8], "none"), "findings on the fixed build: %s", cell[8]);
    ck_assert_msg(strstr(cell[9], "fails"), "the finding does not replay: %s", cell[9]);
    ck_assert_msg(strstr(cell[11], "buggy: fails, fixed: passes"), "the reproducer: %s", cell[11]);
}
END_TEST

Suite *realbugs_suite(void)
{
    Suite *s = suite_create("realbugs");
    TCase *tc = tcase_create("realbugs");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, every_bug_says_where_it_comes_from_and_compiles);
    tcase_add_test(tc, short_form_finds_a_mimalloc_bug_the_fixed_build_lacks);
    suite_add_tcase(s, tc);
    return s;
}
