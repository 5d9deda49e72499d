"""CKV_DLP_21 - A Manual approval stage precedes every production deploy stage of a pipeline.

Why: production releases need an explicit human decision. A production deploy stage (see
dlp_base.is_production_deploy_stage) is one with a Deploy action whose stage or action name says
"prod", or a CodeDeployToECS action not named for a non-production environment (staging, dev, test,
qa, sandbox, preprod); an earlier stage must hold an Approval/Manual action.
"""

from dlp_base import PASSED, ProductionDeployStageCheck


class CodePipelineApprovalBeforeProduction(ProductionDeployStageCheck):
    """An earlier stage must contain a Manual Approval action."""

    ID = "CKV_DLP_21"
    NAME = "Ensure CodePipeline production deploy stages are preceded by a Manual approval"

    def evaluate_stage(self, index, stages):
        for _, actions in stages[:index]:
            if any(a.get("category") == "Approval" and a.get("provider") == "Manual" for a in actions):
                return PASSED
        return self.fail(f"stage '{stages[index][0]}' deploys to production without an earlier Manual approval")


check = CodePipelineApprovalBeforeProduction()
