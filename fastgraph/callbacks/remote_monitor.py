"""RemoteMonitor: send each epoch's logs to a server over HTTP."""
import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np

from .base import Callback


def _plain(value):
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    return value


class RemoteMonitor(Callback):
    """POSTs `{'epoch': epoch, **logs}` to `root + path` at the end of each
    epoch: as JSON (`send_as_json=True`), or as the JSON text of a form
    field `field`, as tf-keras does.  An unreachable server gives a warning,
    not an error; the standard library sends the request (tf-keras uses
    `requests`)."""

    chief_only = True

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/",
                 field="data", headers=None, send_as_json=False, timeout=10.0):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = dict(headers or {})
        self.send_as_json = bool(send_as_json)
        self.timeout = timeout

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        send.update({k: _plain(v) for k, v in (logs or {}).items()})
        headers = dict(self.headers)
        if self.send_as_json:
            body = json.dumps(send).encode()
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(self.root + self.path, data=body,
                                         headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except (urllib.error.URLError, OSError) as err:
            warnings.warn(f"RemoteMonitor: could not reach the server at "
                          f"{self.root} ({err})", RuntimeWarning, stacklevel=2)
