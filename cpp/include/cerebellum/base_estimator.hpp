// Floating-base state estimation from an IMU and the leg kinematics of the feet in contact.
//
// Filter: the contact-aided invariant EKF of Hartley et al. (IJRR 2020, "Contact-aided invariant
// extended Kalman filtering for robot state estimation"), right-invariant error, with IMU biases
// ("imperfect" InEKF). State X in SE_4(3): IMU orientation R (world <- imu), velocity v and
// position p of the IMU in world, and the world positions d_l, d_r of both sole frames; plus gyro
// and accelerometer biases b_g, b_a (IMU frame). Error vector (21):
//   [xi_R (3), xi_v (3), xi_p (3), xi_dl (3), xi_dr (3), zeta_bg (3), zeta_ba (3)].
// Why this filter rather than a quaternion EKF on the same states (Pronto/Bloesch): with the
// right-invariant error the leg-kinematics Jacobian H = [0 0 -I I 0 0] does not depend on the
// state estimate, so a wrong orientation or velocity estimate (after a push, a slip, a bias step)
// does not corrupt the linearisation, the filter converges from large initial errors, and its
// covariance stays consistent on the unobservable yaw and position directions.
// Discretisation: semi-implicit Euler as MuJoCo and most IMU drivers at 1 kHz:
//   v+ = v + (R a + g) dt,  p+ = p + v+ dt,  R+ = R Exp(w dt),
// with a the accelerometer sample of the previous interval and w the current gyro sample.
// Measurements per update: each sole in contact, s = R^T (d - p) from forward kinematics (noise
// from the encoders through the foot Jacobian plus a kinematic model error), and, if the robot's
// IMU reports an orientation, its tilt (the world x/y components of Log(R_imu R^T); yaw is left to
// the gyro, as an AHRS's yaw drifts).
// Contact point: the foot's material point under the centre of pressure measured by its F/T
// sensor (contact_at_cop), not the sole origin: that point is still while the sole is flat and
// while it rolls on an edge (H1 has no ankle roll: the sole origin of a stance foot moves at
// ~0.07 m/s rms in walk-flat). When the CoP moves on the sole, d moves with it by R R_is dc.
// Contacts: the normal force of each foot's F/T sensor with hysteresis, gated by the gait
// schedule (a planned swing foot counts as in contact only above a higher force). A new contact
// augments the foot state at p + R s; a foot whose kinematic velocity exceeds slip_speed_mps
// (it slips) gets its measurement and contact noise scaled by slip_noise_scale, for at most slip_max_s of each slip (a wrong velocity estimate, not a
// slip, must not shut the leg kinematics out for good); the end of a slip re-anchors the contact
// at p + R s.
// Terrain (set_terrain, optional): the terrain map the footstep planner uses. Each contact point
// in the filter, not slipping, on a level patch of the map (normal within ~5 deg of vertical,
// the map level within terrain_noise_m for terrain_edge_m around it: no edge, slope or bump) also
// measures its height: d_z = terrain height (std terrain_noise_m; an innovation beyond
// terrain_gate_m, a wrong map, is skipped). Leg odometry alone lets the height drift over
// stairs (~1-2 cm per flight), while the footholds use the map's absolute heights. Slopes are
// left out: the position along a slope is unobservable, and a horizontal drift would turn into
// a height error. The world-frame measurement is not invariant: H = [(d_y, -d_x, 0) (rotation)
// ... 1 (d_z)], evaluated at the estimate.
// Bad input never reaches the state: dt <= 0 or non-finite leaves the estimate unchanged
// (kBadDt), a non-finite IMU sample is replaced by the last valid one (kImuHeld), non-finite
// joints skip the kinematic updates (kNoKinematics), a non-finite orientation or force is
// ignored. All sizes fixed at construction; update() allocates nothing.
#pragma once

#include <Eigen/Core>
#include <array>
#include <memory>
#include <string>

namespace cerebellum {

class Robot;
class TerrainQuery;

/// Immutable settings of BaseEstimator. Noise densities are continuous-time standard deviations.
struct BaseEstimatorSettings {
  std::array<std::string, 2> foot_frames{"left_sole", "right_sole"};  // z axis = sole normal
  std::string imu_frame = "base_imu";  // model frame of the IMU (any link; axes = sensor axes)
  double gravity_mps2 = 9.81;
  double gyro_noise = 2e-3;         // rad/s/sqrt(Hz)
  double acc_noise = 2e-2;          // m/s^2/sqrt(Hz)
  double gyro_bias_walk = 1e-4;     // rad/s^2/sqrt(Hz)
  double acc_bias_walk = 1e-3;      // m/s^3/sqrt(Hz)
  double contact_noise = 0.02;      // m/s/sqrt(Hz), motion of a contact point (CoP and
                                    // kinematic errors): walk-flat replay 0.039 -> 0.007 m/s
                                    // against 2e-3; above ~0.03 an initial velocity error leaks
                                    // into the accelerometer bias while standing
  double encoder_noise_rad = 1e-3;  // joint position noise through the foot Jacobian
  double kinematics_noise_m = 2e-3; // model error of the sole position
  bool use_orientation = true;      // fuse the IMU's orientation (tilt) when given
  double tilt_noise_rad = 5e-3;
  double force_on_N = 60.;          // normal force to enter contact
  double force_off_N = 30.;         // ... to leave it (hysteresis)
  double force_swing_N = 150.;      // to enter contact while the schedule says swing
  double slip_speed_mps = 0.15;     // sole speed above which a contact slips
  double slip_noise_scale = 100.;   // multiplies the std of a slipping contact
  double slip_max_s = 0.3;          // a contact counts as slipping for at most this long
  bool contact_at_cop = true;       // contact point at the measured CoP (else the sole origin)
  double cop_limit_m = 0.2;         // |CoP x|, |CoP y| clamp in the sole frame, m
  double terrain_noise_m = 0.;      // std of a contact's height against the terrain map, m (0: off;
                                    // the stairs scenarios set 0.005)
  double terrain_gate_m = 0.03;     // larger height innovations are skipped, m
  double terrain_edge_m = 0.03;     // the map must be level this far around a contact, m
  // initial standard deviations
  double init_rot_rad = 0.02, init_vel_mps = 0.1, init_pos_m = 1e-3;
  double init_gyro_bias = 0.01, init_acc_bias = 0.1;

