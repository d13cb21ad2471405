// KinodynamicMPC: SQP real-time iteration on CasADi-generated functions, QPs solved by HPIPM.
#include "cerebellum/mpc.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

extern "C" {  // this header has no C++ guard
#include <blasfeo_processor_features.h>
}
#include <hpipm_d_ocp_qp.h>
#include <hpipm_d_ocp_qp_dim.h>
#include <hpipm_d_ocp_qp_ipm.h>
#include <hpipm_d_ocp_qp_sol.h>
#include <hpipm_d_part_cond.h>

// CEREBELLUM_HPIPM_ACADOS: the HPIPM of acados (comma-deps-acados wheel), an older API than the
// casadi wheel's: soft constraints split per kind in the dimensions, expand_sol takes the condensed QP.

namespace cerebellum {

const char* to_string(MPCStatus s) {
  switch (s) {
    case MPCStatus::kOk: return "ok";
    case MPCStatus::kNotRun: return "not_run";
    case MPCStatus::kQPFailed: return "qp_failed";
    case MPCStatus::kNonFinite: return "non_finite";
    case MPCStatus::kDeadline: return "deadline";
  }
  return "unknown";
}

namespace {

using Clock = std::chrono::steady_clock;
double us_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

constexpr double kBig = 1e9;  // stands for an absent bound (masked out in HPIPM)

/// A CasADi-generated C function loaded from a shared library; work arrays allocated once.
class GeneratedFunction {
 public:
  using casadi_int = long long;
  using Eval = int (*)(const double**, double**, casadi_int*, double*, int);
  using Work = int (*)(casadi_int*, casadi_int*, casadi_int*, casadi_int*);
  using Count = casadi_int (*)(void);
  using Sparsity = const casadi_int* (*)(casadi_int);
  using Checkout = int (*)(void);
  using Release = void (*)(int);
  using Ref = void (*)(void);

  GeneratedFunction(void* lib, const std::string& name) : name_(name) {
    eval_ = reinterpret_cast<Eval>(sym(lib, name, true));
    auto work = reinterpret_cast<Work>(sym(lib, name + "_work", true));
    auto n_in = reinterpret_cast<Count>(sym(lib, name + "_n_in", true));
    auto n_out = reinterpret_cast<Count>(sym(lib, name + "_n_out", true));
    sp_in_ = reinterpret_cast<Sparsity>(sym(lib, name + "_sparsity_in", true));
    sp_out_ = reinterpret_cast<Sparsity>(sym(lib, name + "_sparsity_out", true));
    incref_ = reinterpret_cast<Ref>(sym(lib, name + "_incref", false));
    decref_ = reinterpret_cast<Ref>(sym(lib, name + "_decref", false));
    auto checkout = reinterpret_cast<Checkout>(sym(lib, name + "_checkout", false));
    release_ = reinterpret_cast<Release>(sym(lib, name + "_release", false));
    if (incref_) incref_();
    mem_ = checkout ? checkout() : 0;
    n_in_ = static_cast<int>(n_in());
    n_out_ = static_cast<int>(n_out());
    casadi_int sz_arg = 0, sz_res = 0, sz_iw = 0, sz_w = 0;
    if (work(&sz_arg, &sz_res, &sz_iw, &sz_w) != 0) throw std::runtime_error(name + "_work failed");
    arg_.assign(std::max<casadi_int>(sz_arg, n_in_), nullptr);
    res_.assign(std::max<casadi_int>(sz_res, n_out_), nullptr);
    iw_.assign(static_cast<std::size_t>(sz_iw) + 1, 0);
    w_.assign(static_cast<std::size_t>(sz_w) + 1, 0.0);
  }
  ~GeneratedFunction() {
    if (release_) release_(mem_);
    if (decref_) decref_();
  }
  GeneratedFunction(const GeneratedFunction&) = delete;
  GeneratedFunction& operator=(const GeneratedFunction&) = delete;

  /// Checks input/output i is dense with the given shape.
  void expect(bool input, int i, int rows, int cols) const {
    const casadi_int* sp = input ? sp_in_(i) : sp_out_(i);
    // CasADi's compact form: [nrow, ncol, 1] for dense, else [nrow, ncol, colind (ncol+1), row].
    const bool dense = sp && sp[0] == rows && sp[1] == cols &&
                       (sp[2] == 1 || (sp[2] == 0 && sp[2 + cols] == rows * cols));
    if (!dense) {
      throw std::invalid_argument(name_ + (input ? ": input " : ": output ") + std::to_string(i) +
                                  " is not dense (" + std::to_string(rows) + ", " +
                                  std::to_string(cols) + ")" +
                                  (sp ? " but (" + std::to_string(sp[0]) + ", " + std::to_string(sp[1]) + ")"
                                      : std::string()));
    }
  }
  /// Rows of input/output i (its sparsity's nrow).
  int rows(bool input, int i) const {
    const casadi_int* sp = input ? sp_in_(i) : sp_out_(i);
    return sp ? static_cast<int>(sp[0]) : 0;
  }
  int n_in() const { return n_in_; }
  int n_out() const { return n_out_; }
  void set_in(int i, const double* p) { arg_[i] = p; }
  void set_out(int i, double* p) { res_[i] = p; }
  int call() { return eval_(arg_.data(), res_.data(), iw_.data(), w_.data(), mem_); }

