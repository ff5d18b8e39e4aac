/* Reference C implementation of pipeline_nb.slicing.optimal_slicing (capped, pruned slicing DP
 * with a cap ladder), written to match the numba kernels operation for operation: same arrays
 * (pipeline_nb.segments.OrderData and its Problem, flattened into one struct), same column fill
 * (fill_column), same pruning (work bound and stage window), same cap ladder, same
 * reconstruction. Used only by bench/bench_slicing.py, which compiles it with
 *   gcc -O3 -march=native -ffp-contract=off -shared -fPIC
 * (-ffp-contract=off keeps gcc from fusing a*b+c into FMAs, which numba does not do either, so
 * both versions do the same floating-point operations in the same order).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct {  /* OrderData d with d.problem's fields inlined */
    int64_t n, tensors;
    const int64_t *order;         /* block at every position */
    const double *work_prefix;    /* n + 1 entries */
    const double *param_prefix;   /* n + 1 entries */
    const int64_t *out_ptr, *out_idx; /* tensors produced by each block (CSR) */
    const int64_t *in_ptr, *in_idx;   /* tensors consumed by each block (CSR) */
    const double *tensor_size;
    const int64_t *first, *last;  /* positions of each tensor's first and last consumer */
    double c_in, c_out, c_ov, memory_limit, memory_cap; /* inf when there is no limit / cap */
} OrderData;

static inline double pos_part(double x) { return x > 0.0 ? x : 0.0; }

/* Costs of the segments ending at r (exclusive), longest first: out[i] = cost of r-1-i .. r-1.
 * Stops before the first segment whose work reaches work_cap or whose param exceeds the cap. */
static int64_t fill_column(const OrderData *d, int64_t r, double work_cap, double *out, int64_t *stamp)
{
    double sizein = 0.0, sizeout = 0.0;
    int64_t count = 0;
    for (int64_t l = r - 1; l >= 0; l--) {
        double work = d->work_prefix[r] - d->work_prefix[l];
        double param = d->param_prefix[r] - d->param_prefix[l];
        if (work >= work_cap || param > d->memory_cap) break;
        int64_t v = d->order[l];
        for (int64_t e = d->out_ptr[v]; e < d->out_ptr[v + 1]; e++) {
            int64_t t = d->out_idx[e];
            if (d->last[t] >= r) sizeout += d->tensor_size[t];
            if (d->first[t] < r) sizein -= d->tensor_size[t];
        }
        for (int64_t e = d->in_ptr[v]; e < d->in_ptr[v + 1]; e++) {
            int64_t t = d->in_idx[e];
            if (stamp[t] != r) { stamp[t] = r; sizein += d->tensor_size[t]; }
        }
        out[count] = work + d->c_in * sizein + d->c_out * sizeout + d->c_ov * pos_part(param - d->memory_limit);
        count++;
    }
    return count;
}

/* One capped DP; stage[p] receives the stage of position p (-1 everywhere when infeasible).
 * Returns the bottleneck (inf when no slicing has every segment below cap), NAN when out of memory. */
static double slice_dp(const OrderData *d, int64_t k, double cap, int64_t *stage)
{
    const int64_t n = d->n, w = n + 1;
    double *dp = malloc(sizeof(double) * (size_t)((k + 1) * w));
    int64_t *start = malloc(sizeof(int64_t) * (size_t)((k + 1) * w));
    int64_t *reach = calloc((size_t)(k + 1), sizeof(int64_t));
    double *col = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
    int64_t *stamp = malloc(sizeof(int64_t) * (size_t)(d->tensors > 0 ? d->tensors : 1));
    double result = NAN;
    if (!dp || !start || !reach || !col || !stamp) goto done;
    for (int64_t i = 0; i < (k + 1) * w; i++) { dp[i] = INFINITY; start[i] = -1; }
    for (int64_t j = 0; j <= k; j++) dp[j * w] = 0.0;
    for (int64_t t = 0; t < d->tensors; t++) stamp[t] = -1;

    const double total = d->work_prefix[n];
    for (int64_t r = 1; r <= n; r++) {
        int64_t count = fill_column(d, r, cap, col, stamp);
        if (count == r && col[r - 1] < cap) {  /* one segment holds the whole prefix */
            dp[w + r] = col[r - 1]; start[w + r] = 0; reach[1] = r;
        }
        /* stage window: every segment's work is below cap, so the prefix needs more than W_r/cap
         * segments and the rest more than (W - W_r)/cap (1e-9: rounding) */
        double done = d->work_prefix[r];
        int64_t j_low = (int64_t)(done / cap * (1.0 - 1e-9));
        if (j_low < 2) j_low = 2;
        int64_t j_high = k - (int64_t)((total - done) / cap * (1.0 - 1e-9));
        for (int64_t j = j_low; j <= j_high; j++) {
            double best = dp[(j - 1) * w + r];
            dp[j * w + r] = best;
            if (best < INFINITY) reach[j] = r;
            if (reach[j - 1] < r - count) continue;  /* no finite dp[j-1][l] inside the column */
            const double *prev = dp + (j - 1) * w;
            double limit = best < cap ? best : cap;
            int64_t arg = -1;
            for (int64_t i = 0; i < count; i++) {
                int64_t l = r - 1 - i;
                if (d->work_prefix[r] - d->work_prefix[l] >= limit) break;
                double v = prev[l] > col[i] ? prev[l] : col[i];
                if (v < limit) { limit = v; arg = l; }
            }
            if (arg >= 0) { dp[j * w + r] = limit; start[j * w + r] = arg; reach[j] = r; }
        }
    }

    for (int64_t p = 0; p < n; p++) stage[p] = -1;
    result = dp[k * w + n];
    if (result == INFINITY) goto done;
    int64_t j = k, r = n, s = 0;  /* stages counted from the end first, then flipped */
    while (r > 0) {
        int64_t l = start[j * w + r];
        if (l >= 0) {
            for (int64_t p = l; p < r; p++) stage[p] = s;
            s++; r = l;
        }
        j--;
    }
    for (int64_t p = 0; p < n; p++) stage[p] = s - 1 - stage[p];
done:
    free(dp); free(start); free(reach); free(col); free(stamp);
    return result;
}

/* optimal_slicing: best bottleneck of a slicing into at most k segments (stage of every position
 * in stage[]); with a finite cutoff, one DP capped at the cutoff, else the cap ladder. */
double optimal_slicing(const OrderData *d, int64_t k, double cutoff, int64_t *stage)
{
    const int64_t n = d->n;
    if (n == 0) return 0.0;
    double work = d->work_prefix[n];
    double sizes = 0.0;
    for (int64_t t = 0; t < d->tensors; t++) sizes += d->tensor_size[t];
    double everything = work + (d->c_in + d->c_out) * sizes + d->c_ov * pos_part(d->param_prefix[n] - d->memory_limit);
    if (cutoff < INFINITY) return slice_dp(d, k, cutoff, stage);
    double heaviest = d->work_prefix[1] - d->work_prefix[0];
    for (int64_t p = 1; p < n; p++) {
        double x = d->work_prefix[p + 1] - d->work_prefix[p];
        if (x > heaviest) heaviest = x;
    }
    double per_stage = work / (double)k;
    double cap = 1.25 * (per_stage > heaviest ? per_stage : heaviest);
    if (cap <= 0.0) cap = everything > 0.0 ? everything / (double)k : 1.0;
    for (;;) {
        double value = slice_dp(d, k, cap, stage);
        if (isnan(value) || value < INFINITY || cap > everything) return value;
        cap *= 2.0;
    }
}
