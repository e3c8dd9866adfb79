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

/* mish(z) = z tanh(softplus(z)) = z u (u + 2) / (u (u + 2) + 2), u = e^z: one exp. */
static void mish(float *z, int len) {
    for (int j = 0; j < len; ++j) {
        const float v = z[j];
        if (v > 20.0f) continue; /* tanh(softplus(20)) is 1 in float */
        const float u = expf(v);
        const float p = u * (u + 2.0f);
        z[j] = v * p / (p + 2.0f);
    }
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
