// Validate Argo CD custom resources against the upstream CRD schemas.
// stdin: a JSON array of manifests. stdout: a JSON array with one list of error strings per manifest.
// The schemas come from @kubernetes-models/argo-cd (package.json pins the version; its package.json names
// the argoproj/argo-cd CRD files it was generated from), not from this project.
"use strict";

const models = require("@kubernetes-models/argo-cd/argoproj.io/v1alpha1");

function errors(manifest) {
  const Model = Object.values(models).find((model) => typeof model.is === "function" && model.is(manifest));
  if (!Model) {
    return [`no Argo CD schema for ${manifest.apiVersion}/${manifest.kind}`];
  }
  try {
    new Model(manifest).validate();
    return [];
  } catch (error) {
    if (!Array.isArray(error.errors)) throw error;
    return error.errors.map((e) => `${e.instancePath || "/"}: ${e.message}`);
  }
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  process.stdout.write(JSON.stringify(JSON.parse(input).map(errors)));
});
