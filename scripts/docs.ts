/**
 * Regenerates the documentation that is made from code: `npm run docs`.
 *
 *   modules/security-rules/README.md   the rule catalogue, from ALL_RULES (id, level, what, why, fix, source)
 *
 * `__tests__/docs.test.ts` fails when a generated section is stale.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withRuleCatalogue } from '../modules/security-rules';

const README = path.join(__dirname, '..', 'modules', 'security-rules', 'README.md');
const before = fs.readFileSync(README, 'utf8');
const after = withRuleCatalogue(before);
if (after !== before) fs.writeFileSync(README, after);
console.log(`${path.relative(process.cwd(), README)}: ${after === before ? 'up to date' : 'rule catalogue regenerated'}`);
