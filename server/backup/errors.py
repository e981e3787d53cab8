class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message (Chinese / English) says why, and
    nothing was changed."""
