// Kernels timed by `cerebellum bench` as the floors of its stages (cerebellum/commands/bench.py).
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <chrono>
#include <string>
#include <vector>

namespace py = pybind11;

void register_bench(py::module_& m) {
  m.def(
      "time_ldlt",
      [](const std::vector<Eigen::MatrixXd>& matrices, py::ssize_t repeats) {
        if (repeats < 1) throw py::value_error("repeats must be >= 1");
        for (std::size_t i = 0; i < matrices.size(); ++i) {
          const auto& K = matrices[i];
          if (K.rows() == 0 || K.rows() != K.cols() || !K.allFinite())
            throw py::value_error("matrices[" + std::to_string(i) +
                                  "]: expected a finite square matrix, got " +
                                  std::to_string(K.rows()) + "x" + std::to_string(K.cols()));
        }
        py::array_t<double> out(static_cast<py::ssize_t>(matrices.size()) * repeats);
        double* t = out.mutable_data();
        py::gil_scoped_release release;
        for (const auto& K : matrices) {
          Eigen::LDLT<Eigen::MatrixXd> ldlt(K.rows());  // sized here: compute() does not allocate
          ldlt.compute(K);
          for (py::ssize_t r = 0; r < repeats; ++r) {
            const auto t0 = std::chrono::steady_clock::now();
            ldlt.compute(K);
            const auto t1 = std::chrono::steady_clock::now();
            *t++ = std::chrono::duration<double, std::micro>(t1 - t0).count();
          }
        }
        return out;
      },
      py::arg("matrices"), py::arg("repeats"),
      "Durations (len(matrices) * repeats,) µs of dense LDLT factorisations (Eigen, lower "
      "triangle read) of each symmetric matrix, `repeats` times each in order, timed in C++.");
}
