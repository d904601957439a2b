import * as path from 'node:path';
import { CiAccessStack, loadAccountsOrExit, loadEnvironmentsOrExit, UploadPlatformStack } from './modules';
import { accountRuleContext, ruleContextFor, synthesizeCheckedOrExit } from './modules/security-rules';

// Every environment and account is validated before any stack is built, so bad input writes no cdktf.out.
// The project root: this file's folder, or its parent when running compiled from dist/.
const root = path.basename(__dirname) === 'dist' ? path.dirname(__dirname) : __dirname;
const environments = loadEnvironmentsOrExit(root);
const accounts = loadAccountsOrExit(root, environments);

// Stacks are synthesized into a staging folder and the security rules run over every cdk.tf.json;
// only if none reports an error is the output published to cdktf.out (or the CLI's --output).
// A rule error, or `cdktf synth --hcl`, exits 1 with nothing written.
synthesizeCheckedOrExit(
  (app) => {
    for (const environment of environments) {
      for (const warning of environment.warnings) console.warn(`warning: ${warning}`);
      new UploadPlatformStack(app, { environment });
    }
    for (const account of accounts) new CiAccessStack(app, { account });
  },
  { contexts: [...environments.map(ruleContextFor), ...accounts.map(accountRuleContext)] },
);
