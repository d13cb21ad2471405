// Reading the controller files `cerebellum export` writes (key_value_file.hpp): the whole-body QP
// settings shared by the controllers, the walking controller's settings and its terrain.
#pragma once

#include <memory>
#include <string>

#include "cerebellum/key_value_file.hpp"
#include "cerebellum/terrain.hpp"
#include "cerebellum/walking_controller.hpp"
#include "cerebellum/wbc.hpp"

namespace cerebellum {

/// The `contact.*` and `wbc.*` keys: contacts, base and hand frames, every WholeBodyQPSettings
/// field (nj joints). Throws std::invalid_argument naming the file and key.
WholeBodyQPSettings read_wbc_settings(const KeyValueFile& f, int nj);

/// A `controller walk` file: the WalkingSettings (model path relative to `dir`), the planner's
/// terrain (`terrain.kind` flat | boxes | slope | grid with its data) and whether to plan on a
/// thread. Every key is required once; unknown keys are errors.
struct WalkingConfig {
  WalkingSettings settings;
  std::unique_ptr<TerrainQuery> terrain;
  bool planning_thread = false;
};
WalkingConfig walking_config(const KeyValueFile& f, const std::string& dir);

/// The terrain of the `terrain.*` keys.
std::unique_ptr<TerrainQuery> read_terrain(const KeyValueFile& f);

}  // namespace cerebellum
