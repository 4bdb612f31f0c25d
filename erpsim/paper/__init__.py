"""Studies of the published papers: Fig. 2 of Laszlo & Armstrong (2014)
(:mod:`~erpsim.paper.fig2`, its shared pipeline :mod:`~erpsim.paper.pipeline`), the
calibration of the alpha model against it (:mod:`~erpsim.paper.calibration`) and the
targets a calibrated model must meet (:mod:`~erpsim.paper.targets`), and the
training-time calibration that screens training protocols against them
(:mod:`~erpsim.paper.training_calibration`)."""
