/* Is one whole single-threaded sgemm bit-identical to MaskLab's two-part split of the same product
   (GEMM.multiply: by columns of C when n >= m, else by rows)? For 10 shapes x 4 transpositions:
   the whole product twice (is one call repeatable?), the two parts, the largest |difference|. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static float rnd(void) { return (float)rand() / RAND_MAX - 0.5f; }
static void gemm(int ta, int tb, int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1, a, lda, b, ldb, 0, c, ldc);
}
static int check(int ta, int tb, int m, int n, int k) {
  int lda = ta ? m : k, ldb = tb ? k : n, ldc = n;
  float *a = malloc(4 * m * k), *b = malloc(4 * k * n), *c1 = malloc(4 * m * n), *c2 = malloc(4 * m * n), *c3 = malloc(4 * m * n);
  for (int i = 0; i < m * k; i++) a[i] = rnd();
  for (int i = 0; i < k * n; i++) b[i] = rnd();
  gemm(ta, tb, m, n, k, a, lda, b, ldb, c1, ldc);
  gemm(ta, tb, m, n, k, a, lda, b, ldb, c3, ldc);
  int parts = 2;
  for (int p = 0; p < parts; p++) {
    if (n >= m) { int j0 = p * n / parts, j1 = (p + 1) * n / parts; gemm(ta, tb, m, j1 - j0, k, a, lda, b + (tb ? j0 * ldb : j0), ldb, c2 + j0, ldc); }
    else { int i0 = p * m / parts, i1 = (p + 1) * m / parts; gemm(ta, tb, i1 - i0, n, k, a + (ta ? i0 : i0 * lda), lda, b, ldb, c2 + i0 * ldc, ldc); }
  }
  float md = 0;
  for (int i = 0; i < m * n; i++) { float d = c1[i] - c2[i]; if (d < 0) d = -d; if (d > md) md = d; }
  int diff = memcmp(c1, c2, 4 * m * n) != 0;
  printf("ta%d tb%d m%d n%d k%d %s max|d| %g%s\n", ta, tb, m, n, k, diff ? "DIFF" : "same", md,
         memcmp(c1, c3, 4 * m * n) ? " WHOLE-NOT-REPEATABLE" : "");
  free(a); free(b); free(c1); free(c2); free(c3);
  return diff;
}
int main(void) {
  openblas_set_num_threads(1);
  int d = 0;
  int sh[][3] = {{60,300,784},{300,784,60},{60,784,300},{60,100,300},{100,300,60},{128,64,576},{576,1024,64},{37,333,129},{301,77,1000},{5,999,17}};
  for (int s = 0; s < 10; s++) for (int ta = 0; ta < 2; ta++) for (int tb = 0; tb < 2; tb++) d += check(ta, tb, sh[s][0], sh[s][1], sh[s][2]);
  printf("diffs %d\n", d);
  return 0;
}
