//! Goodness-of-fit metrics (KGE, NSE, ...) and time-series alignment.
