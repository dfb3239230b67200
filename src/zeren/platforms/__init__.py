"""Platforms of the group, their yearly figures and the tier test of 附则(4)."""
