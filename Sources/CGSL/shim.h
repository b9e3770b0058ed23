// The one place MaskLab sees GSL. Only the Stats target imports this module.
// GSL's own CBLAS (libgslcblas) also defines cblas_sgemm; the GEMM binding test in
// TensorCoreTests checks that the process resolves it to OpenBLAS.
#pragma once
#include <gsl/gsl_rng.h>
// gsl_randist.h is not included: it pulls in gsl_cblas.h, whose CBLAS enums clash with
// OpenBLAS's cblas.h in modules that see both. The distributions MaskLab uses:
unsigned int gsl_ran_bernoulli(const gsl_rng *r, double p);
double gsl_ran_gaussian_ziggurat(const gsl_rng *r, const double sigma);
#include <gsl/gsl_histogram.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>

/// GSL's MT19937 generator type (a C global; wrapped so Swift 6 sees a function, not shared state).
static inline const gsl_rng_type *masklab_rng_mt19937(void) { return gsl_rng_mt19937; }
