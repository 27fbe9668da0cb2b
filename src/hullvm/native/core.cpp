// The native decoding engine: the same transformer as hullvm.model.transformer, evaluated one
// token at a time with sparse projections, specialised attention heads and a structured argmax.
//
// Every head has dimension 2 and hard-max attention. A head's kind is decided when the weights
// are built and checked again when they are loaded (hullvm.native.plan):
//   const     the query does not depend on the token, so each key's score is one number known
//             at insertion: a running maximum answers every query in O(1) memory.
//   position  the key is (2p, -p^2) and the query (q, 1): the best key is the position nearest
//             to q, so the head reads a per-position value array.
//   hull      anything else: the distinct key points, their upper and lower convex hulls and
//             their columns; a query is a binary search on the hull, O(log t).
// The standard cache keeps every key of every head in flat arrays and scans them all per query.
//
// Scores are exact: keys and queries must be integers below 2^61 in magnitude, and every dot
// product is computed in 128-bit integers, so ties are detected exactly and an argmax never
// depends on rounding. A head that meets a non-integer key or query raises an error naming it.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace py = pybind11;
using i64 = int64_t;
using i128 = __int128;

namespace {

constexpr double kCoordLimit = 2305843009213693952.0;  // 2^61

enum Kind { kConst = 0, kPosition = 1, kHull = 2 };

// One sparse row per output: column indices and coefficients, stored back to back.
struct Rows {
  std::vector<int32_t> start{0};
  std::vector<int32_t> index;
  std::vector<double> value;

  int add(const double* row, int d) {
    for (int j = 0; j < d; ++j) {
      if (row[j] != 0.0) {
        index.push_back(j);
        value.push_back(row[j]);
      }
    }
    start.push_back(static_cast<int32_t>(index.size()));
    return static_cast<int>(start.size()) - 2;
  }
  int count() const { return static_cast<int>(start.size()) - 1; }
  double dot(int r, const double* x) const {
    double s = 0.0;
    for (int k = start[r]; k < start[r + 1]; ++k) s += value[k] * x[index[k]];
    return s;
  }
  bool empty(int r) const { return start[r] == start[r + 1]; }
};

// What a set of tied keys returns: the latest value, or exact sums for the mean.
struct Agg {
  i64 pos = -1;
  double v0 = 0.0, v1 = 0.0;
  i128 s0 = 0, s1 = 0;
  i64 n = 0;

  void add(i64 p, double a, double b, bool mean, i128 ia, i128 ib) {
    if (p >= pos) {
      pos = p;
      v0 = a;
      v1 = b;
    }
    if (mean) {
      s0 += ia;
      s1 += ib;
    }
    ++n;
  }
  void merge(const Agg& o) {
    if (o.pos > pos) {
      pos = o.pos;
      v0 = o.v0;
      v1 = o.v1;
    }
    s0 += o.s0;
    s1 += o.s1;
    n += o.n;
  }
};

void answer(const Agg& agg, bool mean, double* out) {
  if (mean) {
    out[0] = static_cast<double>(agg.s0) / static_cast<double>(agg.n);
    out[1] = static_cast<double>(agg.s1) / static_cast<double>(agg.n);
  } else {
    out[0] = agg.v0;
    out[1] = agg.v1;
  }
}

// Upper convex hull of integer points, sorted by x, keeping points that lie exactly on an edge
// (they tie with its ends). Each point stores the vector to its right neighbour, so that a
// query direction can binary-search for the first point where moving right stops gaining.
struct HullPoint {
  i64 x, y;
  mutable i64 nx = 0, ny = 0;
  mutable bool has_next = false;
};
struct ByX {
  i64 x;
};
struct Direction {
  i64 qx, qy;
};
inline bool gains(const HullPoint& p, const Direction& q) {
  return p.has_next && static_cast<i128>(q.qx) * p.nx + static_cast<i128>(q.qy) * p.ny > 0;
}
struct HullOrder {
  using is_transparent = void;
  bool operator()(const HullPoint& a, const HullPoint& b) const { return a.x < b.x; }
  bool operator()(const HullPoint& a, const ByX& b) const { return a.x < b.x; }
  bool operator()(const ByX& a, const HullPoint& b) const { return a.x < b.x; }
  bool operator()(const HullPoint& a, const Direction& q) const { return gains(a, q); }
  bool operator()(const Direction& q, const HullPoint& a) const { return !gains(a, q); }
};

inline i128 cross(i64 ox, i64 oy, i64 ax, i64 ay, i64 bx, i64 by) {
  return static_cast<i128>(ax - ox) * (by - oy) - static_cast<i128>(ay - oy) * (bx - ox);
}

class UpperHull {
 public:
  void insert(i64 x, i64 y) {
    auto same = pts_.find(ByX{x});
    if (same != pts_.end() && same->y >= y) return;
    auto right = pts_.upper_bound(ByX{x});
    auto left = same != pts_.end() ? (same == pts_.begin() ? pts_.end() : std::prev(same))
                                   : (right == pts_.begin() ? pts_.end() : std::prev(right));
    if (left != pts_.end() && right != pts_.end() &&
        cross(left->x, left->y, right->x, right->y, x, y) < 0)
      return;  // strictly below the hull
    if (same != pts_.end()) pts_.erase(same);
    auto it = pts_.insert(HullPoint{x, y}).first;
    while (it != pts_.begin()) {
      auto l = std::prev(it);
      if (l == pts_.begin()) break;
      auto ll = std::prev(l);
      if (cross(ll->x, ll->y, x, y, l->x, l->y) < 0) pts_.erase(l);
      else break;
    }
    for (;;) {
      auto r = std::next(it);
      if (r == pts_.end()) break;
      auto rr = std::next(r);
      if (rr == pts_.end()) break;
      if (cross(x, y, rr->x, rr->y, r->x, r->y) < 0) pts_.erase(r);
      else break;
    }
    link(it);
    if (it != pts_.begin()) link(std::prev(it));
  }

