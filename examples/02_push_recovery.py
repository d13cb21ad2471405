"""Stand, get pushed sideways, recover: the whole-body QP balancing H1 in MuJoCo."""

from cerebellum.sim.scenario import load_scenario
from cerebellum.sim.simulation import Simulation

scenario = load_scenario("push-stand", ["scenario.duration_s=4.0", "push.0.impulse_Ns=[0, 15, 0]"])
result = Simulation(scenario, robot="h1", seed=0, controller="wbc").run()
print("fell:", result.fell, " success:", result.success)
print("pushes:", [(p["t_s"], p["impulse_Ns"]) for p in result.pushes])
print("WBC failures:", result.controller_stats.get("failures"))
