//! Pack environments, executables and data into one archive; stage it to node-local storage once per node.
