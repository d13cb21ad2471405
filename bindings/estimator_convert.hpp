// The bound base estimator (shared by the estimator's and the walking controller's bindings).
#pragma once

#include <pybind11/pybind11.h>

#include <memory>

#include "cerebellum/base_estimator.hpp"

namespace cerebellum_bindings {

/// The estimator with its preallocated input (the Python side fills it, C++ runs the update).
struct PyEstimator {
  std::unique_ptr<cerebellum::BaseEstimator> est;
  cerebellum::BaseEstimatorInput in;
  pybind11::object terrain = pybind11::none();  // keeps the terrain map of set_terrain alive
};

}  // namespace cerebellum_bindings
