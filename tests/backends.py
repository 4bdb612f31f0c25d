"""Backend names for the tests' parametrisation, from the registry (one source).

``SIMULATORS``: every backend that simulates on the CPU of the test process (CUDA is
checked separately, under numba's CUDA simulator in a subprocess: ``tests/test_gpu.py``
and ``tests/gpu_sim_cases.py``). ``TRAINERS``: every backend that computes gradients.
"""
from erpsim.engine import registry

#: Backends whose kernels run in the test process itself (not the GPU).
IN_PROCESS = tuple(name for name in registry.names() if name != "cuda")
SIMULATORS = IN_PROCESS
TRAINERS = registry.names(trains=True)