  // Points of maximum qx*x + qy*y for qy > 0, appended to out in x order.
  void best(i64 qx, i64 qy, std::vector<std::pair<i64, i64>>& out) const {
    auto it = pts_.lower_bound(Direction{qx, qy});
    if (it == pts_.end()) return;
    out.emplace_back(it->x, it->y);
    while (it->has_next &&
           static_cast<i128>(qx) * it->nx + static_cast<i128>(qy) * it->ny == 0) {
      ++it;
      out.emplace_back(it->x, it->y);
    }
  }

  size_t size() const { return pts_.size(); }

 private:
  using Set = std::set<HullPoint, HullOrder>;
  void link(Set::iterator it) {
    auto n = std::next(it);
    if (n == pts_.end()) {
      it->has_next = false;
    } else {
      it->has_next = true;
      it->nx = n->x - it->x;
      it->ny = n->y - it->y;
    }
  }
  Set pts_;
};

struct PointHash {
  size_t operator()(const std::pair<i64, i64>& p) const {
    uint64_t h = static_cast<uint64_t>(p.first) * 0x9E3779B97F4A7C15ULL;
    h ^= static_cast<uint64_t>(p.second) + 0x632BE59BD9B4E019ULL + (h << 6) + (h >> 2);
    return static_cast<size_t>(h);
  }
};

// The hull index of one head: per distinct key point an aggregate, the upper hull for queries
// with qy > 0, the upper hull of (x, -y) for qy < 0, per-x columns for qy == 0, and the total
// for the zero query. The mirrored hull and the columns are built from the points on the first
// query that needs them and kept up to date from then on.
class HullIndex {
 public:
  explicit HullIndex(bool mean) : mean_(mean) {}

  void insert(i64 kx, i64 ky, i64 pos, double v0, double v1, i128 i0, i128 i1) {
    auto [it, fresh] = points_.try_emplace({kx, ky});
    it->second.add(pos, v0, v1, mean_, i0, i1);
    all_.add(pos, v0, v1, mean_, i0, i1);
    if (has_columns_) columns_[kx].add(pos, v0, v1, mean_, i0, i1);
    if (fresh) {
      upper_.insert(kx, ky);
      if (has_lower_) lower_.insert(kx, -ky);
    }
  }

  Agg query(i64 qx, i64 qy) {
    if (qy == 0) {
      if (qx == 0) return all_;
      if (!has_columns_) {
        for (auto& [point, agg] : points_) columns_[point.first].merge(agg);
        has_columns_ = true;
      }
      return qx > 0 ? columns_.rbegin()->second : columns_.begin()->second;
    }
    if (qy < 0 && !has_lower_) {
      for (auto& entry : points_) lower_.insert(entry.first.first, -entry.first.second);
      has_lower_ = true;
    }
    tied_.clear();
    Agg agg;
    if (qy > 0) {
      upper_.best(qx, qy, tied_);
      for (auto& p : tied_) agg.merge(points_.at(p));
    } else {
      lower_.best(qx, -qy, tied_);
      for (auto& p : tied_) agg.merge(points_.at({p.first, -p.second}));
    }
    return agg;
  }

  size_t points() const { return points_.size(); }

 private:
  bool mean_;
  std::unordered_map<std::pair<i64, i64>, Agg, PointHash> points_;
  std::map<i64, Agg> columns_;
  Agg all_;
  UpperHull upper_, lower_;
  bool has_columns_ = false, has_lower_ = false;
  std::vector<std::pair<i64, i64>> tied_;
};

// Fixed-size pages, so that a growing array never copies itself or holds twice its size.
template <typename T>
class Paged {
 public:
  static constexpr size_t kPage = size_t{1} << 16;
  void push_back(T value) {
    if (size_ % kPage == 0) pages_.emplace_back(new T[kPage]);
    pages_.back()[size_ % kPage] = value;
    ++size_;
  }
  T operator[](size_t i) const { return pages_[i / kPage][i % kPage]; }
  size_t size() const { return size_; }
  size_t bytes() const { return pages_.size() * kPage * sizeof(T); }
  void clear() {
    pages_.clear();
    size_ = 0;
  }

 private:
  std::vector<std::unique_ptr<T[]>> pages_;
  size_t size_ = 0;
};

// Per-position values of position heads. The values are kept in the narrowest of uint8,
// uint16, int32 and double that holds nearly all of them. A value that does not fit goes to a
// side table (index order, so a binary search finds it), marked in the array by the type's
// largest value. When side values pass one in four, the whole array widens once. A store costs
// 1 to 8 bytes per component per token.
class PositionStore {
 public:
  explicit PositionStore(int width) : width_(width) {}

  void push(const double* v) {
    for (int c = 0; c < width_; ++c) append(v[c]);
  }

