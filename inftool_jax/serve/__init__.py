"""HTTP servers: the OpenAI-compatible chat server over the in-JAX sampler, and a fault-injecting proxy."""
