/* jemalloc PR #1554 (fixed by f32f23d, 5.2.1): posix_memalign() and
 * aligned_alloc() with size 0 passed size 0 straight to sz_sa2u().  Rounding
 * 0 up to the alignment gives 0, which maps to the smallest (8-byte) size
 * class, so the returned block is only 8-byte aligned.  Checks that
 * posix_memalign(&p, A, 0) and aligned_alloc(A, 0) return NULL or an A-aligned
 * block for A = 16 .. 4096.  (memalign(A, 0) is not checked: that path was
 * only fixed upstream after 5.3.0.) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N 32

/* Called through volatile pointers so the compiler cannot assume the
 * alignment promised by the library declarations. */
static void *(*volatile aa)(size_t, size_t) = aligned_alloc;
static int (*volatile pm)(void **, size_t, size_t) = posix_memalign;

int main(void)
{
    static const size_t aligns[] = {16, 32, 64, 128, 256, 4096};
    void *live[2 * N];
    for (size_t a = 0; a < sizeof aligns / sizeof aligns[0]; a++) {
        size_t align = aligns[a];
        int n = 0, bad = 0;
        for (int i = 0; i < N; i++) {
            void *p = NULL;
            int err = pm(&p, align, 0);
            if (err == 0 && p != NULL) {
                live[n++] = p;
                if ((uintptr_t)p % align != 0 && !bad) {
                    printf("bug: posix_memalign(&p, %zu, 0) returned %p, "
                           "not %zu-aligned\n",
                           align, p, align);
                    bad = 1;
                }
            }
            void *q = aa(align, 0);
            if (q != NULL) {
                live[n++] = q;
                if ((uintptr_t)q % align != 0 && !bad) {
                    printf("bug: aligned_alloc(%zu, 0) returned %p, "
                           "not %zu-aligned\n",
                           align, q, align);
                    bad = 1;
                }
            }
        }
        for (int i = 0; i < n; i++)
            free(live[i]);
        if (bad) return 1;
    }
    return 0;
}
