"""The 九龙湖 campus HIS as the demo and the tests build it (connection ``jiulonghu_his``)."""
