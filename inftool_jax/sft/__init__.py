"""Cold-start SFT: masked next-token loss on assistant tokens, on the shared step machinery (inftool_jax.train)."""
