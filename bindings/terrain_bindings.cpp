// Python bindings of the analytic terrains of cerebellum/terrains.hpp (module cerebellum._core).
// Registered after register_swing, which binds their base class _core.TerrainQuery.
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "cerebellum/terrains.hpp"

namespace py = pybind11;
using namespace cerebellum;

namespace {

using DArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

void same_shape(const DArray& x, const DArray& y) {
  if (x.ndim() != y.ndim() || !std::equal(x.shape(), x.shape() + x.ndim(), y.shape()))
    throw std::invalid_argument("x and y: expected arrays of the same shape");
}

/// Heights (shape of x) at arrays x, y of equal shape.
py::array_t<double> heights(const TerrainQuery& t, const DArray& x, const DArray& y) {
  same_shape(x, y);
  py::array_t<double> out(std::vector<py::ssize_t>(x.shape(), x.shape() + x.ndim()));
  double* o = out.mutable_data();
  const double *xs = x.data(), *ys = y.data();
  for (py::ssize_t i = 0; i < x.size(); ++i) o[i] = t.height(xs[i], ys[i]);
  return out;
}

/// Unit normals (shape of x + (3,)) at arrays x, y of equal shape.
py::array_t<double> normals(const TerrainQuery& t, const DArray& x, const DArray& y) {
  same_shape(x, y);
  std::vector<py::ssize_t> shape(x.shape(), x.shape() + x.ndim());
  shape.push_back(3);
  py::array_t<double> out(shape);
  double* o = out.mutable_data();
  const double *xs = x.data(), *ys = y.data();
  for (py::ssize_t i = 0; i < x.size(); ++i) {
    const Eigen::Vector3d n = t.normal(xs[i], ys[i]);
    o[3 * i] = n[0], o[3 * i + 1] = n[1], o[3 * i + 2] = n[2];
  }
  return out;
}

template <class T>
void vectorised(py::class_<T, TerrainQuery>& c) {
  c.def("heights", &heights, py::arg("x"), py::arg("y"),
        "heights (m) at arrays x, y of equal shape")
      .def("normals", &normals, py::arg("x"), py::arg("y"),
           "unit normals (..., 3) at arrays x, y of equal shape");
}

}  // namespace

void register_terrain(py::module_& m) {
  py::class_<FlatTerrain, TerrainQuery> flat(m, "FlatTerrain", "Horizontal plane at z = level_m.");
  flat.def(py::init<double>(), py::arg("level_m") = 0.0)
      .def_property_readonly("level_m", &FlatTerrain::level_m);
  vectorised(flat);

  py::class_<BoxTerrain, TerrainQuery> box(
      m, "BoxTerrain",
      "Axis-aligned blocks over a base plane: height = max(base_m, tops of the blocks containing "
      "(x, y)); normal z. Stepped.");
  box.def(py::init([](const DArray& boxes, double base_m) {
            if (boxes.ndim() != 2 || boxes.shape(1) != 5)
              throw std::invalid_argument(
                  "BoxTerrain: boxes: expected shape (n, 5) rows x0, x1, y0, y1, top");
            std::vector<TerrainBox> v(static_cast<std::size_t>(boxes.shape(0)));
            const double* d = boxes.data();
            for (std::size_t i = 0; i < v.size(); ++i)
              v[i] = {d[5 * i], d[5 * i + 1], d[5 * i + 2], d[5 * i + 3], d[5 * i + 4]};
            return BoxTerrain(std::move(v), base_m);
          }),
          py::arg("boxes"), py::arg("base_m"),
          "boxes (n, 5): x0, x1, y0, y1, top (m); base_m: base plane z (-inf: none)")
      .def_property_readonly("boxes",
                             [](const BoxTerrain& t) {
                               py::array_t<double> out(
                                   {static_cast<py::ssize_t>(t.boxes().size()), py::ssize_t{5}});
                               double* o = out.mutable_data();
                               for (const TerrainBox& b : t.boxes()) {
                                 o[0] = b.x0, o[1] = b.x1, o[2] = b.y0, o[3] = b.y1, o[4] = b.top;
                                 o += 5;
                               }
                               return out;
                             })
      .def_property_readonly("base_m", &BoxTerrain::base_m)
      .def_property_readonly("index_shape",
                             [](const BoxTerrain& t) { return py::make_tuple(t.nx(), t.ny()); })
      .def_property_readonly("index_cell_m", &BoxTerrain::cell_m);
  vectorised(box);

  py::class_<SlopeTerrain, TerrainQuery> slope(
      m, "SlopeTerrain",
      "Flat, then a plane rising angle_deg along +x over length_m from x0_m, then flat; "
      "|y - y_m| <= width_m / 2 (sim.terrain.Slope).");
  slope
      .def(py::init<double, double, double, double, double>(), py::arg("angle_deg"),
           py::arg("length_m"), py::arg("width_m"), py::arg("x0_m"), py::arg("y_m"))
      .def_property_readonly("angle_deg", &SlopeTerrain::angle_deg)
      .def_property_readonly("length_m", &SlopeTerrain::length_m)
      .def_property_readonly("width_m", &SlopeTerrain::width_m)
      .def_property_readonly("x0_m", &SlopeTerrain::x0_m)
      .def_property_readonly("y_m", &SlopeTerrain::y_m);
  vectorised(slope);

  py::class_<GridTerrain, TerrainQuery> grid(
      m, "GridTerrain",
      "Heights z[r, c] at (x0_m + c cell_m, y0_m + r cell_m) on MuJoCo's hfield triangles; "
      "outside_m beyond the grid.");
  grid.def(py::init([](const DArray& z, double x0_m, double y0_m, double cell_m,
                       double outside_m) {
             if (z.ndim() != 2)
               throw std::invalid_argument("GridTerrain: grid: expected a 2-D array");
             Eigen::Map<const GridTerrain::Grid> g(z.data(), z.shape(0), z.shape(1));
             return GridTerrain(g, x0_m, y0_m, cell_m, outside_m);
           }),
           py::arg("grid"), py::arg("x0_m"), py::arg("y0_m"), py::arg("cell_m"),
           py::arg("outside_m"))
      .def_property_readonly("grid", &GridTerrain::grid, "(nrow, ncol) heights, m")
      .def_property_readonly("x0_m", &GridTerrain::x0_m)
      .def_property_readonly("y0_m", &GridTerrain::y0_m)
      .def_property_readonly("cell_m", &GridTerrain::cell_m)
      .def_property_readonly("outside_m", &GridTerrain::outside_m);
  vectorised(grid);
}
