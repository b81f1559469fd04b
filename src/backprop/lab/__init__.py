"""The lab: the handout's data, presets and ``Config`` (config.build_*), the CNN,
plots and ``pack``. Imports nn, optim, train; never experiments, report or cli."""
