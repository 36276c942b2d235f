"""Atomic report files: the one helper lives in :mod:`concepts.files`."""

from __future__ import annotations

from concepts.files import atomic_path, atomic_write, file_mode

__all__ = ["atomic_path", "atomic_write", "file_mode"]