  double get(i64 p, int c) const { return value_at(static_cast<size_t>(p) * width_ + c); }

  size_t bytes() const {
    return u8_.bytes() + u16_.bytes() + i32_.bytes() + f64_.bytes() +
           side_.capacity() * sizeof(Side::value_type);
  }
  int width() const { return width_; }
  int level() const { return level_; }

 private:
  static constexpr uint8_t kMark8 = 0xFF;
  static constexpr uint16_t kMark16 = 0xFFFF;
  static constexpr int32_t kMark32 = INT32_MAX;
  using Side = std::vector<std::pair<uint64_t, double>>;

  static bool fits(double v, int level) {
    if (level == 3) return true;
    if (v != std::floor(v)) return false;
    switch (level) {
      case 0: return v >= 0.0 && v < 256.0;
      case 1: return v >= 0.0 && v < 65536.0;
      default: return v >= -2147483648.0 && v < 2147483648.0;
    }
  }

  void append(double value) {
    if (!fits(value, level_) && side_.size() >= 1024 + stored_ / 4) widen();
    store(value, stored_, level_, side_);
    ++stored_;
  }

  void store(double value, size_t i, int level, Side& side) {
    const bool ok = fits(value, level);
    if (!ok) side.emplace_back(i, value);
    switch (level) {
      case 0: u8_.push_back(ok ? static_cast<uint8_t>(value) : kMark8); break;
      case 1: u16_.push_back(ok ? static_cast<uint16_t>(value) : kMark16); break;
      case 2: i32_.push_back(ok ? static_cast<int32_t>(value) : kMark32); break;
      default: f64_.push_back(value);
    }
  }

  double value_at(size_t i) const {
    double value;
    bool marked;
    switch (level_) {
      case 0: value = u8_[i]; marked = u8_[i] == kMark8; break;
      case 1: value = u16_[i]; marked = u16_[i] == kMark16; break;
      case 2: value = i32_[i]; marked = i32_[i] == kMark32; break;
      default: return f64_[i];
    }
    if (marked) {
      auto it = std::lower_bound(side_.begin(), side_.end(), std::make_pair(uint64_t{i}, -HUGE_VAL));
      if (it != side_.end() && it->first == i) return it->second;
    }
    return value;
  }

  // Copy every value one level up, then drop the old array.
  void widen() {
    Side side;
    for (size_t i = 0; i < stored_; ++i) store(value_at(i), i, level_ + 1, side);
    switch (level_) {
      case 0: u8_.clear(); break;
      case 1: u16_.clear(); break;
      default: i32_.clear(); break;
    }
    side_.swap(side);
    ++level_;
  }

  int width_;
  int level_ = 0;
  size_t stored_ = 0;
  Paged<uint8_t> u8_;
  Paged<uint16_t> u16_;
  Paged<int32_t> i32_;
  Paged<double> f64_;
  Side side_;
};

// Every key and value of a head, scanned in full per query: the standard KV cache.
struct FlatCache {
  std::vector<i64> kx, ky;
  std::vector<double> v0, v1;
  size_t bytes() const { return kx.capacity() * 16 + v0.capacity() * 16; }
};

struct Head {
  std::string name;
  int kind = kHull;
  bool mean = false;
  int q0, q1, k0, k1, v0, v1;  // rows of the layer's projections
  // const
  i64 cqx = 0, cqy = 0;
  bool any = false;
  i128 best = 0;
  Agg top;
  // position
  int store = -1;
  bool pushes = false;  // the first head of its store in the layer writes the store
  // hull
  std::unique_ptr<HullIndex> hull;
  // standard
  std::unique_ptr<FlatCache> flat;
};

struct GateGroup {
  int row;                       // the shared part, a row of Layer::shared
  std::vector<int> neurons;      // in decreasing order of their constants
  std::vector<double> constants;
};

struct Layer {
  Rows proj;                                   // q, k, v rows of every head
  std::vector<Head> heads;
  std::vector<std::vector<std::pair<int, double>>> out_cols;  // per head output component
  std::vector<int> head_writes;                 // dims the attention output touches
  Rows gate, up;
  std::vector<std::vector<std::pair<int, double>>> down_cols;  // per neuron
  std::vector<int> ffn_writes;                  // dims the feed-forward output touches
  // Neurons whose up row reads only the constant dimension: up = up_const * x[one].
  std::vector<char> up_is_const;
  std::vector<double> up_const;
  // Neurons whose gate rows are equal but for the constant term share one dot product; their
  // constants are sorted in decreasing order, so the neurons with a positive gate are a prefix.
  Rows shared;
  std::vector<GateGroup> gate_groups;
  std::vector<int> lone;                        // neurons in no group
};

// A block of consecutive tokens whose logits are a + b*v + c*v^2 for v = 0, 1, ...
struct Group {
  int first, count, a, b, c;  // rows of group_rows
};

i64 exact(double v, const Head& h, const char* what) {
  if (v != std::floor(v) || !(std::fabs(v) < kCoordLimit)) {
    throw std::domain_error("head " + h.name + ": " + what + " " + std::to_string(v) +
                            " is not an integer below 2^61; the native engine needs integer "
                            "keys (use --engine torch for these weights)");
  }
  return static_cast<i64>(v);
}

// A query (a, b) as integers (qa, qb) = 2^s * (a, b) for the smallest s >= 0 that makes both
// integers. Scaling by a positive number keeps the order of scores and their ties.
void scaled_query(double a, double b, const Head& h, i64& qa, i64& qb) {
  if (!std::isfinite(a) || !std::isfinite(b))
    throw std::domain_error("head " + h.name + ": the query is not finite");
  int shift = 0;
  while (shift < 1100 && (std::ldexp(a, shift) != std::floor(std::ldexp(a, shift)) ||
                          std::ldexp(b, shift) != std::floor(std::ldexp(b, shift))))
    ++shift;
  const double sa = std::ldexp(a, shift), sb = std::ldexp(b, shift);
  if (!(std::fabs(sa) < kCoordLimit) || !(std::fabs(sb) < kCoordLimit)) {
    throw std::domain_error("head " + h.name + ": the query (" + std::to_string(a) + ", " +
                            std::to_string(b) + ") spans too many binary digits for exact "
                            "64-bit scores (use --engine torch for these weights)");
  }
  qa = static_cast<i64>(sa);
  qb = static_cast<i64>(sb);
}

class Engine {
 public:
  Engine(py::array_t<double, py::array::c_style | py::array::forcecast> embedding,
         std::pair<int, int> position_dims, int one_dim, const std::string& cache)
      : pos_dim_(position_dims.first), pos_sq_dim_(position_dims.second), one_dim_(one_dim) {
    if (cache == "hull") {
      fast_ = true;
    } else if (cache == "standard") {
      flat_ = true;
      scan_ = true;
    } else if (cache == "both") {
      fast_ = flat_ = true;
    } else {
      throw std::invalid_argument("unknown cache " + cache + "; choose hull, standard or both");
    }
    auto e = embedding.unchecked<2>();
    vocab_ = static_cast<int>(e.shape(0));
    d_ = static_cast<int>(e.shape(1));
    embedding_.assign(embedding.data(), embedding.data() + vocab_ * d_);
    x_.assign(d_, 0.0);
    delta_.assign(d_, 0.0);
    if (one_dim_ < 0 || one_dim_ >= d_ || pos_dim_ < 0 || pos_dim_ >= d_ || pos_sq_dim_ < 0 ||
        pos_sq_dim_ >= d_)
      throw std::invalid_argument("a special dimension is outside the residual stream");
  }

