"""State one test can leave behind for the next: a socket it forgot to close."""

open_socket = None
