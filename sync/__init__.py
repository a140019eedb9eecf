"""The device side of sync: the engine that pushes the outbox and pulls pages, its runner, and the transport."""
