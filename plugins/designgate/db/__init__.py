"""The database design made executable: verification on a real PostgreSQL."""


class Interrupted(BaseException):
    """SIGTERM or SIGHUP during ``db verify``: raised in the main thread so that every
    ``finally`` of the run cleans up (SIGINT raises KeyboardInterrupt already)."""

    def __init__(self, signum: int) -> None:
        import signal

        super().__init__(signal.Signals(signum).name)
        self.signum = signum
