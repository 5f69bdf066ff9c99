"""A local chat-robot webhook receiver acting as 企业微信 and 钉钉 群机器人: validates each post as the robot does and
records it (see README.md)."""
