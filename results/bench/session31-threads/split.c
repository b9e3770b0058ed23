// Session 31: what the fixed two-part split of LeNet-300-100's two large products costs on one
// thread (OpenBLAS single-threaded): fc1 forward (60×300×784, B transposed) and fc1's weight
// gradient (300×784×60, A transposed), whole against two column halves run back to back.
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
void openblas_set_num_threads(int);
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
static float *fill(long n) { float *p = malloc(n * sizeof(float)); for (long i = 0; i < n; i++) p[i] = (float)rand() / RAND_MAX - 0.5f; return p; }
static int cmp(const void *a, const void *b) { double x = *(double *)a, y = *(double *)b; return x < y ? -1 : x > y; }
typedef struct { int ta, tb, m, n, k; const char *name; } Shape;
static void gemm(Shape s, const float *a, const float *b, float *c, int j0, int j1) {
    int lda = s.ta ? s.m : s.k, ldb = s.tb ? s.k : s.n;
    cblas_sgemm(CblasRowMajor, s.ta ? CblasTrans : CblasNoTrans, s.tb ? CblasTrans : CblasNoTrans, s.m, j1 - j0, s.k, 1.0f,
                a, lda, b + (s.tb ? (long)j0 * ldb : j0), ldb, 0.0f, c + j0, s.n);
}
int main(void) {
    openblas_set_num_threads(1);
    Shape shapes[] = {{0, 1, 60, 300, 784, "fc1 forward 60x300x784"}, {1, 0, 300, 784, 60, "fc1 weight gradient 300x784x60"}};
    for (int si = 0; si < 2; si++) {
        Shape s = shapes[si];
        float *a = fill((long)s.m * s.k), *b = fill((long)s.k * s.n), *c = fill((long)s.m * s.n);
        enum { R = 41, N = 200 };
        double whole[R], split[R];
        for (int r = 0; r < R; r++) {
            double t0 = now();
            for (int i = 0; i < N; i++) gemm(s, a, b, c, 0, s.n);
            double t1 = now();
            for (int i = 0; i < N; i++) { gemm(s, a, b, c, 0, s.n / 2); gemm(s, a, b, c, s.n / 2, s.n); }
            double t2 = now();
            whole[r] = (t1 - t0) / N * 1e6; split[r] = (t2 - t1) / N * 1e6;
        }
        qsort(whole, R, sizeof(double), cmp); qsort(split, R, sizeof(double), cmp);
        printf("%s: whole %.1f us, two halves %.1f us (medians of %d rounds of %d calls), halves / whole %.3f\n",
               s.name, whole[R / 2], split[R / 2], R, N, split[R / 2] / whole[R / 2]);
    }
    return 0;
}
