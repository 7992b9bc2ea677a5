//! Pure optimisers and samplers (ask/tell): DDS family, uniform, LHS, Sobol, list. No I/O, no clock, no global RNG.
