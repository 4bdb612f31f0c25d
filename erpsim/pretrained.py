"""Deprecated alias of :mod:`erpsim.model.pretrained` (moved in 0.2; removed in the next release)."""
from erpsim.utils.deprecation import moved_module

moved_module(__name__, "erpsim.model.pretrained")
