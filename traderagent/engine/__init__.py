"""The engine: bot runtime, orchestrator, execution. Reaches storage and venues via protocols."""