  // Add one layer. kinds: per head 0 const, 1 position, 2 hull; store_of: per head, the index of
  // the per-position value array it reads (or -1). Heads of any layer may share an array: the
  // first head to use it writes it, at its own layer, before any later head reads it.
  void add_layer(py::array_t<double, py::array::c_style | py::array::forcecast> wq,
                 py::array_t<double, py::array::c_style | py::array::forcecast> wk,
                 py::array_t<double, py::array::c_style | py::array::forcecast> wv,
                 py::array_t<double, py::array::c_style | py::array::forcecast> wo,
                 std::vector<std::string> ties, std::vector<std::string> names,
                 std::vector<int> kinds, std::vector<int> store_of,
                 py::array_t<double, py::array::c_style | py::array::forcecast> w_gate,
                 py::array_t<double, py::array::c_style | py::array::forcecast> w_up,
                 py::array_t<double, py::array::c_style | py::array::forcecast> w_down) {
    Layer layer;
    const int H = static_cast<int>(ties.size());
    if (kinds.size() != ties.size() || names.size() != ties.size() ||
        store_of.size() != ties.size())
      throw std::invalid_argument("per-head lists differ in length");
    check_shape(wq, 2 * H, d_, "wq");
    check_shape(wk, 2 * H, d_, "wk");
    check_shape(wv, 2 * H, d_, "wv");
    check_shape(wo, d_, 2 * H, "wo");
    for (int h = 0; h < H; ++h) {
      Head head;
      head.name = names[h];
      head.kind = kinds[h];
      head.mean = ties[h] == "mean";
      head.q0 = layer.proj.add(wq.data() + (2 * h) * d_, d_);
      head.q1 = layer.proj.add(wq.data() + (2 * h + 1) * d_, d_);
      head.k0 = layer.proj.add(wk.data() + (2 * h) * d_, d_);
      head.k1 = layer.proj.add(wk.data() + (2 * h + 1) * d_, d_);
      head.v0 = layer.proj.add(wv.data() + (2 * h) * d_, d_);
      head.v1 = layer.proj.add(wv.data() + (2 * h + 1) * d_, d_);
      if (head.kind == kConst) {
        // The query rows read only the constant dimension, so q is the same for every token.
        std::vector<double> ones(d_, 1.0);
        scaled_query(layer.proj.dot(head.q0, ones.data()), layer.proj.dot(head.q1, ones.data()),
                     head, head.cqx, head.cqy);
      } else if (head.kind == kPosition) {
        if (head.mean) throw std::invalid_argument("position head " + head.name + " is 'mean'");
        head.store = store_of[h];
        if (head.store < 0) throw std::invalid_argument("position head without a store");
        const int width = layer.proj.empty(head.v1) ? 1 : 2;
        if (head.store >= static_cast<int>(stores_.size())) {
          if (head.store != static_cast<int>(stores_.size()))
            throw std::invalid_argument("position stores must be numbered in order of use");
          stores_.emplace_back(width);
          head.pushes = true;
        } else if (stores_[head.store].width() != width) {
          throw std::invalid_argument("heads sharing a position store differ in width");
        }
      }
      if (fast_ && head.kind == kHull) head.hull = std::make_unique<HullIndex>(head.mean);
      if (flat_) head.flat = std::make_unique<FlatCache>();
      layer.heads.push_back(std::move(head));
    }
    layer.out_cols = columns(wo, d_, 2 * H);
    layer.head_writes = written(layer.out_cols);
    const int N = static_cast<int>(w_gate.shape(0));
    check_shape(w_gate, N, d_, "w_gate");
    check_shape(w_up, N, d_, "w_up");
    check_shape(w_down, d_, N, "w_down");
    for (int n = 0; n < N; ++n) {
      layer.gate.add(w_gate.data() + n * d_, d_);
      const double* up = w_up.data() + n * d_;
      layer.up.add(up, d_);
      bool constant = true;
      for (int j = 0; j < d_ && constant; ++j) constant = j == one_dim_ || up[j] == 0.0;
      layer.up_is_const.push_back(constant);
      layer.up_const.push_back(up[one_dim_]);
    }
    group_gates(layer, w_gate.data(), N);
    layer.down_cols = columns(w_down, d_, N);
    layer.ffn_writes = written(layer.down_cols);
    layers_.push_back(std::move(layer));
  }

