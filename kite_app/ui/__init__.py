"""Pages and their states. Handlers parse input, call one service, set vars."""
