//! The run configuration file (TOML): typed sections with errors that name the key.
