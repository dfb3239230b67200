"""Data governance (指南 第四条、第十八条、第二十六条): the data inventory classified 核心/重要/一般 by
rules in data, processing activities and their reviews, cross-border transfers, important-data
officers, trainings and catalogues, and consent with the merge gate."""
