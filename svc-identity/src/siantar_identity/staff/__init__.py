"""Staff accounts: invitations, roles per OPD, second factor enrolment, disabling; supervisors' officers."""
