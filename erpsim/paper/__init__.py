"""Studies of the published papers: Fig. 2 of Laszlo & Armstrong (2014) and the
calibration of the alpha model against it.

- :mod:`erpsim.paper.pipeline` -- the repetition pipeline (alpha model and control:
  simulation, FWHM window, window means, spectra, statistics) shared by Fig. 2 and
  every sweep point;
- :mod:`erpsim.paper.fig2` -- Fig. 2's numbers and tables;
- :mod:`erpsim.paper.calibration` -- scoring against the published words curves and
  the test-time searches.
"""