 private:
  static void* sym(void* lib, const std::string& s, bool required) {
    void* p = dlsym(lib, s.c_str());
    if (!p && required) throw std::runtime_error("symbol " + s + " not found in the MPC library");
    return p;
  }
  std::string name_;
  Eval eval_ = nullptr;
  Sparsity sp_in_ = nullptr, sp_out_ = nullptr;
  Ref incref_ = nullptr, decref_ = nullptr;
  Release release_ = nullptr;
  int mem_ = 0, n_in_ = 0, n_out_ = 0;
  std::vector<const double*> arg_;
  std::vector<double*> res_;
  std::vector<casadi_int> iw_;
  std::vector<double> w_;
};

struct Library {
  explicit Library(const std::string& path) {
    handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* e = dlerror();
      throw std::runtime_error("cannot load MPC library " + path + ": " + (e ? e : "?"));
    }
  }
  ~Library() {
    if (handle) dlclose(handle);
  }
  void* handle = nullptr;
};

/// Stage buffers written by mpc_stage / mpc_terminal (column-major).
struct StageData {
  Eigen::VectorXd x_next, g, q, r, b, lg, ug, lg_mask, ug_mask, lbu, ubu, lbu_mask, lbx, ubx;
  Eigen::MatrixXd A, B, C, D, Q, R;
  double l = 0.0;
};

}  // namespace

/// Throws std::invalid_argument naming the first setting out of its range (NaN included).
static void check_settings(const KinodynamicMPCSettings& s) {
  auto fail = [](const std::string& what) {
    throw std::invalid_argument("KinodynamicMPC: " + what);
  };
  if (s.x_lower.hasNaN() || s.x_upper.hasNaN() || (s.x_lower.array() > s.x_upper.array()).any())
    fail("x_lower and x_upper must not be NaN, with x_lower <= x_upper");
  if (!s.w_stage.allFinite() || !s.w_terminal.allFinite())
    fail("w_stage and w_terminal must be finite");
  if (s.sqp_iterations < 1) fail("sqp_iterations must be >= 1, got " + std::to_string(s.sqp_iterations));
  if (s.qp_max_iter < 0) fail("qp_max_iter must be >= 0, got " + std::to_string(s.qp_max_iter));
  if (!(std::isfinite(s.qp_tol) && s.qp_tol > 0)) fail("qp_tol must be finite > 0, got " + std::to_string(s.qp_tol));
  if (s.qp_mode < 0 || s.qp_mode > 3) fail("qp_mode must be 0..3, got " + std::to_string(s.qp_mode));
  if (s.qp_warm_start < 0 || s.qp_warm_start > 2)
    fail("qp_warm_start must be 0..2, got " + std::to_string(s.qp_warm_start));
  for (const auto& [name, v] : {std::pair<const char*, int>{"qp_pred_corr", s.qp_pred_corr},
                                {"qp_ric_alg", s.qp_ric_alg}, {"qp_split_step", s.qp_split_step}})
    if (v < -1 || v > 1) fail(std::string(name) + " must be -1, 0 or 1, got " + std::to_string(v));
  if (s.qp_cond_horizon < 0) fail("qp_cond_horizon must be >= 0, got " + std::to_string(s.qp_cond_horizon));
  if (!(std::isfinite(s.qp_accept_residual) && s.qp_accept_residual >= 0))
    fail("qp_accept_residual must be finite >= 0, got " + std::to_string(s.qp_accept_residual));
  if (!(std::isfinite(s.qp_eq_band) && s.qp_eq_band >= 0))
    fail("qp_eq_band must be finite >= 0, got " + std::to_string(s.qp_eq_band));
  if (!(s.deadline_us >= 0))
    fail("deadline_us must be >= 0 (0: every solve misses, inf: none), got " + std::to_string(s.deadline_us));
}

struct KinodynamicMPCImpl {
  KinodynamicMPCSettings s;
  Library lib;
  GeneratedFunction stage_fn, term_fn;
  std::unique_ptr<GeneratedFunction> out_fn;  // optional mpc_out
  int out_nq = 0, out_nv = 0;
  int N, nx, nu, np, ng, nw;
  int nbu;                   // wrench inputs under box constraints (6 per foot)
  std::vector<int> idxbx;    // finite state bounds (knots 1..N)
  std::vector<int> idxbx0;   // all states (knot 0)
  std::vector<int> idxbu;

  Eigen::MatrixXd P, X, U, X_entry, U_entry, X_bench, U_bench;
  Eigen::VectorXd x0, dx, du;
  std::vector<StageData> st;
  Eigen::VectorXd zeros_S;

