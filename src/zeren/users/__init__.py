"""Special groups of users (指南 第三十一条): accounts flagged as minors and the game sessions
and payments the platform sends for them; checks of minor-mode, elderly and accessibility
policies."""