  // The unembedding, with blocks of tokens whose rows are quadratic in the token's offset.
  void set_unembedding(py::array_t<double, py::array::c_style | py::array::forcecast> u,
                       std::vector<std::tuple<int, int, py::array_t<double>, py::array_t<double>,
                                              py::array_t<double>>> groups) {
    check_shape(u, vocab_, d_, "unembedding");
    std::vector<char> grouped(vocab_, 0);
    for (int t = 0; t < vocab_; ++t) token_rows_.add(u.data() + t * d_, d_);
    for (auto& [first, count, a, b, c] : groups) {
      if (first < 0 || count < 1 || first + count > vocab_)
        throw std::invalid_argument("token group out of range");
      Group g{first, count, 0, 0, 0};
      auto row = [&](py::array_t<double>& arr) {
        auto r = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(arr);
        if (r.size() != d_) throw std::invalid_argument("group row has the wrong length");
        return group_rows_.add(r.data(), d_);
      };
      g.a = row(a);
      g.b = row(b);
      g.c = row(c);
      groups_.push_back(g);
      for (int t = first; t < first + count; ++t) grouped[t] = 1;
    }
    singles_.clear();
    for (int t = 0; t < vocab_; ++t)
      if (!grouped[t]) singles_.push_back(t);
    ready_ = true;
  }

  int feed(int token) {
    if (!ready_) throw std::logic_error("the engine has no unembedding yet");
    if (token < 0 || token >= vocab_)
      throw std::out_of_range("token " + std::to_string(token) + " is outside the vocabulary");
    const double* e = embedding_.data() + static_cast<size_t>(token) * d_;
    std::memcpy(x_.data(), e, sizeof(double) * d_);
    const double p = static_cast<double>(position_);
    x_[pos_dim_] = p;
    x_[pos_sq_dim_] = p * p;
    for (auto& layer : layers_) {
      attend(layer);
      feed_forward(layer);
    }
    ++position_;
    return argmax();
  }

  int prefill(py::array_t<int64_t, py::array::c_style | py::array::forcecast> tokens) {
    auto t = tokens.unchecked<1>();
    if (t.shape(0) == 0) throw std::invalid_argument("prefill needs at least one token");
    int next = -1;
    for (py::ssize_t i = 0; i < t.shape(0); ++i) next = feed(static_cast<int>(t(i)));
    return next;
  }

  // Feed token, then each token the model returns, until `limit` tokens were produced or a
  // token in `stop` was produced. Returns the produced tokens; the last one is not fed.
  py::array_t<uint16_t> generate(int token, i64 limit, const std::vector<int>& stop) {
    std::vector<char> is_stop(vocab_, 0);
    for (int s : stop)
      if (s >= 0 && s < vocab_) is_stop[s] = 1;
    std::vector<uint16_t> out;
    out.reserve(static_cast<size_t>(std::min<i64>(limit, 1 << 20)));
    {
      py::gil_scoped_release release;
      while (static_cast<i64>(out.size()) < limit) {
        token = feed(token);
        out.push_back(static_cast<uint16_t>(token));
        if (is_stop[token]) break;
      }
    }
    py::array_t<uint16_t> result(out.size());
    std::memcpy(result.mutable_data(), out.data(), out.size() * sizeof(uint16_t));
    return result;
  }

  void set_scan(bool scan) {
    if (scan && !flat_) throw std::logic_error("scanning needs the 'standard' or 'both' cache");
    if (!scan && !fast_) throw std::logic_error("the 'standard' cache can only scan");
    scan_ = scan;
  }

  i64 position() const { return position_; }

  // The residual stream after the last token fed.
  py::array_t<double> residual() const {
    py::array_t<double> out(d_);
    std::memcpy(out.mutable_data(), x_.data(), sizeof(double) * d_);
    return out;
  }
  int vocab() const { return vocab_; }
  int d_model() const { return d_; }

