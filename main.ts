import * as path from 'node:path';
import { loadEnvironmentsOrExit, UploadPlatformStack } from './modules';
import { ruleContextFor, synthesizeChecked } from './modules/security-rules';

// Every environment is validated before any stack is built, so bad input writes no cdktf.out.
// The project root: this file's folder, or its parent when running compiled from dist/.
const root = path.basename(__dirname) === 'dist' ? path.dirname(__dirname) : __dirname;
const environments = loadEnvironmentsOrExit(root);

// Stacks are synthesized into a staging folder and the security rules run over every cdk.tf.json;
// only if none reports an error is the output published to cdktf.out (or the CLI's --output).
const result = synthesizeChecked(
  (app) => {
    for (const environment of environments) {
      for (const warning of environment.warnings) console.warn(`warning: ${warning}`);
      new UploadPlatformStack(app, { environment });
    }
  },
  { contexts: environments.map(ruleContextFor) },
);
if (!result.published) process.exit(1);
