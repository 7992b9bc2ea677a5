//! Coordinator, node agents, persistent slots, start gate, scheduler state machine, wire protocol, launchers.