  // Bytes held by the caches, by head kind.
  py::dict memory() const {
    size_t store = 0, flat = 0, hull_points = 0;
    for (auto& s : stores_) store += s.bytes();
    for (auto& layer : layers_)
      for (auto& h : layer.heads) {
        if (h.flat) flat += h.flat->bytes();
        if (h.hull) hull_points += h.hull->points();
      }
    py::dict d;
    py::list per_store;
    for (auto& s : stores_) per_store.append(py::make_tuple(s.width(), s.level(), s.bytes()));
    d["stores"] = per_store;
    d["position_store_bytes"] = store;
    d["standard_bytes"] = flat;
    d["hull_points"] = hull_points;
    return d;
  }

  std::vector<std::vector<int>> kinds() const {
    std::vector<std::vector<int>> out;
    for (auto& layer : layers_) {
      out.emplace_back();
      for (auto& h : layer.heads) out.back().push_back(h.kind);
    }
    return out;
  }

 private:
  static void check_shape(const py::array_t<double, py::array::c_style | py::array::forcecast>& a,
                          py::ssize_t rows, py::ssize_t cols, const char* what) {
    if (a.ndim() != 2 || a.shape(0) != rows || a.shape(1) != cols)
      throw std::invalid_argument(std::string(what) + " has the wrong shape");
  }

  static std::vector<int> written(const std::vector<std::vector<std::pair<int, double>>>& cols) {
    std::vector<int> dims;
    for (auto& col : cols)
      for (auto& entry : col) dims.push_back(entry.first);
    std::sort(dims.begin(), dims.end());
    dims.erase(std::unique(dims.begin(), dims.end()), dims.end());
    return dims;
  }

  void group_gates(Layer& layer, const double* gate, int N) {
    std::map<std::vector<std::pair<int, double>>, std::vector<int>> by_part;
    for (int n = 0; n < N; ++n) {
      std::vector<std::pair<int, double>> part;
      for (int j = 0; j < d_; ++j)
        if (j != one_dim_ && gate[n * d_ + j] != 0.0) part.emplace_back(j, gate[n * d_ + j]);
      by_part[part].push_back(n);
    }
    std::vector<char> grouped(N, 0);
    std::vector<double> row(d_, 0.0);
    for (auto& [part, neurons] : by_part) {
      if (part.empty() || neurons.size() < 4) continue;
      std::fill(row.begin(), row.end(), 0.0);
      for (auto& [j, value] : part) row[j] = value;
      GateGroup group{layer.shared.add(row.data(), d_), neurons, {}};
      std::stable_sort(group.neurons.begin(), group.neurons.end(), [&](int a, int b) {
        return gate[a * d_ + one_dim_] > gate[b * d_ + one_dim_];
      });
      for (int n : group.neurons) {
        group.constants.push_back(gate[n * d_ + one_dim_]);
        grouped[n] = 1;
      }
      layer.gate_groups.push_back(std::move(group));
    }
    for (int n = 0; n < N; ++n)
      if (!grouped[n]) layer.lone.push_back(n);
  }

  static std::vector<std::vector<std::pair<int, double>>> columns(
      const py::array_t<double, py::array::c_style | py::array::forcecast>& w, int rows,
      int cols) {
    std::vector<std::vector<std::pair<int, double>>> out(cols);
    const double* data = w.data();
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c)
        if (data[r * cols + c] != 0.0) out[c].emplace_back(r, data[r * cols + c]);
    return out;
  }

  void attend(Layer& layer) {
    const int H = static_cast<int>(layer.heads.size());
    if (H == 0) return;
    heads_out_.resize(2 * H);
    const double* x = x_.data();
    for (int h = 0; h < H; ++h) {
      Head& head = layer.heads[h];
      const double v0 = layer.proj.dot(head.v0, x), v1 = layer.proj.dot(head.v1, x);
      double* out = &heads_out_[2 * h];
      if (head.kind == kPosition && fast_ && head.pushes) {
        const double v[2] = {v0, v1};
        stores_[head.store].push(v);
      }
      i64 kx = 0, ky = 0;
      const bool need_key = flat_ || head.kind != kPosition;
      if (need_key) {
        const double k0 = layer.proj.dot(head.k0, x), k1 = layer.proj.dot(head.k1, x);
        if (head.kind != kConst || flat_) {
          kx = exact(k0, head, "key");
          ky = exact(k1, head, "key");
        } else {
          kx = head.cqx == 0 ? 0 : exact(k0, head, "key");
          ky = head.cqy == 0 ? 0 : exact(k1, head, "key");
        }
      }
      i128 i0 = 0, i1 = 0;
      if (head.mean) {
        i0 = exact(v0, head, "value of a 'mean' head");
        i1 = exact(v1, head, "value of a 'mean' head");
      }
      if (flat_) {
        head.flat->kx.push_back(kx);
        head.flat->ky.push_back(ky);
        head.flat->v0.push_back(v0);
        head.flat->v1.push_back(v1);
      }
      if (fast_) {
        if (head.kind == kConst) {
          const i128 s = static_cast<i128>(head.cqx) * kx + static_cast<i128>(head.cqy) * ky;
          if (!head.any || s > head.best) {
            head.any = true;
            head.best = s;
            head.top = Agg();
          }
          if (s == head.best) head.top.add(position_, v0, v1, head.mean, i0, i1);
        } else if (head.kind == kHull) {
          head.hull->insert(kx, ky, position_, v0, v1, i0, i1);
        }
      }
      if (scan_) {
        scan(layer, head, x, out);
        continue;
      }
      if (head.kind == kConst) {
        answer(head.top, head.mean, out);
      } else if (head.kind == kPosition) {
        const double q = layer.proj.dot(head.q0, x);
        if (!std::isfinite(q)) throw std::domain_error("head " + head.name + ": query not finite");
        // The nearest position to q; at a half-way q both neighbours tie and the later wins.
        double fl = std::floor(q);
        i64 p = (q - fl >= 0.5) ? static_cast<i64>(fl) + 1 : static_cast<i64>(fl);
        p = std::max<i64>(0, std::min<i64>(p, position_));
        const PositionStore& s = stores_[head.store];
        out[0] = s.get(p, 0);
        out[1] = layer.proj.empty(head.v1) ? 0.0 : s.get(p, 1);
      } else {
        i64 qx, qy;
        scaled_query(layer.proj.dot(head.q0, x), layer.proj.dot(head.q1, x), head, qx, qy);
        answer(head.hull->query(qx, qy), head.mean, out);
      }
    }
    add_columns(layer.out_cols, layer.head_writes, heads_out_.data(), 2 * H);
  }

