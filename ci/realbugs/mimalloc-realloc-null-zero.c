/* mimalloc issue #574 (fixed by a158aef): realloc(NULL, 0) fell into the
 * "still fits in place" shortcut (0 <= usable size 0) and returned NULL,
 * while malloc(0) returns a unique block.  Checks that realloc(NULL, 0) and
 * reallocarray(NULL, 0, n) make the same choice as malloc(0), in the main
 * thread and in a freshly started thread. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "direct.h"

/* volatile so that the compiler cannot rewrite realloc(NULL, n) as malloc(n) */
static void *volatile null_ptr = NULL;
static volatile size_t zero = 0;
static void *volatile sink[3]; /* keeps the calls from being optimised away */

static const char *check(const char *where)
{
    (void)where; /* the messages are the same on both threads */
    void *m = malloc(zero);
    errno = 0;
    void *r = realloc(null_ptr, zero);
    int r_errno = errno;
    errno = 0;
    void *a = reallocarray(null_ptr, zero, 16);
    int a_errno = errno;
    sink[0] = m;
    sink[1] = r;
    sink[2] = a;
    const char *bug = NULL;
    if (m != NULL && r == NULL)
        bug = "bug: malloc(0) returns a block but realloc(NULL, 0) returns NULL";
    else if (m != NULL && a == NULL)
        bug = "bug: malloc(0) returns a block but reallocarray(NULL, 0, 16) returns NULL";
    else if (m == NULL && (r != NULL || a != NULL))
        bug = "bug: malloc(0) returns NULL but realloc(NULL, 0) returns a block";
    else if (r == NULL && r_errno == ENOMEM)
        bug = "bug: realloc(NULL, 0) reports ENOMEM";
    else if (a == NULL && a_errno == ENOMEM)
        bug = "bug: reallocarray(NULL, 0, 16) reports ENOMEM";
    else if (m != NULL && (m == r || m == a || (r != NULL && r == a)))
        bug = "bug: zero-size blocks are not unique";
    free(m);
    free(r);
    free(a);
    return bug;
}

int main(void)
{
    return direct_on_two_threads(check);
}
