"""九龙湖院区: dictionary sync with the campus HIS and the business exports (门诊挂号信息, 在院患者信息)."""
