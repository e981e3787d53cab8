"""How /static is served: cache lifetimes by whether a URL names its version."""
