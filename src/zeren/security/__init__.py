"""Network security (指南 第二十五条、第二十七条): systems with their 等级保护 level, incident
plans and drills, security incidents graded by criteria in data with the reporting clocks of
国家网络安全事件报告管理办法, and personal-data breaches with the notices 个保法 第五十七条 asks for."""