  // HPIPM
  std::vector<int> nx_v, nu_v, nbx_v, nbu_v, ng_v, ns_v, nbxe_v;
  void* dim_mem = nullptr;
  void* qp_mem = nullptr;
  void* sol_mem = nullptr;
  void* arg_mem = nullptr;
  void* ws_mem = nullptr;
  d_ocp_qp_dim dim{};
  d_ocp_qp qp{};
  d_ocp_qp_sol sol{};
  d_ocp_qp_ipm_arg arg{};
  d_ocp_qp_ipm_ws ws{};
  std::size_t sol_size = 0;
  std::vector<char> sol_entry, sol_bench;  // snapshots of the IPM solution (warm start)
  // Partial condensing (N -> N2 stages), used when 1 <= qp_cond_horizon < N.
  int N2 = 0;
  std::vector<int> block_size;
  void* pdim_mem = nullptr;
  void* pqp_mem = nullptr;
  void* psol_mem = nullptr;
  void* cond_arg_mem = nullptr;
  void* cond_ws_mem = nullptr;
  d_ocp_qp_dim pdim{};
  d_ocp_qp pqp{};
  d_ocp_qp_sol psol{};
  d_part_cond_qp_arg cond_arg{};
  d_part_cond_qp_ws cond_ws{};
  void* ipm_sol_mem = nullptr;  // sol_mem or psol_mem: the memory the IPM warm-starts from

  // stats
  MPCStatus status = MPCStatus::kNotRun;
  int qp_status = -1, qp_iter = 0, sqp_done = 0;
  double cost = 0.0, step = 0.0, solve_us = 0.0, eval_us = 0.0, qp_us = 0.0;
  std::uint64_t failures = 0, deadline_misses = 0, solves = 0;
  bool have_x0 = false;

