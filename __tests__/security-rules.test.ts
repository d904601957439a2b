import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEnvironment } from '../modules/environment-config';
import {
  ACKNOWLEDGEABLE_RULE_IDS,
  ALL_RULES,
  Finding,
  formatResult,
  formatSummary,
  RuleContext,
  ruleContextFor,
  RULE_IDS,
  runRules,
  SecurityRule,
  StackJson,
  synthesizeChecked,
} from '../modules/security-rules';
import { UploadPlatformStack } from '../modules/upload-platform-stack';
import { generatedConfig, inMemoryEnvironment } from './helpers/generated-environment';
import { editableCopy, fixtureEnvironment, REPO_ROOT, RULE_FIXTURES_DIR, repositoryEnvironments, synthEnvironment, synthFixture, synthLoaded, TEST_NOW } from './helpers/synth';

// ---------------------------------------------------------------------------------------------
// Helpers: contexts, mutation of deep copies, and a record of which rules were seen failing.
// ---------------------------------------------------------------------------------------------

const DEV: RuleContext = ruleContextFor(fixtureEnvironment('lab'));
const PROD: RuleContext = ruleContextFor(fixtureEnvironment('vault'));
const SOCIAL: RuleContext = ruleContextFor(fixtureEnvironment('kiosk'));
/** `depot`: protected, with the tenant table and the tenant secrets (documents 003 and 004). */
const DATA: RuleContext = ruleContextFor(fixtureEnvironment('depot'));
const TAG = DEV.tenantAttribute;

/** Rules with at least one non-compliant case in this file; checked by the last test. */
const seenFailing = new Set<string>();

