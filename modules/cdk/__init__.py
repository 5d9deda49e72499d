"""cdktf machinery: the one import of the core library, and deferred provider-binding loading."""