  explicit KinodynamicMPCImpl(const KinodynamicMPCSettings& settings)
      : s(settings),
        lib(settings.library),
        stage_fn(lib.handle, "mpc_stage"),
        term_fn(lib.handle, "mpc_terminal"),
        N(settings.N),
        nx(settings.nx),
        nu(settings.nu),
        np(settings.np),
        ng(settings.ng),
        nw(settings.nw) {
    if (N < 1 || nx < 1 || nu < 6 * s.num_feet || np < s.contact_index + s.num_feet || nw < 0 ||
        ng != s.num_feet * s.rows_per_foot || s.num_inequality > s.rows_per_foot) {
      throw std::invalid_argument("KinodynamicMPC: inconsistent dimensions");
    }
    auto need = [](const Eigen::VectorXd& v, int n, const char* what) {
      if (v.size() != n) {
        throw std::invalid_argument(std::string("KinodynamicMPC: ") + what + " must have size " +
                                    std::to_string(n) + ", got " + std::to_string(v.size()));
      }
    };
    need(s.x_lower, nx, "x_lower");
    need(s.x_upper, nx, "x_upper");
    need(s.w_stage, nw, "w_stage");
    need(s.w_terminal, nw, "w_terminal");
    check_settings(s);
    if (stage_fn.n_in() != 4 || stage_fn.n_out() != 11 || term_fn.n_in() != 3 || term_fn.n_out() != 3) {
      throw std::invalid_argument("KinodynamicMPC: mpc_stage/mpc_terminal have unexpected signatures");
    }
    const int in_rows[4] = {nx, nu, np, nw};
    for (int i = 0; i < 4; ++i) stage_fn.expect(true, i, in_rows[i], 1);
    const int out_shape[11][2] = {{nx, 1}, {nx, nx}, {nx, nu}, {ng, 1}, {ng, nx}, {ng, nu},
                                  {1, 1},  {nx, nx}, {nu, nu}, {nx, 1}, {nu, 1}};
    for (int i = 0; i < 11; ++i) stage_fn.expect(false, i, out_shape[i][0], out_shape[i][1]);
    term_fn.expect(true, 0, nx, 1);
    term_fn.expect(true, 1, np, 1);
    term_fn.expect(true, 2, nw, 1);
    term_fn.expect(false, 0, 1, 1);
    term_fn.expect(false, 1, nx, nx);
    term_fn.expect(false, 2, nx, 1);
    if (dlsym(lib.handle, "mpc_out") != nullptr) {
      out_fn = std::make_unique<GeneratedFunction>(lib.handle, "mpc_out");
      if (out_fn->n_in() != 2 || out_fn->n_out() != 5)
        throw std::invalid_argument("KinodynamicMPC: mpc_out has an unexpected signature");
      out_fn->expect(true, 0, nx, 1);
      out_fn->expect(true, 1, nu, 1);
      out_nq = out_fn->rows(false, 0);
      out_nv = out_fn->rows(false, 1);
      out_fn->expect(false, 0, out_nq, 1);
      out_fn->expect(false, 1, out_nv, 1);
      out_fn->expect(false, 2, 3, 1);
      out_fn->expect(false, 3, 3, 1);
      out_fn->expect(false, 4, 3 * s.num_feet, 1);
    }

    nbu = 6 * s.num_feet;
    for (int i = 0; i < nbu; ++i) idxbu.push_back(i);
    for (int i = 0; i < nx; ++i) {
      idxbx0.push_back(i);
      if (std::isfinite(s.x_lower[i]) || std::isfinite(s.x_upper[i])) idxbx.push_back(i);
    }

    P = Eigen::MatrixXd::Zero(np, N + 1);
    X = Eigen::MatrixXd::Zero(nx, N + 1);
    U = Eigen::MatrixXd::Zero(nu, N);
    X_entry = X;
    U_entry = U;
    X_bench = X;
    U_bench = U;
    x0 = Eigen::VectorXd::Zero(nx);
    dx = Eigen::VectorXd::Zero(nx);
    du = Eigen::VectorXd::Zero(nu);
    zeros_S = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(nu) * nx);
    st.resize(N + 1);
    for (int k = 0; k <= N; ++k) {
      StageData& d = st[k];
      const int nbxk = k == 0 ? nx : static_cast<int>(idxbx.size());
      d.x_next = Eigen::VectorXd::Zero(nx);
      d.b = Eigen::VectorXd::Zero(nx);
      d.g = Eigen::VectorXd::Zero(ng);
      d.lg = d.ug = d.lg_mask = d.ug_mask = Eigen::VectorXd::Zero(ng);
      d.q = Eigen::VectorXd::Zero(nx);
      d.r = Eigen::VectorXd::Zero(nu);
      d.lbu = d.ubu = d.lbu_mask = Eigen::VectorXd::Zero(nbu);
      d.lbx = d.ubx = Eigen::VectorXd::Zero(nbxk);
      d.A = Eigen::MatrixXd::Zero(nx, nx);
      d.B = Eigen::MatrixXd::Zero(nx, nu);
      d.C = Eigen::MatrixXd::Zero(ng, nx);
      d.D = Eigen::MatrixXd::Zero(ng, nu);
      d.Q = Eigen::MatrixXd::Zero(nx, nx);
      d.R = Eigen::MatrixXd::Zero(nu, nu);
    }
    setup_hpipm();
  }

  ~KinodynamicMPCImpl() {
    std::free(cond_ws_mem);
    std::free(cond_arg_mem);
    std::free(psol_mem);
    std::free(pqp_mem);
    std::free(pdim_mem);
    std::free(ws_mem);
    std::free(arg_mem);
    std::free(sol_mem);
    std::free(qp_mem);
    std::free(dim_mem);
  }

  void setup_hpipm() {
    // An AVX2/FMA build of BLASFEO would die of SIGILL on an older CPU: fail with a message instead.
    int cpu_features = 0;
    if (!blasfeo_processor_cpu_features(&cpu_features)) {
      throw std::runtime_error(
          "this CPU lacks instructions the linked BLASFEO was built for (AVX2/FMA); build "
          "cerebellum against the casadi wheel's BLASFEO (cmake -DACADOS_DIR=none)");
    }
    nx_v.assign(N + 1, nx);
    nu_v.assign(N + 1, nu);
    nu_v[N] = 0;
    nbx_v.assign(N + 1, static_cast<int>(idxbx.size()));
    nbx_v[0] = nx;
    nbu_v.assign(N + 1, nbu);
    nbu_v[N] = 0;
    ng_v.assign(N + 1, ng);
    ng_v[N] = 0;
    ns_v.assign(N + 1, 0);

    dim_mem = std::calloc(1, d_ocp_qp_dim_memsize(N));
    d_ocp_qp_dim_create(N, &dim, dim_mem);
#ifdef CEREBELLUM_HPIPM_ACADOS
    d_ocp_qp_dim_set_all(nx_v.data(), nu_v.data(), nbx_v.data(), nbu_v.data(), ng_v.data(),
                         ns_v.data(), ns_v.data(), ns_v.data(), &dim);
#else
    d_ocp_qp_dim_set_all(nx_v.data(), nu_v.data(), nbx_v.data(), nbu_v.data(), ng_v.data(),
                         ns_v.data(), &dim);
#endif
    d_ocp_qp_dim_set_nbxe(0, nx, &dim);

    qp_mem = std::calloc(1, d_ocp_qp_memsize(&dim));
    d_ocp_qp_create(&dim, &qp, qp_mem);
    sol_mem = std::calloc(1, d_ocp_qp_sol_memsize(&dim));
    d_ocp_qp_sol_create(&dim, &sol, sol_mem);
    d_ocp_qp_dim* ipm_dim = &dim;
    sol_size = d_ocp_qp_sol_memsize(&dim);
    ipm_sol_mem = sol_mem;
    if (s.qp_cond_horizon >= 1 && s.qp_cond_horizon < N) {
      N2 = s.qp_cond_horizon;
      block_size.assign(N + 1, 0);
      d_part_cond_qp_compute_block_size(N, N2, block_size.data());
      pdim_mem = std::calloc(1, d_ocp_qp_dim_memsize(N2));
      d_ocp_qp_dim_create(N2, &pdim, pdim_mem);
      d_part_cond_qp_compute_dim(&dim, block_size.data(), &pdim);
      cond_arg_mem = std::calloc(1, d_part_cond_qp_arg_memsize(N2));
      d_part_cond_qp_arg_create(N2, &cond_arg, cond_arg_mem);
      d_part_cond_qp_arg_set_default(&cond_arg);
      cond_ws_mem = std::calloc(1, d_part_cond_qp_ws_memsize(&dim, block_size.data(), &pdim, &cond_arg));
      d_part_cond_qp_ws_create(&dim, block_size.data(), &pdim, &cond_arg, &cond_ws, cond_ws_mem);
      pqp_mem = std::calloc(1, d_ocp_qp_memsize(&pdim));
      d_ocp_qp_create(&pdim, &pqp, pqp_mem);
      sol_size = d_ocp_qp_sol_memsize(&pdim);
      psol_mem = std::calloc(1, sol_size);
      d_ocp_qp_sol_create(&pdim, &psol, psol_mem);
      ipm_dim = &pdim;
      ipm_sol_mem = psol_mem;
    }
    sol_entry.assign(sol_size, 0);
    sol_bench.assign(sol_size, 0);
    arg_mem = std::calloc(1, d_ocp_qp_ipm_arg_memsize(ipm_dim));
    d_ocp_qp_ipm_arg_create(ipm_dim, &arg, arg_mem);
    const hpipm_mode modes[4] = {SPEED_ABS, SPEED, BALANCE, ROBUST};
    d_ocp_qp_ipm_arg_set_default(modes[std::clamp(s.qp_mode, 0, 3)], &arg);
    if (s.qp_pred_corr >= 0) d_ocp_qp_ipm_arg_set_pred_corr(&s.qp_pred_corr, &arg);
    if (s.qp_ric_alg >= 0) d_ocp_qp_ipm_arg_set_ric_alg(&s.qp_ric_alg, &arg);
    if (s.qp_split_step >= 0) d_ocp_qp_ipm_arg_set_split_step(&s.qp_split_step, &arg);
    apply_qp_args();
    ws_mem = std::calloc(1, d_ocp_qp_ipm_ws_memsize(ipm_dim, &arg));
    d_ocp_qp_ipm_ws_create(ipm_dim, &arg, &ws, ws_mem);

    for (int k = 0; k <= N; ++k) {
      if (k == 0) {
        d_ocp_qp_set_idxbx(0, idxbx0.data(), &qp);
        d_ocp_qp_set_idxbxe(0, idxbx0.data(), &qp);
      } else {
        d_ocp_qp_set_idxbx(k, idxbx.data(), &qp);
      }
      if (k < N) {
        d_ocp_qp_set_idxbu(k, idxbu.data(), &qp);
        d_ocp_qp_set_S(k, zeros_S.data(), &qp);
      }
    }
  }

  void apply_qp_args() {
    int iter_max = std::max(0, s.qp_max_iter);
    double tol = s.qp_tol;
    int ws_flag = std::clamp(s.qp_warm_start, 0, 2);
    d_ocp_qp_ipm_arg_set_iter_max(&iter_max, &arg);
    d_ocp_qp_ipm_arg_set_tol_stat(&tol, &arg);
    d_ocp_qp_ipm_arg_set_tol_eq(&tol, &arg);
    d_ocp_qp_ipm_arg_set_tol_ineq(&tol, &arg);
    d_ocp_qp_ipm_arg_set_tol_comp(&tol, &arg);
    d_ocp_qp_ipm_arg_set_warm_start(&ws_flag, &arg);
  }

  /// Evaluates the model at the guess and writes the QP into HPIPM. Returns false on NaN/inf.
  bool linearise() {
    bool finite = true;
    cost = 0.0;
    const double* w = s.w_stage.data();
    for (int k = 0; k < N; ++k) {
      StageData& d = st[k];
      stage_fn.set_in(0, X.col(k).data());
      stage_fn.set_in(1, U.col(k).data());
      stage_fn.set_in(2, P.col(k).data());
      stage_fn.set_in(3, w);
      double* outs[11] = {d.x_next.data(), d.A.data(), d.B.data(), d.g.data(), d.C.data(), d.D.data(),
                          &d.l,            d.Q.data(), d.R.data(), d.q.data(), d.r.data()};
      for (int i = 0; i < 11; ++i) stage_fn.set_out(i, outs[i]);
      stage_fn.call();
      cost += d.l;
      d.b = d.x_next - X.col(k + 1);
      finite = finite && d.b.allFinite() && d.A.allFinite() && d.B.allFinite() && d.g.allFinite() &&
               d.C.allFinite() && d.D.allFinite() && std::isfinite(d.l);

      // Contact-dependent bounds.
      d.lg.setConstant(-kBig);
      d.ug.setConstant(kBig);
      d.lg_mask.setZero();
      d.ug_mask.setZero();
      d.lbu.setConstant(-kBig);
      d.ubu.setConstant(kBig);
      d.lbu_mask.setZero();
      for (int i = 0; i < s.num_feet; ++i) {
        const bool stance = P(s.contact_index + i, k) > 0.5;
        const int o = i * s.rows_per_foot;
        if (stance) {
          for (int j = o; j < o + s.num_inequality; ++j) {
            d.ug[j] = -d.g[j];
            d.ug_mask[j] = 1.0;
          }
          // Equality rows are bounds qp_eq_band apart: with lower == upper the IPM can stall (HPIPM
          // of acados: ~2/3 of H1's walking QPs hit the iteration cap; none with a 1e-6 band).
          // Sole twist == 0 from knot 1: at knot 0 the state is the measured one, and with
          // legs of fewer than 6 joints the rows would over-determine u_0 (infeasible QP).
          for (int j = o + s.num_inequality; k > 0 && j < o + s.rows_per_foot; ++j) {
            d.lg[j] = -d.g[j] - s.qp_eq_band;
            d.ug[j] = -d.g[j] + s.qp_eq_band;
            d.lg_mask[j] = d.ug_mask[j] = 1.0;
          }
        } else {
          for (int j = 6 * i; j < 6 * i + 6; ++j) {
            d.lbu[j] = -U(j, k) - s.qp_eq_band;
            d.ubu[j] = -U(j, k) + s.qp_eq_band;
            d.lbu_mask[j] = 1.0;
          }
        }
      }
      d_ocp_qp_set_A(k, d.A.data(), &qp);
      d_ocp_qp_set_B(k, d.B.data(), &qp);
      d_ocp_qp_set_b(k, d.b.data(), &qp);
      d_ocp_qp_set_Q(k, d.Q.data(), &qp);
      d_ocp_qp_set_R(k, d.R.data(), &qp);
      d_ocp_qp_set_q(k, d.q.data(), &qp);
      d_ocp_qp_set_r(k, d.r.data(), &qp);
      d_ocp_qp_set_C(k, d.C.data(), &qp);
      d_ocp_qp_set_D(k, d.D.data(), &qp);
      d_ocp_qp_set_lg(k, d.lg.data(), &qp);
      d_ocp_qp_set_ug(k, d.ug.data(), &qp);
      d_ocp_qp_set_lg_mask(k, d.lg_mask.data(), &qp);
      d_ocp_qp_set_ug_mask(k, d.ug_mask.data(), &qp);
      d_ocp_qp_set_lbu(k, d.lbu.data(), &qp);
      d_ocp_qp_set_ubu(k, d.ubu.data(), &qp);
      d_ocp_qp_set_lbu_mask(k, d.lbu_mask.data(), &qp);
      d_ocp_qp_set_ubu_mask(k, d.lbu_mask.data(), &qp);
    }
    StageData& dN = st[N];
    term_fn.set_in(0, X.col(N).data());
    term_fn.set_in(1, P.col(N).data());
    term_fn.set_in(2, s.w_terminal.data());
    term_fn.set_out(0, &dN.l);
    term_fn.set_out(1, dN.Q.data());
    term_fn.set_out(2, dN.q.data());
    term_fn.call();
    cost += dN.l;
    finite = finite && dN.Q.allFinite() && dN.q.allFinite();
    d_ocp_qp_set_Q(N, dN.Q.data(), &qp);
    d_ocp_qp_set_q(N, dN.q.data(), &qp);

    // State bounds: x_0 fixed, finite bounds on the others.
    for (int i = 0; i < nx; ++i) st[0].lbx[i] = st[0].ubx[i] = x0[i] - X(i, 0);
    d_ocp_qp_set_lbx(0, st[0].lbx.data(), &qp);
    d_ocp_qp_set_ubx(0, st[0].ubx.data(), &qp);
    for (int k = 1; k <= N; ++k) {
      StageData& d = st[k];
      for (std::size_t j = 0; j < idxbx.size(); ++j) {
        const int i = idxbx[j];
        d.lbx[j] = std::isfinite(s.x_lower[i]) ? s.x_lower[i] - X(i, k) : -kBig;
        d.ubx[j] = std::isfinite(s.x_upper[i]) ? s.x_upper[i] - X(i, k) : kBig;
      }
      d_ocp_qp_set_lbx(k, d.lbx.data(), &qp);
      d_ocp_qp_set_ubx(k, d.ubx.data(), &qp);
    }
    return finite && x0.allFinite() && P.allFinite();
  }

  /// One SQP iteration. Returns kOk or the failure reason (guess possibly modified on failure).
  MPCStatus iterate(Clock::time_point t_start) {
    const auto t0 = Clock::now();
    const bool finite = linearise();
    eval_us = us_since(t0);
    if (!finite) return MPCStatus::kNonFinite;
    if (us_since(t_start) > s.deadline_us) return MPCStatus::kDeadline;
    const auto t1 = Clock::now();
    if (N2 > 0) {
      d_part_cond_qp_cond(&qp, &pqp, &cond_arg, &cond_ws);
      d_ocp_qp_ipm_solve(&pqp, &psol, &arg, &ws);
#ifdef CEREBELLUM_HPIPM_ACADOS
      d_part_cond_qp_expand_sol(&qp, &pqp, &psol, &sol, &cond_arg, &cond_ws);
#else
      d_part_cond_qp_expand_sol(&qp, &psol, &sol, &cond_arg, &cond_ws);
#endif
    } else {
      d_ocp_qp_ipm_solve(&qp, &sol, &arg, &ws);
    }
    qp_us = us_since(t1);
    d_ocp_qp_ipm_get_status(&ws, &qp_status);
    d_ocp_qp_ipm_get_iter(&ws, &qp_iter);
    if (qp_status != 0) {
      double res[4];
      d_ocp_qp_ipm_get_max_res_stat(&ws, &res[0]);
      d_ocp_qp_ipm_get_max_res_eq(&ws, &res[1]);
      d_ocp_qp_ipm_get_max_res_ineq(&ws, &res[2]);
      d_ocp_qp_ipm_get_max_res_comp(&ws, &res[3]);
      const double worst = std::max(std::max(res[0], res[1]), std::max(res[2], res[3]));
      const bool acceptable = qp_status == 1 && qp_iter > 0 && worst <= s.qp_accept_residual;
      if (!acceptable) return qp_status == 3 ? MPCStatus::kNonFinite : MPCStatus::kQPFailed;
    }
    step = 0.0;
    for (int k = 0; k <= N; ++k) {
      d_ocp_qp_sol_get_x(k, &sol, dx.data());
      if (!dx.allFinite()) return MPCStatus::kNonFinite;
      X.col(k) += dx;
      step = std::max(step, dx.cwiseAbs().maxCoeff());
      if (k < N) {
        d_ocp_qp_sol_get_u(k, &sol, du.data());
        if (!du.allFinite()) return MPCStatus::kNonFinite;
        U.col(k) += du;
        step = std::max(step, du.cwiseAbs().maxCoeff());
      }
    }
    if (us_since(t_start) > s.deadline_us) return MPCStatus::kDeadline;
    return MPCStatus::kOk;
  }

  MPCStatus solve(const Eigen::Ref<const Eigen::VectorXd>& x0_in) {
    const auto t_start = Clock::now();
    x0 = x0_in;
    have_x0 = true;
    X_entry = X;
    U_entry = U;
    if (s.qp_warm_start > 0) std::memcpy(sol_entry.data(), ipm_sol_mem, sol_size);
    MPCStatus r = MPCStatus::kOk;
    sqp_done = 0;
    for (int it = 0; it < std::max(1, s.sqp_iterations); ++it) {
      r = iterate(t_start);
      if (r != MPCStatus::kOk) break;
      ++sqp_done;
    }
    ++solves;
    if (r != MPCStatus::kOk) {
      X = X_entry;
      U = U_entry;
      if (s.qp_warm_start > 0) std::memcpy(ipm_sol_mem, sol_entry.data(), sol_size);
      ++failures;
      if (r == MPCStatus::kDeadline) ++deadline_misses;
    }
    status = r;
    solve_us = us_since(t_start);
    return r;
  }

  void shift(double knots) {
    if (!(knots > 0.0)) return;
    // Past the horizon every knot holds the last one; clamping first keeps the cast in range.
    knots = std::min(knots, static_cast<double>(N + 1));
    const int whole = static_cast<int>(std::floor(knots));
    const double a = knots - whole;
    auto shift_cols = [&](Eigen::MatrixXd& M) {
      const int last = static_cast<int>(M.cols()) - 1;
      for (int k = 0; k <= last; ++k) {
        const int i0 = std::min(k + whole, last);
        const int i1 = std::min(i0 + 1, last);
        if (a == 0.0 || i0 == i1) {
          M.col(k) = M.col(i0);
        } else {
          M.col(k) = (1.0 - a) * M.col(i0) + a * M.col(i1);
        }
      }
    };
    shift_cols(X);
    shift_cols(U);
  }
};

