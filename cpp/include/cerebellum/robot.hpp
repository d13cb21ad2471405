// Whole-body quantities of a floating-base robot, computed in one call on Pinocchio.
//
// Conventions (Pinocchio): q = [p_world (3), quat xyzw (4), joints (nq-7)],
// v = [v_base local (3), omega_base local (3), joint rates (nv-6)].
// Contact Jacobians and drifts are expressed LOCAL_WORLD_ALIGNED at the contact frame origin.
#pragma once

#include <Eigen/Core>
#include <memory>
#include <string>
#include <vector>

namespace cerebellum {

/// Placement of a frame: rotation (world <- frame) and position in world, metres.
struct FramePose {
  Eigen::Matrix3d R = Eigen::Matrix3d::Identity();
  Eigen::Vector3d p = Eigen::Vector3d::Zero();
};

/// Everything a whole-body QP needs at one state. Sized once in Robot's constructor.
struct WholeBodyQuantities {
  Eigen::MatrixXd M;        // (nv, nv) joint-space inertia, symmetric, + model.armature on the
                            // diagonal (MJCF joint `armature`; 0 for URDF), as pinocchio::crba
  Eigen::VectorXd nle;      // (nv) Coriolis + centrifugal + gravity, N / N·m
  Eigen::Vector3d com;      // (3) centre of mass, world, m
  Eigen::Vector3d vcom;     // (3) CoM velocity, world, m/s
  Eigen::MatrixXd Jcom;     // (3, nv)
  Eigen::MatrixXd Ag;       // (6, nv) centroidal momentum matrix [linear; angular], about the CoM, world axes
  Eigen::Matrix<double, 6, 1> hg;     // (6) centroidal momentum, N·s and N·m·s
  Eigen::Matrix<double, 6, 1> dAg_v;  // (6) dAg/dt * v
  std::vector<FramePose> frames;              // one per tracked frame (contacts first, then others)
  std::vector<Eigen::MatrixXd> J;             // (6, nv) each, LOCAL_WORLD_ALIGNED
  std::vector<Eigen::Matrix<double, 6, 1>> drift;  // (6) each: classical dJ/dt * v, LOCAL_WORLD_ALIGNED
};

/// The model file's joint limits, joint order (nv - 6 entries; the joints are 1-DoF): position
/// range rad, speed rad/s, effort N·m; +-infinity where the file gives none.
struct JointLimits {
  Eigen::VectorXd lower, upper;  // rad
  Eigen::VectorXd velocity;      // rad/s
  Eigen::VectorXd effort;        // N·m
};

struct RobotImpl;

/// A floating-base robot model on Pinocchio. Not thread-safe: one Robot per thread.
class Robot {
 public:
  /// model_path: MJCF (.xml) or URDF (.urdf); a URDF gets a free-flyer root joint.
  /// frames: names of frames whose pose, Jacobian and drift are computed (contacts, hands...).
  Robot(const std::string& model_path, const std::vector<std::string>& frames);
  ~Robot();
  Robot(const Robot&) = delete;
  Robot& operator=(const Robot&) = delete;

  int nq() const;
  int nv() const;
  double mass() const;
  const std::vector<std::string>& frame_names() const;
  const JointLimits& joint_limits() const;

  /// Computes all quantities at (q, v). No heap allocation. Throws std::invalid_argument on
  /// wrong sizes, non-finite input, or a result that is not finite (input too large).
  const WholeBodyQuantities& compute(const Eigen::Ref<const Eigen::VectorXd>& q,
                                     const Eigen::Ref<const Eigen::VectorXd>& v);
  const WholeBodyQuantities& quantities() const;

  /// Kinematics only: fills `frames` and `J` of quantities() at q (dim nq); the other fields keep
  /// their last values. Forward kinematics + joint Jacobians (~1 us on H1), no heap allocation.
  /// Throws std::invalid_argument on a wrong size or non-finite input.
  const WholeBodyQuantities& kinematics(const Eigen::Ref<const Eigen::VectorXd>& q);

  /// In-run reference kernels for benchmarks.
  void rnea(const Eigen::Ref<const Eigen::VectorXd>& q, const Eigen::Ref<const Eigen::VectorXd>& v,
            const Eigen::Ref<const Eigen::VectorXd>& a);
  void crba(const Eigen::Ref<const Eigen::VectorXd>& q);

 private:
  std::unique_ptr<RobotImpl> impl_;
};

}  // namespace cerebellum
