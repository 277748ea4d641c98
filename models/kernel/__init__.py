"""A simulated kernel with AF_UNIX stream sockets, for models of IPC between processes.

Invariant: a socket is released only when its last reference goes (fd-table entries, in-flight
syscalls, a place in an accept queue), and only release or ``shutdown`` reaches the peer.

Usage: ``kernel = Kernel(buffer_size=256)``; ``proc = kernel.process("backend")``; then, from
modelled tasks, ``fd = await proc.socket()``, ``bind``, ``listen``, ``accept``, ``connect``,
``read``, ``write``, ``shutdown``, ``close``, ``unlink``, ``wait_readable``; ``proc.exit()``
is process death. Errors are real ``OSError``s (EBADF, ENOENT, ECONNREFUSED, EPIPE,
ECONNRESET, ENOTCONN, EINVAL, EISCONN, EADDRINUSE). Observation is plain data:
``kernel.live_sockets()``, ``kernel.socket_info(id)``, ``kernel.socket_for(proc, fd)``,
``kernel.peer_of(id)``, ``kernel.names()`` return :class:`SocketInfo` records and ids.

One deliberate departure from Linux: ``shutdown`` on a socket that was never connected (fresh
or listening) raises ENOTCONN, as POSIX and Darwin do; Linux's AF_UNIX returns 0 there.
"""

from models.kernel.fdtable import FIRST_FD
from models.kernel.kernel import Kernel
from models.kernel.process import Process
from models.kernel.sockets import SocketInfo

__all__ = ["FIRST_FD", "Kernel", "Process", "SocketInfo"]
