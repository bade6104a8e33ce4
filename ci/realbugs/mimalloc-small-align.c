/* mimalloc issue #206 (fixed by 16ebb70): aligned allocation with an
 * alignment <= 16 (MI_MAX_ALIGN_SIZE) and no offset was sent straight to the
 * plain malloc path, whose 8- and 24-byte size classes only guarantee 8-byte
 * alignment.  Checks that aligned_alloc, posix_memalign and memalign with
 * alignment 16 and small sizes always return 16-byte-aligned blocks. */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N 64

int main(void)
{
    static const size_t sizes[] = {1, 8, 24, 40};
    void *live[3][sizeof sizes / sizeof sizes[0]][N] = {0};
    int rc = 0;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0] && rc == 0; s++) {
        size_t size = sizes[s];
        for (int i = 0; i < N && rc == 0; i++) {
            void *a = aligned_alloc(16, size);
            void *b = NULL;
            int err = posix_memalign(&b, 16, size);
            void *c = memalign(16, size);
            live[0][s][i] = a;
            live[1][s][i] = b;
            live[2][s][i] = c;
            if (a == NULL || err != 0 || b == NULL || c == NULL) {
                printf("error: allocation of %zu bytes failed\n", size);
                return 2;
            }
            const char *fn = NULL;
            void *p = NULL;
            if ((uintptr_t)a % 16) {
                fn = "aligned_alloc";
                p = a;
            } else if ((uintptr_t)b % 16) {
                fn = "posix_memalign";
                p = b;
            } else if ((uintptr_t)c % 16) {
                fn = "memalign";
                p = c;
            }
            if (fn != NULL) {
                printf("bug: %s(alignment 16, size %zu) returned misaligned %p\n", fn, size, p);
                rc = 1;
            }
        }
    }
    for (int k = 0; k < 3; k++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
            for (int i = 0; i < N; i++)
                free(live[k][s][i]);
    return rc;
}
