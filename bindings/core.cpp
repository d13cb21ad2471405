// cerebellum._core: private compiled module. Each component registers itself from its own file.
#include <pybind11/pybind11.h>

namespace py = pybind11;

void register_robot(py::module_& m);
void register_mpc(py::module_& m);
void register_swing(py::module_& m);
void register_com(py::module_& m);
void register_estimator(py::module_& m);
void register_terrain(py::module_& m);  // after register_swing (TerrainQuery)
void register_footsteps(py::module_& m);
void register_gait(py::module_& m);  // after register_swing (SwingSample), register_footsteps
void register_balance(py::module_& m);
void register_bench(py::module_& m);  // floors of `cerebellum bench` (bench_bindings.cpp)
// The whole-body QP bindings (bindings/wbc_bindings.cpp) define register_wbc; CMake defines
// CEREBELLUM_HAS_WBC when that file exists.
#ifdef CEREBELLUM_HAS_WBC
void register_wbc(py::module_& m);
#endif
void register_safety(py::module_& m);
void register_standing(py::module_& m);  // after register_safety, register_wbc
void register_walking(py::module_& m);  // last: its settings hold the types above

PYBIND11_MODULE(_core, m) {
  m.doc() = "Compiled core of cerebellum (private: use the cerebellum Python API).";
  register_robot(m);
  register_mpc(m);
  register_swing(m);
  register_com(m);
  register_estimator(m);
  register_terrain(m);
  register_footsteps(m);
  register_gait(m);
  register_balance(m);
  register_bench(m);
#ifdef CEREBELLUM_HAS_WBC
  register_wbc(m);
#endif
  register_safety(m);
  register_standing(m);
  register_walking(m);
}
