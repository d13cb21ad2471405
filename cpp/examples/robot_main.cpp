// Loads a floating-base robot and prints whole-body quantities at the neutral configuration.
// Usage: cerebellum_robot_main <model.xml|model.urdf> [frame ...]
#include <cerebellum/robot.hpp>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <model.xml|model.urdf> [frame ...]\n", argv[0]);
    return 2;
  }
  try {
    const std::vector<std::string> frames(argv + 2, argv + argc);
    cerebellum::Robot robot(argv[1], frames);
    // Neutral configuration: base at the origin, identity quaternion (xyzw), joints at zero.
    Eigen::VectorXd q = Eigen::VectorXd::Zero(robot.nq());
    q[6] = 1.0;
    Eigen::VectorXd v = Eigen::VectorXd::Zero(robot.nv());
    v[0] = 0.1;  // base moving forward at 0.1 m/s
    const cerebellum::WholeBodyQuantities& w = robot.compute(q, v);

    std::printf("nq %d  nv %d  mass %.4f kg\n", robot.nq(), robot.nv(), robot.mass());
    std::printf("com  [%.5f %.5f %.5f] m\n", w.com.x(), w.com.y(), w.com.z());
    std::printf("vcom [%.5f %.5f %.5f] m/s\n", w.vcom.x(), w.vcom.y(), w.vcom.z());
    std::printf("hg   [%.5f %.5f %.5f | %.5f %.5f %.5f]\n", w.hg[0], w.hg[1], w.hg[2], w.hg[3],
                w.hg[4], w.hg[5]);
    std::printf("M(0,0) %.5f  trace(M) %.5f  nle(2) %.5f N\n", w.M(0, 0), w.M.trace(), w.nle[2]);
    for (std::size_t k = 0; k < frames.size(); ++k) {
      const auto& p = w.frames[k].p;
      std::printf("frame %-24s p [%.5f %.5f %.5f] m\n", frames[k].c_str(), p.x(), p.y(), p.z());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