KinodynamicMPC::KinodynamicMPC(const KinodynamicMPCSettings& settings)
    : impl_(std::make_unique<KinodynamicMPCImpl>(settings)) {}
KinodynamicMPC::~KinodynamicMPC() = default;

void KinodynamicMPC::set_parameters(const Eigen::Ref<const Eigen::MatrixXd>& P) {
  if (P.rows() != impl_->np || P.cols() != impl_->N + 1) {
    throw std::invalid_argument("set_parameters: expected P of shape (np, N+1)");
  }
  impl_->P = P;
}

void KinodynamicMPC::set_guess(const Eigen::Ref<const Eigen::MatrixXd>& X,
                               const Eigen::Ref<const Eigen::MatrixXd>& U) {
  if (X.rows() != impl_->nx || X.cols() != impl_->N + 1 || U.rows() != impl_->nu || U.cols() != impl_->N) {
    throw std::invalid_argument("set_guess: expected X (nx, N+1) and U (nu, N)");
  }
  impl_->X = X;
  impl_->U = U;
}

void KinodynamicMPC::shift(double knots) {
  if (!(knots >= 0.0)) {
    throw std::invalid_argument("shift: knots must be >= 0 (+inf: hold the last knot), got " +
                                std::to_string(knots));
  }
  impl_->shift(knots);
}

