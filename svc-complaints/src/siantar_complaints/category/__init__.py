"""The service catalogue (Open311 service codes): categories, their groups and their extra questions."""
