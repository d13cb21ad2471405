// cerebellum::Robot on Pinocchio. The only translation unit of the core that includes Pinocchio's
// algorithms and parsers (they are slow to compile).
#include "cerebellum/robot.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <pinocchio/algorithm/center-of-mass.hpp>
#include <pinocchio/algorithm/crba.hpp>
#include <pinocchio/algorithm/frames.hpp>
#include <pinocchio/algorithm/jacobian.hpp>
#include <pinocchio/algorithm/model.hpp>
#include <pinocchio/algorithm/rnea.hpp>
#include <pinocchio/multibody/data.hpp>
#include <pinocchio/multibody/model.hpp>
#include <pinocchio/parsers/mjcf.hpp>
#include <pinocchio/parsers/urdf.hpp>

namespace cerebellum {

struct RobotImpl {
  pinocchio::Model model;
  pinocchio::Data data;
  std::vector<pinocchio::FrameIndex> frame_ids;  // tracked frames, in the constructor's order
  std::vector<std::string> frame_names;
  std::vector<pinocchio::JointIndex> root_joints;  // children of the universe
  double mass = 0.;
  JointLimits limits;
  WholeBodyQuantities out;
};

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  if (s.size() < suffix.size()) return false;
  return std::equal(suffix.rbegin(), suffix.rend(), s.rbegin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
}

// Levenshtein distance, for "did you mean" hints (construction time only).
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

void load_model(const std::string& path, pinocchio::Model& model) {
  if (!std::ifstream(path).good()) {
    throw std::invalid_argument("Robot: model file not found or unreadable: '" + path + "'");
  }
  try {
    if (ends_with(path, ".urdf")) {
      pinocchio::urdf::buildModel(path, pinocchio::JointModelFreeFlyer(), model);
    } else if (ends_with(path, ".xml") || ends_with(path, ".mjcf")) {
      // The MJCF declares its own <freejoint/>.
      pinocchio::mjcf::buildModel(path, model);
    } else {
      throw std::invalid_argument("unknown model format (expected .urdf, .xml or .mjcf)");
    }
  } catch (const std::exception& e) {
    throw std::invalid_argument("Robot: cannot load model '" + path + "': " + e.what());
  }
  if (model.nq < 7 || model.nv < 6 || model.joints.size() < 2 ||
      model.joints[1].shortname() != "JointModelFreeFlyer") {
    throw std::invalid_argument("Robot: model '" + path +
                                "' has no free-flyer root joint (a floating base is required)");
  }
}

pinocchio::FrameIndex find_frame(const pinocchio::Model& model, const std::string& name) {
  if (model.existFrame(name)) return model.getFrameId(name);
  std::string nearest;
  std::size_t best = std::string::npos;
  std::ostringstream names;
  for (std::size_t i = 0; i < model.frames.size(); ++i) {
    const std::string& n = model.frames[i].name;
    names << (i ? ", " : "") << n;
    const std::size_t d = edit_distance(name, n);
    if (d < best) {
      best = d;
      nearest = n;
    }
  }
  std::ostringstream msg;
  msg << "Robot: unknown frame '" << name << "'";
  if (!nearest.empty()) msg << " (nearest: '" << nearest << "')";
  msg << "; available frames: " << names.str();
  throw std::invalid_argument(msg.str());
}

template <typename Vec>
void check_vector(const char* what, const Vec& x, Eigen::Index expected) {
  if (x.size() != expected) {
    std::ostringstream msg;
    msg << "Robot: " << what << " has size " << x.size() << ", expected " << expected;
    throw std::invalid_argument(msg.str());
  }
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) {
      std::ostringstream msg;
      msg << "Robot: " << what << "[" << i << "] is not finite (" << x[i] << ")";
      throw std::invalid_argument(msg.str());
    }
  }
}

}  // namespace

Robot::Robot(const std::string& model_path, const std::vector<std::string>& frames)
    : impl_(std::make_unique<RobotImpl>()) {
  RobotImpl& r = *impl_;
  load_model(model_path, r.model);
  r.data = pinocchio::Data(r.model);
  r.mass = pinocchio::computeTotalMass(r.model);
  if (!(r.mass > 0.)) throw std::invalid_argument("Robot: model '" + model_path + "' has no mass");
  for (pinocchio::JointIndex j = 1; j < static_cast<pinocchio::JointIndex>(r.model.njoints); ++j) {
    if (r.model.parents[j] == 0) r.root_joints.push_back(j);
  }
  const Eigen::Index nj = r.model.nv - 6;
  r.limits.lower = r.model.lowerPositionLimit.tail(nj);
  r.limits.upper = r.model.upperPositionLimit.tail(nj);
  r.limits.velocity = r.model.velocityLimit.tail(nj);
  r.limits.effort = r.model.effortLimit.tail(nj);
  r.frame_names = frames;
  r.frame_ids.reserve(frames.size());
  for (const std::string& name : frames) r.frame_ids.push_back(find_frame(r.model, name));

  const Eigen::Index nv = r.model.nv;
  WholeBodyQuantities& o = r.out;
  o.M.setZero(nv, nv);
  o.nle.setZero(nv);
  o.com.setZero();
  o.vcom.setZero();
  o.Jcom.setZero(3, nv);
  o.Ag.setZero(6, nv);
  o.hg.setZero();
  o.dAg_v.setZero();
  o.frames.assign(frames.size(), FramePose{});
  // Columns outside a frame's support stay zero: getFrameJacobian writes the supported ones only.
  o.J.assign(frames.size(), Eigen::MatrixXd::Zero(6, nv));
  o.drift.assign(frames.size(), Eigen::Matrix<double, 6, 1>::Zero());

  // First call at the neutral configuration: touches every buffer once.
  compute(pinocchio::neutral(r.model), Eigen::VectorXd::Zero(nv));
}

