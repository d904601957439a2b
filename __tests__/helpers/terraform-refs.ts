/**
 * Read values back out of a synthesized Terraform JSON stack (`cdktf.out/stacks/<env>/cdk.tf.json`)
 * the way Terraform would see them, with deterministic fake values standing in for attributes that
 * only exist after `terraform apply` (ARNs, ids).
 *
 * Pure functions; no cdktf import, no file access.
 *
 * Why this exists: the access-matrix tests must evaluate the policies the stack really emits, not
 * the TypeScript objects the modules built them from. A policy string in cdk.tf.json is a Terraform
 * string template: `${aws_s3_bucket.X.arn}` is an interpolation Terraform replaces, `$${aws:...}`
 * is an escape Terraform turns into a literal `${aws:...}` (which IAM then reads as a policy variable).
 * https://developer.hashicorp.com/terraform/language/expressions/strings#escape-sequences
 *
 * Everything here fails loudly: an interpolation that is not a plain reference we know, a function
 * call, a template directive or nested braces all throw. This matters because iam-simulate does NOT
 * reject a leftover `${aws_s3_bucket.X.arn}/*` in an identity policy: it treats any Resource with
 * fewer than six `:`-separated parts as a "short ARN" and pads it with `*`, so an unresolved
 * reference silently becomes a Resource that matches everything.
 */

import { createHash } from 'node:crypto';

/** Account id used for every fake ARN. */
export const FAKE_ACCOUNT_ID = '111111111111';
/** Partition used for every fake ARN. */
export const FAKE_PARTITION = 'aws';

/** A plain Terraform reference: `type.name.attr` or `data.type.name.attr`. Nothing else is resolved. */
const REFERENCE = /^(?:data\.)?[A-Za-z_][A-Za-z0-9_-]*\.[A-Za-z_][A-Za-z0-9_-]*\.[A-Za-z_][A-Za-z0-9_]*$/;

function knownRefsList(refs: Readonly<Record<string, string>>): string {
  const keys = Object.keys(refs).sort();
  return keys.length === 0 ? '(none)' : keys.map((k) => `  ${k}`).join('\n');
}

function fail(value: string, at: number, problem: string, refs: Readonly<Record<string, string>>): never {
  throw new Error(
    `resolveTerraformString: ${problem} at offset ${at} of ${JSON.stringify(value)}.\n` +
      `Only plain references listed in the ref table are supported. Known refs:\n${knownRefsList(refs)}`,
  );
}

/**
 * Evaluates a Terraform string template the way Terraform does, for the subset our stacks use.
 *
 * Scanning is left to right, so `$${x}` is always the escape for a literal `${x}` (never `$` followed
 * by an interpolation), and `%%{` is the escape for a literal `%{`.
 *
 * - `${<address>.<attr>}` is replaced by `refs['<address>.<attr>']`; the whole expression is the key.
 * - `$${` becomes `${` and `%%{` becomes `%{`.
 * - Throws (with the expression and the list of known refs) on: an unknown reference, anything
 *   that is not a plain reference (function call, operator, index, `var.`/`local.` not in refs),
 *   a template directive `%{`, nested braces inside `${...}`, or an unterminated `${`.
 */
export function resolveTerraformString(value: string, refs: Readonly<Record<string, string>>): string {
  return evaluateTemplate(value, refs, false);
}

/**
 * Replaces the references like `resolveTerraformString` but leaves the escapes `$${` and `%%{` as
 * they are: the string Terraform itself must still parse, with fake literals where apply-time
 * values would be (used to let `terraform apply` do the un-escaping, see terraform-escaping.test.ts).
 * Throws on the same inputs as `resolveTerraformString`.
 */
export function substituteTerraformReferences(value: string, refs: Readonly<Record<string, string>>): string {
  for (const v of Object.values(refs)) {
    if (v.includes('${') || v.includes('%{')) throw new Error(`substituteTerraformReferences: ref value ${JSON.stringify(v)} would itself be a template.`);
  }
  return evaluateTemplate(value, refs, true);
}

function evaluateTemplate(value: string, refs: Readonly<Record<string, string>>, keepEscapes: boolean): string {
  let out = '';
  let i = 0;
  while (i < value.length) {
    if (value.startsWith('$${', i)) {
      out += keepEscapes ? '$${' : '${';
      i += 3;
    } else if (value.startsWith('%%{', i)) {
      out += keepEscapes ? '%%{' : '%{';
      i += 3;
    } else if (value.startsWith('%{', i)) {
      fail(value, i, 'template directive "%{" is not supported', refs);
    } else if (value.startsWith('${', i)) {
      const start = i + 2;
      let end = start;
      while (end < value.length && value[end] !== '}') {
        if (value[end] === '{') fail(value, end, 'nested braces inside an interpolation are not supported', refs);
        end++;
      }
      if (end >= value.length) fail(value, i, 'unterminated interpolation "${"', refs);
      const expression = value.slice(start, end).trim();
      if (!REFERENCE.test(expression)) {
        fail(value, i, `interpolation \${${expression}} is not a plain reference (function call, operator or index?)`, refs);
      }
      if (!Object.prototype.hasOwnProperty.call(refs, expression)) {
        fail(value, i, `unknown reference \${${expression}}`, refs);
      }
      out += refs[expression];
      i = end + 1;
    } else {
      out += value[i];
      i++;
    }
  }
  return out;
}

