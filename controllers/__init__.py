"""Controllers: gait, MPC (CasADi problem definition) and whole-body control front-ends."""