function rule(id: string): SecurityRule {
  const found = ALL_RULES.find((r) => r.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
}

function findings(id: string, stack: StackJson, ctx: RuleContext): Finding[] {
  return rule(id).check(stack, ctx);
}

function expectCompliant(id: string, stack: StackJson, ctx: RuleContext): void {
  expect(findings(id, stack, ctx)).toEqual([]);
}

/** Asserts a finding at `address` whose fix matches `fix`. */
function expectFinding(id: string, stack: StackJson, ctx: RuleContext, address: string, fix?: RegExp): void {
  const found = findings(id, stack, ctx);
  expect(found.map((f) => f.address)).toContain(address);
  if (fix) expect(found.filter((f) => f.address === address).map((f) => f.fix).join('\n')).toMatch(fix);
  seenFailing.add(id);
}

/** A deep copy of an environment's synthesized stack, edited by `edit`. */
function mutated(name: string, edit: (stack: any) => void): StackJson {
  const stack = editableCopy(synthFixture(name));
  edit(stack);
  return stack;
}

/**
 * The single resource of `type` in a (mutable) stack. Roles and role policies: the end-user ones,
 * those of the role the identity pool hands out (the stack also has the trigger's execution role).
 */
function only(stack: any, type: string): { address: string; config: any } {
  let entries = Object.entries(stack.resource?.[type] ?? {}).filter(([name]) => !name.startsWith('//'));
  if (type === 'aws_iam_role' || type === 'aws_iam_role_policy') {
    const authenticated = String(only(stack, 'aws_cognito_identity_pool_roles_attachment').config.roles.authenticated);
    const role = /^\$\{aws_iam_role\.([^.]+)\.arn\}$/.exec(authenticated)?.[1];
    entries = entries.filter(([name, config]: [string, any]) => (type === 'aws_iam_role' ? name === role : config.role === `\${aws_iam_role.${role}.id}`));
  }
  if (entries.length !== 1) throw new Error(`expected one ${type}, found ${entries.length}`);
  return { address: `${type}.${entries[0][0]}`, config: entries[0][1] };
}

/** The address of the single resource of `type` in an environment's stack. */
function addressOf(type: string, name = 'lab'): string {
  return only(synthFixture(name), type).address;
}

/** Rewrites the policy string in `config[attribute]`. */
function editPolicy(config: any, edit: (doc: any) => void, attribute = 'policy'): void {
  const doc = JSON.parse(config[attribute]);
  edit(doc);
  config[attribute] = JSON.stringify(doc);
}

function statement(doc: any, sid: string): any {
  const found = doc.Statement.find((s: any) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid}`);
  return found;
}

function addResource(stack: any, type: string, name: string, config: Record<string, unknown>): string {
  stack.resource[type] ??= {};
  stack.resource[type][name] = config;
  return `${type}.${name}`;
}

const ref = (address: string, attribute: string) => '${' + address + '.' + attribute + '}';
const bucketArn = () => ref(addressOf('aws_s3_bucket'), 'arn');
const keyArn = () => ref(addressOf('aws_kms_key'), 'arn');
const tenantVar = '$${aws:PrincipalTag/' + TAG + '}';

/** Both real stacks comply with the rule. */
function itPassesTheRealStacks(id: string): void {
  it('passes the synthesized fixture stacks (lab: unprotected, with SAML; vault: protected; kiosk: Google and Apple; depot: protected, with the tenant table and secrets)', () => {
    expectCompliant(id, synthFixture('lab'), DEV);
    expectCompliant(id, synthFixture('vault'), PROD);
    expectCompliant(id, synthFixture('kiosk'), SOCIAL);
    expectCompliant(id, synthFixture('depot'), DATA);
  });
}

// ---------------------------------------------------------------------------------------------

describe('the rule set', () => {
  it('holds every rule of the catalogue, once, in order', () => {
    expect(RULE_IDS).toEqual([
      ...['IDP1', 'IDP2', 'IDP3', 'IDP4', 'IDP5', 'IDP6', 'IDP7', 'IDP8', 'IDP9', 'IDP10', 'IDP11', 'IDP12', 'IDP13'],
      ...['UP1', 'UP2', 'UP3', 'UP4', 'UP5', 'UP6', 'UP7'],
      ...['IAM1', 'IAM2', 'IAM3', 'IAM4', 'IAM5', 'IAM6', 'IAM7', 'IAM8', 'IAM9', 'IAM10'],
      ...['S3-1', 'S3-2', 'S3-3', 'S3-4', 'S3-5', 'S3-6', 'S3-7', 'S3-8'],
      ...['KMS1', 'KMS2', 'KMS3', 'KMS4'],
      ...['DATA1'],
      ...['ST1', 'ST2', 'ST3'],
      ...['QUOTA1'],
    ]);
  });

  it('gives every rule a one-line description, a reason and an https doc link', () => {
    for (const r of ALL_RULES) {
      expect(r.description).not.toMatch(/\n/);
      expect(r.reason.length).toBeGreaterThan(20);
      expect(r.docUrl).toMatch(/^https:\/\/(docs\.aws\.amazon\.com|developer\.hashicorp\.com)\//);
    }
  });

  it('documents every rule, its level and its link in the module README', () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'modules', 'security-rules', 'README.md'), 'utf8');
    for (const r of ALL_RULES) {
      expect(readme).toContain(`| ${r.id} | ${r.level} |`);
      expect(readme).toContain(`(${r.docUrl})`);
    }
  });

  it('lets only the warnings UP4 and S3-7 be acknowledged', () => {
    expect(ACKNOWLEDGEABLE_RULE_IDS).toEqual(['UP4', 'S3-7']);
  });

  it('reports no error on any repository environment', () => {
    for (const environment of repositoryEnvironments()) {
      expect(runRules(synthEnvironment(environment.name), ruleContextFor(environment)).errors).toEqual([]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe('identity pool rules', () => {
  describe('IDP1 no guest identities', () => {
    itPassesTheRealStacks('IDP1');
    it('fails a pool that allows unauthenticated identities', () => {
      const stack = mutated('lab', (s) => (only(s, 'aws_cognito_identity_pool').config.allow_unauthenticated_identities = true));
      expectFinding('IDP1', stack, DEV, addressOf('aws_cognito_identity_pool'), /allow_unauthenticated_identities = false/);
    });
    it('fails an unauthenticated role in the roles attachment', () => {
      const stack = mutated('lab', (s) => (only(s, 'aws_cognito_identity_pool_roles_attachment').config.roles.unauthenticated = ref('aws_iam_role.Guest', 'arn')));
      expectFinding('IDP1', stack, DEV, addressOf('aws_cognito_identity_pool_roles_attachment'), /roles\.unauthenticated/);
    });
    it('accepts a guest role that is deliberately configured', () => {
      const stack = mutated('lab', (s) => {
        only(s, 'aws_cognito_identity_pool').config.allow_unauthenticated_identities = true;
        only(s, 'aws_cognito_identity_pool_roles_attachment').config.roles.unauthenticated = ref('aws_iam_role.Guest', 'arn');
      });
      expectCompliant('IDP1', stack, { ...DEV, allowGuestAccess: true });
    });
  });

  describe('IDP2 enhanced flow only', () => {
    itPassesTheRealStacks('IDP2');
    it('fails allow_classic_flow = true', () => {
      const stack = mutated('lab', (s) => (only(s, 'aws_cognito_identity_pool').config.allow_classic_flow = true));
      expectFinding('IDP2', stack, DEV, addressOf('aws_cognito_identity_pool'), /allow_classic_flow = false/);
    });
  });

  describe('IDP3 server-side token check', () => {
    itPassesTheRealStacks('IDP3');
    it('fails a provider entry without server_side_token_check', () => {
      const stack = mutated('lab', (s) => delete only(s, 'aws_cognito_identity_pool').config.cognito_identity_providers[1].server_side_token_check);
      expectFinding('IDP3', stack, DEV, addressOf('aws_cognito_identity_pool'), /cognito_identity_providers\[1\]/);
    });
  });

  describe('IDP4 trust bound to this pool and to authenticated identities', () => {
    itPassesTheRealStacks('IDP4');
    const editTrust = (edit: (condition: any) => void) =>
      mutated('lab', (s) => editPolicy(only(s, 'aws_iam_role').config, (doc) => edit(doc.Statement[0].Condition), 'assume_role_policy'));
    it('fails an aud matched with a wildcard', () => {
      const stack = editTrust((c) => {
        delete c.StringEquals;
        c.StringLike = { 'cognito-identity.amazonaws.com:aud': 'eu-central-1:*' };
      });
      expectFinding('IDP4', stack, DEV, addressOf('aws_iam_role'), /cognito-identity\.amazonaws\.com:aud/);
    });
    it('fails an aud that is a literal instead of a reference to the pool', () => {
      const stack = editTrust((c) => (c.StringEquals['cognito-identity.amazonaws.com:aud'] = 'eu-central-1:0000'));
      expectFinding('IDP4', stack, DEV, addressOf('aws_iam_role'), /aws_cognito_identity_pool/);
    });
    it('fails a trust without the amr condition', () => {
      const stack = editTrust((c) => delete c['ForAnyValue:StringLike']);
      expectFinding('IDP4', stack, DEV, addressOf('aws_iam_role'), /amr.*authenticated/);
    });
  });

  describe('IDP5 sts:TagSession beside AssumeRoleWithWebIdentity, nothing else', () => {
    itPassesTheRealStacks('IDP5');
    const withActions = (actions: string[]) =>
      mutated('lab', (s) => editPolicy(only(s, 'aws_iam_role').config, (doc) => (doc.Statement[0].Action = actions), 'assume_role_policy'));
    it('fails a trust without sts:TagSession', () => {
      expectFinding('IDP5', withActions(['sts:AssumeRoleWithWebIdentity']), DEV, addressOf('aws_iam_role'), /sts:TagSession/);
    });
    it('fails a trust with another action', () => {
      expectFinding('IDP5', withActions(['sts:AssumeRoleWithWebIdentity', 'sts:TagSession', 'sts:AssumeRole']), DEV, addressOf('aws_iam_role'));
    });
  });

  describe('IDP6 tenant tag mapped from the ID token, defaults off', () => {
    itPassesTheRealStacks('IDP6');
    const tags = 'aws_cognito_identity_pool_provider_principal_tag';
    it('fails use_defaults = true', () => {
      const stack = mutated('lab', (s) => (only(s, tags).config.use_defaults = true));
      expectFinding('IDP6', stack, DEV, addressOf(tags), /use_defaults = false/);
    });
    it('fails a tenant tag mapped from a claim the ID token does not carry as a user attribute', () => {
      const stack = mutated('lab', (s) => (only(s, tags).config.principal_tags = { [TAG]: 'client_id' }));
      expectFinding('IDP6', stack, DEV, addressOf(tags), new RegExp(`custom:${TAG}`));
    });
    it('fails an identity pool with no principal-tag mapping at all', () => {
      const stack = mutated('lab', (s) => delete s.resource[tags]);
      expectFinding('IDP6', stack, DEV, addressOf('aws_cognito_identity_pool'), /aws_cognito_identity_pool_provider_principal_tag/);
    });
  });

  describe('IDP7 role mapping denies ambiguity', () => {
    const attachment = 'aws_cognito_identity_pool_roles_attachment';
    const withMapping = (resolution: string) =>
      mutated('lab', (s) => {
        only(s, attachment).config.role_mapping = [{ identity_provider: 'cognito-idp.example/pool:client', type: 'Token', ambiguous_role_resolution: resolution }];
      });
    it('passes the synthesized stacks, which have no role mapping', () => {
      expect(only(editableCopy(synthFixture('lab')), attachment).config.role_mapping).toBeUndefined();
      expectCompliant('IDP7', synthFixture('lab'), DEV);
      expectCompliant('IDP7', synthFixture('vault'), PROD);
    });
    it('passes a role mapping that resolves ambiguity with Deny', () => {
      expectCompliant('IDP7', withMapping('Deny'), DEV);
    });
    it('fails a role mapping that falls back to the authenticated role', () => {
      expectFinding('IDP7', withMapping('AuthenticatedRole'), DEV, addressOf(attachment), /ambiguous_role_resolution = "Deny"/);
    });
  });

  describe('IDP8 Cognito limits on principal tags and role mapping', () => {
    itPassesTheRealStacks('IDP8');
    const tags = 'aws_cognito_identity_pool_provider_principal_tag';
    it('fails more than 50 tags', () => {
      const stack = mutated('lab', (s) => {
        only(s, tags).config.principal_tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, `c${i}`]));
      });
      expectFinding('IDP8', stack, DEV, addressOf(tags), /maps 51 tags; Cognito allows 50/);
    });
    it('fails a claim name longer than 256 characters, and claims over 460 bytes together', () => {
      const stack = mutated('lab', (s) => (only(s, tags).config.principal_tags = { [TAG]: 'c'.repeat(300), other: 'd'.repeat(200) }));
      expectFinding('IDP8', stack, DEV, addressOf(tags), /claim must be 1–256 characters/);
      expectFinding('IDP8', stack, DEV, addressOf(tags), /quota principalTagClaimBytes .*: 500 against a limit of 460 .*AWS does not raise this quota/);
    });
    it('fails more than 25 mapping rules for one provider', () => {
      const stack = mutated('lab', (s) => {
        only(s, 'aws_cognito_identity_pool_roles_attachment').config.role_mapping = [
          {
            identity_provider: 'p',
            type: 'Rules',
            ambiguous_role_resolution: 'Deny',
            mapping_rule: Array.from({ length: 26 }, (_, i) => ({ claim: 'c', match_type: 'Equals', value: `v${i}`, role_arn: 'r' })),
          },
        ];
      });
      expectFinding('IDP8', stack, DEV, addressOf('aws_cognito_identity_pool_roles_attachment'), /quota roleMappingRulesPerProvider .* in role_mapping\[0\]: 26 against a limit of 25/);
    });
  });

  describe('IDP9 no identity provider maps the tenant claim', () => {
    itPassesTheRealStacks('IDP9');
    const idp = 'aws_cognito_identity_provider';
    it('fails a SAML provider that maps its assertion into custom:<tenant attribute>', () => {
      const stack = mutated('lab', (s) => (only(s, idp).config.attribute_mapping[`custom:${TAG}`] = 'http://globex.example/claims/customer'));
      expectFinding('IDP9', stack, DEV, addressOf(idp), new RegExp(`remove "custom:${TAG}" from attribute_mapping`));
    });
    it('follows the principal-tag mapping to whichever claim it names', () => {
      const stack = mutated('lab', (s) => {
        only(s, 'aws_cognito_identity_pool_provider_principal_tag').config.principal_tags = { [TAG]: 'custom:tenant' };
        only(s, idp).config.attribute_mapping['custom:tenant'] = 'tenant';
      });
      expectFinding('IDP9', stack, DEV, addressOf(idp), /remove "custom:tenant"/);
    });
  });

  describe('IDP10 federated user pools have the binding trigger', () => {
    itPassesTheRealStacks('IDP10');
    const pool = 'aws_cognito_user_pool';
    it('fails a pool with a SAML provider and no pre-token-generation trigger', () => {
      const stack = mutated('lab', (s) => delete only(s, pool).config.lambda_config);
      expectFinding('IDP10', stack, DEV, addressOf(pool), /pre_token_generation_config/);
    });
    it('fails a trigger that names a function outside the stack', () => {
      const stack = mutated('lab', (s) => (only(s, pool).config.lambda_config.pre_token_generation_config.lambda_arn = 'arn:aws:lambda:eu-central-1:111111111111:function:other'));
      expectFinding('IDP10', stack, DEV, addressOf(pool), /pre_token_generation_config/);
    });
    it('fails an invoke permission that any user pool could use (no source_arn), or that is missing', () => {
      const fn = addressOf('aws_lambda_function');
      expectFinding('IDP10', mutated('lab', (s) => delete only(s, 'aws_lambda_permission').config.source_arn), DEV, fn, /source_arn/);
      expectFinding('IDP10', mutated('lab', (s) => delete s.resource.aws_lambda_permission), DEV, fn, /aws_lambda_permission/);
    });
    it('does not require the trigger of a pool without federated providers', () => {
      expectCompliant('IDP10', mutated('lab', (s) => {
        delete s.resource.aws_cognito_identity_provider;
        delete only(s, pool).config.lambda_config;
      }), DEV);
    });
  });

  describe('IDP9 and IDP10 with social providers', () => {
    const idp = 'aws_cognito_identity_provider';
    const social = (stack: any, type: string) => Object.entries<any>(stack.resource[idp]).find(([, c]) => c.provider_type === type)!;
    it('fails a Google or Apple provider that maps anything into the tenant claim', () => {
      for (const type of ['Google', 'SignInWithApple']) {
        const stack = mutated('kiosk', (s) => (social(s, type)[1].attribute_mapping[`custom:${TAG}`] = 'hd'));
        expectFinding('IDP9', stack, SOCIAL, `${idp}.${social(synthFixture('kiosk'), type)[0]}`, new RegExp(`remove "custom:${TAG}"`));
      }
    });
    it('requires the tenant-claim trigger of a pool with social providers only', () => {
      const stack = mutated('kiosk', (s) => delete only(s, 'aws_cognito_user_pool').config.lambda_config.pre_token_generation_config);
      expectFinding('IDP10', stack, SOCIAL, addressOf('aws_cognito_user_pool', 'kiosk'), /pre_token_generation_config/);
    });
  });

  describe('IDP12 identity-provider secrets are references, never text', () => {
    itPassesTheRealStacks('IDP12');
    const idp = 'aws_cognito_identity_provider';
    const social = (stack: any, type: string) => Object.entries<any>(stack.resource[idp]).find(([, c]) => c.provider_type === type)!;
    const googleAddress = () => `${idp}.${social(synthFixture('kiosk'), 'Google')[0]}`;
    const appleAddress = () => `${idp}.${social(synthFixture('kiosk'), 'SignInWithApple')[0]}`;
    it('fails a client secret or private key written into the JSON, alone or around a reference', () => {
      expectFinding('IDP12', mutated('kiosk', (s) => (social(s, 'Google')[1].provider_details.client_secret = 'GOCSPX-notreally')), SOCIAL, googleAddress(), /client_secret is written in the JSON/);
      const around = mutated('kiosk', (s) => (social(s, 'SignInWithApple')[1].provider_details.private_key = `-----BEGIN PRIVATE KEY-----\n\${data.aws_ssm_parameter.x.value}`));
      expectFinding('IDP12', around, SOCIAL, appleAddress(), /private_key is written in the JSON/);
    });
    it('fails an SSM parameter read without decryption, a variable not marked sensitive, and another resource attribute', () => {
      const ssm = mutated('kiosk', (s) => {
        for (const data of Object.values<any>(s.data.aws_ssm_parameter)) data.with_decryption = false;
      });
      expectFinding('IDP12', ssm, SOCIAL, appleAddress(), /without with_decryption = true/);
      const variable = mutated('kiosk', (s) => (s.variable.google_client_secret.sensitive = false));
      expectFinding('IDP12', variable, SOCIAL, googleAddress(), /not declared with sensitive = true/);
      const other = mutated('kiosk', (s) => (social(s, 'Google')[1].provider_details.client_secret = '${aws_cognito_user_pool.X.id}'));
      expectFinding('IDP12', other, SOCIAL, googleAddress(), /not a reference to an SSM parameter/);
      const undeclared = mutated('kiosk', (s) => (social(s, 'Google')[1].provider_details.client_secret = '${data.aws_secretsmanager_secret_version.Missing.secret_string}'));
      expectFinding('IDP12', undeclared, SOCIAL, googleAddress(), /does not declare/);
    });
    it('accepts a Secrets Manager secret, whole or one key of its JSON', () => {
      for (const value of ['${data.aws_secretsmanager_secret_version.S.secret_string}', '${jsondecode(data.aws_secretsmanager_secret_version.S.secret_string).privateKey}']) {
        expectCompliant('IDP12', mutated('kiosk', (s) => {
          s.data.aws_secretsmanager_secret_version = { S: { secret_id: 'x' } };
          social(s, 'SignInWithApple')[1].provider_details.private_key = value;
        }), SOCIAL);
      }
    });
    it('holds only references in the synthesized JSON of every environment: no secret value anywhere', () => {
      for (const [stack, ctx] of [[synthFixture('kiosk'), SOCIAL], ...repositoryEnvironments().map((e) => [synthLoaded(e), ruleContextFor(e)] as const)] as const) {
        expectCompliant('IDP12', stack, ctx);
        for (const provider of Object.values<any>((stack as any).resource.aws_cognito_identity_provider ?? {})) {
          for (const key of ['client_secret', 'private_key']) {
            if (key in provider.provider_details) expect(provider.provider_details[key]).toMatch(/^\$\{[^}]+\}$/);
          }
        }
      }
    });
  });

  describe('IDP13 account linking trusts only verified e-mail', () => {
    itPassesTheRealStacks('IDP13');
    const idp = 'aws_cognito_identity_provider';
    const pool = 'aws_cognito_user_pool';
    const social = (stack: any, type: string) => Object.entries<any>(stack.resource[idp]).find(([, c]) => c.provider_type === type)!;
    it('fails a Google or Apple provider that does not map email_verified from the IdP', () => {
      for (const type of ['Google', 'SignInWithApple']) {
        const address = `${idp}.${social(synthFixture('kiosk'), type)[0]}`;
        expectFinding('IDP13', mutated('kiosk', (s) => delete social(s, type)[1].attribute_mapping.email_verified), SOCIAL, address, /map email_verified/);
        expectFinding('IDP13', mutated('kiosk', (s) => (social(s, type)[1].attribute_mapping.email_verified = 'email')), SOCIAL, address, /map email_verified/);
      }
    });
    it('fails a pool with social providers where e-mail changes need no verification', () => {
      const stack = mutated('kiosk', (s) => delete only(s, pool).config.user_attribute_update_settings);
      expectFinding('IDP13', stack, SOCIAL, addressOf(pool, 'kiosk'), /attributes_require_verification_before_update/);
    });
    it('fails a pre-sign-up function outside the stack, or one any pool may invoke', () => {
      const outside = mutated('kiosk', (s) => (only(s, pool).config.lambda_config.pre_sign_up = 'arn:aws:lambda:eu-west-1:111111111111:function:other'));
      expectFinding('IDP13', outside, SOCIAL, addressOf(pool, 'kiosk'), /pre_sign_up must name a Lambda function of this stack/);
      const linking = (s: any) => Object.entries<any>(s.resource.aws_lambda_permission).find(([name]) => name.startsWith('AccountLinking_'))![1];
      const fnAddress = `aws_lambda_function.${Object.keys(synthFixture('kiosk').resource!.aws_lambda_function!).find((n) => n.startsWith('AccountLinking_'))}`;
      expectFinding('IDP13', mutated('kiosk', (s) => delete linking(s).source_arn), SOCIAL, fnAddress, /source_arn/);
    });
    it('does not apply to a pool without Google or Apple (SAML only)', () => {
      expectCompliant('IDP13', mutated('lab', (s) => delete only(s, pool).config.user_attribute_update_settings), DEV);
    });
  });

  describe('IDP11 trust policies refuse unexpected tag keys and hostile tag values', () => {
    itPassesTheRealStacks('IDP11');
    const role = 'aws_iam_role';
    const editTrust = (edit: (doc: any) => void) => mutated('lab', (s) => editPolicy(only(s, role).config, edit, 'assume_role_policy'));
    it('fails a trust without the tag-key restriction', () => {
      const stack = editTrust((doc) => (doc.Statement = doc.Statement.filter((st: any) => st.Sid !== 'DenyUnexpectedSessionTagKeys')));
      expectFinding('IDP11', stack, DEV, addressOf(role), /aws:TagKeys/);
    });
    it('fails a trust that lets a tag value with "/" or ":" through', () => {
      const stack = editTrust((doc) => {
        const like = statement(doc, 'DenyMalformedTenantTagValues').Condition.StringLike;
        like[`aws:RequestTag/${TAG}`] = like[`aws:RequestTag/${TAG}`].filter((p: string) => p !== '*/*' && p !== '*:*');
      });
      expectFinding('IDP11', stack, DEV, addressOf(role), /"\*\/\*", "\*:\*"/);
    });
    it('fails a trust that lets the per-user folder "private" through as a tag value', () => {
      const stack = editTrust((doc) => (doc.Statement = doc.Statement.filter((st: any) => st.Sid !== 'DenyReservedTenantTagValues')));
      expectFinding('IDP11', stack, DEV, addressOf(role), /\["private"\]/);
    });
    it('fails a value guard weakened by a second, ANDed condition', () => {
      const stack = editTrust((doc) => (statement(doc, 'DenyReservedTenantTagValues').Condition.StringEquals = { 'cognito-identity.amazonaws.com:aud': 'x' }));
      expectFinding('IDP11', stack, DEV, addressOf(role), /private/);
    });
  });
});

// ---------------------------------------------------------------------------------------------
describe('user pool rules', () => {
  const native = 'aws_cognito_user_pool_client.UserPool_NativeClient_8FDBDD94';
  const federated = 'aws_cognito_user_pool_client.UserPool_FederatedClient_1541126C';
  const client = (s: any, address: string) => s.resource.aws_cognito_user_pool_client[address.split('.')[1]];
  const pool = 'aws_cognito_user_pool';

  describe('UP1 explicit write_attributes; no client writes the tenant attribute', () => {
    itPassesTheRealStacks('UP1');
    it('fails the native client when it can write the tenant attribute', () => {
      const stack = mutated('lab', (s) => client(s, native).write_attributes.push(`custom:${TAG}`));
      expectFinding('UP1', stack, DEV, native, /remove custom:customerName from write_attributes/);
    });
    it('fails a client without explicit write_attributes', () => {
      const stack = mutated('lab', (s) => delete client(s, native).write_attributes);
      expectFinding('UP1', stack, DEV, native, /set write_attributes explicitly/);
    });
    it('fails the federated client too when it can write the tenant attribute: no IdP maps it any more', () => {
      const stack = mutated('lab', (s) => client(s, federated).write_attributes.push(`custom:${TAG}`));
      expectFinding('UP1', stack, DEV, federated, /only administrators set the tenant attribute/);
    });
  });

  describe('UP2 bounded, immutable-unless-mapped tenant attribute', () => {
    itPassesTheRealStacks('UP2');
    const attribute = (s: any) => only(s, pool).config.schema.find((a: any) => a.name === TAG);
    it('fails an unbounded max_length', () => {
      const stack = mutated('lab', (s) => (attribute(s).string_attribute_constraints.max_length = '2048'));
      expectFinding('UP2', stack, DEV, addressOf(pool), /max_length/);
    });
    it('fails a mutable tenant attribute, even with an identity provider (none maps it any more)', () => {
      const stack = mutated('lab', (s) => (attribute(s).mutable = true));
      expectFinding('UP2', stack, { ...DEV, legacyMutableTenantAttribute: false }, addressOf(pool), /mutable = false/);
    });
    it('accepts a mutable attribute only in an environment that declares a legacy pool', () => {
      const stack = mutated('lab', (s) => (attribute(s).mutable = true));
      expectCompliant('UP2', stack, { ...DEV, legacyMutableTenantAttribute: true });
    });
    it('accepts a mutable attribute in an environment with self sign-up (the post confirmation trigger writes it)', () => {
      const stack = mutated('lab', (s) => (attribute(s).mutable = true));
      expectCompliant('UP2', stack, { ...DEV, legacyMutableTenantAttribute: false, selfSignUp: true });
      expectFinding('UP2', stack, { ...DEV, legacyMutableTenantAttribute: false, selfSignUp: false }, addressOf(pool), /selfSignUp\.enabled/);
    });
    it('takes the exception only for sign-up into a tenant: self sign-up without a tenant writes no attribute', () => {
      const stack = mutated('lab', (s) => (attribute(s).mutable = true));
      const kiosk = fixtureEnvironment('kiosk');
      const withSignUp = (tenants: typeof kiosk.config.tenants) => ruleContextFor({ ...kiosk, config: { ...kiosk.config, tenants, selfSignUp: { enabled: true } } });
      // No tenant open for sign-up (tenantlessUsers): no trigger writes the attribute, so it must stay immutable.
      expectFinding('UP2', stack, withSignUp(kiosk.config.tenants), addressOf(pool), /self sign-up without a tenant writes no attribute/);
      // A tenant open for sign-up: the post confirmation trigger writes it.
      expectCompliant('UP2', stack, withSignUp(kiosk.config.tenants.map((t, i) => (i === 0 ? { ...t, selfSignUp: { emailDomains: ['acme.example'], invitationCodeSha256: [] } } : t))));
    });
    it('fails a pool without the tenant attribute', () => {
      const stack = mutated('lab', (s) => (only(s, pool).config.schema = []));
      expectFinding('UP2', stack, DEV, addressOf(pool), /declare the custom attribute/);
    });
  });

  describe('UP3 deletion protection in protected environments', () => {
    itPassesTheRealStacks('UP3');
    it('fails an unprotected pool in a protected environment (vault), not in lab', () => {
      const stack = mutated('vault', (s) => (only(s, pool).config.deletion_protection = 'INACTIVE'));
      expectFinding('UP3', stack, PROD, addressOf(pool, 'vault'), /deletion_protection = "ACTIVE"/);
      expect(only(editableCopy(synthFixture('lab')), pool).config.deletion_protection).toBe('INACTIVE');
    });
  });

  describe('UP4 threat protection (warning)', () => {
    it('warns on the synthesized stacks, which do not enforce it', () => {
      expectFinding('UP4', synthFixture('lab'), DEV, addressOf(pool), /acknowledge UP4/);
      expect(rule('UP4').level).toBe('warning');
    });
    it('passes a pool that enforces threat protection, and still warns on audit mode', () => {
      const enforced = mutated('lab', (s) => (only(s, pool).config.user_pool_add_ons = { advanced_security_mode: 'ENFORCED' }));
      expectCompliant('UP4', enforced, DEV);
      const audit = mutated('lab', (s) => (only(s, pool).config.user_pool_add_ons = [{ advanced_security_mode: 'AUDIT' }]));
      expectFinding('UP4', audit, DEV, addressOf(pool));
    });
  });

  describe('UP5 password policy', () => {
    itPassesTheRealStacks('UP5');
    it('fails short passwords, a missing character class and long-lived temporary passwords', () => {
      const stack = mutated('lab', (s) => {
        const policy = only(s, pool).config.password_policy;
        policy.minimum_length = 6;
        policy.require_symbols = false;
        policy.temporary_password_validity_days = 30;
      });
      expectFinding('UP5', stack, DEV, addressOf(pool), /minimum_length is 6.*require_symbols is false.*temporary_password_validity_days is 30/);
    });
  });

  describe('UP6 app client hygiene', () => {
    itPassesTheRealStacks('UP6');
    it('fails a secret, user enumeration, plain-password auth and day-long tokens', () => {
      const stack = mutated('lab', (s) => {
        const c = client(s, native);
        c.generate_secret = true;
        c.prevent_user_existence_errors = 'LEGACY';
        c.explicit_auth_flows.push('ALLOW_USER_PASSWORD_AUTH');
        c.id_token_validity = 24;
        c.token_validity_units[0].id_token = 'hours';
      });
      expectFinding('UP6', stack, DEV, native, /generate_secret = false.*LEGACY.*ALLOW_USER_PASSWORD_AUTH.*id_token_validity/);
    });
    it('fails tokens valid for 2 hours in the default unit (hours)', () => {
      const stack = mutated('lab', (s) => {
        delete client(s, native).token_validity_units;
        client(s, native).access_token_validity = 2;
      });
      expectFinding('UP6', stack, DEV, native, /access_token_validity/);
    });
    it('accepts a secret on a machine-to-machine (client_credentials) client', () => {
      const stack = mutated('lab', (s) => {
        Object.assign(client(s, federated), { generate_secret: true, allowed_oauth_flows: ['client_credentials'] });
      });
      expectCompliant('UP6', stack, DEV);
    });
  });

  describe('UP7 unique group precedence', () => {
    const group = (name: string, precedence?: number) => ({ name, user_pool_id: ref(addressOf(pool), 'id'), precedence, role_arn: 'arn:aws:iam::111111111111:role/x' });
    it('passes the synthesized stacks, which have no groups', () => {
      expect(synthFixture('lab').resource?.aws_cognito_user_group).toBeUndefined();
      expectCompliant('UP7', synthFixture('lab'), DEV);
    });
    it('passes groups with distinct precedences', () => {
      const stack = mutated('lab', (s) => {
        addResource(s, 'aws_cognito_user_group', 'Admins', group('admins', 1));
        addResource(s, 'aws_cognito_user_group', 'Members', group('members', 2));
      });
      expectCompliant('UP7', stack, DEV);
    });
    it('fails two groups with the same precedence, and a role group without one', () => {
      const stack = mutated('lab', (s) => {
        addResource(s, 'aws_cognito_user_group', 'Admins', group('admins', 1));
        addResource(s, 'aws_cognito_user_group', 'Members', group('members', 1));
        addResource(s, 'aws_cognito_user_group', 'Guests', group('guests'));
      });
      expectFinding('UP7', stack, DEV, 'aws_cognito_user_group.Members', /aws_cognito_user_group\.Admins already has/);
      expectFinding('UP7', stack, DEV, 'aws_cognito_user_group.Guests', /set a precedence/);
    });
  });
});

// ---------------------------------------------------------------------------------------------
describe('IAM rules', () => {
  const rolePolicy = 'aws_iam_role_policy';
  const editRolePolicy = (edit: (doc: any) => void, name = 'lab') => mutated(name, (s) => editPolicy(only(s, rolePolicy).config, edit));

  describe('IAM1 IAM variables escaped for Terraform', () => {
    itPassesTheRealStacks('IAM1');
    it('fails an unescaped ${aws:PrincipalTag/...}', () => {
      const stack = mutated('lab', (s) => {
        const config = only(s, rolePolicy).config;
        config.policy = config.policy.replaceAll('$${aws:PrincipalTag', '${aws:PrincipalTag');
      });
      expectFinding('IAM1', stack, DEV, addressOf(rolePolicy), /\$\{aws:PrincipalTag\/customerName\}/);
    });
    it('fails an unescaped ${cognito-identity.amazonaws.com:sub} anywhere, outputs included', () => {
      const stack = mutated('lab', (s) => (s.output.region.value = 'x/${cognito-identity.amazonaws.com:sub}'));
      expectFinding('IAM1', stack, DEV, 'output.region');
    });
  });

  describe('IAM2 policy version', () => {
    itPassesTheRealStacks('IAM2');
    it('fails a document without "Version": "2012-10-17"', () => {
      const stack = mutated('lab', (s) => editPolicy(only(s, 'aws_s3_bucket_policy').config, (doc) => (doc.Version = '2008-10-17')));
      expectFinding('IAM2', stack, DEV, addressOf('aws_s3_bucket_policy'), /2012-10-17/);
    });
    it('fails a policy that is not a JSON document the rules can read', () => {
      const stack = mutated('lab', (s) => (only(s, 'aws_kms_key').config.policy = '${jsonencode(local.key_policy)}'));
      expectFinding('IAM2', stack, DEV, addressOf('aws_kms_key'), /is not JSON/);
    });
  });

  describe('IAM3 tenant-confined S3 grants', () => {
    itPassesTheRealStacks('IAM3');
    it('fails an object grant widened to the whole bucket (${bucket.arn}/*)', () => {
      const stack = editRolePolicy((doc) => (statement(doc, 'TenantObjects').Resource = `${bucketArn()}/*`));
      expectFinding('IAM3', stack, DEV, addressOf(rolePolicy), /TenantObjects.*not inside a tenant or identity folder/);
    });
    it('fails a tenant folder without the slash (tenant "ac" would reach "acme/")', () => {
      const stack = editRolePolicy((doc) => (statement(doc, 'TenantObjects').Resource = `${bucketArn()}/${tenantVar}*`));
      expectFinding('IAM3', stack, DEV, addressOf(rolePolicy), /not a whole folder followed by "\/"/);
    });
    it('fails ListBucket without an s3:prefix condition, or with a bucket-wide prefix', () => {
      const unscoped = editRolePolicy((doc) => delete statement(doc, 'TenantList').Condition);
      expectFinding('IAM3', unscoped, DEV, addressOf(rolePolicy), /TenantList.*s3:prefix/);
      const wide = editRolePolicy((doc) => (statement(doc, 'TenantList').Condition.StringLike['s3:prefix'] = ['*']));
      expectFinding('IAM3', wide, DEV, addressOf(rolePolicy), /TenantList/);
    });
    it('fails S3 actions on "*"', () => {
      const stack = editRolePolicy((doc) => doc.Statement.push({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }));
      expectFinding('IAM3', stack, DEV, addressOf(rolePolicy), /grants S3 actions on "\*"/);
    });
  });

  describe('IAM4 fail closed without a tenant tag', () => {
    itPassesTheRealStacks('IAM4');
    it('fails a role without the Null deny', () => {
      const stack = editRolePolicy((doc) => (doc.Statement = doc.Statement.filter((s: any) => s.Sid !== 'DenyWithoutTenantTag')));
      expectFinding('IAM4', stack, DEV, addressOf(rolePolicy), /"Null": \{ "aws:PrincipalTag\/customerName": "true" \}/);
    });
    it('fails a Null deny weakened by a second, ANDed condition', () => {
      const stack = editRolePolicy((doc) => (statement(doc, 'DenyWithoutTenantTag').Condition.Bool = { 'aws:SecureTransport': 'false' }));
      expectFinding('IAM4', stack, DEV, addressOf(rolePolicy), /Null/);
    });
    it('fails a role without the empty-tag deny', () => {
      const stack = editRolePolicy((doc) => (doc.Statement = doc.Statement.filter((s: any) => s.Sid !== 'DenyEmptyTenantTag')));
      expectFinding('IAM4', stack, DEV, addressOf(rolePolicy), /"StringEquals": \{ "aws:PrincipalTag\/customerName": "" \}/);
    });
    it('fails a deny that does not cover the KMS key the role may use', () => {
      const stack = editRolePolicy((doc) => {
        for (const sid of ['DenyWithoutTenantTag', 'DenyEmptyTenantTag']) statement(doc, sid).Action = ['s3:*'];
      });
      expectFinding('IAM4', stack, DEV, addressOf(rolePolicy), /kms:GenerateDataKey/);
    });
    it('fails an Allow that passes when the tag is absent (...IfExists)', () => {
      const stack = editRolePolicy((doc) => (statement(doc, 'TenantObjects').Condition = { StringEqualsIfExists: { [`aws:PrincipalTag/${TAG}`]: 'acme' } }));
      expectFinding('IAM4', stack, DEV, addressOf(rolePolicy), /StringEqualsIfExists/);
    });
  });

  describe('IAM5 least privilege for end-user roles', () => {
    itPassesTheRealStacks('IAM5');
    it('accepts s3:* and kms:* in Deny statements', () => {
      const doc = JSON.parse(only(editableCopy(synthFixture('lab')), rolePolicy).config.policy);
      expect(doc.Statement.some((s: any) => s.Effect === 'Deny' && s.Action.includes('s3:*'))).toBe(true);
      expectCompliant('IAM5', synthFixture('lab'), DEV);
    });
    it('fails an Allow of s3:* or on "*"', () => {
      const wildAction = editRolePolicy((doc) => (statement(doc, 'TenantObjects').Action = 's3:*'));
      expectFinding('IAM5', wildAction, DEV, addressOf(rolePolicy), /list the actions instead of \["s3:\*"\]/);
      const wildResource = editRolePolicy((doc) => (statement(doc, 'DataKeyThroughS3').Resource = '*'));
      expectFinding('IAM5', wildResource, DEV, addressOf(rolePolicy), /name the resources instead of \["\*"\]/);
    });
    it('fails an AWS managed policy attached to the end-user role', () => {
      const stack = mutated('lab', (s) => {
        addResource(s, 'aws_iam_role_policy_attachment', 'S3Full', { role: ref(addressOf('aws_iam_role'), 'name'), policy_arn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess' });
      });
      expectFinding('IAM5', stack, DEV, addressOf('aws_iam_role'), /AmazonS3FullAccess/);
    });
    it('reads managed policies of this stack attached to the role', () => {
      const stack = mutated('lab', (s) => {
        const policy = addResource(s, 'aws_iam_policy', 'Extra', { policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: bucketArn() }] }) });
        addResource(s, 'aws_iam_role_policy_attachment', 'Extra', { role: ref(addressOf('aws_iam_role'), 'name'), policy_arn: ref(policy, 'arn') });
      });
      expectFinding('IAM5', stack, DEV, 'aws_iam_policy.Extra', /s3:\*/);
    });
  });

  describe('IAM6 DynamoDB bound to the tenant by leading keys', () => {
    const table = 'arn:aws:dynamodb:eu-central-1:111111111111:table/uploads';
    const withStatement = (s: any) => editRolePolicy((doc) => doc.Statement.push({ Sid: 'Items', Effect: 'Allow', Resource: table, ...s }));
    const editTableGrant = (edit: (s: any) => void) => editRolePolicy((doc) => edit(statement(doc, 'TableTenantPrefixItems')), 'depot');
    itPassesTheRealStacks('IAM6');
    it('passes item actions bound by ForAllValues:StringEquals dynamodb:LeadingKeys to the tenant tag, with Null = false', () => {
      const stack = withStatement({ Action: ['dynamodb:GetItem', 'dynamodb:Query'], Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [tenantVar] }, Null: { 'dynamodb:LeadingKeys': 'false' } } });
      expectCompliant('IAM6', stack, DEV);
    });
    it('fails Scan and PartiQL', () => {
      expectFinding('IAM6', editTableGrant((s) => s.Action.push('dynamodb:Scan', 'dynamodb:PartiQLSelect')), DATA, addressOf(rolePolicy, 'depot'), /dynamodb:Scan.*dynamodb:PartiQLSelect/);
    });
    it('fails item actions without leading keys, or with a prefix that crosses tenants (no separator after the tag)', () => {
      expectFinding('IAM6', withStatement({ Action: 'dynamodb:GetItem' }), DEV, addressOf(rolePolicy), /dynamodb:LeadingKeys/);
      const prefix = editTableGrant((s) => (s.Condition['ForAllValues:StringLike']['dynamodb:LeadingKeys'] = [`${tenantVar}*`]));
      expectFinding('IAM6', prefix, DATA, addressOf(rolePolicy, 'depot'), /ForAllValues:StringLike/);
    });
    it('fails ForAnyValue (one own key among foreign ones would pass) and a grant without Null = false (vacuous truth)', () => {
      const anyValue = editTableGrant((s) => {
        s.Condition['ForAnyValue:StringLike'] = s.Condition['ForAllValues:StringLike'];
        delete s.Condition['ForAllValues:StringLike'];
      });
      expectFinding('IAM6', anyValue, DATA, addressOf(rolePolicy, 'depot'), /ForAllValues:StringLike/);
      expectFinding('IAM6', editTableGrant((s) => delete s.Condition.Null), DATA, addressOf(rolePolicy, 'depot'), /"Null": \{ "dynamodb:LeadingKeys": "false" \}/);
    });
    it('fails a grant on an index, a stream or a wildcard table', () => {
      expectFinding('IAM6', editTableGrant((s) => (s.Resource = [s.Resource, `${s.Resource}/index/*`])), DATA, addressOf(rolePolicy, 'depot'), /table ARNs only/);
      expectFinding('IAM6', withStatement({ Action: 'dynamodb:GetItem', Resource: 'arn:aws:dynamodb:eu-central-1:111111111111:table/*', Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [tenantVar] }, Null: { 'dynamodb:LeadingKeys': 'false' } } }), DEV, addressOf(rolePolicy), /table ARNs only/);
    });
  });

  describe('IAM7 Secrets Manager by tag, never re-tagging', () => {
    const withStatement = (s: any) => editRolePolicy((doc) => doc.Statement.push({ Sid: 'Secrets', Effect: 'Allow', Resource: 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:*', ...s }));
    const editSecrets = (edit: (doc: any) => void) => editRolePolicy(edit, 'depot');
    itPassesTheRealStacks('IAM7');
    it('fails GetSecretValue without the tag condition', () => {
      const stack = editSecrets((doc) => delete statement(doc, 'TenantSecretRead').Condition);
      expectFinding('IAM7', stack, DATA, addressOf(rolePolicy, 'depot'), /secretsmanager:ResourceTag\/customerName/);
    });
    it('fails a tag condition that compares with something else than the principal tag', () => {
      const stack = editSecrets((doc) => (statement(doc, 'TenantSecretRead').Condition.StringEquals[`secretsmanager:ResourceTag/${TAG}`] = 'acme'));
      expectFinding('IAM7', stack, DATA, addressOf(rolePolicy, 'depot'), /secretsmanager:ResourceTag\/customerName/);
    });
    it('fails any grant that lets users tag or untag', () => {
      const stack = editSecrets((doc) => statement(doc, 'TenantSecretRead').Action.push('secretsmanager:TagResource'));
      expectFinding('IAM7', stack, DATA, addressOf(rolePolicy, 'depot'), /must not grant secretsmanager:TagResource/);
    });
    it('fails a readable secret without the Deny of tagging, untagging and resource-policy changes', () => {
      const withoutDeny = editSecrets((doc) => (doc.Statement = doc.Statement.filter((st: any) => st.Sid !== 'DenyTenantSecretChanges')));
      expectFinding('IAM7', withoutDeny, DATA, addressOf(rolePolicy, 'depot'), /Deny of secretsmanager:TagResource, secretsmanager:UntagResource, secretsmanager:PutResourcePolicy, secretsmanager:DeleteResourcePolicy/);
      const partial = editSecrets((doc) => (statement(doc, 'DenyTenantSecretChanges').Action = ['secretsmanager:TagResource']));
      expectFinding('IAM7', partial, DATA, addressOf(rolePolicy, 'depot'), /Deny of secretsmanager:UntagResource/);
      const bound = { StringEquals: { [`secretsmanager:ResourceTag/${TAG}`]: tenantVar } };
      expectFinding('IAM7', withStatement({ Action: 'secretsmanager:GetSecretValue', Condition: bound }), DEV, addressOf(rolePolicy), /unconditional Deny/);
    });
  });

  describe('IAM8 IAM quotas', () => {
    itPassesTheRealStacks('IAM8');
    const padding = (n: number) => Array.from({ length: n }, (_, i) => `arn:aws:s3:::padding-bucket-${i}/some/long/prefix/*`);
    it('fails a trust policy over 2048 characters', () => {
      const stack = mutated('lab', (s) =>
        editPolicy(only(s, 'aws_iam_role').config, (doc) => doc.Statement.push({ Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole', Resource: padding(50) }), 'assume_role_policy'),
      );
      expectFinding('IAM8', stack, DEV, addressOf('aws_iam_role'), /quota trustPolicyChars .*: \d+ against a limit of 2048 .*Service Quotas/);
    });
    it('fails inline policies over 10240 characters per role', () => {
      const stack = editRolePolicy((doc) => doc.Statement.push({ Effect: 'Deny', Action: 's3:*', Resource: padding(250) }));
      expectFinding('IAM8', stack, DEV, addressOf('aws_iam_role'), /quota inlinePolicyCharsPerRole .*: \d+ against a limit of 10240/);
    });
    it('fails more roles than the account quota', () => {
      const stack = mutated('lab', (s) => addResource(s, 'aws_iam_role', 'Second', { name: 'second', assume_role_policy: '{"Version":"2012-10-17","Statement":[]}' }));
      const roles = Object.keys(stack.resource!.aws_iam_role!).filter((name) => !name.startsWith('//'));
      expectFinding('IAM8', stack, { ...DEV, roleQuota: roles.length - 1 }, `aws_iam_role.${roles[roles.length - 1]}`, new RegExp(`quota iamRolesPerAccount .*: ${roles.length} against a limit of ${roles.length - 1} .*Roles per account`));
    });
  });

  describe('IAM9 no tag value reaches a fixed folder', () => {
    itPassesTheRealStacks('IAM9');
    const without = (sid: string) => editRolePolicy((doc) => (doc.Statement = doc.Statement.filter((st: any) => st.Sid !== sid)));
    it('fails a role whose tag "private" would own every private/<identity>/ folder', () => {
      expectFinding('IAM9', without('DenyReservedTenantTag'), DEV, addressOf(rolePolicy), /"private" would own the fixed folder "private\/"/);
    });
    it('fails a reserved-value guard that misses the key, or is weakened by an ANDed condition', () => {
      const keyless = editRolePolicy((doc) => (statement(doc, 'DenyReservedTenantTag').Resource = [bucketArn(), `${bucketArn()}/*`]));
      expectFinding('IAM9', keyless, DEV, addressOf(rolePolicy), /kms:GenerateDataKey on/);
      const weakened = editRolePolicy((doc) => (statement(doc, 'DenyReservedTenantTag').Condition.Bool = { 'aws:SecureTransport': 'true' }));
      expectFinding('IAM9', weakened, DEV, addressOf(rolePolicy), /"private"/);
    });
    it('fails a role that lets a tag value with ":" (an identity id) or "/" through', () => {
      const stack = editRolePolicy((doc) => {
        const like = statement(doc, 'DenyMalformedTenantTag').Condition.StringLike;
        like[`aws:PrincipalTag/${TAG}`] = like[`aws:PrincipalTag/${TAG}`].filter((p: string) => p !== '*:*');
      });
      expectFinding('IAM9', stack, DEV, addressOf(rolePolicy), /"\*:\*"/);
    });
    it('finds the fixed folders of custom rules in the synthesized policy', () => {
      const stack = editRolePolicy((doc) => {
        statement(doc, 'PrivateIdentityObjects').Resource = `${bucketArn()}/shared/$\${cognito-identity.amazonaws.com:sub}/*`;
      });
      expectFinding('IAM9', stack, DEV, addressOf(rolePolicy), /"shared" would own/);
    });
  });
});

// ---------------------------------------------------------------------------------------------
describe('S3 rules', () => {
  const bucket = () => addressOf('aws_s3_bucket');
  const editBucketPolicy = (edit: (doc: any) => void) => mutated('lab', (s) => editPolicy(only(s, 'aws_s3_bucket_policy').config, edit));

  describe('S3-1 public access block', () => {
    itPassesTheRealStacks('S3-1');
    it('fails a block with one setting off, and a bucket with no block', () => {
      const off = mutated('lab', (s) => (only(s, 'aws_s3_bucket_public_access_block').config.restrict_public_buckets = false));
      expectFinding('S3-1', off, DEV, bucket(), /restrict_public_buckets not true/);
      const none = mutated('lab', (s) => delete s.resource.aws_s3_bucket_public_access_block);
      expectFinding('S3-1', none, DEV, bucket(), /none exists/);
    });
  });

  describe('S3-2 ACLs off', () => {
    itPassesTheRealStacks('S3-2');
    it('fails ObjectWriter ownership', () => {
      const stack = mutated('lab', (s) => (only(s, 'aws_s3_bucket_ownership_controls').config.rule.object_ownership = 'ObjectWriter'));
      expectFinding('S3-2', stack, DEV, bucket(), /BucketOwnerEnforced/);
    });
  });

  describe('S3-3 TLS only', () => {
    itPassesTheRealStacks('S3-3');
    it('fails a policy without the SecureTransport deny, or with one that covers only objects', () => {
      const none = editBucketPolicy((doc) => (doc.Statement = doc.Statement.filter((s: any) => s.Sid !== 'DenyInsecureTransport')));
      expectFinding('S3-3', none, DEV, bucket(), /aws:SecureTransport/);
      const objectsOnly = editBucketPolicy((doc) => (statement(doc, 'DenyInsecureTransport').Resource = `${bucketArn()}/*`));
      expectFinding('S3-3', objectsOnly, DEV, bucket());
    });
  });

  describe('S3-4 SSE-KMS with the full key ARN, other keys and types denied', () => {
    itPassesTheRealStacks('S3-4');
    const sse = 'aws_s3_bucket_server_side_encryption_configuration';
    const defaults = (s: any) => only(s, sse).config.rule[0].apply_server_side_encryption_by_default;
    /** Rewrites both denies to `StringNotEquals` on their header, limited by `Null` on `limiterHeader`. */
    const limitedDenies = (limiterHeader: (header: string) => string) =>
      editBucketPolicy((doc) => {
        for (const [sid, header] of [
          ['DenyOtherEncryption', 's3:x-amz-server-side-encryption'],
          ['DenyOtherKmsKey', 's3:x-amz-server-side-encryption-aws-kms-key-id'],
        ]) {
          const s = statement(doc, sid);
          const value = header === 's3:x-amz-server-side-encryption' ? 'aws:kms' : keyArn();
          s.Condition = { StringNotEquals: { [header]: value }, Null: { [limiterHeader(header)]: 'false' } };
        }
      });
    it('accepts denies limited to requests that ask for SSE (Null "false" on the SSE header), which multipart UploadPart needs', () => {
      expectCompliant('S3-4', limitedDenies(() => 's3:x-amz-server-side-encryption'), DEV);
    });
    it('fails a key deny limited by the key-id header (aws:kms without a key id would use the AWS managed key)', () => {
      expectFinding('S3-4', limitedDenies((header) => header), DEV, bucket(), /AWS managed key/);
    });
    it('accepts the optional deny of requests without the key header (requireEncryptionHeaders)', () => {
      const withNull = editBucketPolicy((d) =>
        d.Statement.push({ Sid: 'DenyMissingKmsHeader', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `${bucketArn()}/*`, Condition: { Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'true' } } }),
      );
      expectCompliant('S3-4', withNull, DEV);
    });
    it('fails default encryption with an alias or a key id instead of the key ARN', () => {
      const alias = mutated('lab', (s) => (defaults(s).kms_master_key_id = ref(addressOf('aws_kms_alias'), 'arn')));
      expectFinding('S3-4', alias, DEV, bucket(), /is an alias/);
      const aliasName = mutated('lab', (s) => (defaults(s).kms_master_key_id = 'alias/tenantup-dev-uploads'));
      expectFinding('S3-4', aliasName, DEV, bucket(), /is an alias/);
      const keyId = mutated('lab', (s) => (defaults(s).kms_master_key_id = ref(addressOf('aws_kms_key'), 'key_id')));
      expectFinding('S3-4', keyId, DEV, bucket(), /key id, not the key ARN/);
    });
    it('fails SSE-S3 default encryption', () => {
      const stack = mutated('lab', (s) => (defaults(s).sse_algorithm = 'AES256'));
      expectFinding('S3-4', stack, DEV, bucket(), /"aws:kms"/);
    });
    it('fails a policy that does not deny another KMS key, or another encryption type', () => {
      const noKeyDeny = editBucketPolicy((doc) => (doc.Statement = doc.Statement.filter((s: any) => s.Sid !== 'DenyOtherKmsKey')));
      expectFinding('S3-4', noKeyDeny, DEV, bucket(), /x-amz-server-side-encryption-aws-kms-key-id/);
      const noTypeDeny = editBucketPolicy((doc) => (doc.Statement = doc.Statement.filter((s: any) => s.Sid !== 'DenyOtherEncryption')));
      expectFinding('S3-4', noTypeDeny, DEV, bucket(), /"s3:x-amz-server-side-encryption": "aws:kms"/);
    });
    it('fails a key deny that names the alias', () => {
      const stack = editBucketPolicy((doc) => (statement(doc, 'DenyOtherKmsKey').Condition = { StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'alias/tenantup-dev-uploads' } }));
      expectFinding('S3-4', stack, DEV, bucket(), /the full key ARN, not an alias/);
    });
    it('fails both headers tested in one statement (ANDed, so a wrong key with aws:kms passes)', () => {
      const stack = editBucketPolicy((doc) => {
        statement(doc, 'DenyOtherEncryption').Condition = {
          StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn() },
        };
        doc.Statement = doc.Statement.filter((s: any) => s.Sid !== 'DenyOtherKmsKey');
      });
      expectFinding('S3-4', stack, DEV, bucket());
    });
  });

  describe('S3-5 versioning and lifecycle', () => {
    itPassesTheRealStacks('S3-5');
    const lifecycle = (s: any) => only(s, 'aws_s3_bucket_lifecycle_configuration').config.rule;
    it('fails suspended versioning', () => {
      const stack = mutated('lab', (s) => (only(s, 'aws_s3_bucket_versioning').config.versioning_configuration.status = 'Suspended'));
      expectFinding('S3-5', stack, DEV, bucket(), /status = "Enabled"/);
    });
    it('fails an abort after more than 7 days, and no noncurrent expiry', () => {
      const stack = mutated('lab', (s) => {
        lifecycle(s)[0].abort_incomplete_multipart_upload[0].days_after_initiation = 30;
        lifecycle(s).splice(1, 1);
      });
      expectFinding('S3-5', stack, DEV, bucket(), /days_after_initiation ≤ 7/);
      expectFinding('S3-5', stack, DEV, bucket(), /noncurrent_version_expiration/);
    });
    it('fails an abort rule that covers only one prefix', () => {
      const stack = mutated('lab', (s) => (lifecycle(s)[0].filter = [{ prefix: 'acme/' }]));
      expectFinding('S3-5', stack, DEV, bucket(), /abort_incomplete_multipart_upload/);
    });
  });

  describe('S3-6 CORS', () => {
    itPassesTheRealStacks('S3-6');
    const cors = 'aws_s3_bucket_cors_configuration';
    it('fails a wildcard origin, a method S3 does not need and a hidden ETag', () => {
      const stack = mutated('lab', (s) => {
        const r = only(s, cors).config.cors_rule[0];
        r.allowed_origins.push('*');
        r.allowed_methods.push('PATCH');
        r.expose_headers = [];
      });
      expectFinding('S3-6', stack, DEV, addressOf(cors), /\["\*"\].*PATCH.*ETag/);
    });
  });

  describe('S3-8 only SSE-KMS, multipart intact', () => {
    itPassesTheRealStacks('S3-8');
    const editBucketPolicy = (edit: (doc: any) => void) => mutated('lab', (s) => editPolicy(only(s, 'aws_s3_bucket_policy').config, edit));
    it('fails a bucket policy that lets customer-provided keys (SSE-C) through', () => {
      const stack = editBucketPolicy((doc) => (doc.Statement = doc.Statement.filter((st: any) => st.Sid !== 'DenyCustomerProvidedKeys')));
      expectFinding('S3-8', stack, DEV, bucket(), /s3:x-amz-server-side-encryption-customer-algorithm/);
    });
    it('fails an SSE-C deny narrowed by another condition', () => {
      const stack = editBucketPolicy((doc) => (statement(doc, 'DenyCustomerProvidedKeys').Condition.Bool = { 'aws:SecureTransport': 'true' }));
      expectFinding('S3-8', stack, DEV, bucket(), /customer-algorithm/);
    });
    it('fails an encryption-type deny that would also deny every UploadPart (no Null limiter), or is missing', () => {
      const unlimited = editBucketPolicy((doc) => delete statement(doc, 'DenyOtherEncryption').Condition.Null);
      expectFinding('S3-8', unlimited, DEV, bucket(), /DSSE-KMS/);
      const missing = editBucketPolicy((doc) => (doc.Statement = doc.Statement.filter((st: any) => st.Sid !== 'DenyOtherEncryption')));
      expectFinding('S3-8', missing, DEV, bucket(), /DSSE-KMS/);
    });
  });

  describe('S3-7 access logging (warning)', () => {
    const logs = (target: string) => (s: any) => {
      const logBucket = addResource(s, 'aws_s3_bucket', 'Logs', { bucket: 'tenantup-dev-logs' });
      addResource(s, 'aws_s3_bucket_logging', 'UploadsLogging', { bucket: ref(bucket(), 'id'), target_bucket: ref(target === 'self' ? bucket() : logBucket, 'id'), target_prefix: 'uploads/' });
    };
    it('warns on the synthesized stacks, which do not log', () => {
      expectFinding('S3-7', synthFixture('vault'), PROD, addressOf('aws_s3_bucket', 'vault'), /acknowledge S3-7/);
      expect(rule('S3-7').level).toBe('warning');
    });
    it('passes a bucket that logs to a separate bucket', () => {
      expectCompliant('S3-7', mutated('lab', logs('separate')), DEV);
    });
    it('warns on a bucket that logs into itself', () => {
      expectFinding('S3-7', mutated('lab', logs('self')), DEV, bucket(), /separate bucket/);
    });
  });
});

// ---------------------------------------------------------------------------------------------
describe('KMS rules', () => {
  const key = 'aws_kms_key';
  const rolePolicy = 'aws_iam_role_policy';
  const editKeyGrant = (edit: (s: any) => void) => mutated('lab', (s) => editPolicy(only(s, rolePolicy).config, (doc) => edit(statement(doc, 'DataKeyThroughS3'))));

  describe('KMS1 rotation and deletion window', () => {
    itPassesTheRealStacks('KMS1');
    it('fails a key without rotation', () => {
      const stack = mutated('lab', (s) => (only(s, key).config.enable_key_rotation = false));
      expectFinding('KMS1', stack, DEV, addressOf(key), /enable_key_rotation = true/);
    });
    it('fails a 7-day deletion window in a protected environment (vault), not in lab', () => {
      const stack = mutated('vault', (s) => (only(s, key).config.deletion_window_in_days = 7));
      expectFinding('KMS1', stack, PROD, addressOf(key, 'vault'), /deletion_window_in_days = 30/);
      expect(only(editableCopy(synthFixture('lab')), key).config.deletion_window_in_days).toBe(7);
    });
  });

  describe('KMS2 end-user key use', () => {
    itPassesTheRealStacks('KMS2');
    it('fails another KMS action', () => {
      const stack = editKeyGrant((s) => s.Action.push('kms:Encrypt'));
      expectFinding('KMS2', stack, DEV, addressOf(rolePolicy), /remove \["kms:Encrypt"\]/);
    });
    it('fails a grant without kms:ViaService, or via another Region', () => {
      expectFinding('KMS2', editKeyGrant((s) => delete s.Condition.StringEquals), DEV, addressOf(rolePolicy), /kms:ViaService/);
      expectFinding('KMS2', editKeyGrant((s) => (s.Condition.StringEquals['kms:ViaService'] = 's3.us-east-1.amazonaws.com')), DEV, addressOf(rolePolicy), /s3\.eu-central-1\.amazonaws\.com/);
    });
    it('fails a role that uploads without kms:Decrypt (multipart upload needs it)', () => {
      const stack = editKeyGrant((s) => (s.Action = ['kms:GenerateDataKey']));
      expectFinding('KMS2', stack, DEV, addressOf(rolePolicy), /grant kms:Decrypt/);
    });
    it('fails an encryption context that is not the caller\'s own folder', () => {
      const stack = editKeyGrant((s) => (s.Condition.StringLike['kms:EncryptionContext:aws:s3:arn'] = [`${bucketArn()}/*`]));
      expectFinding('KMS2', stack, DEV, addressOf(rolePolicy), /own folders/);
    });
    const editServiceGrant = (sid: string, edit: (s: any) => void) => mutated('depot', (s) => editPolicy(only(s, rolePolicy).config, (doc) => edit(statement(doc, sid))));
    it('fails a grant through DynamoDB or Secrets Manager with more than kms:Decrypt', () => {
      expectFinding('KMS2', editServiceGrant('DataKeyThroughDynamoDb', (s) => s.Action.push('kms:GenerateDataKey')), DATA, addressOf(rolePolicy, 'depot'), /through dynamodb, grant only kms:Decrypt/);
      expectFinding('KMS2', editServiceGrant('DataKeyThroughSecretsManager', (s) => s.Action.push('kms:Encrypt')), DATA, addressOf(rolePolicy, 'depot'), /through secretsmanager, grant only kms:Decrypt/);
    });
    it('fails a grant through DynamoDB not bound to a table, or through Secrets Manager not bound to the caller\'s own secret', () => {
      expectFinding('KMS2', editServiceGrant('DataKeyThroughDynamoDb', (s) => delete s.Condition.StringEquals['kms:EncryptionContext:aws:dynamodb:tableName']), DATA, addressOf(rolePolicy, 'depot'), /bind the key to the table/);
      expectFinding('KMS2', editServiceGrant('DataKeyThroughDynamoDb', (s) => (s.Condition.StringEquals['kms:EncryptionContext:aws:dynamodb:tableName'] = '*')), DATA, addressOf(rolePolicy, 'depot'), /bind the key to the table/);
      const anySecret = editServiceGrant('DataKeyThroughSecretsManager', (s) => (s.Condition.StringLike['kms:EncryptionContext:SecretARN'] = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:*'));
      expectFinding('KMS2', anySecret, DATA, addressOf(rolePolicy, 'depot'), /the caller's own secret/);
    });
    it('fails a grant through another Region\'s DynamoDB (it is not one of the services the key serves)', () => {
      const stack = editServiceGrant('DataKeyThroughDynamoDb', (s) => (s.Condition.StringEquals['kms:ViaService'] = 'dynamodb.us-east-1.amazonaws.com'));
      expectFinding('KMS2', stack, DATA, addressOf(rolePolicy, 'depot'), /s3\.eu-west-1\.amazonaws\.com/);
    });
    it('fails S3 Bucket Keys with the encryption-context binding', () => {
      const stack = mutated('lab', (s) => (only(s, 'aws_s3_bucket_server_side_encryption_configuration').config.rule[0].bucket_key_enabled = true));
      expectFinding('KMS2', stack, DEV, addressOf('aws_s3_bucket_server_side_encryption_configuration'), /bucket_key_enabled = false/);
    });
  });

  describe('KMS4 data-key use confined to S3; administration apart', () => {
    itPassesTheRealStacks('KMS4');
    const editKeyPolicy = (edit: (doc: any) => void) => mutated('lab', (s) => editPolicy(only(s, key).config, edit));
    it('fails the default key policy (root kms:*, no confining Deny)', () => {
      const stack = editKeyPolicy((doc) => (doc.Statement = [{ Sid: 'Default', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'kms:*', Resource: '*' }]));
      expectFinding('KMS4', stack, DEV, addressOf(key), /Deny of kms:Encrypt/);
      expectFinding('KMS4', stack, DEV, addressOf(key), /statement "Default" grants both key administration/);
    });
    it('fails a confining Deny via another Region, one that misses an operation, or one with a broader exemption', () => {
      const region = editKeyPolicy((doc) => (statement(doc, 'DenyKeyUseOutsideS3').Condition.StringNotEquals['kms:ViaService'] = 's3.us-east-1.amazonaws.com'));
      expectFinding('KMS4', region, DEV, addressOf(key), /s3\.eu-central-1\.amazonaws\.com/);
      const grants = editKeyPolicy((doc) => (statement(doc, 'DenyKeyUseOutsideS3').Action = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*']));
      expectFinding('KMS4', grants, DEV, addressOf(key), /CreateGrant/);
      const exempt = editKeyPolicy((doc) => (statement(doc, 'DenyKeyUseOutsideS3').Condition.StringNotEquals['aws:PrincipalAccount'] = '111111111111'));
      expectFinding('KMS4', exempt, DEV, addressOf(key), /Deny of kms:Encrypt/);
    });
    it('fails a confining Deny that lets DynamoDB or Secrets Manager use the key where the stack encrypts nothing of theirs with it', () => {
      const opened = editKeyPolicy((doc) => (statement(doc, 'DenyKeyUseOutsideS3').Condition.StringNotEquals['kms:ViaService'] = ['s3.eu-central-1.amazonaws.com', 'dynamodb.eu-central-1.amazonaws.com']));
      expectFinding('KMS4', opened, DEV, addressOf(key), /Deny of kms:Encrypt/);
      const depotKey = (edit: (doc: any) => void) => mutated('depot', (s) => editPolicy(only(s, key).config, edit));
      const otherService = depotKey((doc) => statement(doc, 'DenyKeyUseOutsideS3').Condition.StringNotEquals['kms:ViaService'].push('ec2.eu-west-1.amazonaws.com'));
      expectFinding('KMS4', otherService, DATA, addressOf(key, 'depot'), /dynamodb\.eu-west-1\.amazonaws\.com/);
      const withoutTable = mutated('depot', (s) => delete s.resource.aws_dynamodb_table);
      expectFinding('KMS4', withoutTable, DATA, addressOf(key, 'depot'), /only the services whose resources in this stack this key encrypts/);
    });
    it('fails a key policy without the account root as administrator (the key could become unmanageable)', () => {
      const stack = editKeyPolicy((doc) => (doc.Statement = doc.Statement.filter((st: any) => st.Sid !== 'KeyAdministrationThroughIam')));
      expectFinding('KMS4', stack, DEV, addressOf(key), /unmanageable/);
    });
    it('accepts a break-glass exemption by principal ARN', () => {
      const stack = editKeyPolicy((doc) => (statement(doc, 'DenyKeyUseOutsideS3').Condition.ArnNotEquals = { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/incident-response' }));
      expectCompliant('KMS4', stack, DEV);
    });
  });

  describe('KMS3 no open key policy', () => {
    itPassesTheRealStacks('KMS3');
    const open = (condition?: object) =>
      mutated('lab', (s) => editPolicy(only(s, key).config, (doc) => doc.Statement.push({ Sid: 'Open', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*', ...(condition ? { Condition: condition } : {}) })));
    it('fails Principal "*" without a condition', () => {
      expectFinding('KMS3', open(), DEV, addressOf(key), /statement "Open"/);
    });
    it('accepts Principal "*" with a condition', () => {
      expectCompliant('KMS3', open({ StringEquals: { 'kms:CallerAccount': '111111111111' } }), DEV);
    });
  });
});

// ---------------------------------------------------------------------------------------------
describe('data perimeter and role names', () => {
  describe('DATA1: a data perimeter on every data-bearing resource, one list for all', () => {
    itPassesTheRealStacks('DATA1');
    const tablePolicy = 'aws_dynamodb_resource_policy';
    const secretPolicies = (stack: any) => Object.entries(stack.resource.aws_secretsmanager_secret_policy) as [string, any][];
    it('fails a table without its resource policy, naming the table', () => {
      const stack = mutated('depot', (s) => delete s.resource[tablePolicy]);
      expectFinding('DATA1', stack, DATA, addressOf('aws_dynamodb_table', 'depot'), /Deny for Principal "\*" of dynamodb:GetItem.*aws:PrincipalArn/);
    });
    it('fails a table perimeter that leaves out Scan, or that carries a second condition', () => {
      const without = mutated('depot', (s) => editPolicy(only(s, tablePolicy).config, (doc) => (doc.Statement[0].Action = doc.Statement[0].Action.filter((a: string) => a !== 'dynamodb:Scan'))));
      expectFinding('DATA1', without, DATA, addressOf('aws_dynamodb_table', 'depot'));
      const narrowed = mutated('depot', (s) => editPolicy(only(s, tablePolicy).config, (doc) => (doc.Statement[0].Condition.Bool = { 'aws:SecureTransport': 'false' })));
      expectFinding('DATA1', narrowed, DATA, addressOf('aws_dynamodb_table', 'depot'));
    });
    it('fails a tenant secret without its policy, and one whose perimeter admits another list', () => {
      const removed = mutated('depot', (s) => {
        const [name] = secretPolicies(s)[0]!;
        delete s.resource.aws_secretsmanager_secret_policy[name];
      });
      expect(findings('DATA1', removed, DATA).map((f) => f.fix).join('\n')).toMatch(/aws_secretsmanager_secret_policy of the secret/);
      seenFailing.add('DATA1');
      const widened = mutated('depot', (s) => {
        const [, config] = secretPolicies(s)[0]!;
        editPolicy(config, (doc) => doc.Statement[0].Condition.ArnNotLike['aws:PrincipalArn'].push('arn:aws:iam::111111111111:role/tenantup-staging-*'));
      });
      expect(findings('DATA1', widened, DATA).map((f) => f.fix).join('\n')).toMatch(/use one list for every data-bearing resource/);
    });
    it('accepts the same list of principals in another order', () => {
      const stack = mutated('depot', (s) => editPolicy(only(s, tablePolicy).config, (doc) => {
        const st = doc.Statement[0];
        st.Condition = { ArnNotLike: { 'aws:PrincipalArn': [...st.Condition.ArnNotLike['aws:PrincipalArn']].reverse() } };
      }));
      expectCompliant('DATA1', stack, DATA);
    });
  });

  describe('IAM10: no two roles of a stack share a name', () => {
    itPassesTheRealStacks('IAM10');
    it('fails a second role with the name of the authenticated role (in another case)', () => {
      const stack = mutated('lab', (s) => {
        const role = only(s, 'aws_iam_role');
        addResource(s, 'aws_iam_role', 'Twin', { ...role.config, name: String(role.config.name).toUpperCase() });
      });
      expectFinding('IAM10', stack, DEV, 'aws_iam_role.Twin', /equals the name of aws_iam_role\./);
    });
  });
});

// ---------------------------------------------------------------------------------------------
describe('state and deletion rules', () => {
  describe('ST1 remote backend', () => {
    itPassesTheRealStacks('ST1');
    const withBackend = (() => {
      let cached: StackJson | undefined;
      return () => {
        const prod = fixtureEnvironment('vault');
        const backend = { bucket: 'tenantup-terraform-state', key: 'prod/terraform.tfstate', region: 'eu-west-1', encrypt: true as const, useLockfile: true as const };
        cached ??= synthLoaded({ ...prod, config: { ...prod.config, backend } });
        return cached;
      };
    })();
    it('passes the synthesized S3 backend with encryption and a lock file', () => {
      expectCompliant('ST1', withBackend(), PROD);
    });
    it('fails an S3 backend without use_lockfile or encrypt', () => {
      const stack = editableCopy(withBackend());
      delete stack.terraform.backend.s3.use_lockfile;
      stack.terraform.backend.s3.encrypt = false;
      expectFinding('ST1', stack, PROD, 'terraform.backend.s3', /use_lockfile = true/);
      expectFinding('ST1', stack, PROD, 'terraform.backend.s3', /encrypt = true/);
    });
    it('fails a remote backend that is not S3', () => {
      const stack = mutated('lab', (s) => (s.terraform.backend = { remote: { organization: 'x' } }));
      expectFinding('ST1', stack, DEV, 'terraform.backend.remote', /s3 backend/);
    });
  });

  describe('ST2 protected data', () => {
    itPassesTheRealStacks('ST2');
    it('fails a protected bucket without prevent_destroy, or with force_destroy', () => {
      const stack = mutated('vault', (s) => {
        const b = only(s, 'aws_s3_bucket').config;
        delete b.lifecycle;
        b.force_destroy = true;
      });
      expectFinding('ST2', stack, PROD, addressOf('aws_s3_bucket', 'vault'), /prevent_destroy = true/);
      expectFinding('ST2', stack, PROD, addressOf('aws_s3_bucket', 'vault'), /force_destroy = false/);
    });
    it('fails a protected user pool and key without prevent_destroy', () => {
      const stack = mutated('vault', (s) => {
        delete only(s, 'aws_cognito_user_pool').config.lifecycle;
        delete only(s, 'aws_kms_key').config.lifecycle;
      });
      expectFinding('ST2', stack, PROD, addressOf('aws_cognito_user_pool', 'vault'));
      expectFinding('ST2', stack, PROD, addressOf('aws_kms_key', 'vault'));
    });
    it('fails a protected tenant table or tenant secret without prevent_destroy', () => {
      const secrets = Object.keys(synthFixture('depot').resource?.aws_secretsmanager_secret ?? {});
      const stack = mutated('depot', (s) => {
        delete only(s, 'aws_dynamodb_table').config.lifecycle;
        delete s.resource.aws_secretsmanager_secret[secrets[0]!].lifecycle;
      });
      expectFinding('ST2', stack, DATA, addressOf('aws_dynamodb_table', 'depot'), /prevent_destroy = true/);
      expectFinding('ST2', stack, DATA, `aws_secretsmanager_secret.${secrets[0]}`, /prevent_destroy = true/);
    });
    it('fails a protected table without deletion protection, and a protected secret deleted without recovery', () => {
      const secrets = Object.keys(synthFixture('depot').resource?.aws_secretsmanager_secret ?? {});
      const stack = mutated('depot', (s) => {
        only(s, 'aws_dynamodb_table').config.deletion_protection_enabled = false;
        s.resource.aws_secretsmanager_secret[secrets[0]!].recovery_window_in_days = 0;
      });
      expectFinding('ST2', stack, DATA, addressOf('aws_dynamodb_table', 'depot'), /deletion_protection_enabled = true/);
      expectFinding('ST2', stack, DATA, `aws_secretsmanager_secret.${secrets[0]}`, /recovery_window_in_days to 7–30/);
    });
    it('does not require prevent_destroy in an unprotected environment', () => {
      expect(only(editableCopy(synthFixture('lab')), 'aws_s3_bucket').config.lifecycle).toBeUndefined();
      expectCompliant('ST2', synthFixture('lab'), DEV);
    });
  });

  describe('ST3 pinned addresses of data-bearing resources', () => {
    /**
     * The Terraform addresses of the resources that hold customer data. Terraform tracks state by
     * address: a renamed construct (or a changed parent id) plans a destroy of the old address and
     * a create of the new one, i.e. a new, empty bucket, user pool or key. If this test fails
     * because you renamed a construct, do not update the pin: keep the id, or move the resource
     * with a `moved` block (cdktf: `resource.moveTo(...)` / `moveFromId`) so Terraform renames state
     * instead of deleting data. https://developer.hashicorp.com/terraform/language/modules/develop/refactoring
     *
     * The identity pool is pinned too: it holds every user's identity id, and `private/<identity id>/`
     * folders are keyed by it, so a new pool would orphan every private folder.
     */
    const PINNED = {
      aws_s3_bucket: 'aws_s3_bucket.UploadBucket_E75E61AC',
      aws_cognito_user_pool: 'aws_cognito_user_pool.UserPool_46E8E600',
      aws_kms_key: 'aws_kms_key.DataKey_0F118E08',
      aws_cognito_identity_pool: 'aws_cognito_identity_pool.IdentityPool_1CD93249',
    };
    it.each(repositoryEnvironments().map((e) => e.name))('keeps the data-bearing addresses of %s', (name) => {
      const stack = synthEnvironment(name);
      for (const [type, address] of Object.entries(PINNED)) {
        expect(Object.keys(stack.resource?.[type] ?? {}).map((n) => `${type}.${n}`)).toEqual([address]);
      }
    });
    /** The tenant table and the tenant secrets (keyed by tenant id), where an environment has them. */
    const TENANT_TABLE = 'aws_dynamodb_table.TenantTable_39F52D11';
    const tenantSecret = (tenant: string) => new RegExp(`^aws_secretsmanager_secret\\.TenantSecrets_Secret-${tenant}_[0-9A-F]{8}$`);
    it.each(repositoryEnvironments().map((e) => e.name))('keeps the tenant table and tenant secret addresses of %s', (name) => {
      const environment = repositoryEnvironments().find((e) => e.name === name)!;
      const stack = synthEnvironment(name);
      const tables = Object.keys(stack.resource?.aws_dynamodb_table ?? {}).map((n) => `aws_dynamodb_table.${n}`);
      expect(tables).toEqual(environment.config.table ? [TENANT_TABLE] : []);
      const secrets = Object.keys(stack.resource?.aws_secretsmanager_secret ?? {}).map((n) => `aws_secretsmanager_secret.${n}`);
      const tenants = environment.config.tenantSecrets ? environment.config.tenants.map((t) => t.id) : [];
      expect(secrets).toHaveLength(tenants.length);
      for (const tenant of tenants) expect(secrets.filter((a) => tenantSecret(tenant).test(a))).toHaveLength(1);
    });
    it('pins the same table and secret addresses in the fixture with tenant data (depot)', () => {
      const stack = synthFixture('depot');
      expect(Object.keys(stack.resource?.aws_dynamodb_table ?? {}).map((n) => `aws_dynamodb_table.${n}`)).toEqual([TENANT_TABLE]);
      expect(Object.keys(stack.resource?.aws_secretsmanager_secret ?? {}).map((n) => `aws_secretsmanager_secret.${n}`).sort()).toEqual(['aws_secretsmanager_secret.TenantSecrets_Secret-acme_CF155EB6', 'aws_secretsmanager_secret.TenantSecrets_Secret-globex_71CCE6EF'].sort());
    });
    itPassesTheRealStacks('ST3');
    it('fails a second address for the same bucket name', () => {
      const stack = mutated('lab', (s) => addResource(s, 'aws_s3_bucket', 'UploadBucketRenamed', { ...only(s, 'aws_s3_bucket').config }));
      expectFinding('ST3', stack, DEV, 'aws_s3_bucket.UploadBucketRenamed', /already manages bucket/);
    });
    it('fails a moved block to an address the stack does not define', () => {
      const stack = mutated('lab', (s) => (s.moved = [{ from: 'aws_s3_bucket.Old', to: 'aws_s3_bucket.Missing' }]));
      expectFinding('ST3', stack, DEV, 'aws_s3_bucket.Missing', /does not define/);
    });
  });
});

// ---------------------------------------------------------------------------------------------
describe('quota rules', () => {
  describe('QUOTA1 user-pool quotas and policy sizes', () => {
    itPassesTheRealStacks('QUOTA1');
    const pool = 'aws_cognito_user_pool';
    it('fails more groups in a user pool than the quota, naming the Service Quotas request', () => {
      const stack = mutated('lab', (s) => {
        for (let i = 0; i < 3; i++) addResource(s, 'aws_cognito_user_group', `Group${i}`, { name: `g${i}`, user_pool_id: ref(only(s, pool).address, 'id') });
      });
      expectFinding('QUOTA1', stack, { ...DEV, quotas: { groupsPerUserPool: 2 } }, addressOf(pool), /quota groupsPerUserPool .*: 3 against a limit of 2 .*"Groups per user pool" in Service Quotas and set quotas\.groupsPerUserPool/);
      expectCompliant('QUOTA1', stack, { ...DEV, quotas: { groupsPerUserPool: 3 } });
    });
    it('fails more identity providers in a user pool than the quota', () => {
      const providers = Object.keys(synthFixture('lab').resource?.aws_cognito_identity_provider ?? {}).length;
      expect(providers).toBeGreaterThan(0);
      expectFinding('QUOTA1', synthFixture('lab'), { ...DEV, quotas: { identityProvidersPerUserPool: providers - 1 } }, addressOf(pool), new RegExp(`quota identityProvidersPerUserPool .*: ${providers} against a limit of ${providers - 1}`));
    });
    it('fails a bucket policy over 20 KB and a key policy over 32 KB (quotas AWS does not raise)', () => {
      const stack = mutated('lab', (s) => {
        editPolicy(only(s, 'aws_s3_bucket_policy').config, (doc) => doc.Statement.push({ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: Array.from({ length: 900 }, (_, i) => `arn:aws:s3:::padding-${i}/*`) }));
        editPolicy(only(s, 'aws_kms_key').config, (doc) => doc.Statement.push({ Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: Array.from({ length: 1000 }, (_, i) => `arn:aws:kms:eu-west-1:123456789012:key/padding-${i}`) }));
      });
      expectFinding('QUOTA1', stack, DEV, addressOf('aws_s3_bucket_policy'), /quota bucketPolicyBytes .*: \d+ against a limit of 20480 .*AWS does not raise this quota/);
      expectFinding('QUOTA1', stack, DEV, addressOf('aws_kms_key'), /quota keyPolicyBytes .*: \d+ against a limit of 32768/);
    });
  });
});

describe('acknowledgements', () => {
  const reason = 'Plus plan is not bought for dev; reviewed 2026-11';

  it('turns an acknowledged warning into "acknowledged" with its reason', () => {
    const report = runRules(synthFixture('lab'), { ...DEV, acknowledgements: [{ rule: 'UP4', reason }] });
    expect(report.warnings.map((r) => r.rule.id)).toEqual(['S3-7']);
    expect(report.acknowledged.map((r) => r.rule.id)).toEqual(['UP4']);
    expect(formatResult(report.acknowledged[0], 'lab')).toBe(
      `ACKNOWLEDGED UP4 lab ${addressOf('aws_cognito_user_pool')}: ${rule('UP4').description} Fix: ${report.acknowledged[0].finding.fix} (${reason})`,
    );
  });

  it('never silences an error, even if an acknowledgement names it', () => {
    const stack = mutated('lab', (s) => (only(s, 'aws_cognito_identity_pool').config.allow_classic_flow = true));
    const report = runRules(stack, { ...DEV, acknowledgements: [{ rule: 'IDP2', reason: 'we want the classic flow' }] });
    expect(report.errors.map((r) => r.rule.id)).toEqual(['IDP2']);
    expect(report.ignoredAcknowledgements.map((a) => a.rule)).toEqual(['IDP2']);
  });

  it('reports an acknowledgement that matches no finding as stale', () => {
    const stack = mutated('lab', (s) => (only(s, 'aws_cognito_user_pool').config.user_pool_add_ons = { advanced_security_mode: 'ENFORCED' }));
    expect(runRules(stack, { ...DEV, acknowledgements: [{ rule: 'UP4', reason }] }).unusedAcknowledgements.map((a) => a.rule)).toEqual(['UP4']);
  });

  it('is rejected by the config loader for an error-level or unknown rule', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ack-'));
    try {
      const config = JSON.parse(fs.readFileSync(path.join(RULE_FIXTURES_DIR, 'lab', 'config.json'), 'utf8'));
      config.acknowledgements = [
        { rule: 'UP4', reason },
        { rule: 'IAM3', reason: 'we need bucket-wide access' },
        { rule: 'XYZ9', reason: 'a typo of a rule id' },
      ];
      fs.mkdirSync(path.join(dir, 'lab'));
      fs.writeFileSync(path.join(dir, 'lab', 'config.json'), JSON.stringify(config));
      const { problems } = loadEnvironment(REPO_ROOT, 'lab', { environmentsDir: dir, now: TEST_NOW });
      expect(problems).toHaveLength(2);
      expect(problems[0]).toMatch(/acknowledgements\[1\]\.rule is an error-level rule, which cannot be acknowledged.*UP4, S3-7.*"IAM3"/);
      expect(problems[1]).toMatch(/acknowledgements\[2\]\.rule is not a security rule id.*"XYZ9"/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a rule that throws as an error of that rule (fail closed)', () => {
    const broken: SecurityRule = { ...rule('UP4'), level: 'warning', check: () => { throw new Error('boom'); } };
    const report = runRules(synthFixture('lab'), DEV, [broken]);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0].finding.fix).toMatch(/boom/);
  });

  it('prints a per-environment summary table', () => {
    const reports = ['lab', 'vault'].map((name) => runRules(synthFixture(name), name === 'lab' ? { ...DEV, acknowledgements: [{ rule: 'UP4', reason }] } : PROD));
    expect(formatSummary(reports).split('\n')).toEqual([
      'env    errors  warnings  acknowledged',
      'lab         0         1             1',
      'vault       0         2             0',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
describe('synthesizeChecked (what main.ts runs)', () => {
  const created: string[] = [];
  afterAll(() => created.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
  const tmp = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'publish-'));
    created.push(dir);
    return dir;
  };
  const dev = fixtureEnvironment('lab');
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  const build = (breakIt: boolean) => (app: any) => {
    const stack = new UploadPlatformStack(app, { environment: dev });
    if (breakIt) stack.identityPool.identityPool.addOverride('allow_classic_flow', true);
  };
  const options = (outdir: string) => ({ contexts: [DEV], outdir, log, app: { stackTraces: false } });
  beforeEach(() => (lines.length = 0));

  it('publishes manifest and stacks when no rule reports an error, keeping Terraform\'s working files', () => {
    const outdir = path.join(tmp(), 'cdktf.out');
    fs.mkdirSync(path.join(outdir, 'stacks', 'lab', '.terraform'), { recursive: true });
    fs.writeFileSync(path.join(outdir, 'stacks', 'lab', '.terraform', 'marker'), 'providers');
    const result = synthesizeChecked(build(false), options(outdir));
    expect(result).toMatchObject({ published: true, errorCount: 0, outdir });
    expect(JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')).stacks.lab.synthesizedStackPath).toBe('stacks/lab/cdk.tf.json');
    expect(JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', 'lab', 'cdk.tf.json'), 'utf8'))).toEqual(synthFixture('lab'));
    expect(fs.readFileSync(path.join(outdir, 'stacks', 'lab', '.terraform', 'marker'), 'utf8')).toBe('providers');
    // lab acknowledges its two cost warnings in config, so they print as acknowledged.
    expect(lines.filter((l) => l.startsWith('ACKNOWLEDGED')).map((l) => l.split(' ')[1])).toEqual(['UP4', 'S3-7']);
    expect(lines.filter((l) => l.startsWith('WARNING'))).toEqual([]);
  });

  it('writes no outdir at all when a rule reports an error, and prints the finding', () => {
    const outdir = path.join(tmp(), 'cdktf.out');
    const result = synthesizeChecked(build(true), options(outdir));
    expect(result).toMatchObject({ published: false, errorCount: 1 });
    expect(fs.existsSync(outdir)).toBe(false);
    expect(lines).toContain(
      `ERROR IDP2 lab ${addressOf('aws_cognito_identity_pool')}: ${rule('IDP2').description} Fix: set allow_classic_flow = false; use the enhanced flow (GetCredentialsForIdentity).`,
    );
    expect(lines[lines.length - 1]).toMatch(/^1 security rule error; nothing was written to /);
  });

  it('leaves a previous outdir byte for byte as it was when a rule reports an error', () => {
    const outdir = path.join(tmp(), 'cdktf.out');
    fs.mkdirSync(path.join(outdir, 'stacks', 'lab'), { recursive: true });
    fs.writeFileSync(path.join(outdir, 'manifest.json'), 'previous manifest');
    fs.writeFileSync(path.join(outdir, 'stacks', 'lab', 'cdk.tf.json'), 'previous stack');
    synthesizeChecked(build(true), options(outdir));
    expect(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')).toBe('previous manifest');
    expect(fs.readFileSync(path.join(outdir, 'stacks', 'lab', 'cdk.tf.json'), 'utf8')).toBe('previous stack');
  });

  it('never writes with publish: false (npm run check)', () => {
    const outdir = path.join(tmp(), 'cdktf.out');
    const result = synthesizeChecked(build(false), { ...options(outdir), publish: false });
    expect(result.published).toBe(false);
    expect(result.reports.map((r) => r.environment)).toEqual(['lab']);
    expect(fs.existsSync(outdir)).toBe(false);
  });

  it('refuses a stack without a rule context, and HCL output the rules cannot read', () => {
    expect(() => synthesizeChecked(build(false), { ...options(path.join(tmp(), 'out')), contexts: [] })).toThrow(/no rule context for stack "lab"/);
    process.env.SYNTH_HCL_OUTPUT = 'true';
    try {
      expect(() => synthesizeChecked(build(false), options(path.join(tmp(), 'out')))).toThrow(/--hcl/);
    } finally {
      delete process.env.SYNTH_HCL_OUTPUT;
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe('group roles: tiers, role per tenant, tenant-less users', () => {
  // Generated in memory, so no test depends on what environments/ holds.
  const tenantless = inMemoryEnvironment('consumer', { ...generatedConfig('consumer'), tiers: true, tenantlessUsers: true });
  const perTenant = inMemoryEnvironment('pertenant', { ...generatedConfig('pertenant'), isolation: 'role-per-tenant', table: {}, tenantSecrets: {} });
  // Users without a tenant in role-per-tenant mode get the default role (the tenant-claim trigger puts it in their token).
  const perTenantTenantless = inMemoryEnvironment('pertenantless', { ...generatedConfig('pertenantless'), isolation: 'role-per-tenant', tenantlessUsers: true, table: { leadingKey: 'exact' }, tenantSecrets: {} });
  const synthesized = new Map<string, StackJson>();
  const stackOf = (environment: typeof tenantless) => {
    if (!synthesized.has(environment.name)) synthesized.set(environment.name, synthLoaded(environment));
    return editableCopy(synthesized.get(environment.name)!);
  };
  /** The inline policy of the role whose name ends in `suffix`. */
  const policyOfRole = (stack: any, suffix: string): { address: string; config: any } => {
    const [roleName] = Object.entries(stack.resource.aws_iam_role).find(([, c]: [string, any]) => String(c.name).endsWith(suffix))!;
    const [name, config] = Object.entries(stack.resource.aws_iam_role_policy).find(([, c]: [string, any]) => c.role === `\${aws_iam_role.${roleName}.id}`)!;
    return { address: `aws_iam_role_policy.${name}`, config };
  };

  it('passes every rule on a tenant-less environment with tiers and on role-per-tenant environments (with the table and secrets, with and without tenant-less users)', () => {
    for (const environment of [tenantless, perTenant, perTenantTenantless]) {
      const errors = runRules(stackOf(environment), ruleContextFor(environment)).errors.map((r) => formatResult(r, environment.name));
      expect({ environment: environment.name, errors }).toEqual({ environment: environment.name, errors: [] });
    }
  });

  it('IAM4 (tenant-less): fails when the absent-tag Deny leaves a tenant grant uncovered', () => {
    const stack = stackOf(tenantless);
    const policy = policyOfRole(stack, '-authenticated');
    editPolicy(policy.config, (doc) => (statement(doc, 'DenyTenantObjectsWithoutTenantTag').NotResource = [...statement(doc, 'DenyTenantObjectsWithoutTenantTag').NotResource, '*']));
    expectFinding('IAM4', stack, ruleContextFor(tenantless), policy.address, /every grant that names the tenant .*not covered: s3:GetObject/);
  });

  it('IAM4 (tenant-less): fails a tier role without the absent-tag Denies', () => {
    const stack = stackOf(tenantless);
    const policy = policyOfRole(stack, '-tier.paid');
    editPolicy(policy.config, (doc) => (doc.Statement = doc.Statement.filter((x: any) => !/WithoutTenantTag$/.test(x.Sid))));
    expectFinding('IAM4', stack, ruleContextFor(tenantless), policy.address, /"Null"/);
  });

  it("IAM3 (role per tenant): fails a tenant's role that names another tenant's folder", () => {
    const stack = stackOf(perTenant);
    const policy = policyOfRole(stack, '-tenant.alpha');
    editPolicy(policy.config, (doc) => (statement(doc, 'TenantObjects').Resource = String(statement(doc, 'TenantObjects').Resource).replace('/alpha/*', '/bravo/*')));
    expectFinding('IAM3', stack, ruleContextFor(perTenant), policy.address, /"bravo\/\*" is not inside a tenant or identity folder/);
  });

  it("IAM3 (role per tenant): fails a tenant's role whose policy lost its tenant binding", () => {
    const stack = stackOf(perTenant);
    const policy = policyOfRole(stack, '-tenant.alpha');
    editPolicy(policy.config, (doc) => (doc.Statement = doc.Statement.filter((x: any) => x.Sid !== 'DenyTagOfAnotherTenant')));
    expectFinding('IAM3', stack, ruleContextFor(perTenant), policy.address, /"alpha\/\*" is not inside a tenant or identity folder/);
  });

  // A tenant's role may name its tenant's table keys and secret literally only while a Deny binds the
  // role to that tenant's tag on those very actions and resources.
  const unbindData = (doc: any, service: string) => {
    const binding = statement(doc, 'DenyTagOfAnotherTenant');
    binding.Action = binding.Action.filter((a: string) => !a.startsWith(service));
  };

  it("IAM6 (role per tenant): fails a tenant's role that names another tenant's keys, or its own without a binding on DynamoDB", () => {
    const other = stackOf(perTenant);
    const policy = policyOfRole(other, '-tenant.alpha');
    editPolicy(policy.config, (doc) => (statement(doc, 'TableTenantPrefixItems').Condition['ForAllValues:StringLike']['dynamodb:LeadingKeys'] = ['bravo#*']));
    expectFinding('IAM6', other, ruleContextFor(perTenant), policy.address, /LeadingKeys.*found.*bravo#\*/);
    const unbound = stackOf(perTenant);
    const unboundPolicy = policyOfRole(unbound, '-tenant.alpha');
    editPolicy(unboundPolicy.config, (doc) => unbindData(doc, 'dynamodb:'));
    expectFinding('IAM6', unbound, ruleContextFor(perTenant), unboundPolicy.address, /LeadingKeys.*found.*alpha#\*/);
  });

  it("IAM7 (role per tenant): fails a tenant's role that compares the secret's tag with another tenant, or with its own without a binding", () => {
    const other = stackOf(perTenant);
    const policy = policyOfRole(other, '-tenant.alpha');
    editPolicy(policy.config, (doc) => (statement(doc, 'TenantSecretRead').Condition.StringEquals['secretsmanager:ResourceTag/customerName'] = 'bravo'));
    expectFinding('IAM7', other, ruleContextFor(perTenant), policy.address, /secretsmanager:ResourceTag\/customerName/);
    const unbound = stackOf(perTenant);
    const unboundPolicy = policyOfRole(unbound, '-tenant.alpha');
    editPolicy(unboundPolicy.config, (doc) => unbindData(doc, 'secretsmanager:'));
    expectFinding('IAM7', unbound, ruleContextFor(perTenant), unboundPolicy.address, /secretsmanager:ResourceTag\/customerName/);
  });

  it("KMS2 (role per tenant): fails a tenant's role whose key use through Secrets Manager names another tenant's secret, or its own without a binding on the key", () => {
    const other = stackOf(perTenant);
    const policy = policyOfRole(other, '-tenant.alpha');
    editPolicy(policy.config, (doc) => {
      const s = statement(doc, 'DataKeyThroughSecretsManager');
      s.Condition.StringLike['kms:EncryptionContext:SecretARN'] = String(s.Condition.StringLike['kms:EncryptionContext:SecretARN']).replace('/alpha/', '/bravo/');
    });
    expectFinding('KMS2', other, ruleContextFor(perTenant), policy.address, /own secret/);
    const unbound = stackOf(perTenant);
    const unboundPolicy = policyOfRole(unbound, '-tenant.alpha');
    editPolicy(unboundPolicy.config, (doc) => unbindData(doc, 'kms:'));
    expectFinding('KMS2', unbound, ruleContextFor(perTenant), unboundPolicy.address, /own secret/);
  });

  it('IDP7: fails a Token role mapping that falls back to the default role', () => {
    const stack = stackOf(perTenant);
    const attachment = only(stack, 'aws_cognito_identity_pool_roles_attachment');
    attachment.config.role_mapping[0].ambiguous_role_resolution = 'AuthenticatedRole';
    expectFinding('IDP7', stack, ruleContextFor(perTenant), attachment.address, /Deny/);
  });

  it('UP7: fails two tier groups with one precedence', () => {
    const stack = stackOf(tenantless);
    const groups = Object.entries(stack.resource.aws_cognito_user_group) as [string, any][];
    groups[1]![1].precedence = groups[0]![1].precedence;
    expectFinding('UP7', stack, ruleContextFor(tenantless), `aws_cognito_user_group.${groups[1]![0]}`, /precedence/);
  });
});

// ---------------------------------------------------------------------------------------------
describe('every rule', () => {
  it('has at least one non-compliant case above (a rule that cannot fail is a defect)', () => {
    expect(RULE_IDS.filter((id) => !seenFailing.has(id))).toEqual([]);
  });
});