  /// Throws std::invalid_argument naming the first field out of range.
  void validate() const;
};

/// What the sensors give in one update. Joint arrays: model joint order (dim nq - 7).
struct BaseEstimatorInput {
  Eigen::Vector3d gyro = Eigen::Vector3d::Zero();  // rad/s, IMU frame
  Eigen::Vector3d acc = Eigen::Vector3d::Zero();   // m/s^2, specific force, IMU frame
  Eigen::Vector4d imu_quat_xyzw = Eigen::Vector4d(0, 0, 0, 1);  // world <- IMU
  bool has_orientation = false;
  Eigen::VectorXd joint_pos;  // rad
  Eigen::VectorXd joint_vel;  // rad/s
  // Ground reaction on each sole, sole frame: force N (z > 0 in stance), torque N·m about the
  // sole origin (the sole plane is z = 0).
  std::array<Eigen::Vector3d, 2> foot_force{Eigen::Vector3d::Zero(), Eigen::Vector3d::Zero()};
  std::array<Eigen::Vector3d, 2> foot_torque{Eigen::Vector3d::Zero(), Eigen::Vector3d::Zero()};
  std::array<int, 2> schedule{-1, -1};  // gait plan per foot: 1 stance, 0 swing, -1 unknown
  double dt_s = 1e-3;
};

/// The estimate after an update. Base frame = the model's root (free-flyer) joint frame.
struct BaseEstimate {
  Eigen::Vector3d position = Eigen::Vector3d::Zero();  // base origin, world, m
  Eigen::Vector4d quat_xyzw = Eigen::Vector4d(0, 0, 0, 1);  // world <- base
  Eigen::Matrix3d R = Eigen::Matrix3d::Identity();
  Eigen::Vector3d linear_velocity = Eigen::Vector3d::Zero();  // base origin, BASE frame, m/s
  Eigen::Vector3d linear_velocity_world = Eigen::Vector3d::Zero();
  Eigen::Vector3d angular_velocity = Eigen::Vector3d::Zero();  // BASE frame, rad/s
  Eigen::Vector3d gyro_bias = Eigen::Vector3d::Zero();         // rad/s, IMU frame
  Eigen::Vector3d acc_bias = Eigen::Vector3d::Zero();          // m/s^2, IMU frame
  std::array<Eigen::Vector3d, 2> foot_position{Eigen::Vector3d::Zero(), Eigen::Vector3d::Zero()};
  // world contact points in the state, m
  std::array<Eigen::Vector3d, 2> cop{Eigen::Vector3d::Zero(), Eigen::Vector3d::Zero()};
  // contact point in the sole frame, m
  std::array<bool, 2> contact{false, false};
  std::array<bool, 2> slipping{false, false};
  std::array<double, 2> foot_speed_mps{0., 0.};  // kinematic sole speed, world
  std::array<bool, 2> on_terrain{false, false};  // the terrain height was fused this update
  int status = 0;  // BaseEstimator::Status bits of the last update
};

/// Contact-aided invariant EKF (see the file comment). Not thread-safe.
class BaseEstimator {
 public:
  static constexpr int kDim = 21;
  enum Status : int { kOk = 0, kBadDt = 1, kImuHeld = 2, kNoKinematics = 4, kNotReset = 8 };
  using Cov = Eigen::Matrix<double, kDim, kDim>;

  /// model_path: the MJCF/URDF the controller uses (Pinocchio). Throws std::invalid_argument on
  /// bad settings or unknown frames.
  BaseEstimator(const std::string& model_path, const BaseEstimatorSettings& settings);
  ~BaseEstimator();
  BaseEstimator(const BaseEstimator&) = delete;
  BaseEstimator& operator=(const BaseEstimator&) = delete;

  const BaseEstimatorSettings& settings() const { return settings_; }
  int n_joints() const { return nj_; }
  /// An input with joint arrays sized for this robot.
  BaseEstimatorInput make_input() const;

