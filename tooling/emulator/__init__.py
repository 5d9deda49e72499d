"""The local AWS emulator (moto) as a managed process, its in-process patches and the configuration overlay."""
