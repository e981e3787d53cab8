"""Who is asking: passwords, server-side device sessions, CSRF, guards and the login routes."""
