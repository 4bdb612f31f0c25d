"""The parameters of the model's dynamics as one object, and the envelope's one spelling.

:class:`Dynamics` gathers what every backend (simulation and training gradients) needs
besides the weights, inputs and schedule: built once per run by
:meth:`Dynamics.from_network`, passed whole to the backends; only the compiled entry
points unpack it, right before the kernel call.

:func:`resolve_envelope` is the single place where the public ``envelope=`` arguments
are interpreted: ``None`` is "no envelope" (the ERP model), :data:`CONFIG` (the string
``"config"``) is "the network's configured envelope", and an
:class:`~erpsim.model.config.Envelope` is used as given.
"""
import math
from dataclasses import dataclass

import numpy as np

from erpsim.model.config import Envelope
from erpsim.utils.deprecation import warn_moved

#: ``envelope=CONFIG``: use the envelope of the network's configuration (may be None).
CONFIG = "config"


def resolve_envelope(network, envelope):
    """The envelope a run uses, from a public ``envelope=`` argument.

    Parameters
    ----------
    network : Network
        Its ``config.envelope`` is the configured envelope.
    envelope : Envelope, None or "config"
        ``None``: no envelope (the ERP model, the control); ``"config"``
        (:data:`CONFIG`): ``network.config.envelope`` (None if it has none); an
        :class:`~erpsim.model.config.Envelope`: that one. ``False`` is a deprecated
        spelling of ``None``.

    Returns
    -------
    Envelope or None

    Raises
    ------
    TypeError
        For any other value.
    """
    if envelope is False:
        warn_moved("envelope=False", "envelope=None (no envelope)", stacklevel=4)
        return None
    if envelope is None or isinstance(envelope, Envelope):
        return envelope
    if isinstance(envelope, str) and envelope == CONFIG:
        return network.config.envelope
    raise TypeError(f"envelope must be an Envelope, None (no envelope) or {CONFIG!r} (the "
                    f"network's configured one), got {envelope!r}")


def unit_dynamics(config, arch):
    """The per-unit integration options of ``config`` on the units of ``arch``.

    Parameters
    ----------
    config : ModelConfig
        Gives ``integration``, ``dt``/``dt_groups``, ``init_net``/``init_output``.
    arch : Architecture
        The unit groups (``groups``, ``slices``, ``n_units``).

    Returns
    -------
    dict
        ``dt_unit``, ``output_integration``, ``init_net_unit`` and ``init_out_unit``,
        each an array of shape (n_units,) (see :class:`Dynamics`).
    """
    n = arch.n_units
    dt_unit, init_net_unit = np.empty(n), np.full(n, float(config.init_net))
    output = np.zeros(n, dtype=bool)
    init_out_unit = np.full(n, 1.0 / (1.0 + np.exp(-float(config.init_net))))
    for group in arch.groups:
        units = arch.slices[group]
        dt_unit[units] = config.dt_of(group)
        output[units] = config.integration_of(group) == "output"
        start = config.init_output_of(group)
        if start is not None:
            init_out_unit[units] = start
            if not output[units.start]:
                init_net_unit[units] = math.log(start / (1.0 - start))
    return {"dt_unit": dt_unit, "output_integration": output,
            "init_net_unit": init_net_unit, "init_out_unit": init_out_unit}


@dataclass(frozen=True, eq=False)
class Dynamics:
    """Everything the update equations need besides weights, inputs and schedule.

    Attributes
    ----------
    dt : float
        The configuration's integration constant (fraction of a tick); the backends
        use ``dt_unit``.
    gain : float
        Input drive of a letter bit x: ``gain · (2x - 1)`` (soft clamp).
    init_net : float
        The configuration's initial net input; the backends use ``init_net_unit`` and
        ``init_out_unit``.
    hard_clamp : bool
        Input units are set to the letter bits on stimulus ticks instead of driven.
    input_slice : slice
        The input (orthographic) units.
    env_mask : ndarray of bool (n_units,)
        Units that carry the envelope (all False without one).
    env_table : ndarray (n_table,)
        E(0), E(1), ... in the run's dtype, long enough for every clock value a run of
        the given length can reach (one zero without an envelope).
    theta : float
        Envelope threshold θ (0 without an envelope).
    clock_start : int
        Clock value at the crossing of θ (ticks).
    recovery : int
        Ticks below θ that stop a running clock (0: never).
    dt_unit : ndarray (n_units,)
        Integration constant of each unit (default: ``dt`` everywhere; float64).
    output_integration : ndarray of bool (n_units,)
        Units that integrate their output (Lens ``OUT_INTEGR``) instead of their net
        input (default: none); docs/model.md §3.
    init_net_unit : ndarray (n_units,)
        Net input of each unit in the initial state (default: ``init_net``); the
        initial output of an input-integrating unit is σ(init_net_unit).
    init_out_unit : ndarray (n_units,)
        Initial output of each output-integrating unit (default: σ(init_net_unit);
        not used by input-integrating units).
    """

    dt: float
    gain: float
    init_net: float
    hard_clamp: bool
    input_slice: slice
    env_mask: np.ndarray
    env_table: np.ndarray
    theta: float
    clock_start: int
    recovery: int
    dt_unit: np.ndarray = None
    output_integration: np.ndarray = None
    init_net_unit: np.ndarray = None
    init_out_unit: np.ndarray = None

    def __post_init__(self):
        n_units = len(self.env_mask)
        if self.dt_unit is None:
            object.__setattr__(self, "dt_unit", np.full(n_units, float(self.dt)))
        if self.output_integration is None:
            object.__setattr__(self, "output_integration", np.zeros(n_units, dtype=bool))
        if self.init_net_unit is None:
            object.__setattr__(self, "init_net_unit", np.full(n_units, float(self.init_net)))
        if self.init_out_unit is None:
            object.__setattr__(self, "init_out_unit", 1.0 / (1.0 + np.exp(-self.init_net_unit)))

    @classmethod
    def from_network(cls, network, envelope, n_ticks, dtype=np.float64):
        """The dynamics of ``network`` with ``envelope`` for a run of ``n_ticks`` ticks.

        Parameters
        ----------
        network : Network
        envelope : Envelope, None or "config"
            See :func:`resolve_envelope`.
        n_ticks : int
            Length of the run (sizes the envelope table).
        dtype : numpy dtype
            Working precision of the run (of ``env_table``).
        """
        envelope = resolve_envelope(network, envelope)
        config, arch = network.config, network.arch
        if envelope is None:
            env_table, theta, clock_start, recovery = np.zeros(1), 0.0, 0, 0
        else:
            # the largest clock value a run can reach is n_ticks - 1 + clock_start
            env_table = envelope.table(n_ticks + 1 + envelope.clock_start)
            theta, clock_start = envelope.theta, envelope.clock_start
            recovery = envelope.recovery or 0
        return cls(dt=config.dt, gain=config.gain, init_net=config.init_net,
                   hard_clamp=config.clamp == "hard", input_slice=arch.input_slice,
                   env_mask=arch.envelope_mask(envelope),
                   env_table=np.asarray(env_table).astype(dtype), theta=theta,
                   clock_start=int(clock_start), recovery=int(recovery),
                   **unit_dynamics(config, arch))

    @property
    def use_output_integration(self):
        """Whether any unit integrates its output."""
        return bool(np.any(self.output_integration))

    @property
    def use_envelope(self):
        """Whether any unit carries the envelope."""
        return bool(np.any(self.env_mask))

    def as_dict(self):
        """The fields as a dict (the keyword arguments of the former ``dynamics_params``)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}