MPCStatus KinodynamicMPC::solve(const Eigen::Ref<const Eigen::VectorXd>& x0) {
  if (x0.size() != impl_->nx) throw std::invalid_argument("solve: x0 must have size nx");
  return impl_->solve(x0);
}

void KinodynamicMPC::time_iteration(int n, Eigen::Ref<Eigen::VectorXd> out_us) {
  KinodynamicMPCImpl& m = *impl_;
  if (out_us.size() < n) throw std::invalid_argument("time_iteration: out too small");
  if (!m.have_x0) m.x0 = m.X.col(0);
  m.X_bench = m.X;
  m.U_bench = m.U;
  std::memcpy(m.sol_bench.data(), m.ipm_sol_mem, m.sol_size);
  for (int i = 0; i < n; ++i) {
    m.X = m.X_bench;
    m.U = m.U_bench;
    std::memcpy(m.ipm_sol_mem, m.sol_bench.data(), m.sol_size);
    const auto t0 = Clock::now();
    m.iterate(t0);
    out_us[i] = us_since(t0);
  }
  m.X = m.X_bench;
  m.U = m.U_bench;
  std::memcpy(m.ipm_sol_mem, m.sol_bench.data(), m.sol_size);
}

const KinodynamicMPCSettings& KinodynamicMPC::settings() const { return impl_->s; }
void KinodynamicMPC::set_deadline_us(double us) {
  if (!(us >= 0))
    throw std::invalid_argument("set_deadline_us: must be >= 0 (inf: none), got " + std::to_string(us));
  impl_->s.deadline_us = us;
}
void KinodynamicMPC::set_qp_max_iter(int n) {
  if (n < 0) throw std::invalid_argument("set_qp_max_iter: must be >= 0, got " + std::to_string(n));
  impl_->s.qp_max_iter = n;
  impl_->apply_qp_args();
}
void KinodynamicMPC::set_qp_tol(double tol) {
  if (!(std::isfinite(tol) && tol > 0)) throw std::invalid_argument("set_qp_tol: must be finite > 0, got " + std::to_string(tol));
  impl_->s.qp_tol = tol;
  impl_->apply_qp_args();
}
void KinodynamicMPC::set_sqp_iterations(int n) {
  if (n < 1) throw std::invalid_argument("set_sqp_iterations: must be >= 1, got " + std::to_string(n));
  impl_->s.sqp_iterations = n;
}
bool KinodynamicMPC::has_outputs() const { return impl_->out_fn != nullptr; }
int KinodynamicMPC::out_nq() const { return impl_->out_nq; }
int KinodynamicMPC::out_nv() const { return impl_->out_nv; }

