// Capture stepping (WalkingOptions::step_feedback = "capture"): the base state that makes the
// gait heuristic put the next foothold where the DCM says. World frame, z up.
#pragma once

#include <Eigen/Core>

#include "cerebellum/cop_plan.hpp"
#include "cerebellum/gait_settings.hpp"

namespace cerebellum {

/// Base position (m) and velocity (m/s) for the foothold planner, world; base yaw and sole poses
/// are the measured ones.
struct CaptureState {
  Eigen::Vector3d base_position, base_velocity;
};

/// The DCM at the touchdown, predicted from the measured one (com + vcom / omega; m, m/s world
/// x, y) with the CoP held at the stance sole's centre, puts the swing foot's sole centre where
/// the periodic LIPM gait at the commanded step (cmd, heading frame, at base yaw rad) on the
/// nominal width has it; the base is then placed so that the heuristic (hip offset + v T_stance
/// / 2 ahead of the base advanced to touchdown) lands there. Base height from base_position (m);
/// base velocity the commanded one (no velocity feedback: the DCM is the feedback). The swing:
/// `swing_foot` (kLeft / kRight), t_liftoff, t_touchdown (s) (timing only is read); t now (s);
/// omega (1/s); sole centres from `geometry`.
CaptureState capture_state(double t, const Eigen::Vector3d& base_position,
                           const Eigen::Vector2d& com, const Eigen::Vector2d& vcom,
                           const FeetPoses& feet, double yaw, const VelocityCommand& cmd,
                           int swing_foot, double t_liftoff, double t_touchdown,
                           const GaitSettings& gait, const SoleGeometry& geometry, double omega);

}  // namespace cerebellum