  static void scan(const Layer& layer, const Head& head, const double* x, double* out) {
    i64 qx = head.cqx, qy = head.cqy;
    if (head.kind != kConst)
      scaled_query(layer.proj.dot(head.q0, x), layer.proj.dot(head.q1, x), head, qx, qy);
    const FlatCache& f = *head.flat;
    const size_t n = f.kx.size();
    i128 best = 0;
    Agg agg;
    for (size_t i = 0; i < n; ++i) {
      const i128 s = static_cast<i128>(qx) * f.kx[i] + static_cast<i128>(qy) * f.ky[i];
      if (i == 0 || s > best) {
        best = s;
        agg = Agg();
      }
      if (s == best) {
        i128 a = 0, b = 0;
        if (head.mean) {
          a = static_cast<i128>(f.v0[i]);
          b = static_cast<i128>(f.v1[i]);
        }
        agg.add(static_cast<i64>(i), f.v0[i], f.v1[i], head.mean, a, b);
      }
    }
    answer(agg, head.mean, out);
  }

  // x += sum over outputs c of cols[c] * h[c], summed apart first as a matrix product would.
  void add_columns(const std::vector<std::vector<std::pair<int, double>>>& cols,
                   const std::vector<int>& writes, const double* h, int n) {
    for (int c = 0; c < n; ++c) {
      if (h[c] == 0.0) continue;
      for (auto& [dim, coeff] : cols[c]) delta_[dim] += coeff * h[c];
    }
    apply(writes);
  }

  void apply(const std::vector<int>& writes) {
    for (int dim : writes) {
      x_[dim] += delta_[dim];
      delta_[dim] = 0.0;
    }
  }

  inline void neuron_out(const Layer& layer, int n, double g, const double* x) {
    const double u = layer.up_is_const[n] ? layer.up_const[n] * x[one_dim_] : layer.up.dot(n, x);
    const double h = g * u;
    if (h == 0.0) return;
    for (auto& [dim, coeff] : layer.down_cols[n]) delta_[dim] += coeff * h;
  }

  void feed_forward(Layer& layer) {
    if (layer.gate.count() == 0) return;
    const double* x = x_.data();
    for (int n : layer.lone) {
      const double g = layer.gate.dot(n, x);
      if (g > 0.0) neuron_out(layer, n, g, x);
    }
    const double one = x[one_dim_];
    for (const GateGroup& group : layer.gate_groups) {
      const double shared = layer.shared.dot(group.row, x);
      const size_t count = group.neurons.size();
      if (one == 1.0) {
        // shared + c falls as c falls, so the positive gates come first.
        const auto end = std::partition_point(group.constants.begin(), group.constants.end(),
                                              [&](double c) { return shared + c > 0.0; });
        const size_t active = static_cast<size_t>(end - group.constants.begin());
        for (size_t i = 0; i < active; ++i)
          neuron_out(layer, group.neurons[i], shared + group.constants[i], x);
      } else {
        for (size_t i = 0; i < count; ++i) {
          const double g = shared + group.constants[i] * one;
          if (g > 0.0) neuron_out(layer, group.neurons[i], g, x);
        }
      }
    }
    apply(layer.ffn_writes);
  }

  double logit(int token) const { return token_rows_.dot(token, x_.data()); }

  int argmax() const {
    int best_token = -1;
    double best = 0.0;
    auto consider = [&](int t) {
      const double s = logit(t);
      if (best_token < 0 || s > best || (s == best && t < best_token)) {
        best = s;
        best_token = t;
      }
    };
    const double* x = x_.data();
    for (const Group& g : groups_) {
      const double a = group_rows_.dot(g.a, x), b = group_rows_.dot(g.b, x),
                   c = group_rows_.dot(g.c, x);
      (void)a;
      i64 lo = 0, hi = g.count - 1;
      if (c < 0.0) {
        // A concave quadratic: the best offsets are next to the vertex -b / (2c).
        const double vertex = -b / (2.0 * c);
        const double clamped = std::max(0.0, std::min(vertex, static_cast<double>(g.count - 1)));
        const i64 v = static_cast<i64>(std::floor(clamped));
        lo = std::max<i64>(0, v - 1);
        hi = std::min<i64>(g.count - 1, v + 2);
        for (i64 k = lo; k <= hi; ++k) consider(g.first + static_cast<int>(k));
      } else {
        // Linear or convex: the maximum is at an end of the block.
        consider(g.first);
        consider(g.first + g.count - 1);
      }
    }
    for (int t : singles_) consider(t);
    return best_token;
  }

