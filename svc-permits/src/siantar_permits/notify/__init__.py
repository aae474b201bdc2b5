"""Messages to applicants through identity's notify endpoint (this service holds no phone or e-mail)."""
