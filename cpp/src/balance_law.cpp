// Balance law of walking (see balance_law.hpp).
#include "cerebellum/balance_law.hpp"

namespace cerebellum {

Eigen::Vector2d dcm_law(double t, const Eigen::Vector2d& com, const Eigen::Vector2d& vcom,
                        const ComPlan& plan, double omega, double k_dcm,
                        const SupportArea& support) {
  const double w = omega;
  const ComSample ref = plan.sample(t);
  const Eigen::Vector2d dcm = com + vcom / w;
  const Eigen::Vector2d cop = support.clip(ref.cop + (1.0 + k_dcm / w) * (dcm - ref.dcm), t);
  return w * w * (com - cop);
}

Eigen::Vector2d dcm_law_about(double t, const Eigen::Vector2d& com, const Eigen::Vector2d& vcom,
                              const Eigen::Vector2d& com_ref, const Eigen::Vector2d& vcom_ref,
                              const Eigen::Vector2d& acom_ref, double omega, double k_dcm,
                              const SupportArea& support) {
  const double w = omega;
  const Eigen::Vector2d cop_ref = com_ref - acom_ref / (w * w);
  const Eigen::Vector2d dcm_ref = com_ref + vcom_ref / w;
  const Eigen::Vector2d dcm = com + vcom / w;
  const Eigen::Vector2d cop = support.clip(cop_ref + (1.0 + k_dcm / w) * (dcm - dcm_ref), t);
  return w * w * (com - cop);
}

ComReference lipm_com_reference(const Eigen::Vector3d& com, const Eigen::Vector3d& vcom,
                                const Eigen::Vector2d& acom_xy,
                                const std::array<double, 3>& ground, double com_height_m) {
  return {Eigen::Vector3d(com[0], com[1], ground[0] + com_height_m),
          Eigen::Vector3d(vcom[0], vcom[1], ground[1]),
          Eigen::Vector3d(acom_xy[0], acom_xy[1], ground[2])};
}

ComReference mpc_com_reference(const Eigen::Vector3d& com, const Eigen::Vector3d& vcom,
                               const Eigen::Matrix<double, 2, 6>& wrenches, double mass_kg,
                               const Eigen::Vector3d& mpc_com, const Eigen::Vector3d& mpc_vcom,
                               bool dcm_feedback, const Eigen::Vector2d& acom_xy) {
  Eigen::Vector3d acom;
  for (int i = 0; i < 3; ++i) acom[i] = (wrenches(0, i) + wrenches(1, i)) / mass_kg;
  acom[2] -= kGravity;
  if (!dcm_feedback) return {mpc_com, mpc_vcom, acom};
  acom.head<2>() = acom_xy;
  return {Eigen::Vector3d(com[0], com[1], mpc_com[2]),
          Eigen::Vector3d(vcom[0], vcom[1], mpc_vcom[2]), acom};
}

}  // namespace cerebellum
