//! Trial evaluation: command pipelines, the embedded Python shim, and model adapters.
