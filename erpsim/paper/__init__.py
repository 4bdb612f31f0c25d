"""Studies of the published papers: Fig. 2 of Laszlo & Armstrong (2014) and the
calibration of the alpha model against it."""
