"""The Android side of the IPC model: ``NodeJSIPC`` in every version, and its module.

Invariant: the world reaches the Android client only through :class:`AndroidModule`; the
variants in :data:`ANDROID_VARIANTS` differ only where the real code changed between versions.
"""

from models.ipc.android.module import AndroidModule
from models.ipc.android.versions import ANDROID_VARIANTS

__all__ = ["ANDROID_VARIANTS", "AndroidModule"]
