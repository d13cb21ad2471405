// Standing balance on the whole-body QP: the C++ port of controllers/wbc.py's
// WholeBodyController (the `wbc` controller of `cerebellum run`).
//
// Both soles in contact; the capture point is driven to the CoM where the robot starts, the base
// is held upright at its initial yaw, the joints are pulled toward the standing posture.
// Needs the ground-truth (or estimated) base in RobotState.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cerebellum/controller.hpp"
#include "cerebellum/key_value_file.hpp"
#include "cerebellum/robot.hpp"
#include "cerebellum/safety_layer.hpp"
#include "cerebellum/wbc.hpp"

namespace cerebellum {

/// What StandingController is built from: the model file of the Robot, the Robot frames it
/// tracks (contacts first, then base_frame), the resolved QP settings and the standing posture.
struct StandingControllerConfig {
  std::string model_path;           // MJCF/URDF loaded by Pinocchio
  std::vector<std::string> frames;  // Robot frames: settings.contacts' frames, then base_frame
  WholeBodyQPSettings wbc;
  Eigen::VectorXd q_stand;  // (nq) standing configuration, Pinocchio order (quat xyzw)
  SafetySettings safety;    // the `safety.*` keys (each optional)
  double dt_s = 0.001;      // tick period (`dt_s`, optional): the safety layer's clock
};

/// Reads a controller file written by `cerebellum export` (format 1, `controller wbc`): every
/// WholeBodyQPSettings field is required once, `dt_s` and the `safety.*` keys are optional (files
/// exported before they existed); unknown keys are errors. A relative `model` is
/// taken relative to the file's folder. Throws std::invalid_argument naming the file and key.
StandingControllerConfig load_standing_controller(const std::string& path);
/// The same from an already parsed file; `dir` resolves a relative model path.
StandingControllerConfig standing_controller_config(const KeyValueFile& f, const std::string& dir);

/// Double-support balance on WholeBodyQP (settings as given; the `wbc` controller uses
/// controllers/wbc.py's wbc_settings + BALANCE_DEFAULTS + scenario options).
/// reset(): CoM reference = CoM at the state, base reference = Rz(initial yaw), posture =
/// q_stand's joints (swing references, unused, at q_stand). tick(): one QP tick with both
/// contacts active, through the SafetyLayer (safety_layer.hpp, docs/safety.md): a refused input
/// gives the layer's fallback without a QP tick, the QP's torques are limited, a fall latches the
/// safe stop. Construction allocates; reset() and tick() do not.
class StandingController final : public Controller {
 public:
  /// `robot` must track the frames of `settings` and outlive the controller. q_stand (nq);
  /// dt_s: the tick period. Throws std::invalid_argument on sizes or frames that do not match
  /// the robot, and on invalid safety settings.
  StandingController(Robot& robot, const WholeBodyQPSettings& settings,
                     const Eigen::VectorXd& q_stand, const SafetySettings& safety = {},
                     double dt_s = 0.001);

  /// Throws std::invalid_argument when state.has_base is false or sizes differ.
  void reset(const RobotState& state) override;
  /// Joint torques (nj) N m. Throws std::invalid_argument when state.has_base is false.
  const Eigen::VectorXd& tick(const RobotState& state, const Command& command) override;

  const WholeBodyQP& qp() const { return qp_; }
  const WholeBodyReferences& references() const { return refs_; }
  const SafetyLayer& safety() const { return *safety_; }
  std::uint64_t ticks() const { return ticks_; }
  /// Wall time of the last tick(), µs (QP and safety layer).
  double last_tick_us() const { return last_tick_us_; }

 private:
  void load(const RobotState& state);

  Robot& robot_;
  WholeBodyQP qp_;
  WholeBodyReferences refs_;
  Eigen::VectorXd q_stand_, q_, v_, v_zero_;
  Eigen::Array<bool, Eigen::Dynamic, 1> active_;
  std::unique_ptr<SafetyLayer> safety_;
  std::uint64_t ticks_ = 0;
  double last_tick_us_ = 0.0;
};

}  // namespace cerebellum
