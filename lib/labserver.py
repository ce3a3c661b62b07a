"""JupyterLab's server for live widgets: kernel websockets with Nagle's algorithm off.

`make lab`, the browser test and the bench start JupyterLab with
`--ServerApp.kernel_websocket_connection_class=lib.labserver.NoDelayKernelConnection`
(the server's own setting for the class that carries kernel messages to the page).

Tornado's websockets leave Nagle's algorithm on: a small write waits while an earlier one is
unacknowledged, and the page acknowledges late (delayed ACK). A widget's new picture follows the
kernel's "busy" message, so it waited: 31.5 ms from the kernel sending it to the page receiving it,
4.1 ms with TCP_NODELAY (notebook 04's slider, median key press to picture 61 -> 43 ms;
scripts/bench_browser.py --breakdown). Only this server process is affected; nothing in a
notebook's kernel imports this module.
"""

from __future__ import annotations

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

SERVER_OPTION = f"--ServerApp.kernel_websocket_connection_class={__name__}.NoDelayKernelConnection"


class NoDelayKernelConnection(ZMQChannelsWebsocketConnection):
    """The default kernel websocket connection, with TCP_NODELAY set on its socket when it opens."""

    def connect(self):
        self.websocket_handler.set_nodelay(True)
        return super().connect()
