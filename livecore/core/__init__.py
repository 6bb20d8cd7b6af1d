"""Pure logic of the gateway: no I/O, clocks injected, tested with plain function calls."""
