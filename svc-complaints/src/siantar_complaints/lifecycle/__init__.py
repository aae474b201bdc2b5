"""The lifecycle of a complaint: transitions by role and state, the timeline, followers, ratings, notifications
and the periodic SLA job."""
