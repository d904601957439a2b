/**
 * The security rules alone, without publishing anything: `npm run check`.
 *
 * Every environment (and CI access account) is synthesized into a temporary folder, every rule runs over its cdk.tf.json,
 * each finding is printed as main.ts prints it, then one summary row per environment. Exits 1 when
 * any rule reports an error (or the configuration is invalid).
 */
import * as path from 'node:path';
import { CiAccessStack, loadAccountsOrExit, loadEnvironmentsOrExit, UploadPlatformStack } from '../modules';
import { accountRuleContext, formatSummary, ruleContextFor, synthesizeChecked } from '../modules/security-rules';

const root = path.join(__dirname, '..');
const environments = loadEnvironmentsOrExit(root);
const accounts = loadAccountsOrExit(root, environments);

const result = synthesizeChecked(
  (app) => {
    for (const environment of environments) new UploadPlatformStack(app, { environment });
    for (const account of accounts) new CiAccessStack(app, { account });
  },
  { contexts: [...environments.map(ruleContextFor), ...accounts.map(accountRuleContext)], publish: false },
);
console.log(`\n${formatSummary(result.reports)}`);
process.exit(result.errorCount > 0 ? 1 : 0);