/** `resolveTerraformString` followed by `JSON.parse`: the policy document AWS would receive. */
export function resolvePolicyDocument(value: string, refs: Readonly<Record<string, string>>): Record<string, unknown> {
  const text = resolveTerraformString(value, refs);
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`resolvePolicyDocument: resolved policy is not valid JSON (${(e as Error).message}): ${text}`);
  }
}

/** The parts of a cdk.tf.json that `fakeRefsFor` reads. */
export interface TerraformStackJson {
  readonly provider?: { readonly aws?: ReadonlyArray<{ readonly region?: string; readonly alias?: string }> };
  readonly resource?: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;
  readonly data?: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;
}

function digest(seed: string): string {
  return createHash('sha256').update(seed).digest('hex');
}

/** A deterministic UUID-shaped string derived from `seed`. */
function fakeUuid(seed: string): string {
  const h = digest(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** A deterministic alphanumeric string of `length` characters derived from `seed`. */
function fakeAlnum(seed: string, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const h = createHash('sha512').update(seed).digest();
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[h[i % h.length] % alphabet.length];
  return s;
}

/** `UploadBucket_Bucket_1A2B3C` -> `uploadbucket-bucket-1a2b3c` (a plausible S3/IAM name). */
function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
}

function isConfig(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Iterates `section[type][name]`, skipping cdktf's `//` metadata keys. */
function* blocks(
  section: TerraformStackJson['resource'],
): Generator<{ type: string; name: string; config: Readonly<Record<string, unknown>> }> {
  for (const [type, byName] of Object.entries(section ?? {})) {
    if (type.startsWith('//') || !isConfig(byName)) continue;
    for (const [name, config] of Object.entries(byName)) {
      if (name.startsWith('//') || !isConfig(config)) continue;
      yield { type, name, config };
    }
  }
}

/**
 * Builds a ref table for `resolveTerraformString` from the stack JSON itself, with deterministic
 * fake values (same stack in, same values out).
 *
 * Region comes from `provider.aws[0].region` (or, for a resource with `provider: "aws.<alias>"`,
 * from that aliased provider). Account is `FAKE_ACCOUNT_ID`, partition `aws`.
 *
 * Supported (anything else gets no entries, so a reference to it throws in resolveTerraformString):
 * - data.aws_caller_identity: account_id, id, arn
 * - data.aws_partition: partition, id, dns_suffix
 * - data.aws_region: name, region, id
 * - aws_s3_bucket: arn, id, bucket (name = own `bucket` field with references resolved, else from N)
 * - aws_kms_key: arn, id, key_id
 * - aws_kms_alias: arn, id, name (from own `name` field)
 * - aws_cognito_identity_pool: id (`<region>:<uuid>`), arn
 * - aws_cognito_user_pool: id (`<region>_<alnum>`), arn, endpoint
 * - aws_cognito_user_pool_client: id
 * - aws_iam_role: arn, id, name, unique_id (name = own `name` field resolved, else from N)
 * - aws_iam_policy: arn, id, name
 * - aws_dynamodb_table: arn, id, name (from own `name` field)
 * - aws_secretsmanager_secret: arn (own name + `-` + 6 characters, as Secrets Manager appends), id, name
 */
export function fakeRefsFor(stackJson: TerraformStackJson): Record<string, string> {
  const providers = stackJson.provider?.aws ?? [];
  const defaultRegion = providers[0]?.region;
  if (typeof defaultRegion !== 'string' || defaultRegion.length === 0) {
    throw new Error('fakeRefsFor: stackJson.provider.aws[0].region is missing; cannot make regional fake ARNs.');
  }
  const regionFor = (config: Readonly<Record<string, unknown>>, address: string): string => {
    const provider = config.provider;
    if (provider === undefined) return defaultRegion;
    const alias = typeof provider === 'string' && provider.startsWith('aws.') ? provider.slice(4) : undefined;
    const region = providers.find((p) => alias !== undefined && p.alias === alias)?.region;
    if (!region) throw new Error(`fakeRefsFor: ${address} uses provider ${JSON.stringify(provider)} with no known region.`);
    return region;
  };
  const account = FAKE_ACCOUNT_ID;
  const partition = FAKE_PARTITION;
  const refs: Record<string, string> = {};

  // Pass 1: data sources. Resource names (bucket, role) may reference them.
  for (const { type, name, config } of blocks(stackJson.data)) {
    const a = `data.${type}.${name}`;
    switch (type) {
      case 'aws_caller_identity':
        refs[`${a}.account_id`] = account;
        refs[`${a}.id`] = account;
        refs[`${a}.arn`] = `arn:${partition}:sts::${account}:assumed-role/deployer/session`;
        break;
      case 'aws_partition':
        refs[`${a}.partition`] = partition;
        refs[`${a}.id`] = partition;
        refs[`${a}.dns_suffix`] = 'amazonaws.com';
        break;
      case 'aws_region': {
        const region = typeof config.region === 'string' && config.region ? config.region : regionFor(config, a);
        refs[`${a}.name`] = region;
        refs[`${a}.region`] = region;
        refs[`${a}.id`] = region;
        break;
      }
      default:
        break; // Not supported: references to it throw when resolved.
    }
  }

  // A resource's own name field, with references (only to data sources) resolved.
  const ownName = (config: Readonly<Record<string, unknown>>, field: string, prefixField: string, fallback: string): string => {
    const v = config[field];
    if (typeof v === 'string') return resolveTerraformString(v, refs);
    const p = config[prefixField];
    if (typeof p === 'string') return resolveTerraformString(p, refs) + fakeAlnum(fallback, 8).toLowerCase();
    return fallback;
  };

  // Pass 2: resources.
  for (const { type, name, config } of blocks(stackJson.resource)) {
    const a = `${type}.${name}`;
    switch (type) {
      case 'aws_s3_bucket': {
        const bucket = ownName(config, 'bucket', 'bucket_prefix', slug(name));
        refs[`${a}.arn`] = `arn:${partition}:s3:::${bucket}`;
        refs[`${a}.id`] = bucket;
        refs[`${a}.bucket`] = bucket;
        break;
      }
      case 'aws_kms_key': {
        const keyId = fakeUuid(`kms:${a}`);
        refs[`${a}.arn`] = `arn:${partition}:kms:${regionFor(config, a)}:${account}:key/${keyId}`;
        refs[`${a}.id`] = keyId;
        refs[`${a}.key_id`] = keyId;
        break;
      }
      case 'aws_kms_alias': {
        const aliasName = ownName(config, 'name', 'name_prefix', `alias/${slug(name)}`);
        refs[`${a}.arn`] = `arn:${partition}:kms:${regionFor(config, a)}:${account}:${aliasName}`;
        refs[`${a}.id`] = aliasName;
        refs[`${a}.name`] = aliasName;
        break;
      }
      case 'aws_cognito_identity_pool': {
        const region = regionFor(config, a);
        const id = `${region}:${fakeUuid(`identitypool:${a}`)}`;
        refs[`${a}.id`] = id;
        refs[`${a}.arn`] = `arn:${partition}:cognito-identity:${region}:${account}:identitypool/${id}`;
        break;
      }
      case 'aws_cognito_user_pool': {
        const region = regionFor(config, a);
        const id = `${region}_${fakeAlnum(`userpool:${a}`, 9)}`;
        refs[`${a}.id`] = id;
        refs[`${a}.arn`] = `arn:${partition}:cognito-idp:${region}:${account}:userpool/${id}`;
        refs[`${a}.endpoint`] = `cognito-idp.${region}.amazonaws.com/${id}`;
        break;
      }
      case 'aws_cognito_user_pool_client':
        refs[`${a}.id`] = fakeAlnum(`userpoolclient:${a}`, 26).toLowerCase();
        break;
      case 'aws_iam_role': {
        const roleName = ownName(config, 'name', 'name_prefix', slug(name));
        const path = typeof config.path === 'string' ? config.path : '/';
        refs[`${a}.arn`] = `arn:${partition}:iam::${account}:role${path}${roleName}`;
        refs[`${a}.id`] = roleName;
        refs[`${a}.name`] = roleName;
        refs[`${a}.unique_id`] = `AROA${fakeAlnum(`role:${a}`, 17).toUpperCase()}`;
        break;
      }
      case 'aws_iam_policy': {
        const policyName = ownName(config, 'name', 'name_prefix', slug(name));
        const path = typeof config.path === 'string' ? config.path : '/';
        const arn = `arn:${partition}:iam::${account}:policy${path}${policyName}`;
        refs[`${a}.arn`] = arn;
        refs[`${a}.id`] = arn;
        refs[`${a}.name`] = policyName;
        break;
      }
      case 'aws_dynamodb_table': {
        const tableName = ownName(config, 'name', 'name', slug(name));
        refs[`${a}.arn`] = `arn:${partition}:dynamodb:${regionFor(config, a)}:${account}:table/${tableName}`;
        refs[`${a}.id`] = tableName;
        refs[`${a}.name`] = tableName;
        break;
      }
      case 'aws_secretsmanager_secret': {
        const secretName = ownName(config, 'name', 'name_prefix', slug(name));
        // Secrets Manager ends every secret ARN in "-" and six random characters: https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html
        const arn = `arn:${partition}:secretsmanager:${regionFor(config, a)}:${account}:secret:${secretName}-${fakeAlnum(`secret:${a}`, 6)}`;
        refs[`${a}.arn`] = arn;
        refs[`${a}.id`] = arn;
        refs[`${a}.name`] = secretName;
        break;
      }
      default:
        break; // Not supported: references to it throw when resolved.
    }
  }
  return refs;
}
