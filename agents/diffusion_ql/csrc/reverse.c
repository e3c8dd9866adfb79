/* The reverse loop of a Diffusion-QL decision for the MLP denoiser, one compiled loop
 * per step: what agents/diffusion_ql/fast.py does with ~25 NumPy calls per step.
 *
 * Per step k (of K), for each of the n rows of x:
 *   eps = MLP(x, fixed[k])           first layer: x @ first_a + fixed[k] (the state's and
 *                                    time's share, bias included), then Mish, inner
 *                                    layers (h @ W + b, Mish), output layer h @ W + b
 *   x0  = (x - sqrt(1 - abar_k) eps) / sqrt(abar_k), clamped to [-clip, clip]
 *   x   = coef_x0[k] x0 + coef_x[k] x (+ noise[k] for k < n_noise)
 * DDPM passes the posterior coefficients and the scaled noise of steps T-1 .. 1; DDIM
 * (eta = 0) its two coefficients and no noise. Weights are row-major (in, out). The
 * caller clamps the final x.
 *
 * Built by `make kernels` into build/kernels/; loaded with ctypes by
 * agents/diffusion_ql/kernel.py. Where it is absent the NumPy path runs.
 */
#include <math.h>
#include <string.h>
#ifdef __SSE__
#include <xmmintrin.h>
#endif

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define RG_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define RG_CLONES
#endif

/* out[j] = bias[j] + sum_i in[i] w[i * cols + j]; rows = len(in), cols = len(out). */
RG_CLONES static void affine(const float *in, int rows, const float *w, const float *bias,
                             int cols, float *out) {
    if (bias) memcpy(out, bias, sizeof(float) * (size_t)cols);
    else memset(out, 0, sizeof(float) * (size_t)cols);
    for (int i = 0; i < rows; ++i) {
        const float v = in[i];
        const float *row = w + (size_t)i * (size_t)cols;
        for (int j = 0; j < cols; ++j) out[j] += v * row[j];
    }
}

/* e^v for v in [-87, 20] (the callers cap it there), branch-free so that the loops
 * around it vectorise: v = n ln 2 + r with |r| <= ln 2 / 2 (n rounded by adding and
 * taking away 1.5 * 2^23; ln 2 in two parts, so that n ln 2 is exact), e^r by a
 * polynomial of degree 7, and 2^n written into the exponent bits. */
static inline float exp_capped(float v) {
    const float n = (v * 1.44269504088896341f + 12582912.0f) - 12582912.0f; /* nearest */
    const float r = (v - n * 0.693359375f) + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    const int bits = ((int)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* tanh(softplus(v)) = t = u (u + 2) / (u (u + 2) + 2), u = e^v (one exponential;
 * above v = 20, t is 1 in float, so v is capped there for u); u is kept for the slope. */
static inline float tanh_softplus(float v, float *u_out) {
    const float c = v < -87.0f ? -87.0f : (v > 20.0f ? 20.0f : v);
    const float u = exp_capped(c);
    const float p = u * (u + 2.0f);
    *u_out = u;
    return p / (p + 2.0f);
}

/* mish(z) = z tanh(softplus(z)) in place; if slope is not NULL, also
 * d mish / dz = t + z (1 - t^2) u / (1 + u) there. Two loops without branches, so that
 * each vectorises. */
RG_CLONES static void mish_rows(float *restrict z, int len, float *restrict slope) {
    float u;
    if (!slope) {
        for (int j = 0; j < len; ++j) z[j] *= tanh_softplus(z[j], &u);
        return;
    }
    for (int j = 0; j < len; ++j) {
        const float v = z[j], t = tanh_softplus(v, &u);
        z[j] = v * t;
        slope[j] = t + v * (1.0f - t * t) * (u / (1.0f + u));
    }
}

static void mish(float *z, int len) { mish_rows(z, len, 0); }

/* Mish over n values in place, and its slope into slope (NULL: none); for the NumPy
 * decision path's layers (agents/diffusion_ql/fast.py). Returns 0, or -1 for n < 0.
 * It runs with results below float's normal range flushed to zero (FTZ, DAZ), and puts
 * the caller's MXCSR back: built by gcc 12 for x86-64-v3, the vectorised slope loop
 * raised underflow on inputs near 0 where the same loop unvectorised does not, and
 * denormal results made the whole pass about 6 times slower. */
int rg_mish(long n, float *z, float *slope) {
    if (n < 0 || n > 0x7fffffffL) return -1;
#ifdef __SSE__
    const unsigned csr = _mm_getcsr();
    _mm_setcsr(csr | 0x8040);
#endif
    mish_rows(z, (int)n, slope);
#ifdef __SSE__
    _mm_setcsr(csr);
#endif
    return 0;
}

int rg_reverse(int n, int a_dim, int hidden, int n_inner,
               const float *first_a,
               const float *const *inner_w, const float *const *inner_b,
               const float *out_w, const float *out_b,
               int k_steps, const float *fixed,
               const double *sqrt_abar, const double *sqrt_one_minus_abar,
               const double *coef_x0, const double *coef_x,
               const float *noise, int n_noise, float clip,
               float *x, float *work) {
    if (n < 1 || a_dim < 1 || hidden < 1 || n_inner < 0 || k_steps < 0 || n_noise < 0
        || n_noise > k_steps)
        return -1;
    float *h = work, *g = work + hidden, *eps = work + 2 * hidden;
    for (int k = 0; k < k_steps; ++k) {
        const float s_ab = (float)sqrt_abar[k], s_1m = (float)sqrt_one_minus_abar[k];
        const float c0 = (float)coef_x0[k], c1 = (float)coef_x[k];
        for (int r = 0; r < n; ++r) {
            float *xr = x + (size_t)r * (size_t)a_dim;
            const float *fr = fixed + ((size_t)k * (size_t)n + (size_t)r) * (size_t)hidden;
            affine(xr, a_dim, first_a, fr, hidden, h);
            mish(h, hidden);
            for (int l = 0; l < n_inner; ++l) {
                affine(h, hidden, inner_w[l], inner_b[l], hidden, g);
                mish(g, hidden);
                float *t = h; h = g; g = t;
            }
            affine(h, hidden, out_w, out_b, a_dim, eps);
            const float *nr = k < n_noise
                ? noise + ((size_t)k * (size_t)n + (size_t)r) * (size_t)a_dim : 0;
            for (int j = 0; j < a_dim; ++j) {
                float x0 = (xr[j] - s_1m * eps[j]) / s_ab;
                if (clip > 0.0f) x0 = x0 > clip ? clip : (x0 < -clip ? -clip : x0);
                float next = c0 * x0 + c1 * xr[j];
                if (nr) next += nr[j];
                xr[j] = next;
            }
            h = work; g = work + hidden; /* the swap above may have left them crossed */
        }
    }
    return 0;
}