  /// Starts at a known base pose/velocity (world; velocity world frame, m/s) with zero biases;
  /// the feet are placed by the next update. Throws std::invalid_argument on non-finite input.
  void reset(const Eigen::Vector3d& base_position, const Eigen::Vector4d& base_quat_xyzw,
             const Eigen::Vector3d& base_velocity_world, const Eigen::VectorXd& joint_pos);

  /// The terrain map the contacts' heights are measured against (terrain_noise_m > 0), or
  /// nullptr (none, the default). Not owned: it must outlive the estimator or be unset.
  void set_terrain(const TerrainQuery* terrain) { terrain_ = terrain; }
  const TerrainQuery* terrain() const { return terrain_; }

  /// One filter step. Returns the Status bits (also in estimate().status). No heap allocation.
  int update(const BaseEstimatorInput& in);

  const BaseEstimate& estimate() const { return out_; }
  const Cov& covariance() const { return P_; }
  /// IMU-frame state: R (world <- imu), v, p of the IMU (world).
  const Eigen::Matrix3d& imu_rotation() const { return R_; }
  const Eigen::Vector3d& imu_velocity() const { return v_; }
  const Eigen::Vector3d& imu_position() const { return p_; }
  /// Sole origins in the IMU frame from the last kinematics, m.
  const Eigen::Vector3d& foot_in_imu(int i) const { return s_[i]; }
  /// Sole velocities relative to the IMU frame from the joint rates, IMU frame, m/s.
  const Eigen::Vector3d& foot_rate_in_imu(int i) const { return sdot_[i]; }

 private:
  void kinematics(const Eigen::VectorXd& joint_pos, const Eigen::VectorXd& joint_vel);
  template <int M>
  void correct(const Eigen::Matrix<double, M, kDim>& H, const Eigen::Matrix<double, M, 1>& z,
               const Eigen::Matrix<double, M, M>& N);
  void apply(const Eigen::Matrix<double, kDim, 1>& dx);
  void write_output(const Eigen::Vector3d& w_imu);

  BaseEstimatorSettings settings_;
  const TerrainQuery* terrain_ = nullptr;
  std::unique_ptr<Robot> robot_;
  int nj_ = 0;
  Eigen::VectorXd q_;  // (nq) kinematics configuration, base at the origin
  // state
  Eigen::Matrix3d R_ = Eigen::Matrix3d::Identity();
  Eigen::Vector3d v_ = Eigen::Vector3d::Zero(), p_ = Eigen::Vector3d::Zero();
  std::array<Eigen::Vector3d, 2> d_{Eigen::Vector3d::Zero(), Eigen::Vector3d::Zero()};
  Eigen::Vector3d bg_ = Eigen::Vector3d::Zero(), ba_ = Eigen::Vector3d::Zero();
  Cov P_ = Cov::Identity();
  bool reset_ = false;
  std::array<bool, 2> contact_{false, false}, in_filter_{false, false};
  std::array<double, 2> slip_time_{0., 0.};  // s, of the current slip
  Eigen::Vector3d gyro_last_ = Eigen::Vector3d::Zero(), acc_last_ = Eigen::Vector3d::Zero();
  bool imu_seen_ = false;
  // kinematics (IMU frame), refreshed each update
  std::array<Eigen::Vector3d, 2> s_{Eigen::Vector3d::Zero(), Eigen::Vector3d::Zero()};
  std::array<Eigen::Vector3d, 2> sdot_{Eigen::Vector3d::Zero(), Eigen::Vector3d::Zero()};
  std::array<Eigen::Matrix3d, 2> JJt_{Eigen::Matrix3d::Zero(), Eigen::Matrix3d::Zero()};
  std::array<Eigen::Matrix3d, 2> R_imu_sole_{Eigen::Matrix3d::Identity(), Eigen::Matrix3d::Identity()};
  std::array<Eigen::Vector3d, 2> w_sole_rel_{Eigen::Vector3d::Zero(), Eigen::Vector3d::Zero()};
  std::array<Eigen::Vector3d, 2> c_{Eigen::Vector3d::Zero(), Eigen::Vector3d::Zero()};  // sole frame
  std::array<Eigen::Vector3d, 2> sc_{Eigen::Vector3d::Zero(), Eigen::Vector3d::Zero()};  // IMU frame
  std::array<Eigen::Vector3d, 2> scdot_{Eigen::Vector3d::Zero(), Eigen::Vector3d::Zero()};
  Eigen::Matrix3d R_base_imu_ = Eigen::Matrix3d::Identity();  // base <- imu
  Eigen::Vector3d p_base_imu_ = Eigen::Vector3d::Zero();      // IMU origin in the base frame
  Eigen::Vector3d pdot_base_imu_ = Eigen::Vector3d::Zero();   // its rate, base frame
  Eigen::Vector3d w_imu_rel_ = Eigen::Vector3d::Zero();       // IMU link rate vs base, base frame
  Eigen::MatrixXd Js_, Jtmp_;  // (3, nj) scratch
  // scratch
  Cov Q_;  // scratch
  BaseEstimate out_;
};

}  // namespace cerebellum
