"""Where cases are kept: atomic files and locks, the case store and its index, case files in and out,
and the one writer that saves an open case."""
