import { loadEnvironmentsOrExit, UploadPlatformStack } from './modules';
import { ruleContextFor, synthesizeCheckedOrExit } from './modules/security-rules';

// Every environment is validated before any stack is built, so bad input writes no cdktf.out.
const environments = loadEnvironmentsOrExit(__dirname);

// Stacks are synthesized into a staging folder and the security rules run over every cdk.tf.json;
// only if none reports an error is the output published to cdktf.out (or the CLI's --output).
// A rule error, or `cdktf synth --hcl`, exits 1 with nothing written.
synthesizeCheckedOrExit(
  (app) => {
    for (const environment of environments) {
      for (const warning of environment.warnings) console.warn(`warning: ${warning}`);
      new UploadPlatformStack(app, { environment });
    }
  },
  { contexts: environments.map(ruleContextFor) },
);
