"""Jupyter display for mfgcanon values.

The model's structs carry no presentation code (``mfgcanon.v1`` is the schema), so Jupyter shows an entity
or an event as its ``repr``. ``mfgcanon.notebook.enable()`` registers an HTML formatter for every
``msgspec.Struct`` in the running IPython: entities and events render as field/value tables, their lines as
nested tables. Structs with a ``_repr_html_`` of their own (a compatibility report) keep it. Mapping results
and reports render as tables without it. One value at a time: ``mfgcanon.frames.show(obj)``.

    >>> import mfgcanon.notebook
    >>> mfgcanon.notebook.enable()
    True
"""

from __future__ import annotations

from typing import Any

import msgspec

from mfgcanon import _html

__all__ = ["disable", "enable", "struct_html"]


def struct_html(obj: Any) -> str:
    """The HTML IPython shows for a struct: its own ``_repr_html_`` where it has one, else a field table."""
    return _html.Display(obj)._repr_html_()


def _shell(shell: Any) -> Any:
    if shell is not None:
        return shell
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def enable(shell: Any = None) -> bool:
    """Render every struct as a table in this IPython session; False (and nothing done) outside IPython."""
    ip = _shell(shell)
    if ip is None:
        return False
    ip.display_formatter.formatters["text/html"].for_type(msgspec.Struct, struct_html)
    return True


def disable(shell: Any = None) -> bool:
    """Undo :func:`enable`; False outside IPython."""
    ip = _shell(shell)
    if ip is None:
        return False
    ip.display_formatter.formatters["text/html"].pop(msgspec.Struct, None)
    return True
