// RobotState packs the Pinocchio configuration and velocity in the order sim/state.py does.
#include "cerebellum/controller.hpp"
#include "check.hpp"

using namespace cerebellum;

int main() {
  RobotState s = make_state(3);
  s.base.position << 1, 2, 3;
  s.base.quat_xyzw << 0.1, 0.2, 0.3, 0.9;
  s.base.linear_velocity << 4, 5, 6;
  s.base.angular_velocity << 7, 8, 9;
  s.joint_pos << 10, 11, 12;
  s.joint_vel << 13, 14, 15;
  Eigen::VectorXd q(10), v(9);
  s.q(q);
  s.v(v);
  Eigen::VectorXd q_ref(10), v_ref(9);
  q_ref << 1, 2, 3, 0.1, 0.2, 0.3, 0.9, 10, 11, 12;
  v_ref << 4, 5, 6, 7, 8, 9, 13, 14, 15;
  CHECK(q == q_ref);
  CHECK(v == v_ref);
  CHECK(!s.has_base);
  return TEST_MAIN_RETURN();
}
