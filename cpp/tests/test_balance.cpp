// Command shaping, CoP plan, balance law: closed forms and invariants.
#include <cmath>

#include "cerebellum/balance_law.hpp"
#include "cerebellum/capture_step.hpp"
#include "cerebellum/command_shaping.hpp"
#include "cerebellum/cop_plan.hpp"
#include "check.hpp"

using namespace cerebellum;

int main() {
  // ramp: the first call moves nothing, then at most max_accel * dt per axis
  CommandShapingSettings cs;
  CommandRamp ramp(cs);
  VelocityCommand c = ramp.step(0.0, {1.0, -1.0, 1.0});
  CHECK(c.is_zero(0.0));
  c = ramp.step(0.1, {1.0, -1.0, 0.01});
  CHECK_NEAR(c.vx, 0.05, 1e-15);
  CHECK_NEAR(c.vy, -0.05, 1e-15);
  CHECK_NEAR(c.yaw_rate, 0.01, 1e-15);  // within reach: the target
  c = ramp.step(0.05, {1.0, -1.0, 0.01});  // back in time: no move
  CHECK_NEAR(c.vx, 0.05, 1e-15);

  // velocity average: a constant input is approached, a full window reaches it
  VelocityAverage avg(0.4);
  CHECK(avg.update(1.0, {1.0, 2.0}) == 0.0);
  CHECK(avg.value().isZero());
  CHECK_NEAR(avg.update(1.1, {1.0, 2.0}), 0.1, 1e-15);
  CHECK_NEAR(avg.value()[0], 0.25, 1e-15);
  avg.update(2.0, {1.0, 2.0});
  CHECK_NEAR(avg.value()[1], 2.0, 1e-15);

  // drift: walking slower than commanded integrates a deficit, corrected with the clipped gain
  cs.forward_drift_gain = 1.0;
  cs.max_forward_correction_mps = 0.1;
  DriftCorrection dc(cs);
  c = dc.correct({0.5, 0.0, 0.0}, {0.3, 0.0}, 0.0, 0.5, true, 1e-3);
  CHECK_NEAR(dc.drift()[0], -0.1, 1e-15);
  CHECK_NEAR(c.vx, 0.6, 1e-15);
  c = dc.correct({0.5, 0.0, 0.0}, {0.3, 0.0}, 0.0, 0.5, false, 1e-3);  // standing: forgotten
  CHECK(dc.drift().isZero() && c.vx == 0.5);

  // sole geometry and support
  const SoleGeometry g = SoleGeometry::from_sole_rectangle({-0.1, 0.2, -0.05, 0.05}, 0.5, 1.0);
  CHECK_NEAR(g.centre[0], 0.05, 1e-15);
  CHECK_NEAR(g.cop_box[1], 0.1, 1e-15);
  CHECK_THROWS(SoleGeometry::from_sole_rectangle({0.1, -0.1, -0.05, 0.05}, 0.5, 1.0));
  FeetPoses feet{SolePose{Eigen::Vector3d(0.0, 0.1, 0.0), 0.0},
                 SolePose{Eigen::Vector3d(0.0, -0.1, 0.0), M_PI / 2}};
  const Box2 b = g.support_box(feet);
  CHECK_NEAR(b.lo[0], -0.05, 1e-15);  // the right sole turned: its y bounds along x
  CHECK_NEAR(b.hi[1], 0.125, 1e-15);
  CHECK(!g.dcm_outside({0.0, 0.0}, feet, 0.0));
  CHECK(g.dcm_outside({0.0, 0.3}, feet, 0.1));
  CHECK(!g.dcm_outside({0.0, 0.3}, feet, 0.2));

  Foothold fh[2];
  fh[0].foot = kLeft;
  fh[0].position = Eigen::Vector3d(0.3, 0.1, 0.0);
  fh[0].t_liftoff = 1.0;
  fh[0].t_touchdown = 1.3;
  fh[1].foot = kRight;
  fh[1].position = Eigen::Vector3d(0.6, -0.1, 0.0);
  fh[1].t_liftoff = 1.4;
  fh[1].t_touchdown = 1.7;
  SupportArea sa(g, 4);
  sa.set(fh, 2, feet);
  // single support on the right sole (yaw 90 deg): sole x along world y
  const Eigen::Vector2d p = sa.clip({1.0, 1.0}, 1.1);
  CHECK_NEAR(p[0], 0.025, 1e-15);
  CHECK_NEAR(p[1], -0.1 + 0.1, 1e-15);
  const Eigen::Vector2d q = sa.clip({1.0, 1.0}, 1.35);  // double support: the box
  CHECK_NEAR(q[0], b.hi[0], 1e-15);
  CHECK_NEAR(q[1], b.hi[1], 1e-15);
  CHECK_THROWS(SupportArea(g, 1).set(fh, 2, feet));

  // waypoints: start double support from between the feet, two steps, rest between the feet
  GaitSettings gs;
  gs.step_duration_s = 0.4;
  gs.double_support_ratio = 0.25;
  gs.initial_double_support_s = 0.3;
  CopPlan cp(gs, g, 4);
  const int K = cp.waypoints(0.9, fh, 2, feet, std::nullopt);
  CHECK(K == 6);  // the second liftoff replaces the double support's end
  CHECK_NEAR(cp.times()[0], 0.7, 1e-15);  // liftoff - start double support
  CHECK_NEAR(cp.times()[1], 1.0, 1e-15);
  CHECK((cp.cops()[1] - g.centre_at(feet[kRight])).norm() < 1e-15);
  CHECK_NEAR(cp.times()[5], 1.7 + 0.1, 1e-15);
  const Eigen::Vector2d rest =
      0.5 * (g.centre_at({fh[0].position, 0.0}) + g.centre_at({fh[1].position, 0.0}));
  CHECK((cp.cops()[5] - rest).norm() < 1e-15);
  CHECK_THROWS(cp.waypoints(0.9, fh, 5, feet, std::nullopt));

  // anchor: unclipped, the DCM plan over the anchored waypoints starts at the measured DCM
  sa.set(fh, 2, feet);
  const double w = omega_for(0.9);
  ComPlan plan(32);
  plan.plan(cp.times(), cp.cops(), K, Eigen::Vector2d::Zero(), Eigen::Vector2d::Zero(), w);
  const Eigen::Vector2d dcm = plan.sample(0.9).dcm + Eigen::Vector2d(0.002, -0.001);
  CHECK(cp.anchor(0.9, dcm, w, sa));
  plan.plan(cp.anchored_times(), cp.anchored_cops(), cp.anchored_size(), dcm,
            Eigen::Vector2d::Zero(), w);
  CHECK((plan.sample(0.9).dcm - dcm).norm() < 1e-12);
  CHECK(!cp.anchor(0.98, dcm, w, sa));  // less than 0.05 s before the next waypoint

  // DCM law on the plan with the measured DCM on it: the plan's own acceleration
  const ComSample s = plan.sample(0.95);
  const Eigen::Vector2d a = dcm_law(0.95, s.com, s.vcom, plan, w, 2.0, sa);
  CHECK((a - s.acom).norm() < 1e-9);

  // capture state: the base velocity is the commanded one, the base height kept
  const CaptureState st = capture_state(1.1, Eigen::Vector3d(0.0, 0.0, 1.0), s.com, s.vcom, feet,
                                        0.0, {0.4, 0.0, 0.0}, kLeft, 1.0, 1.3, gs, g, w);
  CHECK_NEAR(st.base_velocity[0], 0.4, 1e-15);
  CHECK_NEAR(st.base_position[2], 1.0, 0.0);
  return TEST_MAIN_RETURN();
}
