// Balance law of walking: the DCM feedback law around the LIPM/DCM plan (or an MPC plan) and the CoM references of
// the whole-body QP it feeds (LIPM planner, or the MPC plan with the DCM law as a safety layer).
// World frame, z up; nothing allocates.
#pragma once

#include <Eigen/Core>
#include <array>

#include "cerebellum/com_plan.hpp"
#include "cerebellum/cop_plan.hpp"

namespace cerebellum {

/// (2,) horizontal CoM acceleration (m/s^2) of the DCM law at time t (s): the CoP command
/// cop_ref + (1 + k_dcm / omega) (dcm - dcm_ref), clipped by `support` at t, gives
/// omega^2 (com - cop). com (m), vcom (m/s) world x, y; `plan` the CoM plan (sampled at t; needs
/// a plan, else std::logic_error); omega (1/s); k_dcm (1/s).
Eigen::Vector2d dcm_law(double t, const Eigen::Vector2d& com, const Eigen::Vector2d& vcom,
                        const ComPlan& plan, double omega, double k_dcm,
                        const SupportArea& support);

/// The same law around a CoM trajectory given at t by its position com_ref (m), velocity
/// vcom_ref (m/s) and acceleration acom_ref (m/s^2), world x, y (an MPC plan): cop_ref =
/// com_ref - acom_ref / omega^2 and dcm_ref = com_ref + vcom_ref / omega, the LIPM's.
Eigen::Vector2d dcm_law_about(double t, const Eigen::Vector2d& com, const Eigen::Vector2d& vcom,
                              const Eigen::Vector2d& com_ref, const Eigen::Vector2d& vcom_ref,
                              const Eigen::Vector2d& acom_ref, double omega, double k_dcm,
                              const SupportArea& support);

/// CoM position (m), velocity (m/s), acceleration (m/s^2) references of the whole-body QP, world.
struct ComReference {
  Eigen::Vector3d com, vcom, acom;
};

/// LIPM planner: the horizontal CoM reference is the measured one (its feedback lives in the DCM
/// law's acceleration acom_xy); the height rides ground = {z m, dz m/s, ddz m/s^2} (the descent
/// filter's step) at com_height_m.
ComReference lipm_com_reference(const Eigen::Vector3d& com, const Eigen::Vector3d& vcom,
                                const Eigen::Vector2d& acom_xy,
                                const std::array<double, 3>& ground, double com_height_m);

/// MPC planner: acceleration from the MPC's contact forces (wrenches (2, 6) force first, world
/// axes, N and N m; mass kg) less gravity; the MPC's CoM mpc_com (m) and mpc_vcom (m/s). With
/// dcm_feedback the horizontal CoM is the measured one with the DCM law's acom_xy (the MPC gives
/// the height), else the MPC's CoM throughout (acom_xy unused).
ComReference mpc_com_reference(const Eigen::Vector3d& com, const Eigen::Vector3d& vcom,
                               const Eigen::Matrix<double, 2, 6>& wrenches, double mass_kg,
                               const Eigen::Vector3d& mpc_com, const Eigen::Vector3d& mpc_vcom,
                               bool dcm_feedback, const Eigen::Vector2d& acom_xy);

}  // namespace cerebellum
