"""People: citizens, staff of each OPD, and guest reporters; contacts, passwords, second factors."""
