// Reading the controller files `cerebellum export` writes (key_value_file.hpp): the whole-body QP
// settings shared by the controllers, the walking controller's settings and its terrain.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "cerebellum/base_estimator.hpp"
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
  /// `estimator 1`: the base estimator's settings (every `estimator.*` key); the closed loop
  /// then runs on its estimate instead of the ground-truth base.
  std::optional<BaseEstimatorSettings> estimator;
};
WalkingConfig walking_config(const KeyValueFile& f, const std::string& dir);

/// The `safety.*` keys into y, each optional (files exported before they existed); not validated.
void read_safety_settings(const KeyValueFile& f, SafetySettings& y);

/// The `estimator.*` keys: every BaseEstimatorSettings field (validated).
BaseEstimatorSettings read_estimator_settings(const KeyValueFile& f);

/// The terrain of the `terrain.*` keys.
std::unique_ptr<TerrainQuery> read_terrain(const KeyValueFile& f);

}  // namespace cerebellum