  int d_ = 0, vocab_ = 0;
  int pos_dim_, pos_sq_dim_, one_dim_;
  bool fast_ = false, flat_ = false, scan_ = false, ready_ = false;
  i64 position_ = 0;
  std::vector<double> embedding_, x_, delta_, heads_out_;
  std::vector<Layer> layers_;
  std::vector<PositionStore> stores_;
  Rows token_rows_, group_rows_;
  std::vector<Group> groups_;
  std::vector<int> singles_;
};

// One head's cache on its own, fed a block of positions at a time. Each row inserts its key and
// value and then queries, so a row attends to itself and every row before it, as in causal
// attention.
// It lets a batched evaluation of the model (one projection per block of tokens instead of per
// token) use the same exact head kinds as the engine.
class HeadCache {
 public:
  HeadCache(const std::string& kind, const std::string& tie, const std::string& name) {
    head_.name = name;
    head_.mean = tie == "mean";
    if (tie != "mean" && tie != "latest") throw std::invalid_argument("unknown tie rule " + tie);
    if (kind == "position") {
      if (head_.mean) throw std::invalid_argument("position head " + name + " is 'mean'");
      head_.kind = kPosition;
      store_ = std::make_unique<PositionStore>(2);
    } else if (kind == "hull" || kind == "const") {
      // A constant query is one more query to the hull, so both kinds use the hull index.
      head_.kind = kHull;
      head_.hull = std::make_unique<HullIndex>(head_.mean);
    } else {
      throw std::invalid_argument("unknown head kind " + kind);
    }
  }

  py::array_t<double> run(py::array_t<double, py::array::c_style | py::array::forcecast> keys,
                          py::array_t<double, py::array::c_style | py::array::forcecast> values,
                          py::array_t<double, py::array::c_style | py::array::forcecast> queries) {
    const py::ssize_t n = keys.shape(0);
    if (keys.ndim() != 2 || values.ndim() != 2 || queries.ndim() != 2 || keys.shape(1) != 2 ||
        values.shape(1) != 2 || queries.shape(1) != 2 || values.shape(0) != n ||
        queries.shape(0) != n)
      throw std::invalid_argument("keys, values and queries must be arrays of shape (n, 2)");
    py::array_t<double> result({n, static_cast<py::ssize_t>(2)});
    const double* k = keys.data();
    const double* v = values.data();
    const double* q = queries.data();
    double* out = result.mutable_data();
    {
      py::gil_scoped_release release;
      for (py::ssize_t i = 0; i < n; ++i) step(k + 2 * i, v + 2 * i, q + 2 * i, out + 2 * i);
    }
    return result;
  }

  i64 position() const { return position_; }

 private:
  void step(const double* k, const double* v, const double* q, double* out) {
    if (head_.kind == kPosition) {
      store_->push(v);
      if (q[1] != 1.0) throw std::domain_error("position head " + head_.name + ": query y is not 1");
      const double fl = std::floor(q[0]);
      i64 p = (q[0] - fl >= 0.5) ? static_cast<i64>(fl) + 1 : static_cast<i64>(fl);
      p = std::max<i64>(0, std::min<i64>(p, position_));
      out[0] = store_->get(p, 0);
      out[1] = store_->get(p, 1);
    } else {
      i128 i0 = 0, i1 = 0;
      if (head_.mean) {
        i0 = exact(v[0], head_, "value of a 'mean' head");
        i1 = exact(v[1], head_, "value of a 'mean' head");
      }
      head_.hull->insert(exact(k[0], head_, "key"), exact(k[1], head_, "key"), position_, v[0],
                         v[1], i0, i1);
      i64 qx, qy;
      scaled_query(q[0], q[1], head_, qx, qy);
      answer(head_.hull->query(qx, qy), head_.mean, out);
    }
    ++position_;
  }

  Head head_;
  std::unique_ptr<PositionStore> store_;
  i64 position_ = 0;
};

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "Native decoding engine for hullvm weights";
  py::class_<Engine>(m, "Engine")
      .def(py::init<py::array_t<double, py::array::c_style | py::array::forcecast>,
                    std::pair<int, int>, int, const std::string&>(),
           py::arg("embedding"), py::arg("position_dims"), py::arg("one_dim"), py::arg("cache"))
      .def("add_layer", &Engine::add_layer)
      .def("set_unembedding", &Engine::set_unembedding)
      .def("feed", &Engine::feed)
      .def("prefill", &Engine::prefill)
      .def("generate", &Engine::generate, py::arg("token"), py::arg("limit"), py::arg("stop"))
      .def("set_scan", &Engine::set_scan)
      .def("memory", &Engine::memory)
      .def("residual", &Engine::residual)
      .def("kinds", &Engine::kinds)
      .def_property_readonly("position", &Engine::position)
      .def_property_readonly("vocab", &Engine::vocab)
      .def_property_readonly("d_model", &Engine::d_model);
  py::class_<HeadCache>(m, "HeadCache")
      .def(py::init<const std::string&, const std::string&, const std::string&>(),
           py::arg("kind"), py::arg("tie"), py::arg("name"))
      .def("run", &HeadCache::run, py::arg("keys"), py::arg("values"), py::arg("queries"))
      .def_property_readonly("position", &HeadCache::position);
}
