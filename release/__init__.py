"""The release model: one source for the task definition, appspec, buildspec and deployment configs.

Pure Python (no cdktf): the constructs and the generated release files read the same objects."""
