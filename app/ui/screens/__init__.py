"""One module per screen. Each exposes a ``..._view(ctx, ...)`` function that returns the screen's control."""
