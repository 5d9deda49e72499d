"""The delivery constructs: image repository, build projects, pipeline, artifact store, package repositories."""