MPCTrajectory KinodynamicMPC::make_trajectory() const {
  const KinodynamicMPCImpl& m = *impl_;
  if (!m.out_fn) throw std::logic_error("KinodynamicMPC: the library has no mpc_out");
  const int K = m.N + 1, nf = m.s.num_feet;
  MPCTrajectory t;
  t.q.setZero(m.out_nq, K);
  t.v.setZero(m.out_nv, K);
  t.com.setZero(3, K);
  t.vcom.setZero(3, K);
  t.feet.setZero(3 * nf, K);
  t.wrenches.setZero(6 * nf, K);
  return t;
}

bool KinodynamicMPC::trajectory(MPCTrajectory& out) {
  KinodynamicMPCImpl& m = *impl_;
  if (!m.out_fn) throw std::logic_error("KinodynamicMPC: the library has no mpc_out");
  const int N = m.N, nf = m.s.num_feet;
  GeneratedFunction& f = *m.out_fn;
  for (int k = 0; k <= N; ++k) {
    const int ku = std::min(k, N - 1);  // knot N reuses u_{N-1}
    f.set_in(0, m.X.col(k).data());
    f.set_in(1, m.U.col(ku).data());
    f.set_out(0, out.q.col(k).data());
    f.set_out(1, out.v.col(k).data());
    f.set_out(2, out.com.col(k).data());
    f.set_out(3, out.vcom.col(k).data());
    f.set_out(4, out.feet.col(k).data());
    if (f.call() != 0) return false;
    out.wrenches.col(k) = m.U.col(ku).head(6 * nf);
  }
  return out.q.allFinite() && out.v.allFinite() && out.com.allFinite() && out.vcom.allFinite() &&
         out.feet.allFinite() && out.wrenches.allFinite();
}

const Eigen::MatrixXd& KinodynamicMPC::X() const { return impl_->X; }
const Eigen::MatrixXd& KinodynamicMPC::U() const { return impl_->U; }
MPCStatus KinodynamicMPC::status() const { return impl_->status; }
int KinodynamicMPC::qp_status() const { return impl_->qp_status; }
int KinodynamicMPC::qp_iterations() const { return impl_->qp_iter; }
int KinodynamicMPC::sqp_iterations_done() const { return impl_->sqp_done; }
double KinodynamicMPC::cost() const { return impl_->cost; }
double KinodynamicMPC::step_norm() const { return impl_->step; }
std::uint64_t KinodynamicMPC::failures() const { return impl_->failures; }
std::uint64_t KinodynamicMPC::deadline_misses() const { return impl_->deadline_misses; }
std::uint64_t KinodynamicMPC::solves() const { return impl_->solves; }
double KinodynamicMPC::last_solve_us() const { return impl_->solve_us; }
double KinodynamicMPC::last_eval_us() const { return impl_->eval_us; }
double KinodynamicMPC::last_qp_us() const { return impl_->qp_us; }

}  // namespace cerebellum
