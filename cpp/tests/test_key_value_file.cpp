// KeyValueFile and the controller file of `cerebellum export`: values, errors naming the key.
#include <cmath>
#include <stdexcept>
#include <string>

#include "cerebellum/key_value_file.hpp"
#include "cerebellum/standing_controller.hpp"
#include "check.hpp"

using namespace cerebellum;

namespace {
bool throws_with(const std::string& text, const std::string& what) {
  try {
    standing_controller_config(KeyValueFile::parse(text, "c.txt"), "/d");
  } catch (const std::invalid_argument& e) {
    const bool ok = std::string(e.what()).find(what) != std::string::npos;
    if (!ok) std::fprintf(stderr, "message: %s\n", e.what());
    return ok;
  }
  return false;
}

std::string controller_file() {
  std::string t =
      "# comment\nformat 1\ncontroller wbc\nmodel robot.xml\nframes l r base\nnq 9\nnv 8\n"
      "q_stand 0 0 1 0 0 0 1 0.5 -0.5\ncontacts 1\ncontact.0.frame l\ncontact.0.offset 0 0 0\n"
      "contact.0.rotation 1 0 0 0 1 0 0 0 1\ncontact.0.x_back 0.1\ncontact.0.x_front 0.12\n"
      "contact.0.y_right 0.03\ncontact.0.y_left 0.04\ncontact.0.mu 0.8\ncontact.0.fz_min 5\n"
      "contact.0.fz_max inf\ncontact.0.yaw_coeff inf\ncontact.0.free_roll 1\n"
      "wbc.base_frame base\nwbc.hand_frames\nwbc.torque_limit 10 20\nwbc.joint_damping 1 2\n"
      "wbc.joint_friction\nwbc.friction_velocity 0.2\nwbc.w_momentum 1 2 3 4 5 6\n"
      "wbc.w_swing 1 1 1 1 1 1\nwbc.w_hand 0 0 0 0 0 0\nwbc.max_iter 200\n";
  for (const char* k :
       {"w_base_orientation", "w_posture", "w_reg_vdot", "w_reg_wrench", "w_wrench_ff", "kp_com",
        "kd_com", "kd_angular_momentum", "k_dcm", "cmp_margin", "kp_base", "kd_base", "kp_swing",
        "kd_swing", "kp_posture", "kd_posture", "kp_hand", "kd_hand", "kd_contact",
        "contact_weight", "eps_abs", "eps_rel", "fallback_decay", "fallback_damping"})
    t += std::string("wbc.") + k + " 0.125\n";
  return t;
}

std::string replace(std::string s, const std::string& a, const std::string& b) {
  const auto i = s.find(a);
  if (i != std::string::npos) s.replace(i, a.size(), b);
  return s;
}
}  // namespace

int main() {
  const KeyValueFile f = KeyValueFile::parse("a 1.5 # c\nb x\nn none\nv 1 inf -2e-3\ne\n", "t");
  CHECK(f.number("a") == 1.5);
  CHECK(f.string("b") == "x");
  CHECK(std::isnan(f.optional_number("n")));
  const Eigen::VectorXd v = f.vector("v", 3);
  CHECK(v[0] == 1 && std::isinf(v[1]) && v[2] == -2e-3);
  CHECK(f.values("e").empty());
  CHECK(f.vector("e").size() == 0);
  CHECK_THROWS(f.number("b"));
  CHECK_THROWS(f.vector("v", 2));
  CHECK_THROWS(f.integer("a", 0, 10));
  CHECK_THROWS(f.string("missing"));
  CHECK_THROWS(KeyValueFile::parse("a 1\na 2\n", "t"));
  CHECK_THROWS(KeyValueFile::load("/nonexistent/file.txt"));
  const KeyValueFile g = KeyValueFile::parse("a 1\nb 2\n", "t");
  g.number("a");
  CHECK_THROWS(g.check_all_used());

  // A complete controller file: values land in their fields, paths resolve against the folder.
  const StandingControllerConfig c =
      standing_controller_config(KeyValueFile::parse(controller_file(), "c.txt"), "/d");
  CHECK(c.model_path == "/d/robot.xml");
  CHECK(c.frames.size() == 3 && c.frames[2] == "base");
  CHECK(c.q_stand.size() == 9 && c.q_stand[7] == 0.5);
  CHECK(c.wbc.contacts.size() == 1);
  CHECK(c.wbc.contacts[0].x_front == 0.12 && c.wbc.contacts[0].y_left == 0.04);
  CHECK(c.wbc.contacts[0].free_roll && std::isinf(c.wbc.contacts[0].fz_max));
  CHECK(c.wbc.base_frame == "base" && c.wbc.hand_frames.empty());
  CHECK(c.wbc.torque_limit.size() == 2 && c.wbc.torque_limit[1] == 20);
  CHECK(c.wbc.joint_damping.size() == 2 && c.wbc.joint_friction.size() == 0);
  CHECK(c.wbc.w_momentum[5] == 6 && c.wbc.max_iter == 200);
  CHECK(c.wbc.kp_com == 0.125 && c.wbc.fallback_damping == 0.125);

  // Errors name the file and the key.
  CHECK(throws_with(replace(controller_file(), "wbc.kd_com 0.125\n", ""), "c.txt: key 'wbc.kd_com': missing"));
  CHECK(throws_with(controller_file() + "wbc.kp_typo 1\n", "key 'wbc.kp_typo': unknown key"));
  CHECK(throws_with(replace(controller_file(), "wbc.torque_limit 10 20", "wbc.torque_limit 10"),
                    "key 'wbc.torque_limit': expected 2 numbers"));
  CHECK(throws_with(replace(controller_file(), "controller wbc", "controller walk"),
                    "key 'controller': expected 'wbc'"));
  CHECK(throws_with(replace(controller_file(), "contact.0.mu 0.8", "contact.0.mu high"),
                    "key 'contact.0.mu': expected a number"));
  return TEST_MAIN_RETURN();
}
