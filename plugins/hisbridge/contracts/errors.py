"""What can go wrong with a database contract.

::

    ValueError
     └── ContractError   the declaration does not make a valid contract (a name, a type, a missing dialect)
    RuntimeError
     └── InstallError    objects or the reader account could not be installed; never carries a password
"""

from __future__ import annotations


class ContractError(ValueError):
    """The declaration (or a site's overrides of it) does not make a valid contract."""


class InstallError(RuntimeError):
    """The contract's objects or its reader account could not be installed."""
