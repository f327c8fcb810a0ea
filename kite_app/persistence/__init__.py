"""Tables, sessions and queries. Queries return plain data, never rows bound to a session."""
