"""Progbar: the Keras text progress bar, with running averages and an ETA."""
import sys
import time

import numpy as np

from .io_utils import is_interactive_logging_enabled, logger


class Progbar:
    """Displays a progress bar, as tf-keras's `Progbar`.

    `target` is the number of steps (None if unknown); `verbose` 0 is silent,
    1 draws a bar, 2 prints one line when the target is reached.  Values
    passed to `update` are averaged over the steps they cover, except those
    named in `stateful_metrics`, shown as given.  On a terminal (or in a
    notebook) verbose 1 redraws one line with '\\r' at most every `interval`
    seconds; on any other stream (a file, a pipe, a CI log) it writes a plain
    line only when the bar is finalized.  `stream` defaults to the current
    `sys.stdout`.  With interactive logging disabled
    (`fastgraph.utils.disable_interactive_logging()`), the lines a bar would
    end go to the 'fastgraph' logger instead.
    """

    def __init__(self, target, width=30, verbose=1, interval=0.05,
                 stateful_metrics=None, unit_name="step", stream=None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics else set()
        self.stream = stream
        self._total_width = 0
        self._seen_so_far = 0
        self._values = {}
        self._start = time.time()
        self._last_update = 0.0
        self._time_at_epoch_start = self._start
        self._time_at_epoch_end = None
        self._time_after_first_step = None

    def _out(self):
        return self.stream if self.stream is not None else sys.stdout

    def _dynamic_display(self, out):
        isatty = getattr(out, "isatty", None)
        if isatty is not None and isatty():
            return True
        return out is sys.stdout and "ipykernel" in sys.modules

    def update(self, current, values=None, finalize=None):
        """Move the bar to step `current`, given `(name, value)` pairs for it.

        `finalize` defaults to `current >= target`; a finalized bar ends its
        line.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        if isinstance(values, dict):
            values = values.items()
        for k, v in values or ():
            if k not in self.stateful_metrics:
                # When no target was known, on_batch_end and on_epoch_end may
                # report the same step; count at least one step.
                base = max(current - self._seen_so_far, 1)
                if k in self._values and isinstance(self._values[k], list):
                    self._values[k][0] += v * base
                    self._values[k][1] += base
                else:
                    self._values[k] = [v * base, base]
            else:
                self._values[k] = v
        self._seen_so_far = current

        now = time.time()
        if current == self.target:
            self._time_at_epoch_end = now
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            self._write_bar(current, now, finalize)
        elif self.verbose == 2 and finalize:
            self._write_summary(current, now)
        self._last_update = now

    def add(self, n, values=None):
        """Advance the bar by `n` steps."""
        self.update(self._seen_so_far + n, values)

    def _emit(self, out, text):
        if is_interactive_logging_enabled():
            out.write(text)
            out.flush()
        else:
            logger.info(text.strip("\b\r\n"))

    def _write_bar(self, current, now, finalize):
        out = self._out()
        dynamic = self._dynamic_display(out) and is_interactive_logging_enabled()
        if not dynamic and not finalize:
            return
        prev_total_width = self._total_width
        message = "\b" * prev_total_width + "\r" if dynamic else ""
        if self.target is not None:
            numdigits = len(str(int(self.target)))
            bar = f"{current:{numdigits}d}/{self.target} ["
            prog_width = int(self.width * current / self.target) if self.target else self.width
            if prog_width > 0:
                bar += "=" * (prog_width - 1)
                bar += ">" if current < self.target else "="
            bar += "." * (self.width - prog_width)
            bar += "]"
        else:
            bar = f"{current:7d}/Unknown"
        self._total_width = len(bar)
        message += bar

        time_per_unit = self._estimate_step_duration(current, now)
        if self.target is None or finalize:
            info = f" - {now - self._start:.0f}s" + _format_time(time_per_unit, self.unit_name)
        else:
            eta = time_per_unit * (self.target - current)
            if eta > 3600:
                eta_format = "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
            elif eta > 60:
                eta_format = "%d:%02d" % (eta // 60, eta % 60)
            else:
                eta_format = "%ds" % eta
            info = f" - ETA: {eta_format}"
        info += self._format_values()
        self._total_width += len(info)
        if dynamic and prev_total_width > self._total_width:
            info += " " * (prev_total_width - self._total_width)
        if finalize:
            info += "\n"
        self._emit(out, message + info)

    def _write_summary(self, current, now):
        if self.target is not None:
            numdigits = len(str(int(self.target)))
            info = f"{current:{numdigits}d}/{self.target}"
        else:
            info = f"{current}"
        info += f" - {now - self._start:.0f}s" + self._format_values()
        if self._time_at_epoch_end:
            time_per_epoch = self._time_at_epoch_end - self._time_at_epoch_start
            self._time_at_epoch_start = now
            self._time_at_epoch_end = None
            info += " -" + _format_time(time_per_epoch, "epoch")
            if self.target:
                info += " -" + _format_time(time_per_epoch / self.target, self.unit_name)
        self._emit(self._out(), info + "\n")

    def _format_values(self):
        info = ""
        for k, v in self._values.items():
            avg = v[0] / max(1, v[1]) if isinstance(v, list) else v
            try:
                avg = float(np.mean(avg))
            except (TypeError, ValueError):
                info += f" - {k}: {avg}"
                continue
            info += f" - {k}: {avg:.4f}" if abs(avg) > 1e-3 else f" - {k}: {avg:.4e}"
        return info

    def _estimate_step_duration(self, current, now):
        # The first step (graph set-up, allocations) is left out of the
        # estimate once later steps are available.
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            time_per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            time_per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return time_per_unit


def _format_time(time_per_unit, unit_name):
    if time_per_unit >= 1 or time_per_unit == 0:
        return f" {time_per_unit:.0f}s/{unit_name}"
    if time_per_unit >= 1e-3:
        return f" {time_per_unit * 1e3:.0f}ms/{unit_name}"
    return f" {time_per_unit * 1e6:.0f}us/{unit_name}"
