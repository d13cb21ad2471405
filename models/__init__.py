"""Robot configuration files shipped with Cerebellum (one TOML file per robot)."""
