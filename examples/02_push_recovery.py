"""Stand, get pushed, recover: H1 balancing on the whole-body QP (``walk`` controller), which
absorbs a 15 N·s sideways push in place and takes steps to catch a 30 N·s forward one."""

from cerebellum.sim.scenario import load_scenario
from cerebellum.sim.simulation import Simulation

pushes = ["push.0.impulse_Ns=[0, 15, 0]", "push.1.impulse_Ns=[30, 0, 0]", "push.1.t_s=3.0"]
scenario = load_scenario("push-stand", ["scenario.duration_s=5.0", *pushes])
result = Simulation(scenario, robot="h1", seed=0).run()
print("fell:", result.fell, " success:", result.success)
print("pushes:", [(p["t_s"], p["impulse_Ns"]) for p in result.pushes])
print("stepping episodes started by a push:", result.controller_stats.get("push_steps"))
print("WBC failures:", result.controller_stats.get("failures"))
