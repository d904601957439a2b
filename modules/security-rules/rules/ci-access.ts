/**
 * Rules of the CI access stacks (accounts/<name>): they run on those stacks instead of ALL_RULES,
 * which describe the upload platform. See modules/github-ci-access.
 */
import { conditionEntries, policiesIn } from '../policy';
import { attachedTo, block, blocks, isObject, resourcesOf, strings } from '../stack-json';
import { Finding, SecurityRule } from '../types';

const ISSUER = 'token.actions.githubusercontent.com';

export const CI1: SecurityRule = {
  id: 'CI1',
  level: 'error',
  description: 'A role trusting GitHub OIDC pins aud = sts.amazonaws.com and one exact sub (StringEquals, no wildcard), in every statement.',
  reason: 'Without an exact sub, any branch, fork or repository of the owner (or of GitHub) could assume the role; without aud, a token minted for another audience could.',
  docUrl: 'https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services#configuring-the-role-and-trust-policy',
  check(stack) {
    const findings: Finding[] = [];
    for (const policy of policiesIn(stack)) {
      if (policy.attribute !== 'assume_role_policy' || !policy.document) continue;
      for (const statement of policy.document.statements) {
        const federated = isObject(statement.principal) ? strings(statement.principal.Federated) : [];
        const trustsGithub = federated.some((p) => p.includes(ISSUER) || p.includes('aws_iam_openid_connect_provider.'));
        if (!trustsGithub || statement.effect !== 'Allow') continue;
        const where = `${policy.attribute} ${statement.label}`;
        const aud = conditionEntries(statement, `${ISSUER}:aud`);
        if (!(aud.length === 1 && aud[0].operator === 'StringEquals' && aud[0].values.length === 1 && aud[0].values[0] === 'sts.amazonaws.com')) {
          findings.push({ address: policy.address, fix: `${where}: pin StringEquals "${ISSUER}:aud" = "sts.amazonaws.com" (found ${JSON.stringify(aud)}).` });
        }
        const sub = conditionEntries(statement, `${ISSUER}:sub`);
        const exact = sub.length === 1 && sub[0].operator === 'StringEquals' && sub[0].values.length === 1 && !/[*?]/.test(sub[0].values[0]) && /^repo:[^/]+\/[^:]+:(pull_request|environment:.+)$/.test(sub[0].values[0]);
        if (!exact) {
          findings.push({ address: policy.address, fix: `${where}: pin StringEquals "${ISSUER}:sub" to one exact subject such as repo:<owner>/<repo>:pull_request, without wildcards (found ${JSON.stringify(sub)}).` });
        }
      }
    }
    return findings;
  },
};

export const CI2: SecurityRule = {
  id: 'CI2',
  level: 'error',
  description: 'Every bucket of a CI access stack (the Terraform state) is versioned, encrypted by default, private, TLS-only and kept on destroy.',
  reason: 'State holds secrets and is the only record of what Terraform manages: a lost or overwritten state orphans every resource.',
  docUrl: 'https://developer.hashicorp.com/terraform/language/backend/s3',
  check(stack) {
    const findings: Finding[] = [];
    for (const bucket of resourcesOf(stack, 'aws_s3_bucket')) {
      const versioning = attachedTo(stack, 'aws_s3_bucket_versioning', 'bucket', bucket, 'bucket');
      if (!versioning.some((v) => block(v.config.versioning_configuration)?.status === 'Enabled')) {
        findings.push({ address: bucket.address, fix: 'add aws_s3_bucket_versioning with status "Enabled".' });
      }
      const encryption = attachedTo(stack, 'aws_s3_bucket_server_side_encryption_configuration', 'bucket', bucket, 'bucket');
      const algorithms = encryption.flatMap((e) => blocks(e.config.rule)).map((r) => block(r.apply_server_side_encryption_by_default)?.sse_algorithm);
      if (!algorithms.some((a) => a === 'AES256' || a === 'aws:kms' || a === 'aws:kms:dsse')) {
        findings.push({ address: bucket.address, fix: 'add default encryption (aws_s3_bucket_server_side_encryption_configuration).' });
      }
      const access = attachedTo(stack, 'aws_s3_bucket_public_access_block', 'bucket', bucket, 'bucket');
      const flags = ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'];
      if (!access.some((a) => flags.every((f) => a.config[f] === true))) {
        findings.push({ address: bucket.address, fix: `add aws_s3_bucket_public_access_block with ${flags.join(', ')} = true.` });
      }
      const policies = attachedTo(stack, 'aws_s3_bucket_policy', 'bucket', bucket, 'bucket');
      const tlsOnly = policies.some((p) =>
        policiesIn({ resource: { aws_s3_bucket_policy: { [p.name]: p.config } } }).some((located) =>
          (located.document?.statements ?? []).some((s) => s.effect === 'Deny' && conditionEntries(s, 'aws:SecureTransport').some((c) => c.operator === 'Bool' && c.values.includes('false'))),
        ),
      );
      if (!tlsOnly) findings.push({ address: bucket.address, fix: 'add a bucket policy denying requests with aws:SecureTransport = false.' });
      if (block(bucket.config.lifecycle)?.prevent_destroy !== true || bucket.config.force_destroy === true) {
        findings.push({ address: bucket.address, fix: 'set lifecycle.prevent_destroy = true and force_destroy = false.' });
      }
    }
    return findings;
  },
};

/** The rules run on every CI access stack. */
export const CI_ACCESS_RULES: readonly SecurityRule[] = [CI1, CI2];
