"""CKV_DLP_22 - No pipeline deploys to production straight from its Source stage.

Why: production must receive artifacts that went through a Build stage (build, tests, image scan),
never raw source output; so a Build action must sit in a stage between Source and the production
deploy stage.
"""

from dlp_base import PASSED, ProductionDeployStageCheck


class CodePipelineBuildBeforeProduction(ProductionDeployStageCheck):
    """A stage after the last Source stage and before the deploy stage must contain a Build action."""

    ID = "CKV_DLP_22"
    NAME = "Ensure CodePipeline production deploy stages are preceded by a Build stage after Source"

    def evaluate_stage(self, index, stages):
        source_indexes = [
            i for i, (_, actions) in enumerate(stages[:index]) if any(a.get("category") == "Source" for a in actions)
        ]
        after_source = stages[(max(source_indexes) + 1 if source_indexes else 0) : index]
        if any(a.get("category") == "Build" for _, actions in after_source for a in actions):
            return PASSED
        return self.fail(f"stage '{stages[index][0]}' deploys to production without a Build stage after Source")


check = CodePipelineBuildBeforeProduction()
