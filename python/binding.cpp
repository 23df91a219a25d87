// The PyTorch binding: dconv1d's passes as torch operators
// (torch.ops.dconv1d.forward / .backward / .cached_layers), loaded by
// dconv1d_torch with torch.ops.load_library. It only checks tensors, maps
// them onto the C API and caches one planned layer per (shape, dtype,
// threads): planning JIT-compiles kernels and allocates scratch, which a
// training step must not pay for again. All arithmetic happens in C.
#include <ATen/ATen.h>
#include <torch/library.h>

#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include "dconv1d.h"

namespace {

using LayerKey = std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int, int>;

// A layer runs one call at a time (its scratch is shared by its threads).
struct CachedLayer {
  dconv1d_layer *layer = nullptr;
  std::mutex busy;
  ~CachedLayer() { dconv1d_destroy(layer); }
};

std::mutex cache_mutex;
std::map<LayerKey, std::unique_ptr<CachedLayer>> cache;

dconv1d_dtype dtype_of(const at::Tensor &t, const char *name) {
  TORCH_CHECK(t.device().is_cpu(), "dconv1d: ", name, " must be a CPU tensor, got ", t.device());
  if (t.scalar_type() == at::kFloat) return DCONV1D_F32;
  if (t.scalar_type() == at::kBFloat16) return DCONV1D_BF16;
  TORCH_CHECK(false, "dconv1d: ", name, " must be float32 or bfloat16, got ", t.scalar_type());
}

void check_same_dtype(const at::Tensor &t, const at::Tensor &like, const char *name) {
  TORCH_CHECK(t.scalar_type() == like.scalar_type(), "dconv1d: ", name, " is ", t.scalar_type(), " but the input is ",
              like.scalar_type());
}

dconv1d_shape shape_of(const at::Tensor &x, const at::Tensor &weight, int64_t dilation, int64_t pad_l, int64_t pad_r,
                       int64_t threads) {
  TORCH_CHECK(x.dim() == 3, "dconv1d: the input must be [N, C, W], got ", x.sizes());
  TORCH_CHECK(weight.dim() == 3, "dconv1d: the weight must be [K, C, S], got ", weight.sizes());
  TORCH_CHECK(x.size(1) == weight.size(1), "dconv1d: the input has ", x.size(1), " channels, the weight expects ",
              weight.size(1));
  TORCH_CHECK(threads >= 1 && threads <= 4096, "dconv1d: threads must be in [1, 4096], got ", threads);
  dconv1d_shape shape = {};
  shape.n = x.size(0);
  shape.c = x.size(1);
  shape.w = x.size(2);
  shape.k = weight.size(0);
  shape.s = weight.size(2);
  shape.d = dilation;
  shape.pad_l = pad_l;
  shape.pad_r = pad_r;
  shape.dtype = dtype_of(x, "input");
  shape.threads = static_cast<int>(threads);
  check_same_dtype(weight, x, "the weight");
  dconv1d_status status = dconv1d_shape_check(&shape);
  TORCH_CHECK(status == DCONV1D_OK, "dconv1d: input ", x.sizes(), ", weight ", weight.sizes(), ", dilation ", dilation,
              ", padding (", pad_l, ", ", pad_r, "): ", dconv1d_status_string(status));
  return shape;
}

CachedLayer &layer_for(const dconv1d_shape &s) {
  const LayerKey key{s.n, s.c, s.k, s.w, s.s, s.d, s.pad_l, s.pad_r, static_cast<int>(s.dtype), s.threads};
  std::lock_guard<std::mutex> lock(cache_mutex);
  std::unique_ptr<CachedLayer> &slot = cache[key];
  if (!slot) {
    auto fresh = std::make_unique<CachedLayer>();
    dconv1d_status status = dconv1d_create(&fresh->layer, &s, nullptr);
    if (status != DCONV1D_OK) {
      cache.erase(key);
      TORCH_CHECK(false, "dconv1d: planning the layer failed: ", dconv1d_status_string(status));
    }
    slot = std::move(fresh);
  }
  return *slot;
}

void check_status(dconv1d_status status, const char *what) {
  TORCH_CHECK(status == DCONV1D_OK, "dconv1d: ", what, " failed: ", dconv1d_status_string(status));
}

dconv1d_activation activation_of(bool relu) { return relu ? DCONV1D_ACT_RELU : DCONV1D_ACT_NONE; }

at::Tensor forward(const at::Tensor &input, const at::Tensor &weight_in, const c10::optional<at::Tensor> &bias_in,
                   int64_t dilation, int64_t pad_l, int64_t pad_r, bool relu, int64_t threads) {
  const at::Tensor x = input.contiguous(), weight = weight_in.contiguous();
  const dconv1d_shape shape = shape_of(x, weight, dilation, pad_l, pad_r, threads);
  at::Tensor bias;
  if (bias_in.has_value() && bias_in->defined()) {
    bias = bias_in->contiguous();
    check_same_dtype(bias, x, "the bias");
    TORCH_CHECK(bias.dim() == 1 && bias.size(0) == shape.k, "dconv1d: the bias must be [", shape.k, "], got ",
                bias.sizes());
  }
  at::Tensor y = at::empty({shape.n, shape.k, dconv1d_out_width(&shape)}, x.options());
  CachedLayer &cached = layer_for(shape);
  std::lock_guard<std::mutex> lock(cached.busy);
  check_status(dconv1d_forward_act(cached.layer, x.data_ptr(), weight.data_ptr(),
                                   bias.defined() ? bias.data_ptr() : nullptr, activation_of(relu), y.data_ptr()),
               "forward");
  return y;
}

// Gradients of the input, the weight and the bias; output_mask says which are
// wanted (an unwanted one comes back as an empty tensor). With relu, y is the
// forward's output and grad_y its gradient: the library applies the mask.
std::tuple<at::Tensor, at::Tensor, at::Tensor> backward(const at::Tensor &grad_y_in, const at::Tensor &input,
                                                        const at::Tensor &weight_in,
                                                        const c10::optional<at::Tensor> &y_in, int64_t dilation,
                                                        int64_t pad_l, int64_t pad_r, bool relu, int64_t threads,
                                                        std::array<bool, 3> output_mask) {
  const at::Tensor x = input.contiguous(), weight = weight_in.contiguous(), grad_y = grad_y_in.contiguous();
  const dconv1d_shape shape = shape_of(x, weight, dilation, pad_l, pad_r, threads);
  check_same_dtype(grad_y, x, "the output gradient");
  const int64_t q = dconv1d_out_width(&shape);
  TORCH_CHECK(grad_y.dim() == 3 && grad_y.size(0) == shape.n && grad_y.size(1) == shape.k && grad_y.size(2) == q,
              "dconv1d: the output gradient must be [", shape.n, ", ", shape.k, ", ", q, "], got ", grad_y.sizes());
  at::Tensor y;
  if (relu) {
    TORCH_CHECK(y_in.has_value() && y_in->defined(), "dconv1d: a ReLU backward needs the forward's output");
    y = y_in->contiguous();
    check_same_dtype(y, x, "the forward output");
    TORCH_CHECK(y.sizes() == grad_y.sizes(), "dconv1d: the forward output must be shaped like its gradient");
  }
  at::Tensor dx = at::empty({0}, x.options()), dw = at::empty({0}, x.options()), db = at::empty({0}, x.options());
  CachedLayer &cached = layer_for(shape);
  std::lock_guard<std::mutex> lock(cached.busy);
  const void *mask = y.defined() ? y.data_ptr() : nullptr;
  if (output_mask[0]) {
    dx = at::empty_like(x);
    check_status(dconv1d_backward_data_act(cached.layer, grad_y.data_ptr(), mask, activation_of(relu),
                                           weight.data_ptr(), dx.data_ptr()),
                 "backward data");
  }
  if (output_mask[1] || output_mask[2]) {
    dw = at::empty_like(weight);
    if (output_mask[2]) db = at::empty({shape.k}, x.options());
    check_status(dconv1d_backward_weight_act(cached.layer, x.data_ptr(), grad_y.data_ptr(), mask, activation_of(relu),
                                             dw.data_ptr(), output_mask[2] ? db.data_ptr() : nullptr),
                 "backward weight");
  }
  return std::make_tuple(dx, dw, db);
}

int64_t cached_layers() {
  std::lock_guard<std::mutex> lock(cache_mutex);
  return static_cast<int64_t>(cache.size());
}

std::string config_source(const at::Tensor &x, const at::Tensor &weight, int64_t dilation, int64_t pad_l, int64_t pad_r,
                          int64_t threads) {
  const dconv1d_shape shape = shape_of(x, weight, dilation, pad_l, pad_r, threads);
  return dconv1d_layer_config_source(layer_for(shape).layer);
}

} // namespace

TORCH_LIBRARY(dconv1d, m) {
  m.def("forward(Tensor x, Tensor weight, Tensor? bias, int dilation, int pad_l, int pad_r, bool relu, int threads)"
        " -> Tensor",
        &forward);
  m.def("backward(Tensor grad_y, Tensor x, Tensor weight, Tensor? y, int dilation, int pad_l, int pad_r, bool relu,"
        " int threads, bool[3] output_mask) -> (Tensor, Tensor, Tensor)",
        &backward);
  m.def("cached_layers() -> int", &cached_layers);
  m.def("config_source(Tensor x, Tensor weight, int dilation, int pad_l, int pad_r, int threads) -> str",
        &config_source);
}