Robot::~Robot() = default;

int Robot::nq() const { return impl_->model.nq; }
int Robot::nv() const { return impl_->model.nv; }
double Robot::mass() const { return impl_->mass; }
const std::vector<std::string>& Robot::frame_names() const { return impl_->frame_names; }
const WholeBodyQuantities& Robot::quantities() const { return impl_->out; }
const JointLimits& Robot::joint_limits() const { return impl_->limits; }

const WholeBodyQuantities& Robot::compute(const Eigen::Ref<const Eigen::VectorXd>& q,
                                          const Eigen::Ref<const Eigen::VectorXd>& v) {
  RobotImpl& r = *impl_;
  const pinocchio::Model& model = r.model;
  pinocchio::Data& data = r.data;
  WholeBodyQuantities& o = r.out;
  check_vector("q", q, model.nq);
  check_vector("v", v, model.nv);

  // Pass 1, CRBA (world convention): oMi, J (world), M (upper triangle, + model.armature on the
  // diagonal), subtree inertias oYcrb, centroidal Ag, com.
  pinocchio::crba(model, data, q, pinocchio::Convention::WORLD);
  // Pass 2, RNEA at ddq = 0: nle, joint velocities v and a_gf = a(ddq = 0) - g (local), and the
  // joint wrenches f (local).
  pinocchio::nonLinearEffects(model, data, q, v);

  const Eigen::Vector3d& c = data.com[0];
  o.M.triangularView<Eigen::Upper>() = data.M;
  o.M.triangularView<Eigen::StrictlyLower>() = data.M.transpose();
  o.nle = data.nle;
  o.com = c;
  o.Ag = data.Ag;
  o.hg.noalias() = data.Ag * v;
  o.vcom = o.hg.head<3>() / r.mass;
  o.Jcom = data.Ag.topRows<3>() / r.mass;

  // dAg v = dhg/dt at ddq = 0. The wrench the root joints transmit in pass 2 is
  // f_O = dh_O/dt - oYcrb[0] g (world, about the origin); move dh_O/dt to the CoM (c' x p = 0).
  pinocchio::Force dh = data.oYcrb[0] * model.gravity;
  for (const pinocchio::JointIndex j : r.root_joints) dh += data.oMi[j].act(data.f[j]);
  o.dAg_v.head<3>() = dh.linear();
  o.dAg_v.tail<3>() = dh.angular() - c.cross(dh.linear());

  for (std::size_t k = 0; k < r.frame_ids.size(); ++k) {
    const pinocchio::FrameIndex fid = r.frame_ids[k];
    const pinocchio::SE3& oMf = pinocchio::updateFramePlacement(model, data, fid);
    o.frames[k].R = oMf.rotation();
    o.frames[k].p = oMf.translation();
    pinocchio::getFrameJacobian(model, data, fid, pinocchio::LOCAL_WORLD_ALIGNED, o.J[k]);
    // Joint spatial acceleration at ddq = 0 (local), without gravity; then dJ/dt * v.
    const pinocchio::JointIndex j = model.frames[fid].parentJoint;
    data.a[j] = data.a_gf[j] + data.oMi[j].actInv(model.gravity);
    o.drift[k] = pinocchio::getFrameClassicalAcceleration(model, data, fid,
                                                          pinocchio::LOCAL_WORLD_ALIGNED)
                     .toVector();
  }
  // A finite but huge state (|q| or |v| ~ 1e150) overflows: refuse it rather than return NaN.
  bool finite = o.M.allFinite() && o.nle.allFinite() && o.com.allFinite() && o.Ag.allFinite() &&
                o.hg.allFinite() && o.dAg_v.allFinite();
  for (std::size_t k = 0; k < r.frame_ids.size(); ++k)
    finite = finite && o.frames[k].R.allFinite() && o.frames[k].p.allFinite() &&
             o.J[k].allFinite() && o.drift[k].allFinite();
  if (!finite)
    throw std::invalid_argument(
        "Robot::compute: non-finite result at this (q, v): entries too large for the model");
  return o;
}

const WholeBodyQuantities& Robot::kinematics(const Eigen::Ref<const Eigen::VectorXd>& q) {
  RobotImpl& r = *impl_;
  const pinocchio::Model& model = r.model;
  pinocchio::Data& data = r.data;
  WholeBodyQuantities& o = r.out;
  check_vector("q", q, model.nq);
  pinocchio::computeJointJacobians(model, data, q);  // oMi and the world-frame joint Jacobians
  for (std::size_t k = 0; k < r.frame_ids.size(); ++k) {
    const pinocchio::FrameIndex fid = r.frame_ids[k];
    const pinocchio::SE3& oMf = pinocchio::updateFramePlacement(model, data, fid);
    o.frames[k].R = oMf.rotation();
    o.frames[k].p = oMf.translation();
    pinocchio::getFrameJacobian(model, data, fid, pinocchio::LOCAL_WORLD_ALIGNED, o.J[k]);
  }
  return o;
}

void Robot::rnea(const Eigen::Ref<const Eigen::VectorXd>& q,
                 const Eigen::Ref<const Eigen::VectorXd>& v,
                 const Eigen::Ref<const Eigen::VectorXd>& a) {
  RobotImpl& r = *impl_;
  check_vector("q", q, r.model.nq);
  check_vector("v", v, r.model.nv);
  check_vector("a", a, r.model.nv);
  pinocchio::rnea(r.model, r.data, q, v, a);
}

void Robot::crba(const Eigen::Ref<const Eigen::VectorXd>& q) {
  RobotImpl& r = *impl_;
  check_vector("q", q, r.model.nq);
  pinocchio::crba(r.model, r.data, q);
}

}  // namespace cerebellum
