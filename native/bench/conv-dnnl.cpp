// Bench tool: the seed CNN's convolutions (forward, filter gradient, input gradient) with our conv.c (per GEMM
// variant) against oneDNN's primitives (nhwc activations, weights in oneDNN's preferred layout, reorders not timed).
// Build and run: node native/bench/conv-dnnl.mjs [threads]
#include <dnnl.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>
extern "C" {
#include "../src/tn.h"

}
using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

#include <time.h>
/* One thread: its CPU time (the machine is shared; time slices lost to other processes do not count). */
static int cpu_clock = 0;
static double now() {
  if (cpu_clock) {
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
template <class F> static double best_ms(F f) {
  f();
  double best = 1e9;
  for (int r = 0; r < 7; r++) {
    double t0 = now();
    for (int i = 0; i < 5; i++) f();
    double dt = (now() - t0) / 5;
    if (dt < best) best = dt;
  }
  return best * 1e3;
}

struct Shape { const char *name; int n, h, w, c, co, k; };

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2;
  tn_set_threads(threads);
  cpu_clock = threads == 1;
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  Shape shapes[] = {{"conv1 128x28x28x1 -> 32", 128, 28, 28, 1, 32, 3}, {"conv2 128x13x13x32 -> 64", 128, 13, 13, 32, 64, 3}};
  printf("%d thread(s), ms per call (best of 7 x 5; %s)\n%-26s %8s %8s %8s | %8s %8s %8s\n", threads, threads == 1 ? "thread CPU time" : "wall time", "conv", "fwd", "dW", "dX",
         "dnnl fwd", "dW", "dX");
  for (auto &sh : shapes) {
    int oh = sh.h - sh.k + 1, ow = sh.w - sh.k + 1;
    tn_conv g = {sh.n, sh.h, sh.w, sh.c, sh.k, sh.k, sh.co, oh, ow, 1, 1, 0, 0};
    std::vector<float> x((size_t)sh.n * sh.h * sh.w * sh.c), f((size_t)sh.k * sh.k * sh.c * sh.co), b(sh.co),
        y((size_t)sh.n * oh * ow * sh.co), dy(y.size()), dx(x.size()), df(f.size());
    for (auto &v : x) v = rand() / (float)RAND_MAX - 0.5f;
    for (auto &v : f) v = rand() / (float)RAND_MAX - 0.5f;
    for (auto &v : dy) v = rand() / (float)RAND_MAX - 0.5f;
    double ours[3];
    ours[0] = best_ms([&] { tn_conv2d(&g, x.data(), f.data(), b.data(), 1, y.data()); });
    ours[1] = best_ms([&] { tn_conv2d_filter_grad(&g, x.data(), dy.data(), df.data()); });
    ours[2] = best_ms([&] { tn_conv2d_input_grad(&g, dy.data(), f.data(), dx.data()); });

    memory::dims src_d = {sh.n, sh.c, sh.h, sh.w}, wei_d = {sh.co, sh.c, sh.k, sh.k}, bia_d = {sh.co},
                 dst_d = {sh.n, sh.co, oh, ow}, st = {1, 1}, pad = {0, 0};
    auto src_md = memory::desc(src_d, dt::f32, tag::nhwc), dst_md = memory::desc(dst_d, dt::f32, tag::nhwc);
    auto wei_any = memory::desc(wei_d, dt::f32, tag::any), bia_md = memory::desc(bia_d, dt::f32, tag::x);
    post_ops po;
    po.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
    primitive_attr attr;
    attr.set_post_ops(po);
    auto fwd_pd = convolution_forward::primitive_desc(
        convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, src_md, wei_any, bia_md,
                                  dst_md, st, pad, pad),
        attr, eng);
    memory src(src_md, eng, x.data()), dst(dst_md, eng, y.data()), wei(fwd_pd.weights_desc(), eng),
        bia(bia_md, eng, b.data()), ddst(dst_md, eng, dy.data()), dsrc(src_md, eng, dx.data());
    convolution_forward fwd(fwd_pd);
    double dn[3];
    dn[0] = best_ms([&] {
      fwd.execute(s, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_BIAS, bia}, {DNNL_ARG_DST, dst}});
      s.wait();
    });
    auto bw_pd = convolution_backward_weights::primitive_desc(
        convolution_backward_weights::desc(algorithm::convolution_direct, src_md, wei_any, bia_md, dst_md, st, pad, pad),
        eng, fwd_pd);
    memory dwei(bw_pd.diff_weights_desc(), eng), dbia(bia_md, eng);
    convolution_backward_weights bw(bw_pd);
    dn[1] = best_ms([&] {
      bw.execute(s, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, ddst}, {DNNL_ARG_DIFF_WEIGHTS, dwei}, {DNNL_ARG_DIFF_BIAS, dbia}});
      s.wait();
    });
    auto bd_pd = convolution_backward_data::primitive_desc(
        convolution_backward_data::desc(algorithm::convolution_direct, src_md, wei_any, dst_md, st, pad, pad), eng, fwd_pd);
    memory wei2(bd_pd.weights_desc(), eng);
    convolution_backward_data bd(bd_pd);
    dn[2] = best_ms([&] {
      bd.execute(s, {{DNNL_ARG_DIFF_DST, ddst}, {DNNL_ARG_WEIGHTS, wei2}, {DNNL_ARG_DIFF_SRC, dsrc}});
      s.wait();
    });
    printf("%-26s %8.2f %8.2f %8.2f | %8.2f %8.2f %8.2f   (dnnl: %s)\n", sh.name, ours[0], ours[1], ours[2], dn[0], dn[1],
           dn[2], fwd_pd.impl_info_str());
  }
  return 0;
}
