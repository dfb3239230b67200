"""Gig workers (平台灵活就业人员, 指南 第三十条): the register, dispatch logs, working-time and
pay checks."""
